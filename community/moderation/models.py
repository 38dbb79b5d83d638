"""Flags, the review queue's items, and the append-only log of moderators' actions."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.groups.models import SupportGroup
from community.privacy.models import AppendOnlyModel

# How screening names why something was held (see held_reason_display).
WATCHED_WORD_PREFIX, PREMODERATION = "Watched word: ", "Pre-moderation"
# A claim lapses after this, so an abandoned item returns to the queue.
CLAIM_EXPIRES = timedelta(minutes=30)


class Reason(models.TextChoices):
    CRISIS = "crisis", _("Someone may be in crisis")
    UNSAFE = "unsafe", _("Unsafe or harmful advice")
    MISINFORMATION = "misinformation", _("Misinformation")
    THIRD_PARTY = "third_party", _("Shares someone else's personal information")
    HARASSMENT = "harassment", _("Harassment")
    SPAM = "spam", _("Spam")
    OTHER = "other", _("Other")
    # Not a concern about the member: a request for a clinician's word beside the post.
    HEALTH_CLAIM = "health_claim", _("A health claim a clinician should check")

    @classmethod
    def concerns(cls) -> list[tuple[str, str]]:
        """The reasons that count as concerns (towards hiding, for moderators)."""
        return [(value, label) for value, label in cls.choices if value != cls.HEALTH_CLAIM]


class ModerationItemQuerySet(models.QuerySet):
    def in_queue_order(self) -> "ModerationItemQuerySet":
        """Crisis first, then by number of flags, then oldest first."""
        return self.order_by("-crisis", "-flag_count", "created_at", "pk")

    def for_clinicians(self) -> "ModerationItemQuerySet":
        """The clinicians' lane: health claims and escalations still waiting for a clinician,
        whatever the moderators' state, oldest request first."""
        return self.filter(
            clinician_asked_at__isnull=False, clinician_answered_at__isnull=True
        ).order_by("clinician_asked_at", "pk")

    def open_counts_per_group(self):
        """Per group with open items: how many, how many crisis, how many held (counts only,
        no content, so staff may see them); crisis first. Staff's overview and home page."""
        return (
            self.filter(state=ModerationItem.State.OPEN)
            .values("group__name", "group__slug")
            .annotate(
                open=models.Count("pk"),
                crisis=models.Count("pk", filter=models.Q(crisis=True)),
                held=models.Count("pk", filter=models.Q(held=True)),
            )
            .order_by("-crisis", "-open", "group__name")
        )


class ModerationItem(models.Model):
    """One piece of content under review, with all its flags.

    `state` is the moderators' business only. The clinicians' lane (a clinician's word asked
    for, then given) runs beside it, so neither closes or reopens the other's work.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        # Only a clinician's word was ever asked for: nothing for the moderators to do.
        CLEAR = "clear", _("Nothing for moderators")

    kind = models.CharField(max_length=64)
    object_id = models.PositiveBigIntegerField()
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    flag_count = models.PositiveIntegerField(default=0)
    crisis = models.BooleanField(default=False)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    first_action_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    escalated = models.BooleanField(default=False)
    # A member marked a health claim, or a moderator escalated: a clinician's word is asked
    # for, until a clinician adds a note or decides none is needed (state is not touched).
    clinician_asked_at = models.DateTimeField(null=True, blank=True)
    clinician_answered_at = models.DateTimeField(null=True, blank=True)
    # Held back by pre-moderation or a watched word: waits for a moderator's approval.
    held = models.BooleanField(default=False)
    held_reason = models.CharField(max_length=200, blank=True)
    # The moderator whose decision it was, so that an appeal goes to someone else.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    appealed_at = models.DateTimeField(null=True, blank=True)
    appeal_message = models.TextField(blank=True)

    objects = ModerationItemQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="moderation_one_item")
        ]
        indexes = [models.Index(fields=["group", "state"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} ({self.state})"

    @property
    def appeal_pending(self) -> bool:
        """The member appealed, and nobody has decided the appeal yet."""
        if self.appealed_at is None:
            return False
        return not self.actions.filter(action__in=ModerationAction.APPEAL_VERDICTS).exists()

    @property
    def target(self) -> str:
        return f"{self.kind}:{self.object_id}"

    @property
    def held_reason_display(self) -> str:
        """Why it waits, in the reader's language (stored in a fixed English form)."""
        word = self.held_reason.removeprefix(WATCHED_WORD_PREFIX)
        if word != self.held_reason:
            return _("Watched word: %(phrase)s") % {"phrase": word}
        if self.held_reason == PREMODERATION:
            return _("Pre-moderation")
        return self.held_reason

    @property
    def waits_for_clinician(self) -> bool:
        return self.clinician_asked_at is not None and self.clinician_answered_at is None

    @property
    def active_claimant(self):
        """Who is working on it now (a claim lapses after CLAIM_EXPIRES)."""
        if self.claimed_at is None or self.claimed_at < timezone.now() - CLAIM_EXPIRES:
            return None
        return self.claimed_by


