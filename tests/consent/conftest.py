"""Consent fixtures: publishing versions as staff do, and members who have accepted them.

Services announce what they did (a withdrawal to the apps listening, state to forget) once
their transaction commits; tests run inside one transaction that never commits, so every
write here runs its commit callbacks explicitly, as a real commit would.
"""

from datetime import datetime

import pytest
from django.utils import timezone

from community.consent import listeners, services
from community.consent.models import ConsentDocument, ConsentRecord, Kind

REQUIRED = [Kind.GUIDELINES, Kind.PRIVACY]
GUIDELINES_V2_CHANGES = "We added a rule: no photos of other people, even blurred."


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write as if its transaction committed (its on_commit callbacks run)."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def publish(staff, commit):
    """Draft and publish a version of a document as staff; returns the published version."""

    def make(
        kind: str,
        *,
        title: str | None = None,
        body: str | None = None,
        summary: str = "",
        language: str = "en",
        effective_at: datetime | None = None,
        translation: bool = False,
    ) -> ConsentDocument:
        def write():
            draft = services.save_draft(
                author=staff,
                kind=kind,
                language=language,
                title=title or f"{Kind(kind).label} ({language})",
                body=body or f"The text of {kind} in {language}.",
                summary_of_changes=summary,
                effective_at=effective_at or timezone.now(),
                translation_of_current=translation,
            )
            return services.publish_document(publisher=staff, document=draft)

        return commit(write)

    return make


@pytest.fixture
def accept(commit):
    """Record a member's answers as the acceptance page does."""

    def record(user, required=REQUIRED, granted=(), declined=()):
        return commit(
            lambda: services.accept_documents(
                user=user,
                required=list(required),
                optional_granted=list(granted),
                optional_declined=list(declined),
            )
        )

    return record


@pytest.fixture
def in_force(publish) -> dict[str, ConsentDocument]:
    """Version 1 of the guidelines and the privacy notice, published and in force."""
    return {
        Kind.GUIDELINES: publish(Kind.GUIDELINES, title="Community guidelines"),
        Kind.PRIVACY: publish(Kind.PRIVACY, title="Privacy notice"),
    }


@pytest.fixture
def accepted_member(member, in_force, accept):
    """A group member who accepted version 1 of both required documents."""
    accept(member)
    return member


@pytest.fixture
def guidelines_v2(accepted_member, publish) -> ConsentDocument:
    """Version 2 of the guidelines, published after the member accepted version 1."""
    return publish(
        Kind.GUIDELINES,
        title="Community guidelines",
        body="Be kind. **No photos of other people.**",
        summary=GUIDELINES_V2_CHANGES,
    )


@pytest.fixture
def heard_withdrawals():
    """Member ids a knowledge-bank listener heard about; unregistered afterwards."""
    heard: list[int] = []
    listeners.on_withdrawal(Kind.KNOWLEDGE_BANK, heard.append)
    yield heard
    listeners._listeners[Kind.KNOWLEDGE_BANK].remove(heard.append)


def fresh(user):
    """The member as the next request loads them: what the consent state keeps on a user
    object lasts one request, so each check after a change asks with a new object."""
    return type(user).objects.get(pk=user.pk)


def records_of(user, kind: str | None = None):
    rows = ConsentRecord.objects.filter(user=user)
    return rows.filter(kind=kind) if kind else rows
