"""Invitations as an organisation sends them (issue 17.6): several addresses at once, all or
none; the invitee's language; the organisation's name in the e-mail, never the group's."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from community.groups.models import Invitation, Role
from community.groups.services import InvitationsRefused, create_invitation, create_invitations

ADDRESSES = ["ann@example.test", "bo@example.test", "cai@example.test"]


@pytest.fixture(autouse=True)
def organisation(settings):
    settings.ORGANISATION_NAME = "Region Testland Diabetes Clinic"
    return settings.ORGANISATION_NAME


def invitations_url(group) -> str:
    return reverse("groups:invitations", kwargs={"slug": group.slug})


def send_form(client, group, addresses: str, *, language="sv", key=None):
    data = {"email": addresses, "role": Role.MEMBER, "language": language}
    if key:
        data["submission_key"] = key
    return client.post(invitations_url(group), data)


@pytest.mark.parametrize("manager", ["staff", "group_admin"])
def test_a_manager_invites_several_addresses_at_once_in_the_invitees_language(
    request, client, group, mailoutbox, django_capture_on_commit_callbacks, manager
):
    client.force_login(request.getfixturevalue(manager))

    with django_capture_on_commit_callbacks(execute=True):
        response = send_form(client, group, "Ann@example.test\nbo@example.test, cai@example.test")

    assert response.status_code == 302
    invitations = Invitation.objects.filter(group=group).order_by("email")
    assert [i.email for i in invitations] == ADDRESSES
    assert {i.language for i in invitations} == {"sv"}
    assert sorted(message.to[0] for message in mailoutbox) == ADDRESSES
    page = client.get(invitations_url(group)).content.decode()
    assert "3 invitations sent: ann@example.test, bo@example.test, cai@example.test." in page


def test_the_email_is_in_the_invitees_language_and_names_the_organisation_not_the_group(
    staff, group, mailoutbox, django_capture_on_commit_callbacks, organisation
):
    group.language = "en"
    group.save()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = create_invitation(
            inviter=staff, group=group, email="ann@example.test", language="sv"
        )

    message = mailoutbox[0]
    assert message.body.startswith("Hej,")  # Swedish, though the group writes English
    with translation.override("sv"):
        expires = date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")
    assert expires in message.body
    assert organisation in message.subject
    assert organisation in message.body
    for revealing in (group.name, group.condition.name):
        assert revealing not in message.subject + message.body


def test_an_invitation_without_a_language_is_written_in_the_groups(
    staff, group, mailoutbox, django_capture_on_commit_callbacks
):
    group.language = "sv"
    group.save()
    with django_capture_on_commit_callbacks(execute=True):
        create_invitation(inviter=staff, group=group, email="ann@example.test")

    assert mailoutbox[0].body.startswith("Hej,")


def test_the_language_choice_starts_at_the_groups_language(client, staff, group):
    group.language = "nb"
    group.save()
    client.force_login(staff)

    page = client.get(invitations_url(group)).content.decode()

    assert '<option value="nb" selected>' in page


def test_one_bad_address_is_named_and_nothing_is_created_or_sent(
    client, staff, group, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = send_form(client, group, "ann@example.test\nbo@example\nann@EXAMPLE.test")

    assert response.status_code == 400
    page = response.content.decode()
    assert "“bo@example” is not a valid e-mail address." in page
    assert "“ann@EXAMPLE.test” is listed more than once." in page
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_already_invited_and_already_members_are_reported_and_nothing_is_half_created(
    client, staff, group, member, mailoutbox, django_capture_on_commit_callbacks
):
    create_invitation(inviter=staff, group=group, email="bo@example.test")
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = send_form(client, group, f"ann@example.test, bo@example.test, {member.email}")

    assert response.status_code == 400
    page = response.content.decode()
    assert "bo@example.test: There is already a pending invitation for this address." in page
    assert f"{member.email}: This person is already a member of the group." in page
    assert "No invitation was sent." in page
    # ann@ came first and was fine, yet the batch is all or nothing.
    assert list(Invitation.objects.values_list("email", flat=True)) == ["bo@example.test"]
    assert mailoutbox == []


def test_the_same_form_sent_twice_invites_each_address_once(
    client, staff, group, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    key = "k" * 32

    with django_capture_on_commit_callbacks(execute=True):
        first = send_form(client, group, "ann@example.test\nbo@example.test", key=key)
        again = send_form(client, group, "ann@example.test\nbo@example.test", key=key)

    assert first.status_code == again.status_code == 302
    assert Invitation.objects.count() == 2
    assert len(mailoutbox) == 2


def test_a_member_may_not_invite_by_form_or_service(client, member, group):
    client.force_login(member)

    response = send_form(client, group, "ann@example.test")

    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        create_invitations(inviter=member, group=group, emails=["ann@example.test"])
    assert not Invitation.objects.exists()


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in_and_nothing_is_created(client, group):
    response = send_form(client, group, "ann@example.test")

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not Invitation.objects.exists()


def test_a_refused_batch_reports_every_problem_to_the_service_caller(staff, group, member):
    with pytest.raises(InvitationsRefused) as refused:
        create_invitations(
            inviter=staff, group=group, emails=["ann@example.test", member.email.upper()]
        )

    assert [address for address, _reason in refused.value.problems] == [member.email.lower()]
    assert not Invitation.objects.exists()


def test_the_invitation_link_opens_the_sign_up_page_in_the_invitations_language(
    client, staff, group, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create_invitation(inviter=staff, group=group, email="ann@example.test", language="nl")
    token = mailoutbox[0].body.split("/invitations/")[1].split("/")[0]

    client.get(reverse("groups:invitation", kwargs={"token": token}))
    signup = client.get(reverse("account_signup")).content.decode()

    assert '<html lang="nl">' in signup
    assert '<option value="nl" selected>' in signup


def test_a_visitor_who_chose_a_language_keeps_it_when_opening_an_invitation(
    client, staff, group, mailoutbox, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        create_invitation(inviter=staff, group=group, email="ann@example.test", language="nl")
    token = mailoutbox[0].body.split("/invitations/")[1].split("/")[0]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"

    client.get(reverse("groups:invitation", kwargs={"token": token}))
    signup = client.get(reverse("account_signup")).content.decode()

    assert '<html lang="nb">' in signup