class Flag(models.Model):
    item = models.ForeignKey(ModerationItem, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # One concern per member and item, and apart from it one health-claim mark.
            models.UniqueConstraint(
                fields=["item", "reporter"],
                condition=~models.Q(reason="health_claim"),
                name="moderation_one_flag",
            ),
            models.UniqueConstraint(
                fields=["item", "reporter"],
                condition=models.Q(reason="health_claim"),
                name="moderation_one_health_claim_mark",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} on {self.item_id}"


class ModerationAction(AppendOnlyModel):
    """What a moderator (or an automatic safeguard) did, to what, why: never changed."""

    class Action(models.TextChoices):
        KEEP = "keep", _("Kept (flags dismissed)")
        HIDE = "hide", _("Hidden")
        UNHIDE = "unhide", _("Shown again")
        AUTO_HIDE = "auto_hide", _("Hidden automatically after several flags")
        REMOVE = "remove", _("Removed")
        REDACT = "redact", _("Redacted")
        WARN = "warn", _("Warned the member")
        MUTE = "mute", _("Muted the member")
        REMOVE_MEMBER = "remove_member", _("Removed the member from the group")
        ESCALATE = "escalate", _("Asked a clinician to look")
        APPEAL = "appeal", _("The member appealed")
        APPROVE = "approve", _("Approved (was waiting for review)")
        CLINICIAN_NOTE = "clinician_note", _("A clinician added a note")
        NO_NOTE_NEEDED = "no_note_needed", _("A clinician found no note needed")
        HELD_AFTER_EDIT = "held_after_edit", _("Hidden for review after an edit")
        APPEAL_UPHELD = "appeal_upheld", _("The decision was upheld on appeal")
        APPEAL_GRANTED = "appeal_granted", _("The decision was reversed on appeal")
        SUPPORT_OFFERED = "support_offered", _("Offered the member support")

    # Decisions against a member, which they may appeal (once per item).
    APPEALABLE = (
        Action.HIDE,
        Action.REMOVE,
        Action.REDACT,
        Action.WARN,
        Action.MUTE,
        Action.REMOVE_MEMBER,
    )
    # How an appeal is answered; while one waits, these are the only decisions.
    APPEAL_VERDICTS = (Action.APPEAL_UPHELD, Action.APPEAL_GRANTED)

    item = models.ForeignKey(
        ModerationItem, on_delete=models.SET_NULL, null=True, related_name="actions"
    )
    # PROTECT: deleting a group must not silently delete its moderation record.
    group = models.ForeignKey(SupportGroup, on_delete=models.PROTECT, related_name="+")
    # PROTECT: accounts are closed and scrubbed, never deleted; a deleted user row would
    # otherwise rewrite the log (which the database refuses on PostgreSQL).
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # The member the action was about (the content's author): they can read its reason.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="moderation_notices",
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    target = models.CharField(max_length=64)
    reason = models.TextField(blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    # A redaction keeps no copy of what it removed (`before` stays empty): only how much.
    redacted_characters = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"


class GroupRules(models.Model):
    """A group's automatic safeguards (staff set them in the admin; defaults apply without)."""

    group = models.OneToOneField(
        SupportGroup, on_delete=models.CASCADE, related_name="moderation_rules"
    )
    auto_hide_after_flags = models.PositiveSmallIntegerField(
        _("hide content flagged by this many members"), default=3
    )
    premoderate_first_posts = models.PositiveSmallIntegerField(
        _("hold a new member's first posts for review"), default=1
    )
    premoderate_everyone = models.BooleanField(_("hold every post for review"), default=False)

    class Meta:
        verbose_name = _("group moderation rules")
        verbose_name_plural = _("group moderation rules")

    def __str__(self) -> str:
        return f"Rules of {self.group}"

    @classmethod
    def for_group(cls, group: SupportGroup) -> "GroupRules":
        """The group's rules, or unsaved defaults."""
        return cls.objects.filter(group=group).first() or cls(group=group)


class WatchedWord(models.Model):
    class Response(models.TextChoices):
        BLOCK = "block", _("Refuse the post")
        HOLD = "hold", _("Hold the post for review")
        FLAG = "flag", _("Publish, and flag it for moderators")

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="+")
    phrase = models.CharField(_("word or phrase"), max_length=100)
    response = models.CharField(max_length=8, choices=Response.choices, default=Response.HOLD)

    class Meta:
        verbose_name = _("watched word")
        verbose_name_plural = _("watched words")
        constraints = [
            models.UniqueConstraint(fields=["group", "phrase"], name="moderation_one_word")
        ]

    def __str__(self) -> str:
        return self.phrase


class SupportMessage(models.Model):
    """A private, supportive word from a moderator to the member whose words are under
    review: one-to-one, kept, seen by the member and by the group's reviewers only."""

    item = models.ForeignKey(
        ModerationItem, on_delete=models.SET_NULL, null=True, related_name="support_messages"
    )
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="+")
    # Accounts are closed and scrubbed, not deleted; retention removes the rows.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="support_messages",
    )
    body_source = models.TextField(_("message"))
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message from a moderator")
        verbose_name_plural = _("messages from moderators")

    def __str__(self) -> str:
        return f"Support message {self.pk} in {self.group_id}"
