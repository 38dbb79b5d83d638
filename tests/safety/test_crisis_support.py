"""Crisis language in posts, chat messages and Q&A questions: published anyway, raised as a
crisis item at the top of the queue, reviewers told at once and only once, and the writer
shown support."""

from datetime import timedelta

from django.urls import reverse

from community.chat.models import ChatRoom
from community.chat.services import send_message
from community.forum import services as forum
from community.moderation.models import ModerationItem
from community.moderation.services import raise_crisis
from community.notifications.models import Notification
from community.qa.services import ask

CRISIS_TEXT = "Some nights I just want to die."


def crisis_notices():
    return Notification.objects.filter(kind="moderation.crisis")


def test_a_crisis_reply_is_published_raised_first_in_the_queue_and_told_to_reviewers(
    member, peer, moderator, group, django_capture_on_commit_callbacks
):
    thread = forum.create_thread(author=peer, group=group, title="Evenings", body="How are you?")
    other = forum.reply(author=peer, thread=thread, body="An ordinary reply")
    ModerationItem.objects.create(kind="forum.post", object_id=other.pk, group=group, author=peer)

    post = forum.reply(author=member, thread=thread, body=CRISIS_TEXT)

    assert post.crisis and post.hidden_at is None and post.held_at is None
    queue = list(ModerationItem.objects.filter(group=group).in_queue_order())
    assert (queue[0].object_id, queue[0].crisis) == (post.pk, True)
    assert [n.recipient for n in crisis_notices()] == [moderator]


def test_raising_the_same_crisis_twice_tells_the_reviewers_once(member, moderator, group, peer):
    thread = forum.create_thread(author=member, group=group, title="Hard week", body=CRISIS_TEXT)
    post = thread.posts.get()

    raise_crisis(kind="forum.post", object_id=post.pk, group=group, author=member)

    assert crisis_notices().count() == 1


def test_ordinary_words_raise_nothing(member, moderator, group):
    forum.create_thread(author=member, group=group, title="Pumps", body="My pump died overnight")

    assert not ModerationItem.objects.exists() and not crisis_notices().exists()


def test_a_crisis_chat_message_is_sent_and_raised(member, moderator, group):
    room = ChatRoom.objects.create(group=group)

    message, _created = send_message(author=member, room=room, text=CRISIS_TEXT, client_id="c")

    assert message.crisis and message.hidden_at is None
    assert ModerationItem.objects.get(kind="chat.message", object_id=message.pk).crisis


def test_a_crisis_question_is_asked_and_raised(member, moderator, open_session):
    question = ask(author=member, session=open_session, text="Jag orkar inte leva längre")

    assert question.crisis
    assert ModerationItem.objects.get(kind="qa.question", object_id=question.pk).crisis


def test_the_writer_sees_the_support_panel_once_after_posting(client, member, group, moderator):
    thread = forum.create_thread(author=member, group=group, title="Evenings", body="Hello")
    client.force_login(member)
    url = reverse("forum:post_reply", kwargs={"slug": group.slug, "thread_id": thread.pk})

    page = client.post(url, {"body": CRISIS_TEXT}, follow=True).content.decode()
    again = client.get(thread.get_absolute_url()).content.decode()

    assert "You are not alone" in page and "112" in page
    assert "You are not alone" not in again


def test_the_panel_shows_the_lines_of_the_members_country(client, member, group, moderator):
    member.language = "sv"
    member.save(update_fields=["language"])
    client.force_login(member)
    url = reverse("forum:thread_create", kwargs={"slug": group.slug})

    page = client.post(url, {"title": "Tung vecka", "body": "Jag vill dö"}, follow=True)

    assert "90101" in page.content.decode()  # Självmordslinjen


def test_the_dashboard_shows_how_fast_crisis_items_get_a_first_action(
    client, moderator, member, group
):
    thread = forum.create_thread(author=member, group=group, title="Hard", body=CRISIS_TEXT)
    item = ModerationItem.objects.get(object_id=thread.posts.get().pk)
    ModerationItem.objects.filter(pk=item.pk).update(
        first_action_at=item.created_at + timedelta(minutes=4)
    )
    client.force_login(moderator)

    html = client.get(reverse("moderation:dashboard", kwargs={"slug": group.slug})).content.decode()

    assert "Crisis items: median time to first action" in html and "4 min" in html
