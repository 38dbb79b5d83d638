"""The thread page's posts built in Python, once per post, instead of a template loop with
per-post includes: each post's article (PostArticles), its reaction bar (a form per post, its
buttons and counts; ReactionBars) and its time (Clock).

The markup is what templates/forum/thread_detail.html used to write per post; the htmx
reaction toggle answers with the same bar. Labels are translated with the msgids the
template used; the CSRF token is the page's one token, the same value every form carries.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import dateformat, formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _


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
    (works without JavaScript; htmx swaps the bar in place), the counts only otherwise."""
    return ReactionBars(
        [(reaction.kind, reaction.label) for reaction in reactions],
        csrf_token=csrf_token,
        post_base=post_base,
    ).bar(
        post_id,
        {reaction.kind: reaction.count for reaction in reactions},
        {reaction.kind for reaction in reactions if reaction.mine},
    )


class ReactionBars:
    """Reaction bars for the posts of one page: the labels, the token and the address are
    escaped once, each post's bar is then formatted from its counts and the member's own.

    Plain string building: this runs for every post of a page. Every text from outside the
    code (labels, the URL, the token) is escaped; ids and counts are integers.
    """

    def __init__(self, labels: list[tuple[str, str]], *, csrf_token: str | None, post_base: str):
        self.kinds = [(kind, escape(kind), escape(label)) for kind, label in labels]
        self.token = None if csrf_token is None else escape(csrf_token)
        self.post_base = escape(post_base)

    def bar(self, post_id: int, counts: dict, mine) -> SafeString:
        post_id = int(post_id)
        if self.token is None:
            shown = "".join(
                f'<span class="reaction-static">{label} {count_text(counts[kind])}</span> '
                for kind, _kind, label in self.kinds
                if counts.get(kind)
            )
            return SafeString(
                f'<div class="reactions" id="reactions-{post_id}">\n'
                f'    <p class="reaction-summary">{shown}</p>\n</div>'
            )
        buttons = []
        for kind, safe_kind, label in self.kinds:
            count = counts.get(kind, 0)
            if kind in mine:
                state = f'value="{safe_kind}:off" class="reaction is-mine" aria-pressed="true"'
            else:
                state = f'value="{safe_kind}:on" class="reaction" aria-pressed="false"'
            shown = f' <span class="reaction-count">{count_text(count)}</span>' if count else ""
            buttons.append(
                f'\n      <button type="submit" id="react-{post_id}-{safe_kind}" '
                f'name="reaction" {state}>{label}{shown}</button>'
            )
        action = f"{self.post_base}{post_id}/react/"
        return SafeString(
            f'<div class="reactions" id="reactions-{post_id}">\n'
            f'    <form method="post" action="{action}" hx-post="{action}" '
            f'hx-target="#reactions-{post_id}" hx-swap="outerHTML" '
            f'hx-disabled-elt="#reactions-{post_id} button" class="reaction-form">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.token}">'
            f"{''.join(buttons)}\n    </form>\n</div>"
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
    return Clock().shown(moment)


# Format characters (django.utils.dateformat) whose text depends on the time of day alone,
# and those that depend on the zone or on the whole moment.
TIME_OF_DAY = frozenset("aAfgGhHiPsu")
WHOLE_MOMENT = frozenset("ceIOrTUZ")


class Clock:
    """Times as `|date:"DATETIME_FORMAT"` writes them, in the active language and zone, for
    the many times of one page: the date's part of the format is written once per day (month
    names are translated lookups), the time of day's per moment. Same text as the filter."""

    def __init__(self):
        self.format = str(formats.get_format("DATETIME_FORMAT"))
        self.pieces = dateformat.re_formatchars.split(self.format)
        self.whole = any(piece in WHOLE_MOMENT for piece in self.pieces[1::2])
        self.days: dict = {}

    def shown(self, moment: datetime) -> ShownTime:
        local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
        return ShownTime(local.isoformat(), self.text(local))

    def text(self, local: datetime) -> str:
        if self.whole:
            return dateformat.format(local, self.format)
        day = local.date()
        pieces = self.days.get(day)
        if pieces is None:
            pieces = self.days[day] = self.day_pieces(local)
        out = []
        moment_format = None
        for is_time, piece in pieces:
            if not is_time:
                out.append(piece)
            elif piece == "H":
                out.append(f"{local.hour:02d}")
            elif piece == "i":
                out.append(f"{local.minute:02d}")
            else:
                moment_format = moment_format or dateformat.DateFormat(local)
                out.append(str(getattr(moment_format, piece)()))
        return "".join(out)

    def day_pieces(self, local: datetime) -> list[tuple[bool, str]]:
        """The format with its date characters written out for this day (as Django's
        dateformat.Formatter does) and its time-of-day characters left to fill in."""
        day_format = dateformat.DateFormat(local)
        pieces = []
        for index, piece in enumerate(self.pieces):
            if index % 2:
                if piece in TIME_OF_DAY:
                    pieces.append((True, piece))
                else:
                    pieces.append((False, str(getattr(day_format, piece)())))
            elif piece:
                pieces.append((False, dateformat.re_escaped.sub(r"\1", piece)))
        return pieces


# --- A whole post -------------------------------------------------------------------------


class PostArticles:
    """The thread page's post articles, built in Python once per post (the page's hot path:
    a template loop cost some 2,000 variable lookups and 400 number localisations per page).

    Everything a post shows is decided before this runs (views.PostRow: the policy's answers
    for each post); this only writes markup. The markup, texts and msgids are what the
    template's loop wrote: the page looks and reads the same, in every language. Every text
    from outside the code (names, notes, warnings, URLs) is escaped; post and note bodies are
    the stored, sanitised HTML, as `|safe` showed them; ids and numbers are integers.

    Built per request: the texts are translated into the member's language once per page.
    """

    def __init__(
        self,
        *,
        user_id: int,
        can_reply: bool,
        can_moderate: bool,
        page_number: int,
        post_base: str,
        image_base: str,
        flag_base: str,
        review_base: str,
        note_flag_base: str,
        note_review_base: str,
        clock: "Clock | None" = None,
    ):
        self.user_id = user_id
        self.can_reply = can_reply
        self.can_moderate = can_moderate
        self.page_number = int(page_number)
        self.post_base = escape(post_base)
        self.image_base = escape(image_base)
        self.flag_base = escape(flag_base)
        self.review_base = escape(review_base)
        self.note_flag_base = escape(note_flag_base)
        self.note_review_base = escape(note_review_base)
        self.clock = clock or Clock()
        # Translated once per page; as in the template, translations are written unescaped
        # ({% translate %} and {% blocktranslate %} mark them safe), the values put into
        # them are escaped.
        self.text = {
            "anonymous": _("A group member"),
            "you_anonymously": _("you, anonymously"),
            "clinician": _("Verified clinician"),
            "former": _("Former member"),
            "edited": _("edited"),
            "new": _("New"),
            "deleted": _("Deleted by author"),
            "removed": _("Removed by moderators"),
            "hidden_for_review": _("Hidden by moderators while it is reviewed"),
            "waiting_own": _(
                "Waiting for review: other members will see this once a moderator has approved it."
            ),
            "waiting": _("Waiting for review."),
            "removed_seen": _("Removed by moderators: only moderators see this."),
            "hidden_seen": _("Hidden from other members while moderators review it."),
            "show_message": _("Show message"),
            "note_heading": _("Clinician's note"),
            "flag_note": _("Flag this note"),
            "moderate": _("Moderate"),
            "edit_history": _("Edit history"),
            "quote": _("Quote"),
            "edit": _("Edit"),
            "delete": _("Delete"),
            "flag": _("Flag"),
            "ask_clinician": _("Ask a clinician to check"),
            "change_note": _("Change your clinician's note"),
            "add_note": _("Add a clinician's note"),
            "who_wrote": _("Who wrote this?"),
        }

    def render(self, rows) -> SafeString:
        return SafeString("\n".join([self.article(row) for row in rows]))

    def article(self, row) -> str:
        post = row.post
        text = self.text
        number = int(post.number)
        pk = int(post.pk)
        link = f"{self.post_base}{pk}/"
        parts = [
            f'<article class="post{" is-unread" if row.is_unread else ""}" id="post-{number}" '
            f'aria-labelledby="post-{number}-author">\n'
            f'  <header class="post-header">\n'
            f'    <span class="post-author" id="post-{number}-author">\n'
            f"      {self.author(row)}\n"
            f"    </span>\n"
            f'    <a class="post-time" href="{link}"><time datetime="{escape(row.time.iso)}">'
            f"{escape(row.time.text)}</time></a>\n"
        ]
        if post.edited_at and not post.is_deleted:
            parts.append(f'    <span class="muted">({text["edited"]})</span>\n')
        if row.is_unread:
            parts.append(f'    <span class="badge badge-unread">{text["new"]}</span>\n')
        parts.append("  </header>\n")
        if post.is_deleted:
            parts.append(f'  <p class="post-deleted">{text["deleted"]}</p>\n')
        elif post.is_withheld and not row.shows_body:
            shown = text["removed"] if post.removed_at else text["hidden_for_review"]
            parts.append(f'  <p class="withheld">{shown}</p>\n')
        else:
            self.content(row, parts)
        actions = self.actions(row, link)
        parts.append(f'  <footer class="post-actions">\n    {actions}\n  </footer>\n')
        parts.append("</article>")
        return "".join(parts)

    def author(self, row) -> str:
        post, text = row.post, self.text
        if post.is_anonymous:
            if row.is_own:
                return f'{text["anonymous"]} <span class="muted">({text["you_anonymously"]})</span>'
            return text["anonymous"]
        if post.author:
            name = escape(post.author.public_name)
            if post.author.is_verified_clinician:
                return f'{name} <span class="badge badge-clinician">{text["clinician"]}</span>'
            return name
        return text["former"]

    def content(self, row, parts: list) -> None:
        """What a reader allowed to see the text sees: a notice, the body, photos, reactions
        and clinicians' notes."""
        post, text = row.post, self.text
        notice = None
        if post.held_at and not post.removed_at:
            notice = text["waiting_own"] if row.is_own else text["waiting"]
        elif post.removed_at:
            notice = (
                _(
                    "Moderators removed your post; other members no longer see it. "
                    "Their reason: %(reason)s"
                )
                % {"reason": escape(post.moderator_note)}
                if row.is_own
                else text["removed_seen"]
            )
        elif post.hidden_at:
            notice = text["hidden_seen"]
        elif post.moderator_note and row.is_own:
            notice = _("Moderators edited your post. Their reason: %(reason)s") % {
                "reason": escape(post.moderator_note)
            }
        if notice is not None:
            parts.append(f'  <p class="withheld-notice">{notice}</p>\n')
        if post.content_warning:
            label = _("Content warning: %(label)s") % {"label": escape(post.content_warning)}
            parts.append(
                f'  <details class="content-warning">\n'
                f'    <summary>{label} <span class="cw-open">{text["show_message"]}</span>'
                f"</summary>\n"
            )
        parts.append(f'  <div class="post-body prose">{post.body_html}</div>\n')
        photos = post.photos
        if photos:
            parts.append('  <ul class="post-images">\n')
            for counter, photo in enumerate(photos, start=1):
                src = f"{self.image_base}{int(photo.pk)}/"
                alt = _("Photo %(number)s attached to this post") % {"number": counter}
                parts.append(
                    f'    <li><a href="{src}"><img src="{src}" width="{int(photo.width)}" '
                    f'height="{int(photo.height)}" alt="{alt}" loading="lazy"></a></li>\n'
                )
            parts.append("  </ul>\n")
        if post.content_warning:
            parts.append("  </details>\n")
        if not post.is_withheld:
            parts.append(f"  {row.reactions}\n")
        for note in post.notes:
            parts.append(self.note(note, post))

    def note(self, note, post) -> str:
        text = self.text
        pk = int(note.pk)
        own = note.author_id == self.user_id
        author = note.author.public_name if note.author else None
        shown = self.clock.shown(note.created_at)
        parts = [
            f'  <aside class="clinician-note" id="note-{pk}" aria-labelledby="note-{pk}-heading">\n'
            f'    <h2 class="clinician-note-heading" id="note-{pk}-heading">'
            f"{text['note_heading']}: {escape(note.get_stance_display())}</h2>\n"
            f'    <p class="chat-meta">\n'
            f"      <span>{escape(author) if author else text['former']}</span>\n"
        ]
        if note.author and note.author.is_verified_clinician:
            parts.append(f'      <span class="badge badge-clinician">{text["clinician"]}</span>\n')
        parts.append(f'      <time datetime="{escape(shown.iso)}">{escape(shown.text)}</time>\n')
        if note.edited_at:
            parts.append(f'      <span class="muted">({text["edited"]})</span>\n')
        parts.append("    </p>\n")
        if note.removed_at:
            notice = (
                _(
                    "Moderators removed your note; other members no longer see it. "
                    "Their reason: %(reason)s"
                )
                % {"reason": escape(note.moderator_note)}
                if own
                else text["removed_seen"]
            )
            parts.append(f'    <p class="withheld-notice">{notice}</p>\n')
        elif note.hidden_at:
            parts.append(f'    <p class="withheld-notice">{text["hidden_seen"]}</p>\n')
        elif note.moderator_note and own:
            notice = _("Moderators edited your note. Their reason: %(reason)s") % {
                "reason": escape(note.moderator_note)
            }
            parts.append(f'    <p class="withheld-notice">{notice}</p>\n')
        parts.append(f'    <div class="prose">{note.body_html}</div>\n')
        flaggable = not own and not note.is_withheld
        history = self.can_moderate and note.edited_at
        if flaggable or history:
            links = []
            if flaggable:
                link = f'<a href="{self.note_flag_base}{pk}/">{text["flag_note"]}</a>'
                if self.can_moderate:
                    link += f' <a href="{self.note_review_base}{pk}/">{text["moderate"]}</a>'
                links.append(link)
            if history:
                links.append(
                    f'<a href="{self.post_base}{int(post.pk)}/notes/{pk}/history/">'
                    f"{text['edit_history']}</a>"
                )
            parts.append(f'    <p class="post-actions">\n      {" ".join(links)}\n    </p>\n')
        parts.append("  </aside>\n")
        return "".join(parts)

    def actions(self, row, link: str) -> str:
        post, text = row.post, self.text
        pk = int(post.pk)
        links = []
        if self.can_reply and not post.is_deleted:
            links.append(
                f'<a href="?page={self.page_number}&amp;quote={pk}#reply">{text["quote"]}</a>'
            )
        if row.may_edit:
            links.append(f'<a href="{link}edit/">{text["edit"]}</a>')
        if row.may_delete:
            links.append(f'<a href="{link}delete/">{text["delete"]}</a>')
        if not row.is_own and not post.is_deleted and not post.is_withheld:
            links.append(
                f'<a href="{self.flag_base}{pk}/">{text["flag"]}</a> '
                f'<a href="{self.flag_base}{pk}/?reason=health_claim">{text["ask_clinician"]}</a>'
            )
        if row.may_note:
            label = text["change_note"] if row.my_note else text["add_note"]
            links.append(f'<a href="{link}note/">{label}</a>')
        if self.can_moderate:
            if not row.is_own:
                links.append(f'<a href="{self.review_base}{pk}/">{text["moderate"]}</a>')
            if post.edited_at:
                links.append(f'<a href="{link}history/">{text["edit_history"]}</a>')
            if post.is_anonymous:
                links.append(f'<a href="{link}author/">{text["who_wrote"]}</a>')
        return "\n    ".join(links)
