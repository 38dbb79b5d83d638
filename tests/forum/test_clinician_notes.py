"""Clinicians' notes under posts, and the clinicians' lane of the review queue: members ask
a clinician to check a health claim, only verified clinicians of the group write notes,
every reader sees them with the badge, and notes are versioned and moderated like posts."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.chat.models import ChatRoom
from community.chat.services import send_message
from community.forum import services as forum
from community.forum.clinician_notes import NOTE_MAX, write_clinician_note
from community.forum.models import ClinicianNote, ClinicianNoteRevision
from community.forum.moderation_hooks import FORUM_POST
from community.groups.models import Membership, Role
from community.moderation import services as moderation
from community.moderation.models import ModerationItem, Reason, WatchedWord
from community.notifications.models import Notification
from community.privacy.exports import export_sections
from community.privacy.models import AccessRecord
from community.privacy.services import close_account
from community.privacy.tasks import apply_retention

CLAIM = "Cinnamon every morning means you can skip correction doses."
NOTE = "Cinnamon does **not** replace insulin. Please talk to your own diabetes team."
Action = moderation.Action


@pytest.fixture
def post(member, group):
    return forum.create_thread(author=member, group=group, title="Cinnamon", body=CLAIM).posts.get()


def note_on(post, clinician, body=NOTE, stance="corrects") -> ClinicianNote:
    return write_clinician_note(clinician=clinician, post=post, stance=stance, body=body)


def ask_clinician(post, member) -> ModerationItem:
    moderation.flag_content(
        reporter=member, kind="forum.post", object_id=post.pk, reason=Reason.HEALTH_CLAIM
    )
    return ModerationItem.objects.get(kind="forum.post", object_id=post.pk)


# --- Who may write a note -------------------------------------------------------------------


def test_a_verified_clinician_of_the_group_adds_a_note_that_keeps_its_first_version(
    post, clinician
):
    note = note_on(post, clinician)

    assert (note.post, note.author, note.stance) == (post, clinician, "corrects")
    assert "<strong>not</strong>" in note.body_html
    assert note.revisions.get().body_source == NOTE


@pytest.mark.parametrize(
    "who",
    [
        "member",
        "peer",
        "moderator",
        "group_admin",
        "muted_clinician",
        "verified_plain_member",
        "unverified",
        "outsider_clinician",
        "staff",
    ],
)
def test_nobody_else_may_write_a_note_and_nothing_is_stored(
    post, who, request, make_user, join, group, other_group
):
    people = {
        "muted_clinician": lambda: join_as(
            make_user(is_verified_clinician=True),
            group,
            Role.CLINICIAN,
            Membership.State.MUTED,
            join,
        ),
        # A verified clinician who is in the group as a patient does not speak for it.
        "verified_plain_member": lambda: join_as(
            make_user(is_verified_clinician=True), group, Role.MEMBER, "active", join
        ),
        "unverified": lambda: join_as(make_user(), group, Role.CLINICIAN, "active", join),
        "outsider_clinician": lambda: join_as(
            make_user(is_verified_clinician=True), other_group, Role.CLINICIAN, "active", join
        ),
    }
    user = people[who]() if who in people else request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        note_on(post, user)

    assert not ClinicianNote.objects.exists()


def join_as(user, group, role, state, join):
    join(user, group, role=role, state=state)
    return user


def test_a_clinician_may_not_annotate_their_own_post(clinician, group):
    own = forum.create_thread(author=clinician, group=group, title="Tips", body="Drink water")

    with pytest.raises(PermissionDenied):
        note_on(own.posts.get(), clinician)


def test_a_revoked_verification_ends_note_writing_at_once(post, clinician):
    clinician.is_verified_clinician = False
    clinician.save()

    with pytest.raises(PermissionDenied):
        note_on(post, clinician)


def test_no_note_goes_under_a_deleted_or_withheld_post(post, clinician, member, moderator, peer):
    forum.delete_post(actor=member, post=post)

    with pytest.raises(PermissionDenied):
        note_on(post, clinician)


@pytest.mark.parametrize(
    ("stance", "body", "code"),
    [
        ("corrects", "   ", "body_empty"),
        ("corrects", "x" * (NOTE_MAX + 1), "body_too_long"),
        ("agrees", "Fine", "stance"),
    ],
)
def test_a_bad_note_is_refused_with_a_reason_and_nothing_is_stored(
    post, clinician, stance, body, code
):
    with pytest.raises(ValidationError) as refused:
        note_on(post, clinician, body=body, stance=stance)

    assert refused.value.code == code
    assert not ClinicianNote.objects.exists() and not ClinicianNoteRevision.objects.exists()


def test_a_note_with_a_blocked_word_is_refused(post, clinician, group):
    WatchedWord.objects.create(group=group, phrase="miracle", response=WatchedWord.Response.BLOCK)

    with pytest.raises(ValidationError):
        note_on(post, clinician, body="A miracle cure it is not.")

    assert not ClinicianNote.objects.exists()


@pytest.mark.parametrize("response", [WatchedWord.Response.FLAG, WatchedWord.Response.HOLD])
def test_a_watched_word_in_a_note_asks_moderators_to_look(post, clinician, group, response):
    WatchedWord.objects.create(group=group, phrase="guaranteed", response=response)

    note = note_on(post, clinician, body="Nothing is guaranteed; ask your team.")

    item = ModerationItem.objects.get(kind="forum.clinician_note", object_id=note.pk)
    assert item.state == ModerationItem.State.OPEN
    assert item.flags.get().note == "Watched word: guaranteed"
    assert ClinicianNote.objects.get().hidden_at is None  # shown, and looked at


# --- Versions, notifications ------------------------------------------------------------------


def test_writing_again_revises_the_note_and_keeps_each_version(post, clinician):
    first = note_on(post, clinician)
    again = note_on(post, clinician, body="Revised: ask your team.", stance="context")
    same = note_on(post, clinician, body="Revised: ask your team.", stance="context")

    assert first.pk == again.pk == same.pk
    assert again.edited_at is not None and again.stance == "context"
    assert list(again.revisions.values_list("body_source", flat=True)) == [
        NOTE,
        "Revised: ask your team.",
    ]


def test_the_posts_author_is_told_once_without_the_notes_text(post, clinician, member):
    note_on(post, clinician)
    note_on(post, clinician, body="Changed.")

    [notice] = Notification.objects.filter(recipient=member, kind="forum.clinician_note")
    assert notice.actor == clinician
    assert "Cinnamon" not in notice.url


# --- The clinicians' lane -------------------------------------------------------------------


def test_asking_a_clinician_puts_the_post_in_their_lane_and_tells_only_clinicians(
    post, peer, clinician, moderator
):
    item = ask_clinician(post, peer)

    assert list(ModerationItem.objects.for_clinicians()) == [item]
    assert item.flag_count == 0 and item.waits_for_clinician
    told = Notification.objects.filter(kind="moderation.ask_clinician")
    assert [notice.recipient for notice in told] == [clinician]


def test_health_claim_marks_never_hide_a_post(post, make_user, join, group, clinician):
    for _number in range(4):
        asker = make_user()
        join(asker, group)
        ask_clinician(post, asker)

    post.refresh_from_db()
    assert post.hidden_at is None
    assert Notification.objects.filter(kind="moderation.ask_clinician").count() == 1


def test_asking_twice_is_refused_kindly_but_a_concern_can_still_be_raised(post, peer):
    ask_clinician(post, peer)
    with pytest.raises(ValidationError) as again:
        ask_clinician(post, peer)
    moderation.flag_content(
        reporter=peer, kind="forum.post", object_id=post.pk, reason=Reason.MISINFORMATION
    )

    assert "already asked a clinician" in again.value.messages[0]
    assert ModerationItem.objects.get().flag_count == 1


def test_a_chat_message_takes_no_health_claim(member, peer, group):
    message, _created = send_message(
        author=member, room=ChatRoom.objects.create(group=group), text="Hi", client_id="a"
    )

    with pytest.raises(ValidationError):
        moderation.flag_content(
            reporter=peer, kind="chat.message", object_id=message.pk, reason=Reason.HEALTH_CLAIM
        )


def test_a_claim_alone_gives_moderators_nothing_to_do_and_a_note_answers_it(post, peer, clinician):
    item = ask_clinician(post, peer)
    assert item.state == ModerationItem.State.CLEAR
    assert not ModerationItem.objects.filter(state=ModerationItem.State.OPEN).exists()

    note_on(post, clinician)

    item.refresh_from_db()
    assert not item.waits_for_clinician and item.state == ModerationItem.State.CLEAR
    assert item.actions.get().action == Action.CLINICIAN_NOTE
    assert item.first_action_at is None  # the moderators' response times are theirs alone
    assert Notification.objects.filter(recipient=peer, kind="moderation.clinician_answered")


def test_only_those_who_asked_this_time_hear_of_the_answer(
    post, peer, clinician, make_user, join, group
):
    ask_clinician(post, peer)
    note_on(post, clinician)
    later = make_user()
    join(later, group)
    ask_clinician(post, later)

    note_on(post, clinician, body="A second look: still ask your team.")

    told = Notification.objects.filter(kind="moderation.clinician_answered")
    assert sorted(notice.recipient.pk for notice in told) == sorted([peer.pk, later.pk])


def test_a_claim_on_a_post_the_moderators_dealt_with_leaves_their_decision_alone(
    post, peer, moderator, clinician, make_user, join, group
):
    moderation.flag_content(
        reporter=peer, kind="forum.post", object_id=post.pk, reason=Reason.CRISIS
    )
    item = ModerationItem.objects.get()
    moderation.act(moderator=moderator, item=item, action=Action.WARN, reason="Be kind")
    asker = make_user()
    join(asker, group)

    ask_clinician(post, asker)
    item.refresh_from_db()
    assert item.state == ModerationItem.State.RESOLVED and item.waits_for_clinician
    assert not ModerationItem.objects.filter(state=ModerationItem.State.OPEN).exists()

    note_on(post, clinician)
    item.refresh_from_db()
    assert item.state == ModerationItem.State.RESOLVED and not item.waits_for_clinician
    assert item.decided_by == moderator


def test_a_clinician_may_still_answer_after_the_moderators_kept_the_post(
    post, peer, moderator, clinician, make_user, join, group
):
    ask_clinician(post, peer)
    worried = make_user()
    join(worried, group)
    moderation.flag_content(
        reporter=worried, kind="forum.post", object_id=post.pk, reason=Reason.UNSAFE
    )
    item = ModerationItem.objects.get()
    moderation.act(moderator=moderator, item=item, action=Action.KEEP)
    assert list(ModerationItem.objects.for_clinicians()) == [item]

    moderation.act(moderator=clinician, item=item, action=Action.NO_NOTE_NEEDED)

    item.refresh_from_db()
    assert item.state == ModerationItem.State.RESOLVED and not item.waits_for_clinician
    assert not ModerationItem.objects.for_clinicians().exists()


def test_a_note_leaves_a_moderators_claim_on_the_item_alone(
    post, peer, moderator, clinician, make_user, join, group
):
    worried = make_user()
    join(worried, group)
    moderation.flag_content(
        reporter=worried, kind="forum.post", object_id=post.pk, reason=Reason.UNSAFE
    )
    item = ask_clinician(post, peer)
    moderation.claim_item(moderator=moderator, item=item)

    note_on(post, clinician)

    item.refresh_from_db()
    assert item.claimed_by == moderator and item.first_action_at is None


@pytest.mark.parametrize("withheld_by", ["author", "moderator"])
def test_no_clinician_is_asked_about_a_deleted_or_hidden_post(
    post, peer, member, moderator, withheld_by
):
    if withheld_by == "author":
        forum.delete_post(actor=member, post=post)
    else:
        FORUM_POST.set_hidden(post, True)

    with pytest.raises(ValidationError):
        ask_clinician(post, peer)

    assert not ModerationItem.objects.for_clinicians().exists()


def test_a_note_leaves_an_item_with_concerns_open_for_the_moderators(
    post, peer, clinician, make_user, join, group
):
    ask_clinician(post, peer)
    worried = make_user()
    join(worried, group)
    moderation.flag_content(
        reporter=worried, kind="forum.post", object_id=post.pk, reason=Reason.UNSAFE
    )

    note_on(post, clinician)

    item = ModerationItem.objects.get()
    assert item.state == ModerationItem.State.OPEN and not item.waits_for_clinician


def test_an_escalation_reaches_the_clinicians_lane(post, peer, moderator, clinician):
    moderation.flag_content(
        reporter=peer, kind="forum.post", object_id=post.pk, reason=Reason.UNSAFE
    )
    item = ModerationItem.objects.get()

    moderation.act(moderator=moderator, item=item, action=Action.ESCALATE)

    assert list(ModerationItem.objects.for_clinicians()) == [item]


def test_a_clinician_may_decide_no_note_is_needed_but_a_moderator_may_not(
    post, peer, clinician, moderator
):
    item = ask_clinician(post, peer)
    with pytest.raises(ValidationError):
        moderation.act(moderator=moderator, item=item, action=Action.NO_NOTE_NEEDED)

    moderation.act(moderator=clinician, item=item, action=Action.NO_NOTE_NEEDED)

    item.refresh_from_db()
    assert item.state == ModerationItem.State.CLEAR and not item.waits_for_clinician


# --- Moderating notes ---------------------------------------------------------------------


def note_item(note, peer) -> ModerationItem:
    moderation.flag_content(
        reporter=peer, kind="forum.clinician_note", object_id=note.pk, reason=Reason.UNSAFE
    )
    return ModerationItem.objects.get(kind="forum.clinician_note")


def test_a_flagged_note_is_hidden_and_then_can_no_longer_be_changed(
    post, clinician, peer, moderator
):
    note = note_on(post, clinician)
    moderation.act(moderator=moderator, item=note_item(note, peer), action=Action.HIDE)

    with pytest.raises(ValidationError) as refused:
        note_on(post, clinician, body="Put back")

    assert refused.value.code == "moderated"
    assert ClinicianNote.objects.get().hidden_at is not None


def test_a_redacted_note_keeps_only_the_redacted_version_in_its_history(
    post, clinician, peer, moderator
):
    note = note_on(post, clinician)

    moderation.act(
        moderator=moderator,
        item=note_item(note, peer),
        action=Action.REDACT,
        new_text="Please talk to your own diabetes team.",
        reason="Too absolute",
    )

    note.refresh_from_db()
    assert note.body_source == "Please talk to your own diabetes team."
    assert list(note.revisions.values_list("body_source", flat=True)) == [
        "Please talk to your own diabetes team."
    ]
    assert note.moderator_note == "Too absolute"


# --- Pages ---------------------------------------------------------------------------------


def thread_page(client, user, post) -> str:
    client.force_login(user)
    return client.get(post.thread.get_absolute_url()).content.decode()


def test_every_reader_sees_the_note_under_the_post_with_the_badge(client, post, clinician, peer):
    note_on(post, clinician)

    page = thread_page(client, peer, post)

    assert "Cinnamon does <strong>not</strong> replace insulin" in page
    assert "Corrects what the post says" in page and "Verified clinician" in page


def test_a_hidden_note_shows_only_to_its_author_and_reviewers(
    client, post, clinician, peer, moderator
):
    note = note_on(post, clinician)
    moderation.act(
        moderator=moderator, item=note_item(note, peer), action=Action.REMOVE, reason="Wrong"
    )

    assert "replace insulin" not in thread_page(client, peer, post)
    assert "Moderators removed your note" in thread_page(client, clinician, post)
    assert "replace insulin" in thread_page(client, moderator, post)


def test_clinicians_get_a_link_to_add_a_note_and_members_to_ask_one(client, post, clinician, peer):
    note_url = reverse(
        "forum:clinician_note", kwargs={"slug": post.thread.group.slug, "post_id": post.pk}
    )
    assert note_url in thread_page(client, clinician, post)
    peer_page = thread_page(client, peer, post)
    assert note_url not in peer_page and "?reason=health_claim" in peer_page


def test_the_note_page_saves_a_note_and_shows_errors_with_the_text_kept(client, post, clinician):
    url = reverse(
        "forum:clinician_note", kwargs={"slug": post.thread.group.slug, "post_id": post.pk}
    )
    client.force_login(clinician)

    refused = client.post(url, {"stance": "corrects", "body": "x" * (NOTE_MAX + 5)})
    saved = client.post(url, {"stance": "supports", "body": "Yes, that matches the evidence."})

    assert refused.status_code == 400 and "please keep it under" in refused.content.decode()
    assert saved.status_code == 302
    assert ClinicianNote.objects.get().stance == "supports"


def test_the_note_page_is_not_found_for_non_members(client, post, outsider):
    client.force_login(outsider)
    url = reverse(
        "forum:clinician_note", kwargs={"slug": post.thread.group.slug, "post_id": post.pk}
    )

    assert client.post(url, {"stance": "supports", "body": "Hi"}).status_code == 404
    assert not ClinicianNote.objects.exists()


def test_the_lane_lists_what_waits_for_a_clinician(client, post, peer, clinician):
    ask_clinician(post, peer)
    client.force_login(clinician)
    url = reverse("moderation:queue", kwargs={"slug": post.thread.group.slug})

    lane = client.get(url, {"lane": "clinicians"}).content.decode()

    assert "For clinicians (1)" in lane and "A clinician's word is asked for" in lane


def test_the_moderators_queue_leaves_claims_to_the_lane_and_the_lane_shows_no_old_crisis(
    client, post, peer, moderator, clinician, make_user, join, group
):
    moderation.flag_content(
        reporter=peer, kind="forum.post", object_id=post.pk, reason=Reason.CRISIS
    )
    item = ModerationItem.objects.get()
    moderation.act(moderator=moderator, item=item, action=Action.KEEP)
    asker = make_user()
    join(asker, group)
    ask_clinician(post, asker)
    url = reverse("moderation:queue", kwargs={"slug": group.slug})
    client.force_login(moderator)

    queue = client.get(url).content.decode()
    lane = client.get(url, {"lane": "clinicians"}).content.decode()

    assert "Nothing to review" in queue and f"item {item.pk}" not in queue
    assert f"item {item.pk}" in lane and "A clinician's word is asked for" in lane
    assert "Crisis:" not in lane and "is-crisis" not in lane


def note_history_url(note) -> str:
    kwargs = {"slug": note.post.thread.group.slug, "post_id": note.post_id, "note_id": note.pk}
    return reverse("forum:note_history", kwargs=kwargs)


def test_moderators_read_a_notes_earlier_versions_and_the_look_is_recorded(
    client, post, clinician, moderator
):
    note = note_on(post, clinician)
    note_on(post, clinician, body="Revised: ask your team.", stance="context")
    client.force_login(moderator)

    page = client.get(note_history_url(note)).content.decode()

    assert "Cinnamon does <strong>not</strong> replace insulin" in page
    assert "Revised: ask your team." in page and "Adds context" in page
    [record] = AccessRecord.objects.filter(viewer=moderator)
    assert record.subject == clinician and record.reason == AccessRecord.Reason.VIEW_REVISIONS
    assert note_history_url(note) in thread_page(client, moderator, post)


@pytest.mark.parametrize(("who", "status"), [("peer", 403), ("clinician", 403), ("outsider", 404)])
def test_nobody_but_moderators_reads_a_notes_history(client, post, clinician, request, who, status):
    note = note_on(post, clinician)
    client.force_login(request.getfixturevalue(who))

    assert client.get(note_history_url(note)).status_code == status
    assert not AccessRecord.objects.exists()


def test_a_note_of_another_post_has_no_history_here(
    client, post, clinician, moderator, member, group
):
    note = note_on(post, clinician)
    other = forum.create_thread(author=member, group=group, title="Other", body="Hi").posts.get()
    client.force_login(moderator)
    url = reverse(
        "forum:note_history",
        kwargs={"slug": group.slug, "post_id": other.pk, "note_id": note.pk},
    )

    assert client.get(url).status_code == 404


def test_the_flag_form_offers_the_health_claim_preselected(client, post, peer):
    client.force_login(peer)
    url = reverse("moderation:flag", kwargs={"kind": "forum.post", "object_id": post.pk})

    page = client.get(url, {"reason": "health_claim"}).content.decode()

    [checked] = re.findall(r"<input[^>]*checked[^>]*>", page)
    assert 'value="health_claim"' in checked


# --- Data rights ---------------------------------------------------------------------------


def test_the_clinicians_export_holds_their_notes(post, clinician):
    note_on(post, clinician)
    [section] = [s for s in export_sections() if s.key == "forum.clinician_notes"]

    [record] = section.collect(clinician)

    assert record["text"] == NOTE and record["kind"] == "Corrects what the post says"


def test_the_clinicians_export_holds_every_version_of_their_notes(post, clinician):
    note_on(post, clinician)
    note_on(post, clinician, body="Revised.", stance="context")
    [section] = [s for s in export_sections() if s.key == "forum.note_revisions"]

    records = section.collect(clinician)

    assert [record["text"] for record in records] == [NOTE, "Revised."]
    assert records[1]["kind"] == "Adds context"


def test_notes_go_with_the_words_of_a_post_whose_author_erased_their_content(
    post, clinician, member
):
    note_on(post, clinician)

    close_account(user=member, delete_content=True)

    assert not ClinicianNote.objects.exists() and not ClinicianNoteRevision.objects.exists()


@pytest.mark.parametrize(("delete_content", "kept"), [(True, 0), (False, 1)])
def test_closing_the_account_deletes_notes_only_when_asked(post, clinician, delete_content, kept):
    note_on(post, clinician)

    close_account(user=clinician, delete_content=delete_content)

    assert ClinicianNote.objects.count() == kept


def test_a_removed_note_is_deleted_after_the_groups_retention_period(
    post, clinician, peer, moderator
):
    t0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    with time_machine.travel(t0, tick=False):
        note = note_on(post, clinician)
        moderation.act(
            moderator=moderator, item=note_item(note, peer), action=Action.REMOVE, reason="Wrong"
        )

    with time_machine.travel(t0 + timedelta(days=29), tick=False):
        apply_retention()
    assert ClinicianNote.objects.exists()
    with time_machine.travel(t0 + timedelta(days=31), tick=False):
        apply_retention()
    assert not ClinicianNote.objects.exists()
