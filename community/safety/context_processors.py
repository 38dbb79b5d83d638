from django.utils.translation import get_language

from .crisis import country_for, lines_for
from .services import SESSION_KEY


def crisis_support(request) -> dict:
    """The crisis-support panel, once, on the next full page after the member wrote words
    that suggest a crisis (a fragment fetched by a page's script does not use it up)."""
    session = getattr(request, "session", None)
    if session is None or not session.get(SESSION_KEY) or request.headers.get("HX-Request"):
        return {}
    del session[SESSION_KEY]
    return {"crisis_support": crisis_lines(request.user)}


def crisis_lines(user) -> list[dict]:
    """The crisis lines for this member: their deployment's country, in their language."""
    language = getattr(user, "language", "") or get_language() or ""
    return lines_for(country=country_for(language), language=language)
