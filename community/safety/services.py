"""Safety checks that the content services call as they store something."""

from community.moderation.services import raise_crisis

from .crisis import is_crisis
from .models import PersonalDataConfirmation
from .personal_data import Confirmation, check_personal_data
from .pii import Finding

SESSION_KEY = "safety_offer_support"

__all__ = ["check_personal_data", "offer_support", "record_personal_data", "watch_for_crisis"]


def watch_for_crisis(*, kind: str, object_id: int, group, author, text: str) -> bool:
    """If the words suggest a crisis, put the content before the group's reviewers now.

    The content is published either way: never silence someone reaching out.
    """
    if not is_crisis(text):
        return False
    raise_crisis(kind=kind, object_id=object_id, group=group, author=author)
    return True


def record_personal_data(
    *,
    kind: str,
    object_id: int,
    author,
    confirmation: Confirmation | None,
    findings: list[Finding],
) -> PersonalDataConfirmation | None:
    """Keep the author's confirmation with the content it was given for (in its transaction)."""
    if not findings or confirmation is None:
        return None
    return PersonalDataConfirmation.objects.create(
        kind=kind,
        object_id=object_id,
        author=author,
        answer=confirmation.answer,
        found=sorted({finding.kind for finding in findings}),
    )


def offer_support(request) -> None:
    """Show the writer the crisis-support panel on their next page."""
    request.session[SESSION_KEY] = True
