"""The chat room's WebSocket through the real ASGI application (origin check, session
authentication, consent gate, routing): who may connect, what a frame does, and how a socket
follows changes made elsewhere (removal, logout, a new version of the guidelines).

The consumer reads the database from another thread, so these tests commit for real.
"""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.test import Client
from psycopg_pool import PoolTimeout

from community.accounts import sockets
from community.chat import live, services
from community.chat.broadcast import author_key
from community.chat.models import ChatMessage, ChatRoom
from community.consent.models import Kind
from community.groups import services as group_services
from community.groups.models import Membership
from community.moderation import services as moderation
from community.moderation.models import ModerationItem
from tests.notifications import test_consumer
from tests.notifications.test_consumer import (
    ORIGIN,
    WAIT,
    WebsocketCommunicator,
    run,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)

# The notification consumer tests' fixtures: the ASGI application, and a channel layer of
# each test's own (on Redis, a key prefix that tests running at the same time do not share).
application = test_consumer.application
own_channel_layer = test_consumer.own_channel_layer

QUIET = 0.3  # seconds to listen for something that must not arrive


# --- Helpers ------------------------------------------------------------------------------


def chat_socket(application, room_id: int, *headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/chat/{room_id}/", headers=list(headers))


async def joined(application, room, cookie) -> WebsocketCommunicator:
    """Connect a logged-in browser to the room and read the presence list it is sent."""
    communicator = chat_socket(application, room.pk, ORIGIN, cookie)
    assert await communicator.connect(timeout=WAIT) == (True, None)
    assert (await communicator.receive_json_from(WAIT))["type"] == "presence"
    return communicator


async def next_frame(communicator, *, skip=("presence",)) -> dict:
    """The next frame the server sends, passing over presence updates."""
    while True:
        frame = await communicator.receive_json_from(WAIT)
        if frame["type"] not in skip:
            return frame


async def presence_change(communicator, accept=lambda frame: True) -> dict:
    """The next frame telling who came and went (passing over everything else) that `accept`s."""
    while True:
        frame = await communicator.receive_json_from(WAIT + 2)
        if frame["type"] == "presence" and "members" not in frame and accept(frame):
            return frame


async def frames(communicator, count: int) -> dict[str, dict]:
    """The next `count` frames (not presence), by type: an ack and the room's echo of the
    same message may arrive in either order."""
    received = [await next_frame(communicator) for _ in range(count)]
    by_type = {frame["type"]: frame for frame in received}
    assert len(by_type) == count, received
    return by_type


async def close_code(communicator) -> int:
    """Read until the server closes the socket; return the close code."""
    while True:
        pending = getattr(communicator, "pending", [])
        output = pending.pop(0) if pending else await communicator.receive_output(WAIT)
        if output["type"] == "websocket.close":
            return output.get("code", 1000)
        assert output["type"] == "websocket.send", output


async def quiet(communicator) -> bool:
    """Nothing but presence updates arrives for a moment."""
    while not await communicator.receive_nothing(timeout=QUIET):
        output = await communicator.receive_output(WAIT)
        if output["type"] != "websocket.send" or '"type": "presence"' not in output["text"]:
            return False
    return True


async def send(communicator, text: str, client_id: str) -> None:
    await communicator.send_json_to({"type": "send", "client_id": client_id, "text": text})


def stored_texts() -> list[str]:
    return list(ChatMessage.objects.order_by("pk").values_list("body_source", flat=True))


@pytest.fixture
def member_cookie(member):
    return session_cookie(member)


@pytest.fixture
def peer_cookie(peer):
    return session_cookie(peer)


# --- Who may connect ----------------------------------------------------------------------


def test_a_member_connects_and_is_told_who_is_here(application, room, member, member_cookie):
    async def scenario():
        communicator = chat_socket(application, room.pk, ORIGIN, member_cookie)
        assert await communicator.connect(timeout=WAIT) == (True, None)
        assert await communicator.receive_json_from(WAIT) == {
            "type": "presence",
            "members": [{"key": author_key(room.pk, member.pk), "name": "Member of group"}],
        }
        await communicator.disconnect()

    run(scenario)


def test_a_browser_that_is_not_logged_in_is_closed_with_4401(application, room, member):
    async def scenario():
        communicator = chat_socket(application, room.pk, ORIGIN)
        assert await communicator.connect(timeout=WAIT) == (False, 4401)

    run(scenario)


@pytest.mark.parametrize("who", ["outsider", "removed_member", "staff"])
def test_people_who_may_not_read_the_group_are_closed_with_4403(request, application, room, who):
    cookie = session_cookie(request.getfixturevalue(who))

    async def scenario():
        communicator = chat_socket(application, room.pk, ORIGIN, cookie)
        assert await communicator.connect(timeout=WAIT) == (False, 4403)

    run(scenario)


def test_a_room_that_does_not_exist_is_closed_with_4403_like_a_forbidden_one(
    application, room, member_cookie
):
    async def scenario():
        communicator = chat_socket(application, room.pk + 1000, ORIGIN, member_cookie)
        assert await communicator.connect(timeout=WAIT) == (False, 4403)

    run(scenario)


def test_a_member_with_the_guidelines_to_accept_is_closed_with_4451(
    application, room, member, publish
):
    publish(Kind.GUIDELINES)
    cookie = session_cookie(member)

    async def scenario():
        communicator = chat_socket(application, room.pk, ORIGIN, cookie)
        assert await communicator.connect(timeout=WAIT) == (False, 4451)

    run(scenario)


def test_a_page_on_a_foreign_site_cannot_open_a_members_chat_socket(
    application, room, member_cookie, settings
):
    assert not settings.DEBUG  # in DEBUG the origin check lets local origins through

    async def scenario():
        for origin in ([(b"origin", b"https://evil.example")], []):
            communicator = chat_socket(application, room.pk, *origin, member_cookie)
            connected, _code = await communicator.connect(timeout=WAIT)
            assert not connected

    run(scenario)
    assert not ChatMessage.objects.exists()


# --- Sending ------------------------------------------------------------------------------


def test_a_sent_message_is_acknowledged_stored_and_shown_to_everyone_in_the_room(
    application, room, member, peer, member_cookie, peer_cookie
):
    async def scenario():
        mine = await joined(application, room, member_cookie)
        theirs = await joined(application, room, peer_cookie)

        await send(mine, "Good morning, **all**", "c-1")
        got = await frames(mine, 2)
        stored = await database_sync_to_async(ChatMessage.objects.get)()
        ack = got["ack"]
        assert (ack["type"], ack["client_id"], ack["id"]) == ("ack", "c-1", stored.pk)
        assert ack["message"] == got["message"]  # the sender's screen needs no echo
        echo = await next_frame(theirs)
        assert echo == got["message"]
        assert echo["id"] == stored.pk
        assert "client_id" not in echo  # the sender's own id stays with the sender
        key = author_key(room.pk, member.pk)
        assert (echo["author"], echo["author_key"]) == ("Member of group", key)
        # Not the account's id, and unrelated across rooms (a one-digit id may well appear
        # among 16 hex digits by chance, so "not contained" would be a coin toss).
        assert key != str(member.pk) and key != author_key(room.pk + 1, member.pk)
        assert echo["state"] == "shown"
        assert "<strong>all</strong>" in echo["html"]
        assert await quiet(theirs)
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario)
    assert stored_texts() == ["Good morning, **all**"]


