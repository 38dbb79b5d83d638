"""Demo: the demo clinician's verification, on record like any other (idempotent)."""

from django.utils import timezone

from .models import ClinicianApplication


def seed_clinician_demo(groups: dict, users: dict) -> None:
    staff = next((user for user in users.values() if user.is_staff), None)
    for user in users.values():
        verified_on_record = user.clinician_applications.filter(
            status=ClinicianApplication.Status.VERIFIED
        ).exists()
        if user.is_verified_clinician and not verified_on_record:
            ClinicianApplication.objects.create(
                user=user,
                profession="Diabetes nurse",
                registration_number="DEMO-0001",
                organisation="Demo hospital",
                status=ClinicianApplication.Status.VERIFIED,
                decided_by=staff,
                decided_at=timezone.now(),
                decision_reason="Checked in the register (demo).",
            )
