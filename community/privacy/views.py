"""The member's data rights: a copy of their data, who looked at it, closing the account."""

from allauth.account.decorators import reauthentication_required
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from community.groups.models import SupportGroup
from community.submissions.web import once

from . import services
from .models import AccessRecord, DataExport

ACCESS_LOG_PER_PAGE = 25
EXPORTS_SHOWN = 10


@login_required
def exports(request: HttpRequest) -> HttpResponse:
    """Ask for a copy of your data; see the ones being made and the ones ready."""
    if request.method == "POST":
        once(request, lambda: services.request_data_export(user=request.user))
        messages.success(request, _("We are preparing your data. This page shows the progress."))
        return redirect("privacy:exports")
    recent = DataExport.objects.filter(user=request.user)[:EXPORTS_SHOWN]
    return render(
        request,
        "privacy/exports.html",
        {"exports": recent, "valid_days": settings.DATA_EXPORT_VALID_DAYS},
    )


@login_required
@require_safe
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """One export's progress, polled by the exports page while it is being made."""
    export = get_object_or_404(DataExport, pk=pk, user=request.user)
    return render(request, "privacy/_export_row.html", {"export": export, "announce": True})


@login_required
@require_safe
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The zip, for its member only, after a recent login, until it expires."""
    export = get_object_or_404(DataExport, pk=pk, user=request.user)
    return send_export(request, export)


@reauthentication_required(allow_get=False)
def send_export(request: HttpRequest, export: DataExport) -> HttpResponse:
    if not export.is_downloadable():
        return render(
            request,
            "privacy/export_gone.html",
            {"export": export, "valid_days": settings.DATA_EXPORT_VALID_DAYS},
            status=410,
        )
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"my-data-{export.finished_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def access_log(request: HttpRequest) -> HttpResponse:
    """Every time a moderator, clinician or staff member looked at your data."""
    records = AccessRecord.objects.filter(subject=request.user).select_related("viewer")
    page = Paginator(records, ACCESS_LOG_PER_PAGE).get_page(request.GET.get("page"))
    group_ids = {record.group_id for record in page if record.group_id}
    names = dict(SupportGroup.objects.filter(pk__in=group_ids).values_list("pk", "name"))
    rows = [(record, names.get(record.group_id)) for record in page]
    return render(request, "privacy/access_log.html", {"page": page, "rows": rows})


class CloseAccountForm(forms.Form):
    DELETE, KEEP = "delete", "keep"
    content = forms.ChoiceField(
        label=gettext_lazy("What should happen to your posts?"),
        choices=[
            (DELETE, gettext_lazy("Delete them")),
            (KEEP, gettext_lazy("Keep them, shown as written by “Former member”")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Please choose what happens to your posts.")},
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that closing my account cannot be undone."),
        error_messages={"required": gettext_lazy("Please confirm that you understand.")},
    )


@login_required
def close_account(request: HttpRequest) -> HttpResponse:
    """Explain, offer the export, then close for good (after a recent login)."""
    form = CloseAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return confirm_close(request, form)
    status = 400 if form.errors else 200
    return render(request, "privacy/close_account.html", {"form": form}, status=status)


@reauthentication_required
def confirm_close(request: HttpRequest, form: CloseAccountForm) -> HttpResponse:
    services.close_account(
        user=request.user, delete_content=form.cleaned_data["content"] == form.DELETE
    )
    logout(request)
    return redirect("privacy:account_closed")


@require_safe
def account_closed(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/account_closed.html")
