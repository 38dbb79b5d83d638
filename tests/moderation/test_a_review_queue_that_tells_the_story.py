"""The queue's cards and the item page tell a reviewer what happened, to whom, since when,
and offer only the decisions that fit, worded as what the reviewer is about to do."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from community.forum import services as forum
from community.moderation import services as moderation
from community.moderation.forms import ActionForm
from community.moderation.models import ModerationAction, ModerationItem, Reason
from community.moderation.offers import AS_ACTIONS, offered_decisions
from community.moderation.registry import get_kind
from community.privacy.models import AccessRecord

KIND = "forum.post"
Action = ModerationAction.Action


def text_of(response) -> str:
    """The page's visible text, tags removed, entities decoded, spaces squashed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def queue_url(group) -> str:
    return reverse("moderation:queue", kwargs={"slug": group.slug})


def item_url(item, name="moderation:item") -> str:
    return reverse(name, kwargs={"slug": item.group.slug, "item_id": item.pk})


def offered_on(response) -> list[str]:
    """The decisions the page's form offers, by value."""
    return re.findall(r'name="action" value="([a-z_]+)"', response.content.decode())


@pytest.fixture
def crisis_item(member, group) -> ModerationItem:
    thread = forum.create_thread(
        author=member,
        group=group,
        title="A hard night",
        body="I cannot see a way through this week any more.",
        content_warning="Dark thoughts",
    )
    post = thread.posts.get()
    item = moderation.raise_crisis(kind=KIND, object_id=post.pk, group=group, author=member)
    ModerationItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - timedelta(hours=2))
    item.refresh_from_db()
    return item


def flagged_post(author, group, reporter, body="Try stopping your insulin, it worked for me."):
    thread = forum.create_thread(author=author, group=group, title="Advice", body=body)
    post = thread.posts.get()
    moderation.flag_content(reporter=reporter, kind=KIND, object_id=post.pk, reason=Reason.UNSAFE)
    return post, ModerationItem.objects.get(kind=KIND, object_id=post.pk)


# --- The cards ------------------------------------------------------------------------------


def test_a_crisis_card_shows_the_excerpt_behind_its_warning_the_author_and_the_wait(
    client, moderator, crisis_item
):
    client.force_login(moderator)

    response = client.get(queue_url(crisis_item.group))

    page = response.content.decode()
    assert "<summary>Content warning: Dark thoughts</summary>" in page
    assert "I cannot see a way through this week any more." in text_of(response)
    assert "Written by Member of group" in text_of(response)
    assert "Crisis words were found in it" in text_of(response)
    assert re.search(r'class="waiting-crisis">Waiting for 2\xa0hours', page)
    assert "Nobody is on it yet" in text_of(response)


def test_crisis_cards_come_first_and_the_claimer_is_named(
    client, moderator, member, peer, group, crisis_item, second_moderator
):
    _post, flagged = flagged_post(member, group, peer)
    moderation.claim_item(moderator=second_moderator, item=crisis_item)
    client.force_login(moderator)

    response = client.get(queue_url(group))

    text = text_of(response)
    assert text.index("Crisis:") < text.index("1 flag")
    assert "Moderator Mo is on it" in text
    assert "Unsafe or harmful advice" in text
    assert "Try stopping your insulin" in text


def test_an_anonymous_posts_card_names_nobody(client, moderator, member, peer, group):
    thread = forum.create_thread(
        author=member, group=group, title="Quietly", body="Something private.", anonymous=True
    )
    post = thread.posts.get()
    moderation.flag_content(reporter=peer, kind=KIND, object_id=post.pk, reason=Reason.OTHER)
    client.force_login(moderator)

    text = text_of(client.get(queue_url(group)))

    assert "Anonymous to peers" in text
    assert "Member of group" not in text


def test_staff_overseeing_the_queue_see_no_excerpt_and_no_author(client, staff, crisis_item):
    client.force_login(staff)

    text = text_of(client.get(queue_url(crisis_item.group)))

    assert "Crisis words were found in it" in text
    assert "I cannot see a way through" not in text
    assert "Member of group" not in text


