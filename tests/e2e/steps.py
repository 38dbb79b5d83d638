"""Steps that several browser journeys take the same way."""

from playwright.sync_api import expect

from tests.conftest import PASSWORD


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
