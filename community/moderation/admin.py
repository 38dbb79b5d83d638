from django.contrib import admin

from .models import GroupRules, WatchedWord


@admin.register(GroupRules)
class GroupRulesAdmin(admin.ModelAdmin):
    list_display = [
        "group",
        "auto_hide_after_flags",
        "premoderate_first_posts",
        "premoderate_everyone",
    ]


@admin.register(WatchedWord)
class WatchedWordAdmin(admin.ModelAdmin):
    list_display = ["phrase", "group", "response"]
    list_filter = ["group", "response"]


# The action log is not in the admin: it holds redacted text and appeal messages, which only
# the group's reviewers may read (in the app), and it must never be edited.
