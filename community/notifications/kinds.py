"""The registry of notification kinds. Each app registers its own; nothing here lists them.

A kind says how to describe what happened without any content (e-mails may be read by
others: no post text, no condition), and how it is e-mailed unless the member chooses.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class Email:
    """When a member hears about a kind by e-mail."""

    IMMEDIATELY = "immediately"
    DAILY = "daily"
    NEVER = "never"
    CHOICES = [
        (IMMEDIATELY, _("Immediately")),
        (DAILY, _("In a daily summary")),
        (NEVER, _("Never")),
    ]


@dataclass(frozen=True)
class NotificationKind:
    key: str  # "forum.reply"
    label: str  # shown in the settings: "Replies in threads you follow"
    # "%(actor)s replied in a thread you follow": what happened, with no content.
    sentence: str
    default_email: str = Email.DAILY
    # Higher first in lists; safety's crisis alerts will use the top.
    priority: int = 0
    # Who may still hear about it: by default only those who may read the group's content
    # (not staff who merely administer it, not removed members).
    permission: str = "groups.read_content"
    # Who the kind is for, shown among their e-mail choices: those with this permission in
    # at least one group ("" for everyone; None: the same as `permission`). Narrower than
    # `permission` where only some readers are ever told (reviewers, inviters).
    audience: str | None = None

    @property
    def audience_permission(self) -> str:
        return self.permission if self.audience is None else self.audience


_kinds: dict[str, NotificationKind] = {}


def register_kind(kind: NotificationKind) -> None:
    """Make a kind known; apps call this from AppConfig.ready()."""
    registered = _kinds.get(kind.key)
    if registered is not None and registered != kind:
        raise ValueError(f"Notification kind {kind.key!r} is already registered.")
    _kinds[kind.key] = kind


def get_kind(key: str) -> NotificationKind:
    return _kinds[key]


def find_kind(key: str) -> NotificationKind | None:
    """The kind, or None if no app registers it any more (old rows must still display)."""
    return _kinds.get(key)


def all_kinds() -> list[NotificationKind]:
    return sorted(_kinds.values(), key=lambda kind: (-kind.priority, str(kind.label)))


def register_core_kinds() -> None:
    """Kinds about memberships, which groups (below this app) cannot register itself."""
    register_kind(
        NotificationKind(
            key="groups.invitation_accepted",
            label=_("Someone accepted your invitation"),
            sentence=_("%(actor)s accepted your invitation and joined %(group)s"),
            default_email=Email.DAILY,
            # Inviters may be staff, who see the group's page but not its content.
            permission="groups.view_group",
            # Only those who may invite are ever told.
            audience="groups.manage_invitations",
        )
    )
