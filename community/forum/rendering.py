"""Pieces of the thread page built in Python, once per post, instead of per-post template
includes: the reaction bar (a form per post, its buttons and counts) and the post's time.

The markup is what templates/forum/thread_detail.html used to include per post; the htmx
reaction toggle answers with the same bar. Labels are translated in ReactionKind (msgids
unchanged); the CSRF token is the page's one token, the same value every form carries.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString


@dataclass(frozen=True, slots=True)
class ReactionCount:
    kind: str
    label: str
    count: int
    mine: bool


def reaction_bar(
    post_id: int, reactions: list[ReactionCount], *, csrf_token: str | None, post_base: str
) -> SafeString:
    """The reaction bar of one post: a form of toggle buttons for a member who may react
    (works without JavaScript; htmx swaps the bar in place), the counts only otherwise.

    Plain string building: this runs for every post of a page. Every text from outside the
    code (labels, the URL, the token) is escaped; ids and counts are integers.
    """
    post_id = int(post_id)
    if csrf_token is None:
        shown = "".join(
            f'<span class="reaction-static">{escape(reaction.label)} '
            f"{count_text(reaction.count)}</span> "
            for reaction in reactions
            if reaction.count
        )
        return SafeString(
            f'<div class="reactions" id="reactions-{post_id}">\n'
            f'    <p class="reaction-summary">{shown}</p>\n</div>'
        )
    buttons = "".join(
        f'\n      <button type="submit" id="react-{post_id}-{escape(reaction.kind)}" '
        f'name="reaction" value="{escape(reaction.kind)}:{"off" if reaction.mine else "on"}" '
        f'class="reaction{" is-mine" if reaction.mine else ""}" '
        f'aria-pressed="{"true" if reaction.mine else "false"}">{escape(reaction.label)}'
        + (
            f' <span class="reaction-count">{count_text(reaction.count)}</span>'
            if reaction.count
            else ""
        )
        + "</button>"
        for reaction in reactions
    )
    action = escape(f"{post_base}{post_id}/react/")
    return SafeString(
        f'<div class="reactions" id="reactions-{post_id}">\n'
        f'    <form method="post" action="{action}" hx-post="{action}" '
        f'hx-target="#reactions-{post_id}" hx-swap="outerHTML" '
        f'hx-disabled-elt="#reactions-{post_id} button" class="reaction-form">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
        f"{buttons}\n    </form>\n</div>"
    )


def count_text(count: int) -> str:
    """A count as templates show a number (localized: a thousands separator if enabled)."""
    return str(int(count)) if count < 1000 else escape(formats.localize(count))


@dataclass(frozen=True, slots=True)
class ShownTime:
    """A moment as the page shows it: machine-readable, and in the member's zone and style."""

    iso: str
    text: str


def shown_time(moment: datetime) -> ShownTime:
    """Format a time once, as `|date:'c'` and `|date:"DATETIME_FORMAT"` would in a template
    (UserLanguageMiddleware has activated the member's zone and language: one clock)."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return ShownTime(local.isoformat(), formats.date_format(local, "DATETIME_FORMAT"))
