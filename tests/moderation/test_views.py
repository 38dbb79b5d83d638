"""Moderation pages through the whole request path: flagging, the queue, an item, the log."""

import re
from html import unescape

import pytest
from django.urls import reverse

from community.forum import services as forum
from community.forum.models import Post
from community.groups.models import Membership, Role
from community.moderation import services as moderation
from community.moderation.models import Flag, ModerationAction, ModerationItem, Reason
from community.notifications.models import Notification

KIND = "forum.post"
BODY = "My neighbour Anna Berg on Elm Street has the same pump and hates it."
Action = ModerationAction.Action
State = ModerationItem.State


@pytest.fixture
def clinician(make_user, join, group):
    user = make_user(mfa=True, is_verified_clinician=True, display_name="Dr Lind")
    join(user, group, role=Role.CLINICIAN)
    return user


def text_of(response) -> str:
    """The page's visible text, tags removed, entities decoded, spaces squashed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def queue_url(group, **params) -> str:
    url = reverse("moderation:queue", kwargs={"slug": group.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def item_url(item, name="moderation:item") -> str:
    return reverse(name, kwargs={"slug": item.group.slug, "item_id": item.pk})


def flag_url(post, kind=KIND) -> str:
    return reverse("moderation:flag", kwargs={"kind": kind, "object_id": post.pk})


def listed_items(response) -> list[int]:
    """The ids of the items the queue page links to, in page order."""
    assert response.status_code == 200, response.status_code
    return [int(pk) for pk in re.findall(r'/moderation/(\d+)/"', response.content.decode())]


def rows() -> dict:
    models = [Post, ModerationItem, Flag, ModerationAction, Notification, Membership]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def flag_post(post, reporter, reason=Reason.UNSAFE):
    moderation.flag_content(reporter=reporter, kind=KIND, object_id=post.pk, reason=reason)
    return ModerationItem.objects.get(kind=KIND, object_id=post.pk)


# --- The queue ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["moderator", "group_admin", "clinician"])
def test_the_groups_reviewers_see_its_queue(client, request, item, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(queue_url(item.group))

    assert listed_items(response) == [item.pk]
    assert "Shares someone else's personal information" in text_of(response)


@pytest.mark.parametrize("who", ["peer", "member", "muted_member", "outsider", "staff"])
def test_people_who_do_not_review_the_group_get_404_for_its_items_and_log(
    client, request, item, who
):
    client.force_login(request.getfixturevalue(who))

    for url in [item_url(item), reverse("moderation:log", kwargs={"slug": item.group.slug})]:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["peer", "member", "muted_member", "outsider"])
def test_members_who_do_not_review_get_404_for_the_queue(client, request, item, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(queue_url(item.group)).status_code == 404


def test_staff_see_the_queue_without_links_into_the_content(client, staff, item, post):
    client.force_login(staff)

    response = client.get(queue_url(item.group))
    page = response.content.decode()

    assert "Shares someone else's personal information" in text_of(response)
    assert item_url(item) not in page
    assert post.body_source not in page


def test_a_moderator_of_another_group_gets_404_for_this_groups_item_even_via_their_own_slug(
    client, item, make_user, join, other_group
):
    elsewhere = make_user(mfa=True)
    join(elsewhere, other_group, role=Role.MODERATOR)
    client.force_login(elsewhere)

    assert client.get(item_url(item)).status_code == 404
    wrong_slug = reverse("moderation:item", kwargs={"slug": other_group.slug, "item_id": item.pk})
    assert client.get(wrong_slug).status_code == 404


def test_a_reviewer_without_two_factor_authentication_is_sent_to_set_it_up(
    client, item, make_user, join, group
):
    without_mfa = make_user(mfa=False)
    join(without_mfa, group, role=Role.MODERATOR)
    client.force_login(without_mfa)

    response = client.get(queue_url(group))

    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_activate_totp"))


def test_the_queue_shows_open_items_unless_asked_for_resolved_ones(
    client, item, post, member, peer, moderator, group
):
    other = forum.reply(author=member, thread=post.thread, body="Another thought.")
    resolved = flag_post(other, peer)
    moderation.act(moderator=moderator, item=resolved, action=Action.KEEP)
    client.force_login(moderator)

    assert listed_items(client.get(queue_url(group))) == [item.pk]
    assert listed_items(client.get(queue_url(group, state="resolved"))) == [resolved.pk]


def test_the_queue_filters_by_reason(client, item, post, member, peer, moderator, group):
    other = forum.reply(author=member, thread=post.thread, body="Buy my pills.")
    spam = flag_post(other, peer, reason=Reason.SPAM)
    client.force_login(moderator)

    assert listed_items(client.get(queue_url(group, reason="spam"))) == [spam.pk]
    assert listed_items(client.get(queue_url(group, reason="third_party"))) == [item.pk]
    assert listed_items(client.get(queue_url(group, reason="crisis"))) == []
    assert set(listed_items(client.get(queue_url(group, reason="nonsense")))) == {
        item.pk,
        spam.pk,
    }


def test_the_queue_lists_crisis_items_first_and_marks_them(
    client, item, post, member, peer, moderator, group
):
    other = forum.reply(author=member, thread=post.thread, body="I cannot go on.")
    crisis = flag_post(other, peer, reason=Reason.CRISIS)
    client.force_login(moderator)

    response = client.get(queue_url(group))

    assert listed_items(response) == [crisis.pk, item.pk]
    assert "Crisis: 1 flag" in text_of(response)


# --- An item --------------------------------------------------------------------------------


def test_the_item_page_shows_the_content_and_every_flag_with_its_reporter(
    client, item, post, moderator, make_user, join, group
):
    another = make_user(display_name="Watchful Wren")
    join(another, group)
    moderation.flag_content(reporter=another, kind=KIND, object_id=post.pk, reason=Reason.OTHER)
    client.force_login(moderator)

    page = text_of(client.get(item_url(item)))

    assert BODY in page
    assert "Shares someone else's personal information · Peer Petra: Her full name and street." in (
        page
    )
    assert "Other · Watchful Wren" in page
    assert "I will take this one" in page


def test_claiming_through_the_page_confirms_and_blocks_a_second_moderator(
    client, item, moderator, second_moderator
):
    client.force_login(moderator)
    response = client.post(item_url(item, "moderation:claim"), follow=True)
    assert "You are working on this item." in text_of(response)

    client.force_login(second_moderator)
    response = client.post(item_url(item, "moderation:claim"), follow=True)

    page = text_of(response)
    assert "Moderator Maja is already working on this item." in page
    assert "Moderator Maja is working on this item." in page
    item.refresh_from_db()
    assert item.claimed_by == moderator


def test_a_decision_through_the_page_is_recorded_and_returns_to_the_queue(
    client, item, post, moderator, group
):
    client.force_login(moderator)

    response = client.post(item_url(item, "moderation:act"), {"action": "hide", "reason": "Check"})

    assert response.status_code == 302
    assert response.url == queue_url(group)
    assert "Done. The action is in the log." in text_of(client.get(response.url))
    post.refresh_from_db()
    assert post.hidden_at is not None
    entry = ModerationAction.objects.get()
    assert (entry.moderator, entry.action, entry.reason) == (moderator, Action.HIDE, "Check")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Please choose a decision."),
        ({"action": "explode"}, "Please choose a decision."),
        ({"action": "remove", "reason": "  "}, "Please give a reason"),
        ({"action": "redact", "reason": "Names", "new_text": BODY}, "Please change the text"),
    ],
    ids=["no-action", "unknown-action", "remove-without-reason", "redact-unchanged"],
)
def test_an_invalid_decision_shows_an_error_and_changes_nothing(
    client, item, moderator, data, error
):
    client.force_login(moderator)
    before = rows()

    response = client.post(item_url(item, "moderation:act"), data)

    # Shown again at once, with what the moderator typed still in the form.
    assert response.status_code == 400
    assert error in text_of(response)
    if data.get("new_text"):
        assert BODY in text_of(response)
    assert rows() == before


def test_claim_and_act_only_accept_post(client, item, moderator):
    client.force_login(moderator)
    before = rows()

    assert client.get(item_url(item, "moderation:claim")).status_code == 405
    assert client.get(item_url(item, "moderation:act"), {"action": "keep"}).status_code == 405
    assert rows() == before


# --- The log --------------------------------------------------------------------------------


def test_the_log_shows_reviewers_who_did_what_and_why(client, item, moderator, group):
    moderation.act(moderator=moderator, item=item, action=Action.REMOVE, reason="Names a person")
    client.force_login(moderator)

    page = text_of(client.get(reverse("moderation:log", kwargs={"slug": group.slug})))

    assert "Moderator Maja Removed Names a person" in page


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_no_request_to_the_log_page_can_change_it(client, item, moderator, group, method):
    moderation.act(moderator=moderator, item=item, action=Action.REMOVE, reason="Names a person")
    client.force_login(moderator)
    before = rows()

    response = getattr(client, method)(reverse("moderation:log", kwargs={"slug": group.slug}))

    assert response.status_code == 405
    assert rows() == before


def test_no_moderation_address_offers_to_edit_or_delete_a_log_entry():
    from community.moderation.urls import urlpatterns

    names = {pattern.name for pattern in urlpatterns}
    assert not {name for name in names if re.search(r"edit|delete|update|change", name or "")}


# --- Flagging -------------------------------------------------------------------------------


def test_a_member_gets_the_flag_form_with_every_reason(client, post, peer):
    client.force_login(peer)

    response = client.get(flag_url(post))

    assert response.status_code == 200
    page = text_of(response)
    assert "Raise a concern" in page
    for _value, label in Reason.choices:
        assert str(label) in page


def test_flagging_through_the_form_thanks_the_member_and_returns_to_the_post(client, post, peer):
    client.force_login(peer)

    response = client.post(flag_url(post), {"reason": "third_party", "note": "  Her name.  "})

    assert response.status_code == 302
    assert response.url == reverse("forum:post_link", kwargs={"post_id": post.pk})
    flag = Flag.objects.get()
    assert (flag.reporter, flag.reason, flag.note) == (peer, Reason.THIRD_PARTY, "Her name.")
    landing = client.get(response.url, follow=True)
    assert landing.redirect_chain[-1][0].endswith(f"#post-{post.number}")
    assert "Thank you. Moderators will look at it soon" in text_of(landing)


def test_flagging_twice_through_the_form_keeps_one_flag_and_says_so(client, post, peer):
    client.force_login(peer)
    client.post(flag_url(post), {"reason": "spam"})

    response = client.post(flag_url(post), {"reason": "harassment"}, follow=True)

    assert "You have already flagged this." in text_of(response)
    assert list(Flag.objects.values_list("reason", flat=True)) == ["spam"]


def test_flagging_your_own_post_through_the_form_writes_nothing(client, post, member):
    client.force_login(member)

    response = client.post(flag_url(post), {"reason": "spam"}, follow=True)

    assert "You cannot flag your own words." in text_of(response)
    assert not Flag.objects.exists()
    assert not ModerationItem.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{"note": "no reason"}, {"reason": "boring"}, {"reason": "spam", "note": "x" * 501}],
    ids=["no-reason", "unknown-reason", "note-too-long"],
)
def test_an_invalid_flag_form_is_shown_again_with_400_and_nothing_is_written(
    client, post, peer, data
):
    client.force_login(peer)

    response = client.post(flag_url(post), data)

    assert response.status_code == 400
    assert not Flag.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "staff", "removed_member"])
def test_people_outside_the_group_get_404_from_the_flag_form_and_write_nothing(
    client, request, post, who
):
    client.force_login(request.getfixturevalue(who))

    assert client.get(flag_url(post)).status_code == 404
    assert client.post(flag_url(post), {"reason": "spam"}).status_code == 404
    assert not Flag.objects.exists()
    assert not ModerationItem.objects.exists()


def test_unknown_kinds_and_ids_get_404(client, post, peer):
    client.force_login(peer)
    missing = reverse("moderation:flag", kwargs={"kind": KIND, "object_id": post.pk + 1000})

    assert client.get(flag_url(post, kind="chat.message")).status_code == 404
    assert client.post(flag_url(post, kind="nothing"), {"reason": "spam"}).status_code == 404
    assert client.get(missing).status_code == 404
    assert client.post(missing, {"reason": "spam"}).status_code == 404
    assert not Flag.objects.exists()


def test_the_flag_form_asks_a_logged_out_visitor_to_sign_in(client, post):
    response = client.post(flag_url(post), {"reason": "spam"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not Flag.objects.exists()


# --- The Flag link on the thread page -------------------------------------------------------


def flag_links(client, user, post) -> list[str]:
    client.force_login(user)
    html = client.get(post.thread.get_absolute_url()).content.decode()
    return re.findall(r'href="(/moderation/flag/[^"]+)"', html)


def test_members_see_a_flag_link_on_other_peoples_posts_but_not_their_own(
    client, post, member, peer
):
    own = forum.reply(author=peer, thread=post.thread, body="Mine.")

    # Each with its "ask a clinician to check" twin.
    assert flag_links(client, peer, post) == [
        flag_url(post),
        f"{flag_url(post)}?reason=health_claim",
    ]
    assert flag_links(client, member, post) == [
        flag_url(own),
        f"{flag_url(own)}?reason=health_claim",
    ]


def test_there_is_no_flag_link_on_a_deleted_or_removed_post(
    client, post, member, peer, moderator, group
):
    deleted = forum.reply(author=member, thread=post.thread, body="Oops.")
    forum.delete_post(actor=member, post=deleted)
    item = flag_post(post, peer)
    moderation.act(moderator=moderator, item=item, action=Action.REMOVE, reason="Names a person")

    assert flag_links(client, peer, post) == []
