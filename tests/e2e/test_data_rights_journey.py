"""Browser journey: a member looks after their consents and data, then closes the account.

patient1 reads the privacy notice, withdraws an optional consent, sees that a moderator
looked at who wrote their anonymous post, and closes the account with their posts deleted.
axe scans every page; afterwards the thread no longer shows their name or words.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.consent.models import Kind
from community.consent.services import accept_documents, publish_document, save_draft
from community.forum.services import create_thread, reply, reveal_author
from community.groups.models import Role
from tests.conftest import PASSWORD
from tests.e2e.steps import log_in, message, publish_required_documents

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

SECRET_TEXT = "My sister does not know about my diagnosis yet."


def test_a_member_withdraws_a_consent_sees_who_looked_and_closes_the_account(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    staff = make_user(display_name="Organisation admin", mfa=True, is_staff=True)
    patient1 = make_user(display_name="Morning walker")
    peer = make_user(display_name="Blue heron")
    moderator = make_user(display_name="Calm moderator", mfa=True)
    for person, role in ((patient1, Role.MEMBER), (peer, Role.MEMBER), (moderator, Role.MODERATOR)):
        join(person, group, role=role)
    publish_required_documents(staff, accepted_by=[patient1, peer, moderator])
    research = save_draft(
        author=staff, kind=Kind.RESEARCH, language="en", title="Research use",
        body="Researchers may read posts with every detail that could identify you removed.",
        summary_of_changes="", effective_at=timezone.now(),
    )  # fmt: skip
    publish_document(publisher=staff, document=research)
    accept_documents(
        user=patient1, required=[], optional_granted=[Kind.RESEARCH], optional_declined=[]
    )
    thread = create_thread(author=peer, group=group, title="Telling family", body="How?")
    anonymous = reply(author=patient1, thread=thread, body=SECRET_TEXT, anonymous=True)
    reveal_author(viewer=moderator, post=anonymous)
    thread_url = f"{live_site.url}{thread.get_absolute_url()}"

    page = new_page()
    page.goto(f"{live_site.url}/consent/documents/privacy/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    assert_accessible(page)  # a legal page, open to visitors

    page.goto(f"{live_site.url}/consent/")
    log_in(page, assert_accessible, email=patient1.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your consents")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"Withdraw\W+Research use")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw: Research use")
    assert_accessible(page)
    page.get_by_role("button", name="Withdraw my consent").click()
    expect(message(page, "Your consent has been withdrawn")).to_be_visible()
    expect(page.get_by_role("cell", name="Withdrawn")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_site.url}/privacy/access-log/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who looked at your data")
    expect(page.get_by_role("cell", name="Calm moderator")).to_be_visible()
    expect(
        page.get_by_role("cell", name="Revealed the author of an anonymous post")
    ).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_site.url}/privacy/close/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Close your account")
    assert_accessible(page)
    page.get_by_label("Delete them").check()
    page.get_by_label("I understand that closing my account cannot be undone.").check()
    page.get_by_role("button", name="Close my account").click()
    # Closing asks for the password again.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is closed")
    assert_accessible(page)

    # The peer's view of the thread: no name, no words of patient1's.
    reader = new_page()
    reader.goto(thread_url)
    log_in(reader, assert_accessible, email=peer.email)
    expect(reader.get_by_role("heading", level=1)).to_have_text("Telling family")
    expect(reader.locator("main")).not_to_contain_text(SECRET_TEXT)
    expect(reader.locator("main")).not_to_contain_text("Morning walker")
    assert_accessible(reader)
    browser_problems.assert_none()
