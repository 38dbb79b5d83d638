"""Moderators' decisions: claiming, each action's effect and record, refusals, the log."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from community.forum import services as forum
from community.forum.models import Post, PostRevision
from community.groups.models import Membership, Role
from community.moderation import services as moderation
from community.moderation.forms import ActionForm
from community.moderation.models import Flag, ModerationAction, ModerationItem, Reason
from community.moderation.services import CLAIM_EXPIRES
from community.notifications.models import Notification
from community.privacy.models import AppendOnlyError

KIND = "forum.post"
BODY = "My neighbour Anna Berg on Elm Street has the same pump and hates it."
REDACTED = "My neighbour has the same pump and hates it."
REASON = "Names a neighbour who has not agreed to be written about."
OUTCOME = "moderation.outcome"
Action = ModerationAction.Action
State = ModerationItem.State


@pytest.fixture
def auto_hidden(post, item, make_user, join, group) -> ModerationItem:
    """The item after two more members flagged it, so the post was hidden automatically."""
    for _ in range(2):
        reporter = make_user()
        join(reporter, group)
        moderation.flag_content(reporter=reporter, kind=KIND, object_id=post.pk, reason="spam")
    post.refresh_from_db()
    assert post.hidden_at is not None
    item.refresh_from_db()
    return item


def act(item, moderator, action, **extra):
    return moderation.act(moderator=moderator, item=item, action=action, **extra)


def world() -> dict:
    """Every row an action could touch, field by field."""
    models = [Post, PostRevision, ModerationItem, Flag, ModerationAction, Notification, Membership]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def article(client, user, post) -> str:
    """The text of the post on its thread page as `user` sees it, squashed and unescaped."""
    client.force_login(user)
    html = client.get(post.thread.get_absolute_url()).content.decode()
    found = re.search(rf'<article[^>]*id="post-{post.number}".*?</article>', html, re.DOTALL)
    assert found, "the post is not on the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


def outcome_notices() -> list:
    return list(Notification.objects.filter(kind=OUTCOME).values_list("recipient", "target"))


# --- Claiming -------------------------------------------------------------------------------


def test_a_moderator_claims_an_item(item, moderator):
    claimed = moderation.claim_item(moderator=moderator, item=item)

    item.refresh_from_db()
    assert claimed.claimed_by == item.claimed_by == moderator
    assert timezone.now() - item.claimed_at < timedelta(minutes=1)


def test_a_second_moderator_cannot_claim_a_freshly_claimed_item(item, moderator, second_moderator):
    moderation.claim_item(moderator=moderator, item=item)
    before = world()

    with pytest.raises(ValidationError) as refused:
        moderation.claim_item(moderator=second_moderator, item=item)

    assert refused.value.code == "claimed"
    assert "Moderator Maja is already working on this item." in refused.value.messages
    assert world() == before


def test_a_second_moderator_cannot_act_on_an_item_claimed_by_someone_else(
    item, post, moderator, second_moderator
):
    moderation.claim_item(moderator=moderator, item=item)
    before = world()

    with pytest.raises(ValidationError) as refused:
        act(item, second_moderator, Action.HIDE)

    assert refused.value.code == "claimed"
    assert world() == before


def test_a_claim_still_holds_just_before_it_expires(item, moderator, second_moderator):
    moderation.claim_item(moderator=moderator, item=item)
    ModerationItem.objects.filter(pk=item.pk).update(
        claimed_at=timezone.now() - CLAIM_EXPIRES + timedelta(minutes=1)
    )

    with pytest.raises(ValidationError):
        moderation.claim_item(moderator=second_moderator, item=item)


def test_after_thirty_minutes_another_moderator_can_take_the_item(
    item, moderator, second_moderator
):
    assert timedelta(minutes=30) == CLAIM_EXPIRES
    moderation.claim_item(moderator=moderator, item=item)
    ModerationItem.objects.filter(pk=item.pk).update(
        claimed_at=timezone.now() - CLAIM_EXPIRES - timedelta(minutes=1)
    )

    moderation.claim_item(moderator=second_moderator, item=item)

    item.refresh_from_db()
    assert item.claimed_by == second_moderator
    assert timezone.now() - item.claimed_at < timedelta(minutes=1)


def test_the_same_moderator_can_claim_again_and_the_claim_is_renewed(item, moderator):
    moderation.claim_item(moderator=moderator, item=item)
    old = timezone.now() - timedelta(minutes=20)
    ModerationItem.objects.filter(pk=item.pk).update(claimed_at=old)

    moderation.claim_item(moderator=moderator, item=item)

    item.refresh_from_db()
    assert item.claimed_by == moderator
    assert item.claimed_at > old


def test_acting_releases_the_claim(item, moderator, second_moderator):
    moderation.claim_item(moderator=moderator, item=item)
    act(item, moderator, Action.HIDE)

    item.refresh_from_db()
    assert (item.claimed_by, item.claimed_at) == (None, None)
    moderation.claim_item(moderator=second_moderator, item=item)


# --- Each action: its effect and its record -------------------------------------------------


def assert_logged(entry, *, moderator, action, reason="", before=BODY, after=BODY):
    entry = ModerationAction.objects.get(pk=entry.pk)
    assert entry.moderator == moderator
    assert entry.action == action
    assert entry.target == f"forum.post:{entry.item.object_id}"
    assert entry.group == entry.item.group
    assert (entry.reason, entry.before, entry.after) == (reason, before, after)


def test_keep_dismisses_the_flags_shows_an_auto_hidden_post_again_and_resolves(
    auto_hidden, post, moderator
):
    entry = act(auto_hidden, moderator, Action.KEEP, reason="  Good advice, asked a nurse. ")

    post.refresh_from_db()
    auto_hidden.refresh_from_db()
    assert post.hidden_at is None
    assert post.removed_at is None
    assert auto_hidden.state == State.RESOLVED
    assert auto_hidden.resolved_at is not None
    assert auto_hidden.first_action_at is not None
    assert_logged(
        entry, moderator=moderator, action=Action.KEEP, reason="Good advice, asked a nurse."
    )
    assert outcome_notices() == []


def test_hide_hides_the_post_and_leaves_the_item_open(item, post, moderator):
    entry = act(item, moderator, Action.HIDE)

    post.refresh_from_db()
    item.refresh_from_db()
    assert post.hidden_at is not None
    assert item.state == State.OPEN
    assert item.resolved_at is None
    assert item.first_action_at is not None
    assert_logged(entry, moderator=moderator, action=Action.HIDE)
    assert outcome_notices() == []


def test_hiding_a_post_whose_item_was_resolved_puts_the_item_back_in_the_queue(
    item, post, moderator
):
    act(item, moderator, Action.KEEP)

    act(item, moderator, Action.HIDE)

    item.refresh_from_db()
    assert (item.state, item.resolved_at) == (State.OPEN, None)


def test_unhide_shows_a_hidden_post_again_and_resolves(item, post, moderator, second_moderator):
    act(item, moderator, Action.HIDE)

    entry = act(item, second_moderator, Action.UNHIDE)

    post.refresh_from_db()
    item.refresh_from_db()
    assert post.hidden_at is None
    assert item.state == State.RESOLVED
    assert_logged(entry, moderator=second_moderator, action=Action.UNHIDE)
    assert list(item.actions.values_list("action", flat=True)) == [Action.UNHIDE, Action.HIDE]


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_remove_without_a_reason_is_refused_and_changes_nothing(item, moderator, reason):
    before = world()

    with pytest.raises(ValidationError) as refused:
        act(item, moderator, Action.REMOVE, reason=reason)

    assert refused.value.code == "reason"
    assert world() == before


def test_remove_withholds_the_post_keeps_the_reason_and_tells_the_author(
    item, post, moderator, member, peer
):
    entry = act(item, moderator, Action.REMOVE, reason=f"  {REASON} ")

    post.refresh_from_db()
    item.refresh_from_db()
    assert post.removed_at is not None
    assert post.moderator_note == REASON
    assert post.body_source == BODY  # kept for the record and a possible appeal
    assert item.state == State.RESOLVED
    assert_logged(entry, moderator=moderator, action=Action.REMOVE, reason=REASON)
    assert outcome_notices() == [(member.pk, f"forum.post:{post.pk}")]


def test_a_removed_post_shows_its_author_the_reason_and_peers_only_a_placeholder(
    client, item, post, moderator, member, peer
):
    act(item, moderator, Action.REMOVE, reason=REASON)

    by_author = article(client, member, post)
    assert (
        f"Moderators removed your post; other members no longer see it. Their reason: {REASON}"
        in by_author
    )
    assert BODY in by_author

    by_peer = article(client, peer, post)
    assert "Removed by moderators" in by_peer
    assert "Anna Berg" not in by_peer
    assert REASON not in by_peer

    by_moderator = article(client, moderator, post)
    assert "Removed by moderators: only moderators see this." in by_moderator
    assert BODY in by_moderator


@pytest.mark.parametrize(
    ("new_text", "reason", "code"),
    [
        ("", REASON, "redaction"),
        ("   ", REASON, "redaction"),
        (BODY, REASON, "redaction"),
        (f"  {BODY}\n", REASON, "redaction"),
        (REDACTED, "", "reason"),
        (REDACTED, "  ", "reason"),
    ],
)
def test_a_redaction_needs_changed_text_and_a_reason_or_changes_nothing(
    item, moderator, new_text, reason, code
):
    before = world()

    with pytest.raises(ValidationError) as refused:
        act(item, moderator, Action.REDACT, new_text=new_text, reason=reason)

    assert refused.value.code == code
    assert world() == before


def test_redact_replaces_the_text_erases_the_original_everywhere_and_tells_the_author(
    item, post, moderator, member
):
    hidden = act(item, moderator, Action.HIDE)
    entry = act(item, moderator, Action.REDACT, new_text=f"{REDACTED}\n", reason=REASON)

    post.refresh_from_db()
    item.refresh_from_db()
    assert post.body_source == REDACTED
    assert "Anna Berg" not in post.body_html + post.body_text
    assert REDACTED in post.body_text
    assert post.moderator_note == REASON
    assert post.removed_at is None
    # Only the redacted version stays in the history, and the log keeps no copy of the words
    # (neither the redaction nor the earlier hide): how much was redacted, and why.
    assert list(post.revisions.values_list("body_source", flat=True)) == [REDACTED]
    assert item.state == State.RESOLVED
    assert_logged(
        entry, moderator=moderator, action=Action.REDACT, reason=REASON, before="", after=REDACTED
    )
    assert ModerationAction.objects.get(pk=entry.pk).redacted_characters == len(BODY) - len(
        REDACTED
    )
    assert_logged(hidden, moderator=moderator, action=Action.HIDE, before="", after="")
    assert outcome_notices() == [(member.pk, f"forum.post:{post.pk}")]


def test_a_redacted_post_shows_its_author_the_reason_and_peers_only_the_new_text(
    client, item, post, moderator, member, peer
):
    act(item, moderator, Action.REDACT, new_text=REDACTED, reason=REASON)

    by_author = article(client, member, post)
    assert f"Moderators edited your post. Their reason: {REASON}" in by_author
    assert REDACTED in by_author

    by_peer = article(client, peer, post)
    assert REDACTED in by_peer
    assert "Anna Berg" not in by_peer
    assert REASON not in by_peer


def test_a_redaction_typed_in_a_browser_is_stored_with_plain_line_breaks(
    member, group, peer, moderator
):
    thread = forum.create_thread(
        author=member, group=group, title="Two lines", body="First line.\n\nAnna Berg, 12 Elm St."
    )
    post = thread.posts.get()
    moderation.flag_content(reporter=peer, kind=KIND, object_id=post.pk, reason="third_party")
    item = ModerationItem.objects.get(object_id=post.pk)

    # The same text as a textarea sends it (CRLF) is no change at all.
    with pytest.raises(ValidationError):
        act(item, moderator, Action.REDACT, new_text="First line.\r\n\r\nAnna Berg, 12 Elm St.")

    act(item, moderator, Action.REDACT, new_text="First line.\r\n\r\n[removed]", reason=REASON)
    post.refresh_from_db()
    assert post.body_source == "First line.\n\n[removed]"


def test_redacting_an_auto_hidden_post_shows_the_rest_of_it_again(auto_hidden, post, moderator):
    act(auto_hidden, moderator, Action.REDACT, new_text=REDACTED, reason=REASON)

    post.refresh_from_db()
    auto_hidden.refresh_from_db()
    assert post.hidden_at is None
    assert post.body_source == REDACTED
    assert auto_hidden.state == State.RESOLVED


@pytest.mark.parametrize("action", ["", "auto_hide", "delete", "ban"])
def test_an_unknown_or_automatic_only_action_is_refused_and_changes_nothing(
    item, moderator, action
):
    before = world()

    with pytest.raises(ValidationError) as refused:
        act(item, moderator, action, reason=REASON)

    assert refused.value.code == "action"
    assert world() == before


def test_acting_on_content_that_no_longer_exists_is_refused(item, post, moderator):
    Post.objects.filter(pk=post.pk).delete()
    actions_before = ModerationAction.objects.count()

    with pytest.raises(ValidationError) as refused:
        act(item, moderator, Action.KEEP)

    assert refused.value.code == "missing"
    assert ModerationAction.objects.count() == actions_before


@pytest.mark.parametrize("role", [Role.GROUP_ADMIN, Role.CLINICIAN])
def test_group_admins_and_clinicians_of_the_group_may_act_too(
    item, post, make_user, join, group, role
):
    reviewer = make_user(mfa=True, is_verified_clinician=role == Role.CLINICIAN)
    join(reviewer, group, role=role)

    entry = act(item, reviewer, Action.HIDE)

    post.refresh_from_db()
    assert post.hidden_at is not None
    assert entry.moderator == reviewer


# --- Refusals: everyone without the right ---------------------------------------------------

DECISIONS = [choice for choice, _label in ActionForm().fields["action"].choices]


@pytest.fixture
def unentitled(request, make_user, join, group, other_group):
    """People who may not act on the group's items, by name."""

    def make(who: str):
        if who == "other_group_clinician":
            user = make_user(mfa=True, is_verified_clinician=True)
            join(user, other_group, role=Role.CLINICIAN)
            return user
        if who == "other_group_moderator":
            user = make_user(mfa=True)
            join(user, other_group, role=Role.MODERATOR)
            return user
        if who == "muted_moderator":
            user = make_user(mfa=True)
            join(user, group, role=Role.MODERATOR, state=Membership.State.MUTED)
            return user
        if who == "removed_moderator":
            user = make_user(mfa=True)
            join(user, group, role=Role.MODERATOR, state=Membership.State.REMOVED)
            return user
        return request.getfixturevalue(who)

    return make


