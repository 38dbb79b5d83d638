"""Moderation fixtures: a member's post about a third party, flagged by a peer."""

import pytest

from community.forum import services as forum
from community.forum.models import Post
from community.groups.models import Role
from community.moderation import services as moderation
from community.moderation.models import ModerationItem, Reason

KIND = "forum.post"
BODY = "My neighbour Anna Berg on Elm Street has the same pump and hates it."


@pytest.fixture
def post(member, group) -> Post:
    thread = forum.create_thread(author=member, group=group, title="Pumps", body=BODY)
    return thread.posts.get()


@pytest.fixture
def item(post, peer) -> ModerationItem:
    moderation.flag_content(
        reporter=peer,
        kind=KIND,
        object_id=post.pk,
        reason=Reason.THIRD_PARTY,
        note="Her full name and street.",
    )
    return ModerationItem.objects.get(kind=KIND, object_id=post.pk)


@pytest.fixture
def second_moderator(make_user, join, group):
    user = make_user(mfa=True, display_name="Moderator Mo")
    join(user, group, role=Role.MODERATOR)
    return user
