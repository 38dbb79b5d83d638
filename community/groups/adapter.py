"""The allauth adapter: sign-up is open only to someone holding a valid invitation.

Opening an invitation link stores the invitation (by token hash) in the session, for an
hour; sign-up and login then use it: the new or returning member joins the group right
after logging in.
"""

import time

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from community.accounts.adapter import LimitedLoginAccountAdapter

from . import events
from .models import Invitation, SupportGroup, hash_token
from .services import InvitationError, accept_invitation, check_invitation_for

SESSION_KEY = "opened_invitation"
# A browser that opened a link long ago should not join a group on some later login.
REMEMBER_SECONDS = 60 * 60


def remember_invitation(request: HttpRequest, token: str, invitation: Invitation) -> None:
    """Keep the opened invitation in the session; its address counts as verified."""
    request.session[SESSION_KEY] = {"hash": hash_token(token), "opened_at": int(time.time())}
    if invitation.status == Invitation.Status.PENDING:
        DefaultAccountAdapter(request).stash_verified_email(request, invitation.email)


def opened_invitation(request: HttpRequest) -> Invitation | None:
    """Return the invitation (in any state) this browser opened within the last hour."""
    opened = request.session.get(SESSION_KEY)
    if not isinstance(opened, dict) or time.time() - opened.get("opened_at", 0) > REMEMBER_SECONDS:
        return None
    return (
        Invitation.objects.select_related("group", "accepted_by")
        .filter(token_hash=opened.get("hash", ""))
        .first()
    )


def invitation_in_session(request: HttpRequest) -> Invitation | None:
    """Return the still-pending invitation this browser opened, if any."""
    invitation = opened_invitation(request)
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        return None
    return invitation


def accept_invitation_in_session(request: HttpRequest, user) -> SupportGroup | None:
    """Join the group of the invitation in the session, if this user may; else do nothing."""
    invitation = invitation_in_session(request)
    if invitation is None:
        return None
    try:
        check_invitation_for(invitation, user)
        accept_invitation(invitation=invitation, user=user)
    except InvitationError as error:
        messages.warning(request, error.message)
        return None
    request.session.pop(SESSION_KEY, None)
    return invitation.group


class InvitationOnlyAccountAdapter(LimitedLoginAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return invitation_in_session(request) is not None

    def clean_email(self, email: str) -> str:
        """On sign-up, the address must be the one the invitation was sent to."""
        email = super().clean_email(email)
        request = self.request
        invitation = invitation_in_session(request) if request is not None else None
        if invitation is not None and email.lower() != invitation.email.lower():
            raise forms.ValidationError(
                _("This invitation was sent to another address. Please sign up with %(email)s.")
                % {"email": invitation.email}
            )
        return email

    @transaction.atomic
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        form.apply_profile(user)
        if commit:
            user.save()
        return user

    def post_login(self, request, user, **kwargs):
        if invitation_in_session(request) is not None and not events.ready_to_join(user):
            # Not yet (documents to accept first): the invitation page, gated, asks for
            # them, and accepting them joins the group.
            kwargs["redirect_url"] = reverse("groups:invitation_open")
            return super().post_login(request, user, **kwargs)
        group = accept_invitation_in_session(request, user)
        if group is not None:
            kwargs["redirect_url"] = group.get_absolute_url()
            messages.success(
                request, _("Welcome! You are now a member of %(group)s.") % {"group": group}
            )
        return super().post_login(request, user, **kwargs)
