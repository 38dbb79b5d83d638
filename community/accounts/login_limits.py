"""Limits on wrong passwords that stop guessing without locking a member out.

allauth's default counts failed logins per client address and per login address, and the
second lets a stranger lock a member out: five wrong passwords for someone's address and
nobody may log in to that account for five minutes, the member on their own phone included.
Here a password attempt is counted (ACCOUNT_RATE_LIMITS, allauth's format, allauth's cache):

- from a device not known for the account: per client address (`login_failed_address`), per
  client address and account (`login_failed_address_account`) and per account
  (`login_failed_account`, which stops guessing spread over many addresses);
- from a device known for the account: per device and account only (`login_failed_device`),
  a count no stranger can add to.

A device is known for an account once it has logged in to it, or completed the e-mailed
password reset for it: it then carries a signed, long-lived, HttpOnly cookie holding a random
device id and a keyed hash of each such account (never the e-mail address). As in allauth, an
attempt with the right password is not counted.
"""

import secrets
from dataclasses import dataclass, field

from allauth.account.utils import filter_users_by_email
from allauth.core.internal import ratelimit
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

COOKIE_NAME = "known_device"
COOKIE_SALT = "community.accounts.known_device"
ACCOUNT_HASH_SALT = "community.accounts.known_device.account"
# A shared tablet: the last few accounts that logged in from it stay known.
ACCOUNTS_PER_DEVICE = 5
REMEMBER_ON_REQUEST = "_known_device_accounts"

UNKNOWN_DEVICE_LIMITS = (
    "login_failed_address",
    "login_failed_address_account",
    "login_failed_account",
)
KNOWN_DEVICE_LIMITS = ("login_failed_device",)


class TooManyFailedLogins(Exception):
    """Raised before a password is checked when one of its limits is used up."""


def client_address(request: HttpRequest) -> str:
    """Return the client's address as every limit on the site sees it.

    allauth's own reading (the adapter's `get_client_ip`: the TCP peer, or the entry
    ALLAUTH_TRUSTED_PROXY_COUNT places from the right of X-Forwarded-For), with an IPv6
    address cut to its network (ALLAUTH_RATE_LIMIT_IPV6_PREFIX) as allauth's limits do.
    """
    return ratelimit.get_ip(request)


@dataclass
class LoginAttempt:
    """One counted password attempt; `forgive()` it when the password was right."""

    usages: list = field(default_factory=list)

    def forgive(self) -> None:
        """Take this attempt back off every count it was added to."""
        for usage in self.usages:
            usage.rollback()


def count_attempt(request: HttpRequest, *, email: str) -> LoginAttempt:
    """Count a password attempt for this address, or raise TooManyFailedLogins."""
    login = email.strip().lower()
    device = known_device_for(request, login)
    if device:
        keys = {"login_failed_device": f"{device}:{login}"}
    else:
        keys = {
            "login_failed_address": None,
            "login_failed_address_account": f"{client_address(request)}:{login}",
            "login_failed_account": login,
        }
    attempt = LoginAttempt()
    for action, key in keys.items():
        usage = ratelimit.consume(request, app="allauth.account", action=action, key=key)
        if usage is None:
            attempt.forgive()  # a refused attempt counts nowhere
            raise TooManyFailedLogins
        attempt.usages.append(usage)
    return attempt


def account_hash(user) -> str:
    """Name an account in the device cookie without its address or id."""
    return salted_hmac(ACCOUNT_HASH_SALT, str(user.pk)).hexdigest()[:32]


def read_device(request: HttpRequest) -> tuple[str, list[str]] | None:
    """Return (device id, account hashes) from the device cookie, if it is valid."""
    value = request.get_signed_cookie(
        COOKIE_NAME,
        default=None,
        salt=COOKIE_SALT,
        max_age=settings.KNOWN_DEVICE_DAYS * 24 * 60 * 60,
    )
    if not value:
        return None
    device, *accounts = value.split(".")
    return (device, accounts) if device else None


def known_device_for(request: HttpRequest, login: str) -> str | None:
    """Return this browser's device id if it is known for the account of `login`."""
    device = read_device(request)
    if device is None:
        return None
    device_id, accounts = device
    users = filter_users_by_email(login) if login else []
    if any(account_hash(user) in accounts for user in users):
        return device_id
    return None


def remember_device(request: HttpRequest, user) -> None:
    """Make this browser a known device for `user` (the cookie goes out with the response)."""
    if request is not None and user is not None:
        remembered = getattr(request, REMEMBER_ON_REQUEST, [])
        setattr(request, REMEMBER_ON_REQUEST, [*remembered, account_hash(user)])


def set_device_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """Write the device cookie if this request made the browser known for an account."""
    new = getattr(request, REMEMBER_ON_REQUEST, None)
    if not new:
        return
    device_id, accounts = read_device(request) or (secrets.token_urlsafe(16), [])
    accounts = list(dict.fromkeys([*reversed(new), *accounts]))[:ACCOUNTS_PER_DEVICE]
    response.set_signed_cookie(
        COOKIE_NAME,
        ".".join([device_id, *accounts]),
        salt=COOKIE_SALT,
        max_age=settings.KNOWN_DEVICE_DAYS * 24 * 60 * 60,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def on_login_or_password_reset(sender, request=None, user=None, **kwargs) -> None:
    """Receive user_logged_in and allauth's password_reset: this device is now known."""
    remember_device(request, user)
