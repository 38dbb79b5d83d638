from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import User
from .sockets import rights_changed


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "display_name")


class UserChangeAdminForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_verified_clinician", "is_active"]
    list_filter = ["is_staff", "is_verified_clinician", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name", "language", "time_zone"]}),
        (
            _("Roles"),
            {"fields": ["is_active", "is_staff", "is_superuser", "is_verified_clinician"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    # Verification is a workflow with reasons and a record (community.clinicians), not a box.
    readonly_fields = ["is_verified_clinician"]
    add_fieldsets = [
        (None, {"fields": ["email", "display_name", "usable_password", "password1", "password2"]}),
    ]

    def save_model(self, request, obj, form, change):
        """An account deactivated (or its staff rights taken) here: its open sockets look
        again at once, as after a logout."""
        super().save_model(request, obj, form, change)
        if change:
            rights_changed(obj.pk)

    def user_change_password(self, request, id, form_url=""):
        """A password set here ends the member's other logins, live sockets included."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            rights_changed(int(id))
        return response
