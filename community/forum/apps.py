from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "community.forum"
    label = "forum"
    verbose_name = _("Forum")

    def ready(self) -> None:
        from community.groups.demo import register_demo_seeder

        from . import policy  # noqa: F401  (registers the forum's permissions)
        from .demo import seed_forum_demo

        register_demo_seeder(seed_forum_demo)
        register_notification_kinds()
        from community.moderation.registry import register

        from .moderation_hooks import CLINICIAN_NOTE, FORUM_POST

        register(FORUM_POST)
        register(CLINICIAN_NOTE)
        from .privacy_hooks import register_privacy_hooks
        from .sections import register_sections

        register_privacy_hooks()
        register_sections()


def register_notification_kinds() -> None:
    from community.notifications.kinds import Email, NotificationKind, register_kind

    register_kind(
        NotificationKind(
            key="forum.reply",
            label=_("Replies in threads you follow"),
            sentence=_("%(actor)s replied in a thread you follow in %(group)s"),
            default_email=Email.DAILY,
        )
    )
    register_kind(
        NotificationKind(
            key="forum.mention",
            label=_("When someone mentions you"),
            sentence=_("%(actor)s mentioned you in %(group)s"),
            default_email=Email.IMMEDIATELY,
            priority=1,
        )
    )
    register_kind(
        NotificationKind(
            key="forum.clinician_note",
            label=_("A clinician's note under your post"),
            sentence=_("%(actor)s added a clinician's note to your post in %(group)s"),
            default_email=Email.DAILY,
            priority=2,
        )
    )
