"""Django's PostgreSQL backend, with a pool that checks a connection only when it may need it.

With CONN_HEALTH_CHECKS and a pool, Django has psycopg's pool run a query on every connection
it hands out. Under ASGI every look at the database (each request, each hop of a live socket
to a database thread) takes a connection, so every look paid a round trip more. Here a
connection handed back less than RECENT_SECONDS ago (it worked a moment ago) goes out as it
is; one idle for longer (a database restart may have cut it meanwhile) is checked as before,
and replaced if it is broken.
"""

import time
import weakref

from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

RECENT_SECONDS = 1.0

_returned_at: "weakref.WeakKeyDictionary[object, float]" = weakref.WeakKeyDictionary()


def note_return(connection) -> None:
    """The pool's `reset` callback: remember when the connection came back."""
    _returned_at[connection] = time.monotonic()


def check_unless_recent(connection) -> None:
    """The pool's `check` callback: raise if a connection idle for a while is broken."""
    returned = _returned_at.get(connection)
    if returned is not None and time.monotonic() - returned < RECENT_SECONDS:
        return
    ConnectionPool.check_connection(connection)


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool = super().pool
        # Django builds the pool with check=ConnectionPool.check_connection and no reset;
        # psycopg_pool keeps both callbacks in these attributes.
        if pool is not None and pool._check is ConnectionPool.check_connection:
            pool._check, pool._reset = check_unless_recent, note_return
        return pool
