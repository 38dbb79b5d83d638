"""One screening for new and edited text (issue 16, item 1): every path that creates or
changes words a member wrote (a forum post, a chat message, a clinician's note, a Q&A
question) goes through the same checks. An edit that brings in crisis words raises a crisis
item and tells the reviewers once, as a new post does; watched words refuse, hold or flag what
an edit brings in; new personal details must be confirmed before anything is saved."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.chat import services as chat
from community.chat.models import ChatMessage
from community.forum import services as forum
from community.forum.clinician_notes import NOTE_KIND, write_clinician_note
from community.forum.models import ClinicianNote, Post
from community.moderation import services as moderation
from community.moderation.models import (
    Flag,
    GroupRules,
    ModerationAction,
    ModerationItem,
    WatchedWord,
)
from community.notifications.models import Notification
from community.qa.services import ask
from community.safety.models import PersonalDataConfirmation
from community.safety.personal_data import (
    Answer,
    Confirmation,
    PersonalDataFound,
    fingerprint_of,
)
from community.safety.pii import find_personal_data
from tests.chat.conftest import room, write  # noqa: F401
from tests.chat.test_consumer import frames, joined
from tests.notifications.test_consumer import (  # noqa: F401
    application,
    own_channel_layer,
    run,
    session_cookie,
)

HARMLESS = "Good luck with the new pump, tell us how it goes."
CRISIS = "I want to end my life tonight"
CRISIS_TYPO = "I want to end my life tonigth"
PHONE = " You can call me on 070-123 45 67 in the evening."
EMAIL = " Write to anna.berg@example.org, she knows a lot."
Response = WatchedWord.Response
State = ModerationItem.State


# --- Helpers ------------------------------------------------------------------------------


def notices(kind: str = "moderation.crisis") -> list:
    """Who was told, for each notification of `kind`, oldest first."""
    return [n.recipient for n in Notification.objects.filter(kind=kind).order_by("pk")]


def reviewer_notices() -> list:
    """Every notification that asks the group's reviewers to look at something."""
    return list(Notification.objects.filter(kind__startswith="moderation."))


def item_of(kind: str, content) -> ModerationItem:
    return ModerationItem.objects.get(kind=kind, object_id=content.pk)


def watch(group, phrase: str, response: str) -> WatchedWord:
    return WatchedWord.objects.create(group=group, phrase=phrase, response=response)


def keep(item: ModerationItem, moderator) -> None:
    """The moderator looks, keeps the content, and the item is resolved."""
    moderation.act(moderator=moderator, item=item, action="keep")
    item.refresh_from_db()
    assert item.state == State.RESOLVED


def confirmed(text: str) -> Confirmation:
    return Confirmation(Answer.OWN, fingerprint_of(find_personal_data(text)))


class PostWriting:
    """A member's reply in a thread, edited with forum.edit_post."""

    kind = "forum.post"

    def __init__(self, author, thread):
        self.author, self.thread = author, thread

    def write(self, text: str) -> Post:
        return forum.reply(author=self.author, thread=self.thread, body=text)

    def edit(self, content, text: str, *, editor=None, personal_data=None) -> Post:
        return forum.edit_post(
            editor=editor or self.author, post=content, body=text, personal_data=personal_data
        )

    def stored(self, content) -> tuple:
        """The stored text and every version of it, to show that nothing changed."""
        post = Post.objects.get(pk=content.pk)
        versions = list(post.revisions.order_by("pk").values_list("body_source", flat=True))
        return post.body_source, post.edited_at, versions

    def hidden(self, content) -> bool:
        return Post.objects.get(pk=content.pk).hidden_at is not None


class ChatWriting:
    """A member's message in the group's chat room, edited with chat.edit_message."""

    kind = "chat.message"

    def __init__(self, author, chat_room):
        self.author, self.room = author, chat_room
        self.numbers = itertools.count(1)

    def write(self, text: str) -> ChatMessage:
        message, _created = chat.send_message(
            author=self.author, room=self.room, text=text, client_id=f"c-{next(self.numbers)}"
        )
        return message

    def edit(self, content, text: str, *, editor=None, personal_data=None) -> ChatMessage:
        return chat.edit_message(
            editor=editor or self.author, message=content, text=text, personal_data=personal_data
        )

    def stored(self, content) -> tuple:
        message = ChatMessage.objects.get(pk=content.pk)
        return message.body_source, message.edited_at, message.body_html

    def hidden(self, content) -> bool:
        return ChatMessage.objects.get(pk=content.pk).hidden_at is not None


