"""Applying for clinician verification, and staff deciding on applications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from community.accounts.mfa import require_mfa
from community.privacy.models import AccessRecord
from community.privacy.services import record_access
from community.submissions.web import once

from . import services
from .forms import ApplicationForm, DecisionForm
from .models import ClinicianApplication

PER_PAGE = 25


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    """The member's applications and, when none is waiting, the form to apply."""
    form = ApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            once(
                request,
                lambda: services.apply_for_verification(user=request.user, **form.cleaned_data),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you. Staff will review your application."))
            return redirect("clinicians:apply")
    applications = ClinicianApplication.objects.filter(user=request.user)
    may_apply = (
        not request.user.is_verified_clinician
        and not applications.filter(status=ClinicianApplication.Status.PENDING).exists()
    )
    status = 400 if form.errors else 200
    return render(
        request,
        "clinicians/apply.html",
        {"form": form, "applications": applications, "may_apply": may_apply},
        status=status,
    )


def require_reviewer(request: HttpRequest) -> None:
    if not request.user.has_perm("clinicians.review"):
        raise Http404
    require_mfa(request.user)


@login_required
@require_safe
def review_list(request: HttpRequest) -> HttpResponse:
    """Waiting applications first, then recent decisions (no credentials on this page)."""
    require_reviewer(request)
    applications = ClinicianApplication.objects.select_related("user", "decided_by")
    waiting = applications.filter(status=ClinicianApplication.Status.PENDING).order_by(
        "submitted_at"
    )
    decided = applications.exclude(status=ClinicianApplication.Status.PENDING).order_by(
        Coalesce("revoked_at", "decided_at").desc(nulls_last=True), "-submitted_at"
    )
    page = Paginator(decided, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "clinicians/review_list.html", {"waiting": waiting, "page": page})


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """One application with its credentials (the look is recorded), and the decision."""
    require_reviewer(request)
    application = get_object_or_404(ClinicianApplication.objects.select_related("user"), pk=pk)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
        try:
            if decision == DecisionForm.REVOKE:
                services.revoke(reviewer=request.user, application=application, reason=reason)
            else:
                services.decide(
                    reviewer=request.user,
                    application=application,
                    verify=decision == DecisionForm.VERIFY,
                    reason=reason,
                )
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            messages.success(request, _("The decision is recorded and the applicant is told."))
            return redirect("clinicians:review_list")
    # Every page that shows the credentials is a look, a re-shown form with errors too.
    if application.user_id != request.user.pk:
        record_access(
            viewer=request.user,
            subject=application.user,
            reason=AccessRecord.Reason.VIEW_CLINICIAN_APPLICATION,
            target=application,
        )
    status = 400 if form.errors else 200
    return render(
        request,
        "clinicians/review.html",
        {"application": application, "form": form},
        status=status,
    )
