"""Every live socket of a member (a chat room, a Q&A session, the bell) follows what happens
to their rights, through one mechanism (community.accounts.sockets): logging out, a new
password, closing the account or removal from a group closes it within 2 s, with 4401 (no
longer logged in) or 4403 (no longer allowed here); a socket whose rights still hold stays
open. Each case runs through the real ASGI application and the real views or services.

The consumers read the database from another thread, so these tests commit for real.
"""

import time

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from community.accounts.sockets import session_member
from community.chat.models import ChatRoom
from community.consent.models import Kind
from community.groups import services as group_services
from community.privacy import services as privacy
from community.qa.services import session_group
from tests.chat.conftest import room  # noqa: F401
from tests.conftest import PASSWORD
from tests.consent.conftest import accept, accepted_member, commit, in_force, publish  # noqa: F401
from tests.notifications import test_consumer
from tests.notifications.test_consumer import ORIGIN, WAIT, WebsocketCommunicator, run
from tests.qa.conftest import make_session, open_session  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

# A channel layer of each test's own (on Redis, a key prefix that tests running at the same
# time do not share), as in the notification consumer tests.
own_channel_layer = test_consumer.own_channel_layer

KINDS = ["chat", "notifications", "qa"]
GROUP_KINDS = ["chat", "qa"]  # sockets on one group's content
WITHIN = 2.0  # seconds from the cause to the close
QUIET = 0.3
NEW_PASSWORD = "another-long-password-43"


# --- Browsers and sockets -----------------------------------------------------------------


def logged_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def cookie_of(browser: Client) -> tuple[bytes, bytes]:
    name = settings.SESSION_COOKIE_NAME
    return (b"cookie", f"{name}={browser.cookies[name].value}".encode())


def path_of(kind: str, target) -> str:
    return {
        "chat": "/ws/chat/{}/",
        "notifications": "/ws/notifications/{}/",
        "qa": "/ws/qa/{}/",
    }[kind].format(target.pk)


@pytest.fixture
def target(room, open_session, member):  # noqa: F811
    """What a socket of each kind watches: the group's room, its session, the member's bell."""
    return {"chat": room, "qa": open_session, "notifications": member}


async def open_socket(kind: str, target, browser: Client) -> WebsocketCommunicator:
    """Connect and wait until the socket hears broadcasts (so it follows the member's rights:
    the consumers join those groups before their own)."""
    communicator = WebsocketCommunicator(
        application_instance(), path_of(kind, target), [ORIGIN, cookie_of(browser)]
    )
    if kind == "qa":
        await communicator.send_input({"type": "websocket.connect"})
        assert (await communicator.receive_output(WAIT))["type"] == "websocket.accept"
        await heard_probe(communicator, target)
        return communicator
    assert await communicator.connect(timeout=WAIT) == (True, None)
    first = await communicator.receive_json_from(WAIT)  # chat: who is here; bell: the count
    assert first["type"] == ("presence" if kind == "chat" else "unread")
    return communicator


async def heard_probe(communicator, session) -> None:
    """A Q&A socket subscribes after accepting: probe until it hears its session."""
    layer = get_channel_layer()
    for _attempt in range(50):
        await layer.group_send(session_group(session.pk), {"type": "qa.changed"})
        if not await communicator.receive_nothing(timeout=0.1):
            break
    else:
        raise AssertionError("the socket never joined the session's broadcasts")
    while not await communicator.receive_nothing(timeout=QUIET):
        assert await communicator.receive_json_from(WAIT) == {"type": "changed"}


def application_instance():
    from config.asgi import application

    return application


async def refused_with(kind: str, target, *headers) -> int:
    communicator = WebsocketCommunicator(
        application_instance(), path_of(kind, target), [ORIGIN, *headers]
    )
    connected, code = await communicator.connect(timeout=WAIT)
    assert not connected
    return code


async def closed_with(communicator, since: float) -> int:
    """Read until the server closes the socket (passing over presence and the like); return
    the close code, after checking that it came within WITHIN seconds of `since`."""
    while True:
        output = await communicator.receive_output(WAIT)
        if output["type"] == "websocket.close":
            assert time.monotonic() - since < WITHIN
            return output.get("code", 1000)
        assert output["type"] == "websocket.send", output


