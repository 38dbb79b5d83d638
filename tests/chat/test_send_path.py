"""What one chat frame costs the database: a send looks at the session, the member, their
consents and membership once each, writes once and broadcasts once; a heartbeat, typing and
the rights look stay as cheap. Counted through the consumer's own handler, as the socket
runs it in its worker thread."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.chat.consumers import ChatConsumer
from tests.notifications.test_consumer import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

SEND_STATEMENTS = 8


def socket_of(member, room) -> ChatConsumer:
    """A chat socket of `member` in `room`, as connect leaves it."""
    consumer = ChatConsumer()
    consumer.user_id = member.pk
    consumer.session_key = session_cookie(member)[1].decode().split("=", 1)[1]
    consumer.room = consumer.watched = room
    consumer.channel_name = "probe"
    return consumer


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def is_read(sql: str) -> bool:
    return sql.lstrip("( \n").upper().startswith("SELECT")


def statements_of(consumer, frame: dict) -> list[str]:
    """The SQL statements one frame runs (not counting BEGIN and COMMIT)."""
    with CaptureQueriesContext(connection) as captured:
        reply = consumer.handle(frame)
    assert not isinstance(reply, int), reply
    sql = [query["sql"] for query in captured.captured_queries]
    return [statement for statement in sql if not statement.startswith(TRANSACTION_CONTROL)]


def test_a_send_runs_at_most_eight_statements_and_none_twice(member, room, sent, accepted_member):
    consumer = socket_of(member, room)
    statements_of(consumer, {"type": "send", "text": "warm up", "client_id": "w-1"})
    statements = statements_of(consumer, {"type": "send", "text": "Hello all", "client_id": "c-1"})
    assert len(statements) <= SEND_STATEMENTS, statements
    reads = [sql for sql in statements if is_read(sql)]
    assert len(reads) == len(set(reads)), reads
    writes = [sql.split(" ", 2)[:2] for sql in statements if not is_read(sql)]
    assert writes == [["UPDATE", '"chat_chatroom"'], ["INSERT", "INTO"]], writes
    assert sent[-1][1]["html"] == "<p>Hello all</p>"  # one broadcast, after the commit
    assert len(sent) == 2


def test_a_retried_send_stores_nothing_and_writes_nothing(member, room, sent, accepted_member):
    consumer = socket_of(member, room)
    statements_of(consumer, {"type": "send", "text": "Once", "client_id": "c-1"})
    statements = statements_of(consumer, {"type": "send", "text": "Once", "client_id": "c-1"})
    assert [sql for sql in statements if not is_read(sql)] == []
    assert len(sent) == 1


def test_a_heartbeat_and_typing_write_nothing_and_look_once(member, room, sent, accepted_member):
    consumer = socket_of(member, room)
    for frame in ({"type": "heartbeat"}, {"type": "typing"}):
        statements = statements_of(consumer, frame)
        assert all(is_read(sql) for sql in statements), statements
        assert len(statements) == len(set(statements)), statements


def test_a_rooms_sockets_are_looked_at_together_in_a_few_queries_however_many(
    make_members, room, accepted_member
):
    """The periodic look at a room's sockets: the same handful of queries for 3 members as
    for 12, each member's login once (two sockets of one browser share it)."""
    from community.accounts.sockets import refusals_of

    def sockets_of(count: int) -> list[ChatConsumer]:
        members = make_members(count, str(count))
        consumers = [socket_of(user, room) for user in members]
        twin = socket_of(members[0], room)
        twin.session_key = consumers[0].session_key  # a second tab of the same browser
        return [*consumers, twin]

    counts = []
    for count in (3, 12):
        sockets_ = sockets_of(count)
        with CaptureQueriesContext(connection) as captured:
            refusals = refusals_of(sockets_)
        assert set(refusals.values()) == {None}
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 5, counts


def test_sockets_looked_at_together_close_those_whose_rights_are_gone(
    member, peer, room, group, accepted_member, accept
):
    from community.accounts.sockets import refusals_of
    from community.groups import services as group_services

    accept(peer)
    mine, theirs = socket_of(member, room), socket_of(peer, room)
    group_services.remove_member(group=group, user=peer)
    ended = socket_of(member, room)
    ended.session_key = "no-such-session"
    assert refusals_of([mine, theirs, ended]) == {mine: None, theirs: 4403, ended: 4401}
