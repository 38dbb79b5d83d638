"""Clinician-hosted Q&A sessions: questions, votes, answers, and the group's knowledge bank."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.groups.models import SupportGroup


class QASession(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open for questions")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")
        ARCHIVED = "archived", _("Archived")

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="qa_sessions")
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    state = models.CharField(max_length=16, choices=State.choices, default=State.SCHEDULED)
    hosts = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="hosted_sessions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("qa:session", kwargs={"slug": self.group.slug, "session_id": self.pk})

    @property
    def takes_questions(self) -> bool:
        return self.state in (self.State.OPEN, self.State.LIVE)


class RSVP(models.Model):
    session = models.ForeignKey(QASession, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="qa_one_rsvp")]

    def __str__(self) -> str:
        return f"{self.user_id} comes to {self.session_id}"


class Question(models.Model):
    # Set by the service that stored it when the words suggest a crisis (the view then
    # offers the writer support); False on rows read back, e.g. for a repeated submission.
    crisis = False

    class State(models.TextChoices):
        OPEN = "open", _("Waiting")
        ANSWERING = "answering", _("Being answered now")
        ANSWERED = "answered", _("Answered")
        MERGED = "merged", _("Merged with a similar question")
        DISMISSED = "dismissed", _("Not answered")

    session = models.ForeignKey(QASession, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    is_anonymous = models.BooleanField(_("anonymous to other members"), default=False)
    body_source = models.TextField(_("question"))
    body_html = models.TextField()
    body_text = models.TextField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    vote_count = models.PositiveIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    dismissed_reason = models.CharField(max_length=300, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-vote_count", "created_at"]

    def __str__(self) -> str:
        return f"question {self.pk} in session {self.session_id}"


class Vote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "user"], name="qa_one_vote")]

    def __str__(self) -> str:
        return f"{self.user_id} votes for {self.question_id}"


class Answer(models.Model):
    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="answer")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body_source = models.TextField(_("answer"))
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"answer to {self.question_id}"


class Reminder(models.Model):
    """One reminder of one kind to one member about one session: the row is the proof it
    was sent, so a second run of the job sends nothing."""

    class Kind(models.TextChoices):
        DAY = "day", _("A day before")
        HOUR = "hour", _("An hour before")

    session = models.ForeignKey(QASession, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user", "kind"], name="qa_one_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder of {self.session_id} to {self.user_id}"


class KnowledgeEntry(models.Model):
    """A reviewed resource for the group's condition: a clinician's page, or an answer."""

    group = models.ForeignKey(
        SupportGroup, on_delete=models.CASCADE, related_name="knowledge_entries"
    )
    title = models.CharField(_("title"), max_length=150)
    body_source = models.TextField(_("text"))
    body_html = models.TextField()
    source_question = models.ForeignKey(
        Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The member's words, only while they consent to being quoted; else the clinician's.
    quoted_question = models.TextField(blank=True)
    paraphrase = models.TextField(_("the question in your own words"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    last_reviewed_at = models.DateTimeField(_("last reviewed"), default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "knowledge entries"

    def __str__(self) -> str:
        return self.title
