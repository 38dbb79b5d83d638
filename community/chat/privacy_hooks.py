"""Chat's part in data rights: the member's messages in their export, erased when they
close their account, and purged after the group's chat retention period."""

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from community.groups.models import SupportGroup
from community.moderation.services import erase_texts_about
from community.privacy.erasure import Eraser, register_eraser
from community.privacy.exports import ExportSection, register_export_section, when
from community.privacy.retention import Purge, register_purge
from community.safety.services import forget_confirmations

from .models import ChatMessage
from .moderation_hooks import CHAT_MESSAGE


def messages_written(user) -> list[dict]:
    messages = ChatMessage.objects.filter(author=user).select_related("room__group")
    return [
        {
            "group": message.room.group.name,
            "text": message.body_source,
            "written": when(message.created_at),
            "edited": when(message.edited_at),
            "deleted": when(message.deleted_at),
            "hidden_by_moderators": when(message.hidden_at),
            "removed_by_moderators": when(message.removed_at),
        }
        for message in messages.order_by("pk")
    ]


def erase_chat_data(user, delete_content: bool) -> None:
    if delete_content:
        ChatMessage.objects.filter(author=user).delete()


def purge_old_messages(now: datetime) -> int:
    """Delete messages older than their group's chat retention period, and the moderation
    log's copies of their text."""
    erased = 0
    for group in SupportGroup.objects.all():
        cutoff = now - timedelta(days=group.chat_retention_days)
        expired = ChatMessage.objects.filter(room__group=group, created_at__lt=cutoff)
        ids = list(expired.values_list("pk", flat=True))
        if ids:
            erase_texts_about(kind=CHAT_MESSAGE.key, object_ids=ids)
            forget_confirmations(kind=CHAT_MESSAGE.key, object_ids=ids)
            erased += ChatMessage.objects.filter(pk__in=ids).delete()[0]
    return erased


def register_privacy_hooks() -> None:
    register_export_section(
        ExportSection("chat.messages", _("Your chat messages"), messages_written)
    )
    register_eraser(Eraser("chat", erase_chat_data))
    register_purge(Purge("chat.old_messages", purge_old_messages))
