"""Live chat rooms and their messages. The database is the source of truth: a message that
is not stored here was never sent; the channel layer only fans stored messages out."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.groups.models import SupportGroup


class ChatRoom(models.Model):
    """A room in a group: the group's own, or (later) one per Q&A session."""

    class Kind(models.TextChoices):
        GROUP = "group", _("Group chat")
        SESSION = "session", _("Q&A session")

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="chat_rooms")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.GROUP)
    title = models.CharField(_("title"), max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The number of the room's latest change (a message sent, edited, deleted, moderated).
    # Changes are numbered without gaps, so a client that sees a number skip knows it missed
    # a broadcast and asks for a replay (docs/chat.md).
    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group"], condition=Q(kind="group"), name="chat_one_room_per_group"
            )
        ]

    def __str__(self) -> str:
        return self.title or f"{self.group} chat"

    def get_absolute_url(self) -> str:
        return reverse("chat:room", kwargs={"slug": self.group.slug})


class ChatMessageQuerySet(models.QuerySet):
    def shown_to_peers(self):
        """Messages peers see with their text (not deleted, hidden or removed)."""
        return self.filter(deleted_at__isnull=True, hidden_at__isnull=True, removed_at__isnull=True)


class ChatMessage(models.Model):
    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Chosen by the sender's browser: sending the same id again (a retry after a dropped
    # connection) finds the stored message instead of making a second one.
    client_id = models.CharField(max_length=64)
    body_source = models.TextField(_("message"))
    body_html = models.TextField()
    body_text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    moderator_note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The room's number of this message's latest change (ChatRoom.last_seq): a replay sends
    # every message whose seq is above the last one the client saw.
    seq = models.PositiveBigIntegerField(default=0)

    objects = ChatMessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "author", "client_id"], name="chat_message_client_id_unique"
            )
        ]
        indexes = [models.Index(fields=["room", "seq"], name="chat_message_room_seq")]

    def __str__(self) -> str:
        return f"message {self.pk} in room {self.room_id}"

    @property
    def is_withheld(self) -> bool:
        return self.hidden_at is not None or self.removed_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
