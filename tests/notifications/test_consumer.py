"""The per-member WebSocket that keeps the bell live, through the real ASGI application
(origin check, session authentication, routing): only a member's own channel, and the new
count arrives once the cause has committed.

The consumer reads the database from another thread, so these tests commit for real.
"""

import json
import uuid

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.test import Client

from community.forum import services as forum
from community.notifications import services

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")
WAIT = 3  # seconds; generous for a real Redis


@pytest.fixture
def application():
    # Imported here, after the test environment has added "testserver" to ALLOWED_HOSTS,
    # which the origin check reads when the application is built.
    from config.asgi import application

    return application


@pytest.fixture(autouse=True)
def own_channel_layer(settings):
    """A fresh channel layer per test; on Redis, keys of its own, so that tests running at
    the same time (with the same user ids in other databases) never hear each other."""
    default = dict(settings.CHANNEL_LAYERS["default"])
    if "redis" in default["BACKEND"].lower():
        default["CONFIG"] = {**default.get("CONFIG", {}), "prefix": f"t{uuid.uuid4().hex}"}
    settings.CHANNEL_LAYERS = {**settings.CHANNEL_LAYERS, "default": default}


class WebsocketCommunicator(ApplicationCommunicator):
    """A browser's WebSocket, as channels.testing.WebsocketCommunicator drives one.

    (channels.testing itself cannot be imported here: its live-server helper needs daphne,
    which this project does not install.)
    """

    def __init__(self, application, path: str, headers: list[tuple[bytes, bytes]]):
        scope = {"type": "websocket", "path": path, "query_string": b"", "headers": headers}
        super().__init__(application, scope)

    async def connect(self, timeout: float = WAIT) -> tuple[bool, int | None]:
        """Return (True, None) when accepted, or (False, close code) when refused.

        The consumer refuses by accepting and closing at once with 4403 (so that the
        browser sees the code and stops retrying); either way counts as refused here.
        """
        self.pending = []
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept", response
        following = await self.receive_output(timeout)
        if following["type"] == "websocket.close":
            return False, following.get("code", 1000)
        self.pending.append(following)
        return True, None

    async def receive_json_from(self, timeout: float = WAIT):
        pending = getattr(self, "pending", [])
        response = pending.pop(0) if pending else await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def send_json_to(self, data) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def disconnect(self, code: int = 1000, timeout: float = WAIT) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def session_cookie(user) -> tuple[bytes, bytes]:
    """The Cookie header of a browser in which `user` has logged in."""
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return (b"cookie", f"{name}={client.cookies[name].value}".encode())


@pytest.fixture
def member_cookie(member):
    # Logged in here, synchronously: not from inside the event loop's thread, where a
    # database connection would be opened and never closed.
    return session_cookie(member)


@pytest.fixture
def peer_cookie(peer):
    return session_cookie(peer)


def socket(application, user_id: int, *headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, f"/ws/notifications/{user_id}/", headers=list(headers)
    )


def run(scenario):
    """Run an async test body from this synchronous test; return what it returns."""
    return async_to_sync(scenario)()


def notify_reply(recipient, actor, group) -> None:
    services.notify(recipient=recipient, kind="forum.reply", group=group, actor=actor)


# --- Who may connect ----------------------------------------------------------------------


def test_a_member_connecting_to_their_own_channel_is_told_their_unread_count(
    application, member, peer, group, member_cookie
):
    notify_reply(member, peer, group)
    notify_reply(member, peer, group)
    notify_reply(peer, member, group)

    async def scenario():
        communicator = socket(application, member.pk, ORIGIN, member_cookie)
        connected, _ = await communicator.connect(timeout=WAIT)
        assert connected
        assert await communicator.receive_json_from(timeout=WAIT) == {"type": "unread", "count": 2}
        await communicator.disconnect()

    run(scenario)


def test_connecting_to_another_members_channel_is_refused_with_4403(
    application, member, peer, member_cookie
):
    async def scenario():
        communicator = socket(application, peer.pk, ORIGIN, member_cookie)
        assert await communicator.connect(timeout=WAIT) == (False, 4403)

    run(scenario)


def test_connecting_without_logging_in_is_refused_with_4401(application, member):
    async def scenario():
        communicator = socket(application, member.pk, ORIGIN)
        assert await communicator.connect(timeout=WAIT) == (False, 4401)

    run(scenario)


def test_a_deactivated_accounts_old_session_is_refused(application, member):
    cookie = session_cookie(member)
    member.is_active = False
    member.save()

    async def scenario():
        communicator = socket(application, member.pk, ORIGIN, cookie)
        connected, _ = await communicator.connect(timeout=WAIT)
        assert not connected

    run(scenario)


def test_a_page_on_a_foreign_site_cannot_open_a_members_socket(application, member):
    cookie = session_cookie(member)

    async def scenario():
        for origin in ([(b"origin", b"https://evil.example")], []):
            communicator = socket(application, member.pk, *origin, cookie)
            connected, _ = await communicator.connect(timeout=WAIT)
            assert not connected

    run(scenario)


