"""Members raising concerns: the flag rules, the queue's order, auto-hide and who is told."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from community.forum import services as forum
from community.forum.images import clean_image
from community.forum.models import Post
from community.forum.search import search_posts
from community.groups.models import Membership, Role
from community.moderation import services as moderation
from community.moderation.models import Flag, ModerationAction, ModerationItem, Reason
from community.notifications.models import Notification
from tests.forum.photos import photo_upload

KIND = "forum.post"
BODY = "Try doubling your insulin pump dose overnight, it worked for me."
FLAGGED = "moderation.flagged"


@pytest.fixture
def post(member, group) -> Post:
    thread = forum.create_thread(author=member, group=group, title="Night doses", body=BODY)
    return thread.posts.get()


@pytest.fixture
def make_member(make_user, join, group):
    """Another active member of the group (flagging needs several distinct people)."""

    def make(role=Role.MEMBER, **fields):
        user = make_user(mfa=role != Role.MEMBER, **fields)
        join(user, group, role=role)
        return user

    return make


@pytest.fixture
def clinician(make_member):
    return make_member(role=Role.CLINICIAN, is_verified_clinician=True, display_name="Dr Nurse")


def flag(post, reporter, reason=Reason.UNSAFE, note=""):
    return moderation.flag_content(
        reporter=reporter, kind=KIND, object_id=post.pk, reason=reason, note=note
    )


def item_of(post) -> ModerationItem:
    return ModerationItem.objects.get(kind=KIND, object_id=post.pk)


def nothing_written() -> bool:
    return not (
        ModerationItem.objects.exists()
        or Flag.objects.exists()
        or ModerationAction.objects.exists()
        or Notification.objects.filter(kind=FLAGGED).exists()
    )


def article(html: str, number: int) -> str:
    """The text of post `number` on a thread page, unescaped and with spaces squashed."""
    found = re.search(rf'<article[^>]*id="post-{number}".*?</article>', html, re.DOTALL)
    assert found, f"post {number} is not on the page"
    return " ".join(unescape(found.group(0)).split())


# --- Flagging -------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [value for value, _label in Reason.concerns()])
def test_a_member_can_flag_a_post_for_each_reason(post, peer, member, group, reason):
    made = flag(post, peer, reason=reason)

    item = item_of(post)
    assert (made.item, made.reporter, made.reason) == (item, peer, reason)
    assert (item.group, item.author, item.state) == (group, member, ModerationItem.State.OPEN)
    assert item.flag_count == 1
    assert item.target == f"forum.post:{post.pk}"
    assert item.crisis == (reason == Reason.CRISIS)


def test_an_unknown_reason_is_refused_and_nothing_is_written(post, peer):
    with pytest.raises(ValidationError) as refused:
        flag(post, peer, reason="boring")

    assert refused.value.code == "reason"
    assert nothing_written()


def test_a_member_can_flag_the_same_post_only_once(post, peer):
    flag(post, peer, reason=Reason.SPAM)

    with pytest.raises(ValidationError) as refused:
        flag(post, peer, reason=Reason.HARASSMENT)

    assert refused.value.code == "duplicate"
    assert "already flagged" in " ".join(refused.value.messages)
    assert list(Flag.objects.values_list("reason", flat=True)) == [Reason.SPAM]
    assert item_of(post).flag_count == 1


def test_members_cannot_flag_their_own_post(post, member):
    with pytest.raises(ValidationError) as refused:
        flag(post, member)

    assert refused.value.code == "own_content"
    assert nothing_written()


@pytest.mark.parametrize(
    "who", ["outsider", "staff", "removed_member", "other_group_clinician", "logged_out"]
)
def test_people_who_cannot_read_the_group_cannot_flag_and_nothing_is_written(
    request, post, make_user, join, other_group, who
):
    if who == "other_group_clinician":
        reporter = make_user(mfa=True, is_verified_clinician=True)
        join(reporter, other_group, role=Role.CLINICIAN)
    elif who == "logged_out":
        reporter = AnonymousUser()
    else:
        reporter = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        flag(post, reporter)

    assert nothing_written()


def test_a_muted_member_can_still_raise_a_concern(post, muted_member):
    flag(post, muted_member, reason=Reason.CRISIS)

    assert item_of(post).flags.get().reporter == muted_member


def test_flagging_content_that_does_not_exist_is_refused(post, peer):
    for kind, object_id in [(KIND, post.pk + 1000), ("chat.nothing", post.pk)]:
        with pytest.raises(ValidationError) as refused:
            moderation.flag_content(
                reporter=peer, kind=kind, object_id=object_id, reason=Reason.SPAM
            )
        assert refused.value.code == "missing"
    assert nothing_written()


def test_the_note_is_trimmed_and_kept_to_500_characters(post, peer, make_member):
    flag(post, peer, note="   She gives a dose nobody should follow.  \n ")
    flag(post, make_member(), note="x" * 600)

    notes = list(item_of(post).flags.values_list("note", flat=True))
    assert notes == ["She gives a dose nobody should follow.", "x" * 500]


def test_a_crisis_flag_marks_the_item_crisis_and_later_flags_do_not_clear_it(
    post, peer, make_member
):
    flag(post, peer, reason=Reason.MISINFORMATION)
    assert item_of(post).crisis is False

    flag(post, make_member(), reason=Reason.CRISIS)
    flag(post, make_member(), reason=Reason.SPAM)

    item = item_of(post)
    assert item.crisis is True
    assert item.flag_count == 3


def test_the_queue_puts_crisis_first_then_more_flags_then_the_oldest(
    post, member, peer, make_member
):
    thread = post.thread
    old_single, double, new_single, crisis = [
        forum.reply(author=member, thread=thread, body=f"Reply {n}") for n in range(4)
    ]
    others = [make_member() for _ in range(2)]
    flag(old_single, peer)
    flag(double, peer)
    flag(double, others[0])
    flag(new_single, peer)
    flag(crisis, others[1], reason=Reason.CRISIS)
    now = timezone.now()
    # The crisis item is the newest and has one flag; it still comes first.
    ages = {old_single: 4, double: 1, new_single: 2, crisis: 0}
    for content, hours in ages.items():
        ModerationItem.objects.filter(object_id=content.pk).update(
            created_at=now - timedelta(hours=hours)
        )

    order = list(ModerationItem.objects.in_queue_order().values_list("object_id", flat=True))

    assert order == [crisis.pk, double.pk, old_single.pk, new_single.pk]


# --- Auto-hide ------------------------------------------------------------------------------


@pytest.fixture
def three_reporters(peer, make_member):
    return [peer, make_member(), make_member()]


def test_two_flags_do_not_hide_a_post(post, three_reporters):
    for reporter in three_reporters[:2]:
        flag(post, reporter)

    post.refresh_from_db()
    assert post.hidden_at is None
    assert not ModerationAction.objects.exists()


def test_three_distinct_flags_hide_the_post_and_record_it_as_automatic(
    post, three_reporters, group
):
    for reporter in three_reporters:
        flag(post, reporter)

    post.refresh_from_db()
    assert post.hidden_at is not None
    assert post.removed_at is None
    action = ModerationAction.objects.get()
    assert (action.action, action.moderator, action.group) == (
        ModerationAction.Action.AUTO_HIDE,
        None,
        group,
    )
    assert (action.item, action.target) == (item_of(post), f"forum.post:{post.pk}")
    assert action.reason
    assert item_of(post).state == ModerationItem.State.OPEN


def test_a_repeated_flag_from_the_same_member_does_not_count_towards_auto_hide(
    post, three_reporters
):
    first, second, _third = three_reporters
    flag(post, first)
    flag(post, second)
    with pytest.raises(ValidationError):
        flag(post, second)

    post.refresh_from_db()
    assert post.hidden_at is None
    assert item_of(post).flag_count == 2


def test_a_fourth_flag_does_not_hide_the_post_a_second_time(post, three_reporters, make_member):
    for reporter in three_reporters:
        flag(post, reporter)
    flag(post, make_member())

    assert ModerationAction.objects.filter(action=ModerationAction.Action.AUTO_HIDE).count() == 1
    assert item_of(post).flag_count == 4


def test_an_auto_hidden_post_shows_each_reader_what_they_may_see(
    client, post, three_reporters, member, moderator
):
    peer = three_reporters[0]
    for reporter in three_reporters:
        flag(post, reporter)
    url = post.thread.get_absolute_url()

    client.force_login(peer)
    seen_by_peer = article(client.get(url).content.decode(), 1)
    assert "Hidden by moderators while it is reviewed" in seen_by_peer
    assert "insulin pump" not in seen_by_peer
    assert ">Flag<" not in seen_by_peer

    client.force_login(member)
    seen_by_author = article(client.get(url).content.decode(), 1)
    assert "Hidden from other members while moderators review it." in seen_by_author
    assert BODY in seen_by_author

    client.force_login(moderator)
    seen_by_moderator = article(client.get(url).content.decode(), 1)
    assert BODY in seen_by_moderator
    assert "Hidden from other members" in seen_by_moderator


def test_search_stops_finding_an_auto_hidden_post(post, three_reporters):
    reader = three_reporters[0]
    assert [hit.post for hit in search_posts(reader, "insulin pump")] == [post]

    for reporter in three_reporters:
        flag(post, reporter)

    assert search_posts(reader, "insulin pump") == []
    assert search_posts(post.author, "insulin pump") == []


def test_the_photo_of_an_auto_hidden_post_is_no_longer_served(
    client, private_media, member, group, peer, make_member
):
    thread = forum.create_thread(
        author=member,
        group=group,
        title="My rash",
        body="Does this look infected?",
        images=[clean_image(photo_upload())],
    )
    post = thread.posts.get()
    photo_url = reverse(
        "forum:image", kwargs={"slug": group.slug, "image_id": post.images.get().pk}
    )
    client.force_login(peer)
    assert client.get(photo_url).status_code == 200

    for reporter in [peer, make_member(), make_member()]:
        flag(post, reporter)

    assert client.get(photo_url).status_code == 404


# --- Who is told ----------------------------------------------------------------------------


@pytest.fixture
def reviewers(moderator, group_admin, clinician):
    return [moderator, group_admin, clinician]


def told(kind=FLAGGED) -> dict:
    """How many notifications of the kind each recipient has."""
    counts: dict = {}
    for notification in Notification.objects.filter(kind=kind).select_related("recipient"):
        counts[notification.recipient] = counts.get(notification.recipient, 0) + 1
    return counts


def test_every_reviewer_of_the_group_is_told_once_about_a_new_item(
    post, peer, member, reviewers, group
):
    flag(post, peer)

    assert told() == {reviewer: 1 for reviewer in reviewers}
    item = item_of(post)
    for notification in Notification.objects.filter(kind=FLAGGED):
        assert notification.group == group
        assert notification.target == f"forum.post:{post.pk}"
        assert notification.url == reverse(
            "moderation:item", kwargs={"slug": group.slug, "item_id": item.pk}
        )
        assert notification.actor is None


def test_further_flags_on_an_open_item_tell_no_one_again(post, peer, reviewers, make_member):
    flag(post, peer)
    flag(post, make_member(), reason=Reason.SPAM)
    flag(post, make_member(), reason=Reason.OTHER)

    assert told() == {reviewer: 1 for reviewer in reviewers}


def test_each_crisis_flag_tells_the_reviewers_again(post, peer, reviewers, make_member):
    flag(post, peer, reason=Reason.UNSAFE)
    flag(post, make_member(), reason=Reason.CRISIS)
    flag(post, make_member(), reason=Reason.CRISIS)

    assert told() == {reviewer: 3 for reviewer in reviewers}


def test_neither_the_author_nor_the_reporter_nor_other_people_are_told(
    post, peer, member, muted_member, make_user, join, group, other_group, moderator
):
    muted_moderator = make_user(mfa=True)
    join(muted_moderator, group, role=Role.MODERATOR, state=Membership.State.MUTED)
    elsewhere = make_user(mfa=True)
    join(elsewhere, other_group, role=Role.MODERATOR)

    flag(post, peer)

    assert told() == {moderator: 1}
    assert not Notification.objects.filter(recipient=member).exists()


def test_a_reviewer_who_flags_is_not_told_about_their_own_flag(post, moderator, group_admin):
    flag(post, moderator, reason=Reason.THIRD_PARTY)

    assert told() == {group_admin: 1}


def test_a_resolved_item_flagged_again_reopens_and_tells_the_reviewers(
    post, peer, moderator, make_member
):
    flag(post, peer)
    moderation.act(moderator=moderator, item=item_of(post), action=ModerationAction.Action.KEEP)
    assert item_of(post).state == ModerationItem.State.RESOLVED

    flag(post, make_member(), reason=Reason.MISINFORMATION)

    item = item_of(post)
    assert (item.state, item.resolved_at, item.flag_count) == (
        ModerationItem.State.OPEN,
        None,
        1,
    )  # "keep" dismissed the first
    assert told() == {moderator: 2}
