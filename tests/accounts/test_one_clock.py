"""One clock (issue 17): one date style and one time style per language (config/formats/),
and pages show a moment in the signed-in member's time zone."""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

from community.notifications.models import Notification

MOMENT = datetime.datetime(2026, 12, 7, 13, 30, tzinfo=datetime.UTC)


def render(template: str, language: str, **context) -> str:
    with translation.override(language):
        return Template(template).render(Context(context))


@pytest.mark.parametrize("language", ["en", "sv", "nb", "nl"])
def test_each_language_has_one_date_style_and_a_24_hour_clock(language):
    with translation.override(language):
        assert formats.get_format("SHORT_DATE_FORMAT") == formats.get_format("DATE_FORMAT")
        assert formats.get_format("SHORT_DATETIME_FORMAT") == formats.get_format("DATETIME_FORMAT")
        assert formats.get_format("TIME_FORMAT") == "H:i"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "7 December 2026, 14:30"),
        ("sv", "7 december 2026 kl. 14:30"),
        ("nb", "7. desember 2026 kl. 14:30"),
        ("nl", "7 december 2026 14:30"),
    ],
)
def test_a_moment_reads_in_the_languages_style_whichever_format_a_template_names(
    language, expected
):
    # Europe/Stockholm is the site's default zone (no member is signed in here).
    for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"):
        shown = render(f'{{{{ moment|date:"{name}" }}}}', language, moment=MOMENT)
        assert shown == expected


@pytest.mark.parametrize(
    ("language", "zone", "day", "time"),
    [
        ("en", "Europe/Stockholm", "Monday 7 December 2026", "14:30"),
        ("sv", "Europe/Stockholm", "måndag 7 december 2026", "14:30"),
        ("en", "Pacific/Auckland", "Tuesday 8 December 2026", "02:30"),
    ],
)
def test_the_notification_list_shows_a_moment_in_the_members_zone_and_language(
    client, member, peer, group, language, zone, day, time
):
    member.language, member.time_zone = language, zone
    member.save()
    Notification.objects.create(
        recipient=member, kind="forum.reply", actor=peer, group=group, created_at=MOMENT
    )
    client.force_login(member)

    html = client.get(reverse("notifications:list")).content.decode()

    assert day in html
    assert f">{time}</time>" in html