def test_a_muted_member_can_connect_and_read_but_a_send_is_refused_and_not_stored(
    application, room, member, muted_member, write
):
    earlier = write(member, "Written before")
    cookie = session_cookie(muted_member)

    async def scenario():
        communicator = await joined(application, room, cookie)
        await communicator.send_json_to({"type": "replay", "after_seq": 0})
        replay = await next_frame(communicator)
        assert [message["id"] for message in replay["messages"]] == [earlier.pk]

        await send(communicator, "Can I still talk?", "m-1")
        error = await next_frame(communicator)
        assert error["type"] == "error"
        assert error["code"] == "forbidden"
        assert error["client_id"] == "m-1"
        assert "muted" in error["message"]
        await communicator.send_json_to({"type": "typing"})
        assert await quiet(communicator)
        await communicator.disconnect()

    run(scenario)
    assert stored_texts() == ["Written before"]


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "empty"), ("   \n  ", "empty"), ("x" * 2001, "too_long")],
    ids=["empty", "blank", "too-long"],
)
def test_an_empty_or_oversize_message_gets_an_error_and_nothing_is_stored(
    application, room, member_cookie, text, code
):
    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await send(communicator, text, "c-1")
        error = await next_frame(communicator)
        assert (error["type"], error["code"], error["client_id"]) == ("error", code, "c-1")
        assert error["message"]
        assert await quiet(communicator)
        await communicator.disconnect()

    run(scenario)
    assert stored_texts() == []


