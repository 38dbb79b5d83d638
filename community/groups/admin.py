from django.contrib import admin

from .models import Condition, Invitation, Membership, SupportGroup


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class MembershipInline(admin.TabularInline):
    """Read-only: people join through invitations, so the policy's rules always apply."""

    model = Membership
    extra = 0
    fields = ["user", "role", "state", "joined_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupportGroup)
class SupportGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "condition", "kind", "language"]
    list_filter = ["kind", "language", "condition"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are created and revoked through the group's invitation page."""

    list_display = ["email", "group", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["group", "role"]
    readonly_fields = [field.name for field in Invitation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
