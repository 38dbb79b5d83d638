from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model

from community.accounts.admin import UserAdmin

from .models import AccessRecord
from .services import record_access


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


class AuditedUserAdmin(UserAdmin):
    """The accounts admin, with every opened account written to the member's access log.

    Staff see a member's e-mail address and dates here: that is a privileged look at their
    data, which the member can then see. (accounts sits below privacy, so privacy wraps it.)
    """

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        member = self.get_object(request, unquote(object_id))
        looked = request.method == "GET" and response.status_code == 200
        if looked and member is not None and member.pk != request.user.pk:
            record_access(
                viewer=request.user,
                subject=member,
                reason=AccessRecord.Reason.VIEW_ACCOUNT,
                target=member,
            )
        return response


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), AuditedUserAdmin)
