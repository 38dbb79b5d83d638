"""Domain writes of the forum: threads, posts, revisions, reactions, follows, read state.

Each function checks the policy, validates (raising a translated ValidationError and
writing nothing), writes in one transaction and keeps the denormalised counters right.
"""

import uuid
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.groups.models import Membership, SupportGroup
from community.markup.render import (
    MAX_SOURCE_LENGTH,
    clean_source,
    render_markdown,
    without_controls,
)
from community.moderation.services import (
    follow_content_to_group,
    hold_for_review,
    withhold_for_review,
)
from community.notifications.services import notify_each
from community.privacy.models import AccessRecord
from community.privacy.services import record_access
from community.safety.personal_data import Confirmation
from community.safety.screening import act_on_screening, screen_text

from .images import CleanImage
from .mentions import mentioned_members
from .models import (
    ClinicianNote,
    Post,
    PostImage,
    PostRevision,
    Reaction,
    ReactionKind,
    ReadState,
    Thread,
    ThreadFollow,
)

TITLE_MIN, TITLE_MAX = 3, 150
REPLY, MENTION = "forum.reply", "forum.mention"  # notification kinds (registered in apps.py)
CONTENT_WARNING_MAX = 80
MAX_IMAGES_PER_POST = 4


def require(user, permission: str, obj) -> None:
    if not user.has_perm(permission, obj):
        raise PermissionDenied


def clean_title(title: str) -> str:
    title = " ".join(without_controls(title).split())
    if len(title) < TITLE_MIN:
        raise ValidationError(
            _("Please give the thread a title of at least %(min)d characters."),
            code="title_too_short",
            params={"min": TITLE_MIN},
        )
    if len(title) > TITLE_MAX:
        raise ValidationError(
            _("Please keep the title under %(max)d characters."),
            code="title_too_long",
            params={"max": TITLE_MAX},
        )
    return title


def clean_body(body: str) -> str:
    return clean_source(
        body,
        limit=MAX_SOURCE_LENGTH,
        empty=_("Please write something before posting."),
        too_long=_(
            "This text is %(length)d characters long; the limit is %(max)d. "
            "You could split it into two posts."
        ),
        code_prefix="body_",
    )


def clean_content_warning(label: str) -> str:
    label = " ".join(without_controls(label).split())
    if len(label) > CONTENT_WARNING_MAX:
        raise ValidationError(
            _("Please keep the content warning under %(max)d characters."),
            code="warning_too_long",
            params={"max": CONTENT_WARNING_MAX},
        )
    return label


def check_image_count(images: Sequence[CleanImage]) -> None:
    if len(images) > MAX_IMAGES_PER_POST:
        raise ValidationError(
            _("You can attach up to %(max)d photos to a post."),
            code="too_many_images",
            params={"max": MAX_IMAGES_PER_POST},
        )


def add_post(
    *,
    thread: Thread,
    author,
    body: str,
    content_warning: str,
    anonymous: bool,
    images: Sequence[CleanImage],
    personal_data: Confirmation | None,
) -> Post:
    """Append a post to a locked thread row and bring the thread's counters up to date.

    New words are screened first: a watched word may refuse them, personal details must be
    confirmed by the author, and pre-moderation may hold them for a moderator's approval
    (then nobody else sees or hears of them yet).
    """
    number = thread.last_post_number + 1
    words = words_of(body, content_warning, title=thread.title if number == 1 else "")
    screened = screen_text(
        group=thread.group,
        author=author,
        text=words,
        personal_data=personal_data,
        earlier_posts=Post.objects.filter(
            thread__group=thread.group, author=author, held_at__isnull=True
        ).count(),
    )
    rendered = render_markdown(body)
    now = timezone.now()
    post = Post.objects.create(
        held_at=now if screened.hold else None,
        thread=thread,
        author=author,
        number=number,
        body_source=body,
        body_html=rendered.html,
        body_text=rendered.text,
        content_warning=content_warning,
        is_anonymous=anonymous,
        created_at=now,
    )
    PostRevision.objects.create(
        post=post, body_source=body, body_html=rendered.html, content_warning=content_warning
    )
    # Held posts get their number but are not counted, nor shown as new, until approved.
    counters = {"last_post_number": number}
    if not screened.hold:
        counters.update(
            post_count=F("post_count") + 1,
            last_published_number=number,
            last_activity_at=now,
            last_poster=author,
            last_post_anonymous=anonymous,
        )
    elif number == 1:
        counters["is_held"] = True
    Thread.objects.filter(pk=thread.pk).update(**counters)
    ThreadFollow.objects.get_or_create(user=author, thread=thread)
    mark_own_post_read(user=author, thread=thread, number=number)
    moderation = {"kind": "forum.post", "object_id": post.pk, "group": thread.group}
    if not screened.hold:
        notify_about(post, thread)
    post.crisis = act_on_screening(
        screened,
        **moderation,
        author=author,
        withhold=lambda note: hold_for_review(**moderation, author=author, note=note),
    )
    # Last, so that nothing after the files are written can fail and leave them orphaned.
    attach_images(post, images)
    return post