# --- Live counts --------------------------------------------------------------------------


def test_a_connected_member_receives_the_new_count_after_a_reply_commits(
    application, member, peer, thread, mailoutbox, member_cookie
):
    async def scenario():
        communicator = socket(application, member.pk, ORIGIN, member_cookie)
        assert (await communicator.connect(timeout=WAIT))[0]
        assert await communicator.receive_json_from(timeout=WAIT) == {"type": "unread", "count": 0}

        await database_sync_to_async(forum.reply)(author=peer, thread=thread, body="Same here.")
        assert await communicator.receive_json_from(timeout=WAIT) == {"type": "unread", "count": 1}

        await database_sync_to_async(forum.reply)(
            author=peer, thread=thread, body="@Member of group look"
        )
        assert await communicator.receive_json_from(timeout=WAIT) == {"type": "unread", "count": 2}

        await database_sync_to_async(services.mark_all_read)(user=member)
        assert await communicator.receive_json_from(timeout=WAIT) == {"type": "unread", "count": 0}
        await communicator.disconnect()

    run(scenario)
    assert len(mailoutbox) == 1  # the mention, e-mailed at once


def test_nothing_is_pushed_for_a_cause_that_rolls_back(
    application, member, peer, thread, member_cookie
):
    def failed_reply():
        from django.db import transaction

        with transaction.atomic():
            forum.reply(author=peer, thread=thread, body="Same here.")
            raise RuntimeError("the request failed after the reply")

    async def scenario():
        communicator = socket(application, member.pk, ORIGIN, member_cookie)
        assert (await communicator.connect(timeout=WAIT))[0]
        await communicator.receive_json_from(timeout=WAIT)

        with pytest.raises(RuntimeError):
            await database_sync_to_async(failed_reply)()

        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()

    run(scenario)


def test_a_members_socket_hears_nothing_of_another_members_notifications(
    application, member, peer, group, member_cookie, peer_cookie
):
    async def scenario():
        mine = socket(application, member.pk, ORIGIN, member_cookie)
        theirs = socket(application, peer.pk, ORIGIN, peer_cookie)
        assert (await mine.connect(timeout=WAIT))[0]
        assert (await theirs.connect(timeout=WAIT))[0]
        await mine.receive_json_from(timeout=WAIT)
        await theirs.receive_json_from(timeout=WAIT)

        await database_sync_to_async(notify_reply)(peer, member, group)

        assert await theirs.receive_json_from(timeout=WAIT) == {"type": "unread", "count": 1}
        assert await mine.receive_nothing(timeout=0.5)
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario)


def test_every_open_page_of_the_member_receives_the_count(
    application, member, peer, group, member_cookie
):
    async def scenario():
        pages = [socket(application, member.pk, ORIGIN, member_cookie) for _ in range(2)]
        for page in pages:
            assert (await page.connect(timeout=WAIT))[0]
            await page.receive_json_from(timeout=WAIT)

        await database_sync_to_async(notify_reply)(member, peer, group)

        for page in pages:
            assert await page.receive_json_from(timeout=WAIT) == {"type": "unread", "count": 1}
            await page.disconnect()

    run(scenario)


def test_a_page_may_ask_for_the_count_again_and_other_messages_are_ignored(
    application, member, peer, group, member_cookie
):
    async def scenario():
        communicator = socket(application, member.pk, ORIGIN, member_cookie)
        assert (await communicator.connect(timeout=WAIT))[0]
        await communicator.receive_json_from(timeout=WAIT)
        # Written without telling the socket (as by another process whose push was lost).
        await database_sync_to_async(services.Notification.objects.create)(
            recipient=member, kind="forum.reply", group=group, actor=peer
        )

        await communicator.send_json_to({"type": "mark_all_read"})
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.send_json_to({"type": "refresh"})
        assert await communicator.receive_json_from(timeout=WAIT) == {"type": "unread", "count": 1}
        await communicator.disconnect()

    run(scenario)
    assert services.unread_count(member) == 1


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "websocket.receive", "text": "[1, 2]"},
        {"type": "websocket.receive", "text": '"refresh"'},
        {"type": "websocket.receive", "text": "not json {"},
        {"type": "websocket.receive", "bytes": b"\x00\x01"},
    ],
    ids=["a-list", "a-string", "not-json", "binary"],
)
def test_a_malformed_frame_is_ignored_and_the_socket_keeps_working(
    application, member, member_cookie, frame
):
    async def scenario():
        communicator = socket(application, member.pk, ORIGIN, member_cookie)
        assert (await communicator.connect(timeout=WAIT))[0]
        await communicator.receive_json_from(timeout=WAIT)

        await communicator.send_input(frame)
        assert await communicator.receive_nothing(timeout=0.5)

        await communicator.send_json_to({"type": "refresh"})
        assert await communicator.receive_json_from(timeout=WAIT) == {"type": "unread", "count": 0}
        await communicator.disconnect()

    run(scenario)
