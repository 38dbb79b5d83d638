"""Browser journey (issue 17, "one clock"): a member in Stockholm whose browser runs on New
York time in American English receives a chat message live, then reloads; both times read
the same, in the member's zone and the 24-hour style of their language."""

import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.chat.models import ChatMessage
from tests.e2e.test_chat_journey import open_chat, say

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


def test_a_message_reads_the_same_time_live_and_after_a_reload_in_the_members_zone(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    writer = make_user(display_name="Morning walker")
    reader = make_user(display_name="Blue heron", time_zone="Europe/Stockholm", language="en")
    join(writer, group)
    join(reader, group)
    first = new_page()
    open_chat(first, live_site, assert_accessible, group, writer.email)
    second = new_page(timezone_id="America/New_York", locale="en-US")
    open_chat(second, live_site, assert_accessible, group, reader.email)
    expect(second.locator("[data-chat-presence]")).to_have_text("Blue heron, Morning walker")

    say(first, "What time is it where you are?")
    live = second.locator("[data-chat-messages] li[data-id] time")
    expect(live).to_have_count(1)
    live_text = live.inner_text()

    message = ChatMessage.objects.get(room__group=group)
    stockholm = timezone.localtime(message.created_at, timezone=STOCKHOLM)
    assert live_text == stockholm.strftime("%H:%M")
    second.reload()
    reloaded = second.locator("[data-chat-messages] li[data-id] time")
    expect(reloaded).to_have_count(1)
    assert reloaded.inner_text() == live_text
    assert_accessible(second)
    browser_problems.assert_none()
