"""Browser journey: two patients chat live; one drops offline and misses nothing.

patient1 and patient2 open the group's chat in their own browsers; each sees the other's
message arrive without reloading; patient2's browser goes offline, patient1 sends two
messages, and when patient2 is back online both appear exactly once. axe scans the room.
"""

import pytest
from playwright.sync_api import expect

from community.chat.models import ChatMessage, ChatRoom
from community.chat.services import number_change
from tests.e2e.conftest import PHONE
from tests.e2e.steps import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

WHILE_AWAY = ["Are you still there?", "I will be here tomorrow too."]


def open_chat(page, live_site, assert_accessible, group, email):
    page.goto(f"{live_site.url}/groups/{group.slug}/chat/")
    log_in(page, assert_accessible, email=email)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Chat: {group.name}")


def say(page, words):
    composer = page.get_by_role("textbox", name="Message")
    composer.fill(words)
    composer.press("Enter")


def test_two_patients_chat_and_one_misses_nothing_while_offline(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    patient1 = make_user(display_name="Morning walker")
    patient2 = make_user(display_name="Blue heron")
    join(patient1, group)
    join(patient2, group)

    first = new_page()
    open_chat(first, live_site, assert_accessible, group, patient1.email)
    expect(first.get_by_text("No messages yet. Say hello!")).to_be_visible()
    assert_accessible(first)
    second = new_page(viewport=PHONE)
    open_chat(second, live_site, assert_accessible, group, patient2.email)
    messages_of = lambda page: page.locator("[data-chat-messages] li[data-id]")  # noqa: E731

    # Both are present, and a message arrives on the other screen without a reload.
    expect(first.locator("[data-chat-presence]")).to_have_text("Blue heron, Morning walker")
    say(first, "Hello, is anyone here tonight?")
    expect(messages_of(second)).to_have_count(1)
    expect(messages_of(second).first).to_contain_text("Hello, is anyone here tonight?")
    expect(messages_of(second).first).to_contain_text("Morning walker")
    say(second, "Yes, I am.")
    expect(messages_of(first)).to_have_count(2)
    assert_accessible(first)
    assert_accessible(second)

    # patient2 loses the connection; patient1 writes twice.
    second.context.set_offline(True)
    second.evaluate("window.dispatchEvent(new Event('offline'))")
    expect(second.locator("[data-chat-offline]")).to_be_visible()
    for words in WHILE_AWAY:
        say(first, words)
    expect(messages_of(first)).to_have_count(4)
    assert messages_of(second).count() == 2

    # Back online: both messages, each exactly once, in order.
    second.context.set_offline(False)
    second.evaluate("window.dispatchEvent(new Event('online'))")
    expect(second.locator("[data-chat-offline]")).to_be_hidden()
    expect(messages_of(second)).to_have_count(4)
    texts = messages_of(second).locator(".chat-text").all_inner_texts()
    assert texts[2:] == WHILE_AWAY
    assert_accessible(second)
    assert ChatMessage.objects.filter(room__group=group).count() == 4
    browser_problems.assert_none()


def test_a_message_whose_broadcast_was_lost_appears_once_the_next_one_arrives(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    """A Redis restart can swallow a broadcast: the room's change numbers skip, and the page
    asks for what it missed, so the member sees every stored message once, in order."""
    group = make_group("Living with diabetes")
    patient = make_user(display_name="Morning walker")
    peer = make_user(display_name="Blue heron")
    join(patient, group)
    join(peer, group)
    page = new_page(viewport=PHONE)
    open_chat(page, live_site, assert_accessible, group, patient.email)
    messages = page.locator("[data-chat-messages] li[data-id]")
    # The socket is open (and has replayed once): what comes next can only arrive live.
    expect(page.locator("[data-chat-presence]")).to_have_text("Morning walker")

    # Stored and numbered, but its broadcast never reached this server: it is not shown.
    room = ChatRoom.objects.get(group=group)
    lost = ChatMessage.objects.create(
        room=room, author=peer, client_id="lost-1", body_source="Lost in the restart",
        body_html="<p>Lost in the restart</p>", body_text="Lost in the restart",
    )  # fmt: skip
    number_change(lost)
    page.wait_for_timeout(300)
    assert messages.count() == 0

    # The member's own message comes back numbered one past the lost one: the gap shows.
    say(page, "Is anyone here?")
    expect(messages).to_have_count(2)
    texts = messages.locator(".chat-text").all_inner_texts()
    assert texts == ["Lost in the restart", "Is anyone here?"]
    assert_accessible(page)
    browser_problems.assert_none()
