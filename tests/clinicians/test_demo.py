"""The demo clinician's verification is on record like any other, and seeding twice adds
nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from community.clinicians import services
from community.clinicians.demo import seed_clinician_demo
from community.clinicians.models import ClinicianApplication

CLINICIAN = "clinician@demo.example"
ADMIN = "admin@demo.example"


def seed() -> None:
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", force=True, stdout=quiet)


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    seed()


def test_the_demo_clinician_has_a_verified_application_decided_by_the_demo_admin(demo):
    [application] = ClinicianApplication.objects.all()

    assert application.user.email == CLINICIAN
    assert application.user.is_verified_clinician
    assert application.status == ClinicianApplication.Status.VERIFIED
    assert application.decided_by.email == ADMIN
    assert application.decided_at is not None
    assert application.decision_reason


def test_seeding_the_demo_twice_adds_no_second_application(demo):
    first = ClinicianApplication.objects.get()

    seed()

    assert list(ClinicianApplication.objects.all()) == [first]
    assert get_user_model().objects.get(email=CLINICIAN).is_verified_clinician


def test_the_seeder_on_its_own_is_idempotent_and_skips_members_who_are_not_clinicians(
    make_user,
):
    staff = make_user(mfa=True, is_staff=True)
    clinician = make_user(mfa=True, is_verified_clinician=True)
    patient = make_user()
    users = {user.email: user for user in (staff, clinician, patient)}

    seed_clinician_demo({}, users)
    seed_clinician_demo({}, users)

    [application] = ClinicianApplication.objects.all()
    assert application.user == clinician
    assert application.decided_by == staff


def test_the_seeder_leaves_a_clinician_who_already_has_an_application_alone(make_user):
    clinician = make_user(mfa=True, is_verified_clinician=True)
    ClinicianApplication.objects.create(
        user=clinician,
        profession="GP",
        registration_number="REAL-1",
        organisation="Clinic",
        status=ClinicianApplication.Status.VERIFIED,
    )

    seed_clinician_demo({}, {clinician.email: clinician})

    assert list(clinician.clinician_applications.values_list("registration_number", flat=True)) == [
        "REAL-1"
    ]


def test_reseeding_after_a_revocation_leaves_no_verified_clinician_without_a_record(demo):
    """The seeder promises the demo clinician's verification "on record like any other": a
    reseed may verify them again, but then a verified application must back the flag."""
    admin = get_user_model().objects.get(email=ADMIN)
    services.revoke(
        reviewer=admin, application=ClinicianApplication.objects.get(), reason="Demo revocation"
    )

    seed()

    clinician = get_user_model().objects.get(email=CLINICIAN)
    verified = clinician.clinician_applications.filter(status=ClinicianApplication.Status.VERIFIED)
    assert clinician.is_verified_clinician == verified.exists()