def test_the_queue_asks_the_database_as_often_for_25_items_as_for_one(
    client, moderator, member, group, make_user, join, django_assert_max_num_queries
):
    reporters = []
    for number in range(25):
        reporter = make_user(display_name=f"Reporter {number}")
        join(reporter, group)
        reporters.append(reporter)
    flagged_post(member, group, reporters[0])
    client.force_login(moderator)
    client.get(queue_url(group))  # warm the session and the permission caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(queue_url(group)).status_code == 200
    for_one = len(one.captured_queries)  # before the next request clears Django's query log
    for reporter in reporters[1:]:
        flagged_post(member, group, reporter, body=f"Advice from {reporter.pk}")
    client.get(queue_url(group))  # the bell is counted again after its new notifications

    with django_assert_max_num_queries(for_one):
        response = client.get(queue_url(group))

    assert len(re.findall(r'class="queue-excerpt"', response.content.decode())) == 25


# --- The item page --------------------------------------------------------------------------


def test_the_item_page_shows_the_thread_around_the_post(client, moderator, member, peer, group):
    post, item = flagged_post(member, group, peer)
    forum.reply(author=peer, thread=post.thread, body="Please ask your nurse first.")
    client.force_login(moderator)

    response = client.get(item_url(item))

    text = text_of(response)
    assert "Please ask your nurse first." in text
    assert "Peer Petra" in text
    assert "this is the one under review" in text


def test_the_item_page_names_the_author_with_their_history_and_records_the_look(
    client, moderator, member, peer, group
):
    earlier_post, earlier = flagged_post(member, group, peer, body="An earlier worry.")
    moderation.act(moderator=moderator, item=earlier, action=Action.WARN, reason="Be careful.")
    _post, item = flagged_post(member, group, peer)
    client.force_login(moderator)

    text = text_of(client.get(item_url(item)))

    assert "Member of group" in text
    assert "Warned the member" in text and "Be careful." in text
    record = AccessRecord.objects.get(reason=AccessRecord.Reason.VIEW_MODERATION_HISTORY)
    assert (record.viewer, record.subject, record.group_id) == (moderator, member, group.pk)


def test_a_crisis_raised_by_words_says_so_under_concerns(client, moderator, crisis_item):
    client.force_login(moderator)

    text = text_of(client.get(item_url(crisis_item)))

    assert "Crisis words were found in it when it was written. Nobody has flagged it." in text
    assert "Waiting for 2" in text


def test_staff_deciding_an_appeal_see_no_history_and_leave_no_look_at_it(
    client, staff, moderator, member, peer, group
):
    _post, item = flagged_post(member, group, peer)
    moderation.act(moderator=moderator, item=item, action=Action.HIDE, reason="Unsafe.")
    moderator.memberships.update(state="removed")
    moderation.appeal(author=member, item=item, message="It was a joke.")
    client.force_login(staff)

    response = client.get(item_url(item))

    assert response.status_code == 200
    assert "Earlier decisions about their words" not in text_of(response)
    assert not AccessRecord.objects.filter(reason=AccessRecord.Reason.VIEW_MODERATION_HISTORY)


# --- Decisions that fit ---------------------------------------------------------------------


def test_a_visible_post_offers_hiding_and_not_showing_again(client, moderator, member, peer, group):
    _post, item = flagged_post(member, group, peer)
    client.force_login(moderator)

    offered = offered_on(client.get(item_url(item)))

    assert Action.HIDE in offered and Action.KEEP in offered
    assert Action.UNHIDE not in offered and Action.APPROVE not in offered
    assert Action.MUTE in offered and Action.REMOVE_MEMBER in offered


def test_a_hidden_post_offers_showing_again_and_not_hiding(client, moderator, member, peer, group):
    _post, item = flagged_post(member, group, peer)
    moderation.act(moderator=moderator, item=item, action=Action.HIDE)
    client.force_login(moderator)

    response = client.get(item_url(item))

    offered = offered_on(response)
    assert Action.UNHIDE in offered
    assert Action.HIDE not in offered and Action.KEEP not in offered
    assert "Show it again" in text_of(response)


def test_a_held_post_offers_approval_removal_and_support_only(moderator, member, group):
    thread = forum.create_thread(author=member, group=group, title="New", body="Hello all.")
    post = thread.posts.get()
    item = moderation.hold_for_review(
        kind=KIND, object_id=post.pk, group=group, author=member, note="Pre-moderation"
    )
    moderated = get_kind(KIND)

    offered = offered_decisions(moderator, item, moderated, moderated.get(post.pk))

    assert offered == [Action.APPROVE, Action.REMOVE, Action.SUPPORT_OFFERED]


