"""How moderation acts on Q&A questions (hide, remove, redact): the session page updates."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.markup.render import render_markdown
from community.moderation.registry import ModeratedKind

from .models import KnowledgeEntry, Question
from .services import changed


def unquote(question: Question) -> None:
    """Words moderators withheld or changed must not live on as a knowledge-bank quote."""
    KnowledgeEntry.objects.filter(source_question=question).update(quoted_question="")


def get_question(question_id: int) -> Question | None:
    return (
        Question.objects.select_related("session__group", "author").filter(pk=question_id).first()
    )


def set_hidden(question: Question, hidden: bool) -> None:
    question.hidden_at = timezone.now() if hidden else None
    question.save(update_fields=["hidden_at"])
    if hidden:
        unquote(question)
    changed(question.session)


def remove(question: Question, reason: str) -> None:
    question.hidden_at = question.hidden_at or timezone.now()
    question.state, question.dismissed_reason = Question.State.DISMISSED, reason[:300]
    question.save(update_fields=["hidden_at", "state", "dismissed_reason"])
    unquote(question)
    changed(question.session)


def reinstate(question: Question) -> None:
    """Back among the questions waiting for an answer (its quote, if any, stays removed)."""
    question.hidden_at, question.dismissed_reason = None, ""
    if question.state == Question.State.DISMISSED:
        question.state = Question.State.OPEN
    question.save(update_fields=["hidden_at", "state", "dismissed_reason"])
    changed(question.session)


def redact(question: Question, source: str, reason: str) -> None:
    rendered = render_markdown(source)
    question.body_source, question.body_html, question.body_text = (
        source,
        rendered.html,
        rendered.text,
    )
    question.save(update_fields=["body_source", "body_html", "body_text"])
    unquote(question)
    changed(question.session)


QA_QUESTION = ModeratedKind(
    key="qa.question",
    label=_("Q&A question"),
    get=get_question,
    group_of=lambda question: question.session.group,
    author_of=lambda question: question.author,
    text_of=lambda question: question.body_source,
    html_of=lambda question: question.body_html,
    url_of=lambda question: f"{question.session.get_absolute_url()}#question-{question.pk}",
    set_hidden=set_hidden,
    remove=remove,
    redact=redact,
    approve=lambda question: None,  # questions are never held for review
    reinstate=reinstate,
)
