"""Issue 16, item 7: every decision against a member (hide, remove, redact, warn, mute,
removal from the group) can be appealed once by its author; someone other than the
moderator who decided reviews it (staff, when the group has no other moderator); the
reviewer upholds or reverses it with a reason, and the member sees the outcome."""

import re
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.forum import services as forum
from community.forum.models import Post, PostRevision
from community.groups.models import Membership
from community.moderation import services as moderation
from community.moderation.models import Flag, ModerationAction, ModerationItem
from community.notifications.models import Notification

from .conftest import BODY

Action = ModerationAction.Action
State = ModerationItem.State
REDACTED = "My neighbour has the same pump and hates it."
DECIDED_BECAUSE = "Names a neighbour who has not agreed to be written about."
APPEAL_MESSAGE = "It was my own sister, and she agreed that I could write this."
UPHELD_BECAUSE = "Looked again: the neighbour is named, the decision stands."
REVERSED_BECAUSE = "Looked again: the member had her consent."
APPEAL_LINK_TEXT = "Ask for another moderator to look"
OUTCOME, APPEAL_KIND = "moderation.outcome", "moderation.appeal"

# Each decision against the author, with what the moderator sends with it.
DECISIONS = {
    Action.HIDE: {},
    Action.REMOVE: {"reason": DECIDED_BECAUSE},
    Action.REDACT: {"reason": DECIDED_BECAUSE, "new_text": REDACTED},
    Action.WARN: {"reason": DECIDED_BECAUSE},
    Action.MUTE: {"reason": DECIDED_BECAUSE, "mute_days": 3},
    Action.REMOVE_MEMBER: {"reason": DECIDED_BECAUSE},
}
EVERY_DECISION = pytest.mark.parametrize("decision", list(DECISIONS))


# --- Helpers --------------------------------------------------------------------------------


def decide(item: ModerationItem, moderator, decision: str) -> ModerationItem:
    moderation.act(moderator=moderator, item=item, action=decision, **DECISIONS[decision])
    return ModerationItem.objects.get(pk=item.pk)


def appeal(item: ModerationItem, author) -> ModerationItem:
    moderation.appeal(author=author, item=item, message=APPEAL_MESSAGE)
    return ModerationItem.objects.get(pk=item.pk)


