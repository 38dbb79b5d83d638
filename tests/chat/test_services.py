"""The chat's writes: who may send, edit and delete, what is refused (and then changes
nothing), retries that send once, and broadcasts that leave only after commit."""

from datetime import timedelta

import pytest
import redis.exceptions
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from community.chat import services
from community.chat.broadcast import message_event
from community.chat.models import ChatMessage, ChatRoom
from community.consent.models import Kind
from community.groups import services as group_services
from community.groups.models import Membership
from community.moderation import services as moderation
from community.moderation.models import WatchedWord


@pytest.fixture
def send(room, django_capture_on_commit_callbacks):
    """Send as the service's callers do, and commit (so the broadcast goes out)."""

    def run(author, text="Hello everyone", client_id="c-1", target=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.send_message(
                author=author, room=target or room, text=text, client_id=client_id
            )

    return run


def error_code(raised: pytest.ExceptionInfo) -> str:
    return raised.value.code


# --- Sending ------------------------------------------------------------------------------


def test_a_member_sends_a_message_that_is_stored_rendered_and_broadcast_to_the_room(
    member, room, send, sent
):
    message, created = send(member, text="Feeling **better** today", client_id="abc")

    assert created
    stored = ChatMessage.objects.get()
    assert stored == message
    assert (stored.room, stored.author, stored.client_id) == (room, member, "abc")
    assert stored.body_source == "Feeling **better** today"
    assert "<strong>better</strong>" in stored.body_html
    assert stored.body_text == "Feeling better today"
    assert sent == [(room.pk, message_event(stored))]
    assert sent[0][1]["state"] == "shown"
    assert sent[0][1]["author"] == "Member of group"


def test_the_broadcast_waits_for_the_commit(member, room, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.send_message(author=member, room=room, text="Hi", client_id="c-1")
        assert sent == []

    assert len(callbacks) == 1
    callbacks[0]()
    assert [event["type"] for _room, event in sent] == ["message"]


def test_a_message_whose_transaction_rolls_back_is_neither_stored_nor_broadcast(
    member, room, sent, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.send_message(author=member, room=room, text="Hi", client_id="c-1")
        raise RuntimeError("the request failed after sending")

    assert not ChatMessage.objects.exists()
    assert sent == []


def test_sending_the_same_client_id_again_finds_the_stored_message_and_broadcasts_once(
    member, send, sent
):
    first, created_first = send(member, text="Only once", client_id="retry-me")
    again, created_again = send(member, text="Only once", client_id="retry-me")

    assert (created_first, created_again) == (True, False)
    assert again.pk == first.pk
    assert ChatMessage.objects.count() == 1
    assert len(sent) == 1


def test_the_same_client_id_from_two_members_makes_two_messages(member, peer, send):
    send(member, client_id="same")
    send(peer, client_id="same")

    assert ChatMessage.objects.filter(client_id="same").count() == 2


def test_text_is_stored_with_plain_newlines_and_without_surrounding_space(member, send):
    message, _created = send(member, text="  line one\r\nline two\r\n  ")

    assert message.body_source == "line one\nline two"


def test_markup_that_could_run_script_is_not_kept(member, send):
    message, _created = send(member, text='<script>alert(1)</script><img src=x onerror="a()">')

    assert "<script" not in message.body_html
    assert "<img" not in message.body_html


@pytest.mark.parametrize("text", ["", "   ", "\r\n\t\n"], ids=["nothing", "spaces", "newlines"])
def test_an_empty_message_is_refused_and_nothing_is_stored(member, send, sent, text):
    with pytest.raises(ValidationError) as raised:
        send(member, text=text)

    assert error_code(raised) == "empty"
    assert not ChatMessage.objects.exists()
    assert sent == []


def test_a_message_over_the_limit_is_refused_with_its_length_and_nothing_is_stored(
    member, send, settings
):
    with pytest.raises(ValidationError) as raised:
        send(member, text="x" * (settings.CHAT_MESSAGE_MAX_LENGTH + 1))

    assert error_code(raised) == "too_long"
    assert str(settings.CHAT_MESSAGE_MAX_LENGTH + 1) in raised.value.messages[0]
    assert not ChatMessage.objects.exists()


def test_a_message_exactly_at_the_limit_is_sent(member, send, settings):
    message, created = send(member, text="x" * settings.CHAT_MESSAGE_MAX_LENGTH)

    assert created
    assert len(message.body_source) == settings.CHAT_MESSAGE_MAX_LENGTH


def test_a_message_with_a_word_the_group_blocks_is_refused_with_the_word(member, group, send, sent):
    WatchedWord.objects.create(group=group, phrase="miracle cure", response="block")

    with pytest.raises(ValidationError) as raised:
        send(member, text="Try this Miracle Cure today")

    assert error_code(raised) == "watched_word"
    assert "miracle cure" in raised.value.messages[0]
    assert not ChatMessage.objects.exists()
    assert sent == []


def test_an_edit_may_not_bring_in_a_blocked_word(member, group, send):
    message, _created = send(member, text="Harmless")
    WatchedWord.objects.create(group=group, phrase="miracle cure", response="block")

    with pytest.raises(ValidationError) as raised:
        services.edit_message(editor=member, message=message, text="Now a miracle cure")

    assert error_code(raised) == "watched_word"
    message.refresh_from_db()
    assert message.body_source == "Harmless"


@pytest.mark.parametrize(
    "client_id", ["", "   ", "x" * 65, "line\nbreak"], ids=["empty", "blank", "too-long", "control"]
)
def test_a_missing_or_malformed_client_id_is_refused(member, send, client_id):
    with pytest.raises(ValidationError) as raised:
        send(member, client_id=client_id)

    assert error_code(raised) == "id"
    assert not ChatMessage.objects.exists()


def test_a_member_sending_faster_than_the_limit_is_asked_to_slow_down(member, peer, send, settings):
    settings.CHAT_RATE_LIMIT = 3
    for number in range(3):
        send(member, text=f"message {number}", client_id=f"c-{number}")

    with pytest.raises(ValidationError) as raised:
        send(member, text="one too many", client_id="c-extra")

    assert error_code(raised) == "slow_down"
    assert ChatMessage.objects.filter(author=member).count() == 3
    assert not ChatMessage.objects.filter(body_source="one too many").exists()
    # The limit is per member: a peer writing at the same time is not slowed down.
    assert send(peer, text="I'm here too", client_id="p-1")[1]


def test_while_redis_is_unreachable_a_message_is_stored_without_the_rate_count(
    member, send, monkeypatch
):
    """The counter lives in Redis: losing the member's words would be worse than a few
    seconds without a limit. Typing signals (a courtesy) stop meanwhile."""

    class FrozenRedis:
        def __getattr__(self, name):
            def redis_down(*args, **kwargs):
                raise redis.exceptions.TimeoutError("Timeout reading from socket")

            return redis_down

    monkeypatch.setattr(services, "cache", FrozenRedis())

    message, created = send(member, text="Still getting through", client_id="r-1")

    assert created and message.body_source == "Still getting through"
    assert services.may_signal_typing(member, message.room) is False


def test_a_retry_of_a_stored_message_does_not_count_against_the_rate_limit(member, send, settings):
    settings.CHAT_RATE_LIMIT = 1
    send(member, client_id="c-1")

    message, created = send(member, client_id="c-1")

    assert not created
    assert message.client_id == "c-1"


@pytest.mark.parametrize("who", ["muted_member", "removed_member", "outsider", "staff"])
def test_people_who_may_not_write_in_the_group_are_refused_and_nothing_is_stored(
    request, send, sent, who
):
    with pytest.raises(PermissionDenied):
        send(request.getfixturevalue(who))

    assert not ChatMessage.objects.exists()
    assert sent == []


def test_a_member_muted_until_a_past_moment_may_write_again(member, group, send):
    group_services.mute_member(group=group, user=member, until=timezone.now() + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        send(member, client_id="while-muted")
    Membership.objects.filter(user=member, group=group).update(
        muted_until=timezone.now() - timedelta(hours=1)
    )
    fresh = type(member).objects.get(pk=member.pk)

    assert send(fresh, client_id="after-mute")[1]


def test_a_member_with_a_required_document_to_accept_may_not_send(member, publish, send):
    publish(Kind.GUIDELINES)
    fresh = type(member).objects.get(pk=member.pk)

    with pytest.raises(PermissionDenied):
        send(fresh)

    assert not ChatMessage.objects.exists()


def test_a_member_who_accepted_the_documents_in_force_may_send(accepted_member, send):
    assert send(accepted_member)[1]


# --- Editing and deleting -----------------------------------------------------------------


@pytest.fixture
def message(member, send) -> ChatMessage:
    return send(member, text="My first try", client_id="first")[0]


def test_the_author_edits_their_message_and_the_room_sees_the_new_text(
    member, message, sent, django_capture_on_commit_callbacks
):
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_message(editor=member, message=message, text="My *second* try")

    message.refresh_from_db()
    assert message.body_source == "My *second* try"
    assert "<em>second</em>" in message.body_html
    assert message.edited_at is not None
    [(_room, event)] = sent
    assert (event["id"], event["edited"], event["state"]) == (message.pk, True, "shown")
    assert "<em>second</em>" in event["html"]


def test_an_edit_is_not_broadcast_before_the_commit(
    member, message, sent, django_capture_on_commit_callbacks
):
    sent.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.edit_message(editor=member, message=message, text="Changed")

    assert sent == []
    assert len(callbacks) == 1


def test_an_edit_to_an_empty_text_is_refused_and_the_message_keeps_its_words(member, message):
    with pytest.raises(ValidationError) as raised:
        services.edit_message(editor=member, message=message, text="  ")

    assert error_code(raised) == "empty"
    message.refresh_from_db()
    assert (message.body_source, message.edited_at) == ("My first try", None)


@pytest.mark.parametrize("who", ["peer", "moderator", "outsider", "staff"])
def test_nobody_but_the_author_may_edit_a_message(request, message, who):
    with pytest.raises(PermissionDenied):
        services.edit_message(editor=request.getfixturevalue(who), message=message, text="Mine")

    message.refresh_from_db()
    assert message.body_source == "My first try"


def test_a_muted_author_may_not_edit_but_may_delete_their_message(member, group, message):
    group_services.mute_member(group=group, user=member, until=None)
    muted = type(member).objects.get(pk=member.pk)

    with pytest.raises(PermissionDenied):
        services.edit_message(editor=muted, message=message, text="Sneaky change")
    services.delete_message(actor=muted, message=message)

    message.refresh_from_db()
    assert message.deleted_at is not None
    assert message.body_source == ""


def test_a_message_hidden_by_the_moderators_cannot_be_edited_by_its_author(member, message):
    ChatMessage.objects.filter(pk=message.pk).update(hidden_at=timezone.now())
    message.refresh_from_db()

    with pytest.raises(PermissionDenied):
        services.edit_message(editor=member, message=message, text="Put it back")


def test_deleting_erases_the_text_at_once_and_the_room_sees_it_deleted(
    member, message, sent, django_capture_on_commit_callbacks
):
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_message(actor=member, message=message)

    message.refresh_from_db()
    assert message.deleted_at is not None
    assert (message.body_source, message.body_html, message.body_text) == ("", "", "")
    [(_room, event)] = sent
    assert (event["id"], event["state"], event["html"]) == (message.pk, "deleted", "")


@pytest.mark.parametrize("who", ["peer", "moderator", "outsider"])
def test_nobody_but_the_author_may_delete_a_message(request, message, who):
    with pytest.raises(PermissionDenied):
        services.delete_message(actor=request.getfixturevalue(who), message=message)

    message.refresh_from_db()
    assert message.deleted_at is None
    assert message.body_source == "My first try"


def test_a_deleted_message_can_be_neither_edited_nor_deleted_again(member, message):
    services.delete_message(actor=member, message=message)

    with pytest.raises(PermissionDenied):
        services.edit_message(editor=member, message=message, text="Back again")
    with pytest.raises(PermissionDenied):
        services.delete_message(actor=member, message=message)


# --- Replay and what peers see ------------------------------------------------------------


def test_replay_returns_the_changes_after_a_number_in_their_order(member, peer, write):
    first, second, third = write(member, "one"), write(peer, "two"), write(member, "three")

    assert services.changes_after(first.room, first.seq) == [second, third]
    assert services.changes_after(first.room, third.seq) == []
    assert services.latest_change(first.room) == third.seq


def test_replay_holds_only_the_rooms_own_messages(member, write, make_group, join):
    elsewhere = make_group("Elsewhere")
    join(member, elsewhere)
    other_room = ChatRoom.objects.create(group=elsewhere)
    mine = write(member, "here")
    write(member, "there", room=other_room)

    assert services.changes_after(mine.room, 0) == [mine]


def test_every_change_in_a_room_is_numbered_one_after_the_other(
    room, member, peer, moderator, sent, django_capture_on_commit_callbacks
):
    """Sent, edited, deleted, moderated: each change takes the room's next number, and a
    message carries the number of its latest change (what a replay is ordered by)."""
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = services.send_message(author=member, room=room, text="One", client_id="a")
        second, _ = services.send_message(author=peer, room=room, text="Two", client_id="b")
        services.edit_message(editor=member, message=first, text="One, edited")
        services.delete_message(actor=peer, message=second)
        item = moderation.flag_content(
            reporter=peer, kind="chat.message", object_id=first.pk, reason="third_party"
        ).item
        moderation.act(moderator=moderator, item=item, action="hide")

    numbers = [event["seq"] for _room, event in sent if event["type"] == "message"]
    assert numbers == [1, 2, 3, 4, 5]
    assert services.latest_change(room) == 5
    assert [message.pk for message in services.changes_after(room, 2)] == [second.pk, first.pk]
    assert services.changes_after(room, 4)[0].hidden_at is not None


def test_a_broadcast_that_fails_neither_undoes_the_message_nor_fails_the_sender(
    room, member, monkeypatch, django_capture_on_commit_callbacks
):
    def layer_down(room_id, event):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(services, "send_to_room", layer_down)

    with django_capture_on_commit_callbacks(execute=True):
        message, created = services.send_message(
            author=member, room=room, text="Still stored", client_id="robust-1"
        )

    assert created and message.seq == 1
    assert ChatMessage.objects.get(pk=message.pk).body_source == "Still stored"


def test_peers_see_no_text_of_a_deleted_or_withheld_message(member, write):
    deleted = write(member, "gone", deleted_at=timezone.now())
    hidden = write(member, "hidden words", hidden_at=timezone.now())
    removed = write(member, "removed words", removed_at=timezone.now())

    assert (message_event(deleted)["state"], message_event(deleted)["html"]) == ("deleted", "")
    assert (message_event(hidden)["state"], message_event(hidden)["html"]) == ("withheld", "")
    assert (message_event(removed)["state"], message_event(removed)["html"]) == ("withheld", "")


def test_a_message_whose_author_account_is_gone_shows_former_member(member, write):
    message = write(member, "kept")
    member.delete()
    message.refresh_from_db()

    assert message_event(message)["author"] == "Former member"
    assert message_event(message)["author_key"] == ""


def test_with_the_redis_cache_the_limit_counts_each_message_in_one_round_trip(
    member, send, settings
):
    """Production's cache (Redis): the window starts and the message is counted in one
    pipeline; the window expires on its own."""
    import uuid

    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "config.outages.OutageAwareRedisCache",
            "LOCATION": "redis://127.0.0.1:6379/12",
            "KEY_PREFIX": f"test-rate-{uuid.uuid4().hex}",
        }
    }
    settings.CHAT_RATE_LIMIT = 2
    try:
        assert services.count_send(member) == 1
        name = cache.make_and_validate_key(f"chat:rate:{member.pk}")
        client = cache._cache.get_client(name)
        assert 0 < client.ttl(name) <= settings.CHAT_RATE_WINDOW
        assert services.count_send(member) == 2
        with pytest.raises(ValidationError) as raised:
            send(member, text="one too many", client_id="c-extra")
        assert error_code(raised) == "slow_down"
    finally:
        cache.delete(f"chat:rate:{member.pk}")  # not clear(): that empties the whole database
