"""Writing notifications (always inside the transaction that causes them) and reading them.

`notify()` writes the row; after commit it pushes the new unread count to the member's open
pages and, for "immediately", queues the e-mail. Celery only delivers: if the broker is down
the row waits, and the sweep (`deliver_pending_notifications`) sends it later.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from community.groups.models import SupportGroup
from community.groups.policy import remember_memberships, remember_own_memberships
from config.outages import REDIS_ERRORS, after_commit

from .kinds import Email, NotificationKind, all_kinds, find_kind, get_kind
from .models import EmailPreference, Notification

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
ALL_KINDS = "*"
# The header bell's count on every page, kept in the cache: every change of it passes
# through unread_counts_changed (notify, mark read, mark all read).
UNREAD_TTL = 60  # seconds; bounds a count left stale by a Redis outage or a race
UNREAD_KEY = "notifications:unread:{}"


def user_channel_group(user_id: int) -> str:
    """The channel-layer group of one member's open pages (built in one place)."""
    return f"notifications.user.{user_id}"


def email_choices(users: Sequence, kind: str) -> dict[int, str]:
    """Each member's e-mail choice for a kind (one query for all): their own for the kind,
    else "never" if they stopped all e-mail (which also covers kinds added later), else the
    kind's default."""
    chosen: dict[int, dict[str, str]] = {}
    preferences = EmailPreference.objects.filter(
        user_id__in=[user.pk for user in users], kind__in=[kind, ALL_KINDS]
    ).values_list("user_id", "kind", "email")
    for user_id, preference_kind, email in preferences:
        chosen.setdefault(user_id, {})[preference_kind] = email
    default = get_kind(kind).default_email
    return {
        user.pk: (
            chosen.get(user.pk, {}).get(kind) or chosen.get(user.pk, {}).get(ALL_KINDS) or default
        )
        for user in users
    }


def email_choice(user, kind: str) -> str:
    """The member's e-mail choice for a kind (see email_choices)."""
    return email_choices([user], kind)[user.pk]


@transaction.atomic
def notify(*, recipient, **what) -> Notification | None:
    """Tell one member that something happened (the keywords of notify_each); call it
    inside the causing transaction.

    Nothing is written for the actor themselves, nor for someone who may no longer see the
    group (removed members hear nothing more from it).
    """
    written = notify_each(recipients=[recipient], **what)
    return written[0] if written else None


@transaction.atomic
def notify_each(
    *,
    recipients: Sequence,
    kind: str,
    group: SupportGroup | None = None,
    actor=None,
    actor_hidden: bool = False,
    target: str = "",
    url: str = "",
) -> list[Notification]:
    """Tell each of many members the same thing (a reply, to a thread's followers), by the
    rules of notify(), in the same few queries however many they are: a reply must not hold
    its thread locked while hundreds of followers are told one by one."""
    permission = get_kind(kind).permission  # an unregistered kind fails loudly
    told = [
        recipient
        for recipient in recipients
        if recipient is not None
        and recipient.is_active
        and not (actor is not None and recipient.pk == actor.pk)
    ]
    if group is not None and permission:
        remember_memberships(told, group)
        told = [recipient for recipient in told if recipient.has_perm(permission, group)]
    if not told:
        return []
    choices = email_choices(told, kind)
    written = Notification.objects.bulk_create(
        Notification(
            recipient=recipient,
            kind=kind,
            group=group,
            actor=actor,
            actor_hidden=actor_hidden,
            target=target,
            url=url,
            email=choices[recipient.pk],
        )
        for recipient in told
    )
    unread_counts_changed([recipient.pk for recipient in told])
    immediate = [row.pk for row in written if row.email == Email.IMMEDIATELY]
    if immediate:
        after_commit(queue_emails, immediate)
    return written


def queue_emails(notification_ids: list[int]) -> None:
    """Publish one e-mail task per notification (after commit; the sweep sends the rest if
    the broker fails part-way)."""
    from .tasks import send_notification_email

    for notification_id in notification_ids:
        send_notification_email.delay(notification_id=notification_id)


def unread_counts_changed(user_ids: list[int]) -> None:
    """The members' unread counts change with this transaction: the kept counts go now (a
    page in this transaction, or after it, counts afresh) and the new ones are kept and
    pushed to their open pages after the commit."""
    with contextlib.suppress(*REDIS_ERRORS):
        cache.delete_many([UNREAD_KEY.format(pk) for pk in user_ids])
    after_commit(push_unread_counts, user_ids)


def push_unread_counts(user_ids: list[int]) -> None:
    """Keep each member's unread count (the bell's) and send it to their open pages: one
    query for all, then one broadcast each (best effort: pages also show the count when
    they load)."""
    if not user_ids:
        return
    counts = dict(
        Notification.objects.filter(recipient_id__in=user_ids, read_at__isnull=True)
        .values_list("recipient_id")
        .annotate(unread=Count("pk"))
        .values_list("recipient_id", "unread")
    )
    keep_unread_counts({user_id: counts.get(user_id, 0) for user_id in user_ids})
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        sends = [
            layer.group_send(
                user_channel_group(user_id),
                {"type": "unread.count", "count": counts.get(user_id, 0)},
            )
            for user_id in user_ids
        ]
        failures = [
            result
            for result in await asyncio.gather(*sends, return_exceptions=True)
            if isinstance(result, Exception)
        ]
        if failures:
            raise failures[0]  # after_commit logs it; the counts show on the next page

    async_to_sync(send_all)()


