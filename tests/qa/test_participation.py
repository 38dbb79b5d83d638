"""Taking part: RSVPs, questions and votes from active members while the session takes
them, one vote per member and question, and the hosts' answers while it is live."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.notifications.models import Notification
from community.qa import services
from community.qa.models import RSVP, Answer, QASession, Question, Vote
from tests.qa.conftest import fresh

State = QASession.State
ASKING_STATES = [State.OPEN, State.LIVE]
CLOSED_STATES = [State.SCHEDULED, State.ENDED, State.ARCHIVED]
NOTICE_OF_ANSWER = "qa.answer"


def votes_of(question) -> tuple[int, int]:
    """(rows in the vote table, the question's stored count)."""
    question = Question.objects.get(pk=question.pk)
    return Vote.objects.filter(question=question).count(), question.vote_count


@pytest.fixture
def question(open_session, member):
    return services.ask(author=member, session=open_session, text="Do sensors work in a sauna?")


# --- Asking -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ASKING_STATES)
def test_a_member_asks_while_the_session_is_open_or_live(make_session, member, state):
    session = make_session(state)

    question = services.ask(author=member, session=session, text="Is **fasting** safe?")

    assert question.author == member
    assert question.state == Question.State.OPEN
    assert question.body_source == "Is **fasting** safe?"
    assert "<strong>fasting</strong>" in question.body_html
    assert question.body_text == "Is fasting safe?"
    assert not question.is_anonymous


def test_a_member_may_ask_anonymously(open_session, member):
    question = services.ask(
        author=member, session=open_session, text="Embarrassing?", anonymous=True
    )

    assert question.is_anonymous
    assert question.author == member  # the author is kept, for moderation and the answer


@pytest.mark.parametrize("state", CLOSED_STATES)
def test_no_questions_are_taken_before_the_session_opens_or_after_it_ended(
    make_session, member, state
):
    session = make_session(state)

    with pytest.raises(ValidationError) as refused:
        services.ask(author=member, session=session, text="Too early or too late?")

    assert refused.value.code == "state"
    assert not Question.objects.exists()


def test_an_empty_question_is_refused(open_session, member):
    with pytest.raises(ValidationError) as refused:
        services.ask(author=member, session=open_session, text="   \n ")

    assert refused.value.code == "empty"
    assert not Question.objects.exists()


@pytest.mark.parametrize("who", ["muted_member", "removed_member", "outsider", "staff"])
def test_muted_removed_and_outside_people_cannot_ask(request, open_session, who):
    with pytest.raises(PermissionDenied):
        services.ask(author=request.getfixturevalue(who), session=open_session, text="Hello?")

    assert not Question.objects.exists()


def test_a_member_with_the_current_guidelines_still_to_accept_cannot_ask(
    open_session, member, in_force
):
    with pytest.raises(PermissionDenied):
        services.ask(author=fresh(member), session=open_session, text="Hello?")


# --- Voting -------------------------------------------------------------------------------


def test_a_member_votes_for_someone_elses_question_once(question, peer):
    voted = services.vote(user=peer, question=question)

    assert voted.vote_count == 1
    assert votes_of(question) == (1, 1)


def test_a_second_vote_by_the_same_member_is_refused_with_a_clear_error(question, peer):
    services.vote(user=peer, question=question)

    with pytest.raises(ValidationError) as refused:
        services.vote(user=peer, question=question)

    assert refused.value.code == "voted"
    assert refused.value.messages == ["You have already voted for this question."]
    assert votes_of(question) == (1, 1)


def test_votes_of_different_members_add_up(question, peer, make_user, join, group):
    third = make_user()
    join(third, group)

    services.vote(user=peer, question=question)
    services.vote(user=third, question=question)

    assert votes_of(question) == (2, 2)


def test_a_member_cannot_vote_for_their_own_question(question, member):
    with pytest.raises(PermissionDenied):
        services.vote(user=member, question=question)

    assert votes_of(question) == (0, 0)


def test_a_member_cannot_vote_for_their_own_anonymous_question(open_session, member):
    question = services.ask(author=member, session=open_session, text="Mine?", anonymous=True)

    with pytest.raises(PermissionDenied):
        services.vote(user=member, question=question)

    assert votes_of(question) == (0, 0)


@pytest.mark.parametrize("state", [State.ENDED, State.ARCHIVED])
def test_no_votes_are_taken_after_the_session_ended(question, peer, state):
    QASession.objects.filter(pk=question.session_id).update(state=state)
    question = Question.objects.select_related("session").get(pk=question.pk)

    with pytest.raises(ValidationError) as refused:
        services.vote(user=peer, question=question)

    assert refused.value.code == "state"
    assert votes_of(question) == (0, 0)


@pytest.mark.parametrize("who", ["muted_member", "removed_member", "outsider"])
def test_muted_removed_and_outside_people_cannot_vote(request, question, who):
    with pytest.raises(PermissionDenied):
        services.vote(user=request.getfixturevalue(who), question=question)

    assert votes_of(question) == (0, 0)


# --- RSVPs --------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.SCHEDULED, State.OPEN, State.LIVE])
def test_a_member_signs_up_and_off_again(make_session, member, state):
    session = make_session(state)

    assert services.toggle_rsvp(user=member, session=session) is True
    assert RSVP.objects.filter(session=session, user=member).count() == 1
    assert services.toggle_rsvp(user=member, session=session) is False
    assert not RSVP.objects.filter(session=session, user=member).exists()


@pytest.mark.parametrize("state", [State.ENDED, State.ARCHIVED])
def test_nobody_signs_up_for_a_session_that_is_over(make_session, member, state):
    session = make_session(state)

    with pytest.raises(ValidationError):
        services.toggle_rsvp(user=member, session=session)

    assert not RSVP.objects.exists()


@pytest.mark.parametrize("who", ["muted_member", "removed_member", "outsider"])
def test_muted_removed_and_outside_people_cannot_sign_up(request, open_session, who):
    with pytest.raises(PermissionDenied):
        services.toggle_rsvp(user=request.getfixturevalue(who), session=open_session)

    assert not RSVP.objects.exists()


def test_a_member_muted_after_signing_up_cannot_change_it(open_session, member, group):
    services.toggle_rsvp(user=member, session=open_session)
    member.memberships.filter(group=group).update(state="muted")

    with pytest.raises(PermissionDenied):
        services.toggle_rsvp(user=fresh(member), session=open_session)

    assert RSVP.objects.filter(user=member).count() == 1


# --- Answering ----------------------------------------------------------------------------


@pytest.fixture
def live_question(live_session, member):
    return services.ask(author=member, session=live_session, text="Sauna and sensors?")


def test_the_host_answers_a_question_while_live_and_its_author_is_notified(
    live_question, clinician, member
):
    reply = services.answer(host=clinician, question=live_question, text="Yes, *briefly*.")

    live_question.refresh_from_db()
    assert live_question.state == Question.State.ANSWERED
    assert reply.author == clinician
    assert "<em>briefly</em>" in reply.body_html
    [notification] = Notification.objects.filter(kind=NOTICE_OF_ANSWER)
    assert notification.recipient == member
    assert notification.actor == clinician
    assert notification.group == live_question.session.group
    assert notification.url.endswith(f"#question-{live_question.pk}")


def test_the_author_of_an_anonymous_question_is_notified_of_the_answer_too(
    live_session, clinician, member
):
    question = services.ask(author=member, session=live_session, text="Shy?", anonymous=True)

    services.answer(host=clinician, question=question, text="No need to be.")

    assert Notification.objects.filter(kind=NOTICE_OF_ANSWER, recipient=member).count() == 1


def test_nobody_but_the_questions_author_is_notified_of_an_answer(live_question, clinician, peer):
    services.vote(user=peer, question=live_question)

    services.answer(host=clinician, question=live_question, text="Yes.")

    assert (
        not Notification.objects.filter(kind=NOTICE_OF_ANSWER)
        .exclude(recipient__pk=live_question.author_id)
        .exists()
    )


def test_a_question_is_answered_only_once(live_question, clinician):
    services.answer(host=clinician, question=live_question, text="Yes.")

    with pytest.raises(ValidationError) as refused:
        services.answer(host=clinician, question=live_question, text="Again.")

    assert refused.value.code == "answered"
    assert Answer.objects.count() == 1


@pytest.mark.parametrize("state", [State.OPEN, State.ENDED, State.ARCHIVED])
def test_no_answers_outside_the_live_session(question, clinician, state):
    QASession.objects.filter(pk=question.session_id).update(state=state)

    with pytest.raises(ValidationError) as refused:
        services.answer(host=clinician, question=question, text="Too early.")

    assert refused.value.code == "state"
    assert not Answer.objects.exists()
    assert not Notification.objects.filter(kind=NOTICE_OF_ANSWER).exists()


def test_no_answering_now_marker_before_the_session_is_live(question, clinician):
    with pytest.raises(ValidationError):
        services.mark_answering(host=clinician, question=question)

    question.refresh_from_db()
    assert question.state == Question.State.OPEN


@pytest.mark.parametrize("who", ["member", "peer", "moderator", "other_clinician"])
def test_people_who_do_not_host_cannot_answer(request, live_question, who):
    with pytest.raises(PermissionDenied):
        services.answer(host=request.getfixturevalue(who), question=live_question, text="Hi")

    assert not Answer.objects.exists()


def test_a_host_who_is_no_longer_verified_cannot_answer(live_question, clinician):
    clinician.is_verified_clinician = False
    clinician.save(update_fields=["is_verified_clinician"])

    with pytest.raises(PermissionDenied):
        services.answer(host=fresh(clinician), question=live_question, text="Still me.")

    assert not Answer.objects.exists()


def test_one_question_at_a_time_is_being_answered(live_session, clinician, member, peer):
    first = services.ask(author=member, session=live_session, text="First?")
    second = services.ask(author=peer, session=live_session, text="Second?")

    services.mark_answering(host=clinician, question=first)
    services.mark_answering(host=clinician, question=second)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Question.State.OPEN, Question.State.ANSWERING)


