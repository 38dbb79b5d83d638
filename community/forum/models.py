"""Threads and posts inside a group, with revisions, images, reactions and read state.

Counters (posts, last activity, last poster, reaction counts) are denormalised and kept up to
date by the services, so list and thread pages never count rows per item.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.groups.models import SupportGroup


def posts_per_page() -> int:
    """How many posts a thread page shows (FORUM_POSTS_PER_PAGE)."""
    return settings.FORUM_POSTS_PER_PAGE


def page_for(number: int) -> int:
    """The page of a thread on which post `number` appears."""
    return (max(number, 1) - 1) // posts_per_page() + 1


class ThreadQuerySet(models.QuerySet):
    def for_list(self, user) -> "ThreadQuerySet":
        """Threads in list order, with the user's last-read post number for unread counts."""
        last_read = ReadState.objects.filter(user_id=user.pk, thread=OuterRef("pk")).values(
            "last_read_number"
        )[:1]
        return (
            self.select_related("last_poster")
            .annotate(last_read_number=Coalesce(Subquery(last_read), Value(0)))
            .annotate(unread_count=F("last_published_number") - F("last_read_number"))
            .order_by("-is_pinned", "-last_activity_at", "-pk")
        )

    def hiding_held_from(self, user) -> "ThreadQuerySet":
        """Without threads waiting for review, but the user's own (for those who do not
        review the group: only authors and reviewers see a held thread)."""
        return self.exclude(Q(is_held=True) & ~Q(author_id=user.pk))


class Thread(models.Model):
    # Set by the service that stored it when the words suggest a crisis (the view then
    # offers the writer support); False on rows read back, e.g. for a repeated submission.
    crisis = False
    group = models.ForeignKey(
        SupportGroup, on_delete=models.CASCADE, related_name="threads", verbose_name=_("group")
    )
    title = models.CharField(_("title"), max_length=150)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    is_anonymous = models.BooleanField(_("started anonymously"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    # Its first post waits for a moderator's approval: only its author and moderators see it.
    is_held = models.BooleanField(_("waiting for review"), default=False)
    # Denormalised, kept by the services:
    post_count = models.PositiveIntegerField(default=0)
    last_post_number = models.PositiveIntegerField(default=0)  # numbering, held posts included
    # The newest post everyone can read: unread counts never point at a held post.
    last_published_number = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    last_post_anonymous = models.BooleanField(default=False)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [models.Index(fields=["group", "-is_pinned", "-last_activity_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "forum:thread_detail", kwargs={"slug": self.group.slug, "thread_id": self.pk}
        )

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    @property
    def page_count(self) -> int:
        return page_for(self.last_post_number)


class Post(models.Model):
    # Set by the service that stored it when the words suggest a crisis (the view then
    # offers the writer support); False on rows read back, e.g. for a repeated submission.
    crisis = False
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Position in the thread, from 1, never reused: pages are ranges of numbers.
    number = models.PositiveIntegerField()
    body_source = models.TextField(_("text"))
    body_html = models.TextField()
    body_text = models.TextField()
    content_warning = models.CharField(_("content warning"), max_length=80, blank=True)
    is_anonymous = models.BooleanField(_("anonymous to peers"), default=False)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted by author"), null=True, blank=True)
    # Set by moderators (or the automatic safeguard); peers then see a placeholder.
    hidden_at = models.DateTimeField(_("hidden by moderators"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed by moderators"), null=True, blank=True)
    held_at = models.DateTimeField(_("waiting for review"), null=True, blank=True)
    # Why moderators removed or redacted it, shown to the author only.
    moderator_note = models.TextField(_("moderators' note to the author"), blank=True)
    # {"support": 3, "thanks": 1}: kept by the reaction service.
    reaction_counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["number"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="forum_post_number_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.number} in {self.thread_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_withheld(self) -> bool:
        """Hidden or removed by moderators: peers see a placeholder instead of the text."""
        return any(moment is not None for moment in (self.hidden_at, self.removed_at, self.held_at))

    @property
    def page_number(self) -> int:
        return page_for(self.number)


class PostRevision(models.Model):
    """One version of a post's text; the first is the original, each edit adds one."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body_source = models.TextField()
    body_html = models.TextField()
    content_warning = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Revision {self.pk} of post {self.post_id}"


class PostImage(models.Model):
    """A photo attached to a post: re-encoded without metadata, served only to members."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to="forum/%Y/%m/")
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of post {self.post_id}"


class ReactionKind(models.TextChoices):
    SUPPORT = "support", _("Support")
    THANKS = "thanks", _("Thank you")
    ME_TOO = "me_too", _("Me too")


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="forum_one_reaction")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on post {self.post_id}"


class ThreadFollow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_threads"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="forum_one_follow")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.thread_id}"


class ReadState(models.Model):
    """How far a member has read a thread: the highest post number they have seen."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    last_read_number = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="forum_one_read_state")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} to {self.last_read_number}"


class NoteStance(models.TextChoices):
    SUPPORTS = "supports", _("Supports what the post says")
    CORRECTS = "corrects", _("Corrects what the post says")
    CONTEXT = "context", _("Adds context")


class ClinicianNoteQuerySet(models.QuerySet):
    def shown_to(self, user, *, reviews: bool) -> "ClinicianNoteQuerySet":
        """Notes as a reader sees them under posts: one that moderators hid or removed only
        for its author and the group's reviewers."""
        notes = self.select_related("author").order_by("created_at", "pk")
        if reviews:
            return notes
        withheld = models.Q(hidden_at__isnull=False) | models.Q(removed_at__isnull=False)
        return notes.exclude(withheld & ~models.Q(author_id=user.pk))


class ClinicianNote(models.Model):
    """A verified clinician's word under a post: supports, corrects or adds context to it.

    One per clinician and post; a change adds a revision. Moderated like posts.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="clinician_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    stance = models.CharField(_("the note"), max_length=16, choices=NoteStance.choices)
    body_source = models.TextField(_("text"))
    body_html = models.TextField()
    body_text = models.TextField()
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden by moderators"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed by moderators"), null=True, blank=True)
    moderator_note = models.TextField(_("moderators' note to the author"), blank=True)

    objects = ClinicianNoteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("clinician's note")
        verbose_name_plural = _("clinicians' notes")
        constraints = [
            models.UniqueConstraint(fields=["post", "author"], name="forum_one_note_per_clinician")
        ]

    def __str__(self) -> str:
        return f"Note {self.pk} on post {self.post_id}"

    @property
    def is_withheld(self) -> bool:
        return self.hidden_at is not None or self.removed_at is not None


class ClinicianNoteRevision(models.Model):
    """One version of a note; the first is the original, each change adds one."""

    note = models.ForeignKey(ClinicianNote, on_delete=models.CASCADE, related_name="revisions")
    stance = models.CharField(max_length=16, choices=NoteStance.choices)
    body_source = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Revision {self.pk} of note {self.note_id}"
