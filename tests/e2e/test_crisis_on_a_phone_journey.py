"""Browser journey on a phone (375×812): crisis first, everywhere (issue 17, item 1).

patient1 reads a long thread on a phone. An ordinary reply lands at the new post, far down,
with "Your reply was posted." in view beside it. A reply with crisis words lands on the
"You are not alone" panel instead: inside the viewport, focused, announced; the same page
without JavaScript still opens at the panel. The "Need help now?" link in the header leads
to the crisis lines with their sources. axe scans every page.
"""

import pytest
from playwright.sync_api import expect

from community.forum.services import create_thread, reply
from tests.e2e.steps import log_in, message

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

PHONE_812 = {"width": 375, "height": 812}
CRISIS = "I can't do this anymore, I want to end my life tonight"
ORDINARY = "Thank you all, reading this helped me today."
LONG = (
    "The evenings are the hardest part for me. I sit with a cup of tea and try to remember "
    "what the nurse said about pacing, and some days it works and some days it does not. "
) * 3


def in_view(page, locator) -> bool:
    """The element's box lies inside the window, top to bottom (to the pixel: a scroll to an
    element may leave it a fraction of a pixel above the top)."""
    box = locator.bounding_box()
    height = page.evaluate("window.innerHeight")
    return box is not None and box["y"] > -1 and box["y"] + box["height"] < height + 1


def test_a_crisis_reply_on_a_phone_lands_on_the_focused_support_panel_in_view(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    patient1 = make_user(display_name="Morning walker")
    patient2 = make_user(display_name="Blue heron")
    join(patient1, group)
    join(patient2, group)
    thread = create_thread(author=patient2, group=group, title="Evenings", body=LONG)
    for _ in range(10):  # a long page: the new reply is far below the top on a phone
        reply(author=patient2, thread=thread, body=LONG)
    thread_url = f"{live_site.url}{thread.get_absolute_url()}"

    phone = new_page(viewport=PHONE_812)
    phone.goto(thread_url)
    log_in(phone, assert_accessible, email=patient1.email)
    expect(phone).to_have_url(thread_url)

    # An ordinary reply: the page opens at the new post, with the confirmation beside it.
    phone.locator("#reply").get_by_label("Your message").fill(ORDINARY)
    phone.get_by_role("button", name="Post reply").click()
    expect(phone).to_have_url(f"{thread_url}?page=1#post-12")
    confirmation = message(phone, "Your reply was posted.")
    expect(confirmation).to_be_visible()
    assert phone.evaluate("window.scrollY") > 1000  # far down the page...
    assert in_view(phone, confirmation)  # ...and the confirmation is there too
    expect(phone.get_by_role("heading", name="You are not alone")).to_have_count(0)
    assert_accessible(phone)

    # A reply with crisis words: the support panel is what the writer sees.
    phone.locator("#reply").get_by_label("Your message").fill(CRISIS)
    phone.get_by_role("button", name="Post reply").click()
    expect(phone).to_have_url(f"{thread_url}?page=1#support")
    panel = phone.get_by_role("alert").filter(has_text="You are not alone")
    expect(panel).to_be_visible()
    expect(panel).to_be_focused()
    assert phone.evaluate("document.activeElement.id") == "support"
    assert in_view(phone, panel)
    expect(panel.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    expect(panel.get_by_role("link", name="116 123")).to_have_attribute("href", "tel:116123")
    expect(phone.locator("#post-13")).to_contain_text(CRISIS)  # posted, below the panel
    assert_accessible(phone)

    # Help is one tap away from any page.
    phone.get_by_role("link", name="Need help now?").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Need help now?")
    expect(
        phone.get_by_role(
            "link", name="https://www.samaritans.org/how-we-can-help/contact-samaritan/"
        )
    ).to_be_visible()
    assert_accessible(phone)
    browser_problems.assert_none()


def test_without_the_landing_script_a_crisis_reply_still_opens_at_the_focused_panel(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    """The fragment (#support) and `autofocus` do it alone: the landing script is served empty
    here. (A page with JavaScript off cannot be scanned or measured by the test itself.)"""
    group = make_group("Living with diabetes")
    patient1 = make_user(display_name="Morning walker")
    join(patient1, group)
    thread = create_thread(author=patient1, group=group, title="Evenings", body=LONG)
    for _ in range(10):
        reply(author=patient1, thread=thread, body=LONG)
    thread_url = f"{live_site.url}{thread.get_absolute_url()}"

    phone = new_page(viewport=PHONE_812)
    emptied = []

    def serve_empty(route):
        emptied.append(route.request.url)
        route.fulfill(body="", content_type="text/javascript")

    phone.route("**/js/landing*.js", serve_empty)
    phone.goto(thread_url)
    log_in(phone, assert_accessible, email=patient1.email)
    phone.locator("#reply").get_by_label("Your message").fill(CRISIS)
    phone.get_by_role("button", name="Post reply").click()

    expect(phone).to_have_url(f"{thread_url}?page=1#support")
    panel = phone.locator("#support")
    expect(panel).to_be_visible()
    expect(panel).to_be_focused()  # autofocus
    assert emptied  # the landing script did not run
    assert in_view(phone, panel)
    assert_accessible(phone)
    browser_problems.assert_none()
