"""Accepting, reviewing and withdrawing consents; staff drafting and publishing versions."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from community.accounts.mfa import require_mfa
from community.groups.adapter import accept_invitation_in_session
from community.groups.models import SupportGroup
from community.markup.render import render_markdown
from community.submissions.web import earlier_result, once

from . import services
from .forms import AcceptanceForm, DraftForm
from .models import REQUIRED_KINDS, ConsentDocument, ConsentRecord, Kind
from .state import (
    current_versions,
    document_for,
    granted_versions,
    missing_required,
    undecided_optional,
    users_consenting_to,
)

HISTORY_PER_PAGE = 25


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


def documents_in_force(user, kinds: list[str]) -> list[ConsentDocument]:
    """The texts in force of `kinds`, in the reader's language where translated."""
    versions = current_versions(user)
    found = [document_for(kind, versions[kind], get_language()) for kind in kinds]
    return [document for document in found if document is not None]


def accept_and_join(request: HttpRequest, answers: dict) -> SupportGroup | None:
    """Record the answers; signing up by invitation, join the group they were the last step
    to (returned, so a repeated submission lands on the same group)."""
    services.accept_documents(user=request.user, **answers)
    return accept_invitation_in_session(request, request.user)


@login_required
def accept(request: HttpRequest) -> HttpResponse:
    """Ask for what is missing: required versions (blocking) and new optional ones."""
    required = documents_in_force(request.user, missing_required(request.user))
    optional = documents_in_force(request.user, undecided_optional(request.user))
    if not required and not optional:
        # A repeat of the form that was the last step of signing up lands where it did.
        joined = earlier_result(request) if request.method == "POST" else None
        return redirect(joined or safe_next(request))
    form = AcceptanceForm(
        request.POST if request.method == "POST" else None, required=required, optional=optional
    )
    if request.method == "POST" and form.is_valid():
        try:
            joined = once(request, lambda: accept_and_join(request, form.answers()))
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
            return redirect(request.get_full_path())
        messages.success(request, _("Thank you. Your answers have been recorded."))
        if joined is not None:
            messages.success(
                request, _("Welcome! You are now a member of %(group)s.") % {"group": joined}
            )
            return redirect(joined)
        return redirect(safe_next(request))
    earlier = granted_versions(request.user)
    has_history = ConsentRecord.objects.filter(user=request.user).exists()
    sections = [
        {
            "document": document,
            "rendered": render_markdown(document.body).html,
            "accepted_before": earlier.get(document.kind) or has_history,
        }
        for document in [*required, *optional]
    ]
    status = 400 if form.errors else 200
    return render(
        request,
        "consent/accept.html",
        {
            "form": form,
            "sections": sections,
            "next": safe_next(request),
            "first_time": not has_history,
        },
        status=status,
    )


@login_required
@require_safe
def my_consents(request: HttpRequest) -> HttpResponse:
    """What the member agreed to, what they may withdraw, and their whole history."""
    versions = current_versions(request.user)
    granted = granted_versions(request.user)
    rows = [
        {
            "kind": kind,
            "label": label,
            "required": kind in REQUIRED_KINDS,
            "version": versions[kind],
            "given": granted.get(kind) == versions[kind],
        }
        for kind, label in Kind.choices
        if kind in versions
    ]
    history = ConsentRecord.objects.filter(user=request.user).select_related("document")
    page = Paginator(history, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "consent/mine.html", {"rows": rows, "page": page})


def kind_in_force(kind: str) -> str:
    if kind not in current_versions():
        raise Http404
    return kind


