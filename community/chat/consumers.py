"""The chat room's WebSocket: authenticate, authorise through the policy on connect, on
every frame and whenever the member's rights change (live.py), call the services, and
forward what the room broadcasts."""

import json
import time
import uuid
from collections.abc import Sequence

from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from community.accounts import sockets
from community.accounts.batched_looks import BatchedLook
from community.accounts.sockets import refusals_of_members as sockets_refusals
from community.groups.models import Membership
from community.groups.policy import membership_of
from community.safety.personal_data import Confirmation, PersonalDataFound
from config.outages import is_outage

from . import presence, services
from .broadcast import author_key, message_event, room_group, send_to_room
from .live import BAD_FRAME, FORBIDDEN, NOT_LOGGED_IN, RightsCheckedConsumer
from .models import ChatMessage, ChatRoom

MAX_FRAME = 16_000  # characters; a message is at most CHAT_MESSAGE_MAX_LENGTH of them


def text_of(frame: dict, key: str) -> str:
    """A string field of a frame; anything else counts as empty (and is refused as such)."""
    value = frame.get(key)
    return value if isinstance(value, str) else ""


def confirmation_of(frame: dict) -> Confirmation | None:
    """The author's answer to a personal-data warning, if the frame carries one."""
    answer = frame.get("personal_data")
    if not isinstance(answer, dict):
        return None
    return Confirmation.from_values(answer.get("answer"), answer.get("fingerprint"))


class ChatConsumer(RightsCheckedConsumer):
    """A member's socket in a room. It has no channel of its own on the channel layer: the
    room's broadcasts reach it through its process's hub (accounts.socket_hub), which also
    looks at the rights of the room's sockets together, every 15 to 27 seconds."""

    channel_layer_alias = "chat.hub-only"  # not configured: Channels makes no channel for it
    read_permission = "chat.read"
    room: ChatRoom | None = None
    socket_id: str = ""
    present_at: float = 0.0  # when this socket's presence entry was last renewed

    async def connect(self):
        await self.accept()  # then close with our own code: a refused handshake is just 1006
        if not self.take_member():
            await self.close(code=NOT_LOGGED_IN)
            return
        self.socket_id = uuid.uuid4().hex
        self.room, here = await rooms_entered(self)
        if self.room is None:
            await self.close(code=FORBIDDEN)
            return
        await self.follow_rights()
        await self.join_group(
            room_group(self.room.pk),
            recheck=self.recheck_together,
            every=sockets.RECHECK_SECONDS,
        )
        # The newcomer gets the whole list; the others hear of the arrival with the next
        # change frame. (A change frame sent between the list and joining the room's group
        # would pass this socket by; the next heartbeat's list puts that right.)
        await self.send(text_data=here)
        presence.note_change(self.room, self.user_id)

    async def disconnect(self, code):
        if self.room is None:
            return
        await self.leave_groups()
        await database_sync_to_async(presence.leave)(self.room.pk, self.user_id, self.socket_id)
        presence.note_change(self.room, self.user_id)

    async def receive(self, text_data=None, bytes_data=None):
        if self.room is None:
            return
        if len(text_data or "") > MAX_FRAME:
            await self.close(code=BAD_FRAME)
            return
        try:
            frame = json.loads(text_data or "")
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            await self.close(code=BAD_FRAME)
            return
        reply = await self.checked(self.handle, frame)
        if isinstance(reply, int):
            await self.close(code=reply)
            return
        for event in reply:
            await self.send(text_data=json.dumps(event))

    def handle(self, frame: dict) -> list[dict] | int:
        """Check the member's rights afresh, then act on one frame (in a worker thread) as
        the member that check found: one look at session, member, consents and membership."""
        refused, user = self.member_or_refusal()
        if refused is not None:
            return refused
        if time.monotonic() - self.present_at > presence.REFRESH_SECONDS:
            # Still here: the entry's expiry moves on (not on every frame: a busy room's
            # sends would each cost Redis two more round trips).
            presence.enter(self.room.pk, user.pk, self.socket_id)
            self.present_at = time.monotonic()
        with translation.override(user.language):
            return self.act(user, frame)

    def act(self, user, frame: dict) -> list[dict]:
        kind = frame.get("type")
        try:
            if kind == "send":
                message, _created = services.send_message(
                    author=user,
                    room=self.room,
                    text=text_of(frame, "text"),
                    client_id=text_of(frame, "client_id"),
                    personal_data=confirmation_of(frame),
                )
                # The whole message comes with the ack: the sender's screen does not depend on
                # the room's echo arriving.
                return [
                    {
                        "type": "ack",
                        "client_id": message.client_id,
                        "id": message.pk,
                        "message": message_event(message),
                        # Words that suggest a crisis: the page shows the writer support.
                        "crisis": getattr(message, "crisis", False),
                    }
                ]
            if kind in ("edit", "delete"):
                message_id = frame.get("id")
                message = None
                if isinstance(message_id, int) and not isinstance(message_id, bool):
                    message = ChatMessage.objects.filter(pk=message_id, room=self.room).first()
                if message is None:
                    raise PermissionDenied
                if kind == "edit":
                    edited = services.edit_message(
                        editor=user,
                        message=message,
                        text=text_of(frame, "text"),
                        personal_data=confirmation_of(frame),
                    )
                    # The room hears of the edit by broadcast; the writer also hears whether
                    # the new words suggest a crisis (the page then shows support).
                    return [
                        {
                            "type": "edited",
                            "id": edited.pk,
                            "crisis": getattr(edited, "crisis", False),
                        }
                    ]
                else:
                    services.delete_message(actor=user, message=message)
                return []
            if kind == "replay":
                return [self.replay(frame)]
            if kind == "typing" and services.may_signal_typing(user, self.room):
                # Not stored: it only matters now. Other processes hear it through the layer.
                typing = {
                    "type": "typing",
                    "author_key": author_key(self.room.pk, user.pk),
                    "author": str(user.public_name),
                }
                send_to_room(self.room.pk, typing)
                return []
            if kind == "heartbeat":
                # Sockets of a process that died drop out of presence without a goodbye:
                # each heartbeat brings the member the list as it is now, and the number of
                # the room's latest change, so a client that missed the last broadcast (a
                # Redis restart) replays even when nothing is said after it.
                return [
                    {
                        "type": "presence",
                        "members": presence.present_members(self.room),
                        "seq": services.latest_change(self.room),
                    }
                ]
            return []  # unknown kinds: presence was refreshed above
        except PersonalDataFound as found:
            # Nothing was stored: the composer asks the author, who may send again with
            # their answer and this fingerprint.
            warning = self.error("personal_data", " ".join(found.messages), frame)
            return [warning | {"findings": found.described(), "fingerprint": found.fingerprint}]
        except ValidationError as error:
            return [self.error(error.code or "invalid", " ".join(error.messages), frame)]
        except PermissionDenied:
            reason = _("You cannot write in this chat right now.")
            if user.has_perm("chat.read", self.room) and not user.has_perm("chat.post", self.room):
                reason = _("You have been muted in this group, so you can read but not write.")
            return [self.error("forbidden", reason, frame)]
        except Exception as error:
            if not is_outage(error):
                raise
            # Nothing was stored (the transaction rolled back): the page keeps the message
            # and sends it again in a moment, under the same client id.
            busy = _("The chat is busy for a moment. Your message is kept and sent again.")
            return [self.error("unavailable", busy, frame)]

    def replay(self, frame: dict) -> dict:
        """Every change after the last one the client saw (`after_seq`): new messages, and
        edits, deletions and moderation of the ones it has, each in its latest state."""
        after = frame.get("after_seq")
        valid = isinstance(after, int) and not isinstance(after, bool) and after >= 0
        changes = services.changes_after(self.room, after if valid else 0)
        return {
            "type": "replay",
            "messages": [message_event(message) for message in changes],
            "complete": len(changes) < services.REPLAY_LIMIT,
        }

    @staticmethod
    def error(code: str, text: str, frame: dict) -> dict:
        return {"type": "error", "code": code, "message": text, "client_id": frame.get("client_id")}

    # Events from the channel layer.

    async def chat_frame(self, event):
        await self.forward(event["text"])

    async def rights_still_held(self):
        """Still allowed to read after a change (muted, say): a member who may no longer
        post is told, and the page turns read-only."""
        if not await database_sync_to_async(self.may_post)():
            await self.send(text_data=json.dumps({"type": "muted"}))

    def may_post(self) -> bool:
        user = self.fresh_user()
        return user is not None and user.has_perm("chat.post", self.room)


