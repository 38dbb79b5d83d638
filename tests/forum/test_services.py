"""The forum's services: each rule, and each refusal with a clear error that changes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.forum import services
from community.forum.images import clean_image
from community.forum.models import (
    Post,
    PostImage,
    PostRevision,
    Reaction,
    ReadState,
    Thread,
    ThreadFollow,
)
from community.groups.models import Membership, Role
from community.markup.render import MAX_SOURCE_LENGTH
from community.privacy.models import AccessRecord
from tests.forum.photos import photo_upload


def photos(count: int) -> list:
    return [clean_image(photo_upload(f"holiday-{n}.jpg")) for n in range(count)]


def refused(error_type, action) -> Exception:
    """Run the action, expecting it to be refused, and return the error."""
    with pytest.raises(error_type) as caught:
        action()
    return caught.value


def reload(obj):
    obj.refresh_from_db()
    return obj


# --- Starting a thread --------------------------------------------------------------------


def test_starting_a_thread_creates_its_first_post_and_sets_every_counter(member, group):
    thread = services.create_thread(
        author=member, group=group, title="Living with fatigue", body="Some *days* are hard."
    )

    post = thread.posts.get()
    assert (post.number, post.author, post.is_anonymous) == (1, member, False)
    assert post.body_html == "<p>Some <em>days</em> are hard.</p>"
    assert post.body_text == "Some days are hard."
    assert thread.group == group
    assert (thread.post_count, thread.last_post_number, thread.reply_count) == (1, 1, 0)
    assert thread.last_poster == member
    assert thread.last_post_anonymous is False
    assert thread.last_activity_at == post.created_at


def test_the_thread_starter_follows_the_thread_and_has_read_its_first_post(member, thread):
    assert ThreadFollow.objects.filter(user=member, thread=thread).exists()
    assert ReadState.objects.get(user=member, thread=thread).last_read_number == 1


def test_the_first_post_keeps_its_original_text_as_the_first_revision(thread):
    post = thread.posts.get()

    assert list(post.revisions.values_list("body_source", flat=True)) == ["Badly."]


def test_spaces_around_and_inside_a_title_are_tidied(start_thread):
    thread = start_thread(title="   Sleep    and\tpain  ")

    assert thread.title == "Sleep and pain"


def test_an_anonymous_thread_marks_the_thread_its_first_post_and_its_last_post_as_anonymous(
    start_thread, member
):
    thread = start_thread(anonymous=True)

    assert thread.is_anonymous and thread.last_post_anonymous
    assert thread.posts.get().is_anonymous
    # Moderators can still find out who wrote it, so the author is kept.
    assert thread.posts.get().author == member


def test_a_content_warning_is_stored_with_the_post_and_its_revision(start_thread):
    thread = start_thread(content_warning="  hospital   stay ")

    post = thread.posts.get()
    assert post.content_warning == "hospital stay"
    assert post.revisions.get().content_warning == "hospital stay"


def test_photos_are_stored_under_random_names_with_their_sizes(
    start_thread, private_media, snapshot
):
    thread = start_thread(images=photos(2))

    stored = list(thread.posts.get().images.all())
    assert len(stored) == 2
    assert all((image.width, image.height) == (64, 48) for image in stored)
    assert all(image.content_type == "image/jpeg" for image in stored)
    assert len(snapshot()["files"]) == 2
    # The member's own file name ("holiday-0.jpg") may say something personal.
    assert not any("holiday" in image.file.name for image in stored)


def test_a_body_of_exactly_the_maximum_length_is_accepted(start_thread):
    thread = start_thread(body="a" * MAX_SOURCE_LENGTH)

    assert len(thread.posts.get().body_source) == MAX_SOURCE_LENGTH


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"title": "Hi"}, "title_too_short", "at least 3 characters"),
        ({"title": "   a\t\n   "}, "title_too_short", "at least 3 characters"),
        ({"title": "x" * 151}, "title_too_long", "under 150 characters"),
        ({"body": ""}, "body_empty", "Please write something"),
        ({"body": "  \n\t "}, "body_empty", "Please write something"),
        (
            {"body": "b" * (MAX_SOURCE_LENGTH + 1)},
            "body_too_long",
            "20001 characters long; the limit is 20000",
        ),
        ({"content_warning": "w" * 81}, "warning_too_long", "under 80 characters"),
        ({"images": "five photos"}, "too_many_images", "up to 4 photos"),
    ],
    ids=[
        "title too short",
        "title only short after tidying",
        "title too long",
        "empty body",
        "blank body",
        "body too long",
        "content warning too long",
        "five photos",
    ],
)
def test_a_thread_with_bad_content_is_refused_with_a_clear_message_and_nothing_is_written(
    member, group, snapshot, fields, code, message
):
    if fields.get("images") == "five photos":
        fields["images"] = photos(5)
    arguments = {"title": "A good title", "body": "A good body", **fields}
    before = snapshot()

    error = refused(
        ValidationError,
        lambda: services.create_thread(author=member, group=group, **arguments),
    )

    assert error.code == code
    assert message in error.messages[0]
    assert snapshot() == before


@pytest.mark.parametrize("who", ["muted_member", "removed_member", "outsider", "staff"])
def test_only_active_members_may_start_a_thread(request, group, snapshot, who):
    author = request.getfixturevalue(who)
    before = snapshot()

    refused(
        PermissionDenied,
        lambda: services.create_thread(
            author=author, group=group, title="Let me in", body="Hello", images=photos(1)
        ),
    )

    assert snapshot() == before


def test_if_storing_a_photo_fails_the_files_already_written_are_removed(
    member, group, snapshot, monkeypatch
):
    before = snapshot()
    real_save = PostImage.save
    calls = []

    def failing_second_save(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 2:
            raise OSError("disk full")
        real_save(self, *args, **kwargs)

    monkeypatch.setattr(PostImage, "save", failing_second_save)

    refused(
        OSError,
        lambda: services.create_thread(
            author=member, group=group, title="Two photos", body="Look", images=photos(2)
        ),
    )

    assert snapshot() == before


# --- Replying -----------------------------------------------------------------------------


def test_a_reply_gets_the_next_number_and_brings_the_thread_counters_up_to_date(thread, peer):
    reply = services.reply(author=peer, thread=thread, body="Me too.")

    reload(thread)
    assert reply.number == 2
    assert (thread.post_count, thread.last_post_number, thread.reply_count) == (2, 2, 1)
    assert thread.last_poster == peer
    assert thread.last_post_anonymous is False
    assert thread.last_activity_at == reply.created_at


def test_an_anonymous_reply_makes_the_last_post_anonymous_and_a_named_one_clears_it(
    thread, peer, member
):
    services.reply(author=peer, thread=thread, body="Quietly.", anonymous=True)
    assert reload(thread).last_post_anonymous is True

    services.reply(author=member, thread=thread, body="Openly.")
    assert reload(thread).last_post_anonymous is False
    assert thread.last_poster == member


def test_replying_follows_the_thread_and_marks_it_read_up_to_the_reply(thread, peer):
    services.mark_read(user=peer, thread=thread, number=1)
    services.reply(author=peer, thread=thread, body="One")
    services.reply(author=peer, thread=thread, body="Two")

    assert ThreadFollow.objects.filter(user=peer, thread=thread).count() == 1
    assert ReadState.objects.get(user=peer, thread=thread).last_read_number == 3


def test_a_reply_that_arrived_while_the_author_was_typing_stays_unread_to_them(
    thread, peer, member
):
    services.mark_read(user=peer, thread=thread, number=1)
    services.reply(author=member, thread=thread, body="Arrived meanwhile")
    services.reply(author=peer, thread=thread, body="Mine")

    assert ReadState.objects.get(user=peer, thread=thread).last_read_number == 1


def test_deleting_the_last_post_no_longer_names_its_author_as_last_poster(thread, peer):
    last = services.reply(author=peer, thread=thread, body="Regret this")
    services.delete_post(actor=peer, post=last)
    thread.refresh_from_db()

    assert thread.last_poster_id != peer.pk


def test_control_characters_are_removed_from_posts(thread, peer):
    post = services.reply(author=peer, thread=thread, body="tired \x02sleep\x03 \x00")

    assert post.body_source == "tired sleep"


def test_post_numbers_are_never_reused_after_a_deletion(thread, peer):
    second = services.reply(author=peer, thread=thread, body="Second")
    services.delete_post(actor=peer, post=second)

    third = services.reply(author=peer, thread=thread, body="Third")

    assert third.number == 3
    assert list(thread.posts.values_list("number", flat=True)) == [1, 2, 3]


def test_a_reply_can_carry_photos(thread, peer, snapshot):
    reply = services.reply(author=peer, thread=thread, body="My garden", images=photos(4))

    assert reply.images.count() == 4
    assert len(snapshot()["files"]) == 4


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"body": ""}, "body_empty"),
        ({"body": "c" * (MAX_SOURCE_LENGTH + 1)}, "body_too_long"),
        ({"content_warning": "w" * 81}, "warning_too_long"),
        ({"images": "five photos"}, "too_many_images"),
    ],
)
def test_a_reply_with_bad_content_is_refused_and_nothing_is_written(
    thread, peer, snapshot, fields, code
):
    if fields.get("images") == "five photos":
        fields["images"] = photos(5)
    before = snapshot()

    error = refused(
        ValidationError,
        lambda: services.reply(author=peer, thread=thread, **{"body": "Fine", **fields}),
    )

    assert error.code == code
    assert error.messages[0]
    assert snapshot() == before


@pytest.mark.parametrize("who", ["muted_member", "removed_member", "outsider", "staff"])
def test_only_active_members_may_reply(request, thread, snapshot, who):
    author = request.getfixturevalue(who)
    before = snapshot()

    refused(PermissionDenied, lambda: services.reply(author=author, thread=thread, body="Hi"))

    assert snapshot() == before


def test_a_locked_thread_refuses_replies_from_members(thread, peer, moderator, snapshot):
    services.set_thread_flags(moderator=moderator, thread=thread, locked=True)
    before = snapshot()

    refused(PermissionDenied, lambda: services.reply(author=peer, thread=thread, body="Hi"))

    assert snapshot() == before


def test_a_moderator_may_still_reply_in_a_locked_thread(thread, moderator):
    services.set_thread_flags(moderator=moderator, thread=thread, locked=True)

    reply = services.reply(author=moderator, thread=thread, body="Closing this thread, thanks.")

    assert reply.number == 2
    assert reload(thread).last_poster == moderator


def test_a_member_removed_after_loading_the_thread_cannot_reply(thread, peer, snapshot):
    assert peer.has_perm("forum.reply", thread)
    Membership.objects.filter(user=peer).update(state=Membership.State.REMOVED)
    fresh = type(peer).objects.get(pk=peer.pk)  # a new request, without remembered memberships
    before = snapshot()

    refused(PermissionDenied, lambda: services.reply(author=fresh, thread=thread, body="Hi"))

    assert snapshot() == before


# --- Editing ------------------------------------------------------------------------------


def test_every_edit_keeps_a_revision_after_the_original(thread, member):
    post = thread.posts.get()

    services.edit_post(editor=member, post=post, body="Badly, **again**.")
    services.edit_post(editor=member, post=post, body="Better now.", content_warning="sleep")

    reload(post)
    assert post.body_source == "Better now."
    assert post.body_html == "<p>Better now.</p>"
    assert post.body_text == "Better now."
    assert post.content_warning == "sleep"
    assert post.edited_at is not None
    assert list(post.revisions.values_list("body_source", "content_warning")) == [
        ("Badly.", ""),
        ("Badly, **again**.", ""),
        ("Better now.", "sleep"),
    ]
    assert post.revisions.all()[1].body_html == "<p>Badly, <strong>again</strong>.</p>"


def test_saving_an_unchanged_post_is_not_an_edit(thread, member, snapshot):
    post = thread.posts.get()
    before = snapshot()

    services.edit_post(editor=member, post=post, body="  Badly.  ")

    assert snapshot() == before
    assert reload(post).edited_at is None


def test_editing_does_not_change_the_thread_counters(thread, member, peer):
    services.reply(author=peer, thread=thread, body="Reply")
    before = Thread.objects.filter(pk=thread.pk).values().get()

    services.edit_post(editor=member, post=thread.posts.get(number=1), body="Edited")

    assert Thread.objects.filter(pk=thread.pk).values().get() == before


def test_nobody_may_edit_someone_elses_post(thread, peer, moderator, snapshot):
    post = thread.posts.get()
    before = snapshot()

    for editor in (peer, moderator):
        refused(
            PermissionDenied,
            lambda editor=editor: services.edit_post(editor=editor, post=post, body="Mine now"),
        )

    assert snapshot() == before


def test_a_deleted_post_cannot_be_edited(thread, member, snapshot):
    post = services.delete_post(actor=member, post=thread.posts.get())
    before = snapshot()

    refused(PermissionDenied, lambda: services.edit_post(editor=member, post=post, body="Back"))

    assert snapshot() == before


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"body": " "}, "body_empty"),
        ({"body": "d" * (MAX_SOURCE_LENGTH + 1)}, "body_too_long"),
        ({"body": "Fine", "content_warning": "w" * 81}, "warning_too_long"),
    ],
)
def test_an_edit_with_bad_content_is_refused_and_the_post_is_unchanged(
    thread, member, snapshot, fields, code
):
    post = thread.posts.get()
    before = snapshot()

    error = refused(ValidationError, lambda: services.edit_post(editor=member, post=post, **fields))

    assert error.code == code
    assert snapshot() == before


def test_a_muted_author_cannot_edit_their_post(thread, member, snapshot):
    Membership.objects.filter(user=member).update(state=Membership.State.MUTED)
    author = type(member).objects.get(pk=member.pk)
    before = snapshot()

    refused(
        PermissionDenied,
        lambda: services.edit_post(editor=author, post=thread.posts.get(), body="Changed"),
    )

    assert snapshot() == before


def test_in_a_locked_thread_members_cannot_edit_but_moderators_can_edit_their_own_posts(
    thread, member, moderator, snapshot
):
    own = services.reply(author=moderator, thread=thread, body="Moderator here")
    services.set_thread_flags(moderator=moderator, thread=thread, locked=True)
    before = snapshot()

    refused(
        PermissionDenied,
        lambda: services.edit_post(editor=member, post=thread.posts.get(number=1), body="X"),
    )
    assert snapshot() == before

    services.edit_post(editor=moderator, post=own, body="Moderator here, edited")
    assert own.revisions.count() == 2


# --- Deleting -----------------------------------------------------------------------------


def test_deleting_is_soft_and_keeps_the_text_history_and_counters(thread, member, peer):
    services.reply(author=peer, thread=thread, body="Reply")
    before = Thread.objects.filter(pk=thread.pk).values().get()
    post = thread.posts.get(number=1)

    services.delete_post(actor=member, post=post)

    reload(post)
    assert post.is_deleted
    assert post.body_source == "Badly."
    assert post.revisions.count() == 1
    assert Thread.objects.filter(pk=thread.pk).values().get() == before


def test_nobody_may_delete_someone_elses_post(thread, peer, moderator, snapshot):
    post = thread.posts.get()
    before = snapshot()

    for actor in (peer, moderator):
        refused(
            PermissionDenied,
            lambda actor=actor: services.delete_post(actor=actor, post=post),
        )

    assert snapshot() == before


def test_a_post_cannot_be_deleted_twice(thread, member, snapshot):
    post = services.delete_post(actor=member, post=thread.posts.get())
    before = snapshot()

    refused(PermissionDenied, lambda: services.delete_post(actor=member, post=post))

    assert snapshot() == before


def test_a_muted_member_may_still_delete_their_own_post(thread, member):
    Membership.objects.filter(user=member).update(state=Membership.State.MUTED)
    author = type(member).objects.get(pk=member.pk)

    services.delete_post(actor=author, post=thread.posts.get())

    assert thread.posts.get().is_deleted


def test_a_removed_member_cannot_delete_their_old_post(thread, member, snapshot):
    Membership.objects.filter(user=member).update(state=Membership.State.REMOVED)
    author = type(member).objects.get(pk=member.pk)
    before = snapshot()

    refused(PermissionDenied, lambda: services.delete_post(actor=author, post=thread.posts.get()))

    assert snapshot() == before


# --- Reactions ----------------------------------------------------------------------------


def test_a_reaction_is_toggled_on_and_off_and_the_count_follows(thread, peer):
    post = thread.posts.get()

    assert services.toggle_reaction(user=peer, post=post, kind="support") is True
    assert reload(post).reaction_counts == {"support": 1}
    assert Reaction.objects.filter(post=post, user=peer, kind="support").count() == 1

    assert services.toggle_reaction(user=peer, post=post, kind="support") is False
    assert reload(post).reaction_counts == {}
    assert not Reaction.objects.filter(post=post).exists()


def test_each_member_gives_at_most_one_of_each_kind_and_kinds_are_counted_apart(
    thread, member, peer, moderator
):
    post = thread.posts.get()

    services.toggle_reaction(user=peer, post=post, kind="support")
    services.toggle_reaction(user=moderator, post=post, kind="support")
    services.toggle_reaction(user=peer, post=post, kind="me_too")
    services.toggle_reaction(user=member, post=post, kind="thanks")

    assert reload(post).reaction_counts == {"support": 2, "me_too": 1, "thanks": 1}
    assert Reaction.objects.filter(post=post).count() == 4


def test_the_post_object_passed_in_gets_the_new_counts(thread, peer):
    post = thread.posts.get()

    services.toggle_reaction(user=peer, post=post, kind="thanks")

    assert post.reaction_counts == {"thanks": 1}


def test_an_unknown_reaction_kind_is_refused_and_nothing_changes(thread, peer, snapshot):
    post = thread.posts.get()
    before = snapshot()

    error = refused(
        ValidationError, lambda: services.toggle_reaction(user=peer, post=post, kind="angry")
    )

    assert error.code == "unknown_reaction"
    assert error.messages == ["Unknown reaction."]
    assert snapshot() == before


def test_reacting_to_a_deleted_post_is_refused_and_nothing_changes(thread, member, peer, snapshot):
    post = services.delete_post(actor=member, post=thread.posts.get())
    before = snapshot()

    refused(
        PermissionDenied, lambda: services.toggle_reaction(user=peer, post=post, kind="support")
    )

    assert snapshot() == before


@pytest.mark.parametrize("who", ["muted_member", "removed_member", "outsider", "staff"])
def test_only_active_members_may_react(request, thread, snapshot, who):
    user = request.getfixturevalue(who)
    post = thread.posts.get()
    before = snapshot()

    refused(
        PermissionDenied, lambda: services.toggle_reaction(user=user, post=post, kind="support")
    )

    assert snapshot() == before


# --- Following and read state -------------------------------------------------------------


def test_following_and_unfollowing_are_idempotent(thread, peer):
    services.set_following(user=peer, thread=thread, follow=True)
    services.set_following(user=peer, thread=thread, follow=True)
    assert ThreadFollow.objects.filter(user=peer, thread=thread).count() == 1

    services.set_following(user=peer, thread=thread, follow=False)
    services.set_following(user=peer, thread=thread, follow=False)
    assert not ThreadFollow.objects.filter(user=peer, thread=thread).exists()


def test_a_muted_member_may_follow_a_thread_they_can_read(thread, muted_member):
    services.set_following(user=muted_member, thread=thread, follow=True)

    assert ThreadFollow.objects.filter(user=muted_member, thread=thread).exists()


@pytest.mark.parametrize("who", ["removed_member", "outsider", "staff"])
def test_people_who_cannot_read_a_thread_cannot_follow_it(request, thread, snapshot, who):
    user = request.getfixturevalue(who)
    before = snapshot()

    refused(PermissionDenied, lambda: services.set_following(user=user, thread=thread, follow=True))

    assert snapshot() == before


def test_the_read_marker_only_moves_forward_and_stays_one_row(thread, peer):
    services.mark_read(user=peer, thread=thread, number=3)
    services.mark_read(user=peer, thread=thread, number=1)
    assert ReadState.objects.get(user=peer, thread=thread).last_read_number == 3

    services.mark_read(user=peer, thread=thread, number=5)
    assert ReadState.objects.get(user=peer, thread=thread).last_read_number == 5
    assert ReadState.objects.filter(user=peer, thread=thread).count() == 1


def test_the_read_marker_moves_forward_from_a_known_state_without_lowering_it(thread, peer):
    services.mark_read(user=peer, thread=thread, number=4)
    known = ReadState.objects.get(user=peer, thread=thread)

    services.mark_read(user=peer, thread=thread, number=2, known=known)
    assert reload(known).last_read_number == 4

    services.mark_read(user=peer, thread=thread, number=6, known=known)
    assert reload(known).last_read_number == 6


def test_a_caller_that_found_no_read_state_creates_it_without_trying_an_update(thread, peer):
    with CaptureQueriesContext(connection) as captured:
        services.mark_read(user=peer, thread=thread, number=2, looked_up=True)

    assert not [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert ReadState.objects.get(user=peer, thread=thread).last_read_number == 2


def test_a_read_state_created_meanwhile_is_not_duplicated(thread, peer):
    services.mark_read(user=peer, thread=thread, number=1)

    services.mark_read(user=peer, thread=thread, number=1, looked_up=True)

    assert ReadState.objects.filter(user=peer, thread=thread).count() == 1


def test_marking_a_group_read_reaches_the_last_post_of_every_thread_in_that_group_only(
    start_thread, member, peer, group, other_group, make_user, join
):
    first, second = start_thread(), start_thread(title="Second thread")
    services.reply(author=member, thread=second, body="More")
    services.mark_read(user=peer, thread=first, number=1)
    elsewhere_author = make_user()
    join(elsewhere_author, other_group)
    join(peer, other_group)
    elsewhere = start_thread(author=elsewhere_author, in_group=other_group)

    assert services.mark_group_read(user=peer, group=group) == 2

    states = dict(ReadState.objects.filter(user=peer).values_list("thread_id", "last_read_number"))
    assert states == {first.pk: 1, second.pk: 2}
    assert elsewhere.pk not in states


def test_a_muted_member_may_mark_their_group_read(thread, muted_member, group):
    assert services.mark_group_read(user=muted_member, group=group) == 1


@pytest.mark.parametrize("who", ["removed_member", "outsider", "staff"])
def test_people_outside_the_group_cannot_mark_it_read(request, thread, group, snapshot, who):
    user = request.getfixturevalue(who)
    before = snapshot()

    refused(PermissionDenied, lambda: services.mark_group_read(user=user, group=group))

    assert snapshot() == before


# --- Moderation: pin, lock, move ----------------------------------------------------------


def test_a_moderator_pins_and_locks_a_thread_one_flag_at_a_time(thread, moderator):
    services.set_thread_flags(moderator=moderator, thread=thread, pinned=True)
    assert (reload(thread).is_pinned, thread.is_locked) == (True, False)

    services.set_thread_flags(moderator=moderator, thread=thread, locked=True)
    assert (reload(thread).is_pinned, thread.is_locked) == (True, True)

    services.set_thread_flags(moderator=moderator, thread=thread, pinned=False)
    assert (reload(thread).is_pinned, thread.is_locked) == (False, True)


def test_a_group_admin_may_pin_a_thread(thread, group_admin):
    services.set_thread_flags(moderator=group_admin, thread=thread, pinned=True)

    assert reload(thread).is_pinned


@pytest.fixture
def muted_moderator(make_user, join, group):
    user = make_user(mfa=True)
    join(user, group, role=Role.MODERATOR, state=Membership.State.MUTED)
    return user


@pytest.fixture
def other_moderator(make_user, join, other_group):
    """A moderator of another group only."""
    user = make_user(mfa=True)
    join(user, other_group, role=Role.MODERATOR)
    return user


@pytest.mark.parametrize(
    "who", ["member", "peer", "muted_moderator", "other_moderator", "outsider", "staff"]
)
def test_only_the_groups_active_moderators_may_pin_or_lock(request, thread, snapshot, who):
    user = request.getfixturevalue(who)
    before = snapshot()

    refused(
        PermissionDenied,
        lambda: services.set_thread_flags(moderator=user, thread=thread, pinned=True, locked=True),
    )

    assert snapshot() == before


def test_a_moderator_moves_a_thread_with_its_posts_to_another_group_they_moderate(
    thread, moderator, other_group, join
):
    join(moderator, other_group, role=Role.MODERATOR)
    before = Thread.objects.filter(pk=thread.pk).values().get()

    services.move_thread(moderator=moderator, thread=thread, target=other_group)

    after = Thread.objects.filter(pk=thread.pk).values().get()
    assert after["group_id"] == other_group.pk
    assert {**after, "group_id": before["group_id"]} == before
    assert Post.objects.filter(thread__group=other_group).count() == 1


@pytest.mark.parametrize("role", [Role.MEMBER, Role.CLINICIAN])
def test_a_thread_cannot_be_moved_to_a_group_the_moderator_does_not_moderate(
    thread, moderator, other_group, join, snapshot, role
):
    join(moderator, other_group, role=role)
    before = snapshot()

    refused(
        PermissionDenied,
        lambda: services.move_thread(moderator=moderator, thread=thread, target=other_group),
    )

    assert snapshot() == before
    assert reload(thread).group_id != other_group.pk


def test_a_thread_cannot_be_moved_to_a_group_the_moderator_is_not_in(
    thread, moderator, other_group, snapshot
):
    before = snapshot()

    refused(
        PermissionDenied,
        lambda: services.move_thread(moderator=moderator, thread=thread, target=other_group),
    )

    assert snapshot() == before


def test_a_moderator_of_the_target_group_only_cannot_pull_a_thread_into_it(
    thread, other_moderator, other_group, snapshot
):
    before = snapshot()

    refused(
        PermissionDenied,
        lambda: services.move_thread(moderator=other_moderator, thread=thread, target=other_group),
    )

    assert snapshot() == before


def test_moving_a_thread_to_its_own_group_is_refused_with_a_clear_message(
    thread, moderator, group, snapshot
):
    before = snapshot()

    error = refused(
        ValidationError,
        lambda: services.move_thread(moderator=moderator, thread=thread, target=group),
    )

    assert error.messages == ["The thread is already in that group."]
    assert snapshot() == before


# --- Seeing who wrote an anonymous post, and edit histories (audited) ---------------------


def test_revealing_an_anonymous_author_returns_them_and_writes_exactly_one_access_record(
    start_thread, member, moderator, group
):
    post = start_thread(anonymous=True).posts.get()

    author = services.reveal_author(viewer=moderator, post=post)

    assert author == member
    record = AccessRecord.objects.get()
    assert record.viewer == moderator
    assert record.subject == member
    assert record.reason == AccessRecord.Reason.REVEAL_ANONYMOUS_AUTHOR
    assert record.target == f"forum.post:{post.pk}"
    assert record.group_id == group.pk


def test_each_reveal_is_recorded_again(start_thread, moderator):
    post = start_thread(anonymous=True).posts.get()

    services.reveal_author(viewer=moderator, post=post)
    services.reveal_author(viewer=moderator, post=post)

    assert AccessRecord.objects.filter(viewer=moderator).count() == 2


@pytest.mark.parametrize("who", ["peer", "member", "other_moderator", "outsider", "staff"])
def test_only_the_groups_moderators_may_reveal_an_author_and_refusals_leave_no_record(
    request, start_thread, snapshot, who
):
    post = start_thread(anonymous=True).posts.get()
    user = request.getfixturevalue(who)
    before = snapshot()

    refused(PermissionDenied, lambda: services.reveal_author(viewer=user, post=post))

    assert snapshot() == before


def test_viewing_an_edit_history_writes_one_access_record(thread, member, moderator, group):
    post = thread.posts.get()
    services.edit_post(editor=member, post=post, body="Changed")

    services.record_history_view(viewer=moderator, post=post)

    record = AccessRecord.objects.get()
    assert (record.viewer, record.subject) == (moderator, member)
    assert record.reason == AccessRecord.Reason.VIEW_REVISIONS
    assert record.target == f"forum.post:{post.pk}"
    assert record.group_id == group.pk


def test_a_member_cannot_view_an_edit_history_and_no_record_is_written(thread, peer, snapshot):
    before = snapshot()

    refused(
        PermissionDenied,
        lambda: services.record_history_view(viewer=peer, post=thread.posts.get()),
    )

    assert snapshot() == before


# --- Ordering inputs used by the views ----------------------------------------------------


def test_a_reply_moves_the_threads_last_activity_forward(start_thread, peer):
    old = start_thread()
    Thread.objects.filter(pk=old.pk).update(last_activity_at=timezone.now() - timedelta(days=3))

    services.reply(author=peer, thread=old, body="Bumping this")

    assert reload(old).last_activity_at > timezone.now() - timedelta(minutes=1)


def test_revisions_are_listed_oldest_first(thread, member):
    post = thread.posts.get()
    for text in ("one", "two", "three"):
        services.edit_post(editor=member, post=post, body=text)

    assert [r.body_source for r in PostRevision.objects.filter(post=post)] == [
        "Badly.",
        "one",
        "two",
        "three",
    ]
