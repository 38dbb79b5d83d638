"""The pages: the session with its questions by votes (and the same list alone for live
updates), anonymous questions, the notice under answers, and the forms that work without
JavaScript."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.markup.render import render_markdown
from community.qa.models import RSVP, Answer, QASession, Question, Vote

State = QASession.State
HTMX = {"HX-Request": "true"}
NOTICE = "General information from a clinician, not personal medical advice."


def page(client, user, session, **headers):
    client.force_login(user)
    response = client.get(session.get_absolute_url(), headers=headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def shown_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="question-(\d+)"', html)]


def url(name: str, session, **kwargs) -> str:
    return reverse(
        f"qa:{name}", kwargs={"slug": session.group.slug, "session_id": session.pk, **kwargs}
    )


def answer_directly(question, host, text="Keep it cool.") -> Answer:
    return Answer.objects.create(
        question=question, author=host, body_source=text, body_html=render_markdown(text).html
    )


# --- Who sees the session -----------------------------------------------------------------


def test_a_member_sees_the_session_its_questions_and_the_form_to_ask(
    client, open_session, member, peer, write_question
):
    write_question(open_session, peer, "Do **sensors** mind heat?")

    html = page(client, member, open_session)

    assert "<h1>Ask the nurse</h1>" in html
    assert "Do <strong>sensors</strong> mind heat?" in html
    assert "Peer Petra" in html
    assert "Send my question" in html
    assert f'data-socket="/ws/qa/{open_session.pk}/"' in html


@pytest.mark.parametrize("who", ["outsider", "removed_member", "staff"])
def test_people_who_may_not_read_the_group_get_not_found(client, request, open_session, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(open_session.get_absolute_url()).status_code == 404
    assert client.get(open_session.get_absolute_url(), headers=HTMX).status_code == 404


def test_a_session_of_another_group_is_not_found_under_this_groups_address(
    client, make_group, open_session, member
):
    elsewhere = make_group()
    client.force_login(member)

    response = client.get(
        reverse("qa:session", kwargs={"slug": elsewhere.slug, "session_id": open_session.pk})
    )

    assert response.status_code == 404


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client, open_session):
    response = client.get(open_session.get_absolute_url())

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_muted_member_reads_the_session_without_the_forms_to_take_part(
    client, open_session, muted_member, peer, write_question
):
    write_question(open_session, peer, "Visible to the muted too?")

    html = page(client, muted_member, open_session)

    assert "Visible to the muted too?" in html
    assert "Send my question" not in html
    assert "I will come" not in html
    assert ">Vote<" not in html


# --- Questions by votes, in a constant number of queries ----------------------------------


def test_questions_are_listed_by_votes_then_by_age(
    client, open_session, member, peer, write_question
):
    now = timezone.now()
    old_few = write_question(open_session, peer, vote_count=1, created_at=now - timedelta(hours=2))
    many = write_question(open_session, peer, vote_count=5, created_at=now - timedelta(hours=1))
    new_few = write_question(open_session, peer, vote_count=1, created_at=now)
    none = write_question(open_session, peer, vote_count=0, created_at=now - timedelta(hours=3))

    html = page(client, member, open_session)

    assert shown_ids(html) == [many.pk, old_few.pk, new_few.pk, none.pk]


def add_questions(session, count, authors, host, voter, write_question) -> None:
    """Questions of every kind the list shows: anonymous, answered, merged, voted for."""
    for number in range(count):
        question = write_question(
            session,
            authors[number % len(authors)],
            is_anonymous=number % 3 == 0,
            vote_count=number % 4,
        )
        if number % 3 == 1:
            answer_directly(question, host)
            question.state = Question.State.ANSWERED
            question.save(update_fields=["state"])
        if number % 5 == 2:
            question.state = Question.State.MERGED
            question.merged_into = Question.objects.filter(session=session).first()
            question.save(update_fields=["state", "merged_into"])
        if number % 2 == 0 and question.author_id != voter.pk:
            Vote.objects.create(question=question, user=voter)


@pytest.mark.parametrize("viewer", ["member", "clinician"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_the_page_takes_the_same_number_of_queries_for_3_and_30_questions(
    client, request, live_session, member, peer, clinician, write_question, viewer, headers
):
    user = request.getfixturevalue(viewer)
    client.force_login(user)
    authors = [member, peer]

    def queries() -> tuple[int, int]:
        client.get(live_session.get_absolute_url(), headers=headers)  # the bell, counted once
        with CaptureQueriesContext(connection) as captured:
            response = client.get(live_session.get_absolute_url(), headers=headers)
        assert response.status_code == 200
        return len(captured), len(shown_ids(response.content.decode()))

    add_questions(live_session, 3, authors, clinician, member, write_question)
    few, shown_few = queries()
    add_questions(live_session, 27, authors, clinician, member, write_question)
    many, shown_many = queries()

    assert (shown_few, shown_many) == (3, 30)
    assert many == few


# --- The list alone, for live updates -----------------------------------------------------


def test_an_htmx_request_gets_only_the_question_list(
    client, open_session, member, peer, write_question
):
    question = write_question(open_session, peer, "Only the list?")

    fragment = page(client, member, open_session, **HTMX)

    assert fragment.lstrip().startswith("<h2>Questions</h2>")
    assert shown_ids(fragment) == [question.pk]
    assert "Only the list?" in fragment
    assert "<html" not in fragment
    assert "<h1>" not in fragment
    assert "Send my question" not in fragment
    assert "data-socket" not in fragment


def test_the_full_page_wraps_the_same_list(client, open_session, member, peer, write_question):
    write_question(open_session, peer, "In both?")

    full = page(client, member, open_session)
    fragment = page(client, member, open_session, **HTMX)

    assert "<html" in full
    assert shown_ids(full) == shown_ids(fragment)


# --- Anonymous questions ------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["peer", "clinician", "moderator", "member"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_an_anonymous_question_never_shows_its_authors_name(
    client, request, live_session, member, clinician, write_question, viewer, headers
):
    question = write_question(live_session, member, "A private worry?", is_anonymous=True)
    answer_directly(question, clinician)

    html = page(client, request.getfixturevalue(viewer), live_session, **headers)

    assert "A private worry?" in html
    assert "A group member" in html
    assert member.display_name not in html


def test_a_question_asked_anonymously_through_the_form_is_shown_without_a_name(
    client, open_session, member, peer
):
    client.force_login(member)
    response = client.post(
        open_session.get_absolute_url(), {"text": "Asked without my name?", "anonymous": "on"}
    )
    assert response.status_code == 302

    html = page(client, peer, open_session)

    assert Question.objects.get().is_anonymous
    assert "Asked without my name?" in html
    assert "A group member" in html
    assert member.display_name not in html


def test_a_named_question_shows_its_authors_name(
    client, open_session, member, peer, write_question
):
    write_question(open_session, member, "With my name.")

    html = page(client, peer, open_session)

    assert member.display_name in html
    assert "A group member" not in html


# --- Answers and the notice ---------------------------------------------------------------


def item_of(html: str, question) -> str:
    """The question's list item on the page."""
    found = re.search(rf'<li[^>]*id="question-{question.pk}".*?</li>', html, re.DOTALL)
    assert found, "the question is not on the page"
    return found.group(0)