def test_errors_are_written_in_the_members_language(application, room, member):
    member.language = "sv"
    member.save(update_fields=["language"])
    cookie = session_cookie(member)

    async def scenario():
        communicator = await joined(application, room, cookie)
        await send(communicator, "   ", "c-1")
        error = await next_frame(communicator)
        assert error["code"] == "empty"
        assert error["message"]
        assert error["message"] != "Please write something before sending."
        await communicator.disconnect()

    run(scenario)


@pytest.mark.parametrize("text", [None, ["a", "list"]], ids=["null", "a-list"])
def test_a_send_whose_text_is_not_a_string_is_refused_and_nothing_is_stored(
    application, room, member_cookie, text
):
    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await communicator.send_json_to({"type": "send", "client_id": "c-1", "text": text})
        reply = await next_frame(communicator)
        assert reply["type"] == "error", reply
        await communicator.disconnect()

    run(scenario)
    assert stored_texts() == []


def test_a_member_sending_too_fast_is_told_to_slow_down_and_the_refused_one_is_not_stored(
    application, room, member_cookie, settings
):
    settings.CHAT_RATE_LIMIT = 3

    async def scenario():
        communicator = await joined(application, room, member_cookie)
        for number in range(settings.CHAT_RATE_LIMIT):
            await send(communicator, f"message {number}", f"c-{number}")
            assert (await frames(communicator, 2)).keys() == {"ack", "message"}

        await send(communicator, "one too many", "c-extra")
        error = await next_frame(communicator)
        assert (error["type"], error["code"], error["client_id"]) == (
            "error",
            "slow_down",
            "c-extra",
        )
        assert await quiet(communicator)
        await communicator.disconnect()

    run(scenario)
    assert stored_texts() == ["message 0", "message 1", "message 2"]


def test_sending_the_same_client_id_twice_stores_one_message_and_acks_both_with_its_id(
    application, room, member_cookie, peer_cookie
):
    async def scenario():
        mine = await joined(application, room, member_cookie)
        theirs = await joined(application, room, peer_cookie)

        await send(mine, "Did this arrive?", "retry-1")
        first = await frames(mine, 2)
        await send(mine, "Did this arrive?", "retry-1")
        second = await next_frame(mine)

        assert second == first["ack"]
        assert second["client_id"] == "retry-1"
        assert (await next_frame(theirs))["id"] == first["ack"]["id"]
        assert await quiet(mine)
        assert await quiet(theirs)  # the retry is not shown to the room a second time
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario)
    assert stored_texts() == ["Did this arrive?"]


