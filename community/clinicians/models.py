"""Clinician verification: who applied with which credentials, and who decided what, when
and why. A member's `is_verified_clinician` flag follows the latest decision (services)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClinicianApplication(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Not verified")
        REVOKED = "revoked", _("Verification revoked")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinician_applications"
    )
    profession = models.CharField(_("profession"), max_length=100)
    registration_number = models.CharField(
        _("registration or licence number"),
        max_length=50,
        help_text=_("As in the national register of health professionals."),
    )
    organisation = models.CharField(_("organisation"), max_length=150)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="clinicians_one_pending_application",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.profession} ({self.status})"
