"""Gating of WebSockets: a member with a required document to accept gets their socket
closed with the reason (code 4451) instead of live updates, until they accept.

Driven through the real ASGI application like the notification consumer's tests (whose
client this reuses); the consumer reads the database from another thread, so these tests
commit for real.
"""

import pytest

from community.consent.middleware import CONSENT_NEEDED_CLOSE_CODE
from community.consent.models import Kind
from tests.notifications import test_consumer
from tests.notifications.test_consumer import ORIGIN, WAIT, run, session_cookie, socket

pytestmark = pytest.mark.django_db(transaction=True)

# The consumer tests' fixtures: the ASGI application, and a channel layer of each test's own.
application = test_consumer.application
own_channel_layer = test_consumer.own_channel_layer


async def refusal(communicator) -> dict:
    """Connect and return the close frame the server answers with (after accepting)."""
    await communicator.send_input({"type": "websocket.connect"})
    accepted = await communicator.receive_output(WAIT)
    assert accepted["type"] == "websocket.accept", accepted
    closed = await communicator.receive_output(WAIT)
    assert closed["type"] == "websocket.close", closed
    return closed


def test_a_member_with_a_consent_missing_is_closed_with_the_reason(application, member, in_force):
    cookie = session_cookie(member)

    async def scenario():
        closed = await refusal(socket(application, member.pk, ORIGIN, cookie))
        assert closed["code"] == CONSENT_NEEDED_CLOSE_CODE == 4451
        assert closed["reason"] == "Please accept the updated community documents first."

    run(scenario)


def test_the_reason_is_in_the_members_language(application, member, in_force):
    member.language = "sv"
    member.save(update_fields=["language"])
    cookie = session_cookie(member)

    async def scenario():
        closed = await refusal(socket(application, member.pk, ORIGIN, cookie))
        assert closed["code"] == 4451
        assert closed["reason"]
        assert closed["reason"] != "Please accept the updated community documents first."

    run(scenario)


def test_once_the_member_accepts_the_connection_is_accepted(
    application, accepted_member, publish, accept
):
    member = accepted_member
    publish(Kind.GUIDELINES)  # version 2, not yet accepted
    cookie = session_cookie(member)

    async def refused():
        closed = await refusal(socket(application, member.pk, ORIGIN, cookie))
        assert closed["code"] == 4451

    async def accepted():
        communicator = socket(application, member.pk, ORIGIN, cookie)
        assert await communicator.connect(timeout=WAIT) == (True, None)
        assert await communicator.receive_json_from(timeout=WAIT) == {"type": "unread", "count": 0}
        await communicator.disconnect()

    run(refused)
    accept(member, required=[Kind.GUIDELINES])
    run(accepted)


def test_a_member_who_accepted_everything_connects_normally(application, accepted_member):
    cookie = session_cookie(accepted_member)

    async def scenario():
        communicator = socket(application, accepted_member.pk, ORIGIN, cookie)
        assert await communicator.connect(timeout=WAIT) == (True, None)
        await communicator.disconnect()

    run(scenario)


def test_a_logged_out_socket_is_refused_by_the_consumer_not_by_gating(application, in_force):
    async def scenario():
        closed = await refusal(socket(application, 1, ORIGIN))
        assert closed["code"] == 4401  # not logged in, rather than documents to accept

    run(scenario)