WHO = [
    "peer",
    "member",  # the author
    "muted_member",
    "removed_member",
    "other_group_clinician",
    "other_group_moderator",
    "muted_moderator",
    "removed_moderator",
    "staff",
    "outsider",
]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("action", DECISIONS)
def test_someone_without_the_right_cannot_act_and_nothing_changes(item, unentitled, who, action):
    actor = unentitled(who)
    before = world()

    with pytest.raises(PermissionDenied):
        act(item, actor, action, reason=REASON, new_text=REDACTED)

    assert world() == before


@pytest.mark.parametrize("who", WHO)
def test_someone_without_the_right_cannot_claim_an_item(item, unentitled, who):
    actor = unentitled(who)
    before = world()

    with pytest.raises(PermissionDenied):
        moderation.claim_item(moderator=actor, item=item)

    assert world() == before


def test_the_refusals_cover_every_decision_a_moderator_can_choose():
    assert {Action.KEEP, Action.HIDE, Action.UNHIDE, Action.REMOVE, Action.REDACT} <= set(DECISIONS)
    assert Action.AUTO_HIDE not in DECISIONS


# --- The log is append-only -----------------------------------------------------------------


@pytest.fixture
def entry(item, moderator) -> ModerationAction:
    return act(item, moderator, Action.REMOVE, reason=REASON)


