"""Scale-out: two ASGI server processes on one Redis act as one chat.

Two uvicorn processes share the test database and the local Redis (channel layer, cache and
presence); a member connected to each sees the other's message, and both agree on who is
present. Skipped only where no Redis answers (CI always has one).
"""

import asyncio
import json
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
import websockets
from django.conf import settings
from django.db import connection
from django.test import Client

from community.chat.models import ChatMessage, ChatRoom
from tests.e2e import server

REDIS_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
WAIT = 10  # seconds for one expected frame


def redis_answers() -> bool:
    parts = urlparse(REDIS_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError:
        return False
    return True


pytestmark = [
    pytest.mark.skipif(not redis_answers(), reason="needs a Redis server"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def two_servers(tmp_path):
    prefix = f"twoservers-{uuid.uuid4().hex}"
    shared = {"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix, "CHANNEL_PREFIX": prefix}
    started = []
    for name in ("a", "b"):
        work = tmp_path / name
        work.mkdir()
        started.append(
            server.start(dict(connection.settings_dict), settings.SECRET_KEY, work, shared)
        )
    yield [running for _process, running in started]
    for process, _running in started:
        server.stop(process)


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def next_frame(socket_, kind: str, accept=lambda frame: True) -> dict:
    async def wait():
        while True:
            frame = json.loads(await socket_.recv())
            if frame["type"] == kind and accept(frame):
                return frame

    return await asyncio.wait_for(wait(), WAIT)


async def roster_of(socket_, names: set[str]) -> dict[str, str]:
    """Who the page shows as present (key: name), from the whole list and the changes after
    it, once it shows exactly `names`."""
    roster: dict[str, str] = {}

    def apply(frame) -> bool:
        if "members" in frame:
            roster.clear()
        for entry in frame.get("members", []) + frame.get("joined", []):
            roster[entry["key"]] = entry["name"]
        for key in frame.get("left", []):
            roster.pop(key, None)
        return set(roster.values()) == names

    await next_frame(socket_, "presence", apply)
    return roster


def test_a_message_sent_through_one_server_arrives_through_the_other_with_presence_agreeing(
    two_servers, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    walker, heron = make_user(display_name="Morning walker"), make_user(display_name="Blue heron")
    join(walker, group)
    join(heron, group)
    room = ChatRoom.objects.create(group=group)
    cookies = [session_cookie(Client(), walker), session_cookie(Client(), heron)]
    both = {"Blue heron", "Morning walker"}

    async def chat():
        sockets = []
        for running, cookie in zip(two_servers, cookies, strict=True):
            port = urlparse(running.url).port
            sockets.append(
                await websockets.connect(
                    f"ws://127.0.0.1:{port}/ws/chat/{room.pk}/",
                    additional_headers={"Origin": running.url, "Cookie": cookie},
                )
            )
        on_a, on_b = sockets
        presence_a = await roster_of(on_a, both)
        presence_b = await roster_of(on_b, both)
        await on_a.send(json.dumps({"type": "send", "client_id": "c1", "text": "Across servers"}))
        ack = await next_frame(on_a, "ack")
        arrived = await next_frame(on_b, "message")
        for open_socket in sockets:
            await open_socket.close()
        return presence_a, presence_b, ack, arrived

    # In a thread of its own: a browser test in the same process may hold an event loop.
    with ThreadPoolExecutor(max_workers=1) as thread:
        presence_a, presence_b, ack, arrived = thread.submit(asyncio.run, chat()).result()

    assert presence_a == presence_b
    assert arrived["id"] == ack["id"] == ChatMessage.objects.get().pk
    assert arrived["author"] == "Morning walker"
    assert "Across servers" in arrived["html"]
