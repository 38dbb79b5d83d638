"""One clock (issue 17): the export's readable document gives its time in the member's own
time zone and language style, as the site does (it is made by a worker, outside a request)."""

import datetime
import io
import json
import zipfile
import zoneinfo

from django.utils import translation
from django.utils.formats import date_format

from community.privacy.exports import build_zip


def test_the_readable_export_says_when_it_was_made_in_the_members_zone(member):
    member.time_zone, member.language = "Pacific/Auckland", "sv"
    member.save()

    archive = zipfile.ZipFile(io.BytesIO(build_zip(member, lambda percent: None)))

    made_at = datetime.datetime.fromisoformat(json.loads(archive.read("data.json"))["exported_at"])
    in_auckland = made_at.astimezone(zoneinfo.ZoneInfo("Pacific/Auckland"))
    with translation.override("sv"):
        expected = date_format(in_auckland, "DATETIME_FORMAT")
    assert " kl. " in expected
    assert expected in archive.read("index.html").decode()


def test_an_unknown_zone_name_falls_back_to_the_sites(member, settings):
    member.time_zone = "Nowhere/Atlantis"

    assert member.zone == zoneinfo.ZoneInfo(settings.TIME_ZONE)
