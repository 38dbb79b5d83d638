"""Issue 16, item 2: a redaction erases. What a moderator redacted is found nowhere
afterwards: not in any column of any table, not in any file under the media folder (zips
opened), not in search, not in notifications or e-mails, and not in the author's data export.

Each story leaves as many copies as it can before the redaction: an edit (revisions), a hide
(the moderation log's before/after copies), and a ready export of the author's data."""

import io
import os
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse

from community.chat import services as chat
from community.chat.models import ChatMessage, ChatRoom
from community.forum import services as forum
from community.forum.clinician_notes import NOTE_KIND, write_clinician_note
from community.forum.models import ClinicianNote, Post
from community.forum.search import search_posts
from community.moderation import services as moderation
from community.moderation.models import ModerationAction, ModerationItem, Reason
from community.notifications.models import Notification
from community.privacy.models import AuditErasure, DataExport
from community.privacy.services import request_data_export
from community.safety.personal_data import Answer, Confirmation, fingerprint_of
from community.safety.pii import find_personal_data
from tests.privacy.helpers import built, zip_members

Action = ModerationAction.Action

SECRET = "Zanzibar-Quokka-7731"
PHONE = "0701234567"
# Every piece of what the redaction takes out: none may be found anywhere afterwards.
REDACTED_WORDS = [SECRET, PHONE, "Anna Berg", "Elm Street 12"]
ORIGINAL = (
    f"Our neighbour Anna Berg, {PHONE}, lives at Elm Street 12 (door code {SECRET}) "
    "and has the same pump as me."
)
EDITED = f"{ORIGINAL} She says its night alarm is loud."
REDACTED = "Our neighbour has the same pump as me. She says its night alarm is loud."
REASON = "Names a neighbour, her phone number and her address without her consent."
ACTION_LOG = ModerationAction._meta.db_table


# --- Where the words could be ---------------------------------------------------------------


def searchable_columns(model) -> list[models.Field]:
    """The columns of a model that can hold text: chars, texts, file names, JSON."""
    kinds = (models.CharField, models.TextField, models.FileField, models.JSONField)
    return [field for field in model._meta.concrete_fields if isinstance(field, kinds)]


def every_model() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def found_in_tables(word: str) -> list[str]:
    """Each "app.Model.column" in which `word` is stored, in any row, of any table."""
    found = []
    for model in every_model():
        for field in searchable_columns(model):
            rows = model._base_manager.all()
            if isinstance(field, models.JSONField):
                rows = rows.annotate(as_text=Cast(field.name, models.TextField()))
                rows = rows.filter(as_text__contains=word)
            else:
                rows = rows.filter(**{f"{field.name}__contains": word})
            if rows.exists():
                found.append(f"{model._meta.label}.{field.name}")
    # Sessions are stored encoded: read them as the application does.
    for session in Session.objects.all():
        if word in repr(session.get_decoded()):
            found.append(f"sessions.Session:{session.pk}")
    return found


def found_in_zip(content: bytes, word: str) -> list[str]:
    needle = word.encode()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [name for name in archive.namelist() if needle in archive.read(name) or word in name]


def found_in_media(word: str) -> list[str]:
    """Each file under MEDIA_ROOT (and each member of a zip there) holding `word`."""
    found = []
    for folder, _dirs, files in os.walk(settings.MEDIA_ROOT):
        for name in files:
            path = Path(folder) / name
            content = path.read_bytes()
            if word in str(path) or word.encode() in content:
                found.append(str(path))
            if zipfile.is_zipfile(io.BytesIO(content)):
                found += [f"{path}!{member}" for member in found_in_zip(content, word)]
    return found


def found_in_mail(word: str) -> list[str]:
    found = []
    for number, message in enumerate(mail.outbox):
        parts = [message.subject, message.body, *message.to]
        parts += [alternative[0] for alternative in getattr(message, "alternatives", [])]
        if any(word in str(part) for part in parts):
            found.append(f"e-mail {number}: {message.subject}")
    return found


def found_anywhere(word: str) -> list[str]:
    return found_in_tables(word) + found_in_media(word) + found_in_mail(word)


def new_export_of(user) -> dict[str, bytes]:
    """A new copy of the user's data, built now; its zip's members."""
    export = built(request_data_export(user=user))
    assert export.status == DataExport.Status.READY
    with export.file.open("rb") as stored:
        return zip_members(stored.read())


def export_text(members: dict[str, bytes]) -> str:
    return "\n".join(content.decode("utf-8", errors="replace") for content in members.values())


def assert_erased_everywhere() -> None:
    for word in REDACTED_WORDS:
        assert found_anywhere(word) == [], word


