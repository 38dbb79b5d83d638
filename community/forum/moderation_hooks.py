"""How moderation acts on forum posts and clinicians' notes (registered with the moderation
app in ready())."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.moderation.registry import ModeratedKind

from .clinician_notes import NOTE_KIND, store_note
from .models import ClinicianNote, Post
from .services import approve_post, refresh_last_poster, rewrite_post


def get_post(post_id: int) -> Post | None:
    return Post.objects.select_related("thread__group", "author").filter(pk=post_id).first()


def get_posts(post_ids: list[int]) -> dict[int, Post]:
    return Post.objects.select_related("thread__group", "author").in_bulk(post_ids)


# How many posts before and after a reviewed one its item page shows.
CONTEXT_POSTS = 2


def posts_around(post: Post) -> list[tuple[str, str, bool]]:
    """The few posts before and after it in its thread (one query), as moderators see them."""
    around = (
        Post.objects.filter(
            thread_id=post.thread_id,
            number__gte=post.number - CONTEXT_POSTS,
            number__lte=post.number + CONTEXT_POSTS,
            deleted_at__isnull=True,
        )
        .select_related("author")
        .order_by("number")
    )
    return [(name_of(other), other.body_html, other.pk == post.pk) for other in around]


def name_of(post: Post) -> str:
    if post.is_anonymous:
        return str(_("Anonymous member"))
    return post.author.public_name if post.author else str(_("Former member"))


def set_hidden(post: Post, hidden: bool) -> None:
    post.hidden_at = timezone.now() if hidden else None
    post.save(update_fields=["hidden_at"])
    refresh_last_poster(post.thread)


def remove(post: Post, reason: str) -> None:
    post.removed_at = timezone.now()
    post.moderator_note = reason
    post.save(update_fields=["removed_at", "moderator_note"])
    refresh_last_poster(post.thread)


def reinstate(post: Post) -> None:
    post.removed_at, post.hidden_at, post.moderator_note = None, None, ""
    post.save(update_fields=["removed_at", "hidden_at", "moderator_note"])
    refresh_last_poster(post.thread)


def redact(post: Post, source: str, reason: str) -> None:
    """Replace the text everywhere it is kept: what a moderator redacted (a third party's
    details, say) must not live on in the revision history, so only the redacted version
    stays there."""
    rewrite_post(post, body=source, content_warning=post.content_warning)
    post.moderator_note = reason
    post.save(update_fields=["moderator_note"])
    forget_earlier_versions(post)


def forget_earlier_versions(content: Post | ClinicianNote) -> None:
    """Keep only the newest version in a post's or a note's revision history."""
    newest = content.revisions.order_by("-pk").values_list("pk", flat=True).first()
    content.revisions.exclude(pk=newest).delete()


FORUM_POST = ModeratedKind(
    key="forum.post",
    label=_("Forum post"),
    get=get_post,
    group_of=lambda post: post.thread.group,
    author_of=lambda post: post.author,
    text_of=lambda post: post.body_source,
    html_of=lambda post: post.body_html,
    url_of=lambda post: reverse("forum:post_link", kwargs={"post_id": post.pk}),
    set_hidden=set_hidden,
    remove=remove,
    redact=redact,
    approve=approve_post,
    reinstate=reinstate,
    open_to_notes=lambda post: not post.is_deleted and not post.is_withheld,
    get_many=get_posts,
    warning_of=lambda post: post.content_warning,
    anonymous_of=lambda post: post.is_anonymous,
    context_of=posts_around,
    note_url_of=lambda post: reverse(
        "forum:clinician_note", kwargs={"slug": post.thread.group.slug, "post_id": post.pk}
    ),
)


def get_note(note_id: int) -> ClinicianNote | None:
    return (
        ClinicianNote.objects.select_related("post__thread__group", "author")
        .filter(pk=note_id)
        .first()
    )


def set_note_hidden(note: ClinicianNote, hidden: bool) -> None:
    note.hidden_at = timezone.now() if hidden else None
    note.save(update_fields=["hidden_at"])


def remove_note(note: ClinicianNote, reason: str) -> None:
    note.removed_at, note.moderator_note = timezone.now(), reason
    note.save(update_fields=["removed_at", "moderator_note"])


def reinstate_note(note: ClinicianNote) -> None:
    note.removed_at, note.hidden_at, note.moderator_note = None, None, ""
    note.save(update_fields=["removed_at", "hidden_at", "moderator_note"])


def redact_note(note: ClinicianNote, source: str, reason: str) -> None:
    """As for posts: only the redacted version stays in the note's history."""
    store_note(note, note.stance, source)
    note.moderator_note = reason
    note.save(update_fields=["moderator_note"])
    forget_earlier_versions(note)


def never_held(note: ClinicianNote) -> None:
    """Notes are published at once (by verified clinicians): nothing to approve."""


CLINICIAN_NOTE = ModeratedKind(
    key=NOTE_KIND,
    label=_("Clinician's note"),
    get=get_note,
    group_of=lambda note: note.post.thread.group,
    author_of=lambda note: note.author,
    text_of=lambda note: note.body_source,
    html_of=lambda note: note.body_html,
    url_of=lambda note: reverse("forum:post_link", kwargs={"post_id": note.post_id}),
    set_hidden=set_note_hidden,
    remove=remove_note,
    redact=redact_note,
    approve=never_held,
    reinstate=reinstate_note,
    get_many=lambda note_ids: ClinicianNote.objects.select_related(
        "post__thread__group", "author"
    ).in_bulk(note_ids),
)
