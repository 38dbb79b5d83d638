"""Writes of Q&A sessions. Each checks the policy and the session's state, stores, and
tells everyone watching the session after commit (their pages then fetch the new state)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from community.chat.services import clean_message
from community.markup.render import render_markdown
from community.notifications.services import notify
from community.safety.personal_data import Confirmation
from community.safety.screening import act_on_screening, screen_text
from config.outages import after_commit

from .models import RSVP, Answer, QASession, Question, Vote

State = QASession.State
# Which state each host action moves the session to, and from which states it may.
TRANSITIONS = {
    "open": (State.OPEN, {State.SCHEDULED}),
    "live": (State.LIVE, {State.SCHEDULED, State.OPEN}),
    "end": (State.ENDED, {State.LIVE}),
    "archive": (State.ARCHIVED, {State.ENDED}),
}


# Questions a host can still act on (answer, merge, dismiss) and members can vote for.
WAITING = {Question.State.OPEN, Question.State.ANSWERING}


def session_group(session_id: int) -> str:
    return f"qa.session.{session_id}"


def tell_watchers(session_id: int) -> None:
    """After commit: every open page of the session fetches what changed (over HTTP, where
    the policy decides what each viewer may see)."""
    async_to_sync(get_channel_layer().group_send)(session_group(session_id), {"type": "qa.changed"})


def changed(session: QASession) -> None:
    after_commit(tell_watchers, session.pk)


def require(user, permission: str, obj) -> None:
    if not user.has_perm(permission, obj):
        raise PermissionDenied


def require_state(session: QASession, allowed: set, message) -> None:
    if session.state not in allowed:
        raise ValidationError(message, code="state")


@transaction.atomic
def create_session(*, host, group, title: str, description: str, starts_at, ends_at) -> QASession:
    require(host, "qa.create_session", group)
    if ends_at <= starts_at:
        raise ValidationError(_("The session must end after it starts."), code="times")
    session = QASession.objects.create(
        group=group,
        title=title.strip(),
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=host,
    )
    session.hosts.add(host)
    return session


@transaction.atomic
def move_session(*, host, session: QASession, action: str) -> QASession:
    """Open for questions, go live, end, or archive (in that order only)."""
    session = QASession.objects.select_for_update().get(pk=session.pk)
    require(host, "qa.host", session)
    if action not in TRANSITIONS:
        raise ValidationError(_("Unknown action."), code="action")
    target, allowed = TRANSITIONS[action]
    require_state(session, allowed, _("The session cannot do that in its current state."))
    session.state = target
    session.save(update_fields=["state"])
    changed(session)
    return session


@transaction.atomic
def toggle_rsvp(*, user, session: QASession) -> bool:
    require(user, "qa.take_part", session)
    require_state(
        session,
        {State.SCHEDULED, State.OPEN, State.LIVE},
        _("This session is over."),
    )
    removed, _count = RSVP.objects.filter(session=session, user=user).delete()
    if not removed:
        try:
            with transaction.atomic():
                RSVP.objects.create(session=session, user=user)
        except IntegrityError:  # the same click sent twice at once: signed up either way
            pass
    return not removed


@transaction.atomic
def ask(
    *,
    author,
    session: QASession,
    text: str,
    anonymous: bool = False,
    personal_data: Confirmation | None = None,
) -> Question:
    """Ask a question in an open or live session; personal details must be confirmed."""
    require(author, "qa.take_part", session)
    require_state(
        session,
        {State.OPEN, State.LIVE},
        _("Questions can be asked while the session is open or live."),
    )
    text = clean_message(text)
    screened = screen_text(
        group=session.group, author=author, text=text, personal_data=personal_data
    )
    rendered = render_markdown(text)
    question = Question.objects.create(
        session=session,
        author=author,
        is_anonymous=anonymous,
        body_source=text,
        body_html=rendered.html,
        body_text=rendered.text,
    )
    # A question cannot wait for approval during a session: words the group holds ask the
    # moderators to look at it instead.
    question.crisis = act_on_screening(
        screened, kind="qa.question", object_id=question.pk, group=session.group, author=author
    )
    changed(session)
    return question


def vote(*, user, question: Question) -> Question:
    """One vote per member and question, also when two requests arrive at once."""
    require(user, "qa.vote", question)
    require_state(
        question.session,
        {State.OPEN, State.LIVE},
        _("Votes can be given while the session is open or live."),
    )
    if question.state not in WAITING:
        raise ValidationError(_("This question is not waiting for an answer."), code="question")
    try:
        with transaction.atomic():
            Vote.objects.create(question=question, user=user)
            Question.objects.filter(pk=question.pk).update(vote_count=F("vote_count") + 1)
            changed(question.session)
    except IntegrityError:
        raise ValidationError(
            _("You have already voted for this question."), code="voted"
        ) from None
    question.refresh_from_db(fields=["vote_count"])
    return question


def host_action(question: Question, host, live_only: bool = True) -> Question:
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("session__group")
        .get(pk=question.pk)
    )
    require(host, "qa.host", question.session)
    if question.state not in WAITING:
        code = "answered" if question.state == Question.State.ANSWERED else "question"
        raise ValidationError(_("This question is not waiting for an answer."), code=code)
    if live_only:
        require_state(
            question.session, {State.LIVE}, _("Questions are answered while the session is live.")
        )
    return question


@transaction.atomic
def mark_answering(*, host, question: Question) -> Question:
    question = host_action(question, host)
    question.session.questions.filter(state=Question.State.ANSWERING).update(
        state=Question.State.OPEN
    )
    question.state = Question.State.ANSWERING
    question.save(update_fields=["state"])
    changed(question.session)
    return question


@transaction.atomic
def answer(*, host, question: Question, text: str) -> Answer:
    question = host_action(question, host)
    if hasattr(question, "answer"):
        raise ValidationError(_("This question has an answer already."), code="answered")
    text = clean_message(text)
    rendered = render_markdown(text)
    reply = Answer.objects.create(
        question=question, author=host, body_source=text, body_html=rendered.html
    )
    question.state = Question.State.ANSWERED
    question.save(update_fields=["state"])
    notify(
        recipient=question.author,
        kind="qa.answer",
        group=question.session.group,
        actor=host,
        url=f"{question.session.get_absolute_url()}#question-{question.pk}",
    )
    changed(question.session)
    return reply


@transaction.atomic
def merge(*, host, question: Question, into: Question) -> Question:
    question = host_action(question, host, live_only=False)
    into = Question.objects.select_for_update().get(pk=into.pk)  # as it is now, not as shown
    waiting = into.state in WAITING
    if into.session_id != question.session_id or into.pk == question.pk or not waiting:
        raise ValidationError(_("Choose another question of this session."), code="into")
    question.state, question.merged_into = Question.State.MERGED, into
    question.save(update_fields=["state", "merged_into"])
    # The votes go with it: each voter once, never the target's own author.
    already = Vote.objects.filter(question=into).values("user")
    Vote.objects.filter(question=question).exclude(user__in=already).exclude(
        user=into.author_id
    ).update(question=into)
    Vote.objects.filter(question=question).delete()
    recount_votes([question.pk, into.pk])
    changed(question.session)
    return question


def recount_votes(question_ids: list[int]) -> None:
    """Set each question's vote count from its rows (after merges and erasure)."""
    for question in Question.objects.filter(pk__in=question_ids).annotate(n=Count("votes")):
        Question.objects.filter(pk=question.pk).update(vote_count=question.n)


@transaction.atomic
def dismiss(*, host, question: Question, reason: str) -> Question:
    question = host_action(question, host, live_only=False)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please say why, for the member who asked."), code="reason")
    question.state, question.dismissed_reason = Question.State.DISMISSED, reason[:300]
    question.save(update_fields=["state", "dismissed_reason"])
    changed(question.session)
    return question


def session_link(session: QASession) -> str:
    return reverse("qa:session", kwargs={"slug": session.group.slug, "session_id": session.pk})
