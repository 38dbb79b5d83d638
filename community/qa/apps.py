from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QAConfig(AppConfig):
    name = "community.qa"
    label = "qa"
    verbose_name = _("Q&A sessions")

    def ready(self) -> None:
        from community.consent.listeners import on_withdrawal
        from community.consent.models import Kind
        from community.moderation.registry import register
        from community.notifications.kinds import Email, NotificationKind, register_kind

        from . import policy  # noqa: F401  (registers the permissions)
        from .knowledge import unquote_member
        from .moderation_hooks import QA_QUESTION

        register(QA_QUESTION)
        on_withdrawal(Kind.KNOWLEDGE_BANK, unquote_member)
        register_kind(
            NotificationKind(
                key="qa.reminder",
                label=_("Reminders of Q&A sessions you will attend"),
                sentence=_("A Q&A session you will attend starts soon in %(group)s"),
                default_email=Email.IMMEDIATELY,
            )
        )
        register_kind(
            NotificationKind(
                key="qa.answer",
                label=_("Answers to your questions in Q&A sessions"),
                sentence=_("%(actor)s answered your question in %(group)s"),
                default_email=Email.IMMEDIATELY,
            )
        )
        from community.groups.demo import register_demo_seeder

        from .demo import seed_qa_demo

        register_demo_seeder(seed_qa_demo)
        from .privacy_hooks import register_privacy_hooks
        from .sections import register_sections

        register_privacy_hooks()
        register_sections()
