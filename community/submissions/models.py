"""A sent form, remembered by the key it carried, with what it created.

Every form that creates something carries a one-time key (rendered by the
`{% submission_key_field %}` tag). The first request with a key stores a Submission in the
same transaction as what it created; a repeat of the key (a double click, a retry on a slow
phone, a resend after a lost response) finds it and gets that first result back, so nothing
is stored, notified or e-mailed twice.
"""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

KEY_MAX_LENGTH = 80
# Keys of forms sent without one (an old page, a script): a fingerprint of the request.
FINGERPRINT_PREFIX = "auto:"


class Submission(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=KEY_MAX_LENGTH)
    # What the first request created, as "app_label.ModelName" and its id (a label, not a
    # content-type row: nothing to keep in step with a cache of them).
    created_model = models.CharField(max_length=100, blank=True)
    object_id = models.PositiveBigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["author", "key"], name="one_submission_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} by {self.author_id}"

    def created_object(self) -> models.Model | None:
        """What the first request created, if it was a row and still exists."""
        if not self.created_model or self.object_id is None:
            return None
        try:
            model = apps.get_model(self.created_model)
        except (LookupError, ValueError):  # a model that no longer exists
            return None
        return model._default_manager.filter(pk=self.object_id).first()
