"""Conditions, the closed support groups for them, who belongs, and invitations to join."""

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Condition(models.Model):
    """A long-term health condition that groups are organised around."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")

    def __str__(self) -> str:
        return self.name


class SupportGroupQuerySet(models.QuerySet):
    def joined_by(self, user) -> "SupportGroupQuerySet":
        """Groups in which the user is a current (active or muted) member."""
        if not user.is_authenticated:
            return self.none()
        # A subquery, not a join: a join would also filter the member counts to this user.
        joined = Membership.objects.filter(
            user_id=user.pk, state__in=Membership.State.present()
        ).values("group_id")
        return self.filter(pk__in=joined)

    def with_member_count(self) -> "SupportGroupQuerySet":
        return self.annotate(
            member_count=models.Count(
                "memberships",
                filter=Q(memberships__state__in=Membership.State.present()),
                distinct=True,
            )
        )


class SupportGroup(models.Model):
    """An invite-only group of people living with (or treating) one condition."""

    class Kind(models.TextChoices):
        PATIENT = "patient", _("Patient group")
        PROFESSIONAL = "professional", _("Professional group (verified clinicians only)")

    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, related_name="groups", verbose_name=_("condition")
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PATIENT)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    email_name = models.CharField(
        _("name in e-mails"),
        max_length=60,
        blank=True,
        help_text=_(
            "How e-mails refer to this group, e.g. “Tuesday group”. Must not reveal the "
            "condition: e-mails can be read by others. Empty: “one of your groups”."
        ),
    )
    # Retention (docs/retention.md): the purge job in privacy deletes what is older.
    chat_retention_days = models.PositiveIntegerField(
        _("keep chat messages for (days)"),
        default=365,
        validators=[MinValueValidator(1)],
        help_text=_("Chat messages older than this are deleted for good."),
    )
    removed_content_retention_days = models.PositiveIntegerField(
        _("keep removed content for (days)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Posts deleted by their authors or removed by moderators keep their text this "
            "long (for appeals and review), then it is erased."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SupportGroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("support group")
        verbose_name_plural = _("support groups")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:detail", kwargs={"slug": self.slug})

    def reading_along(self) -> dict[str, list]:
        """Who keeps the group safe, for its members to know (one query): its moderators
        (group admins included) and its verified clinicians, as users, by display name."""
        memberships = (
            Membership.objects.filter(
                group_id=self.pk,
                state__in=Membership.State.present(),
                role__in=Role.privileged(),
            )
            .select_related("user")
            .order_by("user__display_name")
        )
        people: dict[str, list] = {"moderators": [], "clinicians": []}
        for membership in memberships:
            if not membership.user.is_active:
                continue
            if membership.role != Role.CLINICIAN:
                people["moderators"].append(membership.user)
            # A clinician whose verification was revoked keeps the title, not the role.
            elif membership.user.is_verified_clinician:
                people["clinicians"].append(membership.user)
        return people

    def clean(self) -> None:
        """Refuse an e-mail name that would tell an inbox's readers the condition."""
        from django.core.exceptions import ValidationError

        label = self.email_name.strip().lower()
        if not label:
            return
        revealing = {self.name.lower(), self.slug.lower()}
        if self.condition_id:
            revealing.add(self.condition.name.lower())
        if any(word and word in label for word in revealing) or label in revealing:
            raise ValidationError(
                {
                    "email_name": _(
                        "Choose a name that does not reveal the group or its condition, "
                        "e.g. “Tuesday group”."
                    )
                }
            )

    @property
    def is_professional(self) -> bool:
        return self.kind == self.Kind.PROFESSIONAL


class Role(models.TextChoices):
    """What a member may do in a group, in increasing order of trust."""

    MEMBER = "member", _("Member")
    MODERATOR = "moderator", _("Moderator")
    CLINICIAN = "clinician", _("Clinician")
    GROUP_ADMIN = "group_admin", _("Group admin")

    @classmethod
    def privileged(cls) -> list[str]:
        return [cls.MODERATOR, cls.CLINICIAN, cls.GROUP_ADMIN]


class Membership(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        MUTED = "muted", _("Muted (can read, not write)")
        REMOVED = "removed", _("Removed")

        @classmethod
        def present(cls) -> list[str]:
            """States in which the person still belongs to the group and may read it."""
            return [cls.ACTIVE, cls.MUTED]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ACTIVE)
    # A mute for a chosen time ends by itself; no task needs to lift it.
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="groups_one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.role}, {self.state})"

    @property
    def is_muted_now(self) -> bool:
        if self.state != self.State.MUTED:
            return False
        return self.muted_until is None or self.muted_until > timezone.now()


def hash_token(token: str) -> str:
    """Hash an invitation token; only the hash is ever stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """Make an invitation token with 256 bits of randomness."""
    return secrets.token_urlsafe(32)


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def to_send(self, now, lease) -> "InvitationQuerySet":
        """Pending invitations whose e-mail has not gone out and that no worker is sending
        now (a claim older than `lease` belongs to a worker that died)."""
        return (
            self.pending()
            .filter(email_sent_at__isnull=True)
            .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - lease))
        )


class Invitation(models.Model):
    """A single-use, expiring, revocable invitation of one e-mail address to one group."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    email = models.EmailField(_("e-mail address"))
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    # The invitee's language: the e-mail is written in it and the sign-up page opens in it.
    # Blank (invitations made before it was asked): the group's language.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="invitations_sent",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    email_sent_at = models.DateTimeField(_("e-mail sent"), null=True, blank=True)
    # Set while a worker sends the e-mail; one that died mid-send leaves it to lapse.
    email_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"Invitation #{self.pk} to {self.group}"

    @property
    def invitee_language(self) -> str:
        return self.language or self.group.language

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label
