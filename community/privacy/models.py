"""The access-audit log: every privileged look at a member's data leaves a row here."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit record through the ORM."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("These records cannot be changed.")

    def delete(self):
        raise AppendOnlyError("These records cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        # Refused before Django opens its transaction, so the caller's stays usable.
        raise AppendOnlyError("These records cannot be changed.")


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or deleted through the ORM
    (audit trails: who looked at what, what moderators did)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        # Accounts are closed and scrubbed, never deleted, so audit rows PROTECT the users
        # they name rather than be rewritten by a SET_NULL. Retention and redaction change
        # audit rows through privacy.database.erasing_audit_rows only.
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("These records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("These records cannot be deleted.")


class AccessRecord(AppendOnlyModel):
    """Who looked at which member's data, what it was, and why."""

    class Reason(models.TextChoices):
        REVEAL_ANONYMOUS_AUTHOR = "reveal_author", _("Revealed the author of an anonymous post")
        VIEW_REVISIONS = "view_revisions", _("Viewed the edit history of a post")
        VIEW_ACCOUNT = "view_account", _("Opened your account details")
        VIEW_CLINICIAN_APPLICATION = (
            "view_clinician_application",
            _("Opened your clinician verification application"),
        )
        VIEW_MODERATION_HISTORY = (
            "view_moderation_history",
            _("Looked at what moderators decided about your words before"),
        )

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="accesses_made",
        verbose_name=_("viewer"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="accesses_received",
        verbose_name=_("member whose data was seen"),
    )
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    # What was looked at, as "app.model:id" (e.g. "forum.post:42"): any app's content fits.
    target = models.CharField(_("target"), max_length=64)
    group_id = models.BigIntegerField(_("group"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("access record")
        verbose_name_plural = _("access records")

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.subject_id}: {self.reason} ({self.target})"


class AuditErasure(AppendOnlyModel):
    """Audit rows were erased or blanked through the one path that may (database.py):
    which table, how many rows, and why. Never what they said: that is what went."""

    table = models.CharField(_("table"), max_length=64)
    rows_deleted = models.PositiveIntegerField(_("rows deleted"), default=0)
    rows_changed = models.PositiveIntegerField(_("rows changed"), default=0)
    # A fixed key naming the code path ("content_erased:forum.post"), never member text.
    reason = models.CharField(_("why"), max_length=64)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("erasure of audit records")
        verbose_name_plural = _("erasures of audit records")

    def __str__(self) -> str:
        return f"{self.table}: -{self.rows_deleted} ~{self.rows_changed} ({self.reason})"


class DataExport(models.Model):
    """A member's request for a copy of their data, and the zip once it is built."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    # Under MEDIA_ROOT, which is never served directly: only the download view reads it.
    file = models.FileField(upload_to="exports/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # A build that is alive says so every few seconds; one that went quiet died with its
    # worker, and the sweep starts it again (EXPORT_STALLED_AFTER).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.user_id}: {self.status}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.BUILDING)

    def is_downloadable(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.READY
            and self.expires_at is not None
            and (self.expires_at > now)
        )
