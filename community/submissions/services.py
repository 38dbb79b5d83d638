"""Run a creating write once per submitted form (see models.py)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .models import FINGERPRINT_PREFIX, Submission

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a submission gave: the created object (the first one's, for a repeat)."""

    result: T | None
    repeated: bool


def submit_once(*, author, key: str, create: Callable[[], T]) -> Outcome[T]:
    """Run `create` once per member and key; a repeat gets what the first run created.

    The key is stored in the same transaction as what `create` writes. A repeat that arrives
    while the first is still running waits for it (the unique key), then finds its result;
    if the first failed, nothing was kept and the repeat runs afresh.
    """
    with transaction.atomic():
        claim = claim_key(author, key)
        if claim is None:
            first = Submission.objects.get(author=author, key=key)
            return Outcome(first.created_object(), repeated=True)
        result = create()
        if isinstance(result, models.Model) and result.pk is not None:
            Submission.objects.filter(pk=claim.pk).update(
                created_model=result._meta.label, object_id=result.pk
            )
        return Outcome(result, repeated=False)


def created_before(*, author, key: str) -> models.Model | None:
    """What the finished submission with this key created, if there is one."""
    earlier = Submission.objects.filter(author=author, key=key).first()
    return earlier.created_object() if earlier is not None else None


def claim_key(author, key: str) -> Submission | None:
    """Store the key, or return None if a submission with it exists (waiting for one that
    is still being written)."""
    if key.startswith(FINGERPRINT_PREFIX):
        window = timedelta(seconds=settings.SUBMISSION_REPEAT_WINDOW)
        Submission.objects.filter(
            author=author, key=key, created_at__lt=timezone.now() - window
        ).delete()
    try:
        with transaction.atomic():
            return Submission.objects.create(author=author, key=key)
    except IntegrityError:
        return None


def forget_submissions(*, before) -> int:
    """Delete the keys of forms sent before a moment (nobody resends a form that old)."""
    deleted, _ = Submission.objects.filter(created_at__lt=before).delete()
    return deleted
