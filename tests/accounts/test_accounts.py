"""Accounts: pseudonyms, language and time zone, login that reveals nothing."""

import pytest
from django.core import mail
from django.urls import reverse

from community.accounts.forms import PreferencesForm
from tests.conftest import PASSWORD


def test_peers_see_the_display_name_not_the_email(member):
    assert str(member) == member.display_name
    assert member.email not in str(member)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("ab", "at least 3 characters"),
        ("me@example.test", "cannot contain"),
        ("MEMBER OF GROUP", "already taken"),
    ],
)
def test_a_bad_display_name_gets_a_clear_error(make_user, member, name, error):
    user = make_user()
    form = PreferencesForm(
        {"display_name": name, "language": "en", "time_zone": "Europe/Stockholm"}, user=user
    )
    assert not form.is_valid()
    assert error in str(form.errors["display_name"])


def test_members_save_their_preferences(client, member):
    client.force_login(member)
    response = client.post(
        reverse("accounts:preferences"),
        {"display_name": "Evening swimmer", "language": "nl", "time_zone": "Europe/Amsterdam"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.display_name, member.language, member.time_zone) == (
        "Evening swimmer",
        "nl",
        "Europe/Amsterdam",
    )


def test_an_unknown_time_zone_is_refused_and_nothing_changes(client, member):
    client.force_login(member)
    response = client.post(
        reverse("accounts:preferences"),
        {"display_name": "Evening swimmer", "language": "nl", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    member.refresh_from_db()
    assert member.display_name == "Member of group"


def test_the_language_picker_saves_the_choice_on_the_member(client, member):
    client.force_login(member)
    response = client.post(
        reverse("accounts:set_language"), {"language": "sv", "next": "/groups/x/"}
    )
    assert response["Location"] == "/groups/x/"
    member.refresh_from_db()
    assert member.language == "sv"
    page = client.get(reverse("home"))
    assert '<html lang="sv">' in page.content.decode()
    assert "Mina grupper" in page.content.decode()


def test_the_language_picker_works_before_login_with_a_cookie(client, db):
    response = client.post(reverse("accounts:set_language"), {"language": "nb", "next": "/"})
    assert response.cookies["django_language"].value == "nb"
    page = client.get(reverse("account_login"))
    assert '<html lang="nb">' in page.content.decode()


def test_the_language_picker_refuses_unknown_languages_and_foreign_redirects(client, member):
    client.force_login(member)
    response = client.post(
        reverse("accounts:set_language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    member.refresh_from_db()
    assert member.language == "en"


def test_login_failure_does_not_reveal_whether_the_email_exists(client, member):
    known = client.post(reverse("account_login"), {"login": member.email, "password": "wrong"})
    unknown = client.post(
        reverse("account_login"), {"login": "nobody@example.test", "password": "wrong"}
    )
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors


def test_password_reset_does_not_reveal_whether_the_email_exists(client, member):
    known = client.post(reverse("account_reset_password"), {"email": member.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # The unknown address gets nothing that would let a third party tell the difference.
    assert [message.to for message in mail.outbox] == [[member.email]]


def test_repeated_failed_logins_are_rate_limited(client, member):
    for _attempt in range(10):
        client.post(reverse("account_login"), {"login": member.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
