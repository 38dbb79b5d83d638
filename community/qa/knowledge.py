"""The group's knowledge bank: reviewed resources written or chosen by clinicians.

A member's question is quoted only while they consent to it (the optional "quoting in the
knowledge bank" document); otherwise the clinician's paraphrase stands in, and withdrawing
the consent removes existing quotes at once.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.consent.models import Kind
from community.consent.state import users_consenting_to
from community.markup.render import normalise_source, render_markdown

from .models import KnowledgeEntry, Question


def may_quote(question: Question) -> bool:
    author_id = question.author_id
    return author_id is not None and (
        users_consenting_to(Kind.KNOWLEDGE_BANK).filter(pk=author_id).exists()
    )


@transaction.atomic
def add_entry(
    *,
    author,
    group,
    title: str,
    body: str,
    question: Question | None = None,
    quote: bool = False,
    paraphrase: str = "",
) -> KnowledgeEntry:
    if not author.has_perm("qa.write_knowledge", group):
        raise PermissionDenied
    title, body, paraphrase = title.strip(), normalise_source(body), normalise_source(paraphrase)
    if not title or not body:
        raise ValidationError(_("Please give a title and a text."), code="empty")
    quoted = ""
    if question is not None:
        if question.session.group_id != group.pk:
            raise ValidationError(_("This question is from another group."), code="group")
        if quote and not may_quote(question):
            raise ValidationError(
                _(
                    "The member has not agreed to be quoted in the knowledge bank. "
                    "Please put the question in your own words."
                ),
                code="no_consent",
            )
        if quote:
            quoted = question.body_source
        elif not paraphrase:
            raise ValidationError(
                _("Please put the question in your own words."), code="paraphrase"
            )
    return KnowledgeEntry.objects.create(
        group=group,
        title=title,
        body_source=body,
        body_html=render_markdown(body).html,
        source_question=question,
        quoted_question=quoted,
        paraphrase=paraphrase,
        author=author,
    )


@transaction.atomic
def mark_reviewed(*, author, entry: KnowledgeEntry) -> KnowledgeEntry:
    if not author.has_perm("qa.write_knowledge", entry.group):
        raise PermissionDenied
    entry.last_reviewed_at = timezone.now()
    entry.save(update_fields=["last_reviewed_at"])
    return entry


def unquote_member(user_id: int) -> None:
    """Consent withdrawn: the member's words leave the knowledge bank at once."""
    KnowledgeEntry.objects.filter(source_question__author_id=user_id).exclude(
        quoted_question=""
    ).update(quoted_question="")
