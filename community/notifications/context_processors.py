from .services import unread_count


def bell(request) -> dict:
    """The header bell's unread count, on every page for signed-in members (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
