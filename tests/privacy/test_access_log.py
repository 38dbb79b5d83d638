"""The member's access log: every privileged look at their data, shown to them and nobody else."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.forum import services as forum
from community.privacy.models import AccessRecord
from community.privacy.services import close_account, record_access

LOG = "/privacy/access-log/"
REVEALED = "Revealed the author of an anonymous post"
HISTORY = "Viewed the edit history of a post"
ACCOUNT = "Opened your account details"


@pytest.fixture
def anonymous_post(member, group):
    thread = forum.create_thread(
        author=member, group=group, title="Hard to say", body="Said anonymously", anonymous=True
    )
    post = thread.posts.get()
    forum.edit_post(editor=member, post=post, body="Said anonymously, edited")
    return post


@pytest.fixture
def admin_user(make_user):
    return make_user(mfa=True, is_staff=True, is_superuser=True, display_name="Admin Astrid")


def log_page(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(LOG, params)
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.DOTALL)
    if body is None:
        return []
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.DOTALL)
    ]


def post_url(name: str, post) -> str:
    return reverse(name, kwargs={"slug": post.thread.group.slug, "post_id": post.pk})


def test_the_address_is_privacy_access_log():
    assert reverse("privacy:access_log") == LOG


def test_a_member_nobody_looked_at_sees_an_empty_log(client, member):
    html = log_page(client, member)

    assert "Nobody has looked at your private data." in html
    assert rows(html) == []


def test_a_logged_out_visitor_is_sent_to_log_in(client):
    response = client.get(LOG)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Moderators' looks in the forum -------------------------------------------------------


def test_revealing_an_anonymous_author_shows_on_the_authors_log(
    client, member, moderator, anonymous_post, group
):
    client.force_login(moderator)
    assert client.post(post_url("forum:post_author", anonymous_post)).status_code == 200

    [row] = rows(log_page(client, member))

    assert moderator.display_name in row
    assert REVEALED in row
    assert group.name in row


def test_viewing_the_edit_history_shows_on_the_authors_log(
    client, member, moderator, anonymous_post, group
):
    client.force_login(moderator)
    assert client.get(post_url("forum:post_history", anonymous_post)).status_code == 200

    record = AccessRecord.objects.get()
    assert (record.viewer, record.subject, record.reason) == (
        moderator,
        member,
        AccessRecord.Reason.VIEW_REVISIONS,
    )
    [row] = rows(log_page(client, member))
    assert moderator.display_name in row
    assert HISTORY in row


def test_the_log_lists_every_look_newest_first(client, member, moderator, anonymous_post):
    forum.reveal_author(viewer=moderator, post=anonymous_post)
    forum.record_history_view(viewer=moderator, post=anonymous_post)

    shown = rows(log_page(client, member))

    assert len(shown) == 2
    assert HISTORY in shown[0]
    assert REVEALED in shown[1]


def test_other_members_do_not_see_someone_elses_log(
    client, member, peer, moderator, anonymous_post
):
    forum.reveal_author(viewer=moderator, post=anonymous_post)
    forum.record_history_view(viewer=moderator, post=anonymous_post)

    html = log_page(client, peer)

    assert rows(html) == []
    assert moderator.display_name not in html
    assert REVEALED not in html
    assert HISTORY not in html
    assert "Nobody has looked at your private data." in html


def test_the_moderator_does_not_see_the_look_on_their_own_log(client, moderator, anonymous_post):
    forum.reveal_author(viewer=moderator, post=anonymous_post)

    assert rows(log_page(client, moderator)) == []


def test_a_viewer_whose_account_is_closed_shows_as_former_member(
    client, member, moderator, anonymous_post
):
    forum.reveal_author(viewer=moderator, post=anonymous_post)
    close_account(user=moderator, delete_content=False)

    [row] = rows(log_page(client, member))
    assert "Former member" in row
    assert "Moderator Maja" not in row


# --- Staff opening an account in the admin ---------------------------------------------------


def admin_change_url(user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def test_staff_opening_a_members_account_in_the_admin_is_recorded(client, admin_user, member):
    assert reverse("admin:accounts_user_change", args=[member.pk]) == admin_change_url(member)
    client.force_login(admin_user)

    response = client.get(admin_change_url(member))

    assert response.status_code == 200
    assert member.email in response.content.decode()
    record = AccessRecord.objects.get()
    assert (record.viewer, record.subject, record.reason) == (
        admin_user,
        member,
        AccessRecord.Reason.VIEW_ACCOUNT,
    )
    assert record.target == f"accounts.user:{member.pk}"
    assert record.group_id is None


def test_the_admins_list_of_accounts_shows_names_but_no_addresses(client, admin_user, member):
    client.force_login(admin_user)

    html = client.get("/admin/accounts/user/").content.decode()

    assert member.display_name in html
    assert member.email not in html
    assert not AccessRecord.objects.exists()


def test_the_member_sees_the_admins_look_on_their_log(client, admin_user, member):
    client.force_login(admin_user)
    client.get(admin_change_url(member))

    [row] = rows(log_page(client, member))

    assert ACCOUNT in row
    assert admin_user.display_name in row
    assert "—" in row  # no group


def test_the_admins_password_page_of_a_member_shows_their_address_and_is_recorded(
    client, admin_user, member
):
    """The page for setting a member's password is titled with their e-mail address: it is
    as much a look at their account as the change page."""
    client.force_login(admin_user)

    response = client.get(f"/admin/accounts/user/{member.pk}/password/")

    assert response.status_code == 200
    assert member.email in response.content.decode()
    assert AccessRecord.objects.filter(
        viewer=admin_user, subject=member, reason=AccessRecord.Reason.VIEW_ACCOUNT
    ).exists()


def test_each_opening_is_recorded(client, admin_user, member):
    client.force_login(admin_user)
    client.get(admin_change_url(member))
    client.get(admin_change_url(member))

    assert AccessRecord.objects.filter(subject=member).count() == 2


def test_staff_opening_their_own_account_is_not_recorded(client, admin_user):
    client.force_login(admin_user)

    assert client.get(admin_change_url(admin_user)).status_code == 200
    assert not AccessRecord.objects.exists()


def test_an_unknown_account_in_the_admin_records_nothing(client, admin_user):
    client.force_login(admin_user)

    client.get("/admin/accounts/user/999999/change/")

    assert not AccessRecord.objects.exists()


def test_a_member_who_is_not_staff_gets_no_admin_and_no_record(client, peer, member):
    client.force_login(peer)

    response = client.get(admin_change_url(member))

    assert response.status_code == 404  # no admin, and no redirect loop to the login
    assert not AccessRecord.objects.exists()


# --- Pagination and queries -------------------------------------------------------------------


def add_records(subject, post, make_user, count: int, *, start: int = 0) -> None:
    """`count` looks, each by a different viewer, alternating with and without a group."""
    for n in range(start, start + count):
        viewer = make_user(display_name=f"Viewer {n:02d}")
        record_access(
            viewer=viewer,
            subject=subject,
            reason=AccessRecord.Reason.REVEAL_ANONYMOUS_AUTHOR,
            target=post,
            group_id=post.thread.group_id if n % 2 else None,
        )


def test_the_log_shows_25_looks_a_page(client, member, anonymous_post, make_user):
    add_records(member, anonymous_post, make_user, 30)

    first = rows(log_page(client, member))
    second = rows(log_page(client, member, page=2))

    assert len(first) == 25
    assert len(second) == 5
    assert "Viewer 29" in first[0]  # newest first
    assert "Viewer 00" in second[-1]
    assert not set(first) & set(second)


def test_the_number_of_queries_does_not_grow_with_the_number_of_looks(
    client, member, anonymous_post, make_user, django_assert_num_queries
):
    add_records(member, anonymous_post, make_user, 3)
    client.force_login(member)
    client.get(LOG)  # warm the per-session and per-process caches
    with CaptureQueriesContext(connection) as few:
        assert len(rows(client.get(LOG).content.decode())) == 3

    add_records(member, anonymous_post, make_user, 27, start=3)

    with django_assert_num_queries(len(few.captured_queries)):
        assert len(rows(client.get(LOG).content.decode())) == 25
