"""The forum's part in data rights: what it exports, erases and purges for privacy.

Registered with the privacy app in ForumConfig.ready(); privacy never imports the forum.
"""

from datetime import datetime, timedelta
from functools import partial
from pathlib import PurePosixPath

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from community.groups.models import SupportGroup
from community.moderation.services import erase_texts_about, objects_with_texts
from community.privacy.erasure import Eraser, register_eraser
from community.privacy.exports import ExportSection, register_export_section, when
from community.privacy.retention import Purge, register_purge
from community.safety.services import forget_confirmations

from .models import (
    ClinicianNote,
    ClinicianNoteRevision,
    Post,
    PostImage,
    PostRevision,
    Reaction,
    ReadState,
    Thread,
    ThreadFollow,
)
from .moderation_hooks import CLINICIAN_NOTE, FORUM_POST
from .services import recount_reactions, refresh_last_poster


def post_address(post: Post) -> str:
    return f"{post.thread.get_absolute_url()}#post-{post.number}"


# Export: only the member's own writing. Another member's thread title is their text, so a
# reply names its thread by address only.


def threads_started(user) -> list[dict]:
    return [
        {
            "group": thread.group.name,
            "title": thread.title,
            "anonymous": thread.is_anonymous,
            "started": when(thread.created_at),
            "address": thread.get_absolute_url(),
        }
        for thread in Thread.objects.filter(author=user).select_related("group")
    ]


def posts_written(user) -> list[dict]:
    posts = Post.objects.filter(author=user).select_related("thread__group").order_by("pk")
    return [
        {
            "group": post.thread.group.name,
            "address": post_address(post),
            "text": post.body_source,
            "content_warning": post.content_warning,
            "anonymous": post.is_anonymous,
            "written": when(post.created_at),
            "edited": when(post.edited_at),
            "deleted": when(post.deleted_at),
            "hidden_by_moderators": when(post.hidden_at),
            "removed_by_moderators": when(post.removed_at),
            "moderators_note": post.moderator_note,
        }
        for post in posts
    ]


def revisions_written(user) -> list[dict]:
    revisions = PostRevision.objects.filter(post__author=user).select_related("post__thread__group")
    return [
        {
            "post": post_address(revision.post),
            "text": revision.body_source,
            "content_warning": revision.content_warning,
            "saved": when(revision.created_at),
        }
        for revision in revisions.order_by("pk")
    ]


def reactions_given(user) -> list[dict]:
    reactions = Reaction.objects.filter(user=user).select_related("post__thread__group")
    return [
        {
            "post": post_address(reaction.post),
            "reaction": reaction.get_kind_display(),
            "when": when(reaction.created_at),
        }
        for reaction in reactions.order_by("pk")
    ]


def threads_followed(user) -> list[dict]:
    follows = ThreadFollow.objects.filter(user=user).select_related("thread__group")
    return [
        {"thread": follow.thread.get_absolute_url(), "since": when(follow.created_at)}
        for follow in follows.order_by("pk")
    ]


def notes_written(user) -> list[dict]:
    """A clinician's notes under other members' posts: their own words, and where."""
    notes = ClinicianNote.objects.filter(author=user).select_related("post__thread__group")
    return [
        {
            "group": note.post.thread.group.name,
            "post": post_address(note.post),
            "kind": note.get_stance_display(),
            "text": note.body_source,
            "written": when(note.created_at),
            "edited": when(note.edited_at),
            "hidden_by_moderators": when(note.hidden_at),
            "removed_by_moderators": when(note.removed_at),
            "moderators_note": note.moderator_note,
        }
        for note in notes.order_by("pk")
    ]


def note_revisions_written(user) -> list[dict]:
    revisions = ClinicianNoteRevision.objects.filter(note__author=user).select_related(
        "note__post__thread__group"
    )
    return [
        {
            "post": post_address(revision.note.post),
            "kind": revision.get_stance_display(),
            "text": revision.body_source,
            "saved": when(revision.created_at),
        }
        for revision in revisions.order_by("pk")
    ]


def photos_uploaded(user):
    for image in PostImage.objects.filter(post__author=user).order_by("pk"):
        suffix = PurePosixPath(image.file.name).suffix
        with image.file.open("rb") as handle:
            yield f"post-{image.post_id}-photo-{image.pk}{suffix}", handle.read()


# Erasure and retention share one way of making a post's text disappear.


