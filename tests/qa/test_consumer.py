"""A session's WebSocket through the real ASGI application: who may listen, and the
"changed" frame each listening page gets once a change has committed (the page then fetches
the new list over HTTP).

The consumer reads the database from another thread, so these tests commit for real.
"""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.test import Client

from community.groups import services as group_services
from community.moderation import services as moderation
from community.moderation.models import ModerationAction, ModerationItem, Reason
from community.qa import services
from community.qa.services import session_group
from tests.notifications import test_consumer
from tests.notifications.test_consumer import (
    ORIGIN,
    WAIT,
    WebsocketCommunicator,
    run,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)

# The notification consumer tests' fixtures: the ASGI application, and a channel layer of
# each test's own (on Redis, a key prefix that tests running at the same time do not share).
application = test_consumer.application
own_channel_layer = test_consumer.own_channel_layer

CHANGED = {"type": "changed"}
QUIET = 0.3  # seconds to listen for something that must not arrive


def qa_socket(application, session_id: int, *headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/qa/{session_id}/", headers=list(headers))


async def refused(communicator) -> int:
    """Connect a socket the server must refuse; return its close code."""
    connected, code = await communicator.connect(timeout=WAIT)
    assert not connected
    return code


async def listening(communicator, session_id: int) -> None:
    """Connect, and wait until the socket hears the session's broadcasts (the consumer
    subscribes after accepting, so the first broadcasts may pass it by)."""
    await communicator.send_input({"type": "websocket.connect"})
    assert (await communicator.receive_output(WAIT))["type"] == "websocket.accept"
    layer = get_channel_layer()
    for _attempt in range(50):
        await layer.group_send(session_group(session_id), {"type": "qa.changed"})
        if not await communicator.receive_nothing(timeout=0.1):
            break
    else:
        raise AssertionError("the socket never joined the session's broadcasts")
    # Drain the probes; anything else (a close) fails here.
    while not await communicator.receive_nothing(timeout=QUIET):
        assert await communicator.receive_json_from(WAIT) == CHANGED


@pytest.fixture
def member_cookie(member):
    return session_cookie(member)


# --- Who may listen -----------------------------------------------------------------------


def test_a_member_is_told_changed_after_a_question_is_asked_and_committed(
    application, open_session, member, peer, member_cookie
):
    async def scenario():
        communicator = qa_socket(application, open_session.pk, ORIGIN, member_cookie)
        await listening(communicator, open_session.pk)

        await database_sync_to_async(services.ask)(
            author=peer, session=open_session, text="Does heat spoil insulin?"
        )

        assert await communicator.receive_json_from(WAIT) == CHANGED
        assert await communicator.receive_nothing(timeout=QUIET)
        await communicator.disconnect()

    run(scenario)


def test_nothing_is_sent_for_a_question_that_rolls_back(
    application, open_session, member, peer, member_cookie
):
    def failed_ask():
        with transaction.atomic():
            services.ask(author=peer, session=open_session, text="Lost?")
            raise RuntimeError("the request failed after asking")

    async def scenario():
        communicator = qa_socket(application, open_session.pk, ORIGIN, member_cookie)
        await listening(communicator, open_session.pk)

        with pytest.raises(RuntimeError):
            await database_sync_to_async(failed_ask)()

        assert await communicator.receive_nothing(timeout=QUIET)
        await communicator.disconnect()

    run(scenario)


def test_votes_answers_moves_and_a_moderators_hide_each_tell_the_page(
    application, live_session, member, peer, clinician, moderator, member_cookie
):
    question = services.ask(author=peer, session=live_session, text="Sauna?")

    def hide():
        moderation.flag_content(
            reporter=member, kind="qa.question", object_id=question.pk, reason=Reason.SPAM
        )
        item = ModerationItem.objects.get(kind="qa.question", object_id=question.pk)
        moderation.act(moderator=moderator, item=item, action=ModerationAction.Action.HIDE)

    changes = [
        lambda: services.vote(user=member, question=question),
        lambda: services.answer(host=clinician, question=question, text="Briefly."),
        lambda: services.move_session(host=clinician, session=live_session, action="end"),
        hide,
    ]

    async def scenario():
        communicator = qa_socket(application, live_session.pk, ORIGIN, member_cookie)
        await listening(communicator, live_session.pk)

        for change in changes:
            await database_sync_to_async(change)()
            assert await communicator.receive_json_from(WAIT) == CHANGED
        await communicator.disconnect()

    run(scenario)


def test_a_muted_member_may_still_listen(application, open_session, muted_member, peer):
    cookie = session_cookie(muted_member)

    async def scenario():
        communicator = qa_socket(application, open_session.pk, ORIGIN, cookie)
        await listening(communicator, open_session.pk)

        await database_sync_to_async(services.ask)(author=peer, session=open_session, text="Hi?")

        assert await communicator.receive_json_from(WAIT) == CHANGED
        await communicator.disconnect()

    run(scenario)


@pytest.mark.parametrize("who", ["outsider", "removed_member", "staff"])
def test_people_who_may_not_read_the_group_are_closed_with_4403(
    request, application, open_session, who
):
    cookie = session_cookie(request.getfixturevalue(who))

    async def scenario():
        assert await refused(qa_socket(application, open_session.pk, ORIGIN, cookie)) == 4403

    run(scenario)


def test_a_session_that_does_not_exist_is_closed_with_4403_like_a_forbidden_one(
    application, open_session, member_cookie
):
    async def scenario():
        socket = qa_socket(application, open_session.pk + 1000, ORIGIN, member_cookie)
        assert await refused(socket) == 4403

    run(scenario)


def test_a_browser_that_is_not_logged_in_is_closed_with_4401(application, open_session):
    async def scenario():
        assert await refused(qa_socket(application, open_session.pk, ORIGIN)) == 4401

    run(scenario)


def test_a_browser_that_logged_out_is_closed_with_4401(application, open_session, member):
    browser = Client()
    browser.force_login(member)
    cookie = session_cookie_of(browser)
    browser.logout()

    async def scenario():
        assert await refused(qa_socket(application, open_session.pk, ORIGIN, cookie)) == 4401

    run(scenario)


def test_a_listening_member_who_logs_out_is_closed_with_4401_at_the_next_heartbeat(
    application, open_session, member
):
    browser = Client()
    browser.force_login(member)
    cookie = session_cookie_of(browser)

    async def scenario():
        communicator = qa_socket(application, open_session.pk, ORIGIN, cookie)
        await listening(communicator, open_session.pk)

        await database_sync_to_async(browser.logout)()
        await communicator.send_json_to({"type": "heartbeat"})

        closed = await communicator.receive_output(WAIT)
        assert (closed["type"], closed.get("code")) == ("websocket.close", 4401)

    run(scenario)


def test_a_listening_member_removed_from_the_group_is_closed_with_4403_at_the_next_heartbeat(
    application, open_session, member, group, member_cookie
):
    async def scenario():
        communicator = qa_socket(application, open_session.pk, ORIGIN, member_cookie)
        await listening(communicator, open_session.pk)

        await database_sync_to_async(group_services.remove_member)(group=group, user=member)
        await communicator.send_json_to({"type": "heartbeat"})

        closed = await communicator.receive_output(WAIT)
        assert (closed["type"], closed.get("code")) == ("websocket.close", 4403)

    run(scenario)


def test_a_frame_that_is_not_json_closes_the_socket_with_4400(
    application, open_session, member_cookie
):
    async def scenario():
        communicator = qa_socket(application, open_session.pk, ORIGIN, member_cookie)
        await listening(communicator, open_session.pk)

        await communicator.send_input({"type": "websocket.receive", "text": "not json {"})

        closed = await communicator.receive_output(WAIT)
        assert (closed["type"], closed.get("code")) == ("websocket.close", 4400)

    run(scenario)


def session_cookie_of(browser: Client) -> tuple[bytes, bytes]:
    name = settings.SESSION_COOKIE_NAME
    return (b"cookie", f"{name}={browser.cookies[name].value}".encode())