async def still_open(kind: str, communicator, target) -> bool:
    """The socket answers as one whose rights hold: it looks at them on a frame (the chat
    and the bell then reply; Q&A forwards a broadcast instead), and nothing it sends until
    it falls quiet is a close (earlier broadcasts may still be queued before one)."""
    await communicator.send_json_to({"type": "refresh" if kind == "notifications" else "heartbeat"})
    if kind == "qa":
        await get_channel_layer().group_send(session_group(target.pk), {"type": "qa.changed"})
    answer = {"chat": '"seq"', "notifications": '"unread"', "qa": '"changed"'}[kind]
    # Wait for the answer as long as for anything else (a busy machine takes its time), then
    # until the socket falls quiet: a close queued behind the answer would still count.
    answered = False
    while not answered:
        output = await communicator.receive_output(WAIT)
        if output["type"] == "websocket.close":
            return False
        answered = answer in output["text"]
    while not await communicator.receive_nothing(timeout=QUIET):
        if (await communicator.receive_output(WAIT))["type"] == "websocket.close":
            return False
    return True


async def in_thread(func, *args, **kwargs):
    return await database_sync_to_async(func)(*args, **kwargs)


# --- Logging out --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_logging_out_closes_that_browsers_socket_with_4401_and_other_devices_stay_open(
    kind, target, member
):
    laptop, phone = logged_in(member), logged_in(member)

    async def scenario():
        on_laptop = await open_socket(kind, target[kind], laptop)
        on_phone = await open_socket(kind, target[kind], phone)

        started = time.monotonic()
        response = await in_thread(laptop.post, reverse("account_logout"))
        assert response.status_code == 302

        assert await closed_with(on_laptop, started) == 4401
        assert await still_open(kind, on_phone, target[kind])
        await on_phone.disconnect()

    run(scenario)


@pytest.mark.parametrize("kind", KINDS)
def test_a_logged_out_browser_cannot_connect_again(kind, target, member):
    browser = logged_in(member)
    cookie = cookie_of(browser)
    browser.logout()

    async def scenario():
        assert await refused_with(kind, target[kind], cookie) == 4401

    run(scenario)


@pytest.mark.parametrize("kind", KINDS)
def test_a_browser_that_never_logged_in_is_refused_with_4401(kind, target):
    async def scenario():
        assert await refused_with(kind, target[kind]) == 4401

    run(scenario)


def test_another_member_logging_out_leaves_this_members_sockets_open(target, member, peer):
    mine, theirs = logged_in(member), logged_in(peer)

    async def scenario():
        sockets = {kind: await open_socket(kind, target[kind], mine) for kind in KINDS}
        await in_thread(theirs.post, reverse("account_logout"))
        for kind, communicator in sockets.items():
            assert await still_open(kind, communicator, target[kind])
            await communicator.disconnect()

    run(scenario)