def words_of(body: str, content_warning: str, *, title: str = "") -> str:
    """All that a member wrote in a post (and a new thread's title), as screening reads it."""
    return "\n".join(part for part in (title, content_warning, body) if part)


def notify_about(post: Post, thread: Thread) -> None:
    """Tell mentioned members, then followers of the thread (each person at most once);
    nobody hears of anything in a thread that still waits for review."""
    if thread.is_held:
        return
    common = {
        "group": thread.group,
        "actor": post.author,
        "actor_hidden": post.is_anonymous,
        "target": f"forum.post:{post.pk}",
        # Without the group's address in it: still right if the thread moves.
        "url": reverse("forum:post_link", kwargs={"post_id": post.pk}),
    }
    mentioned = [
        member
        for member in mentioned_members(post.body_source, thread.group)
        if member.pk != post.author_id
    ]
    notify_each(recipients=mentioned, kind=MENTION, **common)
    if post.number == 1:
        return
    told = {post.author_id, *(member.pk for member in mentioned)}
    followers = ThreadFollow.objects.filter(thread=thread).exclude(user_id__in=told)
    notify_each(
        recipients=[follow.user for follow in followers.select_related("user")],
        kind=REPLY,
        **common,
    )


def mark_own_post_read(*, user, thread: Thread, number: int) -> None:
    """Count the author's own new post as read, but only if they had read all before it:
    a reply that arrived while they were typing must still show as unread to them."""
    if number == 1:
        ReadState.objects.get_or_create(user=user, thread=thread, defaults={"last_read_number": 1})
        return
    ReadState.objects.filter(user=user, thread=thread, last_read_number__gte=number - 1).update(
        last_read_number=number, updated_at=timezone.now()
    )


def attach_images(post: Post, images: Sequence[CleanImage]) -> None:
    """Store the cleaned photos; if storing one fails, remove the files already written."""
    written: list[PostImage] = []
    try:
        for image in images:
            stored = PostImage(
                post=post, content_type=image.content_type, width=image.width, height=image.height
            )
            # A random name: the original file name may itself say something personal.
            stored.file.save(
                f"{uuid.uuid4().hex}.{image.extension}", ContentFile(image.content), save=False
            )
            written.append(stored)
            stored.save()
    except Exception:
        for stored in written:
            stored.file.delete(save=False)
        raise


@transaction.atomic
def create_thread(
    *,
    author,
    group: SupportGroup,
    title: str,
    body: str,
    content_warning: str = "",
    anonymous: bool = False,
    images: Sequence[CleanImage] = (),
    personal_data: Confirmation | None = None,
) -> Thread:
    """Start a thread with its first post; the author follows it."""
    require(author, "forum.start_thread", group)
    title, body = clean_title(title), clean_body(body)
    content_warning = clean_content_warning(content_warning)
    check_image_count(images)
    thread = Thread.objects.create(group=group, title=title, author=author, is_anonymous=anonymous)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    first = add_post(
        thread=thread,
        author=author,
        body=body,
        content_warning=content_warning,
        anonymous=anonymous,
        images=images,
        personal_data=personal_data,
    )
    thread.refresh_from_db()
    thread.crisis = first.crisis  # the view offers the writer support
    return thread


@transaction.atomic
def reply(
    *,
    author,
    thread: Thread,
    body: str,
    content_warning: str = "",
    anonymous: bool = False,
    images: Sequence[CleanImage] = (),
    personal_data: Confirmation | None = None,
) -> Post:
    """Add a reply to a thread; the author follows it."""
    body = clean_body(body)
    content_warning = clean_content_warning(content_warning)
    check_image_count(images)
    # Lock the thread row: two replies at once must get different numbers. Only that row
    # (of="self"): locking the joined group's row too made every reply in the group queue.
    locked = (
        Thread.objects.select_for_update(of=("self",)).select_related("group").get(pk=thread.pk)
    )
    require(author, "forum.reply", locked)
    return add_post(
        thread=locked,
        author=author,
        body=body,
        content_warning=content_warning,
        anonymous=anonymous,
        images=images,
        personal_data=personal_data,
    )


