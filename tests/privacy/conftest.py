"""Privacy fixtures: consent documents published and accepted through the services."""

import pytest
from django.utils import timezone

from community.consent import services as consent
from community.consent.models import Kind


@pytest.fixture
def publish_document(staff, django_capture_on_commit_callbacks):
    """Publish version 1 of a consent document."""

    def publish(kind: str):
        with django_capture_on_commit_callbacks(execute=True):
            draft = consent.save_draft(
                author=staff,
                kind=kind,
                language="en",
                title=str(Kind(kind).label),
                body="Be kind to each other.",
                summary_of_changes="",
                effective_at=timezone.now(),
            )
            return consent.publish_document(publisher=staff, document=draft)

    return publish


@pytest.fixture
def accept(django_capture_on_commit_callbacks):
    """Record a member's answers on the acceptance page."""

    def answer(user, required=(Kind.GUIDELINES,), granted=(), declined=()):
        with django_capture_on_commit_callbacks(execute=True):
            return consent.accept_documents(
                user=user,
                required=list(required),
                optional_granted=list(granted),
                optional_declined=list(declined),
            )

    return answer
