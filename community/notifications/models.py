"""Notifications: rows written with their cause; delivery (bell, socket, e-mail) follows."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.groups.models import SupportGroup

from .kinds import Email


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user) -> "NotificationQuerySet":
        return self.filter(recipient_id=user.pk)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Shown instead of the actor's name when they acted anonymously to peers.
    actor_hidden = models.BooleanField(default=False)
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, null=True, related_name="+")
    # What it is about, as "app.model:id", and where to go; the target page applies the
    # policy again, so someone who has left the group gets a 404, not the content.
    target = models.CharField(max_length=64, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail: decided when the row is written (the member's choice for this kind then).
    email = models.CharField(max_length=16, choices=Email.CHOICES, default=Email.NEVER)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker is sending; see tasks.claimable().
    email_claimed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email", "emailed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class EmailPreference(models.Model):
    """A member's choice of e-mail for one kind; no row means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(max_length=64)
    email = models.CharField(max_length=16, choices=Email.CHOICES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notifications_one_preference")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} → {self.email}"
