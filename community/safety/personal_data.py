"""The personal-data warning: before content is stored, personal details found in it must be
confirmed by its author ("it is about me", or "the person agreed"), else nothing is saved.

The confirmation names what it covers by a fingerprint of the findings, so text changed
after the warning to bring in other details is asked about again.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .pii import Finding, find_personal_data


class Answer(models.TextChoices):
    OWN = "own", _("It is about me, and I want to share it")
    CONSENT = "consent", _("It is about someone else, who has agreed that I share it")


KIND_LABELS = {
    "email": _("an e-mail address"),
    "phone": _("a phone number"),
    "personnummer": _("a Swedish personal identity number"),
    "fodselsnummer": _("a Norwegian national identity number"),
    "bsn": _("a Dutch citizen service number (BSN)"),
    "titled_name": _("a person's name"),
}


@dataclass(frozen=True)
class Confirmation:
    """The author's answer to a warning, and which findings it was given for."""

    answer: str
    fingerprint: str

    @classmethod
    def from_values(cls, answer, fingerprint) -> "Confirmation | None":
        """A confirmation from untrusted input (a form, a socket frame), or None."""
        if not isinstance(answer, str) or answer not in Answer.values:
            return None
        return cls(answer, fingerprint if isinstance(fingerprint, str) else "")


def fingerprint_of(findings: list[Finding]) -> str:
    """A short digest of what was found: the same findings give the same value."""
    names = sorted({f"{finding.kind}:{finding.text}" for finding in findings})
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]


class PersonalDataFound(ValidationError):
    """Raised before anything is stored: the author must confirm, or change the text."""

    def __init__(self, findings: list[Finding]):
        super().__init__(
            _(
                "Your text seems to include personal details. Nothing was saved yet: "
                "please check it below."
            ),
            code="personal_data",
        )
        self.findings = findings
        self.fingerprint = fingerprint_of(findings)

    def described(self) -> list[dict]:
        """What was found, for the author's own screen (it is their own text)."""
        return [
            {"kind": finding.kind, "label": str(KIND_LABELS[finding.kind]), "text": finding.text}
            for finding in self.findings
        ]


def check_personal_data(
    text: str, confirmation: Confirmation | None, *, earlier: str = ""
) -> list[Finding]:
    """The personal details in `text` that the author has confirmed; raise if unconfirmed.

    Details that were already in the `earlier` version of the text were asked about then.
    """
    findings = [finding for finding in find_personal_data(text) if finding.text not in earlier]
    if not findings:
        return []
    if confirmation is None or confirmation.fingerprint != fingerprint_of(findings):
        raise PersonalDataFound(findings)
    return findings
