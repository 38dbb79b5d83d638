"""The access policy: the single answer to "may this user do this to this group?".

Each rule is a `rules` predicate registered as a Django permission, used everywhere as
`user.has_perm("groups.view_group", group)`. The `access_*` getters fetch an object and
check that the user may see it, raising the same 404 whether it is missing or forbidden,
so nobody learns that a group they are not in exists.
"""

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from .models import Invitation, Membership, Role, SupportGroup

MEMBERSHIP_CACHE = "_group_memberships"


def membership_of(user, group: SupportGroup) -> Membership | None:
    """Return the user's current (not removed) membership in the group, if any.

    Remembered on the user object, which lives for one request, so a page that asks
    several questions about one group makes one query.
    """
    if not user.is_authenticated or group is None:
        return None
    cache = user.__dict__.setdefault(MEMBERSHIP_CACHE, {})
    if group.pk not in cache:
        cache[group.pk] = (
            Membership.objects.filter(user_id=user.pk, group_id=group.pk)
            .exclude(state=Membership.State.REMOVED)
            .first()
        )
    return cache[group.pk]


def remember_memberships(users, group: SupportGroup) -> None:
    """Look up the memberships of many users in one group at once (one query), so that
    asking the policy about each of them (telling a thread's followers) costs no more."""
    found = {
        membership.user_id: membership
        for membership in Membership.objects.filter(
            group_id=group.pk, user_id__in=[user.pk for user in users]
        ).exclude(state=Membership.State.REMOVED)
    }
    for user in users:
        user.__dict__.setdefault(MEMBERSHIP_CACHE, {})[group.pk] = found.get(user.pk)


def remember_own_memberships(user) -> list[SupportGroup]:
    """Look up all the user's current memberships at once (one query) and return their
    groups, so that asking the policy about each of them costs no more."""
    memberships = (
        Membership.objects.filter(user_id=user.pk)
        .exclude(state=Membership.State.REMOVED)
        .select_related("group")
    )
    cache = user.__dict__.setdefault(MEMBERSHIP_CACHE, {})
    for membership in memberships:
        cache[membership.group_id] = membership
    return [membership.group for membership in memberships]


def forget_memberships(user) -> None:
    """Drop the remembered memberships after a service changed them."""
    user.__dict__.pop(MEMBERSHIP_CACHE, None)


