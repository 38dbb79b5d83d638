"""Login sessions kept in the database and read from the cache (SESSION_ENGINE).

Django's cached_db store saves a request the session query. This one also keeps working when
the cache (Redis) does not: every cache call that fails is skipped and the database answers,
as it does for every other read of the site during a Redis outage (config/outages.py). A
session that ends (logout, an expired or deleted row) leaves the cache at once: the store
deletes its entry, and so does deleting the row any other way (admin, clearsessions, tests),
through the post_delete signal below. An entry is kept for at most CACHE_SECONDS, so one
that a Redis outage kept from being deleted cannot outlive its session by more than that.

The cache must be shared by every process that serves the site (Redis in production, or the
one process of `make run`), or one process would go on trusting a session another ended.
"""

import logging

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete

logger = logging.getLogger(__name__)

CACHE_SECONDS = 15 * 60


class SessionStore(CachedDBStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # a cache outage (or a bad key): the database answers
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._remember(data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def exists(self, session_key):
        return super(CachedDBStore, self).exists(session_key)  # the database decides

    def save(self, must_create=False):
        super(CachedDBStore, self).save(must_create)
        self._remember(self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        super(CachedDBStore, self).delete(session_key)
        if session_key is not None:
            forget_session(session_key)

    # The async variants take the same (outage-safe) paths.
    async def aload(self):
        return await sync_to_async(self.load)()

    async def aexists(self, session_key):
        return await sync_to_async(self.exists)(session_key)

    async def asave(self, must_create=False):
        return await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key=None):
        return await sync_to_async(self.delete)(session_key)

    def _remember(self, data: dict, expiry_age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, min(expiry_age, CACHE_SECONDS))
        except Exception:
            logger.warning("Session not cached: the cache is unavailable")


def forget_session(session_key: str) -> None:
    """Drop the cached copy of a session (its row is gone or going)."""
    from django.conf import settings
    from django.core.cache import caches

    try:
        caches[settings.SESSION_CACHE_ALIAS].delete(KEY_PREFIX + session_key)
    except Exception:
        # While the cache is down, requests read the database (where the row is gone); if
        # it comes back with the entry, the entry lapses within CACHE_SECONDS.
        logger.warning("A cached session could not be dropped: the cache is unavailable")


def forget_deleted_session(sender, instance: Session, **kwargs) -> None:
    forget_session(instance.session_key)


post_delete.connect(forget_deleted_session, sender=Session, dispatch_uid="forget_deleted_session")


def load_sessions(session_keys) -> dict[str, dict]:
    """Each session's data ({} for one that has ended), as SessionStore.load() reads it, with
    the cached ones fetched in one round trip (a room's sockets looked at together)."""
    from django.conf import settings
    from django.core.cache import caches

    stores = {key: SessionStore(key) for key in set(session_keys) if key}
    valid = {key: store for key, store in stores.items() if store.session_key is not None}
    try:
        cached = caches[settings.SESSION_CACHE_ALIAS].get_many(
            [store.cache_key for store in valid.values()]
        )
    except Exception:  # a cache outage: the database answers, one session at a time
        cached = {}
    loaded = {key: {} for key in stores}
    for key, store in valid.items():
        data = cached.get(store.cache_key)
        loaded[key] = data if data is not None else store.load()
    return loaded
