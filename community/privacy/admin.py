from django.contrib import admin

from .models import AccessRecord


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """Read-only: the audit trail can be inspected, never edited."""

    list_display = ["created_at", "viewer", "subject", "reason", "target"]
    list_filter = ["reason"]
    readonly_fields = [field.name for field in AccessRecord._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
