"""Per-request wiring of the member's language, time zone, the MFA requirement and the
known-device cookie (login_limits.py)."""

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import login_limits
from .mfa import MFASetupRequired, has_mfa, is_privileged, require_mfa

SUPPORTED_TIME_ZONES = zoneinfo.available_timezones()


class UserLanguageMiddleware:
    """Use the signed-in member's saved language and time zone for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
            if user.time_zone in SUPPORTED_TIME_ZONES:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        response = self.get_response(request)
        # The thread (or task) serves someone else next: leave no member's settings behind.
        timezone.deactivate()
        translation.deactivate()
        return response


class PrivilegedAreaMFAMiddleware:
    """Require two-factor authentication of privileged users before anything else works.

    Staff, verified clinicians, and moderators, clinicians and admins of any group are sent
    to set up TOTP on every page except their own account pages (where setting it up
    happens), invitation links and static files. Privileged views also call
    `require_mfa()` themselves, so the rule holds even if this middleware is bypassed.
    """

    # Unsubscribing from e-mail must always work, whoever is logged in; so must the crisis
    # lines ("Need help now?", /help/).
    OPEN_PREFIXES = ("/accounts/", "/invitations/", "/notifications/unsubscribe/", "/help/")

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_prefixes = (*self.OPEN_PREFIXES, "/" + settings.STATIC_URL.lstrip("/"))

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.open_prefixes)
            and is_privileged(user)
            and not has_mfa(user)
        ):
            return self.redirect_to_setup(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, MFASetupRequired):
            return self.redirect_to_setup(request)
        return None

    @staticmethod
    def redirect_to_setup(request):
        messages.warning(
            request,
            _(
                "Your role (staff, moderator, clinician or group admin) needs two-factor "
                "authentication. Please set it up to continue."
            ),
        )
        url = reverse("mfa_activate_totp")
        if request.method == "GET":
            # Come back afterwards (a POST-only address would answer 405). Django's helper
            # keeps "/" unencoded, so log redaction still recognises the path.
            return redirect_to_login(request.get_full_path(), url)
        return redirect(url)


class KnownDeviceMiddleware:
    """Send the known-device cookie when this request logged in or reset a password."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        login_limits.set_device_cookie(request, response)
        return response


__all__ = [
    "KnownDeviceMiddleware",
    "PrivilegedAreaMFAMiddleware",
    "UserLanguageMiddleware",
    "require_mfa",
]
