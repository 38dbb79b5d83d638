"""A member's live sockets (chat rooms, Q&A sessions, the bell): each stays open only while
the member's rights hold, and every one of them looks again as soon as they may have changed.

One mechanism for all of them: every socket joins its member's group (`member_sockets`) and
the group of all sockets (`EVERY_SOCKET`); a service that changes someone's rights (logging
out, a new password, closing the account, removal from a group, consent) calls
`rights_changed` (or `everyones_rights_changed`), which after commit sends `rights.changed`
there, and each socket runs its own check again and closes with the reason if it fails.

Close codes: 4401 not logged in (logged out, session ended, password changed elsewhere,
account closed), 4403 not allowed here, 4451 documents to accept first, 4400 a frame that is
not JSON, 1013 the database or Redis failed a moment ago (reconnect and replay).
"""

import time
from collections.abc import Callable, Iterable, Sequence
from importlib import import_module

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import parse_cookie
from django.utils.crypto import constant_time_compare, salted_hmac

from config.outages import after_commit, is_outage

from .batched_looks import BatchedLook
from .models import User
from .socket_hub import HubSocket, hub, hub_event

NOT_LOGGED_IN, FORBIDDEN, CONSENT_NEEDED, BAD_FRAME = 4401, 4403, 4451, 4400
TRY_AGAIN_LATER = 1013  # the database or Redis failed a moment ago: reconnect and replay
RECHECK_SECONDS = 30
SESSION_STORE = import_module(settings.SESSION_ENGINE).SessionStore
EVERY_SOCKET = "sockets.everyone"
RIGHTS_CHANGED = "rights.changed"


def member_sockets(user_id: int) -> str:
    """The channel-layer group of every live socket of one member."""
    return f"sockets.member.{user_id}"


def session_digest(session_key: str | None) -> str:
    """A login session named without its key (keys never travel through the channel layer,
    except a renewed one to the sockets of the session it replaces)."""
    return salted_hmac("accounts.sockets.session", session_key or "").hexdigest()


# Rules every socket must keep on top of being logged in, from apps above this one (consent:
# the documents in force accepted). Each is (close code, holds(user) -> bool).
_standing_rules: list[tuple[int, Callable[[User], bool]]] = []
_rule_look_ups: list[Callable[[list[User]], None]] = []


def register_standing_rule(
    code: int,
    holds: Callable[[User], bool],
    *,
    look_up_many: Callable[[list[User]], None] | None = None,
) -> None:
    """Close every live socket with `code` once `holds(user)` is false for its member.
    `look_up_many(users)`, if given, reads what `holds` needs for many members at once (kept
    on each user object), for sockets looked at together."""
    if (code, holds) not in _standing_rules:
        _standing_rules.append((code, holds))
    if look_up_many is not None and look_up_many not in _rule_look_ups:
        _rule_look_ups.append(look_up_many)


def send_to_sockets(group: str, **details) -> None:
    """Tell a group's sockets to look at their rights again (best effort: a socket also looks
    on the member's frames, and before forwarding once its last look is 30 s old)."""
    event = hub_event(group, RIGHTS_CHANGED, **details)
    async_to_sync(get_channel_layer().group_send)(group, event)


def rights_changed(
    user_id: int, *, ended_session: str | None = None, renewed: tuple[str, str] | None = None
) -> None:
    """After commit, have every live socket of the member check its rights again.

    `ended_session`: only that login session ended (logout); its sockets close at once and
    the member's other devices are left alone. `renewed`: (old key, new key) of a session
    that Django gave a new key while keeping it logged in (a password change on that
    device); its sockets carry on under the new key.
    """
    details = {}
    if ended_session is not None:
        details["ended_session"] = session_digest(ended_session)
    if renewed is not None:
        details["renewed"] = [session_digest(renewed[0]), renewed[1]]
    after_commit(send_to_sockets, member_sockets(user_id), **details)


def everyones_rights_changed() -> None:
    """After commit, have every live socket check its rights again (new documents in force)."""
    after_commit(send_to_sockets, EVERY_SOCKET)


