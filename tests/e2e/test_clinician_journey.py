"""Browser journey: a nurse applies for verification, staff verify, and the badge appears.

axe scans every page on the way.
"""

import re

import pytest
from playwright.sync_api import expect

from community.forum.services import create_thread
from tests.e2e.steps import fresh_totp_code, log_in, message

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_a_nurse_is_verified_by_staff_and_then_carries_the_badge(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    staff = make_user(display_name="Organisation admin", mfa=True, is_staff=True)
    nurse = make_user(display_name="Nurse Nora")
    patient = make_user(display_name="Morning walker")
    join(nurse, group)
    join(patient, group)
    thread = create_thread(author=nurse, group=group, title="Night lows", body="Ask me.")

    page = new_page()
    page.goto(f"{live_site.url}/clinicians/apply/")
    log_in(page, assert_accessible, email=nurse.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinician verification")
    assert_accessible(page)
    page.get_by_label("Profession").fill("Diabetes nurse")
    page.get_by_label("Registration or licence number").fill("SE-123456")
    page.get_by_label("Organisation").fill("County hospital")
    page.get_by_role("button", name="Apply for verification").click()
    expect(message(page, "Staff will review your application")).to_be_visible()
    expect(page.get_by_text("Waiting for review")).to_be_visible()
    assert_accessible(page)

    admin = new_page()
    admin.goto(f"{live_site.url}/clinicians/review/")
    log_in(admin, assert_accessible, email=staff.email)
    admin.get_by_label("Code").fill(fresh_totp_code())
    admin.get_by_role("button", name="Sign In").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Clinician applications")
    assert_accessible(admin)
    admin.get_by_role("link", name="Nurse Nora").click()
    expect(admin.get_by_text("SE-123456")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("button", name="Verify").click()
    expect(message(admin, "The decision is recorded")).to_be_visible()

    nurse.refresh_from_db()
    assert nurse.is_verified_clinician

    # A patient in the group now sees the badge on what the nurse wrote.
    reader = new_page()
    reader.goto(f"{live_site.url}{thread.get_absolute_url()}")
    log_in(reader, assert_accessible, email=patient.email)
    expect(reader.locator("#post-1 .badge-clinician")).to_have_text("Verified clinician")
    assert_accessible(reader)

    # The nurse, now privileged, is asked to set up two-factor authentication first.
    page.goto(f"{live_site.url}{thread.get_absolute_url()}")
    expect(page).to_have_url(re.compile(r"/accounts/"))
    browser_problems.assert_none()
