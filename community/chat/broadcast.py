"""Fan-out through the channel layer, after commit. Group names are built here only.

An event is serialised once, here, and reaches each process once (its socket hub hands the
ready text to the room's sockets there): encoding JSON or dispatching per recipient would be
most of the cost of a busy room (see TOOLING.md and docs/chat.md).
"""

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from community.accounts.socket_hub import hub_event

from .models import ChatMessage


def room_group(room_id: int) -> str:
    return f"chat.room.{room_id}"


def author_key(room_id: int, user_id: int | None) -> str:
    """Who wrote a message, as peers' browsers need it (to mark "your own", to group): the
    same within one room, unrelated across rooms, so it never links a member's groups."""
    if user_id is None:
        return ""
    return salted_hmac("chat.author", f"{room_id}:{user_id}").hexdigest()[:16]


def message_event(message: ChatMessage) -> dict:
    """What peers see of a message; withheld and deleted ones carry no text."""
    event = {
        "type": "message",
        "id": message.pk,
        "seq": message.seq,
        "author_key": author_key(message.room_id, message.author_id),
        "author": str(message.author.public_name) if message.author else _("Former member"),
        "clinician": bool(message.author and message.author.is_verified_clinician),
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "changed_at": message.updated_at.isoformat(),
        "state": "shown",
        "html": message.body_html,
    }
    if message.deleted_at is not None:
        event.update(state="deleted", html="")
    elif message.is_withheld:
        event.update(state="withheld", html="")
    return event


def send_to_room(room_id: int, event: dict) -> None:
    """Send an event to every socket in the room (call after commit). If the layer cannot
    take it, the error goes to the caller; rooms' clients replay what they missed."""
    group = room_group(room_id)
    frame = json.dumps(event)
    async_to_sync(get_channel_layer().group_send)(group, hub_event(group, "chat.frame", text=frame))
