"""Revoking a verification: only with a reason, only of a verified clinician, and the member
loses at once what verification gave them (professional groups, the clinician role's review
powers, the badge)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from community.chat.broadcast import message_event
from community.chat.models import ChatMessage, ChatRoom
from community.chat.services import send_message
from community.clinicians import services
from community.clinicians.models import ClinicianApplication
from community.forum import services as forum
from community.groups.models import Role, SupportGroup
from community.groups.policy import groups_readable_by
from community.moderation.services import flag_content
from tests.clinicians.conftest import APPLY_URL, review_url

Status = ClinicianApplication.Status
BADGE = 'class="badge badge-clinician"'
ONLY_VERIFIED = "Only a verified clinician can have it revoked."


def fresh(application) -> ClinicianApplication:
    return ClinicianApplication.objects.get(pk=application.pk)


@pytest.fixture
def clinician(applicant, verified_application):
    """The applicant, now a verified clinician."""
    applicant.refresh_from_db()
    assert applicant.is_verified_clinician
    return applicant


@pytest.fixture
def revoke(staff, verified_application):
    def run(reason="Struck off the register"):
        return services.revoke(reviewer=staff, application=verified_application, reason=reason)

    return run


@pytest.fixture
def professional_group(make_group, join, clinician):
    professional = make_group("Clinicians' room", kind=SupportGroup.Kind.PROFESSIONAL)
    join(clinician, professional, role=Role.CLINICIAN)
    return professional


@pytest.fixture
def clinician_in_group(clinician, join, group):
    """The clinician holding the clinician role in a patient group."""
    join(clinician, group, role=Role.CLINICIAN)
    return clinician


# --- The service ---------------------------------------------------------------------------


def test_revoking_records_who_when_and_why_and_keeps_the_original_decision(
    clinician, verified_application, staff, revoke
):
    revoke(reason="  Struck off the register ")

    stored = fresh(verified_application)
    assert stored.status == Status.REVOKED
    assert stored.revocation_reason == "Struck off the register"
    assert stored.revoked_by == staff
    assert stored.revoked_at is not None
    assert stored.decided_by == staff
    assert stored.decided_at is not None
    assert stored.decided_at <= stored.revoked_at


def test_revoking_sets_the_members_flag_false(clinician, revoke):
    revoke()

    clinician.refresh_from_db()
    assert not clinician.is_verified_clinician


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_revocation_without_a_reason_is_refused_and_the_member_stays_verified(
    clinician, verified_application, revoke, reason
):
    with pytest.raises(ValidationError) as caught:
        revoke(reason=reason)

    assert caught.value.code == "reason"
    stored = fresh(verified_application)
    assert (stored.status, stored.revoked_by, stored.revoked_at) == (Status.VERIFIED, None, None)
    clinician.refresh_from_db()
    assert clinician.is_verified_clinician


def test_a_waiting_application_cannot_be_revoked(applicant, application, staff):
    with pytest.raises(ValidationError) as caught:
        services.revoke(reviewer=staff, application=application, reason="Struck off")

    assert caught.value.code == "state"
    assert fresh(application).status == Status.PENDING


def test_a_rejected_application_cannot_be_revoked(applicant, application, staff):
    services.decide(reviewer=staff, application=application, verify=False, reason="Unknown")

    with pytest.raises(ValidationError) as caught:
        services.revoke(reviewer=staff, application=application, reason="Struck off")

    assert caught.value.code == "state"
    assert fresh(application).revoked_at is None


def test_a_revoked_verification_cannot_be_revoked_again(verified_application, staff, revoke):
    revoke(reason="First")

    with pytest.raises(ValidationError) as caught:
        services.revoke(reviewer=staff, application=verified_application, reason="Second")

    assert caught.value.code == "state"
    assert fresh(verified_application).revocation_reason == "First"


def test_a_revoked_member_may_apply_again(clinician, apply, revoke):
    revoke()
    clinician.refresh_from_db()

    again = apply(clinician, registration_number="RN-NEW")

    assert again.status == Status.PENDING


# --- On the review page --------------------------------------------------------------------


def test_staff_revoke_on_the_review_page_with_a_reason(
    client, staff, clinician, verified_application
):
    client.force_login(staff)

    response = client.post(
        review_url(verified_application), {"decision": "revoke", "reason": "Struck off"}
    )

    assert response.status_code == 302
    assert fresh(verified_application).status == Status.REVOKED
    clinician.refresh_from_db()
    assert not clinician.is_verified_clinician


def test_a_revocation_without_a_reason_on_the_page_is_refused(
    client, staff, clinician, verified_application
):
    client.force_login(staff)

    response = client.post(review_url(verified_application), {"decision": "revoke", "reason": ""})

    assert response.status_code == 400
    assert "Please give a reason" in response.content.decode()
    clinician.refresh_from_db()
    assert clinician.is_verified_clinician


def test_revoking_a_waiting_application_on_the_page_is_refused(
    client, staff, applicant, application
):
    client.force_login(staff)

    response = client.post(review_url(application), {"decision": "revoke", "reason": "Why not"})

    assert response.status_code == 400
    assert ONLY_VERIFIED in response.content.decode()
    assert fresh(application).status == Status.PENDING


def test_the_member_reads_why_their_verification_was_revoked(client, clinician, revoke):
    revoke(reason="Struck off in March")
    client.force_login(clinician)

    html = client.get(APPLY_URL).content.decode()

    assert "Verification revoked" in html
    assert "Struck off in March" in html
    assert "You are a verified clinician." not in html


# --- What the member loses -----------------------------------------------------------------


def test_the_revoked_member_loses_the_professional_group_page(
    client, clinician, professional_group, revoke
):
    url = reverse("groups:detail", args=[professional_group.slug])
    client.force_login(clinician)
    assert client.get(url).status_code == 200

    revoke()

    assert client.get(url).status_code == 404


def test_the_revoked_member_no_longer_reads_the_professional_group(
    clinician, professional_group, revoke
):
    assert clinician.has_perm("groups.read_content", professional_group)

    revoke()

    clinician.refresh_from_db()
    assert not clinician.has_perm("groups.read_content", professional_group)
    assert professional_group not in groups_readable_by(clinician)


def test_the_revocation_takes_effect_on_the_very_user_object_that_was_asked_before(
    clinician, professional_group, verified_application, staff
):
    """set_verified forgets the remembered memberships of the applicant it saved."""
    application = ClinicianApplication.objects.select_related("user").get(
        pk=verified_application.pk
    )
    member = application.user
    assert member.has_perm("groups.view_group", professional_group)

    services.revoke(reviewer=staff, application=application, reason="Struck off")

    member.refresh_from_db()
    assert not member.has_perm("groups.view_group", professional_group)


def test_the_revoked_clinician_loses_the_moderation_queue_of_a_patient_group(
    client, clinician_in_group, group, revoke
):
    url = reverse("moderation:queue", args=[group.slug])
    client.force_login(clinician_in_group)
    assert client.get(url).status_code == 200

    revoke()

    assert client.get(url).status_code == 404
    clinician_in_group.refresh_from_db()
    assert not clinician_in_group.has_perm("moderation.review", group)


def test_the_revoked_clinician_can_no_longer_open_a_flagged_post(
    client, clinician_in_group, group, member, peer, revoke
):
    thread = forum.create_thread(author=peer, group=group, title="Insulin", body="Buy here")
    item = flag_content(
        reporter=member, kind="forum.post", object_id=thread.posts.get().pk, reason="spam"
    ).item
    url = reverse("moderation:item", args=[group.slug, item.pk])
    client.force_login(clinician_in_group)
    assert client.get(url).status_code == 200

    revoke()

    assert client.get(url).status_code == 404


def test_the_revoked_clinician_still_reads_the_patient_group(
    client, clinician_in_group, group, revoke
):
    """Only the role's powers go: the membership of a patient group stays."""
    revoke()

    client.force_login(clinician_in_group)
    response = client.get(reverse("groups:detail", args=[group.slug]))

    assert response.status_code == 200


