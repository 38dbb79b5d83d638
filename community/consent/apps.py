from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "community.consent"
    label = "consent"
    verbose_name = _("Consent")

    def ready(self):
        from community.accounts import sockets
        from community.groups.demo import register_demo_seeder
        from community.groups.events import register_join_check
        from community.privacy.erasure import Eraser, register_eraser
        from community.privacy.exports import ExportSection, register_export_section

        from . import policy  # noqa: F401  (registers the permissions)
        from .demo import seed_demo_documents
        from .exports import consent_history
        from .listeners import on_documents_published, on_withdrawal
        from .middleware import CONSENT_NEEDED_CLOSE_CODE
        from .models import REQUIRED_KINDS
        from .services import end_consents_of_closed_account
        from .state import has_accepted_required_documents, look_up_members

        register_demo_seeder(seed_demo_documents)
        register_join_check(has_accepted_required_documents)
        # Live sockets (chat, Q&A, the bell) close with 4451 once the documents in force are
        # not all accepted: a new version published, or a required consent withdrawn.
        sockets.register_standing_rule(
            CONSENT_NEEDED_CLOSE_CODE, has_accepted_required_documents, look_up_many=look_up_members
        )
        on_documents_published(sockets.everyones_rights_changed)
        for kind in REQUIRED_KINDS:
            on_withdrawal(kind, sockets.rights_changed)
        register_eraser(Eraser("consent", end_consents_of_closed_account))
        register_export_section(
            ExportSection(key="consent", title=_("Consent history"), collect=consent_history)
        )