def saved_log() -> list:
    return list(ModerationAction.objects.order_by("pk").values())


def test_a_log_entry_cannot_be_changed_by_saving_it(entry):
    before = saved_log()
    entry.reason = "Nothing to see here."

    with pytest.raises(AppendOnlyError):
        entry.save()

    assert saved_log() == before


def test_a_log_entry_cannot_be_deleted(entry):
    before = saved_log()

    with pytest.raises(AppendOnlyError):
        entry.delete()

    assert saved_log() == before


@pytest.mark.parametrize(
    "change",
    [
        lambda entries: entries.update(reason="Changed"),
        lambda entries: entries.delete(),
        lambda entries: ModerationAction.objects.bulk_update(
            [ModerationAction(pk=entry.pk, reason="Changed") for entry in entries], ["reason"]
        ),
    ],
    ids=["update", "delete", "bulk_update"],
)
def test_the_log_cannot_be_changed_in_bulk(entry, change):
    before = saved_log()

    # In a savepoint: bulk_update's own atomic block would otherwise break the test's.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        change(ModerationAction.objects.filter(pk=entry.pk))

    assert saved_log() == before


def test_later_actions_add_entries_and_leave_earlier_ones_as_they_were(
    item, post, moderator, second_moderator
):
    act(item, moderator, Action.HIDE)
    first = saved_log()

    act(item, second_moderator, Action.UNHIDE)

    after = saved_log()
    assert len(after) == 2
    assert after[0] == first[0]