def session_member(session_key: str | None, user_id: int | None = None) -> User | None:
    """The active member whose login session this is, as Django's get_user() decides it on
    every request: None once the session has ended, belongs to someone else (not `user_id`,
    when given), or predates a password change (its stored hash no longer matches)."""
    return session_members([(user_id, session_key)])[(user_id, session_key)]


def session_members(logins) -> dict[tuple, User | None]:
    """session_member() for many (user id or None, session key) pairs: the sessions one by
    one (each from the cache), the members in one query."""
    sessions = {}
    loaded = load_sessions([session_key for _user_id, session_key in logins])
    for user_id, session_key in logins:
        data = loaded.get(session_key) or {}  # {} once ended
        stored_id = logged_in_id(data)
        if stored_id is not None and (user_id is None or str(stored_id) == str(user_id)):
            sessions[(user_id, session_key)] = (stored_id, data.get(HASH_SESSION_KEY))
    ids = {stored_id for stored_id, _hash in sessions.values()}
    users = User.objects.filter(is_active=True).in_bulk(ids) if ids else {}
    members = {}
    for login in logins:
        stored_id, stored_hash = sessions.get(login, (None, None))
        user = users.get(stored_id)
        members[login] = user if user is not None and hash_holds(user, stored_hash) else None
    return members


def load_sessions(session_keys) -> dict[str, dict]:
    """The data of each session ({} once ended): in one round trip to the cache where the
    session engine offers that (accounts.sessions), else one by one."""
    engine = import_module(settings.SESSION_ENGINE)
    if hasattr(engine, "load_sessions"):
        return engine.load_sessions(session_keys)
    return {key: SESSION_STORE(key).load() for key in set(session_keys) if key}


def logged_in_id(session_data: dict):
    """The account id a session is logged in as (with a backend of ours), or None."""
    if session_data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return None
    try:
        return User._meta.pk.to_python(session_data.get(SESSION_KEY))
    except ValidationError:
        return None


def hash_holds(user: User, stored_hash: str | None) -> bool:
    """Whether a session's password hash is still the member's (or a fallback key's)."""
    if not stored_hash:
        return False
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(stored_hash, valid) for valid in hashes)


def look_up_sessions(session_keys: Sequence[str | None]) -> list[User | None]:
    """session_member() of each key: sessions in one trip to the cache, members in one
    query, and what the standing rules need kept on each member (a few queries for all)."""
    found = session_members([(None, key) for key in set(session_keys)])
    members = [user for user in found.values() if user is not None]
    for look_up_many in _rule_look_ups:
        look_up_many(members)
    return [found[(None, key)] for key in session_keys]


# Sockets opening at the same moment (a room filling) have their sessions looked at together.
members_of_sessions = BatchedLook(look_up_sessions)


class SocketMemberMiddleware:
    """Who is behind a WebSocket: the member of the session cookie's login, as Django's
    get_user() decides it (session_member), else AnonymousUser; in `scope["user"]`, with
    `scope["session"]` the (unloaded) session of that cookie.

    In place of Channels' AuthMiddlewareStack: its session wrapper looks at the session on
    every frame a socket sends, and keeps the cookies and a lazy user for the socket's life,
    while a socket never changes the session.
    """

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        session_key = None
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                session_key = parse_cookie(value.decode("latin1")).get(settings.SESSION_COOKIE_NAME)
                break
        user = await members_of_sessions(session_key)
        scope = dict(scope, user=user or AnonymousUser(), session=SESSION_STORE(session_key))
        return await self.inner(scope, receive, send)


