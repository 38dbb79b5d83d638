"""The forum tells people: followers about replies, members about @mentions (once each),
never the author, never a non-member (and without revealing that anyone was left out)."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from community.forum import services as forum
from community.forum.mentions import mentioned_members, suggest_members
from community.forum.models import ThreadFollow
from community.notifications import services
from community.notifications.models import Notification

from .conftest import SECRET, bell_count, notifications_of, remove_from_group


@pytest.fixture(autouse=True)
def quiet_pushes(pushes):
    """No channel layer is needed here; pushes are only recorded."""
    return pushes


def kinds_by_recipient() -> dict[str, list[str]]:
    rows = Notification.objects.select_related("recipient").order_by("pk")
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.recipient.display_name, []).append(row.kind)
    return found


# --- Replies to followers -----------------------------------------------------------------


def test_a_reply_notifies_each_follower_once_but_not_its_author(member, peer, third, thread):
    forum.set_following(user=third, thread=thread, follow=True)

    forum.reply(author=peer, thread=thread, body="Same here.")

    assert kinds_by_recipient() == {
        "Member of group": ["forum.reply"],
        "Third Tove": ["forum.reply"],
    }


def test_replying_makes_the_author_a_follower_who_hears_of_later_replies(member, peer, thread):
    forum.reply(author=peer, thread=thread, body="Same here.")
    forum.reply(author=member, thread=thread, body="Thank you.")

    assert [row.kind for row in notifications_of(peer)] == ["forum.reply"]
    assert notifications_of(peer).get().actor == member


def test_starting_a_thread_notifies_nobody(member, peer, group):
    forum.create_thread(author=member, group=group, title="Hello all", body="Hi.")

    assert not Notification.objects.exists()


def test_a_member_who_unfollowed_hears_nothing(member, peer, thread):
    forum.set_following(user=member, thread=thread, follow=False)

    forum.reply(author=peer, thread=thread, body="Same here.")

    assert not Notification.objects.exists()


def test_the_reply_notification_points_at_the_post_in_its_group(member, peer, group, thread):
    post = forum.reply(author=peer, thread=thread, body="Same here.")

    row = notifications_of(member).get()
    assert (row.group, row.actor, row.actor_hidden) == (group, peer, False)
    assert row.target == f"forum.post:{post.pk}"
    assert row.url == reverse("forum:post_link", kwargs={"post_id": post.pk})


def test_a_notification_still_leads_to_the_post_after_its_thread_moved(
    client, member, peer, group, thread, make_group, make_user, join
):
    from community.groups.models import Role

    post = forum.reply(author=peer, thread=thread, body="Same here.")
    target = make_group()
    moderator = make_user(mfa=True)
    join(moderator, group, role=Role.MODERATOR)
    join(moderator, target, role=Role.MODERATOR)
    join(member, target)
    forum.move_thread(moderator=moderator, thread=thread, target=target)
    client.force_login(member)

    response = client.get(notifications_of(member).get().url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/groups/{target.slug}/threads/{thread.pk}/")
    assert response["Location"].endswith(f"#post-{post.number}")


def test_a_reply_posted_through_the_page_notifies_the_follower(client, member, peer, thread):
    client.force_login(peer)

    response = client.post(
        reverse("forum:post_reply", kwargs={"slug": thread.group.slug, "thread_id": thread.pk}),
        {"body": "Same here."},
    )

    assert response.status_code == 302
    assert [row.kind for row in notifications_of(member)] == ["forum.reply"]


def test_a_refused_reply_notifies_nobody(member, muted_member, thread):
    with pytest.raises(PermissionDenied):
        forum.reply(author=muted_member, thread=thread, body=f"@Member of group {SECRET}")

    assert not Notification.objects.exists()


def test_an_invalid_reply_notifies_nobody(member, peer, thread):
    with pytest.raises(ValidationError):
        forum.reply(author=peer, thread=thread, body="   ")

    assert not Notification.objects.exists()


# --- With the reply's transaction ---------------------------------------------------------


def test_a_reply_is_notified_once_on_commit(
    member, peer, thread, quiet_pushes, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        forum.reply(author=peer, thread=thread, body=f"@Member of group {SECRET}")
        assert notifications_of(member).count() == 1
        assert (quiet_pushes, mailoutbox) == ([], [])

    assert notifications_of(member).count() == 1
    assert quiet_pushes == [member.pk]
    assert len(mailoutbox) == 1


def test_a_reply_whose_transaction_rolls_back_leaves_no_notification_push_or_e_mail(
    member, peer, third, thread, quiet_pushes, mailoutbox, django_capture_on_commit_callbacks
):
    forum.set_following(user=third, thread=thread, follow=True)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        forum.reply(author=peer, thread=thread, body=f"@Member of group {SECRET}")
        raise RuntimeError("something after the reply failed")

    assert not Notification.objects.exists()
    assert callbacks == []
    assert quiet_pushes == []
    assert mailoutbox == []


# --- Mentions -----------------------------------------------------------------------------


def test_a_mentioned_member_is_notified(member, peer, third, thread):
    forum.reply(author=peer, thread=thread, body=f"@Third Tove {SECRET}")

    assert notifications_of(third, "forum.mention").count() == 1
    assert notifications_of(third).count() == 1


def test_a_mentioned_follower_is_notified_once_of_the_mention_not_also_of_the_reply(
    member, peer, thread
):
    forum.reply(author=peer, thread=thread, body=f"@Member of group, {SECRET}")

    assert [row.kind for row in notifications_of(member)] == ["forum.mention"]


def test_mentioning_someone_twice_notifies_them_once(member, peer, third, thread):
    forum.reply(author=peer, thread=thread, body="@Third Tove and again @third tove!")

    assert notifications_of(third).count() == 1


def test_mentions_ignore_case_and_need_the_whole_name(member, make_user, join, group, thread):
    ann = make_user(display_name="Ann")
    anna = make_user(display_name="Anna")
    join(ann, group)
    join(anna, group)

    forum.reply(author=member, thread=thread, body="Thanks @ANNA.")

    assert notifications_of(anna).count() == 1
    assert not notifications_of(ann).exists()


def test_a_mention_in_the_first_post_of_a_thread_notifies(member, peer, group):
    forum.create_thread(author=member, group=group, title="A question", body="@Peer Petra, hi")

    assert [row.kind for row in notifications_of(peer)] == ["forum.mention"]


def test_mentioning_yourself_notifies_nobody(member, peer, thread):
    forum.reply(author=peer, thread=thread, body="@Peer Petra talking to myself")

    assert not notifications_of(peer).exists()
    assert [row.kind for row in notifications_of(member)] == ["forum.reply"]


def test_a_muted_member_who_can_still_read_is_notified_of_a_mention(member, muted_member, thread):
    forum.reply(author=member, thread=thread, body="@Muted Mats hello")

    assert notifications_of(muted_member, "forum.mention").count() == 1


def test_mentioning_a_non_member_does_nothing(member, peer, outsider, thread):
    forum.reply(author=peer, thread=thread, body=f"@Outsider Otto {SECRET}")

    assert not notifications_of(outsider).exists()
    assert [row.kind for row in notifications_of(member)] == ["forum.reply"]


def test_mentioning_a_removed_member_does_nothing(member, peer, removed_member, thread):
    forum.reply(author=peer, thread=thread, body="@Removed Rut are you there?")

    assert not notifications_of(removed_member).exists()


def test_mentioning_someone_only_in_another_group_does_nothing_even_if_they_exist(
    member, outsider, other_group, group
):
    assert mentioned_members("@Outsider Otto", group) == []
    assert mentioned_members("@Outsider Otto", other_group) == [outsider]


def reply_page_after(client, author, thread, body: str) -> tuple[int, int, str]:
    """Post a reply through the page; return both statuses and the page it led to."""
    client.force_login(author)
    url = reverse("forum:post_reply", kwargs={"slug": thread.group.slug, "thread_id": thread.pk})
    response = client.post(url, {"body": body})
    followed = client.get(response["Location"])
    return response.status_code, followed.status_code, followed.content.decode()


def normalised(html: str, name: str) -> str:
    """The post's HTML with the name, ids and the (per-request) CSRF token and form keys
    blanked out."""
    html = re.sub(r'name="(csrfmiddlewaretoken|submission_key)" value="[^"]*"', "TOKEN", html)
    return re.sub(r"\d+", "N", html.replace(name, "NAME"))


def test_the_page_reveals_nothing_about_a_mentioned_non_member(
    client, member, peer, outsider, group
):
    first = forum.create_thread(author=member, group=group, title="First", body="Hi.")
    second = forum.create_thread(author=member, group=group, title="First", body="Hi.")

    outsider_case = reply_page_after(client, peer, first, "@Outsider Otto hello")
    nobody_case = reply_page_after(client, peer, second, "@Nobody Atall hello")

    assert outsider_case[:2] == nobody_case[:2] == (302, 200)
    assert "Your reply was posted." in outsider_case[2]
    # The whole page the author lands on is the same, but for the name typed.
    assert normalised(outsider_case[2], "Outsider Otto") == normalised(
        nobody_case[2], "Nobody Atall"
    )
    assert not notifications_of(outsider).exists()


def test_an_anonymous_post_hides_its_author_in_the_notification(member, peer, third, thread):
    forum.reply(author=peer, thread=thread, body="@Third Tove me too", anonymous=True)

    for row in Notification.objects.all():
        assert row.actor_hidden is True
        assert services.describe(row).startswith("A group member ")
        assert "Peer Petra" not in services.describe(row)


def test_an_anonymous_post_hides_its_author_on_the_list_page(client, member, peer, thread):
    forum.reply(author=peer, thread=thread, body="Same here.", anonymous=True)
    client.force_login(member)

    html = client.get(reverse("notifications:list")).content.decode()

    assert "A group member replied in a thread you follow" in html
    assert "Peer Petra" not in html


# --- Mention suggestions ------------------------------------------------------------------


def suggestions(client, user, group, prefix: str):
    client.force_login(user)
    return client.get(
        reverse("forum:mention_suggestions", kwargs={"slug": group.slug}), {"q": prefix}
    )


def test_suggestions_list_current_members_of_the_group_only(
    client, member, peer, muted_member, removed_member, outsider, group
):
    everyone = suggestions(client, member, group, "")

    assert everyone.status_code == 200
    assert everyone.json() == {"names": ["Member of group", "Muted Mats", "Peer Petra"]}


def test_suggestions_match_the_start_of_a_name_with_or_without_the_at_sign(
    client, member, peer, group
):
    assert suggestions(client, member, group, "pe").json() == {"names": ["Peer Petra"]}
    assert suggestions(client, member, group, "@Pe").json() == {"names": ["Peer Petra"]}


def test_a_non_members_name_gets_the_same_empty_answer_as_a_name_nobody_has(
    client, member, outsider, removed_member, group
):
    for prefix in ("Outsider", "Removed", "Zzz"):
        assert suggestions(client, member, group, prefix).json() == {"names": []}


def test_suggestions_are_limited_in_number(client, member, make_user, join, group):
    for n in range(12):
        join(make_user(display_name=f"Walker {n:02}"), group)

    names = suggestions(client, member, group, "walker").json()["names"]

    assert len(names) == 8
    assert names == sorted(names)


def test_a_non_member_cannot_list_a_groups_members(client, outsider, removed_member, group):
    assert suggestions(client, outsider, group, "").status_code == 404
    assert suggestions(client, removed_member, group, "").status_code == 404


def test_suggestions_require_logging_in(client, group):
    response = client.get(reverse("forum:mention_suggestions", kwargs={"slug": group.slug}))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_suggest_members_never_returns_someone_from_another_group(member, outsider, group):
    assert suggest_members(group, "Out") == []


# --- Removed members ----------------------------------------------------------------------


def test_a_removed_follower_gets_no_more_notifications_from_the_group(member, peer, thread):
    remove_from_group(member, thread.group)
    assert ThreadFollow.objects.filter(user=member, thread=thread).exists()

    forum.reply(author=peer, thread=thread, body=f"@Member of group {SECRET}")

    assert not notifications_of(member).exists()


def test_a_removed_members_old_notification_leads_to_a_404(client, member, peer, thread):
    forum.reply(author=peer, thread=thread, body=f"@Member of group {SECRET}")
    old = notifications_of(member).get()
    remove_from_group(member, thread.group)
    client.force_login(member)

    opened = client.get(reverse("notifications:open", kwargs={"pk": old.pk}))
    target = client.get(opened["Location"])

    assert opened.status_code == 302
    assert target.status_code == 404
    assert SECRET not in target.content.decode()


def test_a_member_of_two_groups_removed_from_one_still_hears_from_the_other(
    member, peer, make_group, join, thread
):
    kept = make_group("Another group")
    join(member, kept)
    join(peer, kept)
    kept_thread = forum.create_thread(author=member, group=kept, title="Still here", body="Hi.")
    remove_from_group(member, thread.group)

    forum.reply(author=peer, thread=thread, body="Same here.")
    forum.reply(author=peer, thread=kept_thread, body="Same here.")

    assert [row.group for row in notifications_of(member)] == [kept]


# --- The bell follows -------------------------------------------------------------------


def test_the_bell_counts_replies_and_mentions_as_they_arrive(client, member, peer, third, thread):
    client.force_login(member)
    home = reverse("home")
    assert bell_count(client.get(home).content.decode()) == 0

    forum.reply(author=peer, thread=thread, body="Same here.")
    forum.reply(author=third, thread=thread, body="@Member of group welcome")

    assert bell_count(client.get(home).content.decode()) == 2
