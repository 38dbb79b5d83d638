from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CliniciansConfig(AppConfig):
    name = "community.clinicians"
    label = "clinicians"
    verbose_name = _("Clinician verification")

    def ready(self) -> None:
        from community.groups.demo import register_demo_seeder
        from community.notifications.kinds import Email, NotificationKind, register_kind

        from . import policy  # noqa: F401  (registers the permissions)
        from .demo import seed_clinician_demo
        from .privacy_hooks import register_privacy_hooks

        register_demo_seeder(seed_clinician_demo)
        register_privacy_hooks()

        register_kind(
            NotificationKind(
                key="clinicians.decision",
                label=_("Decisions about your clinician verification"),
                sentence=_("There is news about your clinician verification"),
                default_email=Email.IMMEDIATELY,
                permission="",  # about the member's own account, not a group
            )
        )