def text_of(response) -> str:
    """The page's visible text, tags removed, entities decoded, spaces squashed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def appeal_url(item) -> str:
    return reverse("moderation:appeal", kwargs={"item_id": item.pk})


def item_url(item, name="moderation:item") -> str:
    return reverse(name, kwargs={"slug": item.group.slug, "item_id": item.pk})


def submission_key(response) -> str:
    found = re.search(r'name="submission_key" value="([^"]+)"', response.content.decode())
    assert found, "the form carries no submission key"
    return found.group(1)


def offered_decisions(response) -> list[str]:
    return re.findall(r'name="action" value="([^"]+)"', response.content.decode())


def rows() -> dict:
    """Every row an appeal or a decision about one could touch, field by field."""
    models = [Post, PostRevision, ModerationItem, Flag, ModerationAction, Notification, Membership]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def told(kind: str) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def membership_of(user, group) -> Membership:
    return Membership.objects.get(user=user, group=group)


def assert_decision_still_in_force(decision, post, member, group) -> None:
    post.refresh_from_db()
    membership = membership_of(member, group)
    if decision == Action.HIDE:
        assert post.hidden_at is not None
    if decision == Action.REMOVE:
        assert post.removed_at is not None
        assert post.moderator_note == DECIDED_BECAUSE
    if decision == Action.REDACT:
        assert post.body_source == REDACTED
        assert post.moderator_note == DECIDED_BECAUSE
    if decision == Action.MUTE:
        assert membership.state == Membership.State.MUTED
        assert membership.muted_until is not None
    if decision == Action.REMOVE_MEMBER:
        assert membership.state == Membership.State.REMOVED
    if decision == Action.WARN:
        assert (post.hidden_at, post.removed_at, post.moderator_note) == (None, None, "")
        assert post.body_source == BODY
        assert membership.state == Membership.State.ACTIVE


# --- The author appeals, once ---------------------------------------------------------------


@EVERY_DECISION
def test_the_author_can_appeal_each_decision_once_and_a_second_appeal_is_refused(
    item, moderator, second_moderator, member, decision
):
    item = decide(item, moderator, decision)

    item = appeal(item, member)

    assert item.appealed_at is not None
    assert item.appeal_message == APPEAL_MESSAGE
    assert item.state == State.OPEN
    assert item.appeal_pending
    logged = item.actions.filter(action=Action.APPEAL).get()
    assert (logged.moderator, logged.subject, logged.reason) == (None, member, APPEAL_MESSAGE)
    before = rows()

    with pytest.raises(ValidationError) as refused:
        moderation.appeal(author=member, item=item, message="Please, once more.")

    assert refused.value.code == "again"
    assert rows() == before


@EVERY_DECISION
def test_a_second_appeal_is_refused_even_after_the_first_was_decided(
    item, moderator, second_moderator, member, decision
):
    item = appeal(decide(item, moderator, decision), member)
    moderation.act(
        moderator=second_moderator, item=item, action=Action.APPEAL_UPHELD, reason=UPHELD_BECAUSE
    )
    before = rows()

    with pytest.raises(ValidationError) as refused:
        moderation.appeal(author=member, item=item, message="Please, once more.")

    assert refused.value.code == "again"
    assert rows() == before


@EVERY_DECISION
def test_the_notices_page_offers_the_appeal_link_until_the_author_has_appealed(
    client, item, moderator, second_moderator, member, decision
):
    decide(item, moderator, decision)
    client.force_login(member)

    page = client.get(reverse("moderation:notices"))

    assert page.status_code == 200
    assert f'href="{appeal_url(item)}"' in page.content.decode()
    assert APPEAL_LINK_TEXT in text_of(page)

    appeal(item, member)
    page = client.get(reverse("moderation:notices"))

    assert appeal_url(item) not in page.content.decode()
    assert APPEAL_LINK_TEXT not in text_of(page)


@EVERY_DECISION
def test_the_author_appeals_through_the_page_and_a_second_try_there_is_refused(
    client, item, moderator, second_moderator, member, decision
):
    decide(item, moderator, decision)
    client.force_login(member)
    form = client.get(appeal_url(item))
    assert form.status_code == 200

    response = client.post(
        appeal_url(item), {"message": APPEAL_MESSAGE, "submission_key": submission_key(form)}
    )

    assert response.status_code == 302
    assert response.url == reverse("moderation:notices")
    item.refresh_from_db()
    assert item.appeal_message == APPEAL_MESSAGE
    assert item.actions.filter(action=Action.APPEAL).count() == 1

    again = client.get(appeal_url(item))
    before = rows()
    refused = client.post(
        appeal_url(item), {"message": "Once more, please.", "submission_key": submission_key(again)}
    )

    assert refused.status_code == 400
    assert "You have already appealed this decision." in text_of(refused)
    assert rows() == before


def test_an_appeal_without_a_message_is_shown_again_and_nothing_is_written(
    client, item, moderator, second_moderator, member
):
    decide(item, moderator, Action.REMOVE)
    client.force_login(member)
    form = client.get(appeal_url(item))
    before = rows()

    response = client.post(
        appeal_url(item), {"message": "   ", "submission_key": submission_key(form)}
    )

    assert response.status_code == 400
    assert rows() == before


def test_content_that_was_only_flagged_cannot_be_appealed(client, item, member):
    before = rows()

    with pytest.raises(PermissionDenied):
        moderation.appeal(author=member, item=item, message=APPEAL_MESSAGE)

    client.force_login(member)
    assert client.get(appeal_url(item)).status_code == 404
    assert client.post(appeal_url(item), {"message": APPEAL_MESSAGE}).status_code == 404
    assert rows() == before


@pytest.mark.parametrize("who", ["peer", "outsider", "second_moderator", "moderator", "staff"])
@EVERY_DECISION
def test_nobody_but_the_author_can_appeal_a_decision(
    client, request, item, moderator, second_moderator, member, decision, who
):
    decide(item, moderator, decision)
    someone = request.getfixturevalue(who)
    before = rows()

    with pytest.raises(PermissionDenied):
        moderation.appeal(author=someone, item=item, message=APPEAL_MESSAGE)

    client.force_login(someone)
    assert client.get(appeal_url(item)).status_code == 404
    assert client.post(appeal_url(item), {"message": APPEAL_MESSAGE}).status_code == 404
    page = client.get(reverse("moderation:notices"))
    assert appeal_url(item) not in page.content.decode()
    assert rows() == before


@EVERY_DECISION
def test_a_logged_out_visitor_is_sent_to_sign_in_and_nothing_is_written(
    client, item, moderator, member, decision
):
    decide(item, moderator, decision)
    before = rows()

    for response in [
        client.get(appeal_url(item)),
        client.post(appeal_url(item), {"message": APPEAL_MESSAGE}),
        client.get(reverse("moderation:notices")),
    ]:
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert rows() == before


# --- Someone other than the deciding moderator reviews it -----------------------------------


@EVERY_DECISION
def test_another_moderator_of_the_group_is_told_of_the_appeal_not_the_one_who_decided(
    item, moderator, second_moderator, member, staff, decision
):
    decide(item, moderator, decision)

    appeal(item, member)

    assert told(APPEAL_KIND) == [second_moderator.pk]
    notice = Notification.objects.get(kind=APPEAL_KIND)
    assert (notice.group, notice.target, notice.url) == (
        item.group,
        item.target,
        item_url(item),
    )


@EVERY_DECISION
def test_the_moderator_who_decided_can_neither_take_nor_decide_the_appeal(
    item, moderator, second_moderator, member, decision
):
    item = appeal(decide(item, moderator, decision), member)
    before = rows()

    with pytest.raises(ValidationError) as refused:
        moderation.claim_item(moderator=moderator, item=item)
    assert refused.value.code == "own_decision"

    for verdict in (Action.APPEAL_UPHELD, Action.APPEAL_GRANTED):
        with pytest.raises(ValidationError) as refused:
            moderation.act(moderator=moderator, item=item, action=verdict, reason="Mine stands.")
        assert refused.value.code == "own_decision"

    assert rows() == before


def test_the_moderator_who_decided_is_refused_on_the_item_page_too(
    client, item, moderator, second_moderator, member
):
    item = appeal(decide(item, moderator, Action.REMOVE), member)
    client.force_login(moderator)
    page = client.get(item_url(item))
    before = rows()

    response = client.post(
        item_url(item, "moderation:act"),
        {
            "action": Action.APPEAL_UPHELD,
            "reason": "My decision stands.",
            "submission_key": submission_key(page),
        },
    )

    assert response.status_code == 400
    assert "another moderator must review it" in text_of(response)
    assert rows() == before


@EVERY_DECISION
def test_the_item_page_offers_upheld_and_reversed_first_while_an_appeal_waits(
    client, item, moderator, second_moderator, member, decision
):
    item = appeal(decide(item, moderator, decision), member)
    client.force_login(second_moderator)

    page = client.get(item_url(item))

    assert page.status_code == 200
    assert offered_decisions(page)[:2] == [Action.APPEAL_UPHELD, Action.APPEAL_GRANTED]
    assert APPEAL_MESSAGE in text_of(page)


def test_the_item_page_offers_no_appeal_verdict_without_an_appeal(
    client, item, moderator, second_moderator
):
    decide(item, moderator, Action.HIDE)
    client.force_login(second_moderator)

    page = client.get(item_url(item))

    assert page.status_code == 200
    offered = offered_decisions(page)
    assert offered
    assert Action.APPEAL_UPHELD not in offered
    assert Action.APPEAL_GRANTED not in offered


@EVERY_DECISION
def test_another_moderator_upholds_the_decision_and_the_member_sees_the_outcome(
    client, item, post, moderator, second_moderator, member, group, decision
):
    item = appeal(decide(item, moderator, decision), member)
    outcomes = len(told(OUTCOME))
    client.force_login(second_moderator)
    page = client.get(item_url(item))

    response = client.post(
        item_url(item, "moderation:act"),
        {
            "action": Action.APPEAL_UPHELD,
            "reason": UPHELD_BECAUSE,
            "submission_key": submission_key(page),
        },
    )

    assert response.status_code == 302, text_of(response)
    item.refresh_from_db()
    assert item.state == State.RESOLVED
    assert not item.appeal_pending
    verdict = item.actions.get(action=Action.APPEAL_UPHELD)
    assert (verdict.moderator, verdict.subject, verdict.reason) == (
        second_moderator,
        member,
        UPHELD_BECAUSE,
    )
    assert_decision_still_in_force(decision, post, member, group)
    # The author hears of it, and reads the outcome and its reason among their notices.
    assert len(told(OUTCOME)) == outcomes + 1
    assert Notification.objects.filter(recipient=member, kind=OUTCOME).exists()
    client.force_login(member)
    notices = text_of(client.get(reverse("moderation:notices")))
    assert "The decision was upheld on appeal" in notices
    assert f"Reason: {UPHELD_BECAUSE}" in notices
    assert APPEAL_LINK_TEXT not in notices


@EVERY_DECISION
def test_another_moderator_reverses_the_decision_and_the_member_sees_the_outcome(
    client, item, post, moderator, second_moderator, member, group, decision
):
    item = appeal(decide(item, moderator, decision), member)
    outcomes = len(told(OUTCOME))
    client.force_login(second_moderator)
    page = client.get(item_url(item))

    response = client.post(
        item_url(item, "moderation:act"),
        {
            "action": Action.APPEAL_GRANTED,
            "reason": REVERSED_BECAUSE,
            "submission_key": submission_key(page),
        },
    )

    assert response.status_code == 302, text_of(response)
    item.refresh_from_db()
    assert item.state == State.RESOLVED
    assert not item.appeal_pending
    verdict = item.actions.get(action=Action.APPEAL_GRANTED)
    assert (verdict.moderator, verdict.subject, verdict.reason) == (
        second_moderator,
        member,
        REVERSED_BECAUSE,
    )
    # The decision itself stays in the log: reversing adds to it.
    assert item.actions.filter(action=decision).count() == 1
    assert len(told(OUTCOME)) == outcomes + 1
    assert Notification.objects.filter(recipient=member, kind=OUTCOME).exists()
    client.force_login(member)
    notices = text_of(client.get(reverse("moderation:notices")))
    assert "The decision was reversed on appeal" in notices
    assert f"Reason: {REVERSED_BECAUSE}" in notices


def reverse_on_appeal(item, moderator, second_moderator, member, decision) -> None:
    item = appeal(decide(item, moderator, decision), member)
    moderation.act(
        moderator=second_moderator, item=item, action=Action.APPEAL_GRANTED, reason=REVERSED_BECAUSE
    )


def peer_sees(client, peer, post) -> bool:
    client.force_login(peer)
    page = client.get(post.thread.get_absolute_url())
    assert page.status_code == 200
    return "Anna Berg" in text_of(page)


def test_a_hidden_post_is_shown_again_when_the_hide_is_reversed(
    client, item, post, moderator, second_moderator, member, peer
):
    reverse_on_appeal(item, moderator, second_moderator, member, Action.HIDE)

    post.refresh_from_db()
    assert post.hidden_at is None
    assert peer_sees(client, peer, post)


def test_a_removed_post_is_visible_again_when_the_removal_is_reversed(
    client, item, post, moderator, second_moderator, member, peer
):
    decide(item, moderator, Action.REMOVE)
    assert not peer_sees(client, peer, post)
    item = appeal(item, member)
    moderation.act(
        moderator=second_moderator, item=item, action=Action.APPEAL_GRANTED, reason=REVERSED_BECAUSE
    )

    post.refresh_from_db()
    assert (post.removed_at, post.hidden_at, post.moderator_note) == (None, None, "")
    assert post.body_source == BODY
    assert peer_sees(client, peer, post)


def test_an_upheld_redaction_still_keeps_the_author_from_editing(
    item, post, moderator, second_moderator, member
):
    item = appeal(decide(item, moderator, Action.REDACT), member)
    moderation.act(
        moderator=second_moderator, item=item, action=Action.APPEAL_UPHELD, reason=UPHELD_BECAUSE
    )
    post.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        forum.edit_post(editor=member, post=post, body="My sister agreed, so: Anna Berg.")

    assert refused.value.code == "moderated"


def test_a_reversed_redaction_lets_the_author_edit_again_but_the_words_stay_erased(
    item, post, moderator, second_moderator, member
):
    reverse_on_appeal(item, moderator, second_moderator, member, Action.REDACT)

    post.refresh_from_db()
    assert post.moderator_note == ""
    assert post.body_source == REDACTED
    assert "Anna Berg" not in post.body_html + post.body_text
    assert list(post.revisions.values_list("body_source", flat=True)) == [REDACTED]
    for entry in ModerationAction.objects.all():
        assert "Anna Berg" not in entry.before + entry.after
    forum.edit_post(editor=member, post=post, body=f"{REDACTED} It keeps me awake.")
    post.refresh_from_db()
    assert post.body_source == f"{REDACTED} It keeps me awake."


@pytest.mark.parametrize("decision", [Action.MUTE, Action.REMOVE_MEMBER])
def test_a_reversed_mute_or_removal_makes_the_membership_active_again(
    item, moderator, second_moderator, member, group, decision
):
    reverse_on_appeal(item, moderator, second_moderator, member, decision)

    membership = membership_of(member, group)
    assert (membership.state, membership.muted_until) == (Membership.State.ACTIVE, None)
    fresh = type(member).objects.get(pk=member.pk)
    assert fresh.has_perm("groups.read_content", group)
    assert fresh.has_perm("groups.contribute", group)


def test_a_reversed_warning_changes_only_the_record(
    item, post, moderator, second_moderator, member, group
):
    decide(item, moderator, Action.WARN)
    post.refresh_from_db()
    post_before = Post.objects.filter(pk=post.pk).values().get()
    membership_before = Membership.objects.filter(user=member, group=group).values().get()
    item = appeal(item, member)

    moderation.act(
        moderator=second_moderator, item=item, action=Action.APPEAL_GRANTED, reason=REVERSED_BECAUSE
    )

    assert Post.objects.filter(pk=post.pk).values().get() == post_before
    assert Membership.objects.filter(user=member, group=group).values().get() == membership_before
    assert list(item.actions.values_list("action", flat=True)) == [
        Action.APPEAL_GRANTED,
        Action.APPEAL,
        Action.WARN,
    ]


# --- A reason is required; no verdict without an appeal -------------------------------------


@pytest.mark.parametrize("verdict", [Action.APPEAL_UPHELD, Action.APPEAL_GRANTED])
@pytest.mark.parametrize("reason", ["", "   \n "])
def test_an_appeal_verdict_without_a_reason_is_refused_and_changes_nothing(
    client, item, moderator, second_moderator, member, verdict, reason
):
    item = appeal(decide(item, moderator, Action.REMOVE), member)
    before = rows()

    with pytest.raises(ValidationError) as refused:
        moderation.act(moderator=second_moderator, item=item, action=verdict, reason=reason)
    assert refused.value.code == "reason"
    assert rows() == before

    client.force_login(second_moderator)
    page = client.get(item_url(item))
    response = client.post(
        item_url(item, "moderation:act"),
        {"action": verdict, "reason": reason, "submission_key": submission_key(page)},
    )
    assert response.status_code == 400
    assert "Please give a reason" in text_of(response)
    assert rows() == before


@pytest.mark.parametrize("verdict", [Action.APPEAL_UPHELD, Action.APPEAL_GRANTED])
def test_an_appeal_verdict_on_an_item_without_an_appeal_is_refused(
    client, item, moderator, second_moderator, verdict
):
    decide(item, moderator, Action.HIDE)  # a decision, still open, never appealed
    before = rows()

    with pytest.raises(ValidationError) as refused:
        moderation.act(moderator=second_moderator, item=item, action=verdict, reason="Stands.")
    assert refused.value.code == "no_appeal"
    assert rows() == before

    client.force_login(second_moderator)
    page = client.get(item_url(item))
    response = client.post(
        item_url(item, "moderation:act"),
        {"action": verdict, "reason": "Stands.", "submission_key": submission_key(page)},
    )
    assert response.status_code == 400
    assert "Please choose a decision." in text_of(response)
    assert rows() == before


def test_an_appeal_verdict_on_an_item_that_was_only_flagged_is_refused(
    item, moderator, second_moderator
):
    before = rows()

    with pytest.raises(ValidationError) as refused:
        moderation.act(
            moderator=second_moderator, item=item, action=Action.APPEAL_UPHELD, reason="Stands."
        )

    assert refused.value.code == "no_appeal"
    assert rows() == before


# --- The group's only moderator decided: staff review the appeal ----------------------------


@EVERY_DECISION
def test_with_no_other_moderator_staff_are_told_of_the_appeal_instead(
    item, moderator, member, staff, make_user, decision
):
    second_staff = make_user(is_staff=True, mfa=True)
    former_staff = make_user(is_staff=True, mfa=True, is_active=False)
    decide(item, moderator, decision)

    appeal(item, member)

    assert told(APPEAL_KIND) == sorted([staff.pk, second_staff.pk])
    assert former_staff.pk not in told(APPEAL_KIND)


@EVERY_DECISION
def test_with_no_other_moderator_staff_open_the_item_and_reverse_the_decision(
    client, item, post, moderator, member, group, staff, decision
):
    item = appeal(decide(item, moderator, decision), member)
    client.force_login(staff)

    page = client.get(item_url(item))

    assert page.status_code == 200
    assert offered_decisions(page)[:2] == [Action.APPEAL_UPHELD, Action.APPEAL_GRANTED]
    response = client.post(
        item_url(item, "moderation:act"),
        {
            "action": Action.APPEAL_GRANTED,
            "reason": REVERSED_BECAUSE,
            "submission_key": submission_key(page),
        },
    )
    assert response.status_code == 302, text_of(response)
    item.refresh_from_db()
    assert item.state == State.RESOLVED
    verdict = item.actions.get(action=Action.APPEAL_GRANTED)
    assert (verdict.moderator, verdict.reason) == (staff, REVERSED_BECAUSE)
    post.refresh_from_db()
    membership = membership_of(member, group)
    assert (post.hidden_at, post.removed_at, post.moderator_note) == (None, None, "")
    assert membership.state == Membership.State.ACTIVE
    assert Notification.objects.filter(recipient=member, kind=OUTCOME).exists()
    # Decided: the item is closed to staff again.
    assert client.get(item_url(item)).status_code == 404


def test_with_no_other_moderator_staff_can_uphold_the_decision(
    client, item, post, moderator, member, staff
):
    item = appeal(decide(item, moderator, Action.REMOVE), member)
    client.force_login(staff)
    page = client.get(item_url(item))

    response = client.post(
        item_url(item, "moderation:act"),
        {
            "action": Action.APPEAL_UPHELD,
            "reason": UPHELD_BECAUSE,
            "submission_key": submission_key(page),
        },
    )

    assert response.status_code == 302, text_of(response)
    post.refresh_from_db()
    assert post.removed_at is not None
    client.force_login(member)
    notices = text_of(client.get(reverse("moderation:notices")))
    assert "The decision was upheld on appeal" in notices
    assert f"Reason: {UPHELD_BECAUSE}" in notices


def test_staff_get_404_for_an_item_without_a_pending_appeal(client, item, moderator, staff):
    client.force_login(staff)
    assert client.get(item_url(item)).status_code == 404  # only flagged

    decide(item, moderator, Action.REMOVE)
    before = rows()

    assert client.get(item_url(item)).status_code == 404  # decided, never appealed
    response = client.post(
        item_url(item, "moderation:act"), {"action": Action.KEEP, "reason": "Looks fine."}
    )
    assert response.status_code == 404
    assert client.post(item_url(item, "moderation:claim")).status_code == 404
    with pytest.raises(PermissionDenied):
        moderation.act(moderator=staff, item=item, action=Action.APPEAL_GRANTED, reason="No.")
    assert rows() == before


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        (Action.KEEP, {}),
        (Action.REMOVE, {"reason": "Staff say so."}),
        (Action.WARN, {"reason": "Staff say so."}),
        (Action.MUTE, {"reason": "Staff say so.", "mute_days": 3}),
        (Action.REMOVE_MEMBER, {"reason": "Staff say so."}),
    ],
)
def test_staff_may_decide_only_the_appeal_on_an_appealed_item(
    item, post, moderator, member, staff, action, extra
):
    """Staff see only counts in groups they do not moderate; an appeal opens its item to
    them for the appeal's verdict, not for new decisions against the member."""
    item = appeal(decide(item, moderator, Action.HIDE), member)
    before = rows()

    with pytest.raises((PermissionDenied, ValidationError)):
        moderation.act(moderator=staff, item=item, action=action, **extra)

    assert rows() == before


