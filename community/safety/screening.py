"""The one screening of member-written text, new or edited, before it is stored.

Every service that creates or changes words a member wrote (posts and thread titles, chat
messages, Q&A questions, clinicians' notes) calls `screen_text` before it writes and
`act_on_screening` once the content has its id, in the same transaction: the group's
watched words (block, hold, flag), crisis language, and personal details the author must
confirm. A second path is how a safety net gets skipped, so there is none.
"""

from collections.abc import Callable
from dataclasses import dataclass

from community.moderation.screening import refuse_if_blocked, screen
from community.moderation.services import flag_automatically, raise_crisis

from .crisis import newly_in_crisis
from .personal_data import Confirmation
from .services import ConfirmedPersonalData, screen_personal_data


@dataclass(frozen=True)
class ScreenedText:
    """What must happen to the text once it is stored."""

    hold_note: str  # why it should wait for a moderator ("" = publish it)
    flag_notes: tuple[str, ...]  # why moderators are asked to look at it
    crisis: bool  # the words (newly) suggest a crisis
    personal_data: ConfirmedPersonalData

    @property
    def hold(self) -> bool:
        return bool(self.hold_note)


def screen_text(
    *,
    group,
    author,
    text: str,
    earlier: str = "",
    personal_data: Confirmation | None = None,
    earlier_posts: int | None = None,
) -> ScreenedText:
    """Refuse what may not be stored (a blocked word: ValidationError; unconfirmed personal
    details: PersonalDataFound), and say what else the stored text needs.

    `earlier` is the text before an edit: only what the edit brings in holds, flags or
    raises a crisis. `earlier_posts` is given for new forum posts (pre-moderation).
    """
    watched = screen(
        group=group, author=author, text=text, earlier=earlier, earlier_posts=earlier_posts
    )
    refuse_if_blocked(watched)
    confirmed = screen_personal_data(text, personal_data, earlier=earlier)
    return ScreenedText(
        hold_note=watched.note if watched.hold else "",
        flag_notes=tuple(watched.flag_notes()),
        crisis=newly_in_crisis(text, earlier=earlier),
        personal_data=confirmed,
    )


def act_on_screening(
    screened: ScreenedText,
    *,
    kind: str,
    object_id: int,
    group,
    author,
    withhold: Callable[[str], object] | None = None,
) -> bool:
    """Do what the screening asked, for the stored content; return whether it raised a
    crisis (the writer is then offered support).

    `withhold(note)` keeps held content from peers until a moderator looks (a new post
    waits for approval; an edited post is hidden). Content that cannot wait (a live chat)
    passes none: moderators are asked to look at it instead. Published content is flagged
    for each watched word; held content is in the queue already. Crisis words come first.
    """
    screened.personal_data.record(kind=kind, object_id=object_id, author=author)
    if screened.crisis:
        # First: a crisis must reach the reviewers as one, even where a watched word below
        # would otherwise reopen the item as an ordinary concern.
        raise_crisis(kind=kind, object_id=object_id, group=group, author=author)
    notes = list(screened.flag_notes)
    if screened.hold and withhold is not None:
        withhold(screened.hold_note)
        notes = []
    elif screened.hold:
        notes.append(screened.hold_note)
    for note in dict.fromkeys(notes):
        flag_automatically(kind=kind, object_id=object_id, group=group, author=author, note=note)
    return screened.crisis
