"""Checks on new content before it is published: watched words and pre-moderation."""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.groups.models import Role
from community.groups.policy import active_membership

from .models import PREMODERATION, WATCHED_WORD_PREFIX, GroupRules, WatchedWord


@dataclass
class Screening:
    blocked_by: str = ""  # the watched phrase that refuses the post, if any
    hold: bool = False
    flag_phrases: list[str] = field(default_factory=list)
    note: str = ""


def matches(phrase: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase.lower()) + r"(?!\w)", text) is not None


def screen(*, group, author, text: str, earlier_posts: int) -> Screening:
    """Decide whether new content is refused, held for review, flagged, or simply published."""
    result = Screening()
    lowered = text.lower()
    for word in WatchedWord.objects.filter(group=group):
        if not matches(word.phrase, lowered):
            continue
        if word.response == WatchedWord.Response.BLOCK:
            result.blocked_by = word.phrase
            return result
        if word.response == WatchedWord.Response.HOLD:
            result.hold, result.note = True, f"{WATCHED_WORD_PREFIX}{word.phrase}"
        else:
            result.flag_phrases.append(word.phrase)
    membership = active_membership(author, group)
    reviewer = membership is not None and membership.role in Role.privileged()
    if not reviewer:
        rules = GroupRules.for_group(group)
        if rules.premoderate_everyone or earlier_posts < rules.premoderate_first_posts:
            result.hold = True
            result.note = result.note or PREMODERATION
    return result


def refuse_if_blocked(screening) -> None:
    if screening.blocked_by:
        raise ValidationError(
            _("This group does not allow “%(phrase)s”. Please rephrase your message."),
            code="watched_word",
            params={"phrase": screening.blocked_by},
        )


def refuse_blocked_words(group, author, text: str) -> None:
    """An edit may not bring in a word the group refuses."""
    refuse_if_blocked(screen(group=group, author=author, text=text, earlier_posts=10**6))
