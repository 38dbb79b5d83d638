"""Group pages and invitations. Views resolve access through the policy and call services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from community.accounts.mfa import require_mfa
from community.submissions.web import once

from . import services
from .adapter import opened_invitation, remember_invitation
from .forms import InvitationForm
from .models import Invitation, SupportGroup
from .policy import (
    access_group,
    access_group_for_invitations,
    access_managed_invitation,
    groups_managed_by,
    invitations_visible_to,
    membership_of,
)
from .sections import group_sections, home_sections

INVITATIONS_PER_PAGE = 25


def home(request: HttpRequest) -> HttpResponse:
    """The member's groups, and what higher apps show there (staff: open moderation items
    per group); visitors are sent to log in."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    groups = (
        SupportGroup.objects.joined_by(request.user).select_related("condition").with_member_count()
    )
    managed = groups_managed_by(request.user).select_related("condition").with_member_count()
    return render(
        request,
        "groups/home.html",
        {
            "groups": groups,
            "managed_groups": managed,
            # Registered by the moderation app.
            "can_oversee_moderation": request.user.has_perm("moderation.oversee"),
            "sections": home_sections(request.user),
        },
    )


@login_required
def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    counted = SupportGroup.objects.with_member_count().get(pk=group.pk)
    return render(
        request,
        "groups/group_detail.html",
        {
            "group": group,
            "member_count": counted.member_count,
            "membership": membership_of(request.user, group),
            "can_read_content": request.user.has_perm("groups.read_content", group),
            "can_manage_invitations": request.user.has_perm("groups.manage_invitations", group),
            # Registered by the moderation app; False where it is not installed.
            "can_review": request.user.has_perm("moderation.review", group),
            # Members should know who reads along: pseudonyms only, never e-mail addresses.
            "reading_along": group.reading_along(),
            # Recent threads, the next Q&A session: registered by forum and qa.
            "sections": group_sections(request.user, group),
        },
    )


@login_required
def invitation_list(request: HttpRequest, slug: str) -> HttpResponse:
    """List the group's invitations and invite someone new (group admins and staff)."""
    group = access_group_for_invitations(request.user, slug)
    require_mfa(request.user)
    form = InvitationForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            once(
                request,
                lambda: services.create_invitations(
                    inviter=request.user,
                    group=group,
                    emails=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    language=form.cleaned_data["language"],
                ),
            )
        except services.InvitationsRefused as refused:
            for address, reason in refused.problems:
                form.add_error(
                    "email",
                    _("%(address)s: %(reason)s") % {"address": address, "reason": reason},
                )
            form.add_error(
                "email", _("No invitation was sent. Correct the list and send it again.")
            )
        else:
            # All or nothing: every address in the form was invited (a repeated submission
            # is answered as the first, from the same form).
            messages.success(request, invitations_sent_message(form.cleaned_data["email"]))
            return redirect("groups:invitations", slug=group.slug)
    invitations = invitations_visible_to(request.user, group).select_related("inviter")
    page = Paginator(invitations, INVITATIONS_PER_PAGE).get_page(request.GET.get("page"))
    status = 400 if form.errors else 200
    return render(
        request,
        "groups/invitation_list.html",
        {"group": group, "form": form, "page": page},
        status=status,
    )


def invitations_sent_message(emails: list[str]) -> str:
    return ngettext(
        "Invitation sent to %(emails)s.",
        "%(count)d invitations sent: %(emails)s.",
        len(emails),
    ) % {"count": len(emails), "emails": ", ".join(emails)}


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return change_invitation(
        request,
        slug,
        pk,
        services.revoke_invitation,
        _("The invitation to %(email)s was withdrawn."),
    )


@login_required
@require_POST
def invitation_resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return change_invitation(
        request,
        slug,
        pk,
        services.resend_invitation,
        _("A new invitation link was sent to %(email)s."),
    )


def change_invitation(request, slug: str, pk: int, action, success: str) -> HttpResponse:
    """Run a manager's action on one invitation and report the outcome on the list page."""
    invitation = access_managed_invitation(request.user, slug, pk)
    require_mfa(request.user)
    try:
        # Resending twice by a double click would send two e-mails: the form's key stops it.
        once(request, lambda: action(actor=request.user, invitation=invitation))
    except services.InvitationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success % {"email": invitation.email})
    return redirect("groups:invitations", slug=slug)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Where an invitation link lands: remember it, then continue at a token-free address.

    Like Django's password-reset view: the token leaves the address bar at once, so it
    does not linger in browser history, later links or server logs.
    """
    found = services.find_invitation(token)
    if found is None:
        return unusable_invitation(request, "invalid", status=404)
    remember_invitation(request, token, found)
    response = redirect("groups:invitation_open")
    if not request.user.is_authenticated and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        # A newcomer sees the pages (and the sign-up form's language) in the language the
        # invitation was written in, until they choose another.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            found.invitee_language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def invitation_open(request: HttpRequest) -> HttpResponse:
    """Explain the opened invitation, offer sign-up or login, or join with one click."""
    found = opened_invitation(request)
    if found is None:
        return unusable_invitation(request, "invalid", status=404)
    user = request.user
    if user.is_authenticated and found.accepted_by_id == user.pk:
        return redirect(found.group)
    if found.status != Invitation.Status.PENDING:
        return unusable_invitation(request, found.status, status=410)
    if not user.is_authenticated:
        return render(request, "groups/invitation.html", {"invitation": found})
    try:
        services.check_invitation_for(found, user)
        if request.method == "POST":
            services.accept_invitation(invitation=found, user=user)
            messages.success(
                request,
                _("Welcome! You are now a member of %(group)s.") % {"group": found.group},
            )
            return redirect(found.group)
    except services.InvitationError as error:
        return unusable_invitation(request, error.code, status=403)
    return render(request, "groups/invitation.html", {"invitation": found})


def unusable_invitation(request: HttpRequest, code: str, *, status: int) -> HttpResponse:
    message = services.UNUSABLE_INVITATION[code]
    return render(
        request,
        "groups/invitation_unusable.html",
        {"message": message, "code": code},
        status=status,
    )