def test_the_not_medical_advice_notice_appears_under_each_answer(
    client, live_session, member, peer, clinician, write_question
):
    answered = write_question(live_session, peer, "Answered one?")
    answer_directly(answered, clinician, "Yes, *this* is the answer.")
    unanswered = write_question(live_session, peer, "Unanswered one?")

    html = page(client, member, live_session)

    answered_item = item_of(html, answered)
    assert answered_item.index(NOTICE) > answered_item.index("Yes, <em>this</em> is the answer.")
    assert "Verified clinician" in answered_item
    assert NOTICE not in item_of(html, unanswered)
    assert html.count(NOTICE) == 1


def test_the_notice_under_answers_can_be_configured(
    client, settings, live_session, member, peer, clinician, write_question
):
    settings.QA_ANSWER_NOTICE = "Not advice for you personally. Ask your own team."
    answer_directly(write_question(live_session, peer), clinician)

    html = page(client, member, live_session)

    assert "Not advice for you personally. Ask your own team." in html
    assert NOTICE not in html


def test_no_notice_appears_while_nothing_is_answered(
    client, live_session, member, peer, write_question
):
    write_question(live_session, peer)

    assert NOTICE not in page(client, member, live_session)


# --- Asking, voting and signing up through the forms --------------------------------------


def test_a_member_asks_through_the_form_and_is_sent_back_to_the_session(
    client, open_session, member
):
    client.force_login(member)

    response = client.post(open_session.get_absolute_url(), {"text": "Through the form?"})

    assert response.status_code == 302
    assert response["Location"] == open_session.get_absolute_url()
    question = Question.objects.get()
    assert (question.author, question.body_source) == (member, "Through the form?")


def test_a_question_sent_just_after_the_session_ended_is_refused_with_the_reason_shown(
    client, make_session, member
):
    session = make_session(State.ENDED)  # the page was loaded while it was live
    client.force_login(member)

    response = client.post(session.get_absolute_url(), {"text": "Too late?"})

    assert response.status_code == 400
    assert "Questions can be asked while the session is open or live." in response.content.decode()
    assert not Question.objects.exists()


def test_a_member_muted_while_writing_is_refused_with_the_reason_shown(
    client, open_session, muted_member
):
    client.force_login(muted_member)

    response = client.post(open_session.get_absolute_url(), {"text": "Muted?"})

    assert response.status_code == 400
    assert "You cannot ask questions here right now." in response.content.decode()
    assert not Question.objects.exists()


def test_voting_through_the_form_counts_once_and_hides_the_button(
    client, open_session, member, peer, write_question
):
    question = write_question(open_session, peer, "Vote for me?")
    client.force_login(member)
    vote_url = url("vote", open_session, question_id=question.pk)

    first = client.post(vote_url, {"submission_key": "first-vote-form-0001"})
    repeat = client.post(vote_url, {"submission_key": "first-vote-form-0001"})
    # A vote sent again from another page (another form key) is refused, and says why.
    second = client.post(vote_url, {"submission_key": "other-vote-form-0002"}, follow=True)

    assert first.status_code == repeat.status_code == 302
    assert first["Location"] == repeat["Location"]
    assert first["Location"].endswith(f"#question-{question.pk}")
    question.refresh_from_db()
    assert question.vote_count == 1
    assert "You have already voted for this question." in second.content.decode()
    html = page(client, member, open_session)
    assert "You voted" in html
    assert vote_url not in html


def test_a_muted_member_voting_through_the_form_changes_nothing(
    client, open_session, muted_member, peer, write_question
):
    question = write_question(open_session, peer)
    client.force_login(muted_member)

    client.post(url("vote", open_session, question_id=question.pk))

    question.refresh_from_db()
    assert question.vote_count == 0
    assert not Vote.objects.exists()


def test_the_rsvp_button_signs_up_and_counts_the_member(client, open_session, member):
    client.force_login(member)

    response = client.post(url("rsvp", open_session))

    assert response.status_code == 302
    assert RSVP.objects.filter(session=open_session, user=member).exists()
    html = page(client, member, open_session)
    assert "1 member is coming." in html
    assert "I will not come after all" in html


def test_a_muted_member_cannot_sign_up_through_the_form(client, open_session, muted_member):
    client.force_login(muted_member)

    client.post(url("rsvp", open_session))

    assert not RSVP.objects.exists()


# --- The host's controls ------------------------------------------------------------------


def test_the_host_sees_the_next_moves_and_members_do_not(client, open_session, clinician, member):
    host_html = page(client, clinician, open_session)
    member_html = page(client, member, open_session)

    assert 'value="live"' in host_html
    assert 'value="end"' not in host_html
    assert url("move", open_session) not in member_html


def test_the_host_goes_live_through_the_form(client, open_session, clinician):
    client.force_login(clinician)

    response = client.post(url("move", open_session), {"action": "live"})

    assert response.status_code == 302
    open_session.refresh_from_db()
    assert open_session.state == State.LIVE


def test_a_member_posting_a_move_changes_nothing(client, open_session, member):
    client.force_login(member)

    client.post(url("move", open_session), {"action": "live"})

    open_session.refresh_from_db()
    assert open_session.state == State.OPEN


def test_the_host_answers_through_the_form_and_the_answer_shows_with_the_notice(
    client, live_session, clinician, member, peer, write_question
):
    question = write_question(live_session, peer, "Form answer?")
    client.force_login(clinician)

    response = client.post(
        url("host_action", live_session, question_id=question.pk),
        {"action": "answer", "text": "Answered *here*."},
    )

    assert response.status_code == 302
    html = page(client, member, live_session)
    assert "Answered <em>here</em>." in html
    assert NOTICE in html


def test_a_member_posting_an_answer_changes_nothing(
    client, live_session, member, peer, write_question
):
    question = write_question(live_session, peer)
    client.force_login(member)

    client.post(
        url("host_action", live_session, question_id=question.pk),
        {"action": "answer", "text": "Not my place."},
    )

    assert not Answer.objects.exists()


# --- Scheduling ---------------------------------------------------------------------------


def test_a_verified_clinician_schedules_a_session_through_the_form(client, clinician, group):
    client.force_login(clinician)

    response = client.post(
        reverse("qa:session_new", kwargs={"slug": group.slug}),
        {
            "title": "Evening Q&A",
            "description": "",
            "starts_at": "2031-05-01T18:00",
            "ends_at": "2031-05-01T19:00",
        },
    )

    session = QASession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    assert list(session.hosts.all()) == [clinician]


def test_a_member_who_is_not_a_verified_clinician_cannot_open_the_scheduling_form(
    client, member, group
):
    client.force_login(member)
    new_url = reverse("qa:session_new", kwargs={"slug": group.slug})

    assert client.get(new_url).status_code == 403
    assert client.post(new_url, {"title": "Mine"}).status_code == 403
    assert not QASession.objects.exists()


def test_the_list_shows_upcoming_and_past_sessions_apart(client, make_session, member, group):
    make_session(State.OPEN, title="Coming soon")
    make_session(State.ARCHIVED, title="Long ago", starts_at=timezone.now() - timedelta(days=9))
    client.force_login(member)

    html = client.get(reverse("qa:sessions", kwargs={"slug": group.slug})).content.decode()

    coming, archive = html.split("<h2>Archive</h2>")
    assert "Coming soon" in coming and "Long ago" not in coming
    assert "Long ago" in archive
    assert "Schedule a session" not in html


@pytest.mark.parametrize("into", ["", "not-a-number", "99999"])
def test_a_merge_into_a_question_that_is_not_there_is_refused_with_a_message(
    client, open_session, clinician, peer, write_question, into
):
    question = write_question(open_session, peer)
    client.force_login(clinician)

    response = client.post(
        url("host_action", open_session, question_id=question.pk),
        {"action": "merge", "into": into},
        follow=True,
    )

    assert response.status_code == 200
    assert "Choose another question of this session." in response.content.decode()
    question.refresh_from_db()
    assert question.state == Question.State.OPEN