def test_a_send_that_meets_a_database_restart_is_answered_try_again_and_the_socket_lives(
    application, room, member, member_cookie, monkeypatch
):
    def database_restarting(**kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(services, "send_message", database_restarting)

    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await send(communicator, "Are you there?", "u-1")
        error = await next_frame(communicator)
        await communicator.send_json_to({"type": "heartbeat"})
        alive = await communicator.receive_json_from(WAIT)
        await communicator.disconnect()
        return error, alive

    error, alive = run(scenario)

    assert (error["type"], error["code"], error["client_id"]) == ("error", "unavailable", "u-1")
    assert "kept" in error["message"]
    assert alive["type"] == "presence" and alive["seq"] == 0


def test_a_socket_whose_rights_cannot_be_checked_for_now_closes_to_reconnect_later(
    application, room, member, member_cookie, monkeypatch
):
    """No connection came free in the pool (or the database restarts): the frame is not
    acted on unchecked; 1013 tells the page to reconnect, replay and send its outbox."""

    def pool_exhausted(self):
        raise PoolTimeout("couldn't get a connection after 10.00 sec")

    async def scenario():
        communicator = await joined(application, room, member_cookie)
        # The look at the member's session and account (the first the check makes) fails.
        monkeypatch.setattr(sockets.MemberSocket, "fresh_user", pool_exhausted)
        await send(communicator, "Hello?", "t-1")
        return await close_code(communicator)

    assert run(scenario) == live.TRY_AGAIN_LATER == 1013
    assert stored_texts() == []


def test_after_a_reconnect_replay_gives_the_missed_messages_once_and_in_order(
    application, room, member, peer, member_cookie
):
    def peer_says(text: str, client_id: str):
        return services.send_message(author=peer, room=room, text=text, client_id=client_id)

    async def scenario():
        first = await joined(application, room, member_cookie)
        await send(first, "Before the tunnel", "c-1")
        ack = (await frames(first, 2))["ack"]
        last_seen = ack["message"]["seq"]
        await first.disconnect()

        for number in range(3):
            await database_sync_to_async(peer_says)(f"While away {number}", f"p-{number}")

        again = await joined(application, room, member_cookie)
        await again.send_json_to({"type": "replay", "after_seq": last_seen})
        replay = await next_frame(again)
        assert replay["type"] == "replay"
        assert replay["complete"] is True
        assert [message["html"] for message in replay["messages"]] == [
            f"<p>While away {number}</p>" for number in range(3)
        ]
        ids = [message["id"] for message in replay["messages"]]
        assert ids == sorted(ids)
        assert ack["id"] not in ids
        seqs = [message["seq"] for message in replay["messages"]]
        assert seqs == [last_seen + 1, last_seen + 2, last_seen + 3]
        assert {message["author_key"] for message in replay["messages"]} == {
            author_key(room.pk, peer.pk)
        }

        await again.send_json_to({"type": "replay", "after_seq": seqs[-1]})
        assert (await next_frame(again))["messages"] == []
        await again.disconnect()

    run(scenario)


def test_replay_comes_in_batches_and_says_when_there_is_more(
    application, room, member, member_cookie
):
    ChatMessage.objects.bulk_create(
        ChatMessage(room=room, author=member, client_id=f"c-{n}", body_source=f"n{n}", seq=n + 1)
        for n in range(services.REPLAY_LIMIT + 1)
    )
    ChatRoom.objects.filter(pk=room.pk).update(last_seq=services.REPLAY_LIMIT + 1)
    ids = list(ChatMessage.objects.order_by("pk").values_list("pk", flat=True))

    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await communicator.send_json_to({"type": "replay", "after_seq": 0})
        first = await next_frame(communicator)
        assert [message["id"] for message in first["messages"]] == ids[: services.REPLAY_LIMIT]
        assert first["complete"] is False

        last = first["messages"][-1]["seq"]
        await communicator.send_json_to({"type": "replay", "after_seq": last})
        rest = await next_frame(communicator)
        assert [message["id"] for message in rest["messages"]] == ids[services.REPLAY_LIMIT :]
        assert rest["complete"] is True
        await communicator.disconnect()

    run(scenario)


# --- Editing, deleting, typing ------------------------------------------------------------


def test_an_edit_and_a_delete_reach_a_second_connected_member(
    application, room, member, write, member_cookie, peer_cookie
):
    message = write(member, "Frist!")

    async def scenario():
        mine = await joined(application, room, member_cookie)
        theirs = await joined(application, room, peer_cookie)

        await mine.send_json_to({"type": "edit", "id": message.pk, "text": "First!"})
        edited = await next_frame(theirs)
        assert (edited["type"], edited["id"], edited["state"]) == ("message", message.pk, "shown")
        assert edited["edited"] is True
        assert edited["html"] == "<p>First!</p>"

        await mine.send_json_to({"type": "delete", "id": message.pk})
        deleted = await next_frame(theirs)
        assert (deleted["type"], deleted["id"], deleted["state"]) == (
            "message",
            message.pk,
            "deleted",
        )
        assert deleted["html"] == ""
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario)
    message.refresh_from_db()
    assert message.deleted_at is not None
    assert message.body_source == ""


def test_editing_or_deleting_another_members_message_is_refused(
    application, room, member, write, peer_cookie
):
    message = write(member, "Mine, not yours")

    async def scenario():
        theirs = await joined(application, room, peer_cookie)
        for frame in (
            {"type": "edit", "id": message.pk, "text": "Yours now"},
            {"type": "delete", "id": message.pk},
            {"type": "edit", "id": message.pk + 1000, "text": "Nothing there"},
        ):
            await theirs.send_json_to(frame)
            error = await next_frame(theirs)
            assert (error["type"], error["code"]) == ("error", "forbidden")
        await theirs.disconnect()

    run(scenario)
    message.refresh_from_db()
    assert (message.body_source, message.deleted_at) == ("Mine, not yours", None)


