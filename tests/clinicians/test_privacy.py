"""The member's verification data: in their export (theirs only), gone when they close
their account."""

import json

import pytest

from community.clinicians import services
from community.clinicians.models import ClinicianApplication
from community.privacy.exports import export_sections
from community.privacy.services import close_account, request_data_export
from tests.clinicians.conftest import CREDENTIALS
from tests.privacy.helpers import built, zip_members

SECTION = "clinicians.applications"
OTHERS_NUMBER = "RN-OTHER-9999"


def section():
    return next(section for section in export_sections() if section.key == SECTION)


@pytest.fixture
def others_application(make_user, apply):
    return apply(make_user(display_name="Other Olof"), registration_number=OTHERS_NUMBER)


def test_the_export_has_a_clinician_applications_section():
    assert SECTION in [section.key for section in export_sections()]


def test_the_section_holds_the_members_applications_with_state_and_reason(
    applicant, apply, application, staff, others_application
):
    services.decide(reviewer=staff, application=application, verify=False, reason="Unknown")
    apply(applicant, registration_number="RN-SECOND")

    records = section().collect(applicant)

    assert sorted(record["registration_number"] for record in records) == [
        CREDENTIALS["registration_number"],
        "RN-SECOND",
    ]
    rejected = next(r for r in records if r["registration_number"] != "RN-SECOND")
    assert rejected["state"] == "Not verified"
    assert rejected["reason"] == "Unknown"
    assert rejected["profession"] == CREDENTIALS["profession"]
    assert rejected["organisation"] == CREDENTIALS["organisation"]
    assert rejected["written"]


def test_the_section_gives_the_revocation_reason_of_a_revoked_verification(
    applicant, verified_application, staff
):
    services.revoke(reviewer=staff, application=verified_application, reason="Struck off")

    [record] = section().collect(applicant)

    assert record["state"] == "Verification revoked"
    assert record["reason"] == "Struck off"


def test_a_member_who_never_applied_gets_an_empty_section(make_user, others_application):
    assert section().collect(make_user()) == []


def test_the_members_zip_holds_their_applications_and_nobody_elses(
    applicant, application, others_application, private_media
):
    export = built(request_data_export(user=applicant))
    with export.file.open("rb") as handle:
        members = zip_members(handle.read())

    data = json.loads(members["data.json"])
    assert [record["registration_number"] for record in data[SECTION]] == [
        CREDENTIALS["registration_number"]
    ]
    assert OTHERS_NUMBER not in members["data.json"].decode()
    assert OTHERS_NUMBER not in members["index.html"].decode()
    assert CREDENTIALS["registration_number"] in members["index.html"].decode()


def test_the_export_does_not_name_the_reviewer(applicant, application, staff):
    services.decide(reviewer=staff, application=application, verify=True)

    [record] = section().collect(applicant)

    assert staff.display_name not in json.dumps(record)
    assert staff.email not in json.dumps(record)


# --- Closing the account --------------------------------------------------------------------


@pytest.mark.parametrize("delete_content", [True, False])
def test_closing_the_account_deletes_the_members_applications(
    applicant, apply, application, staff, others_application, delete_content
):
    services.decide(reviewer=staff, application=application, verify=False, reason="Unknown")
    apply(applicant, registration_number="RN-SECOND")

    close_account(user=applicant, delete_content=delete_content)

    assert not ClinicianApplication.objects.filter(user=applicant).exists()
    assert list(ClinicianApplication.objects.all()) == [others_application]


def test_a_closed_clinician_account_is_no_longer_verified(applicant, verified_application):
    close_account(user=applicant, delete_content=True)

    applicant.refresh_from_db()
    assert not applicant.is_verified_clinician
    assert not ClinicianApplication.objects.exists()


def test_closing_a_reviewers_account_keeps_the_applications_they_decided(
    applicant, verified_application, staff
):
    close_account(user=staff, delete_content=True)

    stored = ClinicianApplication.objects.get(pk=verified_application.pk)
    assert stored.status == ClinicianApplication.Status.VERIFIED
    applicant.refresh_from_db()
    assert applicant.is_verified_clinician
