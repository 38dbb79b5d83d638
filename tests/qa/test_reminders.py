"""Reminders a day and an hour before a session, to members who said they would come: each
once, however often the job runs."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from community.notifications.models import Notification
from community.qa import services
from community.qa.models import QASession, Reminder
from community.qa.tasks import send_session_reminders

STARTS_AT = datetime(2031, 3, 10, 18, 0, tzinfo=UTC)
KIND = "qa.reminder"
State = QASession.State


def run_at(moment: datetime, times: int = 2) -> list[int]:
    """Run the job `times` times at `moment`; return how many it sent each time."""
    with time_machine.travel(moment, tick=False):
        return [send_session_reminders() for _ in range(times)]


def reminders_of(user) -> list[str]:
    return sorted(Reminder.objects.filter(user=user).values_list("kind", flat=True))


def notified(user) -> int:
    return Notification.objects.filter(recipient=user, kind=KIND).count()


@pytest.fixture
def session(make_session):
    return make_session(State.OPEN, starts_at=STARTS_AT)


@pytest.fixture
def coming(session, member, peer):
    """Two members who said they would come."""
    for user in (member, peer):
        services.toggle_rsvp(user=user, session=session)
    return [member, peer]


def test_each_member_coming_gets_one_day_and_one_hour_reminder_however_often_the_job_runs(
    session, coming, make_user, join, group, clinician
):
    not_coming = make_user()
    join(not_coming, group)

    day_runs = run_at(STARTS_AT - timedelta(hours=23))
    assert day_runs == [2, 0]
    assert [notified(user) for user in coming] == [1, 1]

    hour_runs = run_at(STARTS_AT - timedelta(minutes=50))
    assert hour_runs == [2, 0]

    for user in coming:
        assert notified(user) == 2
        assert reminders_of(user) == ["day", "hour"]
    assert notified(not_coming) == 0
    assert notified(clinician) == 0
    assert not Reminder.objects.filter(user=not_coming).exists()


def test_a_reminder_points_at_the_session_in_its_group(session, coming, member):
    run_at(STARTS_AT - timedelta(hours=23), times=1)

    reminder = Notification.objects.get(recipient=member, kind=KIND)
    assert reminder.url == session.get_absolute_url()
    assert reminder.group == session.group


def test_nothing_is_sent_more_than_a_day_before(session, coming):
    assert run_at(STARTS_AT - timedelta(hours=25)) == [0, 0]

    assert not Notification.objects.filter(kind=KIND).exists()


def test_a_member_who_signs_off_before_the_hour_gets_only_the_day_reminder(
    session, coming, member, peer
):
    run_at(STARTS_AT - timedelta(hours=23), times=1)
    services.toggle_rsvp(user=member, session=session)

    run_at(STARTS_AT - timedelta(minutes=50), times=1)

    assert reminders_of(member) == ["day"]
    assert reminders_of(peer) == ["day", "hour"]


@pytest.mark.parametrize("state", [State.LIVE, State.ENDED, State.ARCHIVED])
def test_a_session_that_has_started_or_is_over_sends_no_reminders(session, coming, state):
    QASession.objects.filter(pk=session.pk).update(state=state)

    assert run_at(STARTS_AT - timedelta(minutes=50)) == [0, 0]
    assert not Notification.objects.filter(kind=KIND).exists()


def test_a_session_that_has_begun_sends_no_late_reminders(session, coming):
    assert run_at(STARTS_AT + timedelta(minutes=5)) == [0, 0]

    assert not Reminder.objects.exists()


def test_a_member_who_signs_up_within_the_last_hour_gets_one_reminder_not_two_at_once(
    session, member
):
    with time_machine.travel(STARTS_AT - timedelta(minutes=30), tick=False):
        services.toggle_rsvp(user=member, session=session)
        send_session_reminders()

    assert notified(member) == 1
    assert reminders_of(member) == ["hour"]
