"""Q&A's part in data rights: the member's questions, votes and RSVPs in their export; on
closing the account votes and RSVPs go, and questions too if the member chose deletion."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from community.privacy.erasure import Eraser, register_eraser
from community.privacy.exports import ExportSection, register_export_section, when

from .models import RSVP, KnowledgeEntry, Question, Vote
from .services import recount_votes


def questions_asked(user) -> list[dict]:
    return [
        {
            "group": question.session.group.name,
            "title": question.session.title,
            "text": question.body_source,
            "anonymous": question.is_anonymous,
            "state": question.get_state_display(),
            "written": when(question.created_at),
        }
        for question in Question.objects.filter(author=user).select_related("session__group")
    ]


def votes_and_rsvps(user) -> list[dict]:
    votes = [
        {"kind": "vote", "title": vote.question.session.title, "when": when(vote.created_at)}
        for vote in Vote.objects.filter(user=user).select_related("question__session")
    ]
    rsvps = [
        {"kind": "rsvp", "title": rsvp.session.title, "when": when(rsvp.created_at)}
        for rsvp in RSVP.objects.filter(user=user).select_related("session")
    ]
    return votes + rsvps


def erase_qa_data(user, delete_content: bool) -> None:
    voted = list(Vote.objects.filter(user=user).values_list("question_id", flat=True))
    Vote.objects.filter(user=user).delete()
    recount_votes(voted)
    RSVP.objects.filter(user=user).delete()
    KnowledgeEntry.objects.filter(source_question__author=user).update(quoted_question="")
    if delete_content:
        Question.objects.filter(author=user).update(
            body_source="", body_html="", body_text="", hidden_at=F("created_at")
        )


def register_privacy_hooks() -> None:
    register_export_section(ExportSection("qa.questions", _("Your Q&A questions"), questions_asked))
    register_export_section(
        ExportSection("qa.participation", _("Your votes and sign-ups"), votes_and_rsvps)
    )
    register_eraser(Eraser("qa", erase_qa_data))