def test_an_appealed_item_is_not_left_resolved_with_its_appeal_never_decided(
    item, post, moderator, second_moderator, member
):
    """Every appeal ends in a verdict the member is told of: a reviewer who chooses another
    decision (here "keep") must not close the item with the appeal still pending."""
    item = appeal(decide(item, moderator, Action.HIDE), member)
    outcomes = len(told(OUTCOME))

    try:
        moderation.act(moderator=second_moderator, item=item, action=Action.KEEP)
    except (PermissionDenied, ValidationError):
        return  # refused: the appeal still waits for its verdict

    item.refresh_from_db()
    assert not (item.state == State.RESOLVED and item.appeal_pending)
    assert len(told(OUTCOME)) == outcomes + 1


@pytest.mark.parametrize("who", ["outsider", "peer", "member"])
def test_people_who_do_not_review_the_group_get_404_for_an_appealed_item(
    client, request, item, moderator, member, who
):
    item = appeal(decide(item, moderator, Action.REMOVE), member)
    client.force_login(request.getfixturevalue(who))
    before = rows()

    assert client.get(item_url(item)).status_code == 404
    response = client.post(
        item_url(item, "moderation:act"),
        {"action": Action.APPEAL_GRANTED, "reason": "Let me decide."},
    )
    assert response.status_code == 404
    assert rows() == before