class NoteWriting:
    """A clinician's note under a member's post, revised with write_clinician_note."""

    kind = NOTE_KIND

    def __init__(self, author, post):
        self.author, self.post = author, post

    def write(self, text: str) -> ClinicianNote:
        return write_clinician_note(
            clinician=self.author, post=self.post, stance="context", body=text
        )

    def edit(self, content, text: str, *, editor=None, personal_data=None) -> ClinicianNote:
        return write_clinician_note(
            clinician=editor or self.author,
            post=self.post,
            stance=content.stance,
            body=text,
            personal_data=personal_data,
        )

    def stored(self, content) -> tuple:
        note = ClinicianNote.objects.get(pk=content.pk)
        versions = list(note.revisions.order_by("pk").values_list("body_source", flat=True))
        return note.body_source, versions

    def hidden(self, content) -> bool:
        return ClinicianNote.objects.get(pk=content.pk).hidden_at is not None


WRITINGS = ["forum post", "chat message", "clinician note"]


@pytest.fixture(params=WRITINGS)
def writing(request, member, peer, clinician, moderator, group, room):  # noqa: F811
    """Each kind of text that can be edited, written by its author through its service."""
    thread = forum.create_thread(author=peer, group=group, title="New pumps", body="Any news?")
    if request.param == "forum post":
        return PostWriting(member, thread)
    if request.param == "chat message":
        return ChatWriting(member, room)
    return NoteWriting(clinician, thread.posts.get())


def reviewers_of(writing, moderator, clinician) -> set:
    """The group's reviewers who are told: everyone privileged but the writer."""
    return {moderator, clinician} - {writing.author}


# --- Crisis words brought in by an edit ---------------------------------------------------


def test_an_edit_into_crisis_words_raises_a_crisis_item_and_tells_each_reviewer_once(
    writing, moderator, clinician
):
    content = writing.write(HARMLESS)
    assert not ModerationItem.objects.exists()

    edited = writing.edit(content, CRISIS)

    item = item_of(writing.kind, content)
    assert (item.state, item.crisis, item.author) == (State.OPEN, True, writing.author)
    told = notices()
    assert sorted(u.pk for u in told) == sorted(
        u.pk for u in reviewers_of(writing, moderator, clinician)
    )
    assert not writing.hidden(content)  # never silence someone reaching out
    if writing.kind != NOTE_KIND:
        assert edited.crisis  # the writer's page offers support


def test_editing_again_with_the_crisis_words_still_there_tells_nobody_again(
    writing, moderator, clinician
):
    content = writing.write(HARMLESS)
    content = writing.edit(content, CRISIS)
    told = len(notices())

    again = writing.edit(content, f"{CRISIS}. Sorry, I do not know who else to tell.")

    assert len(notices()) == told
    assert item_of(writing.kind, content).state == State.OPEN
    assert not getattr(again, "crisis", False)


def test_fixing_a_typo_beside_crisis_words_after_the_item_was_resolved_raises_nothing(
    writing, moderator, clinician
):
    content = writing.write(CRISIS_TYPO)  # a new text with crisis words is raised at once
    item = item_of(writing.kind, content)
    assert item.crisis and item.state == State.OPEN
    keep(item, moderator)
    told = len(notices())

    fixed = writing.edit(content, CRISIS)

    item.refresh_from_db()
    assert item.state == State.RESOLVED
    assert len(notices()) == told
    assert not getattr(fixed, "crisis", False)


def test_crisis_words_brought_into_content_whose_item_was_resolved_raise_it_again(
    writing, moderator, clinician, group
):
    watch(group, "pump", Response.FLAG)
    content = writing.write(HARMLESS)  # flagged for the watched word, then looked at
    item = item_of(writing.kind, content)
    keep(item, moderator)

    writing.edit(content, f"{HARMLESS} {CRISIS}")

    item.refresh_from_db()
    assert (item.state, item.crisis) == (State.OPEN, True)
    assert len(notices()) == len(reviewers_of(writing, moderator, clinician))


