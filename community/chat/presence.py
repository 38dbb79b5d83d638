"""Who is in a room now, shared by every server process (kept in Redis, not in a process).

Each open socket is an entry with an expiry; a socket refreshes it while it lives (on every
frame and on the client's heartbeat), so a process that dies without saying goodbye drops
out of the list within PRESENCE_TTL seconds. Without Redis (development, one process) a
dictionary in the process does the same. Presence is a courtesy: while Redis is down the
room works on, showing nobody, rather than failing the member's messages.

The room hears of arrivals and departures as changes (`note_change`): each process gathers
them for up to COALESCE_SECONDS and sends one frame naming only the members who came or
went. The whole list goes only to a socket that asks (on joining, and with each heartbeat).
"""

import asyncio
import json
import logging
import time
import weakref
from contextlib import contextmanager

import redis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model

from community.accounts.socket_hub import SocketHub, hub_event
from community.groups.models import Membership
from config.outages import REDIS_ERRORS, RedisOutage, is_outage

from .broadcast import author_key, room_group

log = logging.getLogger(__name__)

PRESENCE_TTL = 60  # seconds
REFRESH_SECONDS = 15  # a socket's frames renew its entry at most this often
COALESCE_SECONDS = 1.0
NAME_TTL = 60  # seconds a member's name in a room is remembered by a process

_local: dict[str, dict[str, float]] = {}
_client: redis.Redis | None = None


def _key(room_id: int) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:chat:presence:{room_id}"


def _redis() -> redis.Redis | None:
    global _client
    if not settings.REDIS_URL:
        return None
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, **settings.REDIS_CLIENT_OPTIONS)
    return _client


def enter(room_id: int, user_id: int, socket: str) -> None:
    """Mark one socket of a member as present (again) for the next PRESENCE_TTL seconds."""
    member, expires = f"{user_id}:{socket}", time.time() + PRESENCE_TTL
    client = _redis()
    if client is None:
        _local.setdefault(_key(room_id), {})[member] = expires
        return
    key = _key(room_id)
    with tolerating_outage():
        RedisOutage.check()
        client.zadd(key, {member: expires})
        client.expire(key, PRESENCE_TTL * 2)


def enter_and_list(room, arrivals: list[tuple[int, str]], names: dict[int, str]) -> list[dict]:
    """Enter sockets into the room (as `enter`: (user id, socket) each) and return who is in
    it now (as `present_members`), in one round trip to Redis. `names`: the public names of
    arriving members known to belong to the room's group (no query for them)."""
    now = time.time()
    for pk, name in names.items():
        remember_name(room.pk, pk, name)
    client = _redis()
    if client is None:
        for user_id, socket in arrivals:
            enter(room.pk, user_id, socket)
        return present_members(room)
    key = _key(room.pk)
    members = []
    with tolerating_outage():
        RedisOutage.check()
        pipeline = client.pipeline(transaction=False)
        entries = {f"{user_id}:{socket}": now + PRESENCE_TTL for user_id, socket in arrivals}
        pipeline.zadd(key, entries)
        pipeline.expire(key, PRESENCE_TTL * 2)
        pipeline.zremrangebyscore(key, 0, now)
        pipeline.zrangebyscore(key, now, "+inf")
        members = [entry.decode() for entry in pipeline.execute()[-1]]
    return members_named(room, {int(entry.split(":", 1)[0]) for entry in members})


def leave(room_id: int, user_id: int, socket: str) -> None:
    member = f"{user_id}:{socket}"
    client = _redis()
    if client is None:
        _local.get(_key(room_id), {}).pop(member, None)
        return
    with tolerating_outage():
        RedisOutage.check()
        client.zrem(_key(room_id), member)


def present_user_ids(room_id: int) -> set[int]:
    """Ids of members with at least one live socket in the room."""
    now = time.time()
    client = _redis()
    if client is None:
        entries = _local.get(_key(room_id), {})
        members = [member for member, expires in entries.items() if expires > now]
    else:
        key = _key(room_id)
        members = []
        with tolerating_outage():
            RedisOutage.check()
            client.zremrangebyscore(key, 0, now)
            members = [member.decode() for member in client.zrangebyscore(key, now, "+inf")]
    return {int(member.split(":", 1)[0]) for member in members}


