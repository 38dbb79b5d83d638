"""The acceptance page: what changed for those who accepted before, the full text for
newcomers; every answer recorded in the ledger with how it was given."""

import pytest
from django.urls import reverse

from community.consent import state
from community.consent.models import ConsentRecord, Kind

from .conftest import GUIDELINES_V2_CHANGES, fresh, records_of

ACCEPT = reverse("consent:accept")


@pytest.fixture
def optional_documents(publish):
    return {
        Kind.RESEARCH: publish(Kind.RESEARCH, title="Research use"),
        Kind.KNOWLEDGE_BANK: publish(Kind.KNOWLEDGE_BANK, title="Knowledge bank quotes"),
    }


def decisions(user) -> set[tuple[str, int, str, str]]:
    return set(records_of(user).values_list("kind", "version", "decision", "method"))


def test_a_member_who_accepted_before_is_shown_what_changed(client, accepted_member, guidelines_v2):
    client.force_login(accepted_member)

    page = client.get(ACCEPT).content.decode()

    assert "updated documents" in page
    assert "What changed" in page
    assert GUIDELINES_V2_CHANGES in page
    assert "<strong>No photos of other people.</strong>" in page  # behind "Read the full text"
    assert "Privacy notice" not in page.split("<form")[1]  # accepted already: not asked again


def test_a_first_timer_is_shown_the_full_text_without_a_summary_of_changes(
    client, member, in_force, guidelines_v2, make_user, join, group
):
    newcomer = make_user()
    join(newcomer, group)
    client.force_login(newcomer)

    page = client.get(ACCEPT).content.decode()

    assert "Welcome. Before you join" in page
    assert "<strong>No photos of other people.</strong>" in page
    assert "The text of privacy in en." in page
    assert GUIDELINES_V2_CHANGES not in page
    assert "What changed" not in page


def test_an_unchecked_required_box_is_refused_and_nothing_is_recorded(client, member, in_force):
    client.force_login(member)

    response = client.post(ACCEPT, {"accept_guidelines": "on"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "To continue, please accept: Privacy notice" in page
    assert 'aria-invalid="true"' in page
    assert not records_of(member).exists()
    assert state.missing_required(fresh(member)) == [Kind.GUIDELINES, Kind.PRIVACY]


def test_the_refusal_of_an_unchecked_box_is_in_the_members_language(client, member, in_force):
    member.language = "sv"
    member.save(update_fields=["language"])
    client.force_login(member)

    response = client.post(ACCEPT, {"accept_guidelines": "on"})

    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="sv">' in page
    assert 'aria-invalid="true"' in page
    assert "To continue, please accept" not in page  # the English text
    assert not records_of(member).exists()


def test_optional_boxes_record_granted_or_declined(
    client, member, in_force, optional_documents, commit
):
    client.force_login(member)

    response = commit(
        lambda: client.post(
            ACCEPT, {"accept_guidelines": "on", "accept_privacy": "on", "grant_research": "on"}
        )
    )

    assert response.status_code == 302
    sign_up = ConsentRecord.Method.SIGN_UP
    granted, declined = ConsentRecord.Decision.GRANTED, ConsentRecord.Decision.DECLINED
    assert decisions(member) == {
        (Kind.GUIDELINES, 1, granted, sign_up),
        (Kind.PRIVACY, 1, granted, sign_up),
        (Kind.RESEARCH, 1, granted, sign_up),
        (Kind.KNOWLEDGE_BANK, 1, declined, sign_up),
    }
    assert state.has_consent(fresh(member), Kind.RESEARCH)
    assert not state.has_consent(fresh(member), Kind.KNOWLEDGE_BANK)
    assert list(state.users_consenting_to(Kind.RESEARCH)) == [member]


def test_a_later_acceptance_is_recorded_as_given_on_the_acceptance_page(
    client, accepted_member, guidelines_v2, commit
):
    client.force_login(accepted_member)

    commit(lambda: client.post(ACCEPT, {"accept_guidelines": "on"}))

    latest = records_of(accepted_member, Kind.GUIDELINES).first()
    assert (latest.version, latest.decision, latest.method, latest.document) == (
        2,
        ConsentRecord.Decision.GRANTED,
        ConsentRecord.Method.ACCEPTANCE_PAGE,
        guidelines_v2,
    )
    assert records_of(accepted_member).count() == 3
    assert state.missing_required(fresh(accepted_member)) == []


def test_a_new_optional_document_is_asked_about_once_without_blocking(
    client, accepted_member, publish, commit
):
    publish(Kind.KNOWLEDGE_BANK, title="Knowledge bank quotes")
    client.force_login(accepted_member)

    asked = client.get(ACCEPT).content.decode()
    commit(lambda: client.post(ACCEPT, {"next": "/"}))  # every box left unticked
    again = client.get(ACCEPT)

    assert 'name="grant_knowledge_bank"' in asked
    assert 'name="accept_guidelines"' not in asked
    assert records_of(accepted_member, Kind.KNOWLEDGE_BANK).get().decision == (
        ConsentRecord.Decision.DECLINED
    )
    assert again.status_code == 302


def test_with_nothing_to_answer_the_page_sends_the_member_on(client, accepted_member, group):
    client.force_login(accepted_member)
    target = reverse("groups:detail", kwargs={"slug": group.slug})

    response = client.get(ACCEPT, {"next": target})

    assert (response.status_code, response["Location"]) == (302, target)


def test_the_page_needs_a_logged_in_member(client, in_force):
    response = client.get(ACCEPT)

    assert response["Location"].startswith(reverse("account_login"))


def test_an_answer_to_a_version_replaced_while_reading_is_not_recorded(
    client, accepted_member, guidelines_v2, publish
):
    client.force_login(accepted_member)
    page = client.get(ACCEPT).content.decode()
    assert 'name="shown" value="guidelines:2"' in page
    publish(Kind.GUIDELINES, title="Community guidelines", summary="Version 3")

    response = client.post(
        ACCEPT, {"accept_guidelines": "on", "shown": "guidelines:2", "next": "/"}, follow=True
    )

    assert not records_of(accepted_member, Kind.GUIDELINES).filter(version__gte=2).exists()
    assert "A new version was published while you were reading" in response.content.decode()
    assert 'name="shown" value="guidelines:3"' in response.content.decode()