def test_new_crisis_words_with_a_watched_word_in_resolved_crisis_content_tell_of_the_crisis(
    writing, moderator, clinician, group
):
    content = writing.write("Some nights I just want to die.")
    item = item_of(writing.kind, content)
    keep(item, moderator)
    told = len(notices())
    watch(group, "pills", Response.FLAG)

    writing.edit(content, f"Some nights I just want to die. I kept my pills. {CRISIS}")

    item.refresh_from_db()
    assert (item.state, item.crisis) == (State.OPEN, True)
    # A new call for help is told as a crisis, not only as a watched word.
    assert len(notices()) == told + len(reviewers_of(writing, moderator, clinician))


def test_a_moderators_own_crisis_edit_goes_to_the_other_reviewers_not_to_them(
    moderator, group_admin, clinician, group, peer
):
    thread = forum.create_thread(author=peer, group=group, title="Evenings", body="How are you?")
    post = forum.reply(author=moderator, thread=thread, body=HARMLESS)

    forum.edit_post(editor=moderator, post=post, body=CRISIS)

    assert item_of("forum.post", post).crisis
    assert sorted(u.pk for u in notices()) == sorted([group_admin.pk, clinician.pk])


def test_a_question_with_crisis_words_raises_a_crisis_item_and_tells_each_reviewer_once(
    member, moderator, clinician, open_session
):
    question = ask(author=member, session=open_session, text=f"{CRISIS}, what can I do?")

    assert question.crisis
    item = item_of("qa.question", question)
    assert (item.state, item.crisis) == (State.OPEN, True)
    assert sorted(u.pk for u in notices()) == sorted([moderator.pk, clinician.pk])


# --- Watched words brought in by an edit --------------------------------------------------


def test_an_edit_may_not_bring_in_a_blocked_word_and_nothing_changes(writing, group):
    content = writing.write(HARMLESS)
    watch(group, "miracle cure", Response.BLOCK)
    before = writing.stored(content)

    with pytest.raises(ValidationError) as refused:
        writing.edit(content, f"{HARMLESS} Try this Miracle Cure.")

    assert refused.value.code == "watched_word"
    assert "miracle cure" in refused.value.messages[0]
    assert writing.stored(content) == before
    assert not ModerationItem.objects.exists() and not reviewer_notices()


def test_a_word_blocked_since_the_text_was_written_must_go_before_an_edit_is_saved(writing, group):
    content = writing.write(f"{HARMLESS} A miracle cure, they said.")
    watch(group, "miracle cure", Response.BLOCK)
    before = writing.stored(content)

    with pytest.raises(ValidationError) as refused:
        writing.edit(content, f"{HARMLESS} A miracle cure, they told me.")

    assert refused.value.code == "watched_word"
    assert writing.stored(content) == before


def test_a_flag_word_brought_in_by_an_edit_reopens_the_resolved_item_and_tells_the_reviewers(
    writing, group, moderator, clinician
):
    watch(group, "pump", Response.FLAG)
    content = writing.write(HARMLESS)
    item = item_of(writing.kind, content)
    keep(item, moderator)
    flagged_before = len(notices("moderation.flagged"))
    watch(group, "stopped my insulin", Response.FLAG)

    writing.edit(content, f"{HARMLESS} I stopped my insulin yesterday.")

    item.refresh_from_db()
    assert (item.state, item.resolved_at, item.crisis) == (State.OPEN, None, False)
    newest = item.flags.order_by("pk").last()
    assert (newest.reporter, newest.note) == (None, "Watched word: stopped my insulin")
    assert item.flags.count() == 2  # the pump is not flagged again
    assert item.flag_count == 0  # a word is not a member: it does not count towards hiding
    told = notices("moderation.flagged")[flagged_before:]
    assert sorted(u.pk for u in told) == sorted(
        u.pk for u in reviewers_of(writing, moderator, clinician)
    )
    assert not writing.hidden(content)


def test_a_flag_word_brought_in_by_an_edit_opens_an_item_for_content_that_had_none(writing, group):
    content = writing.write(HARMLESS)
    watch(group, "stopped my insulin", Response.FLAG)

    writing.edit(content, f"{HARMLESS} I stopped my insulin yesterday.")

    item = item_of(writing.kind, content)
    assert item.state == State.OPEN and not item.held
    assert [(f.reporter, f.note) for f in Flag.objects.all()] == [
        (None, "Watched word: stopped my insulin")
    ]


