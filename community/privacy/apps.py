from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "community.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        from community.notifications.kinds import Email, NotificationKind, register_kind

        from . import erasure, exports, notification_data  # noqa: F401  (register themselves)

        register_kind(
            NotificationKind(
                key="privacy.export_ready",
                label=_("Your copy of your data is ready"),
                sentence=_("The copy of your data that you asked for is ready to download"),
                default_email=Email.IMMEDIATELY,
                permission="",  # about the member's own account, not a group
            )
        )
