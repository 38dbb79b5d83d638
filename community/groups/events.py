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


# Whether a member may join a group yet (e.g. consent: not before accepting the documents in
# force). A higher app registers `check(user) -> bool`; every check must pass.
_join_checks: list[Callable[[object], bool]] = []


def register_join_check(check: Callable[[object], bool]) -> None:
    if check not in _join_checks:
        _join_checks.append(check)


def ready_to_join(user) -> bool:
    return all(check(user) for check in _join_checks)
