"""A session's life: scheduled → open → live → ended → archived, moved only forwards and only
by its hosts while they are verified clinicians; creating one needs verification too."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.clinicians import services as clinicians
from community.groups.models import Membership, Role
from community.qa import services
from community.qa.models import Answer, QASession
from tests.qa.conftest import fresh

State = QASession.State
ACTIONS = ["open", "live", "end", "archive"]
# Every move the service allows: forwards only, one step at a time, except that a
# scheduled session may go live without having been opened for questions first.
ALLOWED = {
    (State.SCHEDULED, "open"): State.OPEN,
    (State.SCHEDULED, "live"): State.LIVE,
    (State.OPEN, "live"): State.LIVE,
    (State.LIVE, "end"): State.ENDED,
    (State.ENDED, "archive"): State.ARCHIVED,
}
REFUSED = [
    (state, action)
    for state in State.values
    for action in ACTIONS
    if (state, action) not in ALLOWED
]


def create(host, group, **fields):
    starts_at = timezone.now() + timedelta(days=3)
    values = {
        "title": "  Ask the nurse  ",
        "description": " Sensors and lows. ",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=1),
        **fields,
    }
    return services.create_session(host=host, group=group, **values)


def state_of(session) -> str:
    return QASession.objects.get(pk=session.pk).state


# --- Creating a session -------------------------------------------------------------------


def test_a_verified_clinician_of_the_group_creates_a_scheduled_session_they_host(clinician, group):
    session = create(clinician, group)

    assert session.state == State.SCHEDULED
    assert session.title == "Ask the nurse"
    assert session.description == "Sensors and lows."
    assert list(session.hosts.all()) == [clinician]
    assert session.created_by == clinician


def test_a_member_who_is_not_a_verified_clinician_cannot_create_a_session(member, group):
    with pytest.raises(PermissionDenied):
        create(member, group)

    assert not QASession.objects.exists()


def test_a_member_with_the_clinician_role_but_no_verification_cannot_create_a_session(
    make_user, join, group
):
    unverified = make_user(mfa=True)
    join(unverified, group, role=Role.CLINICIAN)

    with pytest.raises(PermissionDenied):
        create(unverified, group)

    assert not QASession.objects.exists()


def test_a_verified_clinician_outside_the_group_cannot_create_a_session_in_it(make_user, group):
    stranger = make_user(is_verified_clinician=True, mfa=True)

    with pytest.raises(PermissionDenied):
        create(stranger, group)


def test_a_muted_verified_clinician_cannot_create_a_session(make_user, join, group):
    muted = make_user(is_verified_clinician=True, mfa=True)
    join(muted, group, role=Role.CLINICIAN, state=Membership.State.MUTED)

    with pytest.raises(PermissionDenied):
        create(muted, group)


def test_a_session_that_ends_before_it_starts_is_refused(clinician, group):
    starts_at = timezone.now() + timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        create(clinician, group, starts_at=starts_at, ends_at=starts_at - timedelta(minutes=1))

    assert refused.value.code == "times"
    assert not QASession.objects.exists()


# --- Moving a session ---------------------------------------------------------------------


def test_the_host_moves_a_session_through_every_state_in_order(clinician, group):
    session = create(clinician, group)
    seen = [session.state]

    for action in ACTIONS:
        session = services.move_session(host=clinician, session=session, action=action)
        seen.append(state_of(session))

    assert seen == [State.SCHEDULED, State.OPEN, State.LIVE, State.ENDED, State.ARCHIVED]


@pytest.mark.parametrize(("state", "action"), list(ALLOWED), ids=lambda value: str(value))
def test_each_allowed_move_reaches_the_next_state(make_session, clinician, state, action):
    session = make_session(state)

    services.move_session(host=clinician, session=session, action=action)

    assert state_of(session) == ALLOWED[(state, action)]


@pytest.mark.parametrize(("state", "action"), REFUSED, ids=lambda value: str(value))
def test_every_other_move_is_refused_and_leaves_the_state_alone(
    make_session, clinician, state, action
):
    session = make_session(state)

    with pytest.raises(ValidationError) as refused:
        services.move_session(host=clinician, session=session, action=action)

    assert refused.value.code == "state"
    assert state_of(session) == state


def test_an_archived_session_cannot_be_moved_anywhere(make_session, clinician):
    session = make_session(State.ARCHIVED)

    for action in ACTIONS:
        with pytest.raises(ValidationError):
            services.move_session(host=clinician, session=session, action=action)

    assert state_of(session) == State.ARCHIVED


def test_an_unknown_action_is_refused(open_session, clinician):
    with pytest.raises(ValidationError) as refused:
        services.move_session(host=clinician, session=open_session, action="reopen")

    assert refused.value.code == "action"
    assert state_of(open_session) == State.OPEN


@pytest.mark.parametrize("who", ["member", "moderator", "other_clinician", "staff", "outsider"])
def test_people_who_do_not_host_the_session_cannot_move_it(request, open_session, who):
    person = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        services.move_session(host=person, session=open_session, action="live")

    assert state_of(open_session) == State.OPEN


def test_a_second_host_may_move_the_session_too(open_session, other_clinician):
    open_session.hosts.add(other_clinician)

    services.move_session(host=other_clinician, session=open_session, action="live")

    assert state_of(open_session) == State.LIVE


def test_a_host_whose_verification_flag_is_cleared_can_no_longer_move_the_session(
    open_session, clinician
):
    clinician.is_verified_clinician = False
    clinician.save(update_fields=["is_verified_clinician"])

    with pytest.raises(PermissionDenied):
        services.move_session(host=fresh(clinician), session=open_session, action="live")

    assert state_of(open_session) == State.OPEN


def test_a_host_who_has_not_accepted_the_current_guidelines_cannot_move_the_session(
    open_session, clinician, in_force
):
    with pytest.raises(PermissionDenied):
        services.move_session(host=fresh(clinician), session=open_session, action="live")

    assert state_of(open_session) == State.OPEN


# --- A revocation through the verification workflow ---------------------------------------


@pytest.fixture
def verified_host(make_user, join, group, staff):
    """A clinician verified through an application (so it can be revoked), in the group."""
    user = make_user(mfa=True, display_name="Nurse Vera")
    join(user, group, role=Role.CLINICIAN)
    application = clinicians.apply_for_verification(
        user=user, profession="Nurse", registration_number="RN-1", organisation="Clinic"
    )
    clinicians.decide(reviewer=staff, application=application, verify=True)
    return fresh(user), application


def test_a_host_whose_verification_is_revoked_can_no_longer_move_the_session_or_answer(
    verified_host, make_session, staff, member
):
    host, application = verified_host
    session = make_session(State.OPEN, host=host)
    services.move_session(host=host, session=session, action="live")
    question = services.ask(author=member, session=session, text="Still answered?")

    clinicians.revoke(reviewer=staff, application=application, reason="Struck off")

    with pytest.raises(PermissionDenied):
        services.move_session(host=fresh(host), session=session, action="end")
    with pytest.raises(PermissionDenied):
        services.answer(host=fresh(host), question=question, text="Yes.")
    assert state_of(session) == State.LIVE
    assert not Answer.objects.exists()


def test_a_host_whose_verification_is_revoked_cannot_create_another_session(
    verified_host, group, staff
):
    host, application = verified_host
    create(host, group)

    clinicians.revoke(reviewer=staff, application=application, reason="Struck off")

    with pytest.raises(PermissionDenied):
        create(fresh(host), group)
    assert QASession.objects.count() == 1
