"""The notification centre: list, open, mark read, e-mail settings, unsubscribe."""

import itertools

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .forms import EmailChoicesForm
from .models import Notification

PER_PAGE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """Newest first, paginated, grouped by day in the member's time zone."""
    notifications = (
        Notification.objects.for_recipient(request.user)
        .select_related("actor", "group")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    days = [
        (day, [(row, services.describe(row)) for row in rows])
        for day, rows in itertools.groupby(
            page.object_list, key=lambda row: timezone.localtime(row.created_at).date()
        )
    ]
    return render(request, "notifications/list.html", {"page": page, "days": days})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to what it is about (which checks access again)."""
    notification = Notification.objects.for_recipient(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    services.mark_read(user=request.user, notification=notification)
    url = notification.url
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None) or not url.startswith("/"):
        url = "notifications:list"
    return redirect(url)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@login_required
def email_settings(request: HttpRequest) -> HttpResponse:
    form = EmailChoicesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.set_email_choices(user=request.user, choices=form.choices())
        messages.success(request, _("Your e-mail choices were saved."))
        return redirect("notifications:settings")
    # 400 when the form carries errors, as the forum's forms do, so tools and tests can tell.
    status = 400 if form.errors else 200
    return render(request, "notifications/settings.html", {"form": form}, status=status)


@csrf_exempt  # Mail programs send one-click unsubscribes (RFC 8058); the signed token guards it.
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop e-mails from a signed link, logged in or not; GET asks, POST does it."""
    found = services.read_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=found[0]).first() if found else None
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        services.unsubscribe(user=user, kind=found[1])
        return render(request, "notifications/unsubscribe.html", {"done": True})
    return render(request, "notifications/unsubscribe.html", {"all_kinds": found[1] == "*"})
