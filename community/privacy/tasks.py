"""Celery tasks of the privacy app: building exports, sweeping them, and retention."""

import logging
import secrets
import threading
from contextlib import contextmanager
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from community.notifications.services import notify

from .exports import build_zip
from .models import DataExport
from .retention import purges

logger = logging.getLogger(__name__)


def heartbeat_every() -> float:
    """How often a running build says it is alive: well inside EXPORT_STALLED_AFTER, so a
    live build is never taken for a dead one (and its zip thrown away)."""
    return min(10.0, settings.EXPORT_STALLED_AFTER / 4)


@shared_task(acks_late=True)
def build_data_export(*, export_id: int) -> bool:
    """Build one export's zip; a second run of a claimed or finished export does nothing."""
    now = timezone.now()
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.QUEUED).update(
        status=DataExport.Status.BUILDING, started_at=now, heartbeat_at=now, progress=0
    )
    if not claimed:
        return False
    export = DataExport.objects.select_related("user").get(pk=export_id)
    building = DataExport.objects.filter(pk=export_id, status=DataExport.Status.BUILDING)

    def show_progress(percent: int) -> None:
        building.update(progress=percent, heartbeat_at=timezone.now())

    try:
        with heartbeat(building):
            content = build_zip(export.user, show_progress)
    except Exception as error:
        # The error's type only: a message could quote the member's data.
        logger.error("Data export %s failed: %s", export_id, type(error).__name__)
        DataExport.objects.filter(pk=export_id).update(
            status=DataExport.Status.FAILED, finished_at=timezone.now()
        )
        return False
    return finish_export(export_id, content)


@contextmanager
def heartbeat(building):
    """While the block runs, mark the build alive every few seconds (from a thread of its
    own: one section of a large export may take longer than that)."""
    done = threading.Event()
    every = heartbeat_every()

    def beat() -> None:
        try:
            while not done.wait(every):
                building.update(heartbeat_at=timezone.now())
        finally:
            connection.close()  # the thread's own database connection

    thread = threading.Thread(target=beat, name="export-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@transaction.atomic
def finish_export(export_id: int, content: bytes) -> bool:
    """Store the zip, unless the export was deleted meanwhile (its account was closed)."""
    export = (
        DataExport.objects.select_for_update()
        .select_related("user")
        .filter(pk=export_id, status=DataExport.Status.BUILDING)
        .first()
    )
    if export is None:
        return False
    export.file.save(f"{secrets.token_urlsafe(24)}.zip", ContentFile(content), save=False)
    try:
        export.status = DataExport.Status.READY
        export.progress = 100
        export.finished_at = timezone.now()
        export.expires_at = export.finished_at + timedelta(days=settings.DATA_EXPORT_VALID_DAYS)
        export.save(update_fields=["file", "status", "progress", "finished_at", "expires_at"])
        notify(recipient=export.user, kind="privacy.export_ready", url=reverse("privacy:exports"))
    except Exception:
        export.file.delete(save=False)  # no zip may outlive its row
        raise
    return True


@shared_task
def sweep_data_exports() -> dict[str, int]:
    """Start exports a broker outage or a dead worker left behind; delete expired zips.

    A build whose heartbeat stopped (EXPORT_STALLED_AFTER) died with its worker, and is
    queued again; one queued for longer than SWEEP_UNSENT_AFTER was missed by the broker.
    """
    now = timezone.now()
    quiet_since = now - timedelta(seconds=settings.EXPORT_STALLED_AFTER)
    stalled = (
        DataExport.objects.filter(status=DataExport.Status.BUILDING)
        .filter(
            Q(heartbeat_at__lt=quiet_since)
            | Q(heartbeat_at__isnull=True, started_at__lt=quiet_since)  # built before beats
        )
        .update(status=DataExport.Status.QUEUED, progress=0)
    )
    missed = now - timedelta(seconds=settings.SWEEP_UNSENT_AFTER)
    waiting = list(
        DataExport.objects.filter(status=DataExport.Status.QUEUED)
        .filter(Q(created_at__lt=missed) | Q(started_at__isnull=False))
        .values_list("pk", flat=True)
    )
    for export_id in waiting:
        build_data_export.delay(export_id=export_id)
    expired = 0
    for export in DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now):
        expire_export(export)
        expired += 1
    return {"restarted": stalled, "started": len(waiting), "expired": expired}


def expire_export(export: DataExport) -> None:
    """Delete the zip and keep the row (the member's list shows it expired)."""
    if export.file:
        export.file.delete(save=False)
    export.status = DataExport.Status.EXPIRED
    export.save(update_fields=["file", "status"])


@shared_task
def apply_retention() -> dict[str, int]:
    """Run every registered purge with one `now`; returns what each erased."""
    now = timezone.now()
    erased = {}
    for purge in purges():
        try:
            with transaction.atomic():
                erased[purge.key] = purge.run(now)
        except Exception as error:  # one failing purge must not stop the others
            # The error's type only: a message could quote what was being erased.
            logger.error("Retention purge %s failed: %s", purge.key, type(error).__name__)
            erased[purge.key] = -1
    if any(erased.values()):
        logger.info("Retention purge erased %s", erased)
    return erased
