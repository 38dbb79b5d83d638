from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "community.consent"
    label = "consent"
    verbose_name = _("Consent")

    def ready(self):
        from community.groups.demo import register_demo_seeder
        from community.groups.events import register_join_check
        from community.privacy.erasure import Eraser, register_eraser
        from community.privacy.exports import ExportSection, register_export_section

        from . import policy  # noqa: F401  (registers the permissions)
        from .demo import seed_demo_documents
        from .exports import consent_history
        from .services import end_consents_of_closed_account
        from .state import has_accepted_required_documents

        register_demo_seeder(seed_demo_documents)
        register_join_check(has_accepted_required_documents)
        register_eraser(Eraser("consent", end_consents_of_closed_account))
        register_export_section(
            ExportSection(key="consent", title=_("Consent history"), collect=consent_history)
        )