def test_a_resolved_item_offers_nothing_to_decide(client, moderator, member, peer, group):
    _post, item = flagged_post(member, group, peer)
    moderation.act(moderator=moderator, item=item, action=Action.KEEP)
    client.force_login(moderator)

    response = client.get(item_url(item))

    assert offered_on(response) == []
    assert "Nothing is left to decide here." in text_of(response)


def test_a_moderators_own_post_offers_no_sanctions(
    client, moderator, second_moderator, peer, group
):
    _post, item = flagged_post(second_moderator, group, peer)
    client.force_login(moderator)

    offered = offered_on(client.get(item_url(item)))

    assert Action.HIDE in offered
    assert Action.MUTE not in offered and Action.REMOVE_MEMBER not in offered


def test_a_crisis_item_offers_support_first(client, moderator, crisis_item):
    client.force_login(moderator)

    offered = offered_on(client.get(item_url(crisis_item)))

    assert offered[0] == Action.SUPPORT_OFFERED


def test_decisions_are_worded_as_actions_and_the_log_keeps_its_past_tense(
    client, moderator, member, peer, group
):
    _post, item = flagged_post(member, group, peer)
    client.force_login(moderator)

    text = text_of(client.get(item_url(item)))

    assert "Hide it from the group" in text
    assert "Remove the member from the group" in text
    assert "Hidden" not in text
    assert Action.HIDE.label == "Hidden"
    assert set(AS_ACTIONS) <= set(Action.values)


def test_a_decision_that_does_not_fit_is_refused_and_changes_nothing(
    client, moderator, member, peer, group
):
    post, item = flagged_post(member, group, peer)
    client.force_login(moderator)

    response = client.post(item_url(item, "moderation:act"), {"action": Action.UNHIDE})

    assert response.status_code == 400
    post.refresh_from_db()
    assert not item.actions.exists() and post.hidden_at is None


def test_the_service_refuses_to_hide_what_is_hidden(moderator, member, peer, group):
    _post, item = flagged_post(member, group, peer)
    moderation.act(moderator=moderator, item=item, action=Action.HIDE)

    with pytest.raises(Exception, match="already hidden"):
        moderation.act(moderator=moderator, item=item, action=Action.HIDE)

    assert list(item.actions.values_list("action", flat=True)) == [Action.HIDE]


def test_the_clinicians_lane_offers_a_clinician_a_note_and_no_sanctions(
    client, clinician, member, peer, group
):
    thread = forum.create_thread(author=member, group=group, title="Diet", body="Sugar cures it.")
    post = thread.posts.get()
    moderation.flag_content(reporter=peer, kind=KIND, object_id=post.pk, reason=Reason.HEALTH_CLAIM)
    item = ModerationItem.objects.get(kind=KIND, object_id=post.pk)
    client.force_login(clinician)

    response = client.get(item_url(item))

    assert offered_on(response) == [Action.NO_NOTE_NEEDED]
    note_url = reverse("forum:clinician_note", kwargs={"slug": group.slug, "post_id": post.pk})
    assert f'href="{note_url}"' in response.content.decode()
    assert "Add a clinician's note" in text_of(response)
    assert "Remove the member from the group" not in text_of(response)


def test_the_form_without_an_item_still_knows_every_decision():
    choices = [choice for choice, _label in ActionForm().fields["action"].choices]

    assert Action.SUPPORT_OFFERED in choices


# --- Other kinds ----------------------------------------------------------------------------


def test_a_chat_messages_item_shows_the_few_messages_around_it(
    client, moderator, member, peer, group
):
    from community.chat.models import ChatMessage, ChatRoom
    from community.markup.render import render_markdown

    room, _created = ChatRoom.objects.get_or_create(group=group, kind=ChatRoom.Kind.GROUP)

    def write(author, text):
        return ChatMessage.objects.create(
            room=room,
            author=author,
            client_id=f"c-{text}",
            body_source=text,
            body_html=render_markdown(text).html,
            body_text=text,
        )

    written = [write(peer if n % 2 else member, f"Line {n}") for n in range(10)]
    flagged = written[5]
    moderation.flag_content(
        reporter=member, kind="chat.message", object_id=flagged.pk, reason=Reason.OTHER
    )
    item = ModerationItem.objects.get(kind="chat.message", object_id=flagged.pk)
    client.force_login(moderator)

    response = client.get(item_url(item))

    text = text_of(response)
    shown = [n for n in range(10) if f"Line {n}" in text]
    assert shown == [2, 3, 4, 5, 6, 7, 8]
    assert "Peer Petra" in text and "this is the one under review" in text
