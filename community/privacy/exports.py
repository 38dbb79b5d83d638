"""What goes into a member's data export: each app registers the part it owns.

privacy sits below the forum, chat, moderation and consent, so it never imports them; each
registers an `ExportSection` in AppConfig.ready(). A section returns only the member's own
records: never another member's text, name or address.
"""

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import AccessRecord

# (name inside the zip, bytes): photos and other files the member uploaded.
ExportFile = tuple[str, bytes]


@dataclass(frozen=True)
class ExportSection:
    key: str  # "forum.posts"
    title: str  # "Your posts", shown in the readable copy
    collect: Callable[[object], list[dict]]  # (user) -> the member's records
    files: Callable[[object], Iterable[ExportFile]] | None = None


_sections: dict[str, ExportSection] = {}

# Column headings of the readable copy. data.json keeps the keys; sections use these names
# where they fit, and any other key is shown as written.
COLUMN_LABELS = {
    "about": _("About"),
    "action": _("Action"),
    "address": _("Address"),
    "anonymous": _("Anonymous"),
    "answer": _("Answer"),
    "appeal": _("Appeal"),
    "by": _("By"),
    "content_warning": _("Content warning"),
    "created": _("Created"),
    "decision": _("Decision"),
    "deleted": _("Deleted"),
    "display_name": _("Display name"),
    "document": _("Document"),
    "edited": _("Edited"),
    "email": _("E-mail address"),
    "group": _("Group"),
    "hidden_by_moderators": _("Hidden by moderators"),
    "how": _("How"),
    "joined": _("Joined"),
    "kind": _("Kind"),
    "language": _("Language"),
    "last_login": _("Last login"),
    "link": _("Link"),
    "moderators_note": _("Moderators' note"),
    "note": _("Note"),
    "organisation": _("Organisation"),
    "post": _("Post"),
    "profession": _("Profession"),
    "reaction": _("Reaction"),
    "read": _("Read"),
    "reason": _("Reason"),
    "registration_number": _("Registration or licence number"),
    "removed_by_moderators": _("Removed by moderators"),
    "role": _("Role"),
    "saved": _("Saved"),
    "since": _("Since"),
    "started": _("Started"),
    "state": _("State"),
    "text": _("Text"),
    "thread": _("Thread"),
    "time_zone": _("Time zone"),
    "title": _("Title"),
    "version": _("Version"),
    "what": _("What"),
    "when": _("When"),
    "written": _("Written"),
    "your_text_after": _("Your text after"),
    "your_text_before": _("Your text before"),
}


def when(moment) -> str | None:
    """A moment as ISO 8601 text for the export, or None."""
    return moment.isoformat() if moment else None


def table(records: list[dict]) -> dict:
    """Headings and rows of one section for the readable copy."""
    keys = list(records[0]) if records else []
    return {
        "headings": [COLUMN_LABELS.get(key, key.replace("_", " ").capitalize()) for key in keys],
        "rows": [[record.get(key) for key in keys] for record in records],
    }


def register_export_section(section: ExportSection) -> None:
    """Add a part to every export; apps call this from AppConfig.ready()."""
    if section.key in _sections and _sections[section.key] != section:
        raise ValueError(f"Export section {section.key!r} is already registered.")
    _sections[section.key] = section


def export_sections() -> list[ExportSection]:
    return list(_sections.values())


def profile(user) -> list[dict]:
    return [
        {
            "email": user.email,
            "display_name": user.display_name,
            "language": user.language,
            "time_zone": user.time_zone,
            "joined": when(user.date_joined),
            "last_login": when(user.last_login),
        }
    ]


def memberships(user) -> list[dict]:
    return [
        {
            "group": membership.group.name,
            "role": membership.get_role_display(),
            "state": membership.get_state_display(),
            "joined": when(membership.joined_at),
        }
        for membership in user.memberships.select_related("group")
    ]


def accesses_received(user) -> list[dict]:
    """Who looked at the member's data (the same list the member sees on the site)."""
    return [
        {
            "when": when(record.created_at),
            "by": str(record.viewer.public_name) if record.viewer else None,
            "what": record.get_reason_display(),
        }
        for record in AccessRecord.objects.filter(subject=user).select_related("viewer")
    ]


register_export_section(ExportSection("profile", _("Your profile"), profile))
register_export_section(ExportSection("groups.memberships", _("Your groups"), memberships))
register_export_section(
    ExportSection("privacy.accesses", _("Who looked at your data"), accesses_received)
)


def build_zip(user, on_progress: Callable[[int], None]) -> bytes:
    """Collect every section into a zip: data.json, a readable index.html, and files."""
    sections = export_sections()
    collected, files = [], []
    # Times in the readable document as the member sees them on the site (one clock).
    with translation.override(user.language), timezone.override(user.zone):
        for done, section in enumerate(sections, start=1):
            collected.append((section, section.collect(user)))
            if section.files is not None:
                files.extend(section.files(user))
            on_progress(int(done * 90 / len(sections)))
        made_at = timezone.now()
        data = {
            "exported_at": made_at.isoformat(),
            "site": settings.SITE_NAME,
            **{section.key: records for section, records in collected},
        }
        readable = render_to_string(
            "privacy/export_document.html",
            {
                "made_at": made_at,
                "sections": [
                    {"title": section.title, **table(records)} for section, records in collected
                ],
                "files": [name for name, _content in files],
            },
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("index.html", readable)
        for name, content in files:
            archive.writestr(f"files/{name}", content)
    return buffer.getvalue()
