from django.contrib import admin

from .models import AccessRecord


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """Read-only, and for superusers only: a record links a member to content (for example
    to a post they wrote anonymously), so ordinary staff must not browse it."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    list_display = ["created_at", "viewer", "subject", "reason", "target"]
    list_filter = ["reason"]
    readonly_fields = [field.name for field in AccessRecord._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
