from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "community.groups"
    label = "groups"
    verbose_name = _("Groups")

    def ready(self) -> None:
        from community.accounts.mfa import register_privilege_check

        from . import policy

        register_privilege_check(policy.holds_privileged_role)
