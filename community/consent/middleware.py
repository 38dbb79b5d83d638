"""Gating: nothing works until the member has accepted what is in force.

Pages send the member to the acceptance page (and back afterwards); form posts and htmx
requests are refused with the reason; WebSocket connections are closed with it.
"""

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from .state import answers_kept_on, missing_required

# Logging in and out, the consent pages themselves, and the way out of the community
# (export, closing the account) work without acceptance; so do invitation links (they only
# remember the invitation) and unsubscribing from e-mail; so do the crisis lines ("Need help
# now?", /help/). Joining (/invitations/open/) waits.
OPEN_PREFIXES = (
    "/accounts/",
    "/help/",
    "/consent/",
    "/privacy/",
    "/invitations/",
    "/notifications/unsubscribe/",
)
GATED_INSIDE_OPEN = ("/invitations/open/",)
# WebSocket close code for "consent needed" (4000–4999 are the application's own).
CONSENT_NEEDED_CLOSE_CODE = 4451


def consent_needed_reason() -> str:
    return _("Please accept the updated community documents first.")


class ConsentRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.open_prefixes = (*OPEN_PREFIXES, "/" + settings.STATIC_URL.lstrip("/"))

    def __call__(self, request):
        path = request.path_info
        is_open = path.startswith(self.open_prefixes) and not path.startswith(GATED_INSIDE_OPEN)
        if is_open or not missing_required(request.user):
            return self.get_response(request)
        acceptance = reverse("consent:accept")
        if request.method in ("GET", "HEAD") and not getattr(request, "htmx", False):
            # Django's helper keeps "/" unencoded, so log redaction still sees the path.
            return redirect_to_login(request.get_full_path(), acceptance)
        if getattr(request, "htmx", False):
            messages.warning(request, consent_needed_reason())  # shown on the acceptance page
            return HttpResponseClientRedirect(acceptance)
        # A form post: refuse it and say why; the browser's Back button still holds the text.
        return render(request, "consent/refused.html", {"acceptance_url": acceptance}, status=403)


async def documents_to_accept(user) -> list[str]:
    """missing_required(), without a trip to a database thread when the answers are kept on
    the user already (the handshake's member: accounts.sockets looks them up with the
    session) or nobody is logged in."""
    if not user.is_authenticated or answers_kept_on(user):
        return missing_required(user)
    return await database_sync_to_async(missing_required)(user)


class ConsentRequiredWebSocketMiddleware:
    """Close a new WebSocket of a member who still has documents to accept, with the reason."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if user is not None and await documents_to_accept(user):
            await receive()  # the client's websocket.connect
            with translation.override(getattr(user, "language", None)):
                reason = consent_needed_reason()
            await send({"type": "websocket.accept"})
            await send(
                {"type": "websocket.close", "code": CONSENT_NEEDED_CLOSE_CODE, "reason": reason}
            )
            return None
        return await self.inner(scope, receive, send)
