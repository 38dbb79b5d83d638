"""A moderator records that they offered support, and writes privately to the member: the
member reads it on their own page, the group's reviewers on the item page, nobody else."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from community.forum import services as forum
from community.forum.models import Post
from community.groups.models import Role
from community.moderation import services as moderation
from community.moderation.models import (
    ModerationAction,
    ModerationItem,
    SupportMessage,
    WatchedWord,
)
from community.moderation.privacy_hooks import (
    purge_closed_accounts_records,
    support_messages_received,
)
from community.moderation.support import mark_read, send_support_message
from community.notifications.models import Notification

KIND = "forum.post"
Action = ModerationAction.Action
WORDS = "You are not alone. Would you like to talk to the nurse line tonight?"


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def item_url(item, name="moderation:item") -> str:
    return reverse(name, kwargs={"slug": item.group.slug, "item_id": item.pk})


MESSAGES_URL = reverse("moderation:messages")


@pytest.fixture
def crisis_item(member, group) -> ModerationItem:
    thread = forum.create_thread(
        author=member, group=group, title="A hard night", body="I cannot go on like this."
    )
    post = thread.posts.get()
    return moderation.raise_crisis(kind=KIND, object_id=post.pk, group=group, author=member)


# --- Support offered ------------------------------------------------------------------------


def test_support_offered_is_recorded_as_the_first_action_and_leaves_the_crisis_open(
    moderator, crisis_item
):
    moderation.claim_item(moderator=moderator, item=crisis_item)
    assert crisis_item.first_action_at is None

    entry = moderation.act(moderator=moderator, item=crisis_item, action=Action.SUPPORT_OFFERED)

    crisis_item.refresh_from_db()
    assert entry.action == Action.SUPPORT_OFFERED and entry.subject_id == crisis_item.author_id
    assert crisis_item.first_action_at is not None
    assert crisis_item.state == ModerationItem.State.OPEN and crisis_item.crisis
    assert crisis_item.claimed_by is None
    assert crisis_item.decided_by is None  # no decision an appeal could go against


def test_support_offered_leaves_the_content_alone_and_tells_the_member_nothing(
    moderator, crisis_item
):
    post = Post.objects.get(pk=crisis_item.object_id)
    before = (post.body_source, post.hidden_at, post.removed_at)

    moderation.act(moderator=moderator, item=crisis_item, action=Action.SUPPORT_OFFERED)

    post.refresh_from_db()
    assert (post.body_source, post.hidden_at, post.removed_at) == before
    assert not Notification.objects.filter(kind="moderation.outcome").exists()


def test_support_offered_on_a_crisis_card_stops_the_waiting_highlight(
    client, moderator, crisis_item
):
    moderation.act(moderator=moderator, item=crisis_item, action=Action.SUPPORT_OFFERED)
    client.force_login(moderator)

    page = client.get(reverse("moderation:queue", kwargs={"slug": crisis_item.group.slug}))

    assert "waiting-crisis" not in page.content.decode()
    assert "First action after" in text_of(page)


def test_support_offered_through_the_page_is_in_the_log(client, moderator, crisis_item):
    client.force_login(moderator)

    response = client.post(item_url(crisis_item, "moderation:act"), {"action": "support_offered"})

    assert response.status_code == 302
    assert list(crisis_item.actions.values_list("action", flat=True)) == [Action.SUPPORT_OFFERED]


def test_support_offered_is_not_among_the_members_decisions_to_appeal(
    client, member, moderator, crisis_item
):
    moderation.act(moderator=moderator, item=crisis_item, action=Action.SUPPORT_OFFERED)
    client.force_login(member)

    text = text_of(client.get(reverse("moderation:notices")))

    assert "Offered the member support" not in text
    assert not moderation.decisions_against_author(crisis_item).exists()


# --- Private messages: the service ----------------------------------------------------------


def test_a_moderator_writes_privately_and_the_member_is_told_without_the_words(
    moderator, member, crisis_item, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = send_support_message(sender=moderator, item=crisis_item, body=WORDS)

    assert (message.sender, message.recipient, message.group) == (
        moderator,
        member,
        crisis_item.group,
    )
    assert "<p>You are not alone." in message.body_html
    notice = Notification.objects.get(recipient=member, kind="moderation.support_message")
    assert notice.url == MESSAGES_URL
    assert [mail.to for mail in mailoutbox] == [[member.email]]
    assert all("not alone" not in str(mail.message()) for mail in mailoutbox)
    crisis_item.refresh_from_db()
    assert crisis_item.first_action_at == message.created_at


def test_the_message_is_sanitised(moderator, crisis_item):
    message = send_support_message(
        sender=moderator, item=crisis_item, body="Hello <script>alert(1)</script> **you**"
    )

    assert "<script>" not in message.body_html
    assert "<strong>you</strong>" in message.body_html


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_an_empty_or_overlong_message_is_refused_and_nothing_is_sent(moderator, crisis_item, body):
    with pytest.raises(ValidationError):
        send_support_message(sender=moderator, item=crisis_item, body=body)

    assert not SupportMessage.objects.exists()
    assert not Notification.objects.filter(kind="moderation.support_message").exists()


def test_a_word_the_group_blocks_is_refused_in_a_message_too(moderator, group, crisis_item):
    WatchedWord.objects.create(group=group, phrase="miracle", response=WatchedWord.Response.BLOCK)

    with pytest.raises(ValidationError):
        send_support_message(sender=moderator, item=crisis_item, body="Try the miracle cure.")

    assert not SupportMessage.objects.exists()


@pytest.mark.parametrize(
    "who", ["member", "peer", "outsider", "staff", "other_group_moderator", "muted_moderator"]
)
def test_only_the_groups_reviewers_may_write_to_the_author(
    request, make_user, join, group, other_group, crisis_item, who
):
    if who == "other_group_moderator":
        sender = make_user(mfa=True)
        join(sender, other_group, role=Role.MODERATOR)
    elif who == "muted_moderator":
        sender = make_user(mfa=True)
        join(sender, group, role=Role.MODERATOR, state="muted")
    else:
        sender = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        send_support_message(sender=sender, item=crisis_item, body=WORDS)

    assert not SupportMessage.objects.exists()


def test_a_clinician_of_the_group_may_write_to_the_author(clinician, crisis_item):
    message = send_support_message(sender=clinician, item=crisis_item, body=WORDS)

    assert message.sender == clinician


def test_nobody_writes_to_themselves(moderator, group, peer):
    thread = forum.create_thread(author=moderator, group=group, title="Mine", body="My words.")
    item = moderation.raise_crisis(
        kind=KIND, object_id=thread.posts.get().pk, group=group, author=moderator
    )

    with pytest.raises(PermissionDenied):
        send_support_message(sender=moderator, item=item, body=WORDS)


# --- Private messages: the pages, per role --------------------------------------------------


def test_the_member_reads_the_message_on_their_page_and_it_is_marked_read(
    client, moderator, member, crisis_item
):
    send_support_message(sender=moderator, item=crisis_item, body=WORDS)
    client.force_login(member)

    response = client.get(MESSAGES_URL)

    assert response.status_code == 200
    text = text_of(response)
    assert WORDS in text and "From Moderator Maja" in text
    assert '<span class="badge">New</span>' in response.content.decode()
    assert SupportMessage.objects.get().read_at is not None
    assert '<span class="badge">New</span>' not in client.get(MESSAGES_URL).content.decode()


@pytest.mark.parametrize("who", ["peer", "outsider", "staff", "clinician", "moderator"])
def test_nobody_else_reads_the_message_on_their_own_messages_page(
    client, request, moderator, crisis_item, who
):
    send_support_message(sender=moderator, item=crisis_item, body=WORDS)
    client.force_login(request.getfixturevalue(who))

    response = client.get(MESSAGES_URL)

    assert response.status_code == 200
    assert "not alone" not in text_of(response)
    assert SupportMessage.objects.get().read_at is None


def test_a_logged_out_visitor_is_sent_to_log_in(client):
    response = client.get(MESSAGES_URL)

    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["moderator", "clinician", "group_admin"])
def test_the_groups_reviewers_see_the_message_on_the_item_page(
    client, request, second_moderator, crisis_item, who
):
    send_support_message(sender=second_moderator, item=crisis_item, body=WORDS)
    client.force_login(request.getfixturevalue(who))

    text = text_of(client.get(item_url(crisis_item)))

    assert WORDS in text and "Moderator Mo" in text and "not read yet" in text


def test_staff_deciding_an_appeal_see_no_messages_and_cannot_write(
    client, staff, moderator, member, peer, group
):
    thread = forum.create_thread(author=member, group=group, title="Pumps", body="Advice.")
    post = thread.posts.get()
    moderation.flag_content(reporter=peer, kind=KIND, object_id=post.pk, reason="unsafe")
    item = ModerationItem.objects.get(kind=KIND, object_id=post.pk)
    send_support_message(sender=moderator, item=item, body=WORDS)
    moderation.act(moderator=moderator, item=item, action=Action.HIDE, reason="Unsafe.")
    moderation.appeal(author=member, item=item, message="Please look again.")
    client.force_login(staff)

    page = client.get(item_url(item))
    sent = client.post(item_url(item, "moderation:message_author"), {"body": "Hello"})

    assert page.status_code == 200 and "not alone" not in text_of(page)
    assert sent.status_code == 404
    assert SupportMessage.objects.count() == 1


@pytest.mark.parametrize("who", ["member", "peer", "outsider"])
def test_people_who_do_not_review_the_group_cannot_post_a_message(
    client, request, crisis_item, who
):
    client.force_login(request.getfixturevalue(who))

    response = client.post(item_url(crisis_item, "moderation:message_author"), {"body": WORDS})

    assert response.status_code == 404
    assert not SupportMessage.objects.exists()


def test_a_message_sent_through_the_item_page_reaches_the_member_once(
    client, moderator, crisis_item
):
    client.force_login(moderator)
    data = {"body": WORDS, "submission_key": "a" * 32}

    first = client.post(item_url(crisis_item, "moderation:message_author"), data)
    second = client.post(item_url(crisis_item, "moderation:message_author"), data)

    assert first.status_code == second.status_code == 302
    assert SupportMessage.objects.count() == 1


def test_an_empty_message_on_the_page_is_answered_with_the_form_again(
    client, moderator, crisis_item
):
    client.force_login(moderator)

    response = client.post(item_url(crisis_item, "moderation:message_author"), {"body": ""})

    assert response.status_code == 400
    assert not SupportMessage.objects.exists()
    # The error summary at the top of the page names the message box and links to it.
    html = response.content.decode()
    assert "data-error-summary" in html and 'href="#id_body"' in html


# --- Export and retention -------------------------------------------------------------------


def test_the_members_export_carries_the_messages_they_received(
    moderator, member, peer, crisis_item
):
    send_support_message(sender=moderator, item=crisis_item, body=WORDS)
    mark_read(recipient=member)

    rows = support_messages_received(member)

    assert [(row["message"], row["from"]) for row in rows] == [(WORDS, "Moderator Maja")]
    assert rows[0]["read"] is not None
    assert support_messages_received(peer) == []


def test_retention_ends_the_messages_of_an_account_closed_long_ago(
    settings, moderator, member, crisis_item
):
    send_support_message(sender=moderator, item=crisis_item, body=WORDS)
    now = timezone.now()
    type(member).objects.filter(pk=member.pk).update(
        erased_at=now - timedelta(days=settings.MODERATION_RECORD_RETENTION_DAYS + 1)
    )

    purge_closed_accounts_records(now)

    assert not SupportMessage.objects.exists()


def test_retention_keeps_the_messages_of_an_open_account(moderator, crisis_item):
    send_support_message(sender=moderator, item=crisis_item, body=WORDS)

    purge_closed_accounts_records(timezone.now())

    assert SupportMessage.objects.count() == 1