@pytest.mark.parametrize("bad_id", ["abc", None, {"id": 1}], ids=["a-word", "null", "an-object"])
def test_an_edit_with_a_malformed_id_gets_an_error_and_the_socket_keeps_working(
    application, room, member_cookie, bad_id
):
    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await communicator.send_json_to({"type": "edit", "id": bad_id, "text": "Changed"})
        error = await next_frame(communicator)
        assert error["type"] == "error"

        await send(communicator, "Still here", "c-1")
        assert (await frames(communicator, 2)).keys() == {"ack", "message"}
        await communicator.disconnect()

    run(scenario)


def test_typing_reaches_the_other_member(application, room, member, member_cookie, peer_cookie):
    async def scenario():
        mine = await joined(application, room, member_cookie)
        theirs = await joined(application, room, peer_cookie)

        await mine.send_json_to({"type": "typing"})
        assert await next_frame(theirs) == {
            "type": "typing",
            "author_key": author_key(room.pk, member.pk),
            "author": "Member of group",
        }
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario)
    assert stored_texts() == []


def test_a_heartbeat_gets_no_reply_and_keeps_the_socket_open(application, room, member_cookie):
    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await communicator.send_json_to({"type": "heartbeat"})
        assert await quiet(communicator)
        await send(communicator, "Still connected", "c-1")
        assert (await frames(communicator, 2)).keys() == {"ack", "message"}
        await communicator.disconnect()

    run(scenario)


# --- Presence -----------------------------------------------------------------------------


def test_presence_lists_both_members_and_drops_one_who_disconnects(
    application, room, member, peer, member_cookie, peer_cookie
):
    """A newcomer gets the whole list; the others hear only who came and who went."""
    mine_entry = {"key": author_key(room.pk, member.pk), "name": "Member of group"}
    theirs_entry = {"key": author_key(room.pk, peer.pk), "name": "Peer Petra"}

    async def scenario():
        mine = await joined(application, room, member_cookie)
        theirs = chat_socket(application, room.pk, ORIGIN, peer_cookie)
        assert await theirs.connect(timeout=WAIT) == (True, None)
        assert await theirs.receive_json_from(WAIT) == {
            "type": "presence",
            "members": [mine_entry, theirs_entry],
        }
        # Arrivals within a second share a frame: this one may name the member too.
        change = await presence_change(mine, lambda frame: frame["joined"] != [mine_entry])
        assert theirs_entry in change["joined"] and change["left"] == []

        await theirs.disconnect()
        change = await presence_change(mine, lambda frame: frame["left"])
        assert change == {"type": "presence", "joined": [], "left": [theirs_entry["key"]]}
        await mine.disconnect()

    run(scenario)


def test_members_arriving_together_are_announced_in_one_change_frame(
    application, room, member, peer, moderator, member_cookie, peer_cookie
):
    """Arrivals within a second reach the room as one frame, not one list per arrival."""
    moderator_cookie = session_cookie(moderator)

    async def scenario():
        first = await joined(application, room, member_cookie)
        first_change = await presence_change(first)  # its own arrival
        others = [
            await joined(application, room, cookie) for cookie in (peer_cookie, moderator_cookie)
        ]
        change = await presence_change(first)
        assert {entry["key"] for entry in change["joined"]} == {
            author_key(room.pk, peer.pk),
            author_key(room.pk, moderator.pk),
        }
        assert await first.receive_nothing(timeout=1.5)  # nothing more: the room is quiet
        for socket_ in (first, *others):
            await socket_.disconnect()
        return first_change

    first_change = run(scenario)
    assert first_change["joined"] == [
        {"key": author_key(room.pk, member.pk), "name": "Member of group"}
    ]


# --- Following changes made elsewhere -----------------------------------------------------


def test_a_member_removed_while_connected_is_closed_with_4403_and_the_others_stay(
    application, room, group, member, peer, member_cookie, peer_cookie
):
    async def scenario():
        mine = await joined(application, room, member_cookie)
        theirs = await joined(application, room, peer_cookie)

        # remove_member runs (and commits) its own transaction.
        await database_sync_to_async(group_services.remove_member)(group=group, user=member)
        assert await close_code(mine) == 4403
        await mine.disconnect()

        change = await presence_change(theirs, lambda frame: frame["left"])
        assert change["left"] == [author_key(room.pk, member.pk)]
        assert "Member of group" not in [entry["name"] for entry in change["joined"]]
        await send(theirs, "Still open", "p-1")
        assert (await frames(theirs, 2)).keys() == {"ack", "message"}
        await theirs.disconnect()

    run(scenario)


