"""The knowledge bank: clinicians' resources and answered questions. A member's own words are
quoted only while they consent to it (the optional "knowledge_bank" document, current
version); otherwise the clinician puts the question in their own words, and a withdrawal
removes existing quotes at once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.consent import services as consent
from community.consent.models import Kind
from community.qa import knowledge, services
from community.qa.models import KnowledgeEntry
from tests.qa.conftest import fresh

QUESTION = "Can I take my pump into the sauna for ten minutes?"
ANSWER = "Take the pump off first; heat can spoil insulin."
PARAPHRASE = "Is heat a problem for insulin pumps?"


@pytest.fixture
def documents(in_force, publish):
    """The required documents and the optional quoting consent, all in force."""
    return {**in_force, Kind.KNOWLEDGE_BANK: publish(Kind.KNOWLEDGE_BANK)}


@pytest.fixture
def answered(documents, accept, live_session, clinician, member):
    """A member's answered question; the clinician and the member accepted what is required
    (the member decided nothing on quoting yet)."""
    accept(clinician)
    accept(member)
    question = services.ask(author=fresh(member), session=live_session, text=QUESTION)
    services.answer(host=fresh(clinician), question=question, text=ANSWER)
    return question


def add(clinician, question, **fields) -> KnowledgeEntry:
    values = {"title": "Pumps and saunas", "body": ANSWER, **fields}
    return knowledge.add_entry(
        author=fresh(clinician), group=question.session.group, question=question, **values
    )


def entry_page(client, user, entry) -> str:
    client.force_login(user)
    url = reverse("qa:knowledge_entry", kwargs={"slug": entry.group.slug, "entry_id": entry.pk})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Quoting needs the consent ------------------------------------------------------------


def test_a_question_is_quoted_when_its_author_granted_the_quoting_consent(
    answered, accept, clinician, member
):
    accept(member, required=[], granted=[Kind.KNOWLEDGE_BANK])

    entry = add(clinician, answered, quote=True)

    assert entry.quoted_question == QUESTION
    assert entry.source_question == answered
    assert knowledge.may_quote(answered)


def test_the_consent_given_on_the_acceptance_page_with_the_required_documents_counts(
    documents, accept, live_session, clinician, member
):
    accept(clinician)
    accept(member, granted=[Kind.KNOWLEDGE_BANK])
    question = services.ask(author=fresh(member), session=live_session, text=QUESTION)

    entry = add(clinician, question, quote=True)

    assert entry.quoted_question == QUESTION


def test_the_consent_given_later_in_the_settings_counts(answered, commit, clinician, member):
    commit(lambda: consent.grant_consent(user=fresh(member), kind=Kind.KNOWLEDGE_BANK))

    assert add(clinician, answered, quote=True).quoted_question == QUESTION


def test_without_a_decision_on_quoting_the_question_cannot_be_quoted(answered, clinician):
    with pytest.raises(ValidationError) as refused:
        add(clinician, answered, quote=True)

    assert refused.value.code == "no_consent"
    assert not KnowledgeEntry.objects.exists()


def test_a_member_who_declined_quoting_is_not_quoted(answered, accept, clinician, member):
    accept(member, required=[], declined=[Kind.KNOWLEDGE_BANK])

    with pytest.raises(ValidationError) as refused:
        add(clinician, answered, quote=True)

    assert refused.value.code == "no_consent"
    assert not knowledge.may_quote(answered)


def test_a_consent_to_an_earlier_version_of_the_quoting_document_does_not_count(
    answered, accept, publish, clinician, member
):
    accept(member, required=[], granted=[Kind.KNOWLEDGE_BANK])
    publish(Kind.KNOWLEDGE_BANK, body="Version two: quotes may also appear in e-mails.")

    with pytest.raises(ValidationError) as refused:
        add(clinician, answered, quote=True)

    assert refused.value.code == "no_consent"


def test_without_consent_a_paraphrase_is_required(answered, clinician):
    with pytest.raises(ValidationError) as refused:
        add(clinician, answered, quote=False)

    assert refused.value.code == "paraphrase"
    assert not KnowledgeEntry.objects.exists()


def test_with_a_paraphrase_the_entry_keeps_the_clinicians_words_and_no_quote(answered, clinician):
    entry = add(clinician, answered, paraphrase=f"  {PARAPHRASE}\r\n")

    assert entry.paraphrase == PARAPHRASE
    assert entry.quoted_question == ""
    assert entry.source_question == answered


def test_a_resource_without_a_question_needs_no_quote_or_paraphrase(
    documents, accept, clinician, group
):
    accept(clinician)

    entry = knowledge.add_entry(
        author=fresh(clinician), group=group, title=" Sick days ", body="Check *ketones*."
    )

    assert entry.title == "Sick days"
    assert "<em>ketones</em>" in entry.body_html
    assert (entry.quoted_question, entry.paraphrase) == ("", "")


def test_only_verified_clinicians_write_in_the_knowledge_bank(answered, accept, member, moderator):
    accept(moderator)
    for person in (member, moderator):
        with pytest.raises(PermissionDenied):
            add(person, answered, paraphrase=PARAPHRASE)

    assert not KnowledgeEntry.objects.exists()


def test_a_question_of_another_group_cannot_be_used(answered, accept, make_user, join, other_group):
    elsewhere = make_user(is_verified_clinician=True, mfa=True)
    join(elsewhere, other_group, role="clinician")
    accept(elsewhere)

    with pytest.raises(ValidationError) as refused:
        knowledge.add_entry(
            author=fresh(elsewhere),
            group=other_group,
            title="Taken",
            body=ANSWER,
            question=answered,
            paraphrase=PARAPHRASE,
        )

    assert refused.value.code == "group"


# --- Withdrawing the consent --------------------------------------------------------------


def test_withdrawing_the_consent_removes_existing_quotes_at_once(
    answered, accept, commit, clinician, member, peer, live_session, client
):
    accept(member, required=[], granted=[Kind.KNOWLEDGE_BANK])
    accept(peer, granted=[Kind.KNOWLEDGE_BANK])
    peers_question = services.ask(author=fresh(peer), session=live_session, text="Hot tubs?")
    mine = add(clinician, answered, quote=True)
    theirs = add(clinician, peers_question, quote=True, title="Hot tubs")
    assert QUESTION in entry_page(client, peer, mine)

    commit(lambda: consent.withdraw_consent(user=fresh(member), kind=Kind.KNOWLEDGE_BANK))

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.quoted_question == ""
    assert theirs.quoted_question == "Hot tubs?"
    assert QUESTION not in entry_page(client, peer, mine)
    assert not knowledge.may_quote(answered)


def test_after_withdrawing_the_question_cannot_be_quoted_again(
    answered, accept, commit, clinician, member
):
    accept(member, required=[], granted=[Kind.KNOWLEDGE_BANK])
    commit(lambda: consent.withdraw_consent(user=fresh(member), kind=Kind.KNOWLEDGE_BANK))

    with pytest.raises(ValidationError) as refused:
        add(clinician, answered, quote=True)

    assert refused.value.code == "no_consent"


# --- The pages ----------------------------------------------------------------------------


def knowledge_new_url(question) -> str:
    url = reverse("qa:knowledge_new", kwargs={"slug": question.session.group.slug})
    return f"{url}?question={question.pk}"


def test_the_form_offers_quoting_only_when_the_member_consented(
    answered, accept, client, clinician, member
):
    client.force_login(clinician)
    without = client.get(knowledge_new_url(answered)).content.decode()
    accept(member, required=[], granted=[Kind.KNOWLEDGE_BANK])
    with_consent = client.get(knowledge_new_url(answered)).content.decode()

    assert 'name="quote"' not in without
    assert "has not agreed to be quoted" in without
    assert 'name="quote"' in with_consent
    assert "has agreed to be quoted" in with_consent


def test_posting_a_quote_without_consent_is_refused_with_the_reason(answered, client, clinician):
    client.force_login(clinician)

    response = client.post(
        knowledge_new_url(answered),
        {"title": "Pumps", "body": ANSWER, "quote": "on", "question": answered.pk},
    )

    assert response.status_code == 400
    assert "has not agreed to be quoted in the knowledge bank" in response.content.decode()
    assert not KnowledgeEntry.objects.exists()


def test_a_quoted_entry_shows_the_members_words_but_never_their_name(
    answered, accept, client, clinician, member, peer
):
    accept(member, required=[], granted=[Kind.KNOWLEDGE_BANK])
    accept(peer)
    client.force_login(clinician)
    response = client.post(
        knowledge_new_url(answered),
        {"title": "Pumps", "body": ANSWER, "quote": "on", "question": answered.pk},
    )
    entry = KnowledgeEntry.objects.get()
    assert response.status_code == 302

    html = entry_page(client, peer, entry)

    assert "A member asked:" in html
    assert QUESTION in html
    assert member.display_name not in html
    assert "Nurse Nora" in html  # the clinician who wrote it is named


def test_members_of_other_groups_cannot_read_the_knowledge_bank(
    documents, accept, client, outsider, group
):
    accept(outsider)
    client.force_login(outsider)

    response = client.get(reverse("qa:knowledge", kwargs={"slug": group.slug}))

    assert response.status_code == 404


def test_members_cannot_open_the_form_to_write(documents, accept, client, member, group):
    accept(member)
    client.force_login(member)

    response = client.get(reverse("qa:knowledge_new", kwargs={"slug": group.slug}))

    assert response.status_code == 403
