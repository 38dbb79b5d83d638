"""Safety checks that the content services call as they store something."""

from dataclasses import dataclass

from .models import PersonalDataConfirmation
from .personal_data import Confirmation, check_personal_data
from .pii import Finding

SESSION_KEY = "safety_offer_support"
# Where the crisis-support panel stands on the page after a write (templates/base.html).
SUPPORT_ANCHOR = "support"


@dataclass(frozen=True)
class ConfirmedPersonalData:
    """The personal details in new content that its author confirmed (maybe none)."""

    findings: list[Finding]
    confirmation: Confirmation | None

    def record(self, *, kind: str, object_id: int, author) -> PersonalDataConfirmation | None:
        """Keep the confirmation with the stored content (in the content's transaction)."""
        if not self.findings or self.confirmation is None:
            return None
        return PersonalDataConfirmation.objects.create(
            kind=kind,
            object_id=object_id,
            author=author,
            answer=self.confirmation.answer,
            found=sorted({finding.kind for finding in self.findings}),
        )


def forget_confirmations(*, kind: str, object_ids: list[int]) -> int:
    """The content is erased: the author's answers about its personal details go with it."""
    confirmations = PersonalDataConfirmation.objects.filter(kind=kind, object_id__in=object_ids)
    return confirmations.delete()[0]


def screen_personal_data(
    text: str, confirmation: Confirmation | None, *, earlier: str = ""
) -> ConfirmedPersonalData:
    """Refuse unconfirmed personal details (PersonalDataFound) before anything is stored;
    what was confirmed is recorded, once the content has its id, with `.record(...)`."""
    findings = check_personal_data(text, confirmation, earlier=earlier)
    return ConfirmedPersonalData(findings, confirmation)


def offer_support(request) -> None:
    """Show the writer the crisis-support panel on their next page."""
    request.session[SESSION_KEY] = True


def landing(request, url: str) -> str:
    """Where a write sends its writer: `url`, but at the support panel when support is
    offered (the panel, not the new post further down, is the first thing they see)."""
    if not request.session.get(SESSION_KEY):
        return url
    return f"{url.split('#', 1)[0]}#{SUPPORT_ANCHOR}"