@contextmanager
def tolerating_outage():
    """Skip a presence update while Redis is down (and note the outage for the others)."""
    try:
        yield
    except REDIS_ERRORS as error:
        RedisOutage.noticed(error)


# Names of present members, remembered per process: a room filling with 500 members would
# otherwise ask the database for every name on every arrival.
_names: dict[tuple[int, int], tuple[dict, float]] = {}


def present_members(room) -> list[dict]:
    """Everyone with a live socket in the room who still belongs to its group, by name."""
    return members_named(room, present_user_ids(room.pk))


def members_named(room, ids: set[int]) -> list[dict]:
    """The entries ({key, name}) of those of `ids` who belong to the room's group, by name."""
    now = time.monotonic()
    missing = [pk for pk in ids if _names.get((room.pk, pk), (None, 0))[1] <= now]
    if missing:
        found = set()
        for pk, name in belonging_names(room, missing):
            remember_name(room.pk, pk, name)
            found.add(pk)
        for pk in set(missing) - found:
            _names.pop((room.pk, pk), None)
    entries = [_names[(room.pk, pk)][0] for pk in ids if (room.pk, pk) in _names]
    return sorted(entries, key=lambda entry: entry["name"])


def belonging_names(room, user_ids) -> list[tuple[int, str]]:
    """(id, public name) of those of `user_ids` who are active and belong to the group."""
    users = (
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .filter(
            memberships__group_id=room.group_id,
            memberships__state__in=Membership.State.present(),
        )
        .only("pk", "display_name", "erased_at")
    )
    return [(user.pk, str(user.public_name)) for user in users]


def remember_name(room_id: int, user_id: int, name: str) -> None:
    """A member of the room's group and their public name, kept for NAME_TTL seconds."""
    entry = {"key": author_key(room_id, user_id), "name": name}
    _names[(room_id, user_id)] = (entry, time.monotonic() + NAME_TTL)


def forget_name(room_id: int, user_id: int) -> None:
    """A member left or was refused: the next arrival reads the name (and the right) again."""
    _names.pop((room_id, user_id), None)


# Arrivals and departures noted in this process, by event loop (one per server process) and
# room, until the room's next change frame.
_changes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()


def note_change(room, user_id: int) -> None:
    """A member's sockets came or went: tell the room within COALESCE_SECONDS (in the loop)."""
    loop = asyncio.get_running_loop()
    pending = _changes.setdefault(loop, {})
    if room.pk not in pending:
        pending[room.pk] = set()
        loop.call_later(COALESCE_SECONDS, announce_changes_soon, loop, room)
    pending[room.pk].add(user_id)


def announce_changes_soon(loop, room) -> None:
    SocketHub.keep(loop.create_task(announce_changes(room)))


async def announce_changes(room) -> None:
    changed = _changes.get(asyncio.get_running_loop(), {}).pop(room.pk, set())
    if not changed:
        return
    try:
        frame = await database_sync_to_async(changes_frame)(room, changed)
        group = room_group(room.pk)
        await get_channel_layer().group_send(
            group, hub_event(group, "chat.frame", text=json.dumps(frame))
        )
    except Exception as error:
        if not is_outage(error):
            raise
        log.warning("Presence changes were not announced: %r", error)  # heartbeats catch up


def changes_frame(room, changed: set[int]) -> dict:
    """Who of `changed` is in the room now (with their names) and who is gone (keys only)."""
    for user_id in changed:
        forget_name(room.pk, user_id)
    present = present_user_ids(room.pk) & changed
    here = dict(belonging_names(room, present)) if present else {}
    for pk, name in here.items():
        remember_name(room.pk, pk, name)
    return {
        "type": "presence",
        "joined": sorted((_names[(room.pk, pk)][0] for pk in here), key=lambda e: e["name"]),
        "left": sorted(author_key(room.pk, pk) for pk in changed - set(here)),
    }