def unread_count(user, *, recount: bool = False) -> int:
    """The member's unread notifications: from the cache when it holds the count, else (or
    with `recount`: the bell's socket, which corrects a page) counted in one query and
    kept. While Redis is down, always counted."""
    key = UNREAD_KEY.format(user.pk)
    if not recount:
        try:
            count = cache.get(key)
        except REDIS_ERRORS:
            count = None
        if count is not None:
            return count
    count = Notification.objects.for_recipient(user).unread().count()
    with contextlib.suppress(*REDIS_ERRORS):
        if recount:
            cache.set(key, count, UNREAD_TTL)
        else:
            # add, not set: a count pushed after a commit while this one was read may be
            # newer than it, and is kept.
            cache.add(key, count, UNREAD_TTL)
    return count


def keep_unread_counts(counts: dict[int, int]) -> None:
    """Store the members' counts as the database has them after a commit (best effort:
    while Redis is down each page counts for itself)."""
    with contextlib.suppress(*REDIS_ERRORS):
        cache.set_many({UNREAD_KEY.format(pk): n for pk, n in counts.items()}, UNREAD_TTL)


@transaction.atomic
def mark_read(*, user, notification: Notification) -> None:
    """Mark one of the member's own notifications read."""
    if notification.recipient_id != user.pk:
        raise PermissionError("Not this member's notification.")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
        unread_counts_changed([user.pk])


@transaction.atomic
def mark_all_read(*, user) -> int:
    """Mark all the member's notifications read; return how many changed."""
    changed = Notification.objects.for_recipient(user).unread().update(read_at=timezone.now())
    unread_counts_changed([user.pk])
    return changed


def withdraw_unsent_emails(*, kind: str, target: str) -> int:
    """What notifications of this kind about this target asked for has been done: the
    e-mails not sent yet (at once or in a digest) are not sent. The notifications stay in
    the list. Returns how many e-mails were withdrawn."""
    return (
        Notification.objects.filter(kind=kind, target=target, emailed_at__isnull=True)
        .exclude(email=Email.NEVER)
        .update(email=Email.NEVER, email_claimed_at=None)
    )


def kinds_for(user) -> list[NotificationKind]:
    """The kinds the member could receive: those for everyone, and those whose audience
    permission they hold in at least one group (a patient is shown no moderators' kinds)."""
    if not user.is_authenticated:
        return []
    groups = remember_own_memberships(user)
    if user.is_staff:
        # Staff's rights in a group they are not in come from being staff, the same in every
        # such group: one of them stands for all.
        other = SupportGroup.objects.exclude(pk__in=[group.pk for group in groups]).first()
        if other is not None:
            remember_memberships([user], other)
            groups.append(other)
    return [
        kind
        for kind in all_kinds()
        if not kind.audience_permission
        or any(user.has_perm(kind.audience_permission, group) for group in groups)
    ]


@transaction.atomic
def set_email_choices(*, user, choices: dict[str, str]) -> None:
    """Save the member's e-mail choice per kind (only kinds they could receive)."""
    valid = {value for value, _label in Email.CHOICES}
    receivable = {kind.key for kind in kinds_for(user)}
    # Explicit choices replace an earlier "stop all e-mail".
    EmailPreference.objects.filter(user=user, kind=ALL_KINDS).delete()
    for kind, email in choices.items():
        get_kind(kind)
        if kind not in receivable:
            raise ValueError(kind)
        if email not in valid:
            raise ValueError(email)
        EmailPreference.objects.update_or_create(user=user, kind=kind, defaults={"email": email})
        # What is already waiting follows the new choice too.
        Notification.objects.for_recipient(user).filter(kind=kind, emailed_at__isnull=True).update(
            email=email
        )


# --- Unsubscribe links: signed, bound to one member (and one kind, or all). --------------


def unsubscribe_token(user, kind: str = ALL_KINDS) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """Return (user id, kind) from a genuine token, or None for a forged or broken one."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        return None
    return payload["u"], str(payload.get("k", ALL_KINDS))


@transaction.atomic
def unsubscribe(*, user, kind: str = ALL_KINDS) -> None:
    """Stop e-mail for one kind, or for every kind; in-app notifications continue."""
    known = {k.key for k in all_kinds()}
    if kind == ALL_KINDS or kind not in known:
        # Stored as "*", so that kinds added later do not start e-mailing them either.
        EmailPreference.objects.filter(user=user).delete()
        EmailPreference.objects.create(user=user, kind=ALL_KINDS, email=Email.NEVER)
        waiting = Notification.objects.for_recipient(user)
    else:
        EmailPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": Email.NEVER}
        )
        waiting = Notification.objects.for_recipient(user).filter(kind=kind)
    # Nothing already waiting is sent either.
    waiting.filter(emailed_at__isnull=True).update(email=Email.NEVER)


def describe(notification: Notification, *, for_email: bool = False) -> str:
    """Say what happened in a sentence with no content: who, what kind, which group.

    E-mails name neither the person (a display name is free text) nor the group, only
    the group's e-mail name: an inbox may be read by others.
    """
    kind = find_kind(notification.kind)
    group = email_group_label(notification.group) if for_email else group_name(notification.group)
    if kind is None:
        return _("Something happened in %(group)s") % {"group": group}
    if for_email or notification.actor_hidden or notification.actor is None:
        actor = _("A group member")
    else:
        actor = notification.actor.public_name
    return str(kind.sentence) % {"actor": actor, "group": group}


def group_name(group: SupportGroup | None) -> str:
    return group.name if group is not None else ""


def email_group_label(group: SupportGroup | None) -> str:
    """How e-mails name a group: its e-mail name, never its condition-revealing name."""
    if group is not None and group.email_name:
        return group.email_name
    return _("one of your groups")
