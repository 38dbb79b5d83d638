"""Who is in a room now, shared by every server process (kept in Redis, not in a process).

Each open socket is an entry with an expiry; a socket refreshes it while it lives (on every
frame and on the client's heartbeat), so a process that dies without saying goodbye drops
out of the list within PRESENCE_TTL seconds. Without Redis (development, one process) a
dictionary in the process does the same. Presence is a courtesy: while Redis is down the
room works on, showing nobody, rather than failing the member's messages.
"""

import time
from contextlib import contextmanager

import redis
from django.conf import settings

from config.outages import REDIS_ERRORS, RedisOutage

PRESENCE_TTL = 60  # seconds

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
