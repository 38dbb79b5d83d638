"""Who may flag content and who reviews it, built on the groups policy's predicates."""

import rules
from django.http import Http404

from community.groups.models import Role, SupportGroup
from community.groups.policy import active_membership, is_group_member, is_staff, may_hold_role

from .models import ModerationItem


@rules.predicate
def reviews(user, group: SupportGroup) -> bool:
    """Active moderators, clinicians and group admins review the group's queue."""
    membership = active_membership(user, group)
    return (
        membership is not None
        and membership.role in Role.privileged()
        # A clinician whose verification was revoked keeps the title, not the powers.
        and may_hold_role(user, group, membership.role)
    )


# Any member who can read the content may flag it (not their own: see the service).
rules.add_perm("moderation.flag", is_group_member)
rules.add_perm("moderation.review", reviews)


@rules.predicate
def reviews_item(user, item: ModerationItem) -> bool:
    """A reviewer of the group, but never of their own words (they would see who flagged
    them, and could keep their own post). Staff review appeals too: a group whose only
    moderator made the decision has nobody else to decide it."""
    if item.author_id == user.pk:
        return False
    return reviews(user, item.group) or (is_staff(user) and item.appeal_pending)


rules.add_perm("moderation.review_item", reviews_item)


@rules.predicate
def may_message_author(user, item: ModerationItem) -> bool:
    """The group's reviewers write privately to the author of an item (never themselves:
    they do not review their own words)."""
    return item.author_id is not None and item.author_id != user.pk and reviews(user, item.group)


# Reviewers of the group (not staff here for an appeal) write to the author, and read
# what was written to them.
rules.add_perm("moderation.message_author", may_message_author)
# Staff see how many items wait in every group (counts only, never the content).
rules.add_perm("moderation.oversee", is_staff)
# The queue and dashboard show no content (reasons, counts, times): staff may see them too.
rules.add_perm("moderation.view_queue", reviews | is_staff)


def access_review_group(user, slug: str) -> SupportGroup:
    """Fetch a group whose queue the user reviews; 404 for everyone else (members too)."""
    group = SupportGroup.objects.filter(slug=slug).first()
    if group is None or not user.has_perm("moderation.review", group):
        raise Http404
    return group


def access_queue_group(user, slug: str) -> SupportGroup:
    """Fetch a group whose queue and dashboard the user may see (reviewers and staff)."""
    group = SupportGroup.objects.filter(slug=slug).first()
    if group is None or not user.has_perm("moderation.view_queue", group):
        raise Http404
    return group


def access_item(user, slug: str, item_id: int) -> ModerationItem:
    """Fetch an item the user reviews (staff: an appeal); 404 for everyone else."""
    item = (
        ModerationItem.objects.filter(pk=item_id, group__slug=slug).select_related("group").first()
    )
    if item is None or not user.has_perm("moderation.review_item", item):
        raise Http404
    return item
