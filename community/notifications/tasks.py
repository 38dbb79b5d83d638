"""Delivering notification e-mails: idempotent tasks that take ids, and the sweeps.

A row is claimed (email_claimed_at) before sending, so a task that runs twice sends once; if
sending fails the claim is released and the task retries. Once SMTP has taken the e-mail the
row is marked (emailed_at), retried until the database takes it. A worker that dies between
the two leaves a claim that lapses after EMAIL_CLAIM_LEASE, and the sweep sends it again:
the one window for a duplicate (docs/operations.md).
"""

import logging
import zoneinfo
from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from config.outages import write_until_stored

from .kinds import Email, find_kind
from .models import Notification
from .services import ALL_KINDS, describe, unsubscribe_token

logger = logging.getLogger(__name__)


def claim_lease() -> timedelta:
    """A claim this old belongs to a worker that died while sending: the row is free again."""
    return timedelta(seconds=settings.EMAIL_CLAIM_LEASE)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def still_visible(notification: Notification) -> bool:
    """Whether the member may still see the group it is about (removed: no e-mail)."""
    group = notification.group
    kind = find_kind(notification.kind)
    if kind is None:
        return False
    if group is None or not kind.permission:
        return True
    return notification.recipient.has_perm(kind.permission, group)


def send_email(*, user, subject: str, body: str, unsubscribe_kind: str) -> None:
    """Send one e-mail with a one-click unsubscribe link bound to this member."""
    link = absolute(
        reverse(
            "notifications:unsubscribe",
            kwargs={"token": unsubscribe_token(user, unsubscribe_kind)},
        )
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=body.replace("{unsubscribe}", link),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.send()


def claimable(rows, now):
    """Rows not yet e-mailed and not being sent right now (a claim older than the lease
    belongs to a worker that died mid-send, so the row is free again)."""
    return rows.filter(emailed_at__isnull=True).filter(
        Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - claim_lease())
    )


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=6)
def send_notification_email(*, notification_id: int) -> bool:
    """E-mail one notification now; a second run, or one already sent, sends nothing.

    The row is claimed first (so two runs never both send) and marked e-mailed only after
    sending (so a worker dying in between leaves it for the sweep, not lost).
    """
    now = timezone.now()
    rows = Notification.objects.filter(pk=notification_id, email=Email.IMMEDIATELY)
    if not claimable(rows, now).update(email_claimed_at=now):
        return False
    notification = Notification.objects.select_related("recipient", "actor", "group").get(
        pk=notification_id
    )
    if not still_visible(notification) or not notification.recipient.is_active:
        rows.update(email=Email.NEVER, email_claimed_at=None)  # nothing to send, ever
        return False
    try:
        deliver_one(notification)
    except Exception:
        rows.update(email_claimed_at=None)
        raise
    write_until_stored(lambda: rows.update(emailed_at=timezone.now()))
    return True


def deliver_one(notification: Notification) -> None:
    user = notification.recipient
    with translation.override(user.language):
        context = {
            "sentence": describe(notification, for_email=True),
            "link": absolute(reverse("notifications:list")),
            "site_name": settings.SITE_NAME,
        }
        subject = render_to_string("notifications/email/one_subject.txt", context).strip()
        body = render_to_string("notifications/email/one_body.txt", context)
    send_email(user=user, subject=subject, body=body, unsubscribe_kind=notification.kind)


@shared_task
def deliver_pending_notifications() -> int:
    """Send immediate e-mails that a broker outage held back."""
    now = timezone.now()
    unsent_after = timedelta(seconds=settings.SWEEP_UNSENT_AFTER)
    pending = claimable(
        Notification.objects.filter(email=Email.IMMEDIATELY, created_at__lt=now - unsent_after),
        now,
    ).order_by("created_at")  # oldest first, so a backlog drains in order
    ids = list(pending.values_list("pk", flat=True)[:1000])
    for notification_id in ids:
        send_notification_email.delay(notification_id=notification_id)
    return len(ids)


@shared_task
def send_daily_digests() -> int:
    """Each hour: send a summary to members for whom it is now the digest hour locally."""
    now = timezone.now()
    waiting = Notification.objects.filter(email=Email.DAILY, emailed_at__isnull=True)
    user_ids = waiting.values_list("recipient_id", flat=True).distinct().order_by()
    sent = 0
    for user in get_user_model().objects.filter(pk__in=list(user_ids), is_active=True):
        if local_hour(user, now) != settings.NOTIFICATION_DIGEST_HOUR:
            continue
        try:
            sent += send_digest(user_id=user.pk, now=now)
        except (SMTPException, OSError):
            # One member's failing address must not hold back everyone else's summary.
            logger.exception("digest e-mail failed", extra={"user_id": user.pk})
    return sent


def local_hour(user, now) -> int:
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return now.astimezone(zone).hour


def send_digest(*, user_id: int, now) -> int:
    """Claim the member's waiting rows and send them as one e-mail; return 1 if sent."""
    waiting = Notification.objects.filter(recipient_id=user_id, email=Email.DAILY)
    # Claim only free rows: a run overlapping this one must not send them again.
    if not claimable(waiting, now).update(email_claimed_at=now):
        return 0
    claimed = Notification.objects.filter(
        recipient_id=user_id, email=Email.DAILY, emailed_at__isnull=True, email_claimed_at=now
    )
    rows = [
        row for row in claimed.select_related("recipient", "actor", "group") if still_visible(row)
    ]
    if not rows:
        claimed.update(email=Email.NEVER, email_claimed_at=None)
        return 0
    try:
        deliver_digest(rows[0].recipient, rows)
    except Exception:
        claimed.update(email_claimed_at=None)
        raise
    write_until_stored(lambda: claimed.update(emailed_at=timezone.now()))
    return 1


def deliver_digest(user, rows: list[Notification]) -> None:
    with translation.override(user.language):
        context = {
            "sentences": [describe(row, for_email=True) for row in rows],
            "link": absolute(reverse("notifications:list")),
            "site_name": settings.SITE_NAME,
        }
        subject = render_to_string("notifications/email/digest_subject.txt", context).strip()
        body = render_to_string("notifications/email/digest_body.txt", context)
    send_email(user=user, subject=subject, body=body, unsubscribe_kind=ALL_KINDS)
