"""The page that closes an account: a clear form, a recent login, then logged out for good."""

import pytest
from django.urls import reverse

from community.forum import services as forum
from community.forum.models import Post
from community.groups.models import Membership
from tests.conftest import PASSWORD
from tests.privacy.helpers import log_in_recently

URL = "/privacy/close/"
CHOOSE = "Please choose what happens to your posts."
CONFIRM = "Please confirm that you understand."


@pytest.fixture
def post(member, group):
    thread = forum.create_thread(
        author=member, group=group, title="My first winter", body="Cold hands every morning"
    )
    return thread.posts.get()


def is_untouched(user) -> bool:
    user.refresh_from_db()
    return (
        user.erased_at is None
        and user.is_active
        and user.has_usable_password()
        and Membership.objects.filter(user=user).exists()
    )


def test_the_address_is_privacy_close():
    assert reverse("privacy:close_account") == URL


def test_the_page_explains_and_offers_the_export_first(client, member):
    client.force_login(member)

    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("privacy:exports") in html
    assert 'name="content"' in html
    assert 'name="confirm"' in html


def test_a_logged_out_visitor_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, [CHOOSE, CONFIRM]),
        # What a browser sends when nothing is chosen: the CSRF token only.
        ({"csrfmiddlewaretoken": "from-the-page"}, [CHOOSE, CONFIRM]),
        ({"content": "delete"}, [CONFIRM]),
        ({"content": "keep"}, [CONFIRM]),
        ({"confirm": "on"}, [CHOOSE]),
        ({"content": "everything", "confirm": "on"}, ["Select a valid choice."]),
    ],
    ids=[
        "empty-body",
        "only-the-token",
        "delete-unconfirmed",
        "keep-unconfirmed",
        "no-choice",
        "bad-choice",
    ],
)
def test_an_incomplete_form_is_refused_with_a_clear_error_and_nothing_is_erased(
    client, member, post, data, errors
):
    log_in_recently(client, member)

    response = client.post(URL, data)

    html = response.content.decode()
    assert response.status_code == 400
    for error in errors:
        assert error in html
    assert is_untouched(member)
    assert Post.objects.get(pk=post.pk).body_source == "Cold hands every morning"
    assert client.session["_auth_user_id"] == str(member.pk)


def test_without_a_recent_login_the_member_is_asked_for_the_password_first(client, member, post):
    client.force_login(member)

    response = client.post(URL, {"content": "delete", "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert is_untouched(member)


def test_after_confirming_the_password_the_held_request_closes_the_account(client, member, post):
    client.force_login(member)
    first = client.post(URL, {"content": "delete", "confirm": "on"})

    response = client.post(first["Location"], {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:account_closed")
    member.refresh_from_db()
    assert member.erased_at is not None
    assert Post.objects.get(pk=post.pk).body_source == ""


def test_a_wrong_password_closes_nothing(client, member, post):
    client.force_login(member)
    first = client.post(URL, {"content": "delete", "confirm": "on"})

    client.post(first["Location"], {"password": "not-my-password"})

    assert is_untouched(member)


@pytest.mark.parametrize(
    ("choice", "text_after"),
    [("delete", ""), ("keep", "Cold hands every morning")],
)
def test_closing_logs_out_and_ends_on_the_closed_page(client, member, post, choice, text_after):
    log_in_recently(client, member)

    response = client.post(URL, {"content": choice, "confirm": "on"}, follow=True)

    assert response.redirect_chain == [(reverse("privacy:account_closed"), 302)]
    assert response.status_code == 200
    assert "Your account is closed" in response.content.decode()
    assert "_auth_user_id" not in client.session
    member.refresh_from_db()
    assert member.erased_at is not None
    assert not member.is_active
    assert Post.objects.get(pk=post.pk).body_source == text_after


def test_after_closing_the_members_pages_ask_for_a_login(client, member):
    log_in_recently(client, member)
    client.post(URL, {"content": "keep", "confirm": "on"})

    response = client.get(reverse("privacy:exports"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_closed_page_is_open_to_anyone(client, db):
    response = client.get(reverse("privacy:account_closed"))

    assert response.status_code == 200
    assert "Your account is closed" in response.content.decode()
