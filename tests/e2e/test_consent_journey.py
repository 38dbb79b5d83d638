"""Browser journey: staff publish new guidelines, patient1 must accept them, then downloads
a copy of their data.

Staff draft version 2 of the community guidelines, preview and publish it; patient1, on their
next visit, is sent to the acceptance page, sees what changed, accepts and lands where they
were going; then asks for a copy of their data and downloads the zip. axe scans every page.
"""

import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from community.consent.models import ConsentRecord, Kind
from community.forum.services import create_thread
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE
from tests.e2e.steps import fresh_totp_code, log_in, message, publish_required_documents

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

CHANGES = "We added a rule: no photos of other people, even blurred."
POST_TEXT = "The new pump made my evenings calmer."


def test_new_guidelines_are_accepted_before_patient1_continues_and_downloads_their_data(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    staff = make_user(display_name="Organisation admin", mfa=True, is_staff=True)
    patient1 = make_user(display_name="Morning walker")
    join(patient1, group)
    create_thread(author=patient1, group=group, title="Evenings", body=POST_TEXT)
    publish_required_documents(staff, accepted_by=[staff, patient1])
    group_url = f"{live_site.url}/groups/{group.slug}/"

    # Staff draft version 2 of the guidelines, preview it, and publish it.
    admin = new_page()
    admin.goto(f"{live_site.url}/consent/manage/")
    log_in(admin, assert_accessible, email=staff.email)
    admin.get_by_label("Code").fill(fresh_totp_code())
    admin.get_by_role("button", name="Sign In").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Consent documents")
    assert_accessible(admin)
    admin.get_by_role(
        "link", name=re.compile(r"Draft a new version\W+Community guidelines")
    ).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("New version")
    assert_accessible(admin)
    admin.get_by_label("Title").fill("Community guidelines")
    admin.get_by_label("Text:", exact=True).fill("- Be kind.\n- No photos of other people.")
    admin.get_by_label("What changed").fill(CHANGES)
    admin.get_by_role("button", name="Save draft and preview").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Preview: Community guidelines")
    expect(
        admin.get_by_role("listitem").filter(has_text="No photos of other people")
    ).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("button", name="Publish this version").click()
    expect(message(admin, "Version 2 is published")).to_be_visible()
    expect(
        admin.get_by_text("Version 2 is in force; 0 of 2 members have accepted it.")
    ).to_be_visible()
    assert_accessible(admin)

    # patient1, on a phone, is sent to accept the new version before the group page.
    patient = new_page(viewport=PHONE, accept_downloads=True)
    patient.goto(group_url)
    log_in(patient, assert_accessible, email=patient1.email)
    expect(patient).to_have_url(re.compile(r"/consent/accept/\?next="))
    expect(patient.get_by_role("heading", level=1)).to_have_text(
        "Before you continue: updated documents"
    )
    expect(patient.get_by_text(CHANGES)).to_be_visible()
    assert_accessible(patient)
    patient.get_by_label("I have read and accept: Community guidelines").check()
    patient.get_by_role("button", name="Save my answers and continue").click()
    expect(patient).to_have_url(group_url)
    expect(message(patient, "Your answers have been recorded")).to_be_visible()
    assert_accessible(patient)
    assert ConsentRecord.objects.filter(
        user=patient1, kind=Kind.GUIDELINES, version=2, decision=ConsentRecord.Decision.GRANTED
    ).exists()

    # ... then asks for a copy of their data and downloads it.
    patient.goto(f"{live_site.url}/accounts/preferences/")
    assert_accessible(patient)
    patient.get_by_role("link", name="Download a copy of your data").click()
    expect(patient.get_by_role("heading", level=1)).to_have_text("A copy of your data")
    expect(patient.get_by_text("You have not asked for a copy yet.")).to_be_visible()
    assert_accessible(patient)
    patient.get_by_role("button", name="Prepare a copy of my data").click()
    expect(message(patient, "We are preparing your data")).to_be_visible()
    expect(patient.get_by_text("Ready to download")).to_be_visible()
    assert_accessible(patient)
    # The download asks for the password again: a recent login, on this device.
    patient.get_by_role("link", name="Download the zip file").click()
    expect(patient).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    assert_accessible(patient)
    patient.get_by_label("Password").fill(PASSWORD)
    with patient.expect_download() as download_info:
        patient.get_by_role("button", name="Confirm").click()
    download = download_info.value
    assert re.fullmatch(r"my-data-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    archive = zipfile.ZipFile(download.path())
    data = json.loads(archive.read("data.json"))
    assert data["profile"][0]["email"] == patient1.email
    assert [post["text"] for post in data["forum.posts"]] == [POST_TEXT]
    assert {(row["document"], row["version"]) for row in data["consent"]} >= {
        ("Community guidelines", 2)
    }
    assert POST_TEXT in archive.read("index.html").decode()
    assert staff.email not in archive.read("data.json").decode()
    browser_problems.assert_none()
