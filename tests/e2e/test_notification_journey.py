"""Browser journey: a reply that mentions someone lights up their bell, live.

patient2 replies to patient1's thread and mentions them with the mention helper; patient1's
bell count rises over the WebSocket without a reload, and the notification leads to the
reply. axe scans every page, including the notifications page.
"""

import re

import pytest
from playwright.sync_api import expect

from community.forum.services import create_thread
from community.notifications.models import EmailPreference, Notification
from tests.e2e.steps import log_in, message

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

REPLY = "Thank you for writing this. "


def test_a_reply_that_mentions_a_member_raises_their_bell_count_without_a_reload(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with asthma")
    patient1 = make_user(display_name="Morning walker")
    patient2 = make_user(display_name="Blue heron")
    join(patient1, group)
    join(patient2, group)
    thread = create_thread(
        author=patient1, group=group, title="Inhalers on cold days", body="Any tips?"
    )
    thread_url = f"{live_site.url}{thread.get_absolute_url()}"

    # patient1 is reading the thread list, with nothing new.
    author_page = new_page()
    author_page.goto(f"{live_site.url}/groups/{group.slug}/threads/")
    log_in(author_page, assert_accessible, email=patient1.email)
    bell = author_page.locator("[data-bell-count]")
    expect(bell).to_contain_text("0")
    author_page.evaluate("window.stillTheSamePage = true")

    # patient2 replies and mentions patient1 with the helper (suggestions from the group).
    reader_page = new_page()
    reader_page.goto(thread_url)
    log_in(reader_page, assert_accessible, email=patient2.email)
    expect(reader_page).to_have_url(thread_url)
    reply_form = reader_page.locator("#reply")
    reply_form.get_by_label("Your message").fill(REPLY)
    helper = reply_form.get_by_label("Mention a member (type the start of their name)")
    helper.press_sequentially("Morn")
    expect(reply_form.locator('datalist option[value="Morning walker"]')).to_have_count(1)
    helper.fill("Morning walker")
    reply_form.get_by_role("button", name="Insert mention").click()
    expect(reply_form.get_by_label("Your message")).to_have_value(f"{REPLY}@Morning walker ")
    assert_accessible(reader_page)
    reply_form.get_by_role("button", name="Post reply").click()
    expect(message(reader_page, "Your reply was posted.")).to_be_visible()

    # patient1's bell rises while they sit on the same page.
    expect(bell).to_contain_text("1", timeout=10_000)
    assert author_page.evaluate("window.stillTheSamePage") is True
    notifications = Notification.objects.filter(recipient=patient1)
    assert list(notifications.values_list("kind", flat=True)) == ["forum.mention"]

    # The bell leads to the notifications page, and the notification to the reply.
    author_page.get_by_role("link", name=re.compile("Notifications")).click()
    expect(author_page.get_by_role("heading", level=1)).to_have_text("Notifications")
    entry = author_page.get_by_role("link", name=f"Blue heron mentioned you in {group.name}")
    expect(entry).to_be_visible()
    assert_accessible(author_page)
    entry.click()
    expect(author_page).to_have_url(re.compile(rf"/threads/{thread.pk}/\?page=1#post-2$"))
    expect(author_page.locator("#post-2")).to_contain_text("@Morning walker")
    expect(author_page.locator("[data-bell-count]")).to_contain_text("0")
    assert notifications.get().read_at is not None

    # E-mail settings: one choice per kind, saved with a confirmation.
    author_page.goto(f"{live_site.url}/notifications/settings/")
    expect(author_page.get_by_role("heading", level=1)).to_have_text("E-mail settings")
    assert_accessible(author_page)
    mentions = author_page.get_by_role("group", name="When someone mentions you")
    mentions.get_by_label("Never").check()
    author_page.get_by_role("button", name="Save").click()
    expect(message(author_page, "Your e-mail choices were saved.")).to_be_visible()
    assert_accessible(author_page)
    assert EmailPreference.objects.get(user=patient1, kind="forum.mention").email == "never"
    browser_problems.assert_none()
