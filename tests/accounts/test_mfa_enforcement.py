"""Two-factor authentication: available to all, required before any privileged page."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from community.accounts.mfa import CommunityMFAAdapter, is_privileged
from community.groups.models import Membership, Role
from tests.conftest import PASSWORD, current_totp_code


def invitations_url(group) -> str:
    return reverse("groups:invitations", kwargs={"slug": group.slug})


def test_a_group_admin_without_two_factor_is_sent_to_set_it_up(client, make_user, join, group):
    admin = make_user()
    join(admin, group, role=Role.GROUP_ADMIN)
    client.force_login(admin)
    response = client.get(invitations_url(group))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_group_admin_with_two_factor_reaches_the_privileged_page(client, group_admin, group):
    client.force_login(group_admin)
    assert client.get(invitations_url(group)).status_code == 200


def test_staff_without_two_factor_cannot_use_the_admin(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_staff_without_two_factor_cannot_revoke_invitations(client, make_user, group, staff):
    from community.groups.services import create_invitation

    invitation = create_invitation(inviter=staff, group=group, email="x@example.test")
    client.force_login(make_user(is_staff=True))
    url = reverse("groups:invitation_revoke", kwargs={"slug": group.slug, "pk": invitation.pk})
    response = client.post(url)
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_a_privileged_user_without_two_factor_learns_nothing_about_other_groups(
    client, make_user, join, make_group, group
):
    admin_elsewhere = make_user()
    join(admin_elsewhere, make_group(), role=Role.GROUP_ADMIN)
    client.force_login(admin_elsewhere)
    existing = client.get(invitations_url(group))
    missing = client.get("/groups/no-such-group/invitations/")
    assert existing.status_code == missing.status_code == 302
    assert existing["Location"].split("?")[0] == missing["Location"].split("?")[0]


@pytest.mark.parametrize("path", ["/", "/search/"])
def test_a_moderator_without_two_factor_is_stopped_on_every_page(
    client, make_user, join, group, path
):
    moderator = make_user()
    join(moderator, group, role=Role.MODERATOR)
    client.force_login(moderator)
    response = client.get(path)
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert "next=" in response["Location"]
    assert client.get(group.get_absolute_url()).status_code == 302


def test_a_moderator_without_two_factor_can_still_reach_their_account_pages(
    client, make_user, join, group
):
    moderator = make_user()
    join(moderator, group, role=Role.MODERATOR)
    client.force_login(moderator)
    assert client.get(reverse("accounts:preferences")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200


def test_after_a_post_the_two_factor_page_does_not_send_back_to_a_post_only_address(
    client, make_user, group, staff
):
    from community.groups.services import create_invitation

    invitation = create_invitation(inviter=staff, group=group, email="x@example.test")
    client.force_login(make_user(is_staff=True))
    url = reverse("groups:invitation_resend", kwargs={"slug": group.slug, "pk": invitation.pk})
    response = client.post(url)
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_patient_without_two_factor_is_not_asked_for_it(client, member, group):
    client.force_login(member)
    assert client.get(group.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("role", "state", "privileged"),
    [
        (Role.MEMBER, Membership.State.ACTIVE, False),
        (Role.MODERATOR, Membership.State.ACTIVE, True),
        (Role.CLINICIAN, Membership.State.ACTIVE, True),
        (Role.GROUP_ADMIN, Membership.State.MUTED, True),
        (Role.MODERATOR, Membership.State.REMOVED, False),
    ],
)
def test_moderators_clinicians_and_group_admins_count_as_privileged(
    make_user, join, group, role, state, privileged
):
    user = make_user(is_verified_clinician=role == Role.CLINICIAN)
    join(user, group, role=role, state=state)
    assert is_privileged(user) is privileged


def test_staff_count_as_privileged(make_user):
    assert is_privileged(make_user(is_staff=True))


def test_a_privileged_user_may_not_delete_their_only_authenticator(group_admin):
    adapter = CommunityMFAAdapter()
    admin_totp = Authenticator.objects.get(user=group_admin, type=Authenticator.Type.TOTP)
    assert adapter.can_delete_authenticator(admin_totp) is False


def test_a_patient_may_switch_two_factor_off(make_user):
    patient = make_user(mfa=True)
    totp = Authenticator.objects.get(user=patient, type=Authenticator.Type.TOTP)
    assert CommunityMFAAdapter().can_delete_authenticator(totp) is True


def test_logging_in_with_two_factor_asks_for_the_code(client, group_admin):
    response = client.post(
        reverse("account_login"), {"login": group_admin.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(group_admin.pk)


def test_any_member_can_set_up_two_factor(client, member):
    client.force_login(member)
    # allauth first asks for the password again, then shows the set-up page.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()
