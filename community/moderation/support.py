"""Private, supportive messages from a group's reviewers to the author of an item.

One-to-one and kept: the member reads them on a page of their own, the group's reviewers
see them on the item page, the member's data export carries them, and retention ends them
with the other moderation records of a closed account. The text passes the group's own
watched-word screening; crisis and personal-data screening (safety, a floor above) is for
what members write, and is not run on a moderator's message.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.markup.render import clean_source, render_markdown
from community.notifications.services import notify

from .models import ModerationItem, SupportMessage
from .screening import refuse_if_blocked, screen

MESSAGE_LIMIT = 2000
NOTIFICATION_KIND = "moderation.support_message"


@transaction.atomic
def send_support_message(*, sender, item: ModerationItem, body: str) -> SupportMessage:
    """Write privately to the item's author; it counts as the item's first action, and the
    member is told there is a message (never what it says)."""
    if not sender.has_perm("moderation.message_author", item):
        raise PermissionDenied
    source = clean_source(
        body,
        limit=MESSAGE_LIMIT,
        empty=_("Please write a message."),
        too_long=_("Please keep it under %(max)d characters (it has %(length)d)."),
    )
    refuse_if_blocked(screen(group=item.group, author=sender, text=source))
    message = SupportMessage.objects.create(
        item=item,
        group=item.group,
        sender=sender,
        recipient=item.author,
        body_source=source,
        body_html=render_markdown(source).html,
    )
    ModerationItem.objects.filter(pk=item.pk, first_action_at__isnull=True).update(
        first_action_at=message.created_at
    )
    notify(
        recipient=item.author,
        kind=NOTIFICATION_KIND,
        group=item.group,
        target=f"moderation.supportmessage:{message.pk}",
        url=reverse("moderation:messages"),
    )
    return message


@transaction.atomic
def mark_read(*, recipient) -> int:
    """The member has seen their messages."""
    unread = SupportMessage.objects.filter(recipient=recipient, read_at__isnull=True)
    return unread.update(read_at=timezone.now())
