"""Live sockets follow changes made elsewhere: a member muted or removed has their rights
checked again at once; logging out closes that member's chat sockets."""

from functools import partial

from django.contrib.auth.signals import user_logged_out
from django.db import transaction

from community.groups.events import on_membership_changed

from .broadcast import close_member_sockets, recheck_member


def membership_changed(*, membership) -> None:
    transaction.on_commit(partial(recheck_member, membership.user_id))


def logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        close_member_sockets(user.pk)


def connect() -> None:
    on_membership_changed(membership_changed)
    user_logged_out.connect(logged_out, dispatch_uid="chat.close_sockets_on_logout")