def assert_redaction_logged(kind: str, object_id: int, moderator, *, removed: str, kept: str):
    entry = ModerationAction.objects.get(target=f"{kind}:{object_id}", action=Action.REDACT)
    assert entry.moderator == moderator
    assert entry.reason == REASON
    assert entry.before == ""
    assert entry.after == kept
    assert entry.redacted_characters is not None
    assert entry.redacted_characters > 0
    assert entry.redacted_characters >= len(SECRET)
    assert len(removed) - len(kept) <= entry.redacted_characters <= len(removed)
    # What the log still says about the earlier decisions: that they were made, and why.
    hide = ModerationAction.objects.get(target=f"{kind}:{object_id}", action=Action.HIDE)
    assert (hide.moderator, hide.before, hide.after) == (moderator, "", "")
    erasure = AuditErasure.objects.get(reason=f"content_redacted:{kind}")
    assert erasure.table == ACTION_LOG
    assert (erasure.rows_deleted, erasure.rows_changed) == (0, 1)


def consented(text: str) -> Confirmation:
    """The author's answer to the personal-data warning for `text`: the person agreed."""
    return Confirmation(Answer.CONSENT, fingerprint_of(find_personal_data(text)))


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a step and what it leaves for after its commit (e-mails, deleted files)."""

    def run(step):
        with django_capture_on_commit_callbacks(execute=True):
            return step()

    return run


@pytest.fixture(autouse=True)
def no_broadcasts(monkeypatch):
    """Chat broadcasts go nowhere (the room's sockets are not the question here)."""
    monkeypatch.setattr(chat, "send_to_room", lambda room_id, event: None)


@pytest.fixture(autouse=True)
def media(private_media):
    return private_media


@pytest.fixture(autouse=True)
def email_at_once(mailoutbox):
    """Every e-mail the story causes lands in the outbox (and must not quote the words)."""
    return mailoutbox


# --- A forum post ---------------------------------------------------------------------------


@pytest.fixture
def story(commit, member, peer, moderator, group):
    """The author posts the words (confirming the personal details), edits the post, a
    peer finds it in search and flags it, a moderator hides it, the author's data is
    exported with the words in it."""
    thread = commit(
        lambda: forum.create_thread(
            author=member,
            group=group,
            title="Pumps on our street",
            body=ORIGINAL,
            personal_data=consented(ORIGINAL),
        )
    )
    post = thread.posts.get()
    commit(lambda: forum.edit_post(editor=member, post=post, body=EDITED))
    commit(lambda: forum.reply(author=peer, thread=thread, body="Mine beeps at night too."))
    for user in (member, peer, moderator):
        assert [hit.post.pk for hit in search_posts(user, SECRET)] == [post.pk], user
    commit(
        lambda: moderation.flag_content(
            reporter=peer,
            kind="forum.post",
            object_id=post.pk,
            reason=Reason.THIRD_PARTY,
            note="Her name, number and address.",
        )
    )
    item = ModerationItem.objects.get(kind="forum.post", object_id=post.pk)
    commit(lambda: moderation.act(moderator=moderator, item=item, action=Action.HIDE))
    old_export = built(request_data_export(user=member))
    assert old_export.status == DataExport.Status.READY
    post.refresh_from_db()
    return post, item, old_export


def test_before_the_redaction_the_words_are_found_where_the_checks_look(story):
    """The checks below can find the words: in the post, its revisions, the log and the
    export's zip."""
    post, _item, old_export = story

    tables = found_in_tables(SECRET)
    assert {
        "forum.Post.body_source",
        "forum.Post.body_text",
        "forum.PostRevision.body_source",
        "moderation.ModerationAction.before",
        "moderation.ModerationAction.after",
    } <= set(tables)
    assert post.revisions.count() == 2
    media = found_in_media(SECRET)
    assert any(old_export.file.name in path and "!" in path for path in media), media


def test_a_redacted_post_is_found_nowhere_afterwards(story, commit, member, peer, moderator, group):
    post, item, old_export = story
    old_zip = Path(old_export.file.path)

    commit(
        lambda: moderation.act(
            moderator=moderator,
            item=item,
            action=Action.REDACT,
            new_text=REDACTED,
            reason=REASON,
        )
    )
    post.refresh_from_db()
    assert post.body_source == REDACTED
    assert list(post.revisions.values_list("body_source", flat=True)) == [REDACTED]
    # The copy made before the redaction is gone, file and all.
    old_export.refresh_from_db()
    assert old_export.status == DataExport.Status.EXPIRED
    assert not old_export.file
    assert not old_zip.exists()
    # A new copy of the author's data holds the redacted version, and not the words.
    members = new_export_of(member)
    assert REDACTED in export_text(members)
    for word in REDACTED_WORDS:
        assert word not in export_text(members), word

    assert_erased_everywhere()
    for user in (member, peer, moderator):
        for word in (SECRET, "Quokka", PHONE, "Anna Berg"):
            assert search_posts(user, word) == [], (user, word)
        assert [hit.post.pk for hit in search_posts(user, "night alarm")] == [post.pk]
    notices = Notification.objects.filter(recipient=member)
    assert notices.filter(kind="moderation.outcome").exists()
    for notice in notices:
        for word in REDACTED_WORDS:
            assert word not in f"{notice.target} {notice.url}"
    assert any(member.email in message.to for message in mail.outbox)
    assert_redaction_logged("forum.post", post.pk, moderator, removed=EDITED, kept=REDACTED)


def test_the_redacted_post_is_not_on_any_page_the_author_or_a_peer_opens(
    client, story, commit, member, peer, moderator
):
    post, item, _old_export = story
    commit(
        lambda: moderation.act(
            moderator=moderator, item=item, action=Action.REDACT, new_text=REDACTED, reason=REASON
        )
    )

    for user in (member, peer):
        client.force_login(user)
        # (Searched for part of the words: the page repeats what was typed.)
        pages = [
            post.thread.get_absolute_url(),
            reverse("forum:search") + "?q=Quokka",
            reverse("moderation:notices"),
        ]
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            for word in REDACTED_WORDS:
                assert word not in response.content.decode(), (user, url, word)
        search = client.get(reverse("forum:search") + "?q=Quokka").content.decode()
        assert reverse("forum:post_link", kwargs={"post_id": post.pk}) not in search


# --- A chat message -------------------------------------------------------------------------


def test_a_redacted_chat_message_is_found_nowhere_afterwards(
    commit, member, peer, moderator, group
):
    room, _created = ChatRoom.objects.get_or_create(group=group, kind=ChatRoom.Kind.GROUP)
    message, _new = commit(
        lambda: chat.send_message(
            author=member,
            room=room,
            text=ORIGINAL,
            client_id="redaction-story-0001",
            personal_data=consented(ORIGINAL),
        )
    )
    commit(lambda: chat.edit_message(editor=member, message=message, text=EDITED))
    commit(
        lambda: moderation.flag_content(
            reporter=peer, kind="chat.message", object_id=message.pk, reason=Reason.THIRD_PARTY
        )
    )
    item = ModerationItem.objects.get(kind="chat.message", object_id=message.pk)
    commit(lambda: moderation.act(moderator=moderator, item=item, action=Action.HIDE))
    old_export = built(request_data_export(user=member))
    assert "moderation.ModerationAction.before" in found_in_tables(SECRET)
    assert found_in_media(SECRET)

    commit(
        lambda: moderation.act(
            moderator=moderator, item=item, action=Action.REDACT, new_text=REDACTED, reason=REASON
        )
    )

    message = ChatMessage.objects.get(pk=message.pk)
    assert (message.body_source, message.moderator_note) == (REDACTED, REASON)
    old_export.refresh_from_db()
    assert old_export.status == DataExport.Status.EXPIRED
    members = new_export_of(member)
    assert REDACTED in export_text(members)
    assert_erased_everywhere()
    assert_redaction_logged("chat.message", message.pk, moderator, removed=EDITED, kept=REDACTED)


# --- A clinician's note ---------------------------------------------------------------------

NOTE = f"Ask Anna Berg at Elm Street 12 about it (code {SECRET}): she trains pump users."
NOTE_EDITED = f"{NOTE} Alarms can be made quieter."
NOTE_REDACTED = "Ask the diabetes nurse about it. Alarms can be made quieter."


def test_a_redacted_clinicians_note_is_found_nowhere_afterwards(
    commit, member, peer, moderator, clinician, group
):
    thread = commit(
        lambda: forum.create_thread(
            author=member, group=group, title="Loud alarm", body="My pump beeps all night."
        )
    )
    post = thread.posts.get()
    note = commit(
        lambda: write_clinician_note(clinician=clinician, post=post, stance="context", body=NOTE)
    )
    commit(
        lambda: write_clinician_note(
            clinician=clinician, post=post, stance="context", body=NOTE_EDITED
        )
    )
    assert note.revisions.count() == 2
    commit(
        lambda: moderation.flag_content(
            reporter=peer, kind=NOTE_KIND, object_id=note.pk, reason=Reason.THIRD_PARTY
        )
    )
    item = ModerationItem.objects.get(kind=NOTE_KIND, object_id=note.pk)
    commit(lambda: moderation.act(moderator=moderator, item=item, action=Action.HIDE))
    old_export = built(request_data_export(user=clinician))
    assert "forum.ClinicianNoteRevision.body_source" in found_in_tables(SECRET)
    assert "moderation.ModerationAction.after" in found_in_tables(SECRET)
    assert found_in_media(SECRET)

    commit(
        lambda: moderation.act(
            moderator=moderator,
            item=item,
            action=Action.REDACT,
            new_text=NOTE_REDACTED,
            reason=REASON,
        )
    )

    note = ClinicianNote.objects.get(pk=note.pk)
    assert (note.body_source, note.moderator_note) == (NOTE_REDACTED, REASON)
    assert list(note.revisions.values_list("body_source", flat=True)) == [NOTE_REDACTED]
    old_export.refresh_from_db()
    assert old_export.status == DataExport.Status.EXPIRED
    members = new_export_of(clinician)
    assert NOTE_REDACTED in export_text(members)
    for word in (SECRET, "Anna Berg", "Elm Street 12"):
        assert found_anywhere(word) == [], word
    assert Post.objects.get(pk=post.pk).body_source == "My pump beeps all night."
    assert_redaction_logged(NOTE_KIND, note.pk, moderator, removed=NOTE_EDITED, kept=NOTE_REDACTED)
