"""Apps that act on a consent (the knowledge bank, research exports) hear when it ends.

Lower apps cannot import them, so they register a callback here in AppConfig.ready(); it is
called after the withdrawal commits, with the member's id.
"""

from collections import defaultdict
from collections.abc import Callable

_listeners: dict[str, list[Callable[[int], None]]] = defaultdict(list)


def on_withdrawal(kind: str, callback: Callable[[int], None]) -> None:
    """Call `callback(user_id)` whenever a member withdraws consent of `kind`."""
    if callback not in _listeners[kind]:
        _listeners[kind].append(callback)


def announce_withdrawal(kind: str, user_id: int) -> None:
    for callback in _listeners[kind]:
        callback(user_id)


_published_listeners: list[Callable[[], None]] = []


def on_documents_published(callback: Callable[[], None]) -> None:
    """Call `callback()` after a new version is published (live connections re-check)."""
    if callback not in _published_listeners:
        _published_listeners.append(callback)


def announce_publication() -> None:
    for callback in _published_listeners:
        callback()