def test_a_member_muted_while_connected_is_told_and_stays_connected_but_may_no_longer_send(
    application, room, group, member, member_cookie
):
    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await database_sync_to_async(group_services.mute_member)(
            group=group, user=member, until=None
        )
        assert await next_frame(communicator) == {"type": "muted"}  # the page turns read-only
        assert await quiet(communicator)

        await send(communicator, "After the mute", "c-1")
        error = await next_frame(communicator)
        assert (error["type"], error["code"]) == ("error", "forbidden")
        await communicator.disconnect()

    run(scenario)
    assert stored_texts() == []


def test_the_next_frame_of_a_member_removed_directly_in_the_database_closes_with_4403(
    application, room, group, member, member_cookie
):
    def remove_quietly():
        Membership.objects.filter(user=member, group=group).update(state=Membership.State.REMOVED)

    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await database_sync_to_async(remove_quietly)()

        await send(communicator, "Anyone there?", "c-1")
        assert await close_code(communicator) == 4403
        await communicator.disconnect()

    run(scenario)
    assert stored_texts() == []


def test_new_guidelines_published_mid_session_close_the_next_frame_with_4451(
    application, room, accepted_member, publish
):
    cookie = session_cookie(accepted_member)

    async def scenario():
        communicator = await joined(application, room, cookie)
        await database_sync_to_async(publish)(Kind.GUIDELINES, body="Version two.")

        await send(communicator, "Sent after the new version", "c-1")
        assert await close_code(communicator) == 4451
        await communicator.disconnect()

    run(scenario)
    assert stored_texts() == []


def test_logging_out_closes_the_members_sockets_with_4401_and_the_session_no_longer_connects(
    application, room, member, peer_cookie
):
    browser = Client()
    browser.force_login(member)
    cookie_name = settings.SESSION_COOKIE_NAME
    cookie = (b"cookie", f"{cookie_name}={browser.cookies[cookie_name].value}".encode())

    async def scenario():
        tabs = [await joined(application, room, cookie) for _ in range(2)]
        theirs = await joined(application, room, peer_cookie)

        await database_sync_to_async(browser.logout)()
        for tab in tabs:
            assert await close_code(tab) == 4401
            await tab.disconnect()
        await send(theirs, "I'm still in", "p-1")
        assert (await frames(theirs, 2)).keys() == {"ack", "message"}
        await theirs.disconnect()

        again = chat_socket(application, room.pk, ORIGIN, cookie)
        assert await again.connect(timeout=WAIT) == (False, 4401)

    run(scenario)


def test_a_moderator_hiding_a_message_withholds_it_on_every_open_screen(
    application, room, member, peer, moderator, write, peer_cookie
):
    message = write(member, "Buy my miracle cure")

    def flag_and_hide():
        moderation.flag_content(
            reporter=peer, kind="chat.message", object_id=message.pk, reason="spam"
        )
        item = ModerationItem.objects.get(kind="chat.message", object_id=message.pk)
        moderation.act(moderator=moderator, item=item, action="hide")

    async def scenario():
        theirs = await joined(application, room, peer_cookie)
        await database_sync_to_async(flag_and_hide)()
        event = await next_frame(theirs)
        assert (event["type"], event["id"], event["state"], event["html"]) == (
            "message",
            message.pk,
            "withheld",
            "",
        )
        await theirs.disconnect()

    run(scenario)


# --- Malformed frames ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "websocket.receive", "text": "not json {"},
        {"type": "websocket.receive", "text": "[1, 2]"},
        {"type": "websocket.receive", "bytes": b"\x00\x01"},
    ],
    ids=["not-json", "a-list", "binary"],
)
def test_a_frame_that_is_not_a_json_object_closes_the_socket_with_4400(
    application, room, member_cookie, frame
):
    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await communicator.send_input(frame)
        assert await close_code(communicator) == 4400
        await communicator.disconnect()

    run(scenario)


def test_a_frame_longer_than_the_limit_closes_the_socket_with_4400(
    application, room, member_cookie
):
    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await send(communicator, "x" * 16_001, "c-1")
        assert await close_code(communicator) == 4400
        await communicator.disconnect()

    run(scenario)
    assert stored_texts() == []


