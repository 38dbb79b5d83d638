"""The demo: one upcoming and one archived Q&A session in the adults' diabetes group, hosted
by the demo clinician; seeding again adds nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from community.groups.models import SupportGroup
from community.qa.demo import seed_qa_demo
from community.qa.models import Answer, QASession, Question

CLINICIAN = "clinician@demo.example"
State = QASession.State


def seed() -> None:
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", force=True, stdout=quiet)


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    seed()


def sessions() -> list[QASession]:
    return list(QASession.objects.select_related("group").order_by("starts_at"))


def test_the_demo_has_one_archived_and_one_upcoming_session_hosted_by_the_clinician(demo):
    past, upcoming = sessions()

    assert past.state == State.ARCHIVED
    assert past.starts_at < timezone.now()
    assert upcoming.state in (State.SCHEDULED, State.OPEN)
    assert upcoming.starts_at > timezone.now()
    for session in (past, upcoming):
        assert session.group.slug == "t1d-adults"
        assert [host.email for host in session.hosts.all()] == [CLINICIAN]


def test_the_demo_host_may_host_and_members_may_take_part(demo):
    _past, upcoming = sessions()
    host = upcoming.hosts.get()
    patient = upcoming.group.memberships.get(user__email="patient1@demo.example").user

    assert host.has_perm("qa.host", upcoming)
    assert patient.has_perm("qa.take_part", upcoming)
    assert not patient.has_perm("qa.host", upcoming)


def test_the_archived_session_has_an_answered_question_whose_count_matches_its_votes(demo):
    past, _upcoming = sessions()

    [question] = Question.objects.filter(session=past)
    assert question.state == Question.State.ANSWERED
    assert question.vote_count == question.votes.count() == 1
    assert Answer.objects.get(question=question).author.email == CLINICIAN


def test_seeding_the_demo_twice_adds_no_second_pair_of_sessions(demo):
    before = [(session.pk, session.title) for session in sessions()]

    seed()

    assert [(session.pk, session.title) for session in sessions()] == before
    assert Question.objects.count() == 1


def test_the_seeder_on_its_own_does_nothing_without_the_group_or_the_clinician(db):
    seed_qa_demo({}, {})
    seed_qa_demo({"t1d-adults": None}, {CLINICIAN: None})

    assert not QASession.objects.exists()
    assert not SupportGroup.objects.exists()
