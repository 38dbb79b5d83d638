"""Reactions to other apps' events (registered in NotificationsConfig.ready)."""

from .services import notify


def notify_inviter(*, invitation, user) -> None:
    """Tell the inviter that their invitation was accepted."""
    notify(
        recipient=invitation.inviter,
        kind="groups.invitation_accepted",
        group=invitation.group,
        actor=user,
        target=f"groups.supportgroup:{invitation.group_id}",
        url=invitation.group.get_absolute_url(),
    )
