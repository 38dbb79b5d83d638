"""The access policy's rules, checked directly for each kind of person."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.urls import reverse

from community.groups.models import Membership, Role
from community.groups.policy import access_group


@pytest.fixture
def people(make_user, join, group, make_group):
    def member_with(state=Membership.State.ACTIVE, role=Role.MEMBER):
        user = make_user()
        join(user, group, role=role, state=state)
        return user

    outsider = make_user()
    join(outsider, make_group())
    return {
        "logged_out": AnonymousUser(),
        "non_member": outsider,
        "member": member_with(),
        "muted_member": member_with(Membership.State.MUTED),
        "removed_member": member_with(Membership.State.REMOVED),
        "moderator": member_with(role=Role.MODERATOR),
        "group_admin": member_with(role=Role.GROUP_ADMIN),
        "staff": make_user(is_staff=True),
    }


EXPECTED = {
    # role: (view_group, contribute, manage_invitations)
    "logged_out": (False, False, False),
    "non_member": (False, False, False),
    "member": (True, True, False),
    "muted_member": (True, False, False),
    "removed_member": (False, False, False),
    "moderator": (True, True, False),
    "group_admin": (True, True, True),
    "staff": (True, False, True),
}


@pytest.mark.parametrize("role", EXPECTED)
def test_each_role_has_exactly_its_group_permissions(people, group, role):
    user = people[role]
    got = tuple(
        user.has_perm(f"groups.{perm}", group)
        for perm in ["view_group", "contribute", "manage_invitations"]
    )
    assert got == EXPECTED[role]


@pytest.mark.parametrize("role", ["logged_out", "non_member", "removed_member"])
def test_access_group_gives_the_same_404_for_missing_and_forbidden_groups(people, group, role):
    with pytest.raises(Http404):
        access_group(people[role], group.slug)
    with pytest.raises(Http404):
        access_group(people[role], "no-such-group")


def test_a_removed_member_no_longer_sees_the_group_on_home(client, people, group):
    client.force_login(people["removed_member"])
    assert group.name not in client.get(reverse("home")).content.decode()


def test_home_lists_my_groups_with_member_counts(client, people, group):
    client.force_login(people["member"])
    page = client.get(reverse("home")).content.decode()
    assert group.name in page
    # member, muted, moderator and group admin; not the removed member
    assert "4 members" in page


def test_home_query_count_does_not_grow_with_the_number_of_groups(
    client, make_user, make_group, join, django_assert_max_num_queries
):
    user = make_user()
    join(user, make_group())
    client.force_login(user)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("home"))
    for _ in range(5):
        join(user, make_group())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("home"))


def test_a_group_page_shows_description_and_member_count(client, member, group):
    group.description = "A calm place to talk."
    group.save()
    client.force_login(member)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "A calm place to talk." in page
    assert "Members" in page


def test_a_muted_group_admin_keeps_the_title_but_not_the_powers(make_user, join, group):
    admin = make_user()
    join(admin, group, role=Role.GROUP_ADMIN, state=Membership.State.MUTED)
    assert admin.has_perm("groups.view_group", group)
    assert not admin.has_perm("groups.manage_invitations", group)
    assert not admin.has_perm("groups.moderate", group)


def test_a_muted_moderator_cannot_moderate(make_user, join, group):
    moderator = make_user()
    join(moderator, group, role=Role.MODERATOR, state=Membership.State.MUTED)
    assert not moderator.has_perm("groups.moderate", group)


def test_a_clinician_whose_verification_is_revoked_loses_the_professional_group(
    make_user, join, make_group
):
    from community.groups.models import SupportGroup

    professional = make_group(kind=SupportGroup.Kind.PROFESSIONAL)
    clinician = make_user(is_verified_clinician=True)
    join(clinician, professional, role=Role.CLINICIAN)
    assert clinician.has_perm("groups.read_content", professional)
    clinician.is_verified_clinician = False
    clinician.save()
    clinician = type(clinician).objects.get(pk=clinician.pk)
    assert not clinician.has_perm("groups.read_content", professional)
    with pytest.raises(Http404):
        access_group(clinician, professional.slug)


def test_a_superuser_gets_no_group_powers_without_belonging(make_user, group):
    superuser = make_user(is_staff=True, is_superuser=True)
    assert not superuser.has_perm("groups.contribute", group)
    assert not superuser.has_perm("groups.read_content", group)
    assert not superuser.has_perm("groups.moderate", group)
    # Model-level permissions (the Django admin) still work for superusers.
    assert superuser.has_perm("groups.change_supportgroup")


def test_a_group_admin_sees_only_the_invitations_they_sent(
    client, group_admin, staff, group, django_capture_on_commit_callbacks
):
    from community.groups.services import create_invitation

    with django_capture_on_commit_callbacks(execute=True):
        create_invitation(inviter=staff, group=group, email="from.staff@example.test")
        mine = create_invitation(inviter=group_admin, group=group, email="mine@example.test")
    client.force_login(group_admin)
    page = client.get(reverse("groups:invitations", kwargs={"slug": group.slug}))
    assert "mine@example.test" in page.content.decode()
    assert "from.staff@example.test" not in page.content.decode()
    others = group.invitations.exclude(pk=mine.pk).get()
    revoke = reverse("groups:invitation_revoke", kwargs={"slug": group.slug, "pk": others.pk})
    assert client.post(revoke).status_code == 404
    client.force_login(staff)
    page = client.get(reverse("groups:invitations", kwargs={"slug": group.slug}))
    assert "from.staff@example.test" in page.content.decode()


@pytest.mark.parametrize(
    ("role", "state", "mute_ended", "professional", "verified"),
    [
        (Role.MEMBER, Membership.State.ACTIVE, False, False, False),
        (Role.MODERATOR, Membership.State.ACTIVE, False, False, False),
        (Role.MODERATOR, Membership.State.MUTED, False, False, False),
        (Role.MODERATOR, Membership.State.MUTED, True, False, False),
        (Role.GROUP_ADMIN, Membership.State.REMOVED, False, False, False),
        (Role.CLINICIAN, Membership.State.ACTIVE, False, True, True),
        (Role.MODERATOR, Membership.State.ACTIVE, False, True, False),
        (Role.GROUP_ADMIN, Membership.State.ACTIVE, False, True, True),
    ],
)
def test_the_group_querysets_agree_with_the_policy_predicates(
    make_user, make_group, join, role, state, mute_ended, professional, verified
):
    from datetime import timedelta

    from django.utils import timezone

    from community.groups.models import SupportGroup
    from community.groups.policy import groups_moderated_by, groups_readable_by

    kind = SupportGroup.Kind.PROFESSIONAL if professional else SupportGroup.Kind.PATIENT
    target = make_group(kind=kind)
    user = make_user(is_verified_clinician=verified)
    membership = join(user, target, role=role, state=state)
    if mute_ended:
        membership.muted_until = timezone.now() - timedelta(minutes=1)
        membership.save()
    user = type(user).objects.get(pk=user.pk)

    assert (target in groups_readable_by(user)) == user.has_perm("groups.read_content", target)
    assert (target in groups_moderated_by(user)) == user.has_perm("groups.moderate", target)
