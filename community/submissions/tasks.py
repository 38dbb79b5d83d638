"""Forgetting old form keys: a form is resent within minutes, never after days."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .services import forget_submissions


@shared_task
def forget_old_submissions() -> int:
    kept = timedelta(days=settings.SUBMISSION_KEYS_KEPT_DAYS)
    return forget_submissions(before=timezone.now() - kept)
