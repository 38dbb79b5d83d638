"""Notification fixtures: a group named after its condition, the people around it, and
recorders for what is pushed to open pages.

The group is deliberately named after a condition, and posts carry a distinctive sentence, so
that any e-mail which leaks either can be caught by a plain substring check.
"""

import re

import pytest

from community.forum import services as forum
from community.forum.models import Thread
from community.groups.models import Condition, Membership
from community.groups.policy import forget_memberships
from community.notifications import services
from community.notifications.models import Notification

CONDITION = "Type 1 diabetes"
GROUP_NAME = "Type 1 diabetes: adults"
THREAD_TITLE = "Night-time hypos and the insulin pump"
SECRET = "My pump alarm woke the whole ward at three in the morning"
SITE_URL = "https://community.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    """Absolute links in e-mails point here."""
    settings.SITE_URL = SITE_URL
    settings.SITE_NAME = "Peer support"


@pytest.fixture
def condition(db):
    return Condition.objects.create(name=CONDITION, slug="type-1-diabetes")


@pytest.fixture
def group(make_group, condition):
    """Overrides the shared `group`: named after its condition, as real groups are."""
    return make_group(GROUP_NAME, condition=condition)


@pytest.fixture
def third(make_user, join, group):
    user = make_user(display_name="Third Tove")
    join(user, group)
    return user


@pytest.fixture
def thread(member, group) -> Thread:
    """A thread started by `member` (who therefore follows it), with the secret title."""
    return forum.create_thread(author=member, group=group, title=THREAD_TITLE, body=SECRET)


@pytest.fixture
def pushes(monkeypatch) -> list[int]:
    """Record each push of an unread count to a member's open pages, instead of sending it."""
    recorded: list[int] = []
    monkeypatch.setattr(services, "push_unread_counts", recorded.extend)
    return recorded


def remove_from_group(user, group) -> None:
    """Set the membership to removed, as a moderator's removal would."""
    Membership.objects.filter(user=user, group=group).update(state=Membership.State.REMOVED)
    forget_memberships(user)


def notifications_of(user, kind: str | None = None):
    rows = Notification.objects.filter(recipient=user)
    return rows.filter(kind=kind) if kind else rows


def bell_count(html: str) -> int:
    """The number shown in the header's bell."""
    found = re.search(r"data-bell-count>(\d+)", html)
    assert found, "the page has no bell"
    return int(found.group(1))
