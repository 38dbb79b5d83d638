"""The staff's review pages: every look at an application is on the applicant's access log,
the list shows waiting applications first and no credentials, and the admin cannot flip the
verified flag past the workflow."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.clinicians import services
from community.clinicians.models import ClinicianApplication
from community.privacy.models import AccessRecord
from tests.clinicians.conftest import CREDENTIALS, REVIEW_LIST_URL, review_url

LOG = "/privacy/access-log/"
LOOK = "Opened your clinician verification application"


def admin_change_url(user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


@pytest.fixture
def superuser(make_user):
    return make_user(mfa=True, is_staff=True, is_superuser=True, display_name="Admin Astrid")


# --- Every look is recorded ---------------------------------------------------------------


def test_opening_an_application_records_the_look_for_the_applicant(
    client, staff, applicant, application
):
    client.force_login(staff)

    assert client.get(review_url(application)).status_code == 200

    record = AccessRecord.objects.get()
    assert (record.viewer, record.subject, record.reason) == (
        staff,
        applicant,
        AccessRecord.Reason.VIEW_CLINICIAN_APPLICATION,
    )
    assert record.target == f"clinicians.clinicianapplication:{application.pk}"
    assert record.group_id is None


def test_each_look_is_recorded(client, staff, applicant, application):
    client.force_login(staff)

    client.get(review_url(application))
    client.get(review_url(application))

    assert AccessRecord.objects.filter(subject=applicant).count() == 2


def test_the_list_of_applications_records_no_look(client, staff, application):
    client.force_login(staff)

    assert client.get(REVIEW_LIST_URL).status_code == 200
    assert not AccessRecord.objects.exists()


def test_the_applicant_sees_the_look_on_their_access_log(client, staff, applicant, application):
    client.force_login(staff)
    client.get(review_url(application))
    client.force_login(applicant)

    html = client.get(LOG).content.decode()

    assert LOOK in html
    assert staff.display_name in html
    assert "Nobody has looked at your private data." not in html


def test_another_member_does_not_see_the_look_on_their_log(client, staff, make_user, application):
    client.force_login(staff)
    client.get(review_url(application))
    client.force_login(make_user())

    html = client.get(LOG).content.decode()

    assert LOOK not in html
    assert "Nobody has looked at your private data." in html


# --- The list ------------------------------------------------------------------------------


def test_the_list_shows_waiting_applications_before_decided_ones(client, staff, make_user, apply):
    decided = apply(make_user(display_name="Decided Dora"))
    services.decide(reviewer=staff, application=decided, verify=True)
    apply(make_user(display_name="Waiting Walter"))
    client.force_login(staff)

    html = client.get(REVIEW_LIST_URL).content.decode()

    assert "Waiting Walter" in html
    assert "Decided Dora" in html
    assert html.index("Waiting Walter") < html.index("Decided Dora")


def test_the_list_shows_no_registration_numbers(client, staff, make_user, apply):
    apply(make_user(), registration_number="RN-WAITING-1")
    decided = apply(make_user(), registration_number="RN-DECIDED-2")
    services.decide(reviewer=staff, application=decided, verify=True)
    client.force_login(staff)

    html = client.get(REVIEW_LIST_URL).content.decode()

    assert "RN-WAITING-1" not in html
    assert "RN-DECIDED-2" not in html
    assert CREDENTIALS["profession"] in html  # the waiting one's profession is shown


def test_the_list_names_who_decided(client, staff, make_user, apply):
    decided = apply(make_user())
    services.decide(reviewer=staff, application=decided, verify=False, reason="Unknown")
    client.force_login(staff)

    html = client.get(REVIEW_LIST_URL).content.decode()

    assert f"by {staff.display_name}" in html
    assert "Not verified" in html


def test_the_list_shows_the_latest_decisions_first_whatever_the_outcome(
    client, staff, make_user, apply
):
    """The view promises "waiting applications first, then recent decisions": a rejection
    made today belongs above a verification made earlier, not below it because of its status."""
    older = apply(make_user(display_name="Older Olga"))
    ClinicianApplication.objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - timedelta(days=10)
    )
    services.decide(reviewer=staff, application=older, verify=True)
    newer = apply(make_user(display_name="Newer Nils"))
    services.decide(reviewer=staff, application=newer, verify=False, reason="Unknown")
    client.force_login(staff)

    html = client.get(REVIEW_LIST_URL).content.decode()

    assert html.index("Newer Nils") < html.index("Older Olga")


def test_an_empty_list_says_nothing_waits(client, staff):
    client.force_login(staff)

    html = client.get(REVIEW_LIST_URL).content.decode()

    assert "No applications are waiting." in html
    assert "No decisions yet." in html


# --- The admin: the flag is read-only -------------------------------------------------------


def change_form_data(user, **overrides) -> dict:
    joined = timezone.localtime(user.date_joined)
    data = {
        "email": user.email,
        "display_name": user.display_name,
        "language": user.language,
        "time_zone": user.time_zone,
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    return {**data, **overrides}


def test_the_admin_shows_the_verified_flag_without_a_checkbox(client, superuser, member):
    client.force_login(superuser)

    response = client.get(admin_change_url(member))

    html = response.content.decode()
    assert response.status_code == 200
    assert "is_verified_clinician" not in response.context["adminform"].form.fields
    assert 'name="is_verified_clinician"' not in html
    assert "field-is_verified_clinician" in html


def test_a_post_to_the_admin_cannot_verify_a_member(client, superuser, member):
    client.force_login(superuser)

    response = client.post(
        admin_change_url(member), change_form_data(member, is_verified_clinician="on")
    )

    assert response.status_code == 302  # the rest of the form was saved
    member.refresh_from_db()
    assert not member.is_verified_clinician


def test_a_post_to_the_admin_cannot_unverify_a_clinician(
    client, superuser, applicant, verified_application
):
    applicant.refresh_from_db()
    client.force_login(superuser)

    response = client.post(
        admin_change_url(applicant), change_form_data(applicant, display_name="Renamed Anna")
    )

    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.display_name == "Renamed Anna"
    assert applicant.is_verified_clinician


def test_staff_opening_their_own_application_is_not_recorded_as_a_look(client, staff, apply):
    """As in the admin, where staff opening their own account is not recorded: a member's
    access log lists other people's looks at their data."""
    own = apply(staff)
    client.force_login(staff)

    assert client.get(review_url(own)).status_code == 200
    assert not AccessRecord.objects.exists()


def test_a_refused_decision_shows_the_credentials_again_and_records_that_look(
    client, staff, application
):
    client.force_login(staff)

    response = client.post(review_url(application), {"decision": "reject", "reason": ""})

    assert response.status_code == 400
    assert application.registration_number in response.content.decode()
    assert AccessRecord.objects.filter(subject=application.user).count() == 1
