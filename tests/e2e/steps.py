"""Steps that several browser journeys take the same way."""

import time

from playwright.sync_api import expect

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
