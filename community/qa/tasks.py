"""Reminders to members who said they would come: a day and an hour before a session."""

from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from community.notifications.services import notify

from .models import RSVP, QASession, Reminder

# Each kind covers starts from `since` to `until` ahead: a member who signs up within the
# last hour gets the hour's reminder only, not both at once.
WINDOWS = {
    Reminder.Kind.DAY: (timedelta(hours=1), timedelta(days=1)),
    Reminder.Kind.HOUR: (timedelta(0), timedelta(hours=1)),
}


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def send_session_reminders() -> int:
    """Send each due reminder once: the Reminder row is written in the same transaction as
    the notification, and its unique key makes a second run (or a parallel one) send none."""
    now = timezone.now()
    sent = 0
    for kind, (since, until) in WINDOWS.items():
        due = QASession.objects.filter(
            starts_at__gt=now + since,
            starts_at__lte=now + until,
            state__in=[QASession.State.SCHEDULED, QASession.State.OPEN],
        ).select_related("group")
        for session in due:
            for rsvp in RSVP.objects.filter(session=session).select_related("user"):
                sent += remind(session, rsvp.user, kind)
    return sent


def remind(session: QASession, user, kind: str) -> int:
    try:
        with transaction.atomic():
            Reminder.objects.create(session=session, user=user, kind=kind)
            notify(
                recipient=user,
                kind="qa.reminder",
                group=session.group,
                url=session.get_absolute_url(),
            )
    except IntegrityError:
        return 0
    return 1
