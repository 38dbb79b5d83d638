"""Two-factor authentication policy: who must have it, and the check privileged pages make.

Other apps tell this one which users are privileged (e.g. groups: moderators, clinicians and
group admins) by registering a check in their AppConfig.ready(); accounts imports nothing.
"""

import time
from collections.abc import Callable

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

PrivilegeCheck = Callable[[object], bool]
_privilege_checks: list[PrivilegeCheck] = []


class MFASetupRequired(Exception):
    """Raised by a privileged page when its user has not set up two-factor authentication."""


def register_privilege_check(check: PrivilegeCheck) -> None:
    """Add a rule that marks some users as privileged (and so needing MFA)."""
    if check not in _privilege_checks:
        _privilege_checks.append(check)


def is_privileged(user) -> bool:
    """Tell whether this user holds any role that requires two-factor authentication."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser or user.is_verified_clinician:
        return True
    return any(check(user) for check in _privilege_checks)


def has_mfa(user) -> bool:
    """Tell whether the user has an active TOTP authenticator."""
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def require_mfa(user) -> None:
    """Stop a privileged page for a user without two-factor authentication."""
    if not has_mfa(user):
        raise MFASetupRequired


def current_totp_code(secret: str) -> str:
    """Return the code an authenticator app shows now for this secret (demos and tests)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


class CommunityMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Privileged users may not switch off their only TOTP authenticator."""
        if authenticator.type != Authenticator.Type.TOTP:
            return True
        return not is_privileged(authenticator.user)
