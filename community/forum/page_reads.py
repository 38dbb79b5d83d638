"""The thread page's small reads about its reader and its posts, each one plain SQL statement.

Built as querysets (subqueries, IN lists over a page of posts, select_related) these cost the
page more to compose than to run; here each is a fixed statement with parameters. Table and
column names come from the models, never from input.
"""

from dataclasses import dataclass, field

from django.db import connection

from .models import ClinicianNote, PostImage, Reaction, ReadState, ThreadFollow

READER_STATE_SQL = """
SELECT r.id, r.last_read_number,
       EXISTS(SELECT 1 FROM {follows} f WHERE f.user_id = %s AND f.thread_id = %s)
  FROM (SELECT 1) AS one LEFT JOIN {read_states} r ON r.user_id = %s AND r.thread_id = %s
"""

# `among` is a list of %s placeholders, one per post.
POST_EXTRAS_SQL = """
SELECT 0, post_id, id, width, height, '' FROM {images} WHERE post_id IN ({among})
UNION ALL
SELECT 1, post_id, 0, 0, 0, kind FROM {reactions} WHERE user_id = %s AND post_id IN ({among})
UNION ALL
SELECT 2, post_id, 0, 0, 0, '' FROM {notes} WHERE post_id IN ({among})
ORDER BY 1, 3
"""


@dataclass(frozen=True)
class ReaderState:
    read_state_id: int | None  # None: the member has not opened the thread before
    last_read_number: int
    following: bool


def reader_state(user_id: int, thread_id: int) -> ReaderState:
    """How far the member has read the thread (and the row that says so), and whether they
    follow it: one statement."""
    sql = READER_STATE_SQL.format(follows=table(ThreadFollow), read_states=table(ReadState))
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, thread_id, user_id, thread_id])
        read_state_id, last_read, following = cursor.fetchone()
    return ReaderState(read_state_id, last_read or 0, bool(following))


@dataclass
class PostExtras:
    """Per post of a page: its photos (pk, width, height), the member's own reactions, and
    whether it has clinicians' notes (read as models only then)."""

    photos: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    mine: dict[int, set[str]] = field(default_factory=dict)
    noted: set[int] = field(default_factory=set)


def post_extras(user_id: int, post_ids: list[int]) -> PostExtras:
    """Photos, the member's reactions and which posts have notes, for a page of posts: one
    statement however many posts."""
    extras = PostExtras()
    if not post_ids:
        return extras
    among = ", ".join(["%s"] * len(post_ids))
    sql = POST_EXTRAS_SQL.format(
        images=table(PostImage), reactions=table(Reaction), notes=table(ClinicianNote), among=among
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*post_ids, user_id, *post_ids, *post_ids])
        rows = cursor.fetchall()
    for source, post_id, pk, width, height, kind in rows:
        if source == 0:
            extras.photos.setdefault(post_id, []).append((pk, width, height))
        elif source == 1:
            extras.mine.setdefault(post_id, set()).add(kind)
        else:
            extras.noted.add(post_id)
    return extras


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)