# --- Merging and dismissing ---------------------------------------------------------------


def test_the_host_merges_a_question_into_a_similar_one(open_session, clinician, member, peer):
    original = services.ask(author=member, session=open_session, text="Sauna?")
    similar = services.ask(author=peer, session=open_session, text="Hot tubs?")

    services.merge(host=clinician, question=similar, into=original)

    similar.refresh_from_db()
    assert (similar.state, similar.merged_into) == (Question.State.MERGED, original)


def test_a_question_cannot_be_merged_into_itself_or_another_sessions_question(
    make_session, open_session, clinician, member
):
    question = services.ask(author=member, session=open_session, text="Sauna?")
    elsewhere = services.ask(author=member, session=make_session(), text="Elsewhere?")

    for into in (question, elsewhere):
        with pytest.raises(ValidationError) as refused:
            services.merge(host=clinician, question=question, into=into)
        assert refused.value.code == "into"

    question.refresh_from_db()
    assert question.state == Question.State.OPEN


def test_dismissing_a_question_needs_a_reason_for_the_member(question, clinician):
    with pytest.raises(ValidationError) as refused:
        services.dismiss(host=clinician, question=question, reason="  ")
    assert refused.value.code == "reason"

    services.dismiss(host=clinician, question=question, reason=" Personal: ask your team. ")

    question.refresh_from_db()
    assert question.state == Question.State.DISMISSED
    assert question.dismissed_reason == "Personal: ask your team."


def test_people_who_do_not_host_cannot_merge_or_dismiss(question, peer, moderator):
    for person in (peer, moderator):
        with pytest.raises(PermissionDenied):
            services.dismiss(host=person, question=question, reason="No.")

    question.refresh_from_db()
    assert question.state == Question.State.OPEN
