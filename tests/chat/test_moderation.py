"""Moderators act on chat messages through the shared queue: every decision changes the
stored message and is broadcast to the room once it commits."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.chat import services
from community.chat.models import ChatMessage
from community.moderation import services as moderation
from community.moderation.models import Flag, ModerationAction, ModerationItem, WatchedWord
from community.moderation.registry import get_kind

KIND = "chat.message"


@pytest.fixture
def message(member, write) -> ChatMessage:
    return write(member, "Buy my **miracle** cure at cure.example")


@pytest.fixture
def item(message, peer) -> ModerationItem:
    moderation.flag_content(reporter=peer, kind=KIND, object_id=message.pk, reason="spam")
    return ModerationItem.objects.get(kind=KIND, object_id=message.pk)


@pytest.fixture
def decide(moderator, item, django_capture_on_commit_callbacks, sent):
    """Act as the moderator and commit (so the broadcast goes out)."""

    def run(action: str, **extra):
        sent.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return moderation.act(moderator=moderator, item=item, action=action, **extra)

    return run


def test_a_member_flags_a_chat_message_into_the_groups_queue(item, message, member, group):
    assert (item.group, item.author, item.flag_count) == (group, member, 1)
    assert item.state == ModerationItem.State.OPEN


def test_the_queue_links_to_the_message_in_the_room(message):
    assert get_kind(KIND).url_of(message) == reverse(
        "chat:message_link", kwargs={"message_id": message.pk}
    )


def test_hiding_a_flagged_message_withholds_it_and_tells_the_room(decide, message, room, sent):
    decide("hide")

    message.refresh_from_db()
    assert message.hidden_at is not None
    assert message.body_source  # kept for the review and a possible appeal
    [(room_id, event)] = sent
    assert room_id == room.pk
    assert (event["type"], event["id"], event["state"], event["html"]) == (
        "message",
        message.pk,
        "withheld",
        "",
    )


def test_the_hide_is_broadcast_only_after_the_commit(
    moderator, item, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation.act(moderator=moderator, item=item, action="hide")

    assert sent == []
    assert callbacks


def test_unhiding_a_hidden_message_shows_it_again_to_the_room(decide, message, sent):
    decide("hide")
    decide("unhide")

    message.refresh_from_db()
    assert message.hidden_at is None
    [(_room, event)] = sent
    assert event["state"] == "shown"
    assert "<strong>miracle</strong>" in event["html"]


def test_removing_a_message_withholds_it_with_the_reason_the_author_is_told(decide, message, sent):
    decide("remove", reason="Advertising is not allowed here")

    message.refresh_from_db()
    assert message.removed_at is not None
    assert message.moderator_note == "Advertising is not allowed here"
    assert [event["state"] for _room, event in sent] == ["withheld"]


def test_redacting_a_message_replaces_its_words_for_everyone(decide, message, sent):
    decide("redact", new_text="Buy my cure at [link removed]", reason="No advertising")

    message.refresh_from_db()
    assert message.body_source == "Buy my cure at [link removed]"
    assert "miracle" not in message.body_html
    assert message.moderator_note == "No advertising"
    states = [(event["state"], event["html"]) for _room, event in sent]
    assert ("shown", "<p>Buy my cure at [link removed]</p>") in states
    assert all("miracle" not in html for _state, html in states)
    log = ModerationAction.objects.get(action="redact")
    # The log keeps how much was redacted and why, never the redacted words.
    assert log.before == "" and "miracle" not in log.after
    assert log.redacted_characters > 0 and log.reason == "No advertising"


def test_members_may_not_flag_their_own_message_and_outsiders_may_not_flag_at_all(
    message, member, outsider
):
    with pytest.raises(ValidationError):
        moderation.flag_content(reporter=member, kind=KIND, object_id=message.pk, reason="spam")
    with pytest.raises(PermissionDenied):
        moderation.flag_content(reporter=outsider, kind=KIND, object_id=message.pk, reason="spam")

    assert not ModerationItem.objects.exists()


def test_a_plain_member_cannot_act_on_the_queue(item, peer, message):
    with pytest.raises(PermissionDenied):
        moderation.act(moderator=peer, item=item, action="hide")

    message.refresh_from_db()
    assert message.hidden_at is None


def test_a_hidden_message_shows_on_the_room_page_without_its_words(
    client, decide, peer, group, message
):
    decide("hide")
    client.force_login(peer)

    html = client.get(reverse("chat:room", kwargs={"slug": group.slug})).content.decode()

    assert f'id="message-{message.pk}"' in html
    assert "Hidden by the moderators" in html
    assert "miracle" not in html


@pytest.mark.parametrize("response", ["flag", "hold"])
def test_a_watched_word_sends_the_message_and_asks_the_moderators_to_look(
    member, group, room, sent, response
):
    WatchedWord.objects.create(group=group, phrase="overdose", response=response)

    message, created = services.send_message(
        author=member, room=room, text="I worry about an overdose", client_id="w-1"
    )

    assert created and message.hidden_at is None  # a live room holds nothing back
    item = ModerationItem.objects.get(kind="chat.message", object_id=message.pk)
    assert Flag.objects.get(item=item).note == "Watched word: overdose"


def test_a_moderator_opens_a_message_for_review_without_a_flag_and_hides_it_at_once(
    client, moderator, message, sent, django_capture_on_commit_callbacks
):
    url = reverse("moderation:review_content", kwargs={"kind": KIND, "object_id": message.pk})
    client.force_login(moderator)

    assert "Buy my" in client.get(url).content.decode()
    response = client.post(url)

    item = ModerationItem.objects.get(kind=KIND, object_id=message.pk)
    assert response["Location"] == reverse(
        "moderation:item", kwargs={"slug": message.room.group.slug, "item_id": item.pk}
    )
    assert not item.flags.exists()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.act(moderator=moderator, item=item, action="hide")
    assert ChatMessage.objects.get(pk=message.pk).hidden_at is not None
    assert sent[-1][1]["state"] == "withheld"


def test_opening_for_review_reopens_a_resolved_item(moderator, item):
    moderation.act(moderator=moderator, item=item, action="keep")
    assert ModerationItem.objects.get(pk=item.pk).state != ModerationItem.State.OPEN

    reopened = moderation.open_for_review(moderator=moderator, kind=KIND, object_id=item.object_id)

    assert reopened.pk == item.pk and reopened.state == ModerationItem.State.OPEN


def test_members_cannot_open_content_for_review(client, peer, message):
    url = reverse("moderation:review_content", kwargs={"kind": KIND, "object_id": message.pk})
    client.force_login(peer)

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    with pytest.raises(PermissionDenied):
        moderation.open_for_review(moderator=peer, kind=KIND, object_id=message.pk)
    assert not ModerationItem.objects.exists()


def test_moderators_see_a_moderate_link_on_others_messages_in_the_room(
    client, moderator, message, group
):
    client.force_login(moderator)

    html = client.get(reverse("chat:room", kwargs={"slug": group.slug})).content.decode()

    assert reverse("moderation:review_content", args=[KIND, message.pk]) in html
