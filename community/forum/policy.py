"""Who may read and write what in a group's forum, built on the groups policy's predicates.

Permissions are registered with `rules` (`user.has_perm("forum.reply", thread)`); the
`access_*` getters fetch an object and check that the user may read it, raising the same
404 whether it is missing or forbidden. `ThreadPermissions` answers once per page what the
templates need for every post, so no check runs inside the post loop.
"""

from dataclasses import dataclass

import rules
from django.http import Http404

from community.groups.models import SupportGroup
from community.groups.policy import content_predicates, is_group_clinician

from .models import ClinicianNote, Post, PostImage, Thread


def group_of(obj) -> SupportGroup:
    """Return the group a group, thread, post or clinician's note belongs to."""
    if isinstance(obj, SupportGroup):
        return obj
    if isinstance(obj, Thread):
        return obj.group
    if isinstance(obj, ClinicianNote):
        return obj.post.thread.group
    return obj.thread.group


reads_in, writes_in, moderates = content_predicates(group_of)


@rules.predicate
def thread_is_open(user, obj) -> bool:
    thread = obj if isinstance(obj, Thread) else obj.thread
    return not thread.is_locked


@rules.predicate
def is_author(user, post: Post) -> bool:
    return user.is_authenticated and post.author_id == user.pk


@rules.predicate
def is_not_deleted(user, post: Post) -> bool:
    return not post.is_deleted


@rules.predicate
def is_published(user, post: Post) -> bool:
    """Not hidden, removed or waiting for review."""
    return not post.is_withheld


rules.add_perm("forum.read", reads_in)
rules.add_perm("forum.start_thread", writes_in)
rules.add_perm("forum.reply", writes_in & (thread_is_open | moderates))
rules.add_perm("forum.react", writes_in & is_not_deleted & is_published)
rules.add_perm("forum.follow", reads_in)
rules.add_perm(
    "forum.edit_post", is_author & is_not_deleted & writes_in & (thread_is_open | moderates)
)
# Deleting your own words is allowed even while muted: it only ever removes.
rules.add_perm("forum.delete_post", is_author & is_not_deleted & reads_in)
rules.add_perm("forum.moderate", moderates)


@rules.predicate
def is_clinician_in(user, obj) -> bool:
    return is_group_clinician(user, group_of(obj))


# Clinicians' notes under posts: by the group's own clinicians, active and still verified.
clinician_in = writes_in & is_clinician_in
rules.add_perm("forum.write_notes", clinician_in)  # anywhere in the group or thread
rules.add_perm("forum.write_note", clinician_in & is_not_deleted & is_published & ~is_author)


@dataclass(frozen=True)
class ThreadPermissions:
    """What one user may do on one thread page, computed once for the whole page."""

    user_id: int
    can_reply: bool
    can_react: bool
    can_moderate: bool
    can_review: bool  # moderators, clinicians and admins: see what waits for review
    is_member: bool
    can_note: bool  # a verified clinician of the group: may write clinicians' notes

    @classmethod
    def for_thread(cls, user, thread: Thread) -> "ThreadPermissions":
        return cls(
            user_id=user.pk,
            can_reply=user.has_perm("forum.reply", thread),
            can_react=user.has_perm("forum.start_thread", thread.group),
            can_moderate=user.has_perm("forum.moderate", thread),
            can_review=may_review(user, thread.group),
            is_member=user.has_perm("forum.read", thread),
            can_note=user.has_perm("forum.write_notes", thread),
        )

    def may_edit(self, post: Post) -> bool:
        """Same answer as `forum.edit_post`, without asking the database again."""
        # Editing needs what replying needs: an active member, and an open thread or a moderator.
        return post.author_id == self.user_id and not post.is_deleted and self.can_reply

    def may_note(self, post: Post) -> bool:
        """Same answer as `forum.write_note`."""
        return (
            self.can_note
            and post.author_id != self.user_id
            and not post.is_deleted
            and not post.is_withheld
        )

    def may_delete(self, post: Post) -> bool:
        """Same answer as `forum.delete_post`."""
        return post.author_id == self.user_id and not post.is_deleted and self.is_member


def access_group_forum(user, slug: str) -> SupportGroup:
    """Fetch a group whose forum the user may read, or raise 404."""
    group = SupportGroup.objects.filter(slug=slug).first()
    if group is None or not user.has_perm("forum.read", group):
        raise Http404
    return group


def access_thread(user, slug: str, thread_id: int) -> Thread:
    """Fetch a thread of the group named in the URL that the user may read, or raise 404.

    A thread waiting for review exists only for its author and the group's moderators.
    """
    thread = Thread.objects.select_related("group").filter(pk=thread_id, group__slug=slug).first()
    if thread is None or not user.has_perm("forum.read", thread):
        raise Http404
    if thread.is_held and thread.author_id != user.pk and not may_review(user, thread.group):
        raise Http404
    return thread


def may_review(user, group) -> bool:
    """Moderators, clinicians and group admins see what waits for review."""
    return user.has_perm("moderation.review", group)


def access_post(user, slug: str, post_id: int) -> Post:
    """Fetch a post of the group named in the URL that the user may read, or raise 404."""
    post = (
        Post.objects.select_related("thread__group", "author")
        .filter(pk=post_id, thread__group__slug=slug)
        .first()
    )
    if post is None or not user.has_perm("forum.read", post) or not may_see_post(user, post):
        raise Http404
    return post


def may_see_post(user, post: Post) -> bool:
    """Posts (and threads) waiting for review exist only for their author and reviewers."""
    waiting = post.held_at is not None or post.thread.is_held
    return not waiting or post.author_id == user.pk or may_review(user, post.thread.group)


def access_post_anywhere(user, post_id: int) -> Post:
    """Fetch a post by id alone (links that must survive a thread's move), or raise 404."""
    post = Post.objects.select_related("thread__group").filter(pk=post_id).first()
    if post is None or not user.has_perm("forum.read", post) or not may_see_post(user, post):
        raise Http404
    return post


def access_image(user, slug: str, image_id: int) -> PostImage:
    """Fetch an attached photo the user may see (not of a deleted post), or raise 404."""
    image = (
        PostImage.objects.select_related("post__thread__group")
        .filter(pk=image_id, post__thread__group__slug=slug, post__deleted_at__isnull=True)
        .first()
    )
    if image is None or not user.has_perm("forum.read", image.post):
        raise Http404
    post = image.post
    # Withheld posts' photos: only for their author and the group's reviewers.
    withheld = post.is_withheld or post.thread.is_held
    if withheld and post.author_id != user.pk and not may_review(user, post.thread.group):
        raise Http404
    return image
