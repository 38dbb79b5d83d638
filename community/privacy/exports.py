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
            "joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        }
    ]


def memberships(user) -> list[dict]:
    return [
        {
            "group": membership.group.name,
            "role": membership.get_role_display(),
            "state": membership.get_state_display(),
            "joined": membership.joined_at.isoformat(),
        }
        for membership in user.memberships.select_related("group")
    ]


def accesses_received(user) -> list[dict]:
    """Who looked at the member's data (the same list the member sees on the site)."""
    return [
        {
            "when": record.created_at.isoformat(),
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
    with translation.override(user.language):
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
                    {"title": section.title, "records": records} for section, records in collected
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
