"""Limits on wrong passwords: they slow a stranger down and never lock a member out.

Seen by a logged-out visitor at the login page. Each `Client` is one browser (device); each
REMOTE_ADDR one client address. The numbers are the settings' (ACCOUNT_RATE_LIMITS):
10 a minute per address, 5 in 5 minutes per address and account, 20 an hour per account
from unknown devices, 5 in 5 minutes per known device and account.
"""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from community.accounts import login_limits
from tests.conftest import PASSWORD, current_totp_code

REFUSED = "Too many failed login attempts"
NEW_PASSWORD = "another-long-test-password-43"


def log_in(browser: Client, email: str, password: str, address="198.51.100.7", **headers):
    """Post the login form from `address`; return the response."""
    return browser.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response.client.session.get("_auth_user_id")


def refused(response) -> bool:
    return response.status_code == 200 and REFUSED in response.content.decode()


def known_device(member, address="198.51.100.7") -> Client:
    """A browser the member has logged in with before (and logged out of)."""
    phone = Client()
    assert logged_in(log_in(phone, member.email, PASSWORD, address))
    phone.post(reverse("account_logout"))
    assert login_limits.COOKIE_NAME in phone.cookies
    return phone


def strangers_guesses(email: str, count: int, *, addresses=None) -> None:
    """Wrong passwords for `email`, each from a fresh browser, from one or many addresses."""
    for number in range(count):
        address = addresses(number) if addresses else "203.0.113.66"
        log_in(Client(), email, f"guess-{number}", address)


def spread_address(number: int) -> str:
    return f"203.0.{number // 200}.{number % 200 + 1}"


# --- The member is not locked out ---------------------------------------------------------


def test_a_strangers_wrong_passwords_from_many_addresses_do_not_block_the_member_on_a_known_device(
    member,
):
    phone = known_device(member)
    strangers_guesses(member.email, 30, addresses=spread_address)
    assert refused(log_in(Client(), member.email, PASSWORD, "192.0.2.1"))  # the account limit
    assert logged_in(log_in(phone, member.email, PASSWORD))


def test_a_strangers_wrong_passwords_from_the_members_own_address_do_not_block_the_member(
    member,
):
    phone = known_device(member, address="198.51.100.7")
    strangers_guesses(member.email, 12, addresses=lambda number: "198.51.100.7")
    assert refused(log_in(Client(), member.email, PASSWORD, "198.51.100.7"))
    assert logged_in(log_in(phone, member.email, PASSWORD, "198.51.100.7"))


def test_a_members_own_typos_before_logging_in_do_not_count_against_the_next_login(member):
    phone = Client()
    for _typo in range(4):
        log_in(phone, member.email, "typo")
    assert logged_in(log_in(phone, member.email, PASSWORD))
    phone.post(reverse("account_logout"))
    for _typo in range(4):
        log_in(phone, member.email, "typo")
    assert logged_in(log_in(phone, member.email, PASSWORD))


def test_a_known_device_still_gets_only_five_wrong_passwords_in_five_minutes(member):
    phone = known_device(member)
    for _guess in range(5):
        assert not refused(log_in(phone, member.email, "wrong"))
    assert refused(log_in(phone, member.email, PASSWORD))


def test_a_device_known_for_one_account_is_a_stranger_to_another(member, make_user):
    phone = known_device(member)
    other = make_user()
    strangers_guesses(other.email, 30, addresses=spread_address)
    assert refused(log_in(phone, other.email, PASSWORD))


def test_a_forged_device_cookie_counts_as_an_unknown_device(member):
    strangers_guesses(member.email, 30, addresses=spread_address)
    forged = Client()
    # The right account hash, but not signed with the site's key.
    forged.cookies[login_limits.COOKIE_NAME] = f"device.{login_limits.account_hash(member)}"
    assert refused(log_in(forged, member.email, PASSWORD))


