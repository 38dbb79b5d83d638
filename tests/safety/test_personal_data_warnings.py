"""Personal details in a post, chat message or question: the author is asked before anything
is stored, may change the text, post anonymously or confirm, and the confirmation is kept
with the content (the kinds of detail only, never the details)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from community.chat.models import ChatMessage, ChatRoom
from community.chat.services import edit_message, send_message
from community.forum import services as forum
from community.forum.models import Post, Thread
from community.privacy.tasks import apply_retention
from community.qa.models import Question
from community.qa.services import ask
from community.safety.models import PersonalDataConfirmation
from community.safety.personal_data import (
    Answer,
    Confirmation,
    PersonalDataFound,
    fingerprint_of,
)
from community.safety.pii import find_personal_data

PHONE_TEXT = "You can call me on 070-123 45 67 in the evening."
EMAIL_TEXT = "Write to anna.berg@example.org, she knows a lot."


def confirmed(text: str, answer: str = Answer.OWN) -> Confirmation:
    return Confirmation(answer, fingerprint_of(find_personal_data(text)))


# --- The services ------------------------------------------------------------------------


def confirmed_thread(member, group) -> Thread:
    """A thread whose first post has a phone number its author confirmed as their own."""
    return forum.create_thread(
        author=member,
        group=group,
        title="Evenings",
        body=PHONE_TEXT,
        personal_data=confirmed(PHONE_TEXT),
    )


def test_a_post_with_a_phone_number_is_refused_until_confirmed_and_nothing_is_stored(member, group):
    with pytest.raises(PersonalDataFound) as refused:
        forum.create_thread(author=member, group=group, title="Evenings", body=PHONE_TEXT)

    assert [finding.kind for finding in refused.value.findings] == ["phone"]
    assert not Thread.objects.exists() and not Post.objects.exists()
    assert not PersonalDataConfirmation.objects.exists()


def test_a_confirmed_post_is_published_and_its_confirmation_is_kept_with_it(member, group):
    thread = forum.create_thread(
        author=member,
        group=group,
        title="Evenings",
        body=EMAIL_TEXT,
        personal_data=confirmed(EMAIL_TEXT, Answer.CONSENT),
    )

    record = PersonalDataConfirmation.objects.get()
    post = thread.posts.get()
    assert (record.kind, record.object_id, record.author) == ("forum.post", post.pk, member)
    assert (record.answer, record.found) == ("consent", ["email"])
    assert "anna.berg" not in str(record.found)  # the kinds of detail, never the details


def test_a_confirmation_for_other_details_is_asked_again(member, group, peer):
    thread = forum.create_thread(author=peer, group=group, title="Tips", body="Hello")
    changed = f"{PHONE_TEXT} Or mail me@example.org"

    with pytest.raises(PersonalDataFound):
        forum.reply(author=member, thread=thread, body=changed, personal_data=confirmed(PHONE_TEXT))

    assert thread.posts.count() == 1


def test_a_title_with_a_name_after_a_title_word_is_asked_about(member, group):
    with pytest.raises(PersonalDataFound) as refused:
        forum.create_thread(author=member, group=group, title="Dr Lindqvist", body="Thoughts?")

    assert refused.value.findings[0].kind == "titled_name"


def test_an_edit_asks_only_about_details_that_are_new(member, group):
    thread = confirmed_thread(member, group)
    post = thread.posts.get()

    forum.edit_post(editor=member, post=post, body=PHONE_TEXT + " Thanks!")
    with pytest.raises(PersonalDataFound):
        forum.edit_post(editor=member, post=post, body=PHONE_TEXT + " anna@example.org")

    post.refresh_from_db()
    assert post.body_source == PHONE_TEXT + " Thanks!"
    assert PersonalDataConfirmation.objects.count() == 1


def test_ordinary_texts_need_no_confirmation(member, group):
    body = "My HbA1c was 52 on 2024-03-15; the pump cost 1 250,00 kr. Order 0701234567 came."
    forum.create_thread(author=member, group=group, title="Numbers", body=body)

    assert not PersonalDataConfirmation.objects.exists()


def test_a_chat_message_with_personal_details_is_not_stored_until_confirmed(member, group):
    room = ChatRoom.objects.create(group=group)

    with pytest.raises(PersonalDataFound):
        send_message(author=member, room=room, text=EMAIL_TEXT, client_id="a")
    assert not ChatMessage.objects.exists()

    message, created = send_message(
        author=member,
        room=room,
        text=EMAIL_TEXT,
        client_id="a",
        personal_data=confirmed(EMAIL_TEXT),
    )
    assert created
    assert PersonalDataConfirmation.objects.get().object_id == message.pk


def test_a_chat_edit_that_brings_in_a_phone_number_is_refused(member, group):
    room = ChatRoom.objects.create(group=group)
    message, _created = send_message(author=member, room=room, text="Hi all", client_id="b")

    with pytest.raises(PersonalDataFound):
        edit_message(editor=member, message=message, text=PHONE_TEXT)

    message.refresh_from_db()
    assert message.body_source == "Hi all"


def test_a_refused_chat_message_does_not_count_towards_the_rate_limit(member, group, settings):
    settings.CHAT_RATE_LIMIT = 1
    room = ChatRoom.objects.create(group=group)
    with pytest.raises(PersonalDataFound):
        send_message(author=member, room=room, text=PHONE_TEXT, client_id="c")

    send_message(author=member, room=room, text="Hello", client_id="d")  # not slowed down

    assert ChatMessage.objects.count() == 1


def test_a_question_with_a_personnummer_is_asked_about_then_kept_with_its_answer(
    member, open_session
):
    text = "Min son 19811218-9876 fick fel dos, vad gör vi?"
    with pytest.raises(PersonalDataFound) as refused:
        ask(author=member, session=open_session, text=text)
    assert refused.value.findings[0].kind == "personnummer"
    assert not Question.objects.exists()

    question = ask(
        author=member,
        session=open_session,
        text=text,
        personal_data=confirmed(text, Answer.CONSENT),
    )

    assert PersonalDataConfirmation.objects.get().object_id == question.pk


# --- The pages ---------------------------------------------------------------------------


def thread_form(group):
    return reverse("forum:thread_create", kwargs={"slug": group.slug})


def test_the_new_thread_page_shows_what_was_found_and_keeps_the_text(client, member, group):
    client.force_login(member)

    response = client.post(thread_form(group), {"title": "Evenings", "body": PHONE_TEXT})

    page = response.content.decode()
    assert response.status_code == 400
    assert "a phone number" in page and "070-123 45 67" in page
    assert "You can call me" in page  # the text is kept in the box
    assert 'name="personal_data_answer"' in page and "post it anonymously" in page
    fingerprint = response.context["form"].personal_data_warning.fingerprint
    assert f'name="personal_data_fingerprint" value="{fingerprint}"' in page
    assert not Thread.objects.exists()


def test_the_form_shows_no_answer_choices_before_a_warning(client, member, group):
    client.force_login(member)

    page = client.get(thread_form(group)).content.decode()

    assert 'name="personal_data_answer"' not in page


def test_choosing_anonymous_posts_it_anonymously_and_records_the_answer(client, member, group):
    client.force_login(member)
    warned = client.post(thread_form(group), {"title": "Evenings", "body": PHONE_TEXT})
    fingerprint = warned.context["form"].personal_data_warning.fingerprint

    response = client.post(
        thread_form(group),
        {
            "title": "Evenings",
            "body": PHONE_TEXT,
            "personal_data_answer": "own_anonymous",
            "personal_data_fingerprint": fingerprint,
        },
    )

    assert response.status_code == 302
    post = Post.objects.get()
    assert post.is_anonymous
    assert PersonalDataConfirmation.objects.get().answer == "own"


def test_a_reply_sent_again_without_an_answer_is_asked_about_again(client, member, group, peer):
    thread = forum.create_thread(author=peer, group=group, title="Tips", body="Hello")
    client.force_login(member)
    url = reverse("forum:post_reply", kwargs={"slug": group.slug, "thread_id": thread.pk})

    client.post(url, {"body": EMAIL_TEXT})
    again = client.post(url, {"body": EMAIL_TEXT, "personal_data_fingerprint": "stale"})

    assert again.status_code == 400
    assert thread.posts.count() == 1


def test_the_chat_page_without_javascript_asks_and_then_sends(client, member, group):
    room = ChatRoom.objects.create(group=group)
    client.force_login(member)
    url = reverse("chat:room", kwargs={"slug": group.slug})

    warned = client.post(url, {"text": EMAIL_TEXT, "client_id": "x1"})
    assert warned.status_code == 400 and "an e-mail address" in warned.content.decode()
    fingerprint = warned.context["form"].personal_data_warning.fingerprint
    sent = client.post(
        url,
        {
            "text": EMAIL_TEXT,
            "client_id": "x1",
            "personal_data_answer": "consent",
            "personal_data_fingerprint": fingerprint,
        },
    )

    assert sent.status_code == 302
    assert ChatMessage.objects.get(room=room).body_source == EMAIL_TEXT


def test_the_question_form_asks_before_sending(client, member, open_session):
    client.force_login(member)
    url = reverse(
        "qa:session", kwargs={"slug": open_session.group.slug, "session_id": open_session.pk}
    )

    response = client.post(url, {"text": EMAIL_TEXT})

    assert response.status_code == 400
    assert "Before you share this" in response.content.decode()
    assert not Question.objects.exists()


def test_the_warning_is_in_the_members_language(client, member, group):
    member.language = "sv"
    member.save()
    client.force_login(member)

    page = client.post(thread_form(group), {"title": "Kvällar", "body": PHONE_TEXT})

    assert "ett telefonnummer" in page.content.decode()


# --- Reviewers, export and closing the account ---------------------------------------------


def test_the_review_page_says_what_the_author_confirmed(client, member, moderator, group, peer):
    from community.moderation.services import flag_content

    thread = confirmed_thread(member, group)
    flag = flag_content(
        reporter=peer, kind="forum.post", object_id=thread.posts.get().pk, reason="third_party"
    )
    client.force_login(moderator)

    url = reverse("moderation:item", kwargs={"slug": group.slug, "item_id": flag.item_id})
    page = client.get(url).content.decode()

    assert "the author confirmed that a phone number is about them" in page


def section():
    from community.privacy.exports import export_sections

    [found] = [s for s in export_sections() if s.key == "safety.personal_data"]
    return found


def test_the_export_holds_the_members_answers_without_the_details(member, group):
    forum.create_thread(
        author=member,
        group=group,
        title="Evenings",
        body=EMAIL_TEXT,
        personal_data=confirmed(EMAIL_TEXT, Answer.CONSENT),
    )

    [record] = section().collect(member)

    assert record["kind"] == "an e-mail address"
    assert "anna.berg" not in str(record)


@pytest.mark.parametrize(("delete_content", "kept"), [(True, 0), (False, 1)])
def test_closing_the_account_keeps_a_confirmation_only_with_content_that_stays(
    member, group, delete_content, kept
):
    from community.privacy.services import close_account

    confirmed_thread(member, group)

    close_account(user=member, delete_content=delete_content)

    assert PersonalDataConfirmation.objects.count() == kept


def test_confirmations_go_when_retention_erases_their_chat_message_or_post(member, group):
    room = ChatRoom.objects.create(group=group)
    send_message(
        author=member,
        room=room,
        text=EMAIL_TEXT,
        client_id="a",
        personal_data=confirmed(EMAIL_TEXT),
    )
    thread = confirmed_thread(member, group)
    forum.delete_post(actor=member, post=thread.posts.get())
    assert PersonalDataConfirmation.objects.count() == 2
    days = max(group.chat_retention_days, group.removed_content_retention_days) + 1

    with time_machine.travel(timezone.now() + timedelta(days=days)):
        apply_retention()

    assert not PersonalDataConfirmation.objects.exists()
