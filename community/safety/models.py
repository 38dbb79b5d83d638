"""What authors answered when warned about personal details in what they wrote."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .personal_data import Answer


class PersonalDataConfirmation(models.Model):
    """An author confirmed that the personal details in their content may be shared.

    Kept beside the content (by its moderation kind and id), naming only the kinds of
    detail found, never the details themselves.
    """

    kind = models.CharField(max_length=64)  # "forum.post", "chat.message", "qa.question"
    object_id = models.PositiveBigIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(_("answer"), max_length=16, choices=Answer.choices)
    found = models.JSONField(_("kinds of detail found"), default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["kind", "object_id"])]
        verbose_name = _("personal-data confirmation")
        verbose_name_plural = _("personal-data confirmations")

    def __str__(self) -> str:
        return f"{self.answer} for {self.kind}:{self.object_id}"
