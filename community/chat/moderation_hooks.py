"""How moderation acts on chat messages (registered with the moderation app in ready()).

Every decision is broadcast to the room at once (after commit), so a hidden message
disappears from every open screen.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.markup.render import render_markdown
from community.moderation.registry import ModeratedKind

from .models import ChatMessage
from .services import announce


def get_message(message_id: int) -> ChatMessage | None:
    return ChatMessage.objects.select_related("room__group", "author").filter(pk=message_id).first()


def get_messages(message_ids: list[int]) -> dict[int, ChatMessage]:
    return ChatMessage.objects.select_related("room__group", "author").in_bulk(message_ids)


# How many messages before and after a reviewed one its item page shows.
CONTEXT_MESSAGES = 3


def messages_around(message: ChatMessage) -> list[tuple[str, str, bool]]:
    """The few messages before and after it in its room (two bounded queries)."""
    room = ChatMessage.objects.filter(room_id=message.room_id, deleted_at__isnull=True)
    room = room.select_related("author")
    before = room.filter(pk__lt=message.pk).order_by("-pk")[:CONTEXT_MESSAGES]
    after = room.filter(pk__gt=message.pk).order_by("pk")[:CONTEXT_MESSAGES]
    around = [*reversed(list(before)), message, *after]
    return [(name_of(other), other.body_html, other.pk == message.pk) for other in around]


def name_of(message: ChatMessage) -> str:
    return message.author.public_name if message.author else str(_("Former member"))


def set_hidden(message: ChatMessage, hidden: bool) -> None:
    message.hidden_at = timezone.now() if hidden else None
    message.save(update_fields=["hidden_at", "updated_at"])
    announce(message)


def remove(message: ChatMessage, reason: str) -> None:
    message.removed_at = timezone.now()
    message.moderator_note = reason
    message.save(update_fields=["removed_at", "moderator_note", "updated_at"])
    announce(message)


def reinstate(message: ChatMessage) -> None:
    message.removed_at, message.hidden_at, message.moderator_note = None, None, ""
    message.save(update_fields=["removed_at", "hidden_at", "moderator_note", "updated_at"])
    announce(message)


def redact(message: ChatMessage, source: str, reason: str) -> None:
    rendered = render_markdown(source)
    message.body_source, message.body_html, message.body_text = source, rendered.html, rendered.text
    message.edited_at = timezone.now()
    message.moderator_note = reason
    message.save(
        update_fields=[
            "body_source",
            "body_html",
            "body_text",
            "edited_at",
            "moderator_note",
            "updated_at",
        ]
    )
    announce(message)


def approve(message: ChatMessage) -> None:
    """Chat messages are never held for review; nothing waits to be published."""


CHAT_MESSAGE = ModeratedKind(
    key="chat.message",
    label=_("Chat message"),
    get=get_message,
    group_of=lambda message: message.room.group,
    author_of=lambda message: message.author,
    text_of=lambda message: message.body_source,
    html_of=lambda message: message.body_html,
    url_of=lambda message: reverse("chat:message_link", kwargs={"message_id": message.pk}),
    set_hidden=set_hidden,
    remove=remove,
    redact=redact,
    approve=approve,
    reinstate=reinstate,
    get_many=get_messages,
    context_of=messages_around,
)
