"""The chat room as a page, which works without JavaScript: who sees it, the latest messages
rendered on the server, older pages, the plain form post, and editing or deleting one's own
messages."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.chat.models import ChatMessage
from community.consent.models import Kind


def room_url(group) -> str:
    return reverse("chat:room", kwargs={"slug": group.slug})


def message_url(name: str, message: ChatMessage) -> str:
    return reverse(f"chat:{name}", kwargs={"message_id": message.pk})


def page(client, user, url: str, **params) -> str:
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def shown_ids(html: str) -> list[int]:
    """Ids of the messages on the page, in the order shown."""
    return [int(found) for found in re.findall(r'id="message-(\d+)"', html)]


def post_message(client, group, text: str, client_id: str = "form-1"):
    return client.post(room_url(group), {"text": text, "client_id": client_id})


# --- Who sees the room --------------------------------------------------------------------


def test_a_member_sees_the_room_with_its_messages_and_a_composer(
    client, member, peer, group, room, write
):
    write(peer, "Hello from **Petra**")

    html = page(client, member, room_url(group))

    assert "Hello from <strong>Petra</strong>" in html
    assert "Peer Petra" in html
    assert f'data-socket="/ws/chat/{room.pk}/"' in html
    assert "data-chat-form" in html
    assert 'name="client_id"' in html


def test_the_room_page_makes_the_groups_room_on_first_visit(client, member, group):
    html = page(client, member, room_url(group))

    assert group.chat_rooms.filter(kind="group").count() == 1
    assert "No messages yet" in html


@pytest.mark.parametrize("who", ["outsider", "removed_member", "staff"])
def test_people_who_may_not_read_the_group_get_not_found(client, request, group, room, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(room_url(group)).status_code == 404


def test_a_room_of_a_group_that_does_not_exist_looks_the_same_as_a_forbidden_one(client, member):
    client.force_login(member)

    assert client.get(reverse("chat:room", kwargs={"slug": "no-such-group"})).status_code == 404


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client, group, room):
    response = client.get(room_url(group))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_member_with_the_guidelines_to_accept_is_sent_to_the_acceptance_page(
    client, member, group, room, publish
):
    publish(Kind.GUIDELINES)
    client.force_login(member)

    response = client.get(room_url(group))

    assert response.status_code == 302
    assert reverse("consent:accept") in response.url


# --- Messages on the page -----------------------------------------------------------------


def test_the_page_shows_the_latest_messages_oldest_first_with_a_link_to_earlier_ones(
    client, member, peer, group, room, write, settings
):
    settings.CHAT_MESSAGES_PER_PAGE = 3
    written = [write(peer if n % 2 else member, f"Number {n}") for n in range(7)]

    latest = page(client, member, room_url(group))

    assert shown_ids(latest) == [m.pk for m in written[4:]]
    assert f"?before={written[4].pk}" in latest
    assert "Show earlier messages" in latest


def test_before_shows_the_page_of_older_messages_and_the_way_back(
    client, member, group, room, write, settings
):
    settings.CHAT_MESSAGES_PER_PAGE = 3
    written = [write(member, f"Number {n}") for n in range(7)]

    older = page(client, member, room_url(group), before=written[4].pk)
    oldest = page(client, member, room_url(group), before=written[1].pk)

    assert shown_ids(older) == [m.pk for m in written[1:4]]
    assert f"?before={written[1].pk}" in older
    assert "Back to the latest messages" in older
    assert "data-chat " not in older  # an older page is not the live one
    assert shown_ids(oldest) == [written[0].pk]
    assert "Show earlier messages" not in oldest


def test_a_before_that_is_not_a_number_shows_the_latest_messages(
    client, member, group, room, write
):
    message = write(member, "Latest")

    html = page(client, member, room_url(group), before="abc")

    assert shown_ids(html) == [message.pk]


def test_the_page_costs_the_same_number_of_queries_for_5_and_50_messages(
    client, member, peer, group, room, write, make_user, join
):
    writers = [member, peer]
    for number in range(3):
        writer = make_user(display_name=f"Writer {number}")
        join(writer, group)
        writers.append(writer)
    client.force_login(member)

    def fill(count: int) -> None:
        for number in range(ChatMessage.objects.count(), count):
            extra = {}
            if number % 7 == 3:
                extra["deleted_at"] = timezone.now()
            if number % 11 == 5:
                extra["hidden_at"] = timezone.now()
            if number % 5 == 1:
                extra["edited_at"] = timezone.now()
            write(writers[number % len(writers)], f"Message *{number}*", **extra)

    def measure() -> tuple[int, list[int]]:
        page(client, member, room_url(group))  # the bell, counted once and kept
        with CaptureQueriesContext(connection) as queries:
            html = page(client, member, room_url(group))
        return len(queries), shown_ids(html)

    fill(5)
    few, few_ids = measure()
    fill(50)
    many, many_ids = measure()

    assert (len(few_ids), len(many_ids)) == (5, 50)
    assert many == few


def test_deleted_and_hidden_messages_show_what_happened_but_not_their_words(
    client, member, peer, group, room, write
):
    write(peer, "Deleted words", deleted_at=timezone.now())
    write(peer, "Hidden words", hidden_at=timezone.now())
    write(peer, "Removed words", removed_at=timezone.now())

    html = page(client, member, room_url(group))

    assert "Deleted by its author" in html
    assert html.count("Hidden by the moderators") >= 2
    for words in ("Deleted words", "Hidden words", "Removed words"):
        assert words not in html


def test_own_messages_have_edit_and_delete_links_and_others_a_flag_link(
    client, member, peer, group, room, write
):
    mine, theirs = write(member, "Mine"), write(peer, "Theirs")

    html = page(client, member, room_url(group))

    assert message_url("message_edit", mine) in html
    assert message_url("message_delete", mine) in html
    assert message_url("message_edit", theirs) not in html
    assert reverse("moderation:flag", args=["chat.message", theirs.pk]) in html
    assert reverse("moderation:flag", args=["chat.message", mine.pk]) not in html


def test_an_htmx_request_gets_only_the_messages(client, member, group, room, write):
    message = write(member, "Partial")
    client.force_login(member)

    response = client.get(room_url(group), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert shown_ids(html) == [message.pk]
    assert "<html" not in html


# --- Sending without JavaScript -----------------------------------------------------------


def test_the_form_post_stores_the_message_and_redirects_to_the_room(client, member, group, room):
    client.force_login(member)

    response = post_message(client, group, "Sent without *JavaScript*")

    assert response.status_code == 302
    assert response.url == room_url(group)
    message = ChatMessage.objects.get()
    assert (message.author, message.room, message.client_id) == (member, room, "form-1")
    assert "<em>JavaScript</em>" in message.body_html
    assert "Sent without <em>JavaScript</em>" in page(client, member, room_url(group))


def test_posting_the_same_form_twice_sends_once(client, member, group, room):
    client.force_login(member)

    post_message(client, group, "Pressed twice", client_id="same-page")
    second = post_message(client, group, "Pressed twice", client_id="same-page")

    assert second.status_code == 302
    assert ChatMessage.objects.count() == 1


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001], ids=["empty", "blank", "too-long"])
def test_an_empty_or_oversize_form_post_is_refused_with_an_error_and_nothing_is_stored(
    client, member, group, room, text
):
    client.force_login(member)

    response = post_message(client, group, text)

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not ChatMessage.objects.exists()


def test_a_form_post_over_the_rate_limit_is_refused_with_the_reason(
    client, member, group, room, settings
):
    settings.CHAT_RATE_LIMIT = 1
    client.force_login(member)
    post_message(client, group, "First", client_id="f-1")

    response = post_message(client, group, "Second", client_id="f-2")

    assert response.status_code == 400
    assert "slow down" in response.content.decode()
    assert list(ChatMessage.objects.values_list("body_source", flat=True)) == ["First"]


def test_a_muted_member_reads_the_room_without_a_composer_and_a_post_is_refused(
    client, muted_member, peer, group, room, write
):
    write(peer, "Visible to the muted")

    html = page(client, muted_member, room_url(group))
    response = post_message(client, group, "Let me speak")

    assert "Visible to the muted" in html
    assert "data-chat-form" not in html
    assert "you cannot write in it right now" in html
    assert response.status_code in (200, 403)
    assert "You cannot write in this chat right now." in response.content.decode()
    assert ChatMessage.objects.filter(author=muted_member).count() == 0


def test_an_outsiders_form_post_is_not_found_and_stores_nothing(client, outsider, group, room):
    client.force_login(outsider)

    assert post_message(client, group, "Let me in").status_code == 404
    assert not ChatMessage.objects.exists()


# --- Editing and deleting one's own messages ----------------------------------------------


def test_the_author_edits_a_message_on_its_page(client, member, group, room, write):
    message = write(member, "Teh original")
    client.force_login(member)

    form = client.get(message_url("message_edit", message))
    saved = client.post(message_url("message_edit", message), {"text": "The original"})

    assert form.status_code == 200
    assert "Teh original" in form.content.decode()
    assert saved.status_code == 302
    assert saved.url == room_url(group)
    message.refresh_from_db()
    assert message.body_source == "The original"
    assert message.edited_at is not None


def test_an_edit_to_an_empty_text_is_refused_on_the_page(client, member, room, write):
    message = write(member, "Keep me")
    client.force_login(member)

    response = client.post(message_url("message_edit", message), {"text": "  "})

    assert response.status_code == 400
    message.refresh_from_db()
    assert message.body_source == "Keep me"


@pytest.mark.parametrize("name", ["message_edit", "message_delete"])
def test_a_peer_may_not_open_the_edit_or_delete_page_of_someone_elses_message(
    client, member, peer, room, write, name
):
    message = write(member, "Not yours")
    client.force_login(peer)

    assert client.get(message_url(name, message)).status_code == 403
    assert client.post(message_url(name, message), {"text": "Changed"}).status_code == 403
    message.refresh_from_db()
    assert (message.body_source, message.deleted_at) == ("Not yours", None)


@pytest.mark.parametrize("name", ["message_edit", "message_delete", "message_link"])
def test_an_outsider_gets_not_found_for_a_message_page(client, member, outsider, room, write, name):
    message = write(member, "Private")
    client.force_login(outsider)

    assert client.get(message_url(name, message)).status_code == 404


def test_the_author_deletes_a_message_after_confirming(client, member, group, room, write):
    message = write(member, "Regret this")
    client.force_login(member)

    confirm = client.get(message_url("message_delete", message))
    deleted = client.post(message_url("message_delete", message))

    assert confirm.status_code == 200
    assert "Regret this" in confirm.content.decode()
    assert deleted.status_code == 302
    message.refresh_from_db()
    assert message.deleted_at is not None
    assert message.body_source == ""
    assert "Regret this" not in page(client, member, room_url(group))


def test_a_deleted_message_cannot_be_edited_on_its_page(client, member, room, write):
    message = write(member, "Gone", deleted_at=timezone.now())
    client.force_login(member)

    assert client.get(message_url("message_edit", message)).status_code == 403


# --- Links from moderation ----------------------------------------------------------------


def test_a_message_link_leads_to_the_page_holding_the_message(
    client, member, group, room, write, settings
):
    settings.CHAT_MESSAGES_PER_PAGE = 3
    written = [write(member, f"Number {n}") for n in range(7)]
    target = written[2]
    client.force_login(member)

    response = client.get(message_url("message_link", target))

    assert response.status_code == 302
    assert response.url == f"{room_url(group)}?before={target.pk + 1}#message-{target.pk}"
    html = page(client, member, response.url.split("#")[0])
    assert shown_ids(html)[-1] == target.pk
