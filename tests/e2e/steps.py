"""Steps that several browser journeys take the same way."""

import time

from django.utils import timezone
from playwright.sync_api import expect

from community.consent.models import REQUIRED_KINDS, Kind
from community.consent.services import accept_documents, publish_document, save_draft
from tests.conftest import PASSWORD, current_totp_code


def fresh_totp_code() -> str:
    """The authenticator code now, waiting for the next period if this one is nearly over.

    allauth accepts only the current 30-second period, so a code read at second 29 could
    expire between filling it in and the server checking it.
    """
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.1)
    return current_totp_code()


def log_in(page, assert_accessible, *, email, password=PASSWORD):
    """Fill allauth's login form on the current page (scanned first) and submit it."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def message(page, text):
    """The status message that contains `text` (a page may show several)."""
    return page.get_by_role("status").filter(has_text=text)


def publish_required_documents(staff, *, accepted_by) -> None:
    """Publish version 1 of the guidelines and the privacy notice; `accepted_by` accept it."""
    for kind, title in (
        (Kind.GUIDELINES, "Community guidelines"),
        (Kind.PRIVACY, "Privacy notice"),
    ):
        draft = save_draft(
            author=staff,
            kind=kind,
            language="en",
            title=title,
            body=f"The {title.lower()}, version 1.",
            summary_of_changes="",
            effective_at=timezone.now(),
        )
        publish_document(publisher=staff, document=draft)
    for person in accepted_by:
        accept_documents(
            user=person, required=list(REQUIRED_KINDS), optional_granted=[], optional_declined=[]
        )
