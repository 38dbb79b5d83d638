"""Safety checks that the content services call as they store something."""

from community.moderation.services import raise_crisis

from .crisis import is_crisis

SESSION_KEY = "safety_offer_support"


def watch_for_crisis(*, kind: str, object_id: int, group, author, text: str) -> bool:
    """If the words suggest a crisis, put the content before the group's reviewers now.

    The content is published either way: never silence someone reaching out.
    """
    if not is_crisis(text):
        return False
    raise_crisis(kind=kind, object_id=object_id, group=group, author=author)
    return True


def offer_support(request) -> None:
    """Show the writer the crisis-support panel on their next page."""
    request.session[SESSION_KEY] = True
