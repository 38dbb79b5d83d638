from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model

from community.accounts.admin import UserAdmin

from .models import AccessRecord, AuditErasure
from .services import record_access


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows, never adds, changes or deletes: records whose rules live in their services
    (consent documents, the consent ledger, the audit logs)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SuperusersReadOnlyAdmin(ReadOnlyAdmin):
    """Read-only, and for superusers only: audit records link members to content (for
    example to a post they wrote anonymously), so ordinary staff must not browse them."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(AccessRecord)
class AccessRecordAdmin(SuperusersReadOnlyAdmin):
    list_display = ["created_at", "viewer", "subject", "reason", "target"]
    list_filter = ["reason"]
    list_select_related = ["viewer", "subject"]
    readonly_fields = [field.name for field in AccessRecord._meta.fields]


@admin.register(AuditErasure)
class AuditErasureAdmin(SuperusersReadOnlyAdmin):
    """Which audit rows retention or redaction erased, and why."""

    list_display = ["created_at", "table", "rows_deleted", "rows_changed", "reason"]
    list_filter = ["table", "reason"]
    readonly_fields = [field.name for field in AuditErasure._meta.fields]


class AuditedUserAdmin(UserAdmin):
    """The accounts admin, with every opened account written to the member's access log.

    Staff see a member's e-mail address and dates on an account's pages: that is a
    privileged look at their data, which the member can then see. The list shows display
    names only (search still finds an address), so browsing it reveals no address.
    (accounts sits below privacy, so privacy wraps its admin.)
    """

    list_display = ["display_name", "is_staff", "is_verified_clinician", "is_active"]
    ordering = ["display_name"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self.record_look(request, object_id, response)
        return response

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        self.record_look(request, id, response)
        return response

    def record_look(self, request, object_id, response) -> None:
        if request.method != "GET" or response.status_code != 200:
            return
        member = self.get_object(request, unquote(object_id))
        if member is not None and member.pk != request.user.pk:
            record_access(
                viewer=request.user,
                subject=member,
                reason=AccessRecord.Reason.VIEW_ACCOUNT,
                target=member,
            )


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), AuditedUserAdmin)