def test_the_badge_disappears_from_the_revoked_clinicians_forum_posts(
    client, clinician_in_group, group, peer, revoke
):
    thread = forum.create_thread(
        author=clinician_in_group, group=group, title="Ask me", body="About insulin"
    )
    client.force_login(peer)
    before = client.get(thread.get_absolute_url()).content.decode()

    revoke()

    after = client.get(thread.get_absolute_url()).content.decode()
    assert before.count(BADGE) == 1
    assert "Verified clinician" in before
    assert BADGE not in after
    assert clinician_in_group.public_name in after


def test_the_chat_message_event_drops_the_clinician_flag_after_revocation(
    clinician_in_group, group, revoke
):
    room = ChatRoom.objects.create(group=group)
    message, _created = send_message(
        author=clinician_in_group, room=room, text="Ask me", client_id="c1"
    )

    def event():
        return message_event(ChatMessage.objects.select_related("author").get(pk=message.pk))

    before = event()
    revoke()
    after = event()

    assert before["clinician"] is True
    assert after["clinician"] is False


def test_the_badge_disappears_from_the_revoked_clinicians_chat_messages_on_the_page(
    client, clinician_in_group, group, peer, revoke
):
    room = ChatRoom.objects.create(group=group)
    send_message(author=clinician_in_group, room=room, text="Ask me", client_id="c1")
    client.force_login(peer)
    url = reverse("chat:room", args=[group.slug])
    before = client.get(url, headers={"HX-Request": "true"}).content.decode()

    revoke()

    after = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert before.count(BADGE) == 1
    assert BADGE not in after
    assert "Ask me" in after


def test_a_members_chat_message_never_carried_the_clinician_flag(member, group):
    room = ChatRoom.objects.create(group=group)
    message, _created = send_message(author=member, room=room, text="Hi", client_id="m1")

    assert message_event(message)["clinician"] is False
