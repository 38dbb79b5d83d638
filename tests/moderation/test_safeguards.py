"""Automatic safeguards: pre-moderation, watched words and the group's auto-hide threshold."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from community.forum import services as forum
from community.forum.models import Post, Thread
from community.moderation import services
from community.moderation.models import GroupRules, ModerationItem, WatchedWord
from community.notifications.models import Notification


@pytest.fixture
def rules(group):
    return GroupRules.objects.get(group=group)


@pytest.fixture
def reviewer(moderator):
    return moderator


def test_a_new_members_first_thread_waits_for_review_and_only_they_and_moderators_see_it(
    client, rules, member, peer, reviewer, group
):
    rules.premoderate_first_posts = 1
    rules.save()
    thread = forum.create_thread(author=member, group=group, title="Hello all", body="First!")
    list_url = reverse("forum:thread_list", kwargs={"slug": group.slug})

    client.force_login(peer)
    assert "Hello all" not in client.get(list_url).content.decode()
    assert client.get(thread.get_absolute_url()).status_code == 404
    client.force_login(member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Waiting for review: other members will see this" in page
    client.force_login(reviewer)
    assert "First!" in client.get(thread.get_absolute_url()).content.decode()
    item = ModerationItem.objects.get(object_id=thread.posts.get().pk)
    assert item.held and item.state == ModerationItem.State.OPEN


def test_approving_publishes_the_post_and_only_then_tells_followers(
    rules, member, peer, reviewer, group
):
    thread = forum.create_thread(author=peer, group=group, title="Sleep", body="Tips?")
    rules.premoderate_first_posts = 1
    rules.save()
    held = forum.reply(author=member, thread=thread, body="Me too, tell me more.")
    assert held.held_at is not None
    assert not Notification.objects.filter(recipient=peer).exists()

    item = ModerationItem.objects.get(object_id=held.pk)
    services.act(moderator=reviewer, item=item, action="approve")

    held.refresh_from_db()
    assert held.held_at is None
    assert Notification.objects.filter(recipient=peer, kind="forum.reply").count() == 1
    item.refresh_from_db()
    assert item.state == ModerationItem.State.RESOLVED


def test_after_the_first_approved_post_a_member_writes_freely(rules, member, group):
    forum.create_thread(author=member, group=group, title="Earlier", body="Published")
    rules.premoderate_first_posts = 1
    rules.save()
    thread = forum.create_thread(author=member, group=group, title="Later", body="Also fine")
    assert thread.posts.get().held_at is None


def test_pre_moderating_the_whole_group_holds_everyone_but_reviewers(
    rules, member, reviewer, group
):
    forum.create_thread(author=member, group=group, title="Earlier", body="Published")
    rules.premoderate_everyone = True
    rules.save()
    assert forum.create_thread(author=member, group=group, title="Held", body="x").is_held
    assert not forum.create_thread(author=reviewer, group=group, title="Mine", body="y").is_held


def test_a_blocked_watched_word_refuses_the_post_and_writes_nothing(member, group):
    WatchedWord.objects.create(group=group, phrase="miracle cure", response="block")
    with pytest.raises(ValidationError) as error:
        forum.create_thread(author=member, group=group, title="Look", body="A Miracle Cure!")
    assert error.value.code == "watched_word"
    assert not Thread.objects.exists()
    assert not Post.objects.exists()


def test_a_held_watched_word_waits_for_review(member, group):
    WatchedWord.objects.create(group=group, phrase="dosage", response="hold")
    thread = forum.create_thread(
        author=member, group=group, title="Question", body="My dosage doubled"
    )
    assert thread.is_held
    assert ModerationItem.objects.get().held


def test_a_flagging_watched_word_publishes_and_asks_moderators_to_look(member, group):
    WatchedWord.objects.create(group=group, phrase="stopped my medication", response="flag")
    thread = forum.create_thread(
        author=member, group=group, title="Question", body="I stopped my medication last week"
    )
    assert not thread.is_held
    item = ModerationItem.objects.get()
    # A watched word is not a member: it does not count towards the auto-hide threshold.
    assert item.flag_count == 0 and not item.held
    assert "stopped my medication" in item.flags.get().note


def test_a_watched_word_matches_whole_words_only(member, group):
    WatchedWord.objects.create(group=group, phrase="pill", response="block")
    forum.create_thread(author=member, group=group, title="Question", body="My pillow is too soft")
    assert Thread.objects.count() == 1


def test_the_auto_hide_threshold_is_the_groups_own(
    rules, member, peer, outsider, group, make_user, join
):
    rules.auto_hide_after_flags = 2
    rules.save()
    thread = forum.create_thread(author=member, group=group, title="Question", body="Text")
    post = thread.posts.get()
    third = make_user()
    join(third, group)
    services.flag_content(reporter=peer, kind="forum.post", object_id=post.pk, reason="spam")
    post.refresh_from_db()
    assert post.hidden_at is None
    services.flag_content(reporter=third, kind="forum.post", object_id=post.pk, reason="spam")
    post.refresh_from_db()
    assert post.hidden_at is not None


def test_a_held_reply_is_not_counted_for_peers_until_it_is_approved(
    client, rules, member, peer, reviewer, group
):
    thread = forum.create_thread(author=peer, group=group, title="Sleep", body="Tips?")
    rules.premoderate_first_posts = 1
    rules.save()
    held = forum.reply(author=member, thread=thread, body="Waiting reply")
    thread.refresh_from_db()
    assert (thread.reply_count, thread.last_published_number) == (0, 1)
    client.force_login(peer)
    list_url = reverse("forum:thread_list", kwargs={"slug": group.slug})
    assert "1 unread" not in client.get(list_url).content.decode()

    services.act(
        moderator=reviewer, item=ModerationItem.objects.get(object_id=held.pk), action="approve"
    )
    thread.refresh_from_db()
    assert (thread.reply_count, thread.last_published_number) == (1, 2)
    assert "1 unread" in client.get(list_url).content.decode()


def test_the_author_and_reviewers_see_the_photo_of_a_held_post_and_peers_do_not(
    client, rules, member, peer, reviewer, group, private_media
):
    from community.forum.images import clean_image
    from tests.forum.photos import photo_upload

    rules.premoderate_first_posts = 1
    rules.save()
    thread = forum.create_thread(
        author=member, group=group, title="Photo", body="Look", images=[clean_image(photo_upload())]
    )
    photo = thread.posts.get().images.get()
    url = reverse("forum:image", kwargs={"slug": group.slug, "image_id": photo.pk})
    for who, status in [(member, 200), (reviewer, 200), (peer, 404)]:
        client.force_login(who)
        assert client.get(url).status_code == status, who


def test_the_queue_says_why_a_post_waits(client, rules, member, reviewer, group):
    WatchedWord.objects.create(group=group, phrase="dosage", response="hold")
    forum.create_thread(author=member, group=group, title="Question", body="My dosage doubled")
    client.force_login(reviewer)
    page = client.get(reverse("moderation:queue", kwargs={"slug": group.slug})).content.decode()
    assert "Watched word: dosage" in page