def enter_readable_rooms(
    sockets: Sequence[ChatConsumer],
) -> list[tuple[ChatRoom | None, str | None]]:
    """For each opening socket: its room, if its member may read it, entered, and who is
    there now (a presence frame, ready to send); else (None, None). The member is the one
    the handshake found a moment ago (session and password checked as on every request, as
    Channels' get_user does).

    Sockets opening together (a room filling) are looked at together: the rooms, consents
    and memberships in a few queries and presence in one round trip to Redis per room.
    """
    asked = [socket.scope["url_route"]["kwargs"]["room_id"] for socket in sockets]
    rooms = ChatRoom.objects.select_related("group").in_bulk(set(asked))
    for socket, room_id in zip(sockets, asked, strict=True):
        socket.watched = rooms.get(room_id)
    readable = [socket for socket in sockets if socket.watched is not None]
    codes = sockets_refusals([([socket], socket.scope["user"]) for socket in readable])
    admitted = {socket for socket, code in zip(readable, codes, strict=True) if code is None}
    entering: dict[int, list[ChatConsumer]] = {}
    for socket in readable:
        if socket in admitted:
            entering.setdefault(socket.watched.pk, []).append(socket)
    present = {room_id: enter_together(group) for room_id, group in entering.items()}
    now = time.monotonic()
    answers = []
    for socket in sockets:
        if socket in admitted:
            socket.present_at = now
            answers.append((socket.watched, present[socket.watched.pk]))
        else:
            answers.append((None, None))
    return answers


def enter_together(sockets: list[ChatConsumer]) -> str:
    """Enter the sockets of one room into its presence; who is there now, by name (the
    whole list: a presence frame, encoded once for all of them)."""
    room = sockets[0].watched
    names = {}
    for socket in sockets:
        user = socket.scope["user"]
        membership = membership_of(user, room.group)  # remembered by the look above
        if membership is not None and membership.state in Membership.State.present():
            names[user.pk] = str(user.public_name)
    arrivals = [(socket.user_id, socket.socket_id) for socket in sockets]
    members = presence.enter_and_list(room, arrivals, names)
    return json.dumps({"type": "presence", "members": members})


rooms_entered = BatchedLook(enter_readable_rooms)
