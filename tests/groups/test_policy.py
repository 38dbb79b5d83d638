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