# --- Member sanctions, escalation and appeals ---------------------------------------------


def test_muting_the_author_lets_them_read_but_not_write_until_it_ends(
    item, moderator, member, group
):
    moderation.act(moderator=moderator, item=item, action="mute", reason="Cool down", mute_days=1)
    membership = Membership.objects.get(user=member, group=group)
    assert membership.state == Membership.State.MUTED
    fresh = type(member).objects.get(pk=member.pk)
    assert fresh.has_perm("groups.read_content", group)
    assert not fresh.has_perm("groups.contribute", group)
    Membership.objects.filter(pk=membership.pk).update(
        muted_until=timezone.now() - timedelta(minutes=1)
    )
    fresh = type(member).objects.get(pk=member.pk)
    assert fresh.has_perm("groups.contribute", group)


def test_removing_the_author_from_the_group_takes_away_reading_too(item, moderator, member, group):
    moderation.act(moderator=moderator, item=item, action="remove_member", reason="Repeated")
    fresh = type(member).objects.get(pk=member.pk)
    assert not fresh.has_perm("groups.read_content", group)
    assert Notification.objects.filter(recipient=member, kind=OUTCOME).exists()


def test_a_moderator_cannot_mute_or_remove_another_moderator(
    moderator, second_moderator, peer, group
):
    thread = forum.create_thread(author=second_moderator, group=group, title="Rules", body="x y")
    moderation.flag_content(
        reporter=peer, kind=KIND, object_id=thread.posts.get().pk, reason=Reason.OTHER
    )
    item = ModerationItem.objects.get()
    with pytest.raises(ValidationError) as error:
        moderation.act(moderator=moderator, item=item, action="mute", reason="No", mute_days=3)
    assert error.value.code == "role"
    assert Membership.objects.get(user=second_moderator, group=group).state == "active"


