"""Browser journey: a crisis message in chat. patient1 writes it, it is sent (never
silenced), patient1 sees the support panel, and the moderator's bell counts it without a
reload. axe scans both pages."""

import pytest
from playwright.sync_api import expect

from community.groups.models import Role
from community.moderation.models import ModerationItem
from tests.e2e.steps import fresh_totp_code, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_a_crisis_message_is_sent_shows_support_and_reaches_the_moderators_bell_live(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    patient1 = make_user(display_name="Morning walker")
    moderator = make_user(display_name="Calm moderator", mfa=True)
    join(patient1, group)
    join(moderator, group, role=Role.MODERATOR)
    chat_url = f"{live_site.url}/groups/{group.slug}/chat/"

    watcher = new_page()
    watcher.goto(f"{live_site.url}/")
    log_in(watcher, assert_accessible, email=moderator.email)
    watcher.get_by_label("Code").fill(fresh_totp_code())
    watcher.get_by_role("button", name="Sign In").click()
    bell = watcher.locator("[data-bell-count]")
    expect(bell).to_contain_text("0")

    writer = new_page()
    writer.goto(chat_url)
    log_in(writer, assert_accessible, email=patient1.email)
    composer = writer.get_by_role("textbox", name="Message")
    composer.fill("I can't do this anymore, I want to die")
    composer.press("Enter")

    expect(writer.locator("[data-chat-messages] li[data-id]")).to_have_count(1)
    expect(writer.get_by_role("heading", name="You are not alone")).to_be_visible()
    expect(writer.locator("[data-chat-crisis]")).to_contain_text("112")
    assert_accessible(writer)
    assert ModerationItem.objects.get().crisis

    expect(bell).to_contain_text("1")  # no reload: the bell's socket brought it
    assert_accessible(watcher)
    browser_problems.assert_none()
