"""Getting the copy: the exports page, its owner-only download, expiry and the sweep."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from community.privacy import tasks
from community.privacy.models import DataExport
from community.privacy.services import request_data_export
from community.privacy.tasks import build_data_export as build_task
from tests.conftest import PASSWORD
from tests.privacy.helpers import built, log_in_recently, zip_members


def download_url(export) -> str:
    return reverse("privacy:export_download", kwargs={"pk": export.pk})


@pytest.fixture
def ready(member, private_media):
    return built(request_data_export(user=member))


# --- The exports page ----------------------------------------------------------------------


def test_asking_on_the_page_queues_one_export_however_often_it_is_asked(client, member):
    client.force_login(member)

    first = client.post(reverse("privacy:exports"))
    second = client.post(reverse("privacy:exports"))

    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("privacy:exports")
    export = DataExport.objects.get(user=member)
    assert export.status == DataExport.Status.QUEUED
    page = client.get(reverse("privacy:exports")).content.decode()
    assert f'id="export-{export.pk}"' in page
    assert "Waiting to start" in page


def test_the_page_offers_the_download_once_the_copy_is_ready(client, member, ready):
    client.force_login(member)

    page = client.get(reverse("privacy:exports")).content.decode()

    assert download_url(ready) in page


def test_the_status_fragment_is_for_its_owner_only(client, member, peer, ready):
    url = reverse("privacy:export_status", kwargs={"pk": ready.pk})
    client.force_login(peer)
    assert client.get(url).status_code == 404

    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    assert download_url(ready) in response.content.decode()


# --- Downloading ---------------------------------------------------------------------------


def test_another_member_gets_404_for_the_download_even_after_logging_in(client, peer, ready):
    log_in_recently(client, peer)

    assert client.get(download_url(ready)).status_code == 404


def test_a_logged_out_visitor_is_sent_to_the_login_page(client, ready):
    response = client.get(download_url(ready))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_owner_without_a_recent_login_is_asked_to_reauthenticate(client, member, ready):
    client.force_login(member)

    response = client.get(download_url(ready))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert "application/zip" not in response.get("Content-Type", "")


def test_after_confirming_the_password_the_owner_gets_the_zip(client, member, ready):
    log_in_recently(client, member)

    response = client.get(download_url(ready))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"my-data-{ready.finished_at:%Y-%m-%d}.zip" in disposition
    assert "no-store" in response["Cache-Control"]
    members = zip_members(b"".join(response.streaming_content))
    assert json.loads(members["data.json"])["profile"][0]["email"] == member.email


def test_logging_in_through_the_form_alone_is_not_a_confirmation(client, member, ready):
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302

    response = client.get(download_url(ready))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_a_wrong_password_on_the_confirmation_page_does_not_unlock_it(client, member, ready):
    client.force_login(member)
    client.post(reverse("account_reauthenticate"), {"password": "not-my-password"})

    assert client.get(download_url(ready)).status_code == 302


def test_a_recent_login_expires_after_the_reauthentication_timeout(client, member, ready, settings):
    log_in_recently(client, member)

    timeout = timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT)
    with time_machine.travel(timezone.now() + timeout + timedelta(minutes=1)):
        response = client.get(download_url(ready))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_the_copy_can_be_downloaded_until_just_before_seven_days(client, member, ready):
    with time_machine.travel(ready.finished_at + timedelta(days=7) - timedelta(minutes=1)):
        log_in_recently(client, member)
        response = client.get(download_url(ready))

    assert response.status_code == 200


def test_after_seven_days_the_owner_gets_410_and_the_expired_page(client, member, ready):
    with time_machine.travel(ready.finished_at + timedelta(days=7, seconds=1)):
        log_in_recently(client, member)
        response = client.get(download_url(ready))

    assert response.status_code == 410
    assert "privacy/export_gone.html" in [template.name for template in response.templates]
    assert "This copy is no longer available" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_an_export_still_being_built_cannot_be_downloaded(client, member):
    export = request_data_export(user=member)
    log_in_recently(client, member)

    assert client.get(download_url(export)).status_code == 410


def test_the_download_refuses_post(client, member, ready):
    log_in_recently(client, member)

    assert client.post(download_url(ready)).status_code == 405


# --- The sweep -----------------------------------------------------------------------------


class RecordedTask:
    """Stands in for the build task: records what the sweep asks the broker to run."""

    def __init__(self):
        self.asked = []

    def delay(self, *, export_id):
        self.asked.append(export_id)


@pytest.fixture
def broker(monkeypatch):
    recorded = RecordedTask()
    monkeypatch.setattr(tasks, "build_data_export", recorded)
    return recorded


def test_the_sweep_deletes_expired_zips_and_marks_them_expired(member, peer, private_media):
    old = built(request_data_export(user=member))
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        recent = built(request_data_export(user=peer))
    old_path, recent_path = private_media / old.file.name, private_media / recent.file.name

    with time_machine.travel(old.finished_at + timedelta(days=7, minutes=1)):
        result = tasks.sweep_data_exports()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert result["expired"] == 1
    assert old.status == DataExport.Status.EXPIRED
    assert not old.file
    assert not old_path.exists()
    assert recent.status == DataExport.Status.READY
    assert recent_path.is_file()


def test_an_expired_export_stays_listed_as_expired(client, member, private_media):
    export = built(request_data_export(user=member))
    with time_machine.travel(export.expires_at + timedelta(minutes=1)):
        tasks.sweep_data_exports()
        client.force_login(member)
        page = client.get(reverse("privacy:exports")).content.decode()

    assert "Expired" in page
    assert download_url(export) not in page


def test_the_sweep_restarts_stalled_builds_and_starts_missed_ones(
    member, peer, staff, make_user, broker
):
    now = timezone.now()
    # Its worker died three minutes ago: the heartbeat stopped (EXPORT_STALLED_AFTER, 2 min).
    stalled = DataExport.objects.create(
        user=member,
        status=DataExport.Status.BUILDING,
        progress=40,
        created_at=now - timedelta(minutes=5),
        started_at=now - timedelta(minutes=4),
        heartbeat_at=now - timedelta(minutes=3),
    )
    # A long build whose worker is alive: started long ago, but its heartbeat is fresh.
    still_building = DataExport.objects.create(
        user=peer,
        status=DataExport.Status.BUILDING,
        created_at=now - timedelta(minutes=40),
        started_at=now - timedelta(minutes=40),
        heartbeat_at=now - timedelta(seconds=20),
    )
    missed = DataExport.objects.create(user=staff, created_at=now - timedelta(minutes=3))
    just_asked = request_data_export(user=make_user())  # its task may still be on its way

    result = tasks.sweep_data_exports()

    assert sorted(broker.asked) == sorted([stalled.pk, missed.pk])
    assert result == {"restarted": 1, "started": 2, "expired": 0}
    stalled.refresh_from_db()
    still_building.refresh_from_db()
    assert stalled.status == DataExport.Status.QUEUED
    assert stalled.progress == 0
    assert still_building.status == DataExport.Status.BUILDING
    assert just_asked.pk not in broker.asked


def test_the_stall_threshold_comes_from_the_settings(member, broker, settings):
    settings.EXPORT_STALLED_AFTER = 20
    now = timezone.now()
    quiet = DataExport.objects.create(
        user=member,
        status=DataExport.Status.BUILDING,
        started_at=now - timedelta(seconds=40),
        heartbeat_at=now - timedelta(seconds=30),
    )

    tasks.sweep_data_exports()

    assert broker.asked == [quiet.pk]


def test_a_restarted_export_is_then_built_by_its_task(member, private_media, broker):
    stalled = DataExport.objects.create(
        user=member,
        status=DataExport.Status.BUILDING,
        created_at=timezone.now() - timedelta(hours=1),
        started_at=timezone.now() - timedelta(hours=1),
    )

    tasks.sweep_data_exports()
    [export_id] = broker.asked

    assert build_task(export_id=export_id) is True

    stalled.refresh_from_db()
    assert stalled.pk == export_id
    assert stalled.status == DataExport.Status.READY
    assert stalled.progress == 100