def test_nobody_reviews_their_own_post(second_moderator, moderator, peer, group, client):
    thread = forum.create_thread(author=moderator, group=group, title="Mine", body="My words")
    moderation.flag_content(
        reporter=peer, kind=KIND, object_id=thread.posts.get().pk, reason=Reason.OTHER
    )
    item = ModerationItem.objects.get()
    with pytest.raises(PermissionDenied):
        moderation.act(moderator=moderator, item=item, action="keep")
    assert not Notification.objects.filter(recipient=moderator, kind="moderation.flagged").exists()
    client.force_login(moderator)
    url = f"/groups/{group.slug}/moderation/{item.pk}/"
    assert client.get(url).status_code == 404
    moderation.act(moderator=second_moderator, item=item, action="keep")


def test_escalating_asks_the_groups_clinicians_and_keeps_the_item_open(
    item, moderator, make_user, join, group
):
    clinician = make_user(mfa=True, is_verified_clinician=True)
    join(clinician, group, role=Role.CLINICIAN)
    moderation.act(moderator=moderator, item=item, action="escalate")
    item.refresh_from_db()
    assert item.escalated and item.state == State.OPEN and item.waits_for_clinician
    assert Notification.objects.filter(
        recipient=clinician, kind="moderation.ask_clinician"
    ).exists()


def test_an_appeal_goes_to_a_different_moderator(item, moderator, second_moderator, member):
    moderation.act(moderator=moderator, item=item, action="remove", reason="Third party")
    item.refresh_from_db()
    moderation.appeal(author=member, item=item, message="It was my own sister, she agreed.")
    item.refresh_from_db()
    assert item.state == State.OPEN and item.appealed_at is not None
    with pytest.raises(ValidationError) as error:
        moderation.claim_item(moderator=moderator, item=item)
    assert error.value.code == "own_decision"
    moderation.claim_item(moderator=second_moderator, item=item)
    with pytest.raises(ValidationError):
        moderation.appeal(author=member, item=item, message="Again")


def test_only_the_author_can_appeal_and_only_a_removal(item, moderator, member, peer):
    with pytest.raises(PermissionDenied):
        moderation.appeal(author=member, item=item, message="Nothing was removed")
    moderation.act(moderator=moderator, item=item, action="remove", reason="Third party")
    item.refresh_from_db()
    with pytest.raises(PermissionDenied):
        moderation.appeal(author=peer, item=item, message="Not mine")


def test_a_resolved_item_cannot_be_acted_on_again(item, moderator):
    moderation.act(moderator=moderator, item=item, action="keep")
    item.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        moderation.act(moderator=moderator, item=item, action="hide")
    assert error.value.code == "resolved"


def test_items_follow_their_thread_to_its_new_group(item, moderator, post, make_group, join):
    target = make_group()
    join(moderator, target, role=Role.MODERATOR)
    forum.move_thread(moderator=moderator, thread=post.thread, target=target)
    item.refresh_from_db()
    assert item.group == target