@pytest.mark.parametrize("response", [Response.FLAG, Response.HOLD])
def test_a_watched_word_already_in_the_earlier_text_asks_nothing_again(writing, group, response):
    content = writing.write(f"{HARMLESS} My dosage doubled.")
    watch(group, "dosage", response)

    writing.edit(content, f"{HARMLESS} My dosage doubled last week.")

    assert not ModerationItem.objects.exists() and not Flag.objects.exists()
    assert not writing.hidden(content)
    assert not reviewer_notices()


def test_a_hold_word_brought_into_a_published_post_hides_it_until_a_moderator_looks(
    client, member, peer, moderator, clinician, group
):
    thread = forum.create_thread(author=peer, group=group, title="Doses", body="How much?")
    post = forum.reply(author=member, thread=thread, body=HARMLESS)
    watch(group, "dosage", Response.HOLD)

    forum.edit_post(editor=member, post=post, body=f"{HARMLESS} Double the dosage at night.")

    post.refresh_from_db()
    assert post.hidden_at is not None and post.held_at is None
    item = item_of("forum.post", post)
    assert item.state == State.OPEN
    assert [f.note for f in item.flags.all()] == ["Watched word: dosage"]
    # Logged as the system's doing, not a moderator's.
    assert ModerationAction.objects.get(target=f"forum.post:{post.pk}").moderator is None
    assert sorted(u.pk for u in notices("moderation.flagged")) == sorted(
        [moderator.pk, clinician.pk]
    )
    client.force_login(peer)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Double the dosage" not in page and "Hidden by moderators while it is reviewed" in page


@pytest.mark.parametrize("writing", ["chat message", "clinician note"], indirect=True)
def test_a_hold_word_brought_into_live_text_flags_it_instead_of_hiding_it(writing, group):
    content = writing.write(HARMLESS)
    watch(group, "dosage", Response.HOLD)

    writing.edit(content, f"{HARMLESS} Double the dosage at night.")

    assert not writing.hidden(content)
    item = item_of(writing.kind, content)
    assert item.state == State.OPEN and not item.held
    assert [(f.reporter, f.note) for f in item.flags.all()] == [(None, "Watched word: dosage")]


def test_a_hold_word_in_a_question_flags_it_for_the_moderators_and_it_stays_asked(
    member, group, open_session
):
    watch(group, "dosage", Response.HOLD)

    question = ask(author=member, session=open_session, text="Should I double my dosage?")

    question.refresh_from_db()
    assert question.hidden_at is None
    item = item_of("qa.question", question)
    assert item.state == State.OPEN and not item.held
    assert [(f.reporter, f.note) for f in item.flags.all()] == [(None, "Watched word: dosage")]


# --- Personal details brought in by an edit -----------------------------------------------


@pytest.mark.parametrize("detail", [PHONE, EMAIL], ids=["phone", "email"])
def test_new_personal_details_in_an_edit_must_be_confirmed_and_nothing_is_saved(writing, detail):
    content = writing.write(HARMLESS)
    before = writing.stored(content)

    with pytest.raises(PersonalDataFound):
        writing.edit(content, HARMLESS + detail)

    assert writing.stored(content) == before
    assert not PersonalDataConfirmation.objects.exists()


def test_crisis_words_beside_a_new_phone_number_raise_nothing_until_it_is_confirmed(
    writing, moderator, clinician
):
    content = writing.write(HARMLESS)
    text = CRISIS + PHONE

    with pytest.raises(PersonalDataFound):
        writing.edit(content, text)
    assert not ModerationItem.objects.exists() and not notices()

    writing.edit(content, text, personal_data=confirmed(text))

    assert item_of(writing.kind, content).crisis
    assert len(notices()) == len(reviewers_of(writing, moderator, clinician))
    record = PersonalDataConfirmation.objects.get()
    assert (record.kind, record.object_id, record.found) == (writing.kind, content.pk, ["phone"])


# --- Who may edit -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["peer", "moderator"])
@pytest.mark.parametrize("writing", ["forum post", "chat message"], indirect=True)
def test_someone_elses_edit_into_crisis_words_is_refused_and_raises_nothing(request, writing, who):
    content = writing.write(HARMLESS)
    before = writing.stored(content)

    with pytest.raises(PermissionDenied):
        writing.edit(content, CRISIS, editor=request.getfixturevalue(who))

    assert writing.stored(content) == before
    assert not ModerationItem.objects.exists() and not reviewer_notices()


# --- The pages ----------------------------------------------------------------------------


def post_edit_url(post) -> str:
    return reverse("forum:post_edit", kwargs={"slug": post.thread.group.slug, "post_id": post.pk})