def test_the_device_cookie_is_signed_http_only_and_names_no_address(member):
    phone = known_device(member)
    cookie = phone.cookies[login_limits.COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 180 * 24 * 60 * 60
    assert member.email not in cookie.value
    assert login_limits.account_hash(member) in cookie.value


# --- The stranger is slowed down ----------------------------------------------------------


def test_a_stranger_gets_five_wrong_passwords_per_address_and_account(member):
    stranger = Client()
    for _guess in range(5):
        assert not refused(log_in(stranger, member.email, "guess", "203.0.113.66"))
    assert refused(log_in(stranger, member.email, PASSWORD, "203.0.113.66"))
    # Another address may still try (until the account-wide limit).
    assert not refused(log_in(Client(), member.email, "guess", "203.0.113.67"))


def test_a_stranger_gets_ten_wrong_passwords_a_minute_per_address_across_accounts(make_user):
    stranger = Client()
    for number in range(10):
        assert not refused(log_in(stranger, f"someone{number}@example.test", "guess"))
    victim = make_user()
    assert refused(log_in(stranger, victim.email, PASSWORD))


def test_from_an_unknown_device_the_account_wide_limit_still_applies(member):
    strangers_guesses(member.email, 20, addresses=spread_address)
    response = log_in(Client(), member.email, PASSWORD, "192.0.2.1")
    assert refused(response)
    assert "_auth_user_id" not in response.client.session


def test_an_address_without_an_account_is_limited_like_one_with_an_account(member):
    strangers_guesses("nobody@example.test", 20, addresses=spread_address)
    strangers_guesses(member.email, 20, addresses=spread_address)
    nobody = log_in(Client(), "nobody@example.test", "guess", "192.0.2.1")
    somebody = log_in(Client(), member.email, "guess", "192.0.2.1")
    assert refused(nobody) and refused(somebody)
    assert nobody.context["form"].errors == somebody.context["form"].errors


def test_a_refusal_is_shown_in_the_visitors_language(member):
    strangers_guesses(member.email, 20, addresses=spread_address)
    response = log_in(Client(), member.email, PASSWORD, "192.0.2.1", HTTP_ACCEPT_LANGUAGE="sv")
    assert "För många misslyckade inloggningsförsök" in response.content.decode()


# --- A password reset by e-mail makes the device known ------------------------------------


def test_a_completed_password_reset_makes_the_device_known(member):
    strangers_guesses(member.email, 30, addresses=spread_address)
    laptop = Client()
    assert refused(log_in(laptop, member.email, PASSWORD, "192.0.2.1"))

    laptop.post(reverse("account_reset_password"), {"email": member.email})
    link = re.search(r"https?://\S+/password/reset/key/\S+", mail.outbox[-1].body).group(0)
    form = laptop.get(link)
    assert form.status_code == 302
    done = laptop.post(form.url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert login_limits.COOKIE_NAME in laptop.cookies

    assert logged_in(log_in(laptop, member.email, NEW_PASSWORD, "192.0.2.1"))


def test_an_abandoned_password_reset_does_not_make_the_device_known(member):
    laptop = Client()
    laptop.post(reverse("account_reset_password"), {"email": member.email})
    assert login_limits.COOKIE_NAME not in laptop.cookies


# --- The client's address cannot be chosen by the client ----------------------------------


def test_rotating_x_forwarded_for_does_not_help_the_stranger_per_address_and_account(member):
    stranger = Client()
    for number in range(5):
        log_in(stranger, member.email, "guess", HTTP_X_FORWARDED_FOR=f"10.9.8.{number}")
    assert refused(log_in(stranger, member.email, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9"))


def test_rotating_x_forwarded_for_does_not_help_the_stranger_per_address(make_user):
    stranger = Client()
    for number in range(10):
        log_in(
            stranger,
            f"someone{number}@example.test",
            "guess",
            HTTP_X_FORWARDED_FOR=f"10.9.8.{number}",
        )
    victim = make_user()
    assert refused(log_in(stranger, victim.email, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9"))


def test_without_trusted_proxies_the_client_address_is_the_peers(rf, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    request = rf.post("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert login_limits.client_address(request) == "198.51.100.7"


def test_behind_one_trusted_proxy_the_client_address_is_the_one_it_added(rf, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7")
    assert login_limits.client_address(request) == "198.51.100.7"


# --- Two-factor is still asked for ---------------------------------------------------------


def test_a_known_device_still_asks_staff_for_their_two_factor_code(client, staff):
    log_in(client, staff.email, PASSWORD)
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code()})
    assert client.session.get("_auth_user_id") == str(staff.pk)
    client.post(reverse("account_logout"))
    response = log_in(client, staff.email, PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


@pytest.fixture(autouse=True)
def counted_addresses(settings):
    """The limits these tests are written against, whatever settings.py says later."""
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_address": "10/m/ip,60/h/ip",
        "login_failed_address_account": "5/5m/key",
        "login_failed_account": "20/h/key",
        "login_failed_device": "5/5m/key",
    }
