"""Who may read, ask, vote and host in Q&A sessions: the group's walls, current consents,
and for hosting a verified clinician (checked at every host action, so a revocation counts
at once)."""

import rules
from django.http import Http404

from community.consent.policy import has_current_consents
from community.groups.policy import (
    access_group,
    content_predicates,
    is_verified_clinician,
)

from .models import KnowledgeEntry, QASession, Question


def group_of(obj):
    if isinstance(obj, Question):
        return obj.session.group
    if isinstance(obj, (QASession, KnowledgeEntry)):
        return obj.group
    return obj


reads_in, writes_in, moderates = content_predicates(group_of)


@rules.predicate
def hosts(user, obj) -> bool:
    session = obj.session if isinstance(obj, Question) else obj
    return user.is_authenticated and session.hosts.filter(pk=user.pk).exists()


@rules.predicate
def is_author(user, question: Question) -> bool:
    return user.is_authenticated and question.author_id == user.pk


clinician_in = writes_in & is_verified_clinician & has_current_consents
rules.add_perm("qa.read", reads_in & has_current_consents)
rules.add_perm("qa.take_part", writes_in & has_current_consents)  # RSVP, ask, vote
rules.add_perm("qa.create_session", clinician_in)
rules.add_perm("qa.host", hosts & clinician_in)
rules.add_perm("qa.vote", writes_in & has_current_consents & ~is_author)
rules.add_perm("qa.moderate", moderates)
rules.add_perm("qa.write_knowledge", clinician_in)


def access_session(user, slug: str, session_id: int) -> QASession:
    """The session, if the user may read its group; the same 404 if missing or forbidden."""
    group = access_group(user, slug)
    session = QASession.objects.filter(pk=session_id, group=group).select_related("group").first()
    if session is None or not user.has_perm("qa.read", session):
        raise Http404
    return session


def access_question(user, session: QASession, question_id: int) -> Question:
    # Hidden by moderators: nobody votes for or answers it while it is under review.
    question = (
        session.questions.filter(pk=question_id, hidden_at__isnull=True)
        .select_related("session__group")
        .first()
    )
    if question is None:
        raise Http404
    return question


def access_knowledge_group(user, slug: str):
    group = access_group(user, slug)
    if not user.has_perm("qa.read", group):
        raise Http404
    return group
