"""Applying for clinician verification: the form, what is refused, and that refusals write
nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.forms import Field
from django.urls import reverse
from django.utils import translation

from community.clinicians import services
from community.clinicians.forms import ApplicationForm
from community.clinicians.models import ClinicianApplication
from tests.clinicians.conftest import APPLY_URL, CREDENTIALS

FIELDS = ["profession", "registration_number", "organisation"]
WAITING = "Your application is already waiting for review."
ALREADY_VERIFIED = "You are already a verified clinician."


def test_the_apply_page_has_the_documented_address():
    assert reverse("clinicians:apply") == APPLY_URL


def test_a_member_who_never_applied_is_offered_the_form_with_every_field(client, applicant):
    client.force_login(applicant)

    response = client.get(APPLY_URL)

    html = response.content.decode()
    assert response.status_code == 200
    for field in FIELDS:
        assert f'name="{field}"' in html
    assert "You have not applied yet." in html


def test_the_form_asks_for_exactly_profession_registration_number_and_organisation():
    assert list(ApplicationForm().fields) == FIELDS


def test_applying_through_the_page_records_a_waiting_application_of_the_member(client, applicant):
    client.force_login(applicant)

    response = client.post(
        APPLY_URL, {field: f"  {value} " for field, value in CREDENTIALS.items()}
    )

    assert response.status_code == 302
    assert response["Location"] == APPLY_URL
    stored = ClinicianApplication.objects.get()
    assert stored.user == applicant
    assert stored.status == ClinicianApplication.Status.PENDING
    assert {field: getattr(stored, field) for field in FIELDS} == CREDENTIALS
    assert (stored.decided_by, stored.decided_at) == (None, None)
    applicant.refresh_from_db()
    assert not applicant.is_verified_clinician


def test_after_applying_the_member_sees_their_waiting_application_and_no_form(
    client, applicant, application
):
    client.force_login(applicant)

    html = client.get(APPLY_URL).content.decode()

    assert "Waiting for review" in html
    assert CREDENTIALS["profession"] in html
    assert 'name="profession"' not in html


@pytest.mark.parametrize("missing", FIELDS)
@pytest.mark.parametrize("blank", ["", "   "])
def test_each_field_is_required_on_the_form_and_nothing_is_written_without_it(
    client, applicant, missing, blank
):
    client.force_login(applicant)

    response = client.post(APPLY_URL, {**CREDENTIALS, missing: blank})

    assert response.status_code == 400
    assert response.context["form"].errors[missing] == ["This field is required."]
    assert "This field is required." in response.content.decode()
    assert not ClinicianApplication.objects.exists()


@pytest.mark.parametrize("missing", FIELDS)
def test_the_service_refuses_a_blank_field_and_writes_nothing(applicant, apply, missing):
    with pytest.raises(ValidationError) as caught:
        apply(applicant, **{missing: "   "})

    assert caught.value.code == "incomplete"
    assert not ClinicianApplication.objects.exists()


def test_a_second_application_while_one_waits_is_refused_by_the_service(
    applicant, apply, application
):
    with pytest.raises(ValidationError) as caught:
        apply(applicant, profession="Dietitian")

    assert caught.value.code == "pending"
    assert list(ClinicianApplication.objects.all()) == [application]


def test_a_second_application_posted_while_one_waits_is_refused_and_writes_nothing(
    client, applicant, application
):
    client.force_login(applicant)

    response = client.post(APPLY_URL, {**CREDENTIALS, "profession": "Dietitian"})

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [WAITING]
    assert list(ClinicianApplication.objects.all()) == [application]


def test_the_page_tells_the_member_why_a_second_application_was_refused(
    client, applicant, application
):
    client.force_login(applicant)

    response = client.post(APPLY_URL, {**CREDENTIALS, "profession": "Dietitian"})

    assert WAITING in response.content.decode()


def test_another_members_waiting_application_does_not_stop_a_member_from_applying(
    make_user, apply, application
):
    other = make_user()

    apply(other)

    assert ClinicianApplication.objects.filter(status="pending").count() == 2


def test_a_verified_clinician_cannot_apply_and_nothing_is_written(make_user, apply):
    clinician = make_user(mfa=True, is_verified_clinician=True)

    with pytest.raises(ValidationError) as caught:
        apply(clinician)

    assert caught.value.code == "verified"
    assert not ClinicianApplication.objects.exists()


def test_a_verified_clinician_is_offered_no_form_and_a_post_is_refused(client, make_user):
    clinician = make_user(mfa=True, is_verified_clinician=True)
    client.force_login(clinician)

    page = client.get(APPLY_URL).content.decode()
    response = client.post(APPLY_URL, CREDENTIALS)

    assert "You are a verified clinician." in page
    assert 'name="profession"' not in page
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [ALREADY_VERIFIED]
    assert not ClinicianApplication.objects.exists()


def test_a_verified_clinicians_refused_post_says_why_on_the_page(client, make_user):
    clinician = make_user(mfa=True, is_verified_clinician=True)
    client.force_login(clinician)

    response = client.post(APPLY_URL, CREDENTIALS)

    assert ALREADY_VERIFIED in response.content.decode()


def test_a_rejected_member_may_apply_again(client, applicant, apply, application, staff):
    services.decide(reviewer=staff, application=application, verify=False, reason="Not found")
    client.force_login(applicant)

    assert 'name="profession"' in client.get(APPLY_URL).content.decode()
    again = apply(applicant, registration_number="RN-4712")

    assert again.status == ClinicianApplication.Status.PENDING
    assert applicant.clinician_applications.count() == 2


def test_a_member_sees_only_their_own_applications(client, make_user, apply, application):
    other = make_user()
    client.force_login(other)

    html = client.get(APPLY_URL).content.decode()

    assert CREDENTIALS["profession"] not in html
    assert "You have not applied yet." in html


# --- In the member's language -------------------------------------------------------------


def test_the_required_field_errors_are_in_the_members_language(client, make_user):
    swede = make_user(language="sv")
    client.force_login(swede)

    response = client.post(APPLY_URL, {**CREDENTIALS, "organisation": ""})

    with translation.override("sv"):
        required = str(Field.default_error_messages["required"])
    assert required != "This field is required."
    assert response.status_code == 400
    assert required in response.content.decode()
    assert not ClinicianApplication.objects.exists()


@pytest.mark.parametrize("language", ["sv", "nb", "nl"])
def test_the_refusal_of_a_second_application_is_translated(applicant, apply, application, language):
    with translation.override(language), pytest.raises(ValidationError) as caught:
        apply(applicant)
    with translation.override(language):
        message = caught.value.messages[0]

    assert message != WAITING


@pytest.mark.parametrize("language", ["sv", "nb", "nl"])
def test_the_refusal_of_a_verified_clinicians_application_is_translated(make_user, apply, language):
    clinician = make_user(mfa=True, is_verified_clinician=True)

    with translation.override(language), pytest.raises(ValidationError) as caught:
        apply(clinician)
    with translation.override(language):
        message = caught.value.messages[0]

    assert message != ALREADY_VERIFIED


@pytest.mark.parametrize("language", ["sv", "nb", "nl"])
def test_the_apply_page_itself_is_translated(client, make_user, language):
    member = make_user(language=language)
    client.force_login(member)

    html = client.get(APPLY_URL).content.decode()

    assert "Apply for verification" not in html
    assert "You have not applied yet." not in html