@transaction.atomic
def edit_post(
    *,
    editor,
    post: Post,
    body: str,
    content_warning: str = "",
    personal_data: Confirmation | None = None,
) -> Post:
    """Change a post's text, keeping the earlier version in its revision history; new
    personal details must be confirmed, as when posting."""
    require(editor, "forum.edit_post", post)
    if post.removed_at or post.hidden_at or post.moderator_note:
        # Otherwise an author could put back what moderators redacted or removed.
        raise ValidationError(
            _("Moderators have acted on this post, so it can no longer be edited."),
            code="moderated",
        )
    body = clean_body(body)
    content_warning = clean_content_warning(content_warning)
    if body == post.body_source and content_warning == post.content_warning:
        return post
    group = post.thread.group
    screened = screen_text(
        group=group,
        author=editor,
        text=words_of(body, content_warning),
        earlier=words_of(post.body_source, post.content_warning),
        personal_data=personal_data,
    )
    rewrite_post(post, body=body, content_warning=content_warning)
    moderation = {"kind": "forum.post", "object_id": post.pk, "group": group}

    def withhold(note: str) -> None:
        withhold_for_review(**moderation, author=editor, note=note)

    # An edit is screened as a new post is: what it brings in holds (the post is hidden
    # until a moderator looks), flags, or puts a crisis before the reviewers at once. A
    # post still waiting for approval is withheld already: a hold word only adds a flag.
    waiting = post.held_at is not None
    post.crisis = act_on_screening(
        screened, **moderation, author=editor, withhold=None if waiting else withhold
    )
    return post


def rewrite_post(post: Post, *, body: str, content_warning: str) -> None:
    """Store new text for a post and add it to the revision history (authors' edits and
    moderators' redactions alike); callers check who may do it."""
    rendered = render_markdown(body)
    post.body_source, post.body_html, post.body_text = body, rendered.html, rendered.text
    post.content_warning = content_warning
    post.edited_at = timezone.now()
    post.save(
        update_fields=["body_source", "body_html", "body_text", "content_warning", "edited_at"]
    )
    PostRevision.objects.create(
        post=post, body_source=body, body_html=rendered.html, content_warning=content_warning
    )


@transaction.atomic
def delete_post(*, actor, post: Post) -> Post:
    """Soft-delete your own post: readers see "deleted by author"; the history stays."""
    require(actor, "forum.delete_post", post)
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at"])
    refresh_last_poster(post.thread)
    return post


def approve_post(post: Post) -> None:
    """Publish a post that waited for review: peers see it, followers hear of it now."""
    post.held_at = None
    post.save(update_fields=["held_at"])
    thread = post.thread
    if post.number == 1:
        Thread.objects.filter(pk=thread.pk).update(is_held=False)
    Thread.objects.filter(pk=thread.pk).update(
        last_activity_at=timezone.now(),
        post_count=F("post_count") + 1,
        last_published_number=Greatest("last_published_number", post.number),
    )
    refresh_last_poster(thread)
    notify_about(post, thread)


def refresh_last_poster(thread: Thread) -> None:
    """Name the newest visible post's author as last poster, never a withheld post's."""
    latest = (
        thread.posts.filter(
            deleted_at__isnull=True,
            held_at__isnull=True,
            hidden_at__isnull=True,
            removed_at__isnull=True,
        )
        .order_by("-number")
        .first()
    )
    Thread.objects.filter(pk=thread.pk).update(
        last_poster=latest.author if latest else None,
        last_post_anonymous=latest.is_anonymous if latest else True,
    )


@transaction.atomic
def toggle_reaction(*, user, post: Post, kind: str, on: bool | None = None) -> bool:
    """Give or take back a reaction (`on`), or without `on` switch it; return on/off.

    Pages send the state the member chose (`on`), so a click sent twice changes nothing
    the second time.
    """
    if kind not in ReactionKind.values:
        raise ValidationError(_("Unknown reaction."), code="unknown_reaction")
    locked = (
        Post.objects.select_for_update(of=("self",)).select_related("thread__group").get(pk=post.pk)
    )
    require(user, "forum.react", locked)  # on the locked copy: it may just have been deleted
    given = Reaction.objects.filter(post=locked, user=user, kind=kind)
    if on is None:
        on = not given.exists()
    if on:
        Reaction.objects.get_or_create(post=locked, user=user, kind=kind)
    else:
        given.delete()
    recount_reactions(locked)
    post.reaction_counts = locked.reaction_counts
    return on


def recount_reactions(post: Post) -> None:
    """Count a post's reactions from the rows, so counts cannot drift (e.g. on erasure)."""
    post.reaction_counts = dict(
        Reaction.objects.filter(post=post)
        .values_list("kind")
        .annotate(count=Count("pk"))
        .values_list("kind", "count")
    )
    post.save(update_fields=["reaction_counts"])