class MemberSocket(HubSocket, AsyncWebsocketConsumer):
    """A socket of one logged-in member, open only while `refusal()` finds nothing.

    Subclasses call `take_member()` and `follow_rights()` on connect, `unfollow_rights()` on
    disconnect, refine `forbidden(user)` with their own permission, and may act in
    `rights_still_held()` (the chat tells a member just muted). Groups joined through
    `join_group()` reach the socket through its process's hub (socket_hub.py).
    """

    user_id: int | None = None
    session_key: str | None = None
    checked_at: float = 0.0
    hub_groups: tuple[str, ...] = ()
    closing: bool = False

    async def dispatch(self, message):
        """Channels closes old database connections before every handler, in a thread hop
        per event; every look at the database here runs in database_sync_to_async, which
        does that itself, so events and frames go straight to their handler."""
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def join_group(self, group: str, **recheck) -> None:
        """Hear a group's events through the hub (see SocketHub.join for `recheck`)."""
        self.hub_groups = (*self.hub_groups, group)
        await hub().join(group, self, **recheck)

    async def leave_groups(self) -> None:
        groups, self.hub_groups = self.hub_groups, ()
        self.hub_outbox = None
        for group in groups:
            await hub().leave(group, self)

    async def websocket_disconnect(self, message):
        try:
            await super().websocket_disconnect(message)
        finally:
            await self.leave_groups()  # even if the subclass's disconnect failed

    async def close(self, code=None, reason=None):
        self.closing = True
        self.hub_outbox = None  # nothing more is sent after the close
        await super().close(code=code, reason=reason)

    def take_member(self) -> bool:
        """Note whose socket this is, from the handshake; False if nobody is logged in."""
        user = self.scope["user"]
        if not user.is_authenticated:
            return False
        self.user_id = user.pk
        self.session_key = self.scope["session"].session_key
        self.checked_at = time.monotonic()  # the handshake's session was just looked at
        return True

    async def follow_rights(self) -> None:
        """Hear `rights.changed` meant for this member, or for everyone."""
        await self.join_group(member_sockets(self.user_id))
        await self.join_group(EVERY_SOCKET)

    async def unfollow_rights(self) -> None:
        await self.leave_groups()

    def fresh_user(self) -> User | None:
        """The member as the database has them now (nothing kept from earlier looks: they
        may have been muted, removed or logged out since); None once logged out."""
        return session_member(self.session_key, self.user_id)

    def forbidden(self, user: User) -> bool:
        """Whether this socket's own permission is gone (4403); by default nothing is."""
        return False

    def look_up_for(self, users: list[User]) -> None:
        """Read what `forbidden` needs for many members at once (kept on each user object);
        by default nothing."""

    def refusal(self) -> int | None:
        """Why this socket may no longer stay open (a close code), or None."""
        return self.member_or_refusal()[0]

    def member_or_refusal(self) -> tuple[int | None, User | None]:
        """(None, the member as the database has them now) while the socket may stay open,
        else (the close code, None): one look serves the check and the frame that follows."""
        self.checked_at = time.monotonic()
        user = self.fresh_user()
        if user is None:
            return NOT_LOGGED_IN, None
        refused = self.refusal_for(user)
        return refused, None if refused is not None else user

    def refusal_for(self, user: User) -> int | None:
        """Why this logged-in member's socket may not stay open, or None."""
        for code, holds in _standing_rules:
            if not holds(user):
                return code
        if self.forbidden(user):
            return FORBIDDEN
        return None

    @classmethod
    async def recheck_together(cls, sockets: list["MemberSocket"]) -> None:
        """Look at the rights of many sockets (a room's, in this process) in one trip to a
        database thread, each login session once, and close those whose rights are gone."""
        refusals = await database_sync_to_async(refusals_of)(sockets)
        for socket, code in refusals.items():
            if code is not None and not socket.closing:
                await socket.close(code=code)

    async def checked(self, look, *args):
        """Run a look at the database in a worker thread; if the database (or its pool) is
        unavailable, answer 1013: the page reconnects and replays, and nothing is forwarded
        unchecked meanwhile."""
        try:
            return await database_sync_to_async(look)(*args)
        except Exception as error:
            if not is_outage(error):
                raise
            return TRY_AGAIN_LATER

    async def forward(self, text: str) -> None:
        """Send a broadcast on, unless the last look at the rights is too old and fails: a
        silent client sends no frames to be checked on, and a `rights.changed` may be lost
        while Redis restarts."""
        if self.closing:
            return
        if time.monotonic() - self.checked_at > RECHECK_SECONDS:
            refused = await self.checked(self.refusal)
            if refused is not None:
                await self.close(code=refused)
                return
        await self.send(text_data=text)

    async def rights_changed(self, event: dict) -> None:
        """The member's rights may have changed: look again now, and close if they are gone."""
        if self.user_id is None:
            return
        mine = session_digest(self.session_key)
        renewed = event.get("renewed")
        if renewed and constant_time_compare(renewed[0], mine):
            self.session_key = renewed[1]  # same device, same login, a new key
        ended = event.get("ended_session")
        if ended is not None:
            if constant_time_compare(ended, mine):
                await self.close(code=NOT_LOGGED_IN)
            return  # another device's logout changes nothing here
        refused = await self.checked(self.refusal)
        if refused is not None:
            await self.close(code=refused)
        else:
            await self.rights_still_held()

    async def rights_still_held(self) -> None:
        """Called after a look that found the rights intact."""


