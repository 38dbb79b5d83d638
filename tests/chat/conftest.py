"""Chat fixtures: the group's room, messages written straight into it, a recorder of what is
broadcast to rooms, and the consent fixtures (publishing documents as staff, accepting them).
"""

import itertools

import pytest

from community.chat import services
from community.chat.models import ChatMessage, ChatRoom
from community.markup.render import render_markdown

# The consent tests' fixtures, for members who have (or have not) accepted what is in force.
from tests.consent.conftest import (  # noqa: F401
    accept,
    accepted_member,
    commit,
    in_force,
    publish,
)


@pytest.fixture
def room(group) -> ChatRoom:
    room, _created = ChatRoom.objects.get_or_create(group=group, kind=ChatRoom.Kind.GROUP)
    return room


@pytest.fixture
def write(room):
    """Store a message directly (no rate limit, no broadcast), as if sent some time ago."""
    numbers = itertools.count(1)

    def make(author, text: str = "Hello", *, client_id: str | None = None, **fields) -> ChatMessage:
        rendered = render_markdown(text)
        message = ChatMessage.objects.create(
            room=fields.pop("room", room),
            author=author,
            client_id=client_id or f"written-{next(numbers)}",
            body_source=text,
            body_html=rendered.html,
            body_text=rendered.text,
            **fields,
        )
        services.number_change(message)  # numbered as every stored change is
        return message

    return make


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, dict]]:
    """Record what is broadcast to rooms (room id, event) instead of sending it."""
    recorded: list[tuple[int, dict]] = []
    monkeypatch.setattr(
        services, "send_to_room", lambda room_id, event: recorded.append((room_id, event))
    )
    return recorded


@pytest.fixture
def make_members(make_user, join, group, accept):  # noqa: F811 - the fixture above
    """Members of the group who accepted what is in force: make_members(count, tag)."""

    def make(count: int, tag: str) -> list:
        users = []
        for number in range(count):
            user = make_user(display_name=f"Member {tag}-{number}")
            join(user, group)
            accept(user)
            users.append(user)
        return users

    return make
