"""The group's own rules for words before they are stored: watched words and pre-moderation.

`community.safety.screening.screen_text` is the one call that content services make; it asks
this module for the group's part and adds crisis language and personal data.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.groups.models import Role
from community.groups.policy import active_membership

from .models import PREMODERATION, WATCHED_WORD_PREFIX, GroupRules, WatchedWord


@dataclass
class Screening:
    blocked_by: str = ""  # the watched phrase that refuses the text, if any
    hold: bool = False
    flag_phrases: list[str] = field(default_factory=list)
    note: str = ""

    def flag_notes(self) -> list[str]:
        """Why moderators are asked to look, one note per watched phrase found."""
        return [f"{WATCHED_WORD_PREFIX}{phrase}" for phrase in self.flag_phrases]


def matches(phrase: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase.lower()) + r"(?!\w)", text) is not None


def screen(
    *, group, author, text: str, earlier: str = "", earlier_posts: int | None = None
) -> Screening:
    """Decide whether text is refused, held for review, flagged, or simply published.

    A refused word is refused wherever it stands (an edit may not keep one either); words
    that hold or flag count only where they are new, so an edit beside them asks nothing
    again. `earlier_posts` (the author's published posts in the group) is given for new
    forum posts only: pre-moderation holds a member's first posts, not their edits.
    """
    result = Screening()
    lowered, before = text.lower(), earlier.lower()
    for word in WatchedWord.objects.filter(group=group):
        if not matches(word.phrase, lowered):
            continue
        if word.response == WatchedWord.Response.BLOCK:
            result.blocked_by = word.phrase
            return result
        if before and matches(word.phrase, before):
            continue
        if word.response == WatchedWord.Response.HOLD:
            result.hold, result.note = True, f"{WATCHED_WORD_PREFIX}{word.phrase}"
        else:
            result.flag_phrases.append(word.phrase)
    if earlier_posts is not None and premoderated(group, author, earlier_posts):
        result.hold = True
        result.note = result.note or PREMODERATION
    return result


def premoderated(group, author, earlier_posts: int) -> bool:
    """Whether the group's rules hold this author's next post (never a reviewer's)."""
    membership = active_membership(author, group)
    if membership is not None and membership.role in Role.privileged():
        return False
    rules = GroupRules.for_group(group)
    return rules.premoderate_everyone or earlier_posts < rules.premoderate_first_posts


def refuse_if_blocked(screening: Screening) -> None:
    if screening.blocked_by:
        raise ValidationError(
            _("This group does not allow “%(phrase)s”. Please rephrase your message."),
            code="watched_word",
            params={"phrase": screening.blocked_by},
        )