# --- A new password -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_changing_the_password_closes_the_other_logins_sockets_with_4401_and_keeps_its_own(
    kind, target, member
):
    laptop, phone = logged_in(member), logged_in(member)

    async def scenario():
        on_laptop = await open_socket(kind, target[kind], laptop)
        on_phone = await open_socket(kind, target[kind], phone)

        started = time.monotonic()
        response = await in_thread(
            laptop.post,
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        assert response.status_code == 302

        assert await closed_with(on_phone, started) == 4401
        # Django kept the laptop logged in, under a new session key: its socket follows it.
        assert await still_open(kind, on_laptop, target[kind])
        started = time.monotonic()
        await in_thread(laptop.post, reverse("account_logout"))
        assert await closed_with(on_laptop, started) == 4401

    run(scenario)


@pytest.mark.parametrize("kind", KINDS)
def test_a_login_from_before_a_password_change_is_refused_at_connect(kind, target, member):
    cookie = cookie_of(logged_in(member))
    member.set_password(NEW_PASSWORD)
    member.save()

    async def scenario():
        assert await refused_with(kind, target[kind], cookie) == 4401

    run(scenario)


@pytest.mark.parametrize("kind", KINDS)
def test_a_password_reset_by_email_link_closes_the_members_sockets_with_4401(kind, target, member):
    browser = logged_in(member)
    uid, key = user_pk_to_url_str(member), default_token_generator.make_token(member)
    stranger = Client()  # the e-mail opened on another device, not logged in

    def reset():
        link = reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": key})
        form = stranger.get(link)  # allauth keeps the key in the session, and redirects
        assert form.status_code == 302
        done = stranger.post(form.url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert done.status_code == 302

    async def scenario():
        communicator = await open_socket(kind, target[kind], browser)
        started = time.monotonic()
        await in_thread(reset)
        assert await closed_with(communicator, started) == 4401

    run(scenario)


# --- Closing the account ------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_closing_the_account_closes_its_sockets_on_every_device_with_4401(kind, target, member):
    laptop, phone = logged_in(member), logged_in(member)

    async def scenario():
        on_laptop = await open_socket(kind, target[kind], laptop)
        on_phone = await open_socket(kind, target[kind], phone)

        started = time.monotonic()
        await in_thread(privacy.close_account, user=member, delete_content=False)

        assert await closed_with(on_laptop, started) == 4401
        assert await closed_with(on_phone, started) == 4401

    run(scenario)


# --- Removal from a group -----------------------------------------------------------------


@pytest.mark.parametrize("kind", GROUP_KINDS)
def test_removal_from_the_group_closes_its_sockets_with_4403(kind, target, group, member):
    browser = logged_in(member)

    async def scenario():
        communicator = await open_socket(kind, target[kind], browser)
        started = time.monotonic()
        await in_thread(group_services.remove_member, group=group, user=member)
        assert await closed_with(communicator, started) == 4403

    run(scenario)


def test_removal_from_a_group_leaves_the_bell_open(target, group, member):
    browser = logged_in(member)

    async def scenario():
        bell = await open_socket("notifications", member, browser)
        await in_thread(group_services.remove_member, group=group, user=member)
        assert await still_open("notifications", bell, member)
        await bell.disconnect()

    run(scenario)


@pytest.mark.parametrize("kind", GROUP_KINDS)
def test_removal_from_one_group_leaves_the_members_sockets_on_another_group_open(
    kind,
    target,
    group,
    other_group,
    member,
    join,
    make_session,  # noqa: F811
):
    join(member, other_group)
    elsewhere = {
        "chat": ChatRoom.objects.create(group=other_group, kind=ChatRoom.Kind.GROUP),
        "qa": make_session(),
    }[kind]
    if kind == "qa":
        elsewhere.group = other_group
        elsewhere.save()
    browser = logged_in(member)

    async def scenario():
        here = await open_socket(kind, target[kind], browser)
        there = await open_socket(kind, elsewhere, browser)

        started = time.monotonic()
        await in_thread(group_services.remove_member, group=group, user=member)
        assert await closed_with(here, started) == 4403
        assert await still_open(kind, there, elsewhere)
        await there.disconnect()

    run(scenario)


@pytest.mark.parametrize("kind", GROUP_KINDS)
def test_people_outside_the_group_are_refused_at_connect_with_4403(kind, target, outsider):
    cookie = cookie_of(logged_in(outsider))

    async def scenario():
        assert await refused_with(kind, target[kind], cookie) == 4403

    run(scenario)


def test_another_members_bell_is_refused_with_4403(member, peer):
    cookie = cookie_of(logged_in(member))

    async def scenario():
        assert await refused_with("notifications", peer, cookie) == 4403

    run(scenario)


# --- Documents in force -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_new_documents_in_force_close_every_socket_with_4451(
    kind,
    target,
    accepted_member,  # noqa: F811
    publish,  # noqa: F811
):
    browser = logged_in(accepted_member)

    async def scenario():
        communicator = await open_socket(kind, target[kind], browser)
        started = time.monotonic()
        await in_thread(publish, Kind.GUIDELINES, body="Version two.")
        assert await closed_with(communicator, started) == 4451

    run(scenario)


# --- Whose login a session is -------------------------------------------------------------


def test_a_session_counts_only_for_its_own_active_member_with_a_current_password(member, peer):
    key = logged_in(member).session.session_key
    assert session_member(key, member.pk) == member
    assert session_member(key, peer.pk) is None
    assert session_member("no-such-session", member.pk) is None
    assert session_member(None, member.pk) is None

    member.set_password(NEW_PASSWORD)
    member.save()
    assert session_member(key, member.pk) is None


def test_a_session_signed_under_a_retired_secret_key_still_counts_as_pages_accept_it(
    settings, member
):
    key = logged_in(member).session.session_key
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-" + "x" * 30
    assert session_member(key, member.pk) == member

    settings.SECRET_KEY_FALLBACKS = []
    assert session_member(key, member.pk) is None


def test_a_deactivated_member_s_session_no_longer_counts(member):
    key = logged_in(member).session.session_key
    member.is_active = False
    member.save()
    assert session_member(key, member.pk) is None
    assert Session.objects.filter(session_key=key).exists()  # looking changes nothing
    assert HASH_SESSION_KEY in Session.objects.get(session_key=key).get_decoded()


# --- Staff in the admin -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_deactivating_an_account_in_the_admin_closes_its_sockets_with_4401(
    kind, target, member, rf
):
    from django.contrib import admin

    browser = logged_in(member)

    def deactivate():
        member.is_active = False
        admin.site._registry[type(member)].save_model(rf.post("/"), member, None, change=True)

    async def scenario():
        socket = await open_socket(kind, target[kind], browser)
        started = time.monotonic()
        await in_thread(deactivate)
        assert await closed_with(socket, started) == 4401

    run(scenario)
