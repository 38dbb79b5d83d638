"""Retention: deleted and removed posts, and records about closed accounts, end on time."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from community.forum import services as forum
from community.forum.images import clean_image
from community.forum.models import Post, PostImage, PostRevision
from community.moderation import services as moderation
from community.moderation.models import Flag, ModerationAction, ModerationItem
from community.privacy.models import AuditErasure
from community.privacy.retention import purges
from community.privacy.services import close_account
from community.privacy.tasks import apply_retention
from tests.forum.photos import photo_upload

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
FORUM, MODERATION = "forum.removed_posts", "moderation.closed_accounts"


def at(moment: datetime) -> dict[str, int]:
    """Run the nightly retention task as if it were `moment`."""
    with time_machine.travel(moment, tick=False):
        return apply_retention()


def text_of(post: Post) -> str:
    return Post.objects.get(pk=post.pk).body_source


def flag(post: Post, reporter, reason="other", note="") -> ModerationItem:
    moderation.flag_content(
        reporter=reporter, kind="forum.post", object_id=post.pk, reason=reason, note=note
    )
    return ModerationItem.objects.get(kind="forum.post", object_id=post.pk)


def test_the_forum_and_moderation_register_their_purges():
    assert {FORUM, MODERATION} <= {purge.key for purge in purges()}


# --- Deleted and removed posts --------------------------------------------------------------


@pytest.fixture
def long_group(make_group, member, join):
    group = make_group("Keeps things longer", removed_content_retention_days=90)
    join(member, group)
    return group


@pytest.fixture
def posts(member, peer, moderator, group, long_group, private_media):
    """At T0: posts deleted by their author, removed or hidden by moderators, and untouched
    ones, in a group keeping removed content 30 days (the default) and one keeping it 90."""
    with time_machine.travel(T0, tick=False):
        thread = forum.create_thread(
            author=peer, group=group, title="Winter routines", body="Peer starts the thread"
        )
        deleted = forum.reply(
            author=member,
            thread=thread,
            body="Member regrets writing this",
            images=[clean_image(photo_upload())],
        )
        forum.edit_post(editor=member, post=deleted, body="Member regrets writing this twice")
        forum.delete_post(actor=member, post=deleted)

        removed = forum.reply(author=peer, thread=thread, body="Peer names a neighbour")
        moderation.act(
            moderator=moderator,
            item=flag(removed, member, reason="third_party"),
            action="remove",
            reason="Names a neighbour",
        )
        hidden = forum.reply(author=peer, thread=thread, body="Peer is hidden for now")
        moderation.act(moderator=moderator, item=flag(hidden, member), action="hide")
        untouched = forum.reply(author=member, thread=thread, body="Member keeps this one")

        elsewhere = forum.create_thread(
            author=member, group=long_group, title="Long memories", body="Started here"
        )
        deleted_elsewhere = forum.reply(
            author=member, thread=elsewhere, body="Deleted where it is kept 90 days"
        )
        forum.delete_post(actor=member, post=deleted_elsewhere)
    return {
        "thread": thread,
        "deleted": deleted,
        "removed": removed,
        "hidden": hidden,
        "untouched": untouched,
        "elsewhere": deleted_elsewhere,
    }


def test_one_day_before_the_retention_period_ends_nothing_is_erased(posts):
    result = at(T0 + 29 * DAY)

    assert result[FORUM] == 0
    assert text_of(posts["deleted"]) == "Member regrets writing this twice"
    assert text_of(posts["removed"]) == "Peer names a neighbour"
    assert PostRevision.objects.filter(post=posts["deleted"]).count() == 2
    assert PostImage.objects.filter(post=posts["deleted"]).count() == 1


def test_one_day_after_deleted_and_removed_posts_are_erased(posts):
    result = at(T0 + 31 * DAY)

    assert result[FORUM] == 2
    for key in ("deleted", "removed"):
        post = Post.objects.get(pk=posts[key].pk)
        assert (post.body_source, post.body_html, post.body_text) == ("", "", "")
        assert post.moderator_note == ""
        assert not PostRevision.objects.filter(post=post).exists()
    assert not PostImage.objects.filter(post=posts["deleted"]).exists()


def test_the_moderators_copies_of_a_removed_posts_text_go_with_it(posts):
    removal = ModerationAction.objects.get(
        target=f"forum.post:{posts['removed'].pk}", action="remove"
    )
    assert removal.before == "Peer names a neighbour"

    at(T0 + 31 * DAY)

    removal = ModerationAction.objects.get(pk=removal.pk)
    assert (removal.before, removal.after) == ("", "")
    assert removal.reason == "Names a neighbour"  # what was done and why stays


def test_the_boundary_is_the_groups_retention_period_to_the_second(posts):
    assert at(T0 + 30 * DAY - timedelta(seconds=1))[FORUM] == 0
    assert at(T0 + 30 * DAY + timedelta(seconds=1))[FORUM] == 2


def test_posts_that_are_not_deleted_or_removed_are_never_touched(posts):
    at(T0 + 400 * DAY)

    assert text_of(posts["untouched"]) == "Member keeps this one"
    assert text_of(posts["hidden"]) == "Peer is hidden for now"
    assert text_of(posts["thread"].posts.get(number=1)) == "Peer starts the thread"
    assert PostRevision.objects.filter(post=posts["untouched"]).exists()
    thread = posts["thread"]
    thread.refresh_from_db()
    assert thread.title == "Winter routines"


def test_a_group_with_a_longer_retention_keeps_its_posts_until_then(posts):
    at(T0 + 31 * DAY)
    assert text_of(posts["elsewhere"]) == "Deleted where it is kept 90 days"

    assert at(T0 + 89 * DAY)[FORUM] == 0
    assert at(T0 + 91 * DAY)[FORUM] == 1
    assert text_of(posts["elsewhere"]) == ""


def test_running_twice_erases_nothing_more(posts):
    assert at(T0 + 31 * DAY)[FORUM] == 2
    snapshot = list(Post.objects.order_by("pk").values())

    assert at(T0 + 31 * DAY)[FORUM] == 0
    assert at(T0 + 32 * DAY)[FORUM] == 0
    assert list(Post.objects.order_by("pk").values()) == snapshot


def test_the_photo_file_of_an_erased_post_is_deleted(
    posts, private_media, django_capture_on_commit_callbacks
):
    path = private_media / PostImage.objects.get(post=posts["deleted"]).file.name
    assert path.is_file()

    with django_capture_on_commit_callbacks(execute=True):
        at(T0 + 31 * DAY)

    assert not path.exists()


def test_a_removed_first_post_takes_its_thread_title_with_it(member, peer, moderator, group):
    with time_machine.travel(T0, tick=False):
        thread = forum.create_thread(
            author=peer, group=group, title="Names my neighbour Anna", body="Anna next door"
        )
        moderation.act(
            moderator=moderator,
            item=flag(thread.posts.get(), member),
            action="remove",
            reason="Names a neighbour",
        )

    at(T0 + 31 * DAY)

    thread.refresh_from_db()
    assert thread.title == "Deleted thread"


# --- Moderation records about closed accounts -----------------------------------------------


@pytest.fixture
def closer(make_user, join, group):
    user = make_user(display_name="Leaving Lars")
    join(user, group)
    return user


@pytest.fixture
def records(closer, member, peer, moderator, group, django_capture_on_commit_callbacks):
    """Moderation records about a member who closes their account at T0 + 1 day, and about
    an active peer."""
    with time_machine.travel(T0, tick=False):
        closers_post = forum.create_thread(
            author=closer, group=group, title="Lars asks", body="Lars names someone"
        ).posts.get()
        about_closer = flag(closers_post, peer, note="Petra's concern")
        moderation.act(
            moderator=moderator, item=about_closer, action="remove", reason="Names someone"
        )

        peers_post = forum.create_thread(
            author=peer, group=group, title="Petra asks", body="Petra's question"
        ).posts.get()
        about_peer = flag(peers_post, member, note="Member's concern")
        moderation.flag_content(
            reporter=closer,
            kind="forum.post",
            object_id=peers_post.pk,
            reason="other",
            note="Lars's concern",
        )
        moderation.act(moderator=moderator, item=about_peer, action="warn", reason="Be careful")
    with (
        time_machine.travel(T0 + DAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        close_account(user=closer, delete_content=False)
    return {"about_closer": about_closer, "about_peer": about_peer}


def test_records_about_a_closed_account_are_kept_during_the_retention_period(
    records, closer, settings
):
    assert settings.MODERATION_RECORD_RETENTION_DAYS == 365

    result = at(T0 + DAY + 364 * DAY)

    assert result[MODERATION] == 0
    assert ModerationItem.objects.filter(author=closer).count() == 1
    assert ModerationAction.objects.filter(subject=closer).count() == 1
    assert Flag.objects.filter(item__author=closer).count() == 1
    assert Flag.objects.filter(reporter=closer).count() == 1


def test_after_the_retention_period_records_about_the_closed_account_are_purged(records, closer):
    result = at(T0 + DAY + 366 * DAY)

    assert result[MODERATION] > 0
    assert not ModerationItem.objects.filter(author=closer).exists()
    assert not ModerationAction._base_manager.filter(subject=closer).exists()
    assert not Flag.objects.filter(item__author=closer).exists()
    assert not Flag.objects.filter(reporter=closer).exists()
    assert not ModerationItem.objects.filter(pk=records["about_closer"].pk).exists()


def test_the_purge_of_the_moderation_log_goes_through_the_audited_path(records, closer):
    at(T0 + DAY + 366 * DAY)

    erased = AuditErasure.objects.get(reason="retention:closed_accounts")
    assert (erased.table, erased.rows_deleted) == ("moderation_moderationaction", 1)


def test_records_about_active_members_stay_after_the_period(records, closer, peer, member):
    at(T0 + DAY + 366 * DAY)

    item = ModerationItem.objects.get(pk=records["about_peer"].pk)
    assert item.author == peer
    assert ModerationAction.objects.filter(subject=peer).count() == 1
    assert Flag.objects.get(item=item, reporter=member).note == "Member's concern"


def test_an_active_members_records_stay_however_old(records, peer):
    at(T0 + 5000 * DAY)

    assert ModerationItem.objects.filter(author=peer).count() == 1
    assert ModerationAction.objects.filter(subject=peer).count() == 1


def test_the_moderation_purge_erases_nothing_more_the_second_time(records):
    moment = T0 + DAY + 366 * DAY
    assert at(moment)[MODERATION] > 0
    counts = (ModerationItem.objects.count(), Flag.objects.count())

    assert at(moment)[MODERATION] == 0
    assert (ModerationItem.objects.count(), Flag.objects.count()) == counts


def test_the_period_follows_the_setting(records, closer, settings):
    settings.MODERATION_RECORD_RETENTION_DAYS = 10

    assert at(T0 + DAY + 9 * DAY)[MODERATION] == 0
    assert ModerationItem.objects.filter(author=closer).exists()
    assert at(T0 + DAY + 11 * DAY)[MODERATION] > 0
    assert not ModerationItem.objects.filter(author=closer).exists()


def test_records_of_a_member_who_has_not_closed_their_account_are_not_purged(
    member, peer, moderator, group
):
    with time_machine.travel(T0, tick=False):
        post = forum.create_thread(
            author=member, group=group, title="Still here", body="Active member's post"
        ).posts.get()
        moderation.act(moderator=moderator, item=flag(post, peer), action="warn", reason="Hmm")

    assert at(T0 + 1000 * DAY)[MODERATION] == 0
    assert ModerationAction.objects.filter(subject=member).count() == 1


def test_the_moderators_copies_of_a_closed_accounts_posts_go_after_the_groups_period(
    member, peer, moderator, group
):
    with time_machine.travel(T0, tick=False):
        thread = forum.create_thread(author=peer, group=group, title="Pumps", body="Which?")
        post = forum.reply(author=member, thread=thread, body="My neighbour Ann has one")
        # Hidden, not redacted: a redaction keeps no copy of the words from the start.
        moderation.act(
            moderator=moderator,
            item=flag(post, peer, reason="third_party"),
            action="hide",
            reason="A neighbour's name",
        )
        close_account(user=member, delete_content=True)
    hiding = ModerationAction.objects.get(target=f"forum.post:{post.pk}", action="hide")
    assert hiding.before == "My neighbour Ann has one"  # kept for the review period

    at(T0 + 29 * DAY)
    assert ModerationAction.objects.get(pk=hiding.pk).before == "My neighbour Ann has one"

    at(T0 + 31 * DAY)
    hiding = ModerationAction.objects.get(pk=hiding.pk)
    assert (hiding.before, hiding.after) == ("", "")
    assert hiding.reason == "A neighbour's name"
