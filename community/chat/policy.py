"""Who may read and write in a group's chat: the forum's walls, plus current consents.

Permissions are `rules` predicates (`user.has_perm("chat.post", room)`); the consumer asks
them on connect and again for every message it receives, so a member muted, removed or
missing a consent mid-session is refused at once.
"""

import rules
from django.http import Http404

from community.consent.policy import has_current_consents
from community.groups.policy import (
    access_group,
    content_predicates,
)

from .models import ChatMessage, ChatRoom


def group_of(obj):
    return obj.room.group if isinstance(obj, ChatMessage) else obj.group


reads_in, writes_in, moderates = content_predicates(group_of)


@rules.predicate
def is_author(user, message: ChatMessage) -> bool:
    return user.is_authenticated and message.author_id == user.pk


@rules.predicate
def is_not_deleted(user, message: ChatMessage) -> bool:
    return message.deleted_at is None


@rules.predicate
def is_published(user, message: ChatMessage) -> bool:
    return not message.is_withheld


rules.add_perm("chat.read", reads_in & has_current_consents)
rules.add_perm("chat.post", writes_in & has_current_consents)
rules.add_perm(
    "chat.edit_message",
    is_author & is_not_deleted & is_published & writes_in & has_current_consents,
)
# Deleting your own words is allowed even while muted: it only ever removes.
rules.add_perm("chat.delete_message", is_author & is_not_deleted & reads_in)
rules.add_perm("chat.moderate", moderates)


def access_group_room(user, slug: str) -> ChatRoom:
    """The group's own room (made on first use), if the user may read it."""
    group = access_group(user, slug)
    if not user.has_perm("chat.read", ChatRoom(group=group)):
        raise Http404
    room, _created = ChatRoom.objects.get_or_create(group=group, kind=ChatRoom.Kind.GROUP)
    return room


def access_message(user, message_id: int) -> ChatMessage:
    message = (
        ChatMessage.objects.select_related("room__group", "author").filter(pk=message_id).first()
    )
    if message is None or not user.has_perm("chat.read", message):
        raise Http404
    return message
