"""Per-request wiring of the member's language, time zone and the MFA requirement."""

import zoneinfo

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .mfa import MFASetupRequired, has_mfa, require_mfa

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
        timezone.deactivate()
        return response


class PrivilegedAreaMFAMiddleware:
    """Send a user without two-factor authentication to set it up before privileged pages.

    Views call `require_mfa()` after the access policy has allowed them (so a non-member
    still gets the 404); the Django admin is privileged as a whole.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            request.path.startswith(reverse("admin:index"))
            and user.is_authenticated
            and user.is_staff
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
                "This page is for staff, moderators and clinicians. Please set up "
                "two-factor authentication first."
            ),
        )
        return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.path})}")


__all__ = ["PrivilegedAreaMFAMiddleware", "UserLanguageMiddleware", "require_mfa"]
