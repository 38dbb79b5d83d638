"""Kinds of content that can be flagged and moderated, registered by the apps that own them.

moderation sits below forum and chat, so it never imports them: each registers a
`ModeratedKind` in its AppConfig.ready() with small callbacks that fetch the content and
apply a moderator's decision to it.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ModeratedKind:
    key: str  # "forum.post"
    label: str  # "Forum post"
    get: Callable[[int], object | None]  # the content by id, or None
    group_of: Callable[[object], object]  # its SupportGroup
    author_of: Callable[[object], object | None]
    text_of: Callable[[object], str]  # the author's source text (for before/after)
    html_of: Callable[[object], str]  # sanitised HTML, to show in the queue
    url_of: Callable[[object], str]
    set_hidden: Callable[[object, bool], None]
    remove: Callable[[object, str], None]  # (content, reason the author is told)
    # (content, new source text, reason the author is told), keeping the history
    redact: Callable[[object, str, str], None]
    approve: Callable[[object], None]  # publish content that was held for review
    # Undo a removal or a redaction's note, a decision reversed on appeal: the content is
    # shown again and its author may edit it (redacted words stay erased).
    reinstate: Callable[[object], None]
    # Whether clinicians can add a note to it now, so members may ask for one (a health
    # claim); None for kinds that never take notes.
    open_to_notes: Callable[[object], bool] | None = None

    def takes_clinician_notes(self, content) -> bool:
        return self.open_to_notes is not None and self.open_to_notes(content)


_kinds: dict[str, ModeratedKind] = {}


def register(kind: ModeratedKind) -> None:
    if kind.key in _kinds and _kinds[kind.key] != kind:
        raise ValueError(f"Moderated kind {kind.key!r} is already registered.")
    _kinds[kind.key] = kind


def get_kind(key: str) -> ModeratedKind | None:
    return _kinds.get(key)


# Facts about an item that apps above moderation know, for the reviewer (safety: the author
# confirmed the personal details in it). A provider takes (kind, object id), gives sentences.
ItemNotes = Callable[[str, int], list[str]]
_item_notes: list[ItemNotes] = []


def register_item_notes(provider: ItemNotes) -> None:
    if provider not in _item_notes:
        _item_notes.append(provider)


def item_notes(kind: str, object_id: int) -> list[str]:
    return [note for provider in _item_notes for note in provider(kind, object_id)]
