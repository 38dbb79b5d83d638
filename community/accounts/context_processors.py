from django.conf import settings
from django.utils import timezone
from django.utils.formats import get_format


def language_choices(request) -> dict:
    """Give every template the language picker's choices and the site name."""
    return {
        "language_choices": settings.LANGUAGES,
        "site_name": settings.SITE_NAME,
        "organisation_name": settings.ORGANISATION_NAME,
    }


def clock(request) -> dict:
    """The member's time zone and time style, for scripts that show times (chat.js).

    UserLanguageMiddleware has activated the member's zone and language for this request;
    the script formats a live message's time with the same zone and the same TIME_FORMAT
    as the server does on reload, so both read alike (issue 17, "one clock").
    """
    return {
        "clock_time_zone": timezone.get_current_timezone_name(),
        "clock_time_format": get_format("TIME_FORMAT"),
    }
