"""Consent documents in versions, and the append-only ledger of who agreed to which."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.privacy.models import AppendOnlyModel


class Kind(models.TextChoices):
    GUIDELINES = "guidelines", _("Community guidelines")
    PRIVACY = "privacy", _("Privacy notice")
    RESEARCH = "research", _("Research use of de-identified content")
    KNOWLEDGE_BANK = "knowledge_bank", _("Quoting in the group's knowledge bank")


# Without these a member may use nothing; the others are asked for and may be refused.
REQUIRED_KINDS = (Kind.GUIDELINES, Kind.PRIVACY)


class ConsentDocumentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def in_force(self, now=None):
        """Published versions whose effective date has come."""
        return self.published().filter(effective_at__lte=now or timezone.now())


class ConsentDocument(models.Model):
    """One version of one document in one language. Published versions never change."""

    kind = models.CharField(_("document"), max_length=32, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("text"), help_text=_("Markdown: **bold**, lists, links."))
    summary_of_changes = models.TextField(
        _("what changed"),
        blank=True,
        help_text=_("Shown to members who accepted an earlier version. Plain words, briefly."),
    )
    effective_at = models.DateTimeField(
        _("in force from"),
        default=timezone.now,
        help_text=_("Members are asked to accept this version from this moment."),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ConsentDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-version", "language"]
        verbose_name = _("consent document")
        verbose_name_plural = _("consent documents")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version", "language"], name="consent_document_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.language})"

    def get_absolute_url(self) -> str:
        return reverse(
            "consent:document_version", kwargs={"kind": self.kind, "version": self.version}
        )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_required(self) -> bool:
        return self.kind in REQUIRED_KINDS


class ConsentRecord(AppendOnlyModel):
    """A member granted or withdrew one version of a document: written once, kept for good.

    On PostgreSQL a trigger refuses UPDATE and DELETE too (migration 0002), so not even raw
    SQL can rewrite what someone agreed to. A closed account keeps its rows: the user row
    left behind is scrubbed to a pseudonymous id, which is all the proof needs.
    """

    class Decision(models.TextChoices):
        GRANTED = "granted", _("Granted")
        DECLINED = "declined", _("Declined")  # asked, and said no (optional kinds only)
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Method(models.TextChoices):
        SIGN_UP = "sign_up", _("When joining")
        ACCEPTANCE_PAGE = "acceptance_page", _("On the page asking for acceptance")
        SETTINGS = "settings", _("In the member's consent settings")
        ACCOUNT_CLOSED = "account_closed", _("Account closed")
        DEMO = "demo", _("Demo data")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consent_records"
    )
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="+")
    # Copied from the document so the member's current state is one indexed query.
    kind = models.CharField(max_length=32, choices=Kind.choices)
    version = models.PositiveIntegerField()
    decision = models.CharField(max_length=16, choices=Decision.choices)
    method = models.CharField(max_length=32, choices=Method.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [models.Index(fields=["user", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.decision} {self.kind} v{self.version}"
