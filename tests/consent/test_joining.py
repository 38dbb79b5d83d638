"""Signing up by invitation includes accepting the documents: the group is joined only after.

Belonging to a condition's group is health data, so no membership is written before the
privacy notice in force has been accepted.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from community.consent.models import ConsentRecord, Kind
from community.groups.models import Invitation, Membership
from community.groups.services import InvitationError, accept_invitation
from tests.groups.test_invitations import OPEN, open_link, signup_data

INVITEE = "new.patient@example.test"
ACCEPT = reverse("consent:accept")


def test_signing_up_while_documents_are_in_force_asks_for_them_before_joining(
    invite, client, group, in_force
):
    _invitation, token = invite()
    open_link(client, token)

    response = client.post(reverse("account_signup"), signup_data(), follow=True)

    assert response.redirect_chain[-1][0] == f"{ACCEPT}?next={OPEN}"
    assert (
        'name="accept_privacy"' in response.content.decode()
    )  # (in Swedish: the invitee chose it)
    assert not Membership.objects.filter(group=group).exists()
    assert Invitation.objects.get().accepted_at is None


def test_accepting_the_documents_joins_the_group_of_the_invitation(invite, client, group, in_force):
    _invitation, token = invite()
    open_link(client, token)
    client.post(reverse("account_signup"), signup_data())

    response = client.post(
        ACCEPT, {"accept_guidelines": "on", "accept_privacy": "on", "next": OPEN}
    )

    assert response.status_code == 302
    assert response["Location"] == group.get_absolute_url()
    user = get_user_model().objects.get(email=INVITEE)
    assert Membership.objects.filter(group=group, user=user).exists()
    assert Invitation.objects.get().accepted_by == user
    assert set(ConsentRecord.objects.filter(user=user).values_list("kind", "method")) == {
        (Kind.GUIDELINES, "sign_up"),
        (Kind.PRIVACY, "sign_up"),
    }


def test_the_join_button_is_refused_until_the_documents_are_accepted(
    invite, client, group, in_force, make_user
):
    invitation, token = invite()
    invitee = make_user(email=INVITEE)
    client.force_login(invitee)
    open_link(client, token)

    response = client.post(OPEN)

    assert response.status_code == 403
    assert "Nothing you sent has been saved" in response.content.decode()
    assert not Membership.objects.filter(group=group, user=invitee).exists()


def test_the_service_refuses_to_join_before_the_documents_are_accepted(invite, in_force, make_user):
    invitation, _token = invite()
    invitee = make_user(email=INVITEE)

    with pytest.raises(InvitationError) as refused:
        accept_invitation(invitation=invitation, user=invitee)

    assert refused.value.code == "documents_to_accept"
    assert not Membership.objects.filter(user=invitee).exists()
