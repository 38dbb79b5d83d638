from functools import cache

from .services import unread_count


def bell(request) -> dict:
    """The header bell's unread count for signed-in members: counted (one query) only if the
    page shows it, and once however often the template asks (templates call callables)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": cache(lambda: unread_count(user))}
