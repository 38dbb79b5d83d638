"""Invitations: created by managers, e-mailed after commit, used once, by the right person."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from community.groups.models import Invitation, Membership, Role, SupportGroup, hash_token
from community.groups.services import (
    InvitationError,
    accept_invitation,
    create_invitation,
    find_invitation,
    resend_invitation,
    revoke_invitation,
)
from community.groups.tasks import send_invitation_email, send_unsent_invitations

INVITEE = "new.patient@example.test"


def token_from(message) -> str:
    return message.body.split("/invitations/")[1].split("/")[0]


def open_link(client, token: str):
    """Follow an invitation link as a browser would, to the page it ends on."""
    return client.get(reverse("groups:invitation", kwargs={"token": token}), follow=True)


OPEN = "/invitations/open/"


def signup_data(email=INVITEE, display_name="Hopeful heron"):
    return {
        "email": email,
        "display_name": display_name,
        "language": "sv",
        "time_zone": "Europe/Oslo",
        "password1": "a-long-test-password-42",
        "password2": "a-long-test-password-42",
    }


# --- Creating, e-mailing, revoking ---------------------------------------------------


def test_an_invitation_stores_only_a_hash_of_a_long_random_token(invite):
    invitation, token = invite()
    invitation.refresh_from_db()
    assert len(token) == 43  # 32 random bytes, URL-safe base64: 256 bits
    assert invitation.token_hash == hash_token(token)
    assert token not in str(Invitation.objects.values().get(pk=invitation.pk))


def test_an_invitation_expires_after_fourteen_days_by_default(invite):
    invitation, _token = invite()
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        timedelta(days=14), abs=timedelta(seconds=5)
    )


def test_the_invitation_email_is_sent_once_after_commit_and_names_no_group(
    staff, group, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create_invitation(inviter=staff, group=group, email=INVITEE)
        assert mailoutbox == []  # nothing is sent before the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [INVITEE]
    assert "/invitations/" in message.body
    assert group.name not in message.body + message.subject
    assert group.condition.name not in message.body + message.subject


def test_running_the_email_task_twice_sends_one_email(invite, mailoutbox):
    invitation, token = invite()
    assert send_invitation_email(invitation_id=invitation.pk) is False
    assert len(mailoutbox) == 1
    assert find_invitation(token).pk == invitation.pk  # the link that was sent still works


def test_a_broker_outage_delays_the_email_and_the_sweep_sends_it(
    staff, group, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    def broker_down(**kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(send_invitation_email, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = create_invitation(inviter=staff, group=group, email=INVITEE)
    # The invitation was saved and the request did not fail; nothing was sent yet.
    invitation.refresh_from_db()
    assert invitation.email_sent_at is None
    assert mailoutbox == []
    monkeypatch.undo()
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    assert send_unsent_invitations() == 1
    assert len(mailoutbox) == 1
    assert find_invitation(token_from(mailoutbox[0])).pk == invitation.pk
    assert send_unsent_invitations() == 0


def test_a_rolled_back_invitation_sends_nothing(
    staff, group, django_capture_on_commit_callbacks, mailoutbox
):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        create_invitation(inviter=staff, group=group, email=INVITEE)
        raise RuntimeError("the request failed after the invitation was written")
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_a_member_cannot_create_invitations(member, group):
    with pytest.raises(PermissionDenied):
        create_invitation(inviter=member, group=group, email=INVITEE)
    assert not Invitation.objects.exists()


def test_a_group_admin_can_invite_to_their_own_group(group_admin, group):
    invitation = create_invitation(inviter=group_admin, group=group, email=INVITEE)
    assert invitation.inviter == group_admin


def test_a_second_pending_invitation_for_the_same_address_is_refused(invite, staff, group):
    invite()
    with pytest.raises(InvitationError) as error:
        create_invitation(inviter=staff, group=group, email=INVITEE.upper())
    assert error.value.code == "duplicate"
    assert Invitation.objects.count() == 1


def test_inviting_a_current_member_is_refused(staff, group, member):
    with pytest.raises(InvitationError) as error:
        create_invitation(inviter=staff, group=group, email=member.email)
    assert error.value.code == "already_member"


def test_revoking_makes_the_link_unusable(invite, staff, client):
    invitation, token = invite()
    revoke_invitation(actor=staff, invitation=invitation)
    response = open_link(client, token)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_resending_replaces_the_link(invite, staff, mailoutbox, django_capture_on_commit_callbacks):
    invitation, old_token = invite()
    with django_capture_on_commit_callbacks(execute=True):
        resend_invitation(actor=staff, invitation=invitation)
    new_token = token_from(mailoutbox[-1])
    assert new_token != old_token
    assert find_invitation(old_token) is None
    assert find_invitation(new_token).pk == invitation.pk


def test_an_accepted_invitation_cannot_be_revoked(invite, staff, make_user):
    invitation, _token = invite()
    accept_invitation(invitation=invitation, user=make_user(INVITEE))
    with pytest.raises(InvitationError) as error:
        revoke_invitation(actor=staff, invitation=invitation)
    assert error.value.code == Invitation.Status.ACCEPTED


def test_the_invitation_page_lists_creates_and_explains_errors(client, staff, group, mailoutbox):
    client.force_login(staff)
    url = reverse("groups:invitations", kwargs={"slug": group.slug})
    response = client.post(url, {"email": "not-an-address", "role": Role.MEMBER})
    assert response.status_code == 400
    assert "“not-an-address” is not a valid e-mail address." in response.content.decode()
    assert not Invitation.objects.exists()
    response = client.post(url, {"email": INVITEE, "role": Role.MEMBER}, follow=True)
    assert "Invitation sent to" in response.content.decode()
    assert INVITEE in response.content.decode()


# --- Following the link: sign-up --------------------------------------------------


def test_signing_up_through_a_valid_invitation_joins_the_group(invite, client, group):
    _invitation, token = invite()
    page = open_link(client, token)
    assert page.redirect_chain == [(OPEN, 302)]  # the token leaves the address bar
    assert page.status_code == 200
    assert group.name in page.content.decode()
    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == group.get_absolute_url()
    user = get_user_model().objects.get(email=INVITEE)
    assert user.display_name == "Hopeful heron"
    assert user.language == "sv"
    assert user.time_zone == "Europe/Oslo"
    membership = Membership.objects.get(user=user, group=group)
    assert membership.role == Role.MEMBER
    assert Invitation.objects.get().accepted_by == user
    assert client.get(group.get_absolute_url()).status_code == 200


def test_the_invitation_gives_its_role(invite, client, group):
    _invitation, token = invite(role=Role.MODERATOR)
    open_link(client, token)
    client.post(reverse("account_signup"), signup_data())
    assert Membership.objects.get(group=group).role == Role.MODERATOR


def test_sign_up_without_an_invitation_says_invitation_only_and_creates_nothing(client, db):
    page = client.get(reverse("account_signup"))
    assert "Invitation only" in page.content.decode()
    response = client.post(reverse("account_signup"), signup_data())
    assert "Invitation only" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_sign_up_with_another_address_than_the_invited_one_is_refused(invite, client):
    _invitation, token = invite()
    open_link(client, token)
    response = client.post(
        reverse("account_signup"), signup_data(email="someone.else@example.test")
    )
    assert response.status_code == 200
    assert "This invitation was sent to another address" in response.content.decode()
    assert not get_user_model().objects.filter(email="someone.else@example.test").exists()


def test_a_taken_display_name_is_refused_with_a_clear_error(invite, client, make_user):
    make_user(display_name="Hopeful Heron")
    _invitation, token = invite()
    open_link(client, token)
    response = client.post(reverse("account_signup"), signup_data())
    assert "This display name is already taken" in response.content.decode()
    assert not get_user_model().objects.filter(email=INVITEE).exists()


@pytest.mark.parametrize(
    ("state", "status", "words"),
    [
        ("expired", 410, "expired"),
        ("used", 410, "already been used"),
        ("revoked", 410, "withdrawn"),
    ],
)
def test_an_unusable_invitation_shows_why_and_creates_nothing(
    invite, client, staff, make_user, state, status, words
):
    invitation, token = invite()
    if state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    elif state == "used":
        accept_invitation(invitation=invitation, user=make_user(INVITEE))
    else:
        revoke_invitation(actor=staff, invitation=invitation)
    users_before = get_user_model().objects.count()
    memberships_before = Membership.objects.count()

    page = open_link(client, token)
    assert page.status_code == status
    assert words in page.content.decode()
    signup = client.post(reverse("account_signup"), signup_data(email="late@example.test"))
    assert "Invitation only" in signup.content.decode()
    assert get_user_model().objects.count() == users_before
    assert Membership.objects.count() == memberships_before


@pytest.mark.parametrize(
    "token",
    ["x", "a" * 43, "a" * 42 + "!", "a" * 42 + ".", "%00" * 20, "a" * 500],
)
def test_a_malformed_or_unknown_token_gives_a_clear_404_and_creates_nothing(invite, client, token):
    invite()
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert "invitation_token_hash" not in client.session
    assert Membership.objects.count() == 0


# --- Following the link: existing accounts ------------------------------------------


def test_an_existing_user_joins_after_logging_in(
    invite, client, make_user, group, make_group, join
):
    existing = make_user(INVITEE)
    join(existing, make_group())
    _invitation, token = invite()
    open_link(client, token)
    response = client.post(
        f"{reverse('account_login')}?next={OPEN}",
        {"login": INVITEE, "password": "a-long-test-password-42"},
    )
    assert response.status_code == 302
    assert response["Location"] == group.get_absolute_url()
    assert Membership.objects.filter(user=existing, group=group).exists()


def test_a_logged_in_user_joins_with_one_click(invite, client, make_user, group):
    existing = make_user(INVITEE)
    _invitation, token = invite()
    client.force_login(existing)
    assert "Join the group" in open_link(client, token).content.decode()
    response = client.post(OPEN)
    assert response["Location"] == group.get_absolute_url()
    assert Membership.objects.filter(user=existing, group=group).exists()
    # The link now leads the member to the group rather than to an error.
    assert open_link(client, token).redirect_chain[-1] == (group.get_absolute_url(), 302)


def test_the_wrong_account_is_told_so_and_nothing_is_created(invite, client, make_user):
    _invitation, token = invite()
    client.force_login(make_user("someone.else@example.test"))
    open_link(client, token)
    response = client.post(OPEN)
    assert response.status_code == 403
    assert "different e-mail address" in response.content.decode()
    assert Membership.objects.count() == 0
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_logging_in_with_the_wrong_account_does_not_use_the_invitation(invite, client, make_user):
    other = make_user("someone.else@example.test")
    _invitation, token = invite()
    open_link(client, token)
    client.post(
        reverse("account_login"),
        {"login": other.email, "password": "a-long-test-password-42"},
    )
    assert Membership.objects.count() == 0
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_a_removed_member_rejoins_through_a_new_invitation(invite, make_user, join, group):
    user = make_user(INVITEE)
    join(user, group, state=Membership.State.REMOVED)
    invitation, _token = invite()
    accept_invitation(invitation=invitation, user=user)
    assert Membership.objects.get(user=user, group=group).state == Membership.State.ACTIVE


def test_a_professional_group_admits_verified_clinicians_only(invite, make_user, make_group):
    professional = make_group(kind=SupportGroup.Kind.PROFESSIONAL)
    invitation, _token = invite(email="doctor@example.test", target=professional)
    doctor = make_user("doctor@example.test")
    with pytest.raises(InvitationError) as error:
        accept_invitation(invitation=invitation, user=doctor)
    assert error.value.code == "needs_verified_clinician"
    assert not Membership.objects.filter(group=professional).exists()
    doctor.is_verified_clinician = True
    doctor.save()
    accept_invitation(invitation=invitation, user=doctor)
    assert Membership.objects.filter(group=professional, user=doctor).exists()


def test_an_invitation_cannot_be_used_twice(invite, make_user):
    invitation, _token = invite()
    user = make_user(INVITEE)
    accept_invitation(invitation=invitation, user=user)
    with pytest.raises(InvitationError) as error:
        accept_invitation(invitation=invitation, user=user)
    assert error.value.code == Invitation.Status.ACCEPTED
    assert Membership.objects.count() == 1
