"""Fan-out through the channel layer, after commit. Group names are built here only.

An event is serialised once, here, and every consumer forwards the ready text: encoding
JSON per recipient would be most of the cost of a busy room (see TOOLING.md).
"""

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils.translation import gettext as _

from .models import ChatMessage


def room_group(room_id: int) -> str:
    return f"chat.room.{room_id}"


def member_group(user_id: int) -> str:
    return f"chat.member.{user_id}"


EVERYONE = "chat.everyone"  # every chat socket: re-check rights (e.g. new documents in force)


def message_event(message: ChatMessage) -> dict:
    """What peers see of a message; withheld and deleted ones carry no text."""
    event = {
        "type": "message",
        "id": message.pk,
        "client_id": message.client_id,
        "author_id": message.author_id,
        "author": str(message.author.public_name) if message.author else _("Former member"),
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "state": "shown",
        "html": message.body_html,
    }
    if message.deleted_at is not None:
        event.update(state="deleted", html="")
    elif message.is_withheld:
        event.update(state="withheld", html="")
    return event


def send_to_room(room_id: int, event: dict) -> None:
    """Send an event to every socket in the room (call after commit)."""
    frame = json.dumps(event)
    async_to_sync(get_channel_layer().group_send)(
        room_group(room_id), {"type": "chat.frame", "text": frame}
    )


def recheck_member(user_id: int) -> None:
    """Ask every socket of a member to check its rights again (muted, removed, logged out)."""
    async_to_sync(get_channel_layer().group_send)(member_group(user_id), {"type": "chat.recheck"})


def recheck_everyone() -> None:
    async_to_sync(get_channel_layer().group_send)(EVERYONE, {"type": "chat.recheck"})


def close_member_sockets(user_id: int) -> None:
    async_to_sync(get_channel_layer().group_send)(member_group(user_id), {"type": "chat.logout"})
