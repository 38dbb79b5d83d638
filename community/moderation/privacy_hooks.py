"""Moderation's part in data rights: the member's notices and flags in their export, and
the purge of records about closed accounts once their retention period is over."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from community.privacy.database import erasing_audit_rows
from community.privacy.exports import ExportSection, register_export_section, when
from community.privacy.retention import Purge, register_purge

from .models import Flag, ModerationAction, ModerationItem, SupportMessage


def actions_about(user) -> list[dict]:
    """Decisions about the member's content; which moderator decided is not theirs to take."""
    actions = ModerationAction.objects.filter(subject=user).select_related("group")
    return [
        {
            "group": action.group.name,
            "action": action.get_action_display(),
            "reason": action.reason,
            "your_text_before": action.before,
            "your_text_after": action.after,
            "when": when(action.created_at),
        }
        for action in actions
    ]


def flags_raised(user) -> list[dict]:
    flags = Flag.objects.filter(reporter=user).select_related("item__group")
    return [
        {
            "group": flag.item.group.name,
            "about": flag.item.kind,
            "reason": flag.get_reason_display(),
            "note": flag.note,
            "when": when(flag.created_at),
        }
        for flag in flags
    ]


def appeals_made(user) -> list[dict]:
    appealed = ModerationItem.objects.filter(author=user, appealed_at__isnull=False)
    return [
        {"group": item.group.name, "appeal": item.appeal_message, "when": when(item.appealed_at)}
        for item in appealed.select_related("group")
    ]


def support_messages_received(user) -> list[dict]:
    """Moderators' private messages to the member (theirs to keep, with who wrote them)."""
    received = SupportMessage.objects.filter(recipient=user).select_related("group", "sender")
    return [
        {
            "group": message.group.name,
            "from": message.sender.public_name if message.sender else "",
            "message": message.body_source,
            "when": when(message.created_at),
            "read": when(message.read_at),
        }
        for message in received
    ]


def purge_closed_accounts_records(now: datetime) -> int:
    """Delete moderation records about accounts closed longer ago than the retention period.

    The action log is append-only for everyone else; retention ends its rows through the
    one audited path that may.
    """
    cutoff = now - timedelta(days=settings.MODERATION_RECORD_RETENTION_DAYS)
    with erasing_audit_rows(ModerationAction, reason="retention:closed_accounts") as erasure:
        actions = erasure.delete(ModerationAction.objects.filter(subject__erased_at__lt=cutoff))
        # Deleting the items would set their remaining actions' item to NULL: say so here,
        # so that the change is counted rather than a side effect.
        erasure.update(
            ModerationAction.objects.filter(item__author__erased_at__lt=cutoff), item=None
        )
        flags, _ = Flag.objects.filter(reporter__erased_at__lt=cutoff).delete()
        items, _ = ModerationItem.objects.filter(author__erased_at__lt=cutoff).delete()
    messages, _ = SupportMessage.objects.filter(recipient__erased_at__lt=cutoff).delete()
    return actions + flags + items + messages


def register_privacy_hooks() -> None:
    sections = [
        ("moderation.decisions", _("Moderators' decisions about your posts"), actions_about),
        ("moderation.flags", _("Concerns you raised"), flags_raised),
        ("moderation.appeals", _("Your appeals"), appeals_made),
        ("moderation.messages", _("Messages from moderators"), support_messages_received),
    ]
    for key, title, collect in sections:
        register_export_section(ExportSection(key, title, collect))
    register_purge(Purge("moderation.closed_accounts", purge_closed_accounts_records))
