"""What the site does while Redis (broker, channel layer, cache) or PostgreSQL is down.

Every write is a row in the database first; Celery tasks and channel-layer broadcasts only
deliver it, and sweeps (and chat clients' replays) catch up with whatever they missed. So
when Redis fails, a request need not wait for it: after one failure this process stops
asking Redis for a few seconds (`REDIS_OUTAGE_BACKOFF`) instead of paying a timeout for each
notification, broadcast and task of the request. A page that cannot work without a service
answers 503 with a translated "try again in a moment", and never a hang.
"""

import asyncio
import logging
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import redis.exceptions
from celery import Task
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Errors that mean "a service is not there right now", not "the code is wrong".
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, BrokerError)


class RedisUnavailable(redis.exceptions.ConnectionError):
    """Redis failed a moment ago; this process is not asking it again yet."""


class RedisOutage:
    """When this process last saw Redis fail, and whether to leave it alone for now."""

    until: float = 0.0

    @classmethod
    def noticed(cls, error: BaseException | None = None) -> None:
        """Redis just failed: leave it alone for REDIS_OUTAGE_BACKOFF seconds. A skip during
        the back-off (RedisUnavailable) is no new failure, or an active process would keep
        extending its back-off and never ask Redis again."""
        if isinstance(error, RedisUnavailable):
            return
        backoff = settings.REDIS_OUTAGE_BACKOFF
        if not cls.known():
            logger.warning("Redis is unavailable; retrying in %.0f s", backoff)
        cls.until = time.monotonic() + backoff

    @classmethod
    def known(cls) -> bool:
        return time.monotonic() < cls.until

    @classmethod
    def check(cls) -> None:
        """Fail at once (RedisUnavailable) while an outage is known."""
        if cls.known():
            raise RedisUnavailable("Redis failed a moment ago.")


def after_commit(func: Callable, /, *args, **kwargs) -> None:
    """Call func(*args, **kwargs) once the transaction commits. If it fails (a service is
    down), log it and carry on: what it delivers is already a row, which the sweeps (and
    chat clients' replays) pick up, so the member's request still succeeds."""

    def deliver() -> None:
        func(*args, **kwargs)

    # Django's robust on_commit names the failing callback by __qualname__, which a
    # functools.partial lacks (the AttributeError would escape the "robust" call).
    deliver.__qualname__ = getattr(func, "__qualname__", type(func).__qualname__)
    transaction.on_commit(deliver, robust=True)


def write_until_stored(write: Callable[[], T]) -> T:
    """Run a small database write again until it lands, for up to DELIVERY_MARK_PATIENCE
    seconds: the one that records an e-mail as sent once SMTP has taken it. A database that
    restarts at that moment must not leave the row unmarked, or the sweep would send the
    e-mail again. (The one remaining window: the worker dies between SMTP's "accepted" and
    this write; docs/operations.md.)"""
    give_up = time.monotonic() + settings.DELIVERY_MARK_PATIENCE
    pause = 0.2
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError):
            if time.monotonic() + pause > give_up:
                raise
            logger.warning("Database unavailable while marking a delivery; retrying")
            connection.close()  # a broken link goes; the next try takes a fresh one
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


class PublishOnceTask(Task):
    """Every task of the project: publishing it costs a request at most one Redis timeout.

    Callers schedule tasks with `transaction.on_commit(..., robust=True)` after writing the
    row the task delivers, so a task that cannot be published is only late: the beat sweeps
    publish it again.
    """

    abstract = True

    def apply_async(self, args=None, kwargs=None, **options):
        if self.app.conf.task_always_eager:
            return super().apply_async(args, kwargs, **options)
        RedisOutage.check()
        try:
            return super().apply_async(args, kwargs, **options)
        except REDIS_ERRORS as error:
            RedisOutage.noticed(error)
            raise


class OutageAwarePubSubChannelLayer(RedisPubSubChannelLayer):
    """The Redis pub/sub layer, bounded in time: a broadcast that cannot go out is dropped
    (clients replay from the database) rather than holding up the sender."""

    async def _bounded(self, name: str, *args):
        RedisOutage.check()
        publish = getattr(self._get_layer(), name)  # the layer of this event loop
        try:
            return await asyncio.wait_for(publish(*args), timeout=settings.REDIS_TIMEOUT)
        except (TimeoutError, *REDIS_ERRORS) as error:
            RedisOutage.noticed(error)
            raise

    async def send(self, channel, message):
        return await self._bounded("send", channel, message)

    async def group_send(self, group, message):
        return await self._bounded("group_send", group, message)


# Connection pools of the Redis cache, one per server for the whole process. Django keeps
# a cache object per async context, so under ASGI each request and each database-thread hop
# of a socket would otherwise build a pool and open a new connection to Redis.
_shared_cache_pools: dict[str, object] = {}


class OutageAwareRedisCacheClient(RedisCacheClient):
    """Every cache operation fails at once while an outage is known, and a failing one
    makes the outage known (the request's next operations do not wait again). Its
    connection pools are the process's (redis-py pools are thread-safe, and reset after a
    fork)."""

    def _get_connection_pool(self, write):
        url = self._servers[self._get_connection_pool_index(write)]
        pool = _shared_cache_pools.get(url)
        if pool is None:
            pool = _shared_cache_pools.setdefault(
                url, self._pool_class.from_url(url, **self._pool_options)
            )
        return pool

    def get_client(self, key=None, *, write=False):
        RedisOutage.check()
        return OutageNoticingClient(super().get_client(key, write=write))


class OutageNoticingClient:
    """A redis-py client whose failing commands make the outage known."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        command = getattr(self._client, name)
        if not callable(command):
            return command

        def noticing(*args, **kwargs):
            try:
                return command(*args, **kwargs)
            except REDIS_ERRORS as error:
                RedisOutage.noticed(error)
                raise

        return noticing


class OutageAwareRedisCache(RedisCache):
    """Django's Redis cache, failing at once while an outage is known."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = OutageAwareRedisCacheClient


# The database pool's "no connection came free in time" error, if the pool is installed.
try:
    from psycopg_pool import PoolTimeout
except ImportError:  # SQLite-only installs
    PoolTimeout = DatabaseError


def is_outage(error: BaseException | None) -> bool:
    """Whether an error means a service is missing (503), not a fault in the code (500)."""
    if isinstance(error, REDIS_ERRORS):
        RedisOutage.noticed(error)
        return True
    return isinstance(error, (PoolTimeout, OperationalError, InterfaceError))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a translated "try again in a moment" (503) when a service is down, the
    plain error page otherwise. Renders without the database: it may be what failed."""
    error = sys.exc_info()[1]
    if is_outage(error):
        page = loader.get_template("503.html").render({})
        return HttpResponse(page, status=503, headers={"Retry-After": "5"})
    return HttpResponseServerError(loader.get_template("500.html").render({}))
