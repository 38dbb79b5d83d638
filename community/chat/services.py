"""Writes of the chat: sending, editing and deleting messages. Stored first, then broadcast.

Each runs in a transaction, checks the policy, and schedules the broadcast with
`transaction.on_commit`: a message is shown to the room only once it is in the database.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.markup.render import clean_source, render_markdown
from community.safety.personal_data import Confirmation
from community.safety.screening import act_on_screening, screen_text
from config.outages import REDIS_ERRORS, after_commit

from .broadcast import message_event, send_to_room
from .models import ChatMessage, ChatRoom

CLIENT_ID_MAX = 64
REPLAY_LIMIT = 200
TYPING_INTERVAL = 3  # seconds


def require(user, permission: str, obj) -> None:
    if not user.has_perm(permission, obj):
        raise PermissionDenied


def clean_message(text: str) -> str:
    return clean_source(
        text,
        limit=settings.CHAT_MESSAGE_MAX_LENGTH,
        empty=_("Please write something before sending."),
        too_long=_("This message is %(length)d characters long; the limit is %(max)d."),
    )


def clean_client_id(client_id: str) -> str:
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > CLIENT_ID_MAX or not client_id.isprintable():
        raise ValidationError(_("This message could not be sent. Please try again."), code="id")
    return client_id


def check_rate(user) -> None:
    """Allow CHAT_RATE_LIMIT messages per CHAT_RATE_WINDOW seconds per member.

    While Redis (the counter) is unreachable the message goes through: losing what a member
    wrote would be worse than a few seconds without a limit.
    """
    try:
        count = count_send(user)
    except REDIS_ERRORS:
        return
    if count > settings.CHAT_RATE_LIMIT:
        raise ValidationError(
            _("You are sending messages very fast. Please slow down and try again in a moment."),
            code="slow_down",
        )


def count_send(user) -> int:
    """Count one more message of the member in the current window; return the count."""
    key = f"chat:rate:{user.pk}"
    window = settings.CHAT_RATE_WINDOW
    redis_cache = getattr(cache, "_cache", None)
    if hasattr(redis_cache, "get_client"):
        # Django's Redis cache: start the window and count in one round trip (its add and
        # incr take three, and this runs on every message sent).
        name = cache.make_and_validate_key(key)
        pipeline = redis_cache.get_client(name, write=True).pipeline(transaction=False)
        pipeline.set(name, 0, ex=window, nx=True)
        pipeline.incr(name)
        return pipeline.execute()[1]
    cache.add(key, 0, timeout=window)  # other caches (development, tests)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def announce(message: ChatMessage) -> None:
    """Number this change of the message and broadcast it to the room after commit.

    Call it last in the transaction: the room's row stays locked until the commit, so
    changes commit in the order of their numbers and none is skipped. A broadcast that
    fails is logged, never raised at the sender (robust): clients replay from the database.
    """
    number_change(message)
    broadcast(message)


def broadcast(message: ChatMessage) -> None:
    """Send the message as peers see it to the room, after commit (its author is the one in
    memory, or read once here)."""
    if message.author_id is not None and not ChatMessage.author.is_cached(message):
        message = ChatMessage.objects.select_related("author").get(pk=message.pk)
    after_commit(send_to_room, message.room_id, message_event(message))


def next_change_number(room_id: int) -> int:
    """The room's next change number, in one statement that locks the room's row until the
    transaction commits (so changes commit in the order of their numbers)."""
    table = connection.ops.quote_name(ChatRoom._meta.db_table)  # the model's, not input
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {table} SET "last_seq" = "last_seq" + 1 WHERE "id" = %s RETURNING "last_seq"',  # noqa: S608
            [room_id],
        )
        return cursor.fetchone()[0]


def number_change(message: ChatMessage) -> int:
    """Give the message the room's next change number (locking the room's row)."""
    seq = next_change_number(message.room_id)
    ChatMessage.objects.filter(pk=message.pk).update(seq=seq)
    message.seq = seq  # the caller's copy too: the sender's acknowledgement carries it
    return seq


def send_message(
    *,
    author,
    room: ChatRoom,
    text: str,
    client_id: str,
    personal_data: Confirmation | None = None,
) -> tuple[ChatMessage, bool]:
    """Store a message (or find the one already stored under this client id) and broadcast it.

    Returns (message, created): a retry of the same client id makes no second message.
    Personal details must be confirmed first (PersonalDataFound): nothing is stored before.
    """
    client_id = clean_client_id(client_id)
    # A retry of something already stored is answered even if the member was muted since.
    existing = ChatMessage.objects.filter(room=room, author=author, client_id=client_id).first()
    if existing is not None and author.has_perm("chat.read", room):
        return existing, False
    require(author, "chat.post", room)
    text = clean_message(text)
    # A live room holds nothing back (no pre-moderation): words the group blocks are
    # refused; words it watches ask the moderators to look, after the message is out.
    screened = screen_text(group=room.group, author=author, text=text, personal_data=personal_data)
    check_rate(author)
    rendered = render_markdown(text)
    try:
        with transaction.atomic():
            # Numbered as it is written (one statement fewer than numbering it after): the
            # room's row stays locked from here to the commit.
            message = ChatMessage.objects.create(
                room=room,
                author=author,
                client_id=client_id,
                body_source=text,
                body_html=rendered.html,
                body_text=rendered.text,
                seq=next_change_number(room.pk),
            )
            message.crisis = act_on_screening(
                screened,
                kind="chat.message",
                object_id=message.pk,
                group=room.group,
                author=author,
            )
            broadcast(message)
    except IntegrityError:  # the same id sent twice at once: the other one stored it
        return ChatMessage.objects.get(room=room, author=author, client_id=client_id), False
    return message, True


@transaction.atomic
def edit_message(
    *, editor, message: ChatMessage, text: str, personal_data: Confirmation | None = None
) -> ChatMessage:
    """Change your own message; new personal details must be confirmed, as when sending."""
    message = (
        ChatMessage.objects.select_for_update(of=("self",))
        .select_related("room__group")
        .get(pk=message.pk)
    )
    require(editor, "chat.edit_message", message)
    text = clean_message(text)
    if text == message.body_source:
        return message
    screened = screen_text(
        group=message.room.group,
        author=editor,
        text=text,
        earlier=message.body_source,
        personal_data=personal_data,
    )
    rendered = render_markdown(text)
    message.body_source, message.body_html, message.body_text = text, rendered.html, rendered.text
    message.edited_at = timezone.now()
    message.save(update_fields=["body_source", "body_html", "body_text", "edited_at", "updated_at"])
    message.crisis = act_on_screening(
        screened,
        kind="chat.message",
        object_id=message.pk,
        group=message.room.group,
        author=editor,
    )
    announce(message)
    return message


@transaction.atomic
def delete_message(*, actor, message: ChatMessage) -> ChatMessage:
    """Delete your own message: the room sees "deleted"; the text is erased at once."""
    message = (
        ChatMessage.objects.select_for_update(of=("self",))
        .select_related("room__group")
        .get(pk=message.pk)
    )
    require(actor, "chat.delete_message", message)
    message.deleted_at = timezone.now()
    message.body_source = message.body_html = message.body_text = ""
    message.save(
        update_fields=["deleted_at", "body_source", "body_html", "body_text", "updated_at"]
    )
    announce(message)
    return message


def may_signal_typing(user, room: ChatRoom) -> bool:
    """At most one "is typing" per member and room every TYPING_INTERVAL seconds (none
    while Redis is unreachable: it is only a courtesy)."""
    if not user.has_perm("chat.post", room):
        return False
    try:
        return cache.add(f"chat:typing:{room.pk}:{user.pk}", 1, timeout=TYPING_INTERVAL)
    except REDIS_ERRORS:
        return False


def changes_after(room: ChatRoom, seq: int) -> list[ChatMessage]:
    """What a client missed since the change numbered `seq`: each message sent, edited,
    deleted or moderated since, in its latest state, in the order of the changes (at most
    REPLAY_LIMIT; the client asks again after the last one for the rest)."""
    return list(
        ChatMessage.objects.filter(room=room, seq__gt=seq)
        .select_related("author")
        .order_by("seq")[:REPLAY_LIMIT]
    )


def latest_change(room: ChatRoom) -> int:
    """The number of the room's latest committed change."""
    return ChatRoom.objects.filter(pk=room.pk).values_list("last_seq", flat=True).get()
