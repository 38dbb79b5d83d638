"""A session's host sees a host's view: no RSVP, no vote, no "Ask a question" (they answer),
but the host panel with the session's controls and, when live, each question's answer form
in view; members, moderators and other clinicians keep theirs."""

import pytest

from community.qa.models import RSVP, QASession

State = QASession.State
RSVP_BUTTON = "I will come (remind me)"
ASK = "Send my question"
VOTE = ">Vote<"
HOST_PANEL = "You host this session"


def page(client, user, session) -> str:
    client.force_login(user)
    response = client.get(session.get_absolute_url())
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_host_of_an_open_session_is_offered_no_rsvp_vote_or_question_form(
    client, clinician, member, open_session, write_question
):
    write_question(open_session, member, "Can I exercise with a pump?")

    html = page(client, clinician, open_session)

    assert "Can I exercise with a pump?" in html
    assert RSVP_BUTTON not in html
    assert "I will not come after all" not in html
    assert VOTE not in html
    assert ASK not in html
    assert "Ask a question" not in html


def test_the_host_sees_the_host_panel_with_the_session_controls_and_who_is_coming(
    client, clinician, member, open_session
):
    RSVP.objects.create(session=open_session, user=member)

    html = page(client, clinician, open_session)

    assert HOST_PANEL in html
    assert "Start the session" in html
    assert "1 member is coming." in html


def test_in_a_live_session_the_host_sees_each_questions_answer_form_without_opening_anything(
    client, clinician, member, live_session, write_question
):
    question = write_question(live_session, member)

    html = page(client, clinician, live_session)

    assert "End the session" in html
    answer_form = html.index(f'id="answer-{question.pk}"')
    tools = html.index("<details", html.index(f'id="question-{question.pk}"'))
    assert answer_form < tools  # the answer form is not folded away
    assert "Publish the answer" in html
    assert "Other host tools" in html


def test_before_the_session_is_live_the_host_is_told_when_they_can_answer(
    client, clinician, open_session, member, write_question
):
    question = write_question(open_session, member)

    html = page(client, clinician, open_session)

    assert f'id="answer-{question.pk}"' not in html
    assert "You can answer questions once you start the session." in html


@pytest.mark.parametrize("role", ["member", "moderator", "group_admin", "other_clinician"])
def test_everyone_else_who_takes_part_keeps_rsvp_vote_and_ask_and_sees_no_host_panel(
    client, request, role, open_session, peer, write_question
):
    write_question(open_session, peer)

    html = page(client, request.getfixturevalue(role), open_session)

    assert RSVP_BUTTON in html
    assert VOTE in html
    assert ASK in html
    assert HOST_PANEL not in html
    assert "Publish the answer" not in html


def test_a_muted_member_reads_without_rsvp_vote_ask_or_host_controls(
    client, muted_member, open_session, peer, write_question
):
    write_question(open_session, peer)

    html = page(client, muted_member, open_session)

    assert RSVP_BUTTON not in html
    assert VOTE not in html
    assert HOST_PANEL not in html


def test_an_outsider_and_a_logged_out_visitor_never_see_the_session(client, outsider, open_session):
    client.force_login(outsider)
    assert client.get(open_session.get_absolute_url()).status_code == 404
    client.logout()
    response = client.get(open_session.get_absolute_url())
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
