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
    # The rest is optional, for a review queue that tells the story.
    # Many at once by id ({id: content}), so the queue's queries do not grow with its rows.
    get_many: Callable[[list[int]], dict[int, object]] | None = None
    # The content warning the author put on it ("" for none).
    warning_of: Callable[[object], str] | None = None
    # Whether peers are not told who wrote it (the queue then names nobody either).
    anonymous_of: Callable[[object], bool] | None = None
    # The thread around it, in order: (author's name, sanitised HTML, whether it is this one).
    context_of: Callable[[object], list[tuple[str, str, bool]]] | None = None
    # Where a clinician adds a note to it, for the clinicians' lane.
    note_url_of: Callable[[object], str] | None = None

    def takes_clinician_notes(self, content) -> bool:
        return self.open_to_notes is not None and self.open_to_notes(content)

    def fetch_many(self, ids: list[int]) -> dict[int, object]:
        """The contents with these ids (one query where the kind offers it)."""
        if self.get_many is not None:
            return self.get_many(ids)
        found = {pk: self.get(pk) for pk in ids}
        return {pk: content for pk, content in found.items() if content is not None}

    def is_hidden(self, content) -> bool:
        """Hidden by moderators (every kind keeps this as `hidden_at`)."""
        return getattr(content, "hidden_at", None) is not None

    def warning(self, content) -> str:
        return self.warning_of(content) if self.warning_of is not None else ""

    def is_anonymous(self, content) -> bool:
        return self.anonymous_of is not None and self.anonymous_of(content)

    def context(self, content) -> list[tuple[str, str, bool]]:
        return self.context_of(content) if self.context_of is not None else []

    def note_url(self, content) -> str:
        return self.note_url_of(content) if self.note_url_of is not None else ""


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
