from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "community.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from community.groups.events import on_invitation_accepted

        from .kinds import register_core_kinds
        from .listeners import notify_inviter

        register_core_kinds()
        on_invitation_accepted(notify_inviter)
