"""Writes of the consent app: drafting and publishing documents, and the ledger."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from config.outages import after_commit

from .listeners import announce_publication, announce_withdrawal
from .models import REQUIRED_KINDS, ConsentDocument, ConsentRecord
from .state import current_versions, document_for, forget_member, granted_versions, has_consent


def require_manager(user) -> None:
    if not user.has_perm("consent.manage_documents"):
        raise PermissionDenied


def next_version(kind: str) -> int:
    """The number a new version of `kind` gets: one past the highest published."""
    highest = ConsentDocument.objects.published().filter(kind=kind).aggregate(v=Max("version"))
    return (highest["v"] or 0) + 1


@transaction.atomic
def save_draft(
    *,
    author,
    kind: str,
    language: str,
    title: str,
    body: str,
    summary_of_changes: str,
    effective_at,
    translation_of_current: bool = False,
    draft: ConsentDocument | None = None,
) -> ConsentDocument:
    """Create or change an unpublished version (a new version, or a translation)."""
    require_manager(author)
    if draft is not None and draft.is_published:
        raise ValidationError(_("A published version cannot be changed. Draft a new one."))
    if translation_of_current:
        version = current_versions().get(kind)
        if version is None:
            raise ValidationError(_("There is no version in force to translate yet."))
    else:
        version = next_version(kind)
    clash = ConsentDocument.objects.filter(kind=kind, version=version, language=language)
    if draft is not None:
        clash = clash.exclude(pk=draft.pk)
    if clash.exists():
        raise ValidationError(
            _("Version %(version)s of this document already exists in this language.")
            % {"version": version}
        )
    document = draft or ConsentDocument(created_by=author)
    document.kind, document.version, document.language = kind, version, language
    document.title, document.body = title, body
    document.summary_of_changes, document.effective_at = summary_of_changes, effective_at
    document.save()
    return document


@transaction.atomic
def publish_document(*, publisher, document: ConsentDocument) -> ConsentDocument:
    """Publish a draft: from its effective date, members are asked to accept it."""
    require_manager(publisher)
    document = ConsentDocument.objects.select_for_update().get(pk=document.pk)
    if document.is_published:
        raise ValidationError(_("This version is already published."))
    if document.version < next_version(document.kind) - 1:
        raise ValidationError(_("A newer version has been published since this draft began."))
    now = timezone.now()
    document.published_at = now
    document.published_by = publisher
    document.effective_at = max(document.effective_at, now)
    document.save(update_fields=["published_at", "published_by", "effective_at"])
    after_commit(announce_publication)
    return document


def document_in_force(kind: str, *, reader) -> ConsentDocument:
    """The version of `kind` in force now, in the reader's language if it was translated
    (the ledger points at the text the member was shown)."""
    version = current_versions(reader).get(kind)
    document = document_for(kind, version, reader.language) if version else None
    if document is None:
        raise ValidationError(_("This document has not been published yet."))
    return document


def record(*, user, document: ConsentDocument, decision: str, method: str) -> ConsentRecord:
    """Append one decision to the ledger (callers hold the transaction)."""
    entry = ConsentRecord.objects.create(
        user=user,
        document=document,
        kind=document.kind,
        version=document.version,
        decision=decision,
        method=method,
    )
    forget_member(user)
    return entry


@transaction.atomic
def accept_documents(
    *,
    user,
    required: list[str],
    optional_granted: list[str],
    optional_declined: list[str],
    shown: dict[str, int] | None = None,
) -> list[ConsentRecord]:
    """Record the member's answers on the acceptance page: all of `required` are accepted.

    `shown` (kind -> version) is what the page showed; if a newer version came into force
    meanwhile, nothing is recorded.
    """
    if shown is not None:
        current = current_versions(user)
        if any(current.get(kind) != shown.get(kind) for kind in (*required, *optional_granted)):
            raise ValidationError(
                _("A new version was published while you were reading. Please read it first.")
            )
    first_time = not ConsentRecord.objects.filter(user=user).exists()
    method = ConsentRecord.Method.SIGN_UP if first_time else ConsentRecord.Method.ACCEPTANCE_PAGE
    answers = [(kind, ConsentRecord.Decision.GRANTED) for kind in (*required, *optional_granted)]
    answers += [(kind, ConsentRecord.Decision.DECLINED) for kind in optional_declined]
    return [
        record(
            user=user,
            document=document_in_force(kind, reader=user),
            decision=decision,
            method=method,
        )
        for kind, decision in answers
    ]


@transaction.atomic
def grant_consent(*, user, kind: str) -> ConsentRecord:
    """Give an optional consent from the settings page."""
    if kind in REQUIRED_KINDS:
        raise ValidationError(_("Required documents are accepted on the page that shows them."))
    if has_consent(user, kind):
        raise ValidationError(_("You have already given this consent."))
    return record(
        user=user,
        document=document_in_force(kind, reader=user),
        decision=ConsentRecord.Decision.GRANTED,
        method=ConsentRecord.Method.SETTINGS,
    )


@transaction.atomic
def withdraw_consent(*, user, kind: str) -> ConsentRecord:
    """Withdraw a consent, with effect from the commit (a required one gates the member)."""
    if not has_consent(user, kind):
        raise ValidationError(
            _("You have not given this consent, so there is nothing to withdraw.")
        )
    document = document_in_force(kind, reader=user)
    return record_withdrawal(user, document, ConsentRecord.Method.SETTINGS)


def record_withdrawal(user, document: ConsentDocument, method: str) -> ConsentRecord:
    entry = record(
        user=user, document=document, decision=ConsentRecord.Decision.WITHDRAWN, method=method
    )
    after_commit(announce_withdrawal, document.kind, user.pk)
    return entry


def end_consents_of_closed_account(user, delete_content: bool) -> None:
    """Eraser for privacy's close_account: end every consent still given, whichever
    version it was given to, on the ledger."""
    for kind, version in list(granted_versions(user).items()):
        document = document_for(kind, version, user.language)
        if document is not None:
            record_withdrawal(user, document, ConsentRecord.Method.ACCOUNT_CLOSED)
