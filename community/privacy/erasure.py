"""Closing an account: each app erases or anonymises what it holds about the member.

Apps above privacy register an eraser in AppConfig.ready(); `close_account` (services.py)
calls them all inside one transaction, then scrubs the user row itself.
"""

from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from community.accounts.sockets import rights_changed
from community.groups.models import Invitation
from community.groups.policy import forget_memberships
from community.notifications.models import EmailPreference, Notification
from community.submissions.models import Submission


@dataclass(frozen=True)
class Eraser:
    key: str  # "forum"
    # (user, delete_content): with delete_content False, content stays as "former member".
    erase: Callable[[object, bool], None]


_erasers: dict[str, Eraser] = {}


def register_eraser(eraser: Eraser) -> None:
    if eraser.key in _erasers and _erasers[eraser.key] != eraser:
        raise ValueError(f"Eraser {eraser.key!r} is already registered.")
    _erasers[eraser.key] = eraser


def erasers() -> list[Eraser]:
    return list(_erasers.values())


def erase_account_data(user, delete_content: bool) -> None:
    """The parts below the content apps: sign-in methods, live sockets, groups, invitations,
    notices.

    Group memberships go too: belonging to a condition's group is itself health data.
    """
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Invitation.objects.filter(accepted_by=user).delete()
    Invitation.objects.filter(email__iexact=user.email).delete()
    user.memberships.all().delete()
    forget_memberships(user)
    Notification.objects.filter(recipient=user).delete()
    EmailPreference.objects.filter(user=user).delete()
    Submission.objects.filter(author=user).delete()  # they link the member to their writing
    # Every open socket of the member (on any device) closes once the closing commits: the
    # account is inactive by then, and its logins have ended.
    rights_changed(user.pk)


register_eraser(Eraser("privacy.account", erase_account_data))
