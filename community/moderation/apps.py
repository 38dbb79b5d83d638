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
        from .sections import register_sections

        register_privacy_hooks()
        register_sections()

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
                key="moderation.appeal",
                label=_("Appeals against another moderator's decision (moderators, staff)"),
                sentence=_("A member appealed a moderator's decision in %(group)s"),
                default_email=Email.IMMEDIATELY,
                priority=5,
                # Staff decide appeals in groups whose only moderator made the decision.
                permission="",
                audience="moderation.view_queue",
            )
        )
        register_kind(
            NotificationKind(
                key="moderation.ask_clinician",
                label=_("Posts that need a clinician's word (clinicians)"),
                sentence=_("A clinician's word is asked for in %(group)s"),
                default_email=Email.IMMEDIATELY,
                priority=5,
                permission="moderation.review",
            )
        )
        register_kind(
            NotificationKind(
                key="moderation.clinician_answered",
                label=_("A clinician answered what you asked them to check"),
                sentence=_("A clinician added a note to what you asked about in %(group)s"),
                default_email=Email.DAILY,
                priority=2,
                # Told to the reviewer who asked.
                audience="moderation.review",
            )
        )
        register_kind(
            NotificationKind(
                key="moderation.support_message",
                label=_("Private messages from your group's moderators"),
                # No text of the message, here or in e-mail: only that there is one.
                sentence=_("A moderator of %(group)s sent you a private message"),
                default_email=Email.IMMEDIATELY,
                priority=6,
                # To the member themselves, as decisions about their words are.
                permission="",
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
