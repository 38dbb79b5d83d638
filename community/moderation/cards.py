"""What the queue's cards tell a reviewer at a glance: an excerpt (behind its content
warning), who wrote it, why it is here, how long it has waited and who is on it."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .models import ModerationItem, Reason
from .registry import get_kind

EXCERPT_WORDS = 30


@dataclass
class Card:
    item: ModerationItem
    excerpt: str = ""
    warning: str = ""
    author_name: str = ""
    reasons: list[str] = field(default_factory=list)
    # Nobody has acted yet (the card then counts the time it has waited).
    waiting: bool = True


def excerpt_of(html: str) -> str:
    """The first words of the content, as plain text (escaped again by the template)."""
    return Truncator(" ".join(strip_tags(html).split())).words(EXCERPT_WORDS)


def reasons_of(item: ModerationItem) -> list[str]:
    """Why the item is here, each once with how many raised it (flags prefetched)."""
    counts: dict[str, int] = defaultdict(int)
    labels = dict(Reason.choices)
    for flag in item.flags.all():
        counts[flag.reason] += 1
    reasons = [item.held_reason_display] if item.held_reason else []
    if item.crisis and Reason.CRISIS not in counts:
        reasons.append(_("Crisis words were found in it"))
    for reason, count in counts.items():
        label = str(labels.get(reason, reason))
        reasons.append(label if count == 1 else f"{label} (×{count})")
    return reasons


def author_name(item: ModerationItem, moderated, content) -> str:
    if content is not None and moderated.is_anonymous(content):
        return _("Anonymous to peers")
    if item.author is None:
        return _("Former member")
    return item.author.public_name


def cards_for(items: list[ModerationItem], *, with_content: bool) -> list[Card]:
    """A card per item; the contents fetched in one query per kind, not per row. Without
    content (staff, who oversee but do not review) a card keeps to reasons and times."""
    contents: dict[tuple[str, int], object] = {}
    if with_content:
        ids_by_kind: dict[str, list[int]] = defaultdict(list)
        for item in items:
            ids_by_kind[item.kind].append(item.object_id)
        for kind, ids in ids_by_kind.items():
            moderated = get_kind(kind)
            if moderated is not None:
                for pk, content in moderated.fetch_many(ids).items():
                    contents[(kind, pk)] = content
    cards = []
    for item in items:
        card = Card(item=item, reasons=reasons_of(item))
        card.waiting = item.first_action_at is None
        moderated = get_kind(item.kind)
        content = contents.get((item.kind, item.object_id))
        if with_content and moderated is not None and content is not None:
            card.excerpt = excerpt_of(moderated.html_of(content))
            card.warning = moderated.warning(content)
            card.author_name = author_name(item, moderated, content)
        cards.append(card)
    return cards
