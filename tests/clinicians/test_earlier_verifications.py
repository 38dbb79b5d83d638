"""Clinicians verified with the old checkbox get an application on record, so staff can
revoke them like anyone else."""

from importlib import import_module

from django.apps import apps

from community.clinicians.models import ClinicianApplication
from community.clinicians.services import revoke

migration = import_module("community.clinicians.migrations.0002_record_earlier_verifications")


def test_an_earlier_verified_clinician_gets_a_verified_application_and_can_be_revoked(
    make_user, staff
):
    earlier = make_user(is_verified_clinician=True)
    make_user()  # not a clinician: nothing recorded

    migration.record_earlier_verifications(apps, None)
    migration.record_earlier_verifications(apps, None)  # running twice adds nothing

    application = ClinicianApplication.objects.get()
    assert (application.user, application.status) == (earlier, "verified")
    revoke(reviewer=staff, application=application, reason="Registration lapsed")
    earlier.refresh_from_db()
    assert not earlier.is_verified_clinician
