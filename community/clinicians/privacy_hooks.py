"""Verification data in the member's export; deleted when the account is closed."""

from django.utils.translation import gettext_lazy as _

from community.privacy.erasure import Eraser, register_eraser
from community.privacy.exports import ExportSection, register_export_section, when

from .models import ClinicianApplication


def applications(user) -> list[dict]:
    return [
        {
            "profession": application.profession,
            "registration_number": application.registration_number,
            "organisation": application.organisation,
            "state": application.get_status_display(),
            "written": when(application.submitted_at),
            "reason": application.decision_reason or application.revocation_reason,
        }
        for application in ClinicianApplication.objects.filter(user=user)
    ]


def erase_applications(user, delete_content: bool) -> None:
    ClinicianApplication.objects.filter(user=user).delete()


def register_privacy_hooks() -> None:
    register_export_section(
        ExportSection("clinicians.applications", _("Your clinician verification"), applications)
    )
    register_eraser(Eraser("clinicians", erase_applications))
