"""Staff deciding on applications: who may, what is recorded, what is refused, and the
applicant being told."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from community.clinicians import services
from community.clinicians.models import ClinicianApplication
from community.groups.models import Role
from community.notifications.models import Notification
from community.privacy.models import AccessRecord
from tests.clinicians.conftest import APPLY_URL, REVIEW_LIST_URL, review_url

Status = ClinicianApplication.Status
REASON_NEEDED = "Please give a reason: the applicant is told it."
DECIDED = "This application has already been decided."
OWN = "You cannot decide on your own application."


def fresh(application) -> ClinicianApplication:
    return ClinicianApplication.objects.select_related("user").get(pk=application.pk)


def decisions_for(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="clinicians.decision"))


# --- The service ---------------------------------------------------------------------------


def test_verifying_sets_the_members_flag_and_records_who_and_when(applicant, application, staff):
    before = timezone.now()

    services.decide(reviewer=staff, application=application, verify=True)

    stored = fresh(application)
    assert stored.status == Status.VERIFIED
    assert stored.decided_by == staff
    assert before <= stored.decided_at <= timezone.now()
    applicant.refresh_from_db()
    assert applicant.is_verified_clinician


def test_a_verification_keeps_the_optional_note_without_surrounding_spaces(application, staff):
    services.decide(
        reviewer=staff, application=application, verify=True, reason="  Found in the register "
    )

    assert fresh(application).decision_reason == "Found in the register"


def test_rejecting_with_a_reason_records_it_and_leaves_the_flag_false(
    applicant, application, staff
):
    services.decide(
        reviewer=staff, application=application, verify=False, reason=" Not in the register "
    )

    stored = fresh(application)
    assert stored.status == Status.REJECTED
    assert stored.decision_reason == "Not in the register"
    assert stored.decided_by == staff
    assert stored.decided_at is not None
    applicant.refresh_from_db()
    assert not applicant.is_verified_clinician


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(
    applicant, application, staff, reason
):
    with pytest.raises(ValidationError) as caught:
        services.decide(reviewer=staff, application=application, verify=False, reason=reason)

    assert caught.value.code == "reason"
    stored = fresh(application)
    assert (stored.status, stored.decided_by, stored.decided_at) == (Status.PENDING, None, None)
    assert decisions_for(applicant) == []


def test_verifying_a_verified_application_again_is_refused(verified_application, staff):
    with pytest.raises(ValidationError) as caught:
        services.decide(reviewer=staff, application=verified_application, verify=True)

    assert caught.value.code == "decided"


def test_rejecting_a_verified_application_is_refused_and_the_member_stays_verified(
    applicant, verified_application, make_user
):
    other_staff = make_user(mfa=True, is_staff=True)

    with pytest.raises(ValidationError) as caught:
        services.decide(
            reviewer=other_staff, application=verified_application, verify=False, reason="No"
        )

    assert caught.value.code == "decided"
    stored = fresh(verified_application)
    assert stored.status == Status.VERIFIED
    assert stored.decided_by != other_staff
    applicant.refresh_from_db()
    assert applicant.is_verified_clinician
    assert len(decisions_for(applicant)) == 1


def test_verifying_a_rejected_application_is_refused_and_the_member_stays_unverified(
    applicant, application, staff
):
    services.decide(reviewer=staff, application=application, verify=False, reason="Unknown")

    with pytest.raises(ValidationError) as caught:
        services.decide(reviewer=staff, application=application, verify=True)

    assert caught.value.code == "decided"
    assert fresh(application).status == Status.REJECTED
    applicant.refresh_from_db()
    assert not applicant.is_verified_clinician


def test_a_stale_copy_of_a_decided_application_cannot_be_decided_again(
    applicant, application, staff
):
    """Two reviewers with the page open: the second decision reads the row, not its copy."""
    stale = ClinicianApplication.objects.get(pk=application.pk)
    services.decide(reviewer=staff, application=application, verify=True)

    with pytest.raises(ValidationError):
        services.decide(reviewer=staff, application=stale, verify=False, reason="Unknown")

    applicant.refresh_from_db()
    assert applicant.is_verified_clinician


def test_staff_cannot_decide_on_their_own_application(staff, apply):
    own = apply(staff)

    with pytest.raises(ValidationError) as caught:
        services.decide(reviewer=staff, application=own, verify=True)

    assert caught.value.code == "own"
    assert fresh(own).status == Status.PENDING
    staff.refresh_from_db()
    assert not staff.is_verified_clinician


@pytest.mark.parametrize(
    "who",
    ["member", "verified_clinician", "group_admin", "moderator", "inactive_staff"],
)
def test_anyone_but_active_staff_gets_permission_denied_from_the_service(
    who, applicant, application, make_user, join, group
):
    reviewer = {
        "member": lambda: make_user(),
        "verified_clinician": lambda: make_user(mfa=True, is_verified_clinician=True),
        "group_admin": lambda: make_user(mfa=True),
        "moderator": lambda: make_user(mfa=True),
        "inactive_staff": lambda: make_user(mfa=True, is_staff=True, is_active=False),
    }[who]()
    if who in ("group_admin", "moderator"):
        join(reviewer, group, role=Role.GROUP_ADMIN if who == "group_admin" else Role.MODERATOR)
        join(applicant, group)

    with pytest.raises(PermissionDenied):
        services.decide(reviewer=reviewer, application=application, verify=True)
    with pytest.raises(PermissionDenied):
        services.decide(reviewer=reviewer, application=application, verify=False, reason="No")

    assert fresh(application).status == Status.PENDING
    applicant.refresh_from_db()
    assert not applicant.is_verified_clinician


def test_a_non_staff_member_cannot_revoke_through_the_service(
    applicant, verified_application, make_user
):
    with pytest.raises(PermissionDenied):
        services.revoke(reviewer=make_user(), application=verified_application, reason="No")

    applicant.refresh_from_db()
    assert applicant.is_verified_clinician


# --- The applicant is told ----------------------------------------------------------------


def test_the_applicant_is_told_of_a_verification(applicant, application, staff):
    services.decide(reviewer=staff, application=application, verify=True)

    [notification] = decisions_for(applicant)
    assert notification.url == APPLY_URL
    assert notification.group is None


def test_the_applicant_is_told_of_a_rejection(applicant, application, staff):
    services.decide(reviewer=staff, application=application, verify=False, reason="Unknown")

    [notification] = decisions_for(applicant)
    assert notification.url == APPLY_URL


def test_the_applicant_is_told_of_every_decision_including_a_revocation(
    applicant, verified_application, staff
):
    services.revoke(reviewer=staff, application=verified_application, reason="Struck off")

    assert len(decisions_for(applicant)) == 2


def test_nobody_else_is_told_of_a_decision(applicant, application, staff):
    services.decide(reviewer=staff, application=application, verify=True)

    assert not Notification.objects.exclude(recipient=applicant).exists()


# --- The review page ----------------------------------------------------------------------


def test_the_review_pages_have_the_documented_addresses(application):
    assert reverse("clinicians:review_list") == REVIEW_LIST_URL
    assert reverse("clinicians:review", args=[application.pk]) == review_url(application)


def test_staff_see_the_credentials_and_the_verify_and_reject_buttons(client, staff, application):
    client.force_login(staff)

    response = client.get(review_url(application))

    html = response.content.decode()
    assert response.status_code == 200
    assert application.registration_number in html
    assert application.organisation in html
    assert 'value="verify"' in html
    assert 'value="reject"' in html
    assert 'value="revoke"' not in html


def test_staff_verify_on_the_review_page(client, staff, applicant, application):
    client.force_login(staff)

    response = client.post(review_url(application), {"decision": "verify", "reason": ""})

    assert response.status_code == 302
    assert response["Location"] == REVIEW_LIST_URL
    stored = fresh(application)
    assert (stored.status, stored.decided_by) == (Status.VERIFIED, staff)
    applicant.refresh_from_db()
    assert applicant.is_verified_clinician


def test_staff_reject_on_the_review_page_with_a_reason(client, staff, applicant, application):
    client.force_login(staff)

    response = client.post(review_url(application), {"decision": "reject", "reason": "Unknown"})

    assert response.status_code == 302
    stored = fresh(application)
    assert (stored.status, stored.decision_reason) == (Status.REJECTED, "Unknown")
    applicant.refresh_from_db()
    assert not applicant.is_verified_clinician


def test_a_rejection_without_a_reason_on_the_page_is_refused_with_a_message(
    client, staff, applicant, application
):
    client.force_login(staff)

    response = client.post(review_url(application), {"decision": "reject", "reason": " "})

    assert response.status_code == 400
    assert REASON_NEEDED in response.content.decode()
    assert fresh(application).status == Status.PENDING
    assert decisions_for(applicant) == []


def test_deciding_twice_on_the_page_is_refused_with_a_message(
    client, staff, applicant, verified_application
):
    client.force_login(staff)

    response = client.post(
        review_url(verified_application), {"decision": "reject", "reason": "Changed my mind"}
    )

    assert response.status_code == 400
    assert DECIDED in response.content.decode()
    assert fresh(verified_application).status == Status.VERIFIED
    applicant.refresh_from_db()
    assert applicant.is_verified_clinician


def test_deciding_ones_own_application_on_the_page_is_refused_with_a_message(client, staff, apply):
    own = apply(staff)
    client.force_login(staff)

    response = client.post(review_url(own), {"decision": "verify", "reason": ""})

    assert response.status_code == 400
    assert OWN in response.content.decode()
    assert fresh(own).status == Status.PENDING
    staff.refresh_from_db()
    assert not staff.is_verified_clinician


def test_an_unknown_decision_is_refused_and_changes_nothing(client, staff, application):
    client.force_login(staff)

    response = client.post(review_url(application), {"decision": "approve", "reason": ""})

    assert response.status_code == 400
    assert fresh(application).status == Status.PENDING


def test_a_verified_application_offers_only_revocation(client, staff, verified_application):
    client.force_login(staff)

    html = client.get(review_url(verified_application)).content.decode()

    assert 'value="revoke"' in html
    assert 'value="verify"' not in html
    assert 'value="reject"' not in html


def test_a_rejected_application_offers_no_decision(client, staff, application):
    services.decide(reviewer=staff, application=application, verify=False, reason="Unknown")
    client.force_login(staff)

    html = client.get(review_url(application)).content.decode()

    assert "Unknown" in html
    assert 'name="decision"' not in html


@pytest.mark.parametrize(
    "who", ["applicant", "member", "verified_clinician", "moderator", "group_admin"]
)
def test_anyone_but_staff_gets_404_on_the_review_pages_and_changes_nothing(
    client, who, applicant, application, make_user, join, group
):
    user = {
        "applicant": lambda: applicant,
        "member": lambda: make_user(),
        "verified_clinician": lambda: make_user(mfa=True, is_verified_clinician=True),
        "moderator": lambda: make_user(mfa=True),
        "group_admin": lambda: make_user(mfa=True),
    }[who]()
    if who in ("moderator", "group_admin"):
        join(user, group, role=Role.MODERATOR if who == "moderator" else Role.GROUP_ADMIN)
    client.force_login(user)

    assert client.get(REVIEW_LIST_URL).status_code == 404
    assert client.get(review_url(application)).status_code == 404
    response = client.post(review_url(application), {"decision": "verify", "reason": ""})

    assert response.status_code == 404
    assert fresh(application).status == Status.PENDING
    applicant.refresh_from_db()
    assert not applicant.is_verified_clinician
    assert not AccessRecord.objects.exists()


def test_a_non_staff_post_of_a_revocation_gets_404_and_the_clinician_stays_verified(
    client, make_user, applicant, verified_application
):
    client.force_login(make_user())

    response = client.post(
        review_url(verified_application), {"decision": "revoke", "reason": "Because"}
    )

    assert response.status_code == 404
    applicant.refresh_from_db()
    assert applicant.is_verified_clinician


def test_staff_without_two_factor_are_sent_to_set_it_up_and_decide_nothing(
    client, make_user, applicant, application
):
    unprotected = make_user(is_staff=True)
    client.force_login(unprotected)

    looked = client.get(review_url(application))
    posted = client.post(review_url(application), {"decision": "verify", "reason": ""})

    for response in (looked, posted):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert fresh(application).status == Status.PENDING
    assert not AccessRecord.objects.exists()


def test_a_logged_out_visitor_is_sent_to_log_in(client, application):
    response = client.get(review_url(application))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_application_is_404_for_staff(client, staff):
    client.force_login(staff)

    assert client.get("/clinicians/review/999999/").status_code == 404


@pytest.mark.parametrize("language", ["sv", "nb", "nl"])
def test_the_reason_needed_message_is_translated(application, staff, language):
    with translation.override(language), pytest.raises(ValidationError) as caught:
        services.decide(reviewer=staff, application=application, verify=False, reason="")
    with translation.override(language):
        message = caught.value.messages[0]

    assert message != REASON_NEEDED


def test_the_decision_time_is_the_decision_not_the_application(applicant, apply, staff):
    application = apply(applicant)
    ClinicianApplication.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - timedelta(days=3)
    )

    services.decide(reviewer=staff, application=application, verify=True)

    stored = fresh(application)
    assert stored.decided_at - stored.submitted_at > timedelta(days=2)


def test_the_applicant_is_emailed_about_a_decision_without_its_details(
    applicant, application, staff, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(reviewer=staff, application=application, verify=True)

    [mail] = mailoutbox
    assert mail.to == [applicant.email]
    assert "There is news about your clinician verification" in mail.body
    assert application.registration_number not in mail.body
    assert staff.display_name not in mail.body
