"""Demo documents: version 1 of each, accepted by the demo accounts (idempotent)."""

from django.db import transaction
from django.utils import timezone

from .models import REQUIRED_KINDS, ConsentDocument, ConsentRecord, Kind
from .services import record

DEMO_TEXTS = {
    Kind.GUIDELINES: (
        "Community guidelines",
        "- Be kind. Everyone here lives with the same condition.\n"
        "- Share your own experience, not other people's: no names, no photos of others.\n"
        "- This is not a substitute for your care team. In an emergency, call 112.\n"
        "- Moderators may hide or remove posts that break these rules, and will tell you why.",
    ),
    Kind.PRIVACY: (
        "Privacy notice",
        "Only members of a group can read it. We keep your posts until you delete them or "
        "close your account. You can download a copy of your data at any time, and see who "
        "among the moderators and staff has looked at your data.",
    ),
    Kind.RESEARCH: (
        "Research use of de-identified content",
        "With your consent, researchers may study posts with every name and detail that "
        "could identify you removed. You can withdraw at any time.",
    ),
    Kind.KNOWLEDGE_BANK: (
        "Quoting in the group's knowledge bank",
        "With your consent, clinicians may quote your answers (without your name) in the "
        "group's knowledge bank. You can withdraw at any time.",
    ),
}


@transaction.atomic
def seed_demo_documents(groups: dict, users: dict) -> None:
    now = timezone.now()
    for kind, (title, body) in DEMO_TEXTS.items():
        document, _ = ConsentDocument.objects.get_or_create(
            kind=kind,
            version=1,
            language="en",
            defaults={"title": title, "body": body, "effective_at": now, "published_at": now},
        )
        for user in users.values():
            if (
                kind in REQUIRED_KINDS
                and not ConsentRecord.objects.filter(user=user, kind=kind).exists()
            ):
                record(
                    user=user,
                    document=document,
                    decision=ConsentRecord.Decision.GRANTED,
                    method=ConsentRecord.Method.DEMO,
                )


def accept_required_documents(person) -> None:
    """Record the member's acceptance of each required document in force they lack (demo
    and load data, benchmarks, tests: the consent gate then lets them through)."""
    from .models import ConsentRecord
    from .services import document_in_force, record
    from .state import missing_required

    for kind in missing_required(person):
        record(
            user=person,
            document=document_in_force(kind, reader=person),
            decision=ConsentRecord.Decision.GRANTED,
            method=ConsentRecord.Method.DEMO,
        )