def erase_post_text(post: Post, now: datetime) -> None:
    """Delete a post's text, its earlier versions and photos; the numbered slot remains."""
    post.body_source = post.body_html = post.body_text = post.content_warning = ""
    post.moderator_note = ""
    if post.removed_at is None:  # a removed post keeps saying so, not "deleted by author"
        post.deleted_at = post.deleted_at or now
    post.save(
        update_fields=[
            "body_source",
            "body_html",
            "body_text",
            "content_warning",
            "moderator_note",
            "deleted_at",
        ]
    )
    post.revisions.all().delete()
    forget_confirmations(kind=FORUM_POST.key, object_ids=[post.pk])
    # Clinicians' words about erased words would keep what the post said alive.
    delete_notes(list(post.clinician_notes.values_list("pk", flat=True)))
    for image in post.images.all():
        transaction.on_commit(partial(image.file.storage.delete, image.file.name))
    post.images.all().delete()
    if post.number == 1:
        erase_thread_title(post.thread)
    refresh_last_poster(post.thread)


def erase_thread_title(thread: Thread) -> None:
    """A thread's title is its starter's text too: replace it with a neutral one."""
    with translation.override(thread.group.language):
        thread.title = gettext("Deleted thread")
    thread.save(update_fields=["title"])


def erase_forum_data(user, delete_content: bool) -> None:
    """Reactions, follows and read state always go; posts go if the member chose so."""
    reacted = Post.objects.filter(reactions__user=user).distinct()
    reacted_posts = list(reacted)
    Reaction.objects.filter(user=user).delete()
    for post in reacted_posts:
        recount_reactions(post)
    ThreadFollow.objects.filter(user=user).delete()
    ReadState.objects.filter(user=user).delete()
    if delete_content:
        now = timezone.now()
        for post in Post.objects.filter(author=user).select_related("thread__group"):
            erase_post_text(post, now)
        for thread in Thread.objects.filter(author=user).select_related("group"):
            erase_thread_title(thread)
        delete_notes(list(ClinicianNote.objects.filter(author=user).values_list("pk", flat=True)))


def retention_cutoff(group: SupportGroup, now: datetime) -> datetime:
    return now - timedelta(days=group.removed_content_retention_days)


def purge_removed_posts(now: datetime) -> int:
    """Erase the text of posts deleted or removed longer ago than their group keeps it,
    and the moderators' copies of it."""
    erased = 0
    for group in SupportGroup.objects.all():
        cutoff = retention_cutoff(group, now)
        expired = Post.objects.filter(thread__group=group).filter(
            Q(deleted_at__lt=cutoff) | Q(removed_at__lt=cutoff)
        )
        # Already erased posts have no text left: running twice erases nothing more.
        for post in expired.exclude(body_source="").select_related("thread__group"):
            erase_post_text(post, now)
            erased += 1
    erase_moderators_copies(now)
    return erased + purge_removed_notes(now)


def purge_removed_notes(now: datetime) -> int:
    """Delete clinicians' notes removed longer ago than their group keeps removed content,
    and the moderators' copies of their text."""
    deleted = 0
    for group in SupportGroup.objects.all():
        expired = ClinicianNote.objects.filter(
            post__thread__group=group, removed_at__lt=retention_cutoff(group, now)
        )
        deleted += delete_notes(list(expired.values_list("pk", flat=True)))
    return deleted


def delete_notes(ids: list[int]) -> int:
    """Delete clinicians' notes with their earlier versions and the moderators' copies."""
    if not ids:
        return 0
    erase_texts_about(kind=CLINICIAN_NOTE.key, object_ids=ids)
    forget_confirmations(kind=CLINICIAN_NOTE.key, object_ids=ids)
    ClinicianNote.objects.filter(pk__in=ids).delete()
    return len(ids)


def erase_moderators_copies(now: datetime) -> None:
    """Blank the action log's copies of every post past its retention period, including
    posts erased earlier (when their author closed the account)."""
    kept = objects_with_texts(kind=FORUM_POST.key)
    posts = Post.objects.filter(pk__in=kept).select_related("thread__group")
    expired = [
        post.pk
        for post in posts
        if (moment := post.removed_at or post.deleted_at)
        and moment < retention_cutoff(post.thread.group, now)
    ]
    erase_texts_about(kind=FORUM_POST.key, object_ids=expired)


def register_privacy_hooks() -> None:
    sections = [
        ("forum.threads", _("Threads you started"), threads_started, None),
        ("forum.posts", _("Your posts"), posts_written, photos_uploaded),
        ("forum.revisions", _("Earlier versions of your posts"), revisions_written, None),
        ("forum.reactions", _("Your reactions"), reactions_given, None),
        ("forum.follows", _("Threads you follow"), threads_followed, None),
        ("forum.clinician_notes", _("Your clinician's notes"), notes_written, None),
        (
            "forum.note_revisions",
            _("Earlier versions of your clinician's notes"),
            note_revisions_written,
            None,
        ),
    ]
    for key, title, collect, files in sections:
        register_export_section(ExportSection(key, title, collect, files))
    register_eraser(Eraser("forum", erase_forum_data))
    register_purge(Purge("forum.removed_posts", purge_removed_posts))