def test_new_guidelines_published_close_even_a_silent_socket_with_4451(
    application, room, accepted_member, publish
):
    cookie = session_cookie(accepted_member)

    async def scenario():
        communicator = await joined(application, room, cookie)
        await database_sync_to_async(publish)(Kind.GUIDELINES, body="Version two.")

        assert await close_code(communicator) == 4451  # without sending anything
        await communicator.disconnect()

    run(scenario)


def test_a_silent_socket_whose_session_ended_gets_no_more_messages(
    application, room, member, member_cookie, peer_cookie, monkeypatch
):
    monkeypatch.setattr(sockets, "RECHECK_SECONDS", 0)  # look again before every message

    async def scenario():
        silent = await joined(application, room, member_cookie)
        talker = await joined(application, room, peer_cookie)
        member_key = member_cookie[1].decode().split("=", 1)[1]
        await database_sync_to_async(Session.objects.filter(session_key=member_key).delete)()

        await send(talker, "Is anyone reading?", "p-1")
        assert await close_code(silent) == 4401
        await talker.disconnect()

    run(scenario)


def test_replay_after_the_last_change_brings_edits_and_hides_made_while_away(
    application, room, member, peer, moderator, member_cookie, write
):
    kept = write(peer, "A neighbour's name is Ann")
    edited = write(peer, "See you at eight")
    untouched = write(peer, "Nothing changes here")

    async def scenario():
        first = await joined(application, room, member_cookie)
        await first.send_json_to({"type": "replay", "after_seq": 0})
        before = (await next_frame(first))["messages"]
        last_change = max(message["seq"] for message in before)
        await first.disconnect()

        def while_away():
            services.edit_message(editor=peer, message=edited, text="See you at nine")
            item = moderation.flag_content(
                reporter=member, kind="chat.message", object_id=kept.pk, reason="third_party"
            ).item
            moderation.act(moderator=moderator, item=item, action="hide")

        await database_sync_to_async(while_away)()
        again = await joined(application, room, member_cookie)
        await again.send_json_to({"type": "replay", "after_seq": last_change})
        replay = await next_frame(again)
        await again.disconnect()
        return replay

    replay = run(scenario)

    by_id = {message["id"]: message for message in replay["messages"]}
    assert set(by_id) == {kept.pk, edited.pk}  # each changed message once, in its last state
    assert untouched.pk not in by_id
    assert by_id[kept.pk]["state"] == "withheld" and by_id[kept.pk]["html"] == ""
    assert "nine" in by_id[edited.pk]["html"]


@pytest.mark.parametrize("after", ["12", -5, True, None, 1.5])
def test_a_malformed_change_number_replays_from_the_start(
    application, room, member, member_cookie, write, after
):
    old = write(member, "Old news")

    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await communicator.send_json_to({"type": "replay", "after_seq": after})
        replay = await next_frame(communicator)
        await communicator.disconnect()
        return replay

    assert [message["id"] for message in run(scenario)["messages"]] == [old.pk]


def test_personal_details_are_asked_about_before_sending_and_the_answer_sends_them(
    application, room, member, member_cookie
):
    text = "Ring mig på 070-123 45 67"

    async def scenario():
        communicator = await joined(application, room, member_cookie)
        await send(communicator, text, "p-1")
        warning = await next_frame(communicator)
        assert (warning["type"], warning["code"], warning["client_id"]) == (
            "error",
            "personal_data",
            "p-1",
        )
        assert [finding["kind"] for finding in warning["findings"]] == ["phone"]
        assert await database_sync_to_async(stored_texts)() == []
        await communicator.send_json_to(
            {
                "type": "send",
                "client_id": "p-1",
                "text": text,
                "personal_data": {"answer": "own", "fingerprint": warning["fingerprint"]},
            }
        )
        assert (await frames(communicator, 2)).keys() == {"ack", "message"}
        await communicator.disconnect()

    run(scenario)
    assert stored_texts() == [text]


@pytest.mark.parametrize(
    "answer", [None, "yes", {"answer": "maybe", "fingerprint": "x"}, {"answer": "own"}]
)
def test_a_malformed_or_unfitting_answer_to_the_warning_stores_nothing(
    application, room, member_cookie, answer
):
    async def scenario():
        communicator = await joined(application, room, member_cookie)
        frame = {"type": "send", "client_id": "p-2", "text": "mail me: me@example.org"}
        await communicator.send_json_to({**frame, "personal_data": answer})
        reply = await next_frame(communicator)
        await communicator.disconnect()
        return reply

    assert run(scenario)["code"] == "personal_data"
    assert stored_texts() == []
