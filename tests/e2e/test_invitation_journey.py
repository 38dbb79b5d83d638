"""The invitation journey in a real browser: staff invite, the patient joins, outsiders see 404.

Every page on the way is scanned with axe, and no page may log a console error (which is
also how Chromium reports a Content-Security-Policy violation).
"""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from community.consent.models import REQUIRED_KINDS, ConsentRecord, Kind
from community.consent.services import accept_documents
from community.groups.models import Invitation, Membership, Role
from tests.e2e.conftest import PHONE
from tests.e2e.steps import fresh_totp_code, log_in, message, publish_required_documents

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

INVITEE_EMAIL = "new.patient@example.test"
INVITEE_PASSWORD = "a-fresh-patient-password-77"
LINK = re.compile(r"https?://\S+/invitations/[A-Za-z0-9_-]{43}/")


def test_staff_invites_a_patient_who_signs_up_and_lands_in_the_group_while_outsiders_get_404(
    live_site,
    new_page,
    browser_problems,
    assert_accessible,
    make_group,
    make_user,
    join,
    staff,
):
    group = make_group("Living with type 1 diabetes")
    publish_required_documents(staff, accepted_by=[staff])
    invitations_url = f"{live_site.url}/groups/{group.slug}/invitations/"
    group_url = f"{live_site.url}/groups/{group.slug}/"

    # Staff ask for the invitations page, log in with password and authenticator code.
    staff_page = new_page()
    staff_page.goto(invitations_url)
    expect(staff_page).to_have_url(re.compile(r"/accounts/login/\?next="))
    log_in(staff_page, assert_accessible, email=staff.email)

    expect(staff_page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    assert_accessible(staff_page)
    staff_page.get_by_label("Code").fill(fresh_totp_code())
    staff_page.get_by_role("button", name="Sign In").click()

    # ... and invite the patient.
    expect(staff_page).to_have_url(invitations_url)
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Invitations")
    assert_accessible(staff_page)
    staff_page.get_by_label("E-mail addresses of the people to invite").fill(INVITEE_EMAIL)
    staff_page.get_by_label("Role in the group").select_option(Role.MEMBER)
    staff_page.get_by_label("Language of the invitation").select_option("en")
    staff_page.get_by_role("button", name="Send invitation").click()

    expect(staff_page).to_have_url(invitations_url)
    expect(message(staff_page, "Invitation sent")).to_contain_text(
        f"Invitation sent to {INVITEE_EMAIL}"
    )
    expect(staff_page.get_by_role("cell", name=INVITEE_EMAIL, exact=True)).to_be_visible()
    assert_accessible(staff_page)

    # Exactly one e-mail, to the patient, with a link to this live server.
    mails = live_site.sent_mail()
    assert len(mails) == 1
    email = mails[0]
    body = email.get_payload(decode=True).decode()
    assert email["To"] == INVITEE_EMAIL
    assert group.name not in email["Subject"] + body  # The e-mail never names the group.
    assert settings.ORGANISATION_NAME in email["Subject"]  # ... but names who sends it.
    links = LINK.findall(body)
    assert len(links) == 1, body
    link = links[0]
    assert link.startswith(live_site.url + "/invitations/")
    invitation = Invitation.objects.get(group=group, email=INVITEE_EMAIL)
    assert invitation.status == Invitation.Status.PENDING
    assert invitation.email_sent_at is not None

    # The patient opens the link on a phone, in a browser of their own; it moves on to the
    # token-free invitation page.
    patient_page = new_page(viewport=PHONE)
    response = patient_page.goto(link)
    assert response is not None and response.status == 200
    assert response.url.endswith("/invitations/open/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(patient_page.get_by_role("heading", level=1)).to_have_text(
        f"You are invited to join {group.name}"
    )
    assert_accessible(patient_page)
    patient_page.get_by_role("link", name="Create your account").click()

    expect(patient_page).to_have_url(re.compile(r"/accounts/signup/$"))
    expect(patient_page.get_by_role("heading", level=1)).to_have_text("Create your account")
    assert_accessible(patient_page)
    expect(patient_page.locator("input[name=email]")).to_have_value(INVITEE_EMAIL)
    patient_page.get_by_label("Display name").fill("Morning walker")
    # The footer's language picker is also labelled "Language": use the sign-up form's own.
    signup_form = patient_page.locator("main form")
    signup_form.get_by_label("Language").select_option("en")
    signup_form.get_by_label("Time zone").select_option("Europe/Stockholm")
    signup_form.locator("input[name=password1]").fill(INVITEE_PASSWORD)
    signup_form.locator("input[name=password2]").fill(INVITEE_PASSWORD)
    signup_form.get_by_role("button", name="Create account and join").click()

    # Signed up and signed in; before joining, the documents to accept.
    expect(patient_page).to_have_url(re.compile(r"/consent/accept/\?next=/invitations/open/"))
    expect(patient_page.get_by_role("heading", level=1)).to_have_text(
        "Welcome. Before you join, please read these"
    )
    assert_accessible(patient_page)
    assert not Membership.objects.filter(group=group, user__email=INVITEE_EMAIL).exists()
    patient_page.get_by_label("I have read and accept: Community guidelines").check()
    patient_page.get_by_label("I have read and accept: Privacy notice").check()
    patient_page.get_by_role("button", name="Save my answers and continue").click()

    # Accepting them joins the group: its page, with the group's name as heading.
    expect(patient_page).to_have_url(group_url)
    expect(patient_page.get_by_role("heading", level=1)).to_have_text(group.name)
    expect(message(patient_page, "Welcome!")).to_contain_text(
        f"Welcome! You are now a member of {group.name}"
    )
    assert_accessible(patient_page)
    membership = Membership.objects.select_related("user").get(
        group=group, user__email=INVITEE_EMAIL
    )
    assert membership.role == Role.MEMBER
    assert membership.state == Membership.State.ACTIVE
    assert membership.user.display_name == "Morning walker"
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == membership.user
    assert set(
        ConsentRecord.objects.filter(user=membership.user).values_list("kind", "method")
    ) == {(Kind.GUIDELINES, "sign_up"), (Kind.PRIVACY, "sign_up")}

    # A member of another group logs in and tries the group's address: it does not exist.
    outsider = make_user(display_name="Evening swimmer")
    accept_documents(
        user=outsider, required=list(REQUIRED_KINDS), optional_granted=[], optional_declined=[]
    )
    join(outsider, make_group("Another group"))
    outsider_page = new_page()
    outsider_page.goto(f"{live_site.url}/accounts/login/")
    log_in(outsider_page, assert_accessible, email=outsider.email)
    expect(outsider_page.get_by_role("heading", level=1)).to_have_text("My groups")
    expect(outsider_page.get_by_role("main")).not_to_contain_text(group.name)
    assert_accessible(outsider_page)
    browser_problems.expect_error_status(group_url)
    response = outsider_page.goto(group_url)
    assert response is not None and response.status == 404
    expect(outsider_page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(outsider_page.locator("body")).not_to_contain_text(group.name)
    assert_accessible(outsider_page)
    assert not Membership.objects.filter(group=group, user=outsider).exists()

    browser_problems.assert_none()
