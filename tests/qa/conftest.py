"""Q&A fixtures: a verified clinician who hosts, sessions in each state, questions written
straight into a session, and the consent fixtures (publishing documents, accepting them)."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from community.groups.models import Role
from community.markup.render import render_markdown
from community.qa.models import QASession, Question

# The consent tests' fixtures, for the knowledge bank's quoting consent.
from tests.consent.conftest import (  # noqa: F401
    accept,
    commit,
    in_force,
    publish,
)

State = QASession.State


def fresh(user):
    """The member as the next request loads them: the policy keeps memberships and consent
    answers on a user object, so each check after a change asks with a new object."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def other_clinician(make_user, join, group):
    """Another verified clinician of the group, who does not host the session."""
    user = make_user(display_name="Doctor Dan", is_verified_clinician=True, mfa=True)
    join(user, group, role=Role.CLINICIAN)
    return user


@pytest.fixture
def make_session(group, clinician):
    """A session of the group hosted by the clinician, in the state asked for."""

    def make(state=State.OPEN, *, host=None, starts_at=None, title="Ask the nurse"):
        host = host or clinician
        starts_at = starts_at or timezone.now() + timedelta(days=2)
        session = QASession.objects.create(
            group=group,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            state=state,
            created_by=host,
        )
        session.hosts.add(host)
        return session

    return make


@pytest.fixture
def open_session(make_session):
    return make_session(State.OPEN)


@pytest.fixture
def live_session(make_session):
    return make_session(State.LIVE)


@pytest.fixture
def write_question():
    """Store a question directly (no policy, no broadcast), for pages and counts."""
    numbers = itertools.count(1)

    def make(session, author, text=None, **fields) -> Question:
        text = text or f"Question number {next(numbers)} about night-time lows?"
        rendered = render_markdown(text)
        return Question.objects.create(
            session=session,
            author=author,
            body_source=text,
            body_html=rendered.html,
            body_text=rendered.text,
            **fields,
        )

    return make
