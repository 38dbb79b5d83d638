"""Live sockets follow changes made elsewhere: a member muted or removed has their rights
checked again at once; logging out closes that member's chat sockets."""

import logging

from django.contrib.auth.signals import user_logged_out

from community.consent.listeners import on_documents_published, on_withdrawal
from community.consent.models import REQUIRED_KINDS
from community.groups.events import on_membership_changed
from config.outages import after_commit

from .broadcast import close_member_sockets, recheck_everyone, recheck_member

logger = logging.getLogger(__name__)


def membership_changed(*, membership) -> None:
    after_commit(recheck_member, membership.user_id)


def logged_out(sender, request, user, **kwargs) -> None:
    """Close the member's chat sockets. Logging out must work even if Redis does not: the
    sockets then find the session gone at their next check."""
    if user is None:
        return
    try:
        close_member_sockets(user.pk)
    except Exception as error:  # noqa: BLE001 - never block a logout
        logger.warning("Could not close chat sockets on logout: %s", type(error).__name__)


def connect() -> None:
    on_membership_changed(membership_changed)
    user_logged_out.connect(logged_out, dispatch_uid="chat.close_sockets_on_logout")
    on_documents_published(recheck_everyone)
    for kind in REQUIRED_KINDS:
        on_withdrawal(kind, recheck_member)
