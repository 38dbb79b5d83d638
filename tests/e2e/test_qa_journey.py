"""Browser journey: a clinician hosts a live Q&A session.

The clinician starts the session; patient1 asks; patient2 upvotes; the clinician answers;
patient1 sees the answer appear without reloading. axe scans the session page for each.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.groups.models import Role
from community.qa.models import Question
from community.qa.services import create_session
from tests.e2e.conftest import PHONE
from tests.e2e.steps import fresh_totp_code, log_in, message

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

QUESTION = "Is it safe to exercise when my levels are high?"
ANSWER = "Check for ketones first; if there are none, light exercise is usually fine."


def test_a_clinician_answers_a_voted_question_and_the_asker_sees_it_live(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    nurse = make_user(display_name="Nurse Nora", mfa=True, is_verified_clinician=True)
    patient1 = make_user(display_name="Morning walker")
    patient2 = make_user(display_name="Blue heron")
    join(nurse, group, role=Role.CLINICIAN)
    join(patient1, group)
    join(patient2, group)
    session = create_session(
        host=nurse,
        group=group,
        title="Exercise and blood sugar",
        description="Bring your questions.",
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    url = f"{live_site.url}{session.get_absolute_url()}"

    host = new_page()
    host.goto(url)
    log_in(host, assert_accessible, email=nurse.email)
    host.get_by_label("Code").fill(fresh_totp_code())
    host.get_by_role("button", name="Sign In").click()
    expect(host.get_by_role("heading", level=1)).to_have_text("Exercise and blood sugar")
    host.get_by_role("button", name="Start the session").click()
    expect(host.get_by_text("Live", exact=True)).to_be_visible()
    assert_accessible(host)

    asker = new_page(viewport=PHONE)
    asker.goto(url)
    log_in(asker, assert_accessible, email=patient1.email)
    asker.get_by_label("Your question").fill(QUESTION)
    asker.get_by_role("button", name="Send my question").click()
    expect(message(asker, "Your question has been sent")).to_be_visible()
    assert_accessible(asker)

    voter = new_page()
    voter.goto(url)
    log_in(voter, assert_accessible, email=patient2.email)
    voter.get_by_role("button", name="Vote").click()
    expect(voter.get_by_text("You voted")).to_be_visible()
    assert_accessible(voter)
    assert Question.objects.get().vote_count == 1

    # The host's page already shows the question and its vote, without a reload.
    expect(host.locator(".qa-question")).to_contain_text(QUESTION)
    expect(host.locator(".qa-question")).to_contain_text("1 vote")
    host.get_by_text("Host tools").click()
    host.get_by_label("Answer", exact=True).fill(ANSWER)
    host.get_by_role("button", name="Publish the answer").click()

    # patient1 never reloaded: the answer arrives by itself, with the notice under it.
    expect(asker.locator(".qa-answer")).to_contain_text(ANSWER)
    expect(asker.locator(".qa-answer")).to_contain_text("not personal medical advice")
    expect(asker.locator(".qa-answer .badge-clinician")).to_have_text("Verified clinician")
    assert_accessible(asker)
    browser_problems.assert_none()