@login_required
@require_POST
def grant(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        kind = kind_in_force(kind)
        once(request, lambda: services.grant_consent(user=request.user, kind=kind))
        messages.success(request, _("Thank you. Your consent has been recorded."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("consent:mine")


@login_required
def withdraw(request: HttpRequest, kind: str) -> HttpResponse:
    """Explain the consequence first; a required consent leads to closing the account."""
    kind = kind_in_force(kind)
    required = kind in REQUIRED_KINDS
    if request.method == "POST":
        try:
            services.withdraw_consent(user=request.user, kind=kind)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("consent:mine")
        if required:
            return redirect("privacy:close_account")
        messages.success(request, _("Your consent has been withdrawn. This took effect at once."))
        return redirect("consent:mine")
    document = documents_in_force(request.user, [kind])[0]
    return render(
        request,
        "consent/withdraw.html",
        {"document": document, "required": required, "export_url": reverse("privacy:exports")},
    )


@require_safe
def document(request: HttpRequest, kind: str) -> HttpResponse:
    """The version in force of a document: public, like any legal page."""
    version = current_versions().get(kind)
    if version is None:
        raise Http404
    return show_document(request, kind, version)


@require_safe
def document_version(request: HttpRequest, kind: str, version: int) -> HttpResponse:
    """Any published version, so members can read what they agreed to back then."""
    return show_document(request, kind, version)


def show_document(request: HttpRequest, kind: str, version: int) -> HttpResponse:
    found = document_for(kind, version, get_language())
    if found is None:
        raise Http404
    return render(
        request,
        "consent/document.html",
        {
            "document": found,
            "rendered": render_markdown(found.body).html,
            "in_force": current_versions().get(kind) == version,
        },
    )


# Staff: drafting and publishing.


def require_manager(request: HttpRequest) -> None:
    if not request.user.has_perm("consent.manage_documents"):
        raise Http404
    require_mfa(request.user)


@login_required
@require_safe
def manage(request: HttpRequest) -> HttpResponse:
    """Every version of every document, and how many members accepted the one in force."""
    require_manager(request)
    versions = current_versions()
    members = get_user_model().objects.filter(is_active=True, erased_at__isnull=True).count()
    documents = list(ConsentDocument.objects.select_related("published_by"))
    kinds = [
        {
            "kind": kind,
            "label": label,
            "version": versions.get(kind),
            "accepted": users_consenting_to(kind).filter(is_active=True).count()
            if kind in versions
            else None,
            "documents": [d for d in documents if d.kind == kind],
        }
        for kind, label in Kind.choices
    ]
    return render(request, "consent/manage.html", {"kinds": kinds, "members": members})


@login_required
def draft_new(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    form = DraftForm(
        request.POST if request.method == "POST" else None,
        initial={"kind": request.GET.get("kind")},
    )
    return save_draft_form(request, form, draft=None)


@login_required
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request)
    draft = get_object_or_404(ConsentDocument, pk=pk, published_at__isnull=True)
    form = DraftForm.for_document(draft, request.POST if request.method == "POST" else None)
    form.initial["translation_of_current"] = draft.version < services.next_version(draft.kind)
    return save_draft_form(request, form, draft=draft)


def save_draft_form(request: HttpRequest, form: DraftForm, *, draft) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            saved = once(
                request,
                lambda: services.save_draft(author=request.user, draft=draft, **form.cleaned_data),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Draft saved. Check the preview, then publish."))
            return redirect("consent:draft_detail", pk=saved.pk)
    status = 400 if form.errors else 200
    return render(request, "consent/draft_form.html", {"form": form, "draft": draft}, status=status)


@login_required
@require_safe
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview: the text as members will see it, with the publish button."""
    require_manager(request)
    found = get_object_or_404(ConsentDocument, pk=pk)
    return render(
        request,
        "consent/draft_detail.html",
        {
            "document": found,
            "rendered": render_markdown(found.body).html,
            "summary": render_markdown(found.summary_of_changes).html,
        },
    )


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request)
    found = get_object_or_404(ConsentDocument, pk=pk)
    try:
        services.publish_document(publisher=request.user, document=found)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("consent:draft_detail", pk=found.pk)
    messages.success(
        request,
        _("Version %(version)s is published. Members will be asked to accept it.")
        % {"version": found.version},
    )
    return redirect("consent:manage")
