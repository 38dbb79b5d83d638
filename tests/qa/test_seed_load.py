"""The load test's seeding (manage.py seed_load): members who may take part, sessions that
work, the same data on a second run, and a refusal where the database may be a real one."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from community.chat.models import ChatMessage
from community.consent.models import REQUIRED_KINDS, ConsentRecord
from community.consent.state import current_versions, missing_required
from community.forum.models import Post, Thread
from community.moderation.models import ModerationItem


def seed(path, members: int = 3) -> dict:
    """Run the command as scripts/loadtest.sh does, and read what it wrote."""
    call_command(
        "seed_load",
        "--members",
        str(members),
        "--output",
        str(path),
        "--yes-this-is-a-test-database",
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    return json.loads(path.read_text())


def test_the_load_seeding_makes_members_who_pass_the_consent_gate_and_sessions_that_open_the_thread_page(  # noqa: E501
    db, client, tmp_path
):
    run = seed(tmp_path / "run.json")

    assert set(REQUIRED_KINDS) <= set(current_versions())
    members = get_user_model().objects.filter(email__endswith="@load-test.invalid")
    assert members.count() == 3
    assert all(missing_required(member) == [] for member in members)
    assert not any(member.has_usable_password() for member in members)
    assert Thread.objects.get(pk=run["long_thread_id"]).post_count == 50
    assert len(run["sessions"]) == 3
    client.cookies[run["session_cookie_name"]] = run["sessions"][0]
    group = f"/groups/{run['group_slug']}"
    for path in (
        f"{group}/threads/{run['long_thread_id']}/?page=2",
        f"{group}/threads/",
        f"{group}/chat/",
        "/notifications/",
    ):
        assert client.get(path).status_code == 200, path


def test_the_seeded_history_is_published_and_every_member_has_an_earlier_post(db, tmp_path):
    seed(tmp_path / "run.json", members=3)

    assert not ModerationItem.objects.exists()  # nothing held, flagged or raised as a crisis
    assert set(Post.objects.values_list("author__email", flat=True)) == set(
        get_user_model().objects.values_list("email", flat=True)
    )
    assert ChatMessage.objects.filter(room__group__slug="load-test").exists()


def test_a_second_run_makes_nothing_twice_but_new_sessions(db, tmp_path):
    first = seed(tmp_path / "first.json", members=2)
    counts = [
        model.objects.count()
        for model in (get_user_model(), Thread, Post, ChatMessage, ConsentRecord)
    ]

    second = seed(tmp_path / "second.json", members=2)

    assert [
        model.objects.count()
        for model in (get_user_model(), Thread, Post, ChatMessage, ConsentRecord)
    ] == counts
    assert second["thread_ids"] == first["thread_ids"]
    assert not set(second["sessions"]) & set(first["sessions"])


def test_it_refuses_to_run_with_debug_off_without_the_flag(db, settings, tmp_path):
    settings.DEBUG = False
    output = tmp_path / "run.json"

    with pytest.raises(CommandError, match="--yes-this-is-a-test-database"):
        call_command("seed_load", "--members", "2", "--output", str(output))

    assert not get_user_model().objects.exists()
    assert not output.exists()
