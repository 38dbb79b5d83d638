from django.conf import settings

from .crisis import resources_for
from .services import SESSION_KEY

COUNTRY_OF_LANGUAGE = {"sv": "SE", "nb": "NO", "nl": "NL"}


def crisis_support(request) -> dict:
    """The crisis-support panel, once, after the member wrote words that suggest a crisis."""
    session = getattr(request, "session", None)
    if session is None or not session.get(SESSION_KEY):
        return {}
    del session[SESSION_KEY]
    return {"crisis_support": crisis_lines(request.user)}


def crisis_lines(user) -> list[dict]:
    country = settings.SAFETY_COUNTRY or COUNTRY_OF_LANGUAGE.get(getattr(user, "language", ""), "")
    return resources_for(country or "default")
