"""Drafting and publishing versions: numbering, refusals that change nothing, and when a
published version starts to count."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.consent import services, state
from community.consent.models import ConsentDocument, Kind

from .conftest import fresh


def draft(author, kind=Kind.GUIDELINES, **fields) -> ConsentDocument:
    values = {
        "language": "en",
        "title": "Community guidelines",
        "body": "Be kind.",
        "summary_of_changes": "",
        "effective_at": timezone.now(),
        **fields,
    }
    return services.save_draft(author=author, kind=kind, **values)


# --- Numbering --------------------------------------------------------------------------


def test_the_first_draft_of_a_document_is_version_one_and_unpublished(staff):
    document = draft(staff)

    assert (document.version, document.published_at, document.created_by) == (1, None, staff)


def test_the_next_draft_after_publishing_is_version_two(staff, publish):
    publish(Kind.GUIDELINES)

    assert draft(staff).version == 2


def test_numbering_is_per_kind_of_document(staff, publish):
    publish(Kind.GUIDELINES)

    assert draft(staff, kind=Kind.PRIVACY).version == 1


def test_a_translation_of_the_version_in_force_keeps_its_number(staff, publish):
    publish(Kind.GUIDELINES)
    publish(Kind.GUIDELINES)

    translation = draft(staff, language="sv", title="Riktlinjer", translation_of_current=True)

    assert translation.version == 2


def test_a_published_translation_does_not_ask_members_again(accepted_member, publish):
    publish(Kind.GUIDELINES, language="sv", translation=True)

    assert state.current_versions()[Kind.GUIDELINES] == 1
    assert state.missing_required(fresh(accepted_member)) == []


def test_a_translation_needs_a_version_in_force(staff):
    with pytest.raises(ValidationError, match="no version in force"):
        draft(staff, language="sv", translation_of_current=True)

    assert not ConsentDocument.objects.exists()


def test_a_second_text_for_the_same_language_and_version_is_refused_and_nothing_is_written(
    staff, publish
):
    published = publish(Kind.GUIDELINES)

    with pytest.raises(ValidationError) as refused:
        draft(staff, title="Another text", translation_of_current=True)

    assert refused.value.messages == ["Version 1 of this document already exists in this language."]
    assert list(ConsentDocument.objects.all()) == [published]


def test_two_drafts_of_the_same_new_version_in_one_language_are_refused(staff):
    first = draft(staff)

    with pytest.raises(ValidationError, match="already exists in this language"):
        draft(staff, title="A rival draft")

    assert list(ConsentDocument.objects.all()) == [first]


def test_a_draft_can_be_changed_until_it_is_published(staff):
    document = draft(staff)

    changed = draft(staff, title="Our guidelines", body="Be kinder.", draft=document)

    document.refresh_from_db()
    assert (changed.pk, document.version, document.title, document.body) == (
        document.pk,
        1,
        "Our guidelines",
        "Be kinder.",
    )
    assert ConsentDocument.objects.count() == 1


# --- Who may draft and publish ----------------------------------------------------------


def test_a_member_may_not_draft_a_document(member):
    with pytest.raises(PermissionDenied):
        draft(member)

    assert not ConsentDocument.objects.exists()


def test_a_moderator_may_not_publish_a_document(staff, moderator):
    document = draft(staff)

    with pytest.raises(PermissionDenied):
        services.publish_document(publisher=moderator, document=document)

    document.refresh_from_db()
    assert document.published_at is None


# --- Publishing -------------------------------------------------------------------------


def test_publishing_records_when_and_by_whom_and_puts_the_version_in_force(
    staff, commit, django_capture_on_commit_callbacks
):
    document = draft(staff)
    assert state.current_versions() == {}  # cached before the publication

    before = timezone.now()
    commit(lambda: services.publish_document(publisher=staff, document=document))

    document.refresh_from_db()
    assert document.published_at >= before
    assert document.published_by == staff
    assert document.is_published
    assert state.current_versions() == {Kind.GUIDELINES: 1}


def test_a_published_version_cannot_be_edited(staff, publish):
    published = publish(Kind.GUIDELINES, title="Community guidelines")

    with pytest.raises(ValidationError, match="cannot be changed"):
        draft(staff, title="Rewritten", draft=published)

    published.refresh_from_db()
    assert published.title == "Community guidelines"


def test_a_version_cannot_be_published_twice(staff, publish):
    published = publish(Kind.GUIDELINES)
    first_published_at = published.published_at

    with pytest.raises(ValidationError, match="already published"):
        services.publish_document(publisher=staff, document=published)

    published.refresh_from_db()
    assert published.published_at == first_published_at


def test_a_draft_overtaken_by_newer_published_versions_cannot_be_published(staff, publish):
    publish(Kind.GUIDELINES)
    stale = draft(staff, language="nl")  # version 2
    publish(Kind.GUIDELINES)  # version 2 in English
    publish(Kind.GUIDELINES)  # version 3

    with pytest.raises(ValidationError, match="newer version"):
        services.publish_document(publisher=staff, document=stale)

    stale.refresh_from_db()
    assert stale.published_at is None
    assert state.current_versions()[Kind.GUIDELINES] == 3


def test_the_highest_published_version_is_the_one_in_force(in_force, publish):
    publish(Kind.GUIDELINES)

    assert state.current_versions() == {Kind.GUIDELINES: 2, Kind.PRIVACY: 1}


# --- Effective dates --------------------------------------------------------------------


def test_a_version_with_a_future_date_starts_gating_only_once_that_time_comes(
    accepted_member, publish
):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        publish(Kind.GUIDELINES, effective_at=start + timedelta(minutes=10))
        # Asked (and cached) while the new version is not yet in force.
        assert state.current_versions()[Kind.GUIDELINES] == 1
        assert state.missing_required(fresh(accepted_member)) == []

        clock.shift(timedelta(minutes=9))
        assert state.missing_required(fresh(accepted_member)) == []

        clock.shift(timedelta(minutes=1, seconds=1))
        assert state.current_versions()[Kind.GUIDELINES] == 2
        assert state.missing_required(fresh(accepted_member)) == [Kind.GUIDELINES]


def test_a_version_dated_in_the_past_is_in_force_from_its_publication(staff, publish):
    before = timezone.now()

    published = publish(Kind.PRIVACY, effective_at=before - timedelta(days=30))

    assert published.effective_at >= before
    assert state.current_versions() == {Kind.PRIVACY: 1}


def test_a_version_published_by_another_process_counts_within_a_minute(staff, in_force):
    """Even a publication whose commit this process never heard of (so nothing it kept was
    dropped) is in force a minute later at the latest."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert state.current_versions()[Kind.GUIDELINES] == 1
        document = draft(staff)
        services.publish_document(publisher=staff, document=document)  # callbacks not run

        clock.shift(timedelta(seconds=61))
        assert state.current_versions()[Kind.GUIDELINES] == 2