@transaction.atomic
def set_following(*, user, thread: Thread, follow: bool) -> None:
    """Follow or unfollow a thread."""
    require(user, "forum.follow", thread)
    if follow:
        ThreadFollow.objects.get_or_create(user=user, thread=thread)
    else:
        ThreadFollow.objects.filter(user=user, thread=thread).delete()


def mark_read(
    *,
    user,
    thread: Thread,
    number: int,
    known: ReadState | None = None,
    looked_up: bool = False,
) -> None:
    """Remember that the member has read up to post `number`; at most one row is written.

    A caller that has already fetched the member's read state passes it as `known`, and
    `looked_up=True` when it found none, so that no UPDATE is tried on a row not there.
    """
    if known is not None:
        if known.last_read_number < number:
            ReadState.objects.filter(pk=known.pk, last_read_number__lt=number).update(
                last_read_number=number, updated_at=timezone.now()
            )
        return
    updated = 0
    if not looked_up:
        updated = ReadState.objects.filter(
            user=user, thread=thread, last_read_number__lt=number
        ).update(last_read_number=number, updated_at=timezone.now())
    if not updated:
        ReadState.objects.get_or_create(
            user=user, thread=thread, defaults={"last_read_number": number}
        )


@transaction.atomic
def mark_group_read(*, user, group: SupportGroup) -> int:
    """Mark every thread of the group as read for this member; return how many."""
    require(user, "forum.read", group)
    threads = list(Thread.objects.filter(group=group).values_list("pk", "last_published_number"))
    ReadState.objects.bulk_create(
        [
            ReadState(user=user, thread_id=pk, last_read_number=last, updated_at=timezone.now())
            for pk, last in threads
        ],
        update_conflicts=True,
        unique_fields=["user", "thread"],
        update_fields=["last_read_number", "updated_at"],
    )
    return len(threads)


@transaction.atomic
def set_thread_flags(
    *, moderator, thread: Thread, pinned: bool | None = None, locked: bool | None = None
) -> Thread:
    """Pin or unpin, lock or unlock a thread."""
    require(moderator, "forum.moderate", thread)
    # Only the flags asked for: a stale copy must not undo another moderator's change.
    changes = {"is_pinned": pinned, "is_locked": locked}
    changes = {field: value for field, value in changes.items() if value is not None}
    Thread.objects.filter(pk=thread.pk).update(**changes)
    thread.refresh_from_db(fields=["is_pinned", "is_locked"])
    return thread


@transaction.atomic
def move_thread(*, moderator, thread: Thread, target: SupportGroup) -> Thread:
    """Move a thread (with its posts) to another group the moderator also moderates."""
    require(moderator, "forum.moderate", thread)
    require(moderator, "forum.moderate", target)
    if target.pk == thread.group_id:
        raise ValidationError(_("The thread is already in that group."), code="same_group")
    if target.kind != thread.group.kind:
        # Patients' stories never move into a professional room, nor the other way round.
        raise ValidationError(
            _("Threads can only move between groups of the same kind."), code="other_kind"
        )
    thread.group = target
    thread.save(update_fields=["group"])
    # People outside the new group must not keep following it (nor hear of its replies).
    members = Membership.objects.filter(group=target, state__in=Membership.State.present()).values(
        "user_id"
    )
    ThreadFollow.objects.filter(thread=thread).exclude(user_id__in=members).delete()
    ReadState.objects.filter(thread=thread).exclude(user_id__in=members).delete()
    follow_content_to_group(
        kind="forum.post", object_ids=list(thread.posts.values_list("pk", flat=True)), group=target
    )
    return thread


@transaction.atomic
def reveal_author(*, viewer, post: Post):
    """Show a moderator who wrote an anonymous post, and record that they looked."""
    require(viewer, "forum.moderate", post)
    record_access(
        viewer=viewer,
        subject=post.author,
        reason=AccessRecord.Reason.REVEAL_ANONYMOUS_AUTHOR,
        target=post,
        group_id=post.thread.group_id,
    )
    return post.author


@transaction.atomic
def record_history_view(*, viewer, post: Post, note: ClinicianNote | None = None) -> None:
    """Let a moderator read the earlier versions of a post, or of a clinician's note under
    it, and record that they did."""
    require(viewer, "forum.moderate", post)
    content = note or post
    record_access(
        viewer=viewer,
        subject=content.author,
        reason=AccessRecord.Reason.VIEW_REVISIONS,
        target=content,
        group_id=post.thread.group_id,
    )
