"""Writes of the privacy app: the access-audit trail, data exports, and closing accounts."""

import secrets
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from config.outages import after_commit

from .erasure import erasers
from .models import AccessRecord, DataExport
from .tasks import build_data_export


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


@transaction.atomic
def request_data_export(*, user) -> DataExport:
    """Queue a copy of the member's data; while one is being made, that one is returned."""
    # Two clicks at once must not start two builds: the member's row serialises them.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    pending = DataExport.objects.filter(
        user=user, status__in=[DataExport.Status.QUEUED, DataExport.Status.BUILDING]
    ).first()
    if pending is not None:
        return pending
    export = DataExport.objects.create(user=user)
    after_commit(build_data_export.delay, export_id=export.pk)
    return export


@transaction.atomic
def expire_exports_of(*, user_id: int) -> int:
    """Copies of the member's data made so far must not keep what moderators have since
    redacted: ready exports expire now (files deleted after commit); a new one can be asked
    for. Returns how many expired."""
    ready = list(
        DataExport.objects.select_for_update().filter(
            user_id=user_id, status=DataExport.Status.READY
        )
    )
    for export in ready:
        if export.file:
            after_commit(export.file.storage.delete, export.file.name)
    DataExport.objects.filter(pk__in=[export.pk for export in ready]).update(
        status=DataExport.Status.EXPIRED, file=""
    )
    return len(ready)


@transaction.atomic
def close_account(*, user, delete_content: bool) -> None:
    """Close the member's account for good.

    Every app erases or anonymises what it holds (see erasure.py); then the user row is
    scrubbed of everything personal. It stays, as a pseudonymous id, because the consent
    ledger and content kept as "former member" point at it.
    """
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.erased_at is not None:
        return
    for eraser in erasers():
        eraser.erase(user, delete_content)
    # Locked: a build finishing right now either stores its zip first (and it is deleted
    # here) or finds its row gone and stores nothing.
    for export in DataExport.objects.select_for_update().filter(user=user):
        if export.file:
            transaction.on_commit(partial(export.file.storage.delete, export.file.name))
    DataExport.objects.filter(user=user).delete()
    scrub_user(user)


def scrub_user(user) -> None:
    """Remove the name, address, password, roles and sign-in methods of a closed account."""
    marker = secrets.token_hex(8)
    user.email = f"closed-{user.pk}-{marker}@closed.invalid"
    user.display_name = f"closed-{marker}"
    user.set_unusable_password()
    user.last_login = None
    user.language, user.time_zone = settings.LANGUAGE_CODE, settings.TIME_ZONE
    user.is_active = user.is_staff = user.is_superuser = user.is_verified_clinician = False
    user.erased_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
