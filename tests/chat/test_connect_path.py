"""What opening chat sockets costs the database when many open at once (a room filling):
the handshake looks at all their sessions, members and consents together, and the chat
lets them in with rooms, memberships and presence looked at together, so the queries of one
burst do not grow with the number of sockets in it. Each socket still gets its own answer:
a member of the group is let in, anyone else is not."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.accounts.sockets import look_up_sessions
from community.chat.consumers import ChatConsumer, enter_readable_rooms
from tests.notifications.test_consumer import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def session_key_of(user) -> str:
    return session_cookie(user)[1].decode().split("=", 1)[1]


def opening_sockets(users, room_id: int) -> list[ChatConsumer]:
    """Chat sockets as the handshake leaves them: the member looked up with their session
    (consents kept on them), a socket id, the room asked for."""
    keys = [session_key_of(user) for user in users]
    found = look_up_sessions(keys)
    sockets = []
    for number, (user, key) in enumerate(zip(found, keys, strict=True)):
        socket = ChatConsumer()
        socket.scope = {"url_route": {"kwargs": {"room_id": room_id}}, "user": user}
        socket.user_id, socket.session_key = user.pk, key
        socket.socket_id = f"socket-{number}"
        sockets.append(socket)
    return sockets


def test_the_handshakes_of_many_sockets_look_at_sessions_members_and_consents_in_a_few_queries(
    make_members, in_force
):
    counts = []
    for count in (3, 12):
        keys = [session_key_of(user) for user in make_members(count, str(count))]
        with CaptureQueriesContext(connection) as captured:
            found = look_up_sessions([*keys, "no-such-session"])
        assert all(user is not None for user in found[:-1]) and found[-1] is None
        counts.append(len(captured.captured_queries))
    # Sessions the cache does not hold (here: none), members, documents in force, decisions.
    assert counts[0] == counts[1] <= 4, counts


def test_many_sockets_opening_together_are_let_in_with_the_same_few_queries_however_many(
    make_members, room, in_force
):
    counts = []
    for count in (3, 12):
        users = make_members(count, str(count))
        sockets = opening_sockets(users, room.pk)
        with CaptureQueriesContext(connection) as captured:
            answers = enter_readable_rooms(sockets)
        assert all(answer_room == room for answer_room, _here in answers)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 3, counts


def test_of_sockets_opening_together_only_members_who_may_read_are_let_in_and_listed(
    make_members, make_user, join, other_group, room, in_force, accept, removed_member
):
    member = make_members(1, "in")[0]
    outsider = make_user(display_name="Outsider")
    join(outsider, other_group)
    accept(outsider)
    accept(removed_member)
    sockets = opening_sockets([member, outsider, removed_member], room.pk)
    wrong_room = opening_sockets([member], room.pk + 1000)[0]
    answers = enter_readable_rooms([*sockets, wrong_room])
    assert [answer_room for answer_room, _here in answers] == [room, None, None, None]
    listed = json.loads(answers[0][1])
    assert listed["type"] == "presence"
    assert [entry["name"] for entry in listed["members"]] == ["Member in-0"]