@rules.predicate
def is_staff(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


@rules.predicate
def is_verified_clinician(user) -> bool:
    return user.is_authenticated and user.is_verified_clinician


def admitted_membership(user, group: SupportGroup) -> Membership | None:
    """The membership that lets the user in now: present, and for a professional group
    only while the user is still a verified clinician (verification can be revoked)."""
    membership = membership_of(user, group)
    if membership is None:
        return None
    if group.is_professional and not user.is_verified_clinician:
        return None
    return membership


def active_membership(user, group: SupportGroup) -> Membership | None:
    """An admitted membership that is not muted: the one that may write and act."""
    membership = admitted_membership(user, group)
    if membership is None or membership.is_muted_now:
        return None
    return membership


@rules.predicate
def is_group_member(user, group: SupportGroup) -> bool:
    return admitted_membership(user, group) is not None


@rules.predicate
def is_active_member(user, group: SupportGroup) -> bool:
    return active_membership(user, group) is not None


@rules.predicate
def is_group_admin(user, group: SupportGroup) -> bool:
    """An active group admin (a muted one keeps the title but not the powers)."""
    membership = active_membership(user, group)
    return membership is not None and membership.role == Role.GROUP_ADMIN


@rules.predicate
def is_group_moderator(user, group: SupportGroup) -> bool:
    """Active moderators and group admins keep the group's threads in order."""
    membership = active_membership(user, group)
    return membership is not None and membership.role in (Role.MODERATOR, Role.GROUP_ADMIN)


@rules.predicate
def is_group_clinician(user, group: SupportGroup) -> bool:
    """An active clinician of the group whose verification still holds (a revoked one keeps
    the title, not the powers)."""
    membership = active_membership(user, group)
    return (
        membership is not None
        and membership.role == Role.CLINICIAN
        and bool(user.is_verified_clinician)
    )


def content_predicates(group_of):
    """The three questions every kind of group content asks, for content whose group is
    `group_of(obj)`: may the user read it, write there, moderate it? (forum, chat, Q&A)"""

    @rules.predicate
    def reads_in(user, obj) -> bool:
        return is_group_member(user, group_of(obj))

    @rules.predicate
    def writes_in(user, obj) -> bool:
        return is_active_member(user, group_of(obj))

    @rules.predicate
    def moderates(user, obj) -> bool:
        return is_group_moderator(user, group_of(obj))

    return reads_in, writes_in, moderates


# Reading anything inside a group.
rules.add_perm("groups.view_group", is_group_member | is_staff)
# Writing anything inside a group (posts, chat, questions): muted and removed members cannot.
rules.add_perm("groups.contribute", is_active_member)
# Members only, not staff by virtue of being staff: the content members share.
rules.add_perm("groups.read_content", is_group_member)
# Pinning, locking and moving threads; seeing who wrote anonymous posts (audited).
rules.add_perm("groups.moderate", is_group_moderator)
# Listing, creating and revoking the group's invitations.
rules.add_perm("groups.manage_invitations", is_group_admin | is_staff)


def groups_readable_by(user):
    """Groups whose content the user may read: the queryset twin of `is_group_member`."""
    groups = SupportGroup.objects.joined_by(user)
    if not user.is_authenticated or not user.is_verified_clinician:
        groups = groups.exclude(kind=SupportGroup.Kind.PROFESSIONAL)
    return groups


def groups_moderated_by(user):
    """Groups the user moderates now: the queryset twin of `is_group_moderator`."""
    if not user.is_authenticated:
        return SupportGroup.objects.none()
    acting = Q(memberships__state=Membership.State.ACTIVE) | Q(
        memberships__state=Membership.State.MUTED, memberships__muted_until__lte=timezone.now()
    )
    moderated = SupportGroup.objects.filter(
        acting,
        memberships__user_id=user.pk,
        memberships__role__in=[Role.MODERATOR, Role.GROUP_ADMIN],
    )
    return moderated.filter(pk__in=groups_readable_by(user).values("pk"))


def groups_managed_by(user):
    """Groups whose invitations the user manages: all for staff, else where group admin."""
    if is_staff(user):
        return SupportGroup.objects.all()
    return SupportGroup.objects.filter(
        memberships__user_id=user.pk,
        memberships__role=Role.GROUP_ADMIN,
        memberships__state=Membership.State.ACTIVE,
    )


def invitations_visible_to(user, group: SupportGroup):
    """Staff see every invitation of the group; a group admin only those they sent, since
    matching invitees' addresses to new pseudonyms could unmask members."""
    invitations = Invitation.objects.filter(group=group)
    if is_staff(user):
        return invitations
    return invitations.filter(inviter_id=user.pk)


def holds_privileged_role(user) -> bool:
    """Tell whether the user moderates, treats or administers any group (MFA required)."""
    return Membership.objects.filter(
        user_id=user.pk,
        role__in=Role.privileged(),
        state__in=Membership.State.present(),
    ).exists()


def may_hold_role(user, group: SupportGroup, role: str) -> bool:
    """Professional groups and the clinician role are for verified clinicians only."""
    if group.is_professional or role == Role.CLINICIAN:
        return bool(user.is_verified_clinician)
    return True


def access_group(user, slug: str) -> SupportGroup:
    """Fetch a group the user may see, or raise 404 (missing and forbidden look the same)."""
    group = SupportGroup.objects.filter(slug=slug).first()
    if group is None or not user.has_perm("groups.view_group", group):
        raise Http404
    return group


def access_group_for_invitations(user, slug: str) -> SupportGroup:
    """Fetch a group whose invitations the user manages; 404 for outsiders, else 403."""
    group = access_group(user, slug)
    if not user.has_perm("groups.manage_invitations", group):
        raise PermissionDenied
    return group


def access_managed_invitation(user, slug: str, invitation_id: int) -> Invitation:
    """Fetch an invitation of a group whose invitations the user manages, or raise."""
    group = access_group_for_invitations(user, slug)
    invitation = invitations_visible_to(user, group).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation
