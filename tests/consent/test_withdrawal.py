"""Withdrawing and giving consents from the member's consent page: an optional one takes
effect at once and is announced to the apps that act on it; a required one leads to closing
the account."""

import pytest
from django.urls import reverse

from community.consent import state
from community.consent.models import ConsentRecord, Kind
from community.privacy.services import close_account

from .conftest import fresh, records_of

MINE = reverse("consent:mine")


def withdraw_url(kind: str) -> str:
    return reverse("consent:withdraw", kwargs={"kind": kind})


def grant_url(kind: str) -> str:
    return reverse("consent:grant", kwargs={"kind": kind})


@pytest.fixture
def knowledge_bank(publish):
    return publish(Kind.KNOWLEDGE_BANK, title="Knowledge bank quotes")


@pytest.fixture
def quoting_member(accepted_member, knowledge_bank, accept, client):
    """A logged-in member who agreed to be quoted in the knowledge bank."""
    accept(accepted_member, required=[], granted=[Kind.KNOWLEDGE_BANK])
    client.force_login(accepted_member)
    return accepted_member


def test_withdrawing_an_optional_consent_takes_effect_at_once(
    client, quoting_member, peer, accept, heard_withdrawals, django_capture_on_commit_callbacks
):
    accept(peer, granted=[Kind.KNOWLEDGE_BANK])
    assert set(state.users_consenting_to(Kind.KNOWLEDGE_BANK)) == {quoting_member, peer}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(withdraw_url(Kind.KNOWLEDGE_BANK))
        assert heard_withdrawals == []  # not before the withdrawal has committed

    assert response["Location"] == MINE
    assert heard_withdrawals == [quoting_member.pk]
    assert not state.has_consent(fresh(quoting_member), Kind.KNOWLEDGE_BANK)
    assert list(state.users_consenting_to(Kind.KNOWLEDGE_BANK)) == [peer]
    latest = records_of(quoting_member, Kind.KNOWLEDGE_BANK).first()
    assert (latest.decision, latest.method) == (
        ConsentRecord.Decision.WITHDRAWN,
        ConsentRecord.Method.SETTINGS,
    )
    assert "Your consent has been withdrawn" in client.get(MINE).content.decode()


def test_the_withdrawal_page_explains_an_optional_consent_before_anything_happens(
    client, quoting_member
):
    page = client.get(withdraw_url(Kind.KNOWLEDGE_BANK))

    assert page.status_code == 200
    assert "This takes effect at once" in page.content.decode()
    assert state.has_consent(fresh(quoting_member), Kind.KNOWLEDGE_BANK)


def test_withdrawing_a_consent_not_given_is_refused_and_nothing_is_written(
    client, accepted_member, knowledge_bank, heard_withdrawals, commit
):
    client.force_login(accepted_member)
    before = records_of(accepted_member).count()

    response = commit(lambda: client.post(withdraw_url(Kind.KNOWLEDGE_BANK), follow=True))

    assert response.redirect_chain == [(MINE, 302)]
    assert "nothing to withdraw" in response.content.decode()
    assert records_of(accepted_member).count() == before
    assert heard_withdrawals == []


def test_withdrawing_a_consent_for_a_document_not_in_force_is_not_found(client, accepted_member):
    client.force_login(accepted_member)

    assert client.post(withdraw_url(Kind.RESEARCH)).status_code == 404
    assert client.post(withdraw_url("no-such-document")).status_code == 404


def test_withdrawing_a_required_consent_first_explains_the_consequence(client, accepted_member):
    client.force_login(accepted_member)

    page = client.get(withdraw_url(Kind.GUIDELINES)).content.decode()

    assert "This consent is required to take part in the community." in page
    assert reverse("privacy:exports") in page
    assert state.missing_required(fresh(accepted_member)) == []


def test_withdrawing_a_required_consent_leads_to_closing_the_account_and_gates_the_member(
    client, accepted_member, group, commit
):
    client.force_login(accepted_member)

    response = commit(lambda: client.post(withdraw_url(Kind.GUIDELINES)))

    assert response["Location"] == reverse("privacy:close_account")
    assert client.get(response["Location"]).status_code == 200
    assert state.missing_required(fresh(accepted_member)) == [Kind.GUIDELINES]
    home = client.get(reverse("home"))
    assert home["Location"].startswith(reverse("consent:accept"))
    latest = records_of(accepted_member, Kind.GUIDELINES).first()
    assert latest.decision == ConsentRecord.Decision.WITHDRAWN


def test_an_optional_consent_can_be_given_from_the_settings_page(
    client, accepted_member, knowledge_bank, commit
):
    client.force_login(accepted_member)
    page = client.get(MINE).content.decode()

    response = commit(lambda: client.post(grant_url(Kind.KNOWLEDGE_BANK)))

    assert f'action="{grant_url(Kind.KNOWLEDGE_BANK)}"' in page
    assert response["Location"] == MINE
    latest = records_of(accepted_member, Kind.KNOWLEDGE_BANK).get()
    assert (latest.decision, latest.method, latest.version) == (
        ConsentRecord.Decision.GRANTED,
        ConsentRecord.Method.SETTINGS,
        1,
    )
    assert state.has_consent(fresh(accepted_member), Kind.KNOWLEDGE_BANK)
    assert list(state.users_consenting_to(Kind.KNOWLEDGE_BANK)) == [accepted_member]


def test_giving_a_consent_twice_is_refused_with_a_message(client, quoting_member, commit):
    before = records_of(quoting_member).count()

    response = commit(lambda: client.post(grant_url(Kind.KNOWLEDGE_BANK), follow=True))

    assert "You have already given this consent." in response.content.decode()
    assert records_of(quoting_member).count() == before


def test_a_consent_can_be_given_again_after_withdrawing_it(client, quoting_member, commit):
    commit(lambda: client.post(withdraw_url(Kind.KNOWLEDGE_BANK)))
    commit(lambda: client.post(grant_url(Kind.KNOWLEDGE_BANK)))

    assert state.has_consent(fresh(quoting_member), Kind.KNOWLEDGE_BANK)
    assert list(
        records_of(quoting_member, Kind.KNOWLEDGE_BANK).values_list("decision", flat=True)
    ) == ["granted", "withdrawn", "granted"]


def test_a_consent_for_a_document_not_in_force_cannot_be_given(client, accepted_member):
    client.force_login(accepted_member)

    assert client.post(grant_url(Kind.RESEARCH)).status_code == 404
    assert not records_of(accepted_member, Kind.RESEARCH).exists()


def test_a_new_version_of_an_optional_document_needs_consent_again(quoting_member, publish):
    publish(Kind.KNOWLEDGE_BANK)

    assert not state.has_consent(fresh(quoting_member), Kind.KNOWLEDGE_BANK)
    assert not state.users_consenting_to(Kind.KNOWLEDGE_BANK).exists()
    assert state.undecided_optional(fresh(quoting_member)) == [Kind.KNOWLEDGE_BANK]


def test_a_required_document_is_accepted_on_the_acceptance_page_not_granted_from_settings(
    client, accepted_member, guidelines_v2, commit
):
    """The settings page offers "Read and accept" for a required document, never a button
    that would record it unread (and as given "in the member's consent settings")."""
    client.force_login(accepted_member)

    commit(lambda: client.post(grant_url(Kind.GUIDELINES)))

    assert not records_of(accepted_member, Kind.GUIDELINES).filter(version=2).exists()
    assert state.missing_required(fresh(accepted_member)) == [Kind.GUIDELINES]


def test_closing_an_account_withdraws_a_consent_given_to_an_earlier_version_too(
    accepted_member, guidelines_v2, commit
):
    commit(lambda: close_account(user=accepted_member, delete_content=True))

    latest = records_of(accepted_member, Kind.GUIDELINES).first()
    assert (latest.decision, latest.version, latest.method) == (
        ConsentRecord.Decision.WITHDRAWN,
        1,
        ConsentRecord.Method.ACCOUNT_CLOSED,
    )