def test_after_editing_a_reply_into_crisis_words_the_author_sees_support_and_their_words(
    client, member, peer, moderator, group
):
    thread = forum.create_thread(author=peer, group=group, title="Evenings", body="How are you?")
    post = forum.reply(author=member, thread=thread, body=HARMLESS)
    client.force_login(member)

    response = client.post(post_edit_url(post), {"body": CRISIS}, follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(thread.get_absolute_url())
    assert "Your changes were saved." in page
    assert "You are not alone" in page and "112" in page
    article = page[page.index('id="post-2"') :]
    assert CRISIS in article[: article.index("</article>")]
    assert "You are not alone" not in client.get(thread.get_absolute_url()).content.decode()
    assert [u.pk for u in notices()] == [moderator.pk]


def test_an_ordinary_edit_on_the_page_shows_no_support_panel(client, member, peer, group):
    thread = forum.create_thread(author=peer, group=group, title="Evenings", body="How are you?")
    post = forum.reply(author=member, thread=thread, body=HARMLESS)
    client.force_login(member)

    page = client.post(post_edit_url(post), {"body": "Good luck!"}, follow=True).content.decode()

    assert "Your changes were saved." in page and "You are not alone" not in page


def test_an_edit_with_a_blocked_word_on_the_page_is_refused_with_the_reason(
    client, member, peer, group
):
    thread = forum.create_thread(author=peer, group=group, title="Evenings", body="How are you?")
    post = forum.reply(author=member, thread=thread, body=HARMLESS)
    watch(group, "miracle cure", Response.BLOCK)
    client.force_login(member)

    response = client.post(post_edit_url(post), {"body": "Try the miracle cure"})

    assert response.status_code == 400
    assert "This group does not allow" in response.content.decode()
    post.refresh_from_db()
    assert post.body_source == HARMLESS and post.edited_at is None


def test_after_editing_a_chat_message_into_crisis_words_on_its_page_the_author_sees_support(
    client,
    member,
    moderator,
    room,  # noqa: F811
    write,  # noqa: F811
):
    message = write(member, HARMLESS)
    client.force_login(member)
    url = reverse("chat:message_edit", kwargs={"message_id": message.pk})

    response = client.post(url, {"text": CRISIS}, follow=True)

    assert response.status_code == 200
    assert item_of("chat.message", message).crisis
    # The panel shown once after writing (not only the hidden one the page's script opens).
    assert "crisis_support" in response.context


# --- The chat's WebSocket -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_edit_into_crisis_words_over_the_socket_answers_crisis_and_tells_the_reviewers_once(
    application,  # noqa: F811
    room,  # noqa: F811
    write,  # noqa: F811
    member,
    moderator,
):
    message = write(member, HARMLESS)
    cookie = session_cookie(member)

    async def scenario():
        socket = await joined(application, room, cookie)
        await socket.send_json_to({"type": "edit", "id": message.pk, "text": CRISIS})
        first = await frames(socket, 2)
        await socket.send_json_to({"type": "edit", "id": message.pk, "text": f"{CRISIS}."})
        second = await frames(socket, 2)
        await socket.disconnect()
        return first, second

    first, second = run(scenario)

    assert first["edited"] == {"type": "edited", "id": message.pk, "crisis": True}
    assert first["message"]["edited"] is True
    assert second["edited"] == {"type": "edited", "id": message.pk, "crisis": False}
    item = item_of("chat.message", message)
    assert (item.state, item.crisis) == (State.OPEN, True)
    assert [u.pk for u in notices()] == [moderator.pk]


def test_a_hold_word_brought_into_a_post_still_waiting_for_approval_only_flags_it(
    member, moderator, group
):
    GroupRules.objects.update_or_create(group=group, defaults={"premoderate_everyone": True})
    WatchedWord.objects.create(group=group, phrase="miracle cure", response="hold")
    post = forum.create_thread(
        author=member, group=group, title="My pump", body="It beeps at night."
    ).posts.get()

    forum.edit_post(editor=member, post=post, body="It beeps. Try the miracle cure.")

    post.refresh_from_db()
    item = ModerationItem.objects.get(kind="forum.post", object_id=post.pk)
    assert post.held_at is not None and post.hidden_at is None  # approving it publishes it
    assert item.held and item.state == ModerationItem.State.OPEN
    assert item.flags.filter(reporter=None, note__contains="miracle cure").exists()
