"""Hooks for apps above groups: things that happen to memberships that others react to.

groups may not import notifications (or anything higher), so a higher app registers a
listener in its AppConfig.ready(); the groups service calls it inside its own transaction,
so whatever the listener writes commits or rolls back with the cause.
"""

from collections.abc import Callable

InvitationListener = Callable[..., None]
_accepted_listeners: list[InvitationListener] = []


def on_invitation_accepted(listener: InvitationListener) -> None:
    """Call `listener(invitation=..., user=...)` whenever an invitation is accepted."""
    if listener not in _accepted_listeners:
        _accepted_listeners.append(listener)


def invitation_accepted(*, invitation, user) -> None:
    """Tell every listener, inside the accepting transaction."""
    for listener in _accepted_listeners:
        listener(invitation=invitation, user=user)
