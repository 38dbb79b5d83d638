"""The verification workflow. Every decision records who, when and why, and sets the
member's `is_verified_clinician`, which the access policy reads (professional groups, the
clinician role, hosting Q&A sessions, the badge)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.groups.policy import forget_memberships
from community.notifications.services import notify

from .models import ClinicianApplication

Status = ClinicianApplication.Status


def require_reviewer(user) -> None:
    if not user.has_perm("clinicians.review"):
        raise PermissionDenied


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give a reason: the applicant is told it."), code="reason")
    return reason


@transaction.atomic
def apply_for_verification(
    *, user, profession: str, registration_number: str, organisation: str
) -> ClinicianApplication:
    if user.is_verified_clinician:
        raise ValidationError(_("You are already a verified clinician."), code="verified")
    if ClinicianApplication.objects.filter(user=user, status=Status.PENDING).exists():
        raise ValidationError(_("Your application is already waiting for review."), code="pending")
    fields = {
        "profession": profession.strip(),
        "registration_number": registration_number.strip(),
        "organisation": organisation.strip(),
    }
    if not all(fields.values()):
        raise ValidationError(_("Please fill in every field."), code="incomplete")
    try:
        with transaction.atomic():
            return ClinicianApplication.objects.create(user=user, **fields)
    except IntegrityError:  # the same form sent twice at once: one is waiting already
        raise ValidationError(
            _("Your application is already waiting for review."), code="pending"
        ) from None


def set_verified(user, verified: bool) -> None:
    user.is_verified_clinician = verified
    user.save(update_fields=["is_verified_clinician"])
    forget_memberships(user)


def tell_applicant(application: ClinicianApplication) -> None:
    notify(
        recipient=application.user,
        kind="clinicians.decision",
        url=reverse("clinicians:apply"),
    )


def locked(application: ClinicianApplication) -> ClinicianApplication:
    return (
        ClinicianApplication.objects.select_for_update()
        .select_related("user")
        .get(pk=application.pk)
    )


@transaction.atomic
def decide(
    *, reviewer, application: ClinicianApplication, verify: bool, reason: str = ""
) -> ClinicianApplication:
    """Verify or reject a waiting application (a rejection needs a reason)."""
    require_reviewer(reviewer)
    application = locked(application)
    if application.status != Status.PENDING:
        raise ValidationError(_("This application has already been decided."), code="decided")
    if application.user_id == reviewer.pk:
        raise ValidationError(_("You cannot decide on your own application."), code="own")
    application.status = Status.VERIFIED if verify else Status.REJECTED
    application.decision_reason = reason.strip() if verify else require_reason(reason)
    application.decided_by, application.decided_at = reviewer, timezone.now()
    application.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    set_verified(application.user, verify)
    tell_applicant(application)
    return application


@transaction.atomic
def revoke(*, reviewer, application: ClinicianApplication, reason: str) -> ClinicianApplication:
    """End a verification: the member loses professional groups, the clinician role's
    powers, hosting and the badge at once."""
    require_reviewer(reviewer)
    application = locked(application)
    if application.status != Status.VERIFIED:
        raise ValidationError(_("Only a verified clinician can have it revoked."), code="state")
    application.status = Status.REVOKED
    application.revocation_reason = require_reason(reason)
    application.revoked_by, application.revoked_at = reviewer, timezone.now()
    application.save(update_fields=["status", "revocation_reason", "revoked_by", "revoked_at"])
    set_verified(application.user, False)
    tell_applicant(application)
    return application
