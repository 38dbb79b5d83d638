"""Writes of the privacy app: the access-audit trail."""

from django.db import models, transaction

from .models import AccessRecord


def target_label(obj: models.Model) -> str:
    """Name any model instance as "app.model:id" for the audit log."""
    return f"{obj._meta.label_lower}:{obj.pk}"


@transaction.atomic
def record_access(
    *, viewer, subject, reason: str, target: models.Model, group_id: int | None = None
) -> AccessRecord:
    """Record that `viewer` looked at `subject`'s data (`target`) for `reason`."""
    return AccessRecord.objects.create(
        viewer=viewer,
        subject=subject,
        reason=reason,
        target=target_label(target),
        group_id=group_id,
    )
