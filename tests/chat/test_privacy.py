"""Chat's part in data rights: the member's own messages in their export, erased when they
close their account with their content, and deleted after the group's retention period."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from community.chat.broadcast import message_event
from community.chat.models import ChatMessage, ChatRoom
from community.moderation import services as moderation
from community.moderation.models import ModerationAction, ModerationItem
from community.privacy.erasure import erasers
from community.privacy.exports import export_sections
from community.privacy.retention import purges
from community.privacy.services import close_account
from community.privacy.tasks import apply_retention

PURGE = "chat.old_messages"
T0 = datetime(2025, 6, 2, 3, 15, tzinfo=UTC)
DAY = timedelta(days=1)


def chat_section():
    [section] = [section for section in export_sections() if section.key == "chat.messages"]
    return section


def remaining_texts() -> set[str]:
    return set(ChatMessage.objects.values_list("body_source", flat=True))


# --- Export -------------------------------------------------------------------------------


def test_the_export_holds_the_members_own_messages_and_nobody_elses(
    member, peer, write, make_group, join
):
    elsewhere = make_group("Another room")
    join(member, elsewhere)
    other_room = ChatRoom.objects.create(group=elsewhere)
    first = write(member, "My first message")
    write(peer, "Peer's words must not leak")
    write(member, "Said elsewhere", room=other_room)

    records = chat_section().collect(member)

    assert [record["text"] for record in records] == ["My first message", "Said elsewhere"]
    assert [record["group"] for record in records] == ["Living well", "Another room"]
    assert records[0]["written"] == first.created_at.isoformat()
    assert records[0]["deleted"] is None
    assert "Peer" not in str(records)


def test_the_export_says_when_a_message_was_hidden_by_the_moderators(
    member, peer, moderator, write
):
    message = write(member, "Flagged words")
    moderation.flag_content(reporter=peer, kind="chat.message", object_id=message.pk, reason="spam")
    item = ModerationItem.objects.get(kind="chat.message", object_id=message.pk)
    moderation.act(moderator=moderator, item=item, action="hide")

    [record] = chat_section().collect(member)

    assert record["text"] == "Flagged words"
    assert record["hidden_by_moderators"] is not None


def test_the_export_of_a_member_who_never_chatted_is_empty(member, peer, write):
    write(peer, "Only the peer talks")

    assert chat_section().collect(member) == []


# --- Closing the account ------------------------------------------------------------------


def test_the_chat_registers_an_eraser_and_a_purge():
    assert "chat" in {eraser.key for eraser in erasers()}
    assert PURGE in {purge.key for purge in purges()}


def test_closing_the_account_with_its_content_deletes_the_members_messages(member, peer, write):
    write(member, "Mine, to go")
    write(member, "Also mine")
    write(peer, "The peer's stay")

    close_account(user=member, delete_content=True)

    assert remaining_texts() == {"The peer's stay"}


def test_closing_the_account_without_its_content_keeps_the_messages_under_former_member(
    member, peer, write
):
    message = write(member, "Stays, without a name")

    close_account(user=member, delete_content=False)

    message = ChatMessage.objects.select_related("author").get(pk=message.pk)
    assert message.body_source == "Stays, without a name"
    assert message_event(message)["author"] == "Former member"


# --- Retention ----------------------------------------------------------------------------


@pytest.fixture
def short_group(make_group, member, join):
    group = make_group("Keeps chat a month", chat_retention_days=30)
    join(member, group)
    return group


def write_at(write, moment: datetime, author, text: str, **fields) -> ChatMessage:
    with time_machine.travel(moment, tick=False):
        return write(author, text, **fields)


def test_the_purge_deletes_exactly_the_messages_older_than_their_groups_retention(
    member, room, short_group, write
):
    short_room = ChatRoom.objects.create(group=short_group)
    # The default group keeps chat 365 days; the short one 30.
    write_at(write, T0 - 366 * DAY, member, "a year and a day old")
    write_at(write, T0 - 364 * DAY, member, "almost a year old")
    write_at(write, T0 - 31 * DAY, member, "a month and a day old", room=short_room)
    write_at(write, T0 - 29 * DAY, member, "almost a month old", room=short_room)
    write_at(write, T0 - 31 * DAY, member, "a month old, in the long group")

    with time_machine.travel(T0, tick=False):
        erased = apply_retention()

    assert erased[PURGE] == 2
    assert remaining_texts() == {
        "almost a year old",
        "almost a month old",
        "a month old, in the long group",
    }


def test_the_purge_run_twice_deletes_nothing_more(member, room, write):
    write_at(write, T0 - 400 * DAY, member, "old")
    write_at(write, T0 - DAY, member, "new")

    with time_machine.travel(T0, tick=False):
        first, second = apply_retention(), apply_retention()

    assert (first[PURGE], second[PURGE]) == (1, 0)
    assert remaining_texts() == {"new"}


def test_the_purge_also_blanks_the_moderators_copies_of_the_purged_text(
    member, peer, moderator, room, write
):
    with time_machine.travel(T0 - 400 * DAY, tick=False):
        message = write(member, "Words the log copied")
        moderation.flag_content(
            reporter=peer, kind="chat.message", object_id=message.pk, reason="other"
        )
        item = ModerationItem.objects.get(kind="chat.message", object_id=message.pk)
        moderation.act(moderator=moderator, item=item, action="remove", reason="Off topic")

    with time_machine.travel(T0, tick=False):
        apply_retention()

    log = ModerationAction.objects.get(action="remove")
    assert (log.before, log.after) == ("", "")
    assert log.reason == "Off topic"  # what was done, and why, stays
    assert not ChatMessage.objects.filter(pk=message.pk).exists()
