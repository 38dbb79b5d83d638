from django.contrib import admin

from .models import GroupRules, ModerationAction, WatchedWord


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


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """Read-only: the log can be read, never changed."""

    list_display = ["created_at", "group", "action", "moderator"]
    list_filter = ["action", "group"]
    readonly_fields = [field.name for field in ModerationAction._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
