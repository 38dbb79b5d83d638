"""allauth's account adapter with this site's limits on wrong passwords (login_limits.py).

The site's adapter (ACCOUNT_ADAPTER, in groups: sign-up by invitation) builds on this one.
"""

from allauth.account.adapter import DefaultAccountAdapter

from . import login_limits


class LimitedLoginAccountAdapter(DefaultAccountAdapter):
    """Count wrong passwords per address, address and account, account, or known device.

    Replaces allauth's count per login address (a lock-out anyone could cause); allauth's
    `login_failed` limit is left to the two-factor step.
    """

    _login_attempt: login_limits.LoginAttempt | None = None

    def pre_authenticate(self, request, **credentials) -> None:
        """Count this password attempt, or refuse it when a limit is used up."""
        login = credentials.get("email") or credentials.get("username") or ""
        try:
            self._login_attempt = login_limits.count_attempt(request, email=login)
        except login_limits.TooManyFailedLogins:
            raise self.validation_error("too_many_login_attempts") from None

    def authenticate(self, request, **credentials):
        """Check the password; a right one does not count against any limit."""
        self._login_attempt = None
        user = super().authenticate(request, **credentials)
        if user is not None and self._login_attempt is not None:
            self._login_attempt.forgive()
        return user