def test_staff_without_two_factor_authentication_are_sent_to_set_it_up_first(
    client, item, moderator, member, make_user
):
    staff_without_mfa = make_user(is_staff=True, mfa=False)
    item = appeal(decide(item, moderator, Action.REMOVE), member)
    client.force_login(staff_without_mfa)
    before = rows()

    page = client.get(item_url(item))
    verdict = client.post(
        item_url(item, "moderation:act"),
        {"action": Action.APPEAL_GRANTED, "reason": REVERSED_BECAUSE},
    )

    for response in (page, verdict):
        assert response.status_code == 302
        assert response.url.startswith(reverse("mfa_activate_totp"))
    assert rows() == before


def test_the_queue_links_staff_to_an_appeal_that_waits_for_them_and_to_nothing_else(
    client, item, post, moderator, member, group, staff, peer
):
    other = ModerationItem.objects.create(kind="forum.post", object_id=post.pk + 999, group=group)
    item = appeal(decide(item, moderator, Action.REMOVE), member)
    client.force_login(staff)

    page = client.get(reverse("moderation:queue", kwargs={"slug": group.slug}))

    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{item_url(item)}"' in html
    assert f'href="{item_url(other)}"' not in html
    # The item page names no action log for staff: it is the group reviewers' page.
    item_page = client.get(item_url(item)).content.decode()
    assert reverse("moderation:log", kwargs={"slug": group.slug}) not in item_page
