"""Rules a review added: merged questions take their votes along; only waiting questions
are acted on; the knowledge bank never takes a member's words without their consent."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from community.qa import services
from community.qa.models import KnowledgeEntry, Question, Vote


def test_merging_moves_the_votes_to_the_kept_question_without_double_counting(
    live_session, clinician, member, peer, outsider, write_question, make_user, join, group
):
    third = make_user()
    join(third, group)
    duplicate = write_question(live_session, member)
    kept = write_question(live_session, peer)
    services.vote(user=peer, question=duplicate)
    services.vote(user=third, question=duplicate)
    services.vote(user=third, question=kept)  # voted for both: counts once

    services.merge(host=clinician, question=duplicate, into=kept)

    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert (kept.vote_count, duplicate.vote_count) == (1, 0)  # peer wrote `kept`: not counted
    assert set(Vote.objects.filter(question=kept).values_list("user", flat=True)) == {third.pk}
    assert duplicate.state == Question.State.MERGED


def test_a_merged_question_takes_no_more_votes_and_cannot_be_merged_into(
    live_session, clinician, member, peer, write_question
):
    duplicate = write_question(live_session, member)
    kept = write_question(live_session, member)
    services.merge(host=clinician, question=duplicate, into=kept)

    with pytest.raises(ValidationError):
        services.vote(user=peer, question=Question.objects.get(pk=duplicate.pk))
    with pytest.raises(ValidationError):
        services.merge(host=clinician, question=kept, into=duplicate)


def test_a_dismissed_question_cannot_be_answered(live_session, clinician, member, write_question):
    question = write_question(live_session, member)
    services.dismiss(host=clinician, question=question, reason="Asked and answered before")

    with pytest.raises(ValidationError):
        services.answer(host=clinician, question=question, text="Anyway…")


def test_adding_an_answer_to_the_bank_does_not_prefill_the_members_words(
    client, live_session, clinician, member, write_question
):
    question = write_question(live_session, member, text="My private worry about my son")
    services.answer(host=clinician, question=question, text="General advice here.")
    client.force_login(clinician)

    url = reverse("qa:knowledge_new", kwargs={"slug": live_session.group.slug})
    html = client.get(f"{url}?question={question.pk}").content.decode()

    assert "General advice here." in html
    assert "My private worry" not in html


def test_hiding_a_question_removes_its_quote_from_the_bank(
    live_session, clinician, member, write_question
):
    from community.qa.moderation_hooks import set_hidden

    question = write_question(live_session, member)
    entry = KnowledgeEntry.objects.create(
        group=live_session.group,
        title="Sensors",
        body_source="Text",
        body_html="<p>Text</p>",
        source_question=question,
        quoted_question=question.body_source,
        author=clinician,
    )

    set_hidden(question, True)

    entry.refresh_from_db()
    assert entry.quoted_question == ""
