from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "community.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from community.notifications.kinds import Email, NotificationKind, register_kind

        from . import policy  # noqa: F401  (registers the moderation permissions)
        from .privacy_hooks import register_privacy_hooks

        register_privacy_hooks()

        register_kind(
            NotificationKind(
                key="moderation.crisis",
                label=_("Someone may need support now (moderators)"),
                sentence=_("Someone may need support now in %(group)s"),
                default_email=Email.IMMEDIATELY,
                priority=10,  # above everything else
                permission="moderation.review",
            )
        )
        register_kind(
            NotificationKind(
                key="moderation.flagged",
                label=_("New concerns to review (moderators)"),
                sentence=_("A member raised a concern in %(group)s"),
                default_email=Email.IMMEDIATELY,
                priority=5,
                permission="moderation.review",
            )
        )
        register_kind(
            NotificationKind(
                key="moderation.outcome",
                label=_("Moderators' decisions about your posts"),
                sentence=_("Moderators acted on something you wrote in %(group)s"),
                default_email=Email.IMMEDIATELY,
                priority=4,
                # About the member themselves: told even after being removed from the group.
                permission="",
            )
        )