def refusals_of(sockets: Iterable[MemberSocket]) -> dict[MemberSocket, int | None]:
    """Each socket's close code (None: it may stay open), looking at each login session
    once and at the members, their consents and memberships in a few queries for all (in a
    database thread): a room's sockets looked at together."""
    by_login: dict[tuple, list[MemberSocket]] = {}
    for socket in sockets:
        by_login.setdefault((socket.user_id, socket.session_key), []).append(socket)
    now = time.monotonic()
    members = session_members(list(by_login))
    codes = refusals_of_members([(sharing, members[login]) for login, sharing in by_login.items()])
    refusals = {}
    for sharing, code in zip(by_login.values(), codes, strict=True):
        for socket in sharing:
            socket.checked_at = now
            refusals[socket] = code
    return refusals


def refusals_of_members(
    pairs: list[tuple[list[MemberSocket], User | None]],
) -> list[int | None]:
    """The close code (None: may stay open) of each list of sockets sharing one member, the
    member as just looked up (None: not logged in); what the standing rules and the sockets'
    permissions need is read in a few queries for all of them."""
    present = [user for _sharing, user in pairs if user is not None]
    for look_up_many in _rule_look_ups:
        look_up_many(present)
    looked_up = set()  # once per kind of socket and watched object (a room's: once)
    for sharing, _user in pairs:
        watched = getattr(sharing[0], "watched", None)
        kind = (type(sharing[0]), type(watched), getattr(watched, "pk", None))
        if kind not in looked_up:
            looked_up.add(kind)
            sharing[0].look_up_for(present)
    return [
        NOT_LOGGED_IN if user is None else sharing[0].refusal_for(user) for sharing, user in pairs
    ]


# Wiring to Django and allauth (connected in AccountsConfig.ready()).


def on_logout(sender, request, user, **kwargs) -> None:
    """Close the sockets of the session that is logging out. Django sends this before it
    ends the session, so the event names the session instead of asking sockets to look."""
    if user is None:
        return
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    rights_changed(user.pk, ended_session=session_key)


def on_password_changed(sender, request, user, **kwargs) -> None:
    """A new password (changed or first set) ends the member's other logins: Django no
    longer accepts their stored hash. The device that changed it stays logged in under a new
    session key (update_session_auth_hash), and its sockets are told that key."""
    session = getattr(request, "session", None)
    old_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME) if request else None
    new_key = getattr(session, "session_key", None)
    valid_hash = session is not None and constant_time_compare(
        session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
    )
    if not (old_key and new_key and old_key != new_key and valid_hash):
        rights_changed(user.pk)
        return
    # The new hash is only in memory until the response saves the session: store it now,
    # or a socket looking at once would find the old hash and take the device as logged out.
    session.save()
    rights_changed(user.pk, renewed=(old_key, new_key))


def on_password_reset(sender, request, user, **kwargs) -> None:
    """A password reset by e-mail link ends every login of the member."""
    rights_changed(user.pk)
