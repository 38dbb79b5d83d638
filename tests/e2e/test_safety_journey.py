"""Browser journeys of the safety nets: a member asks a clinician to check a health claim, the
clinician adds a note from the review queue's lane, and another patient sees it; personal
details in chat are asked about in the composer before anything is sent. axe scans each page.
"""

import pytest
from playwright.sync_api import expect

from community.chat.models import ChatMessage
from community.forum.models import ClinicianNote
from community.forum.services import create_thread
from community.groups.models import Role
from community.safety.models import PersonalDataConfirmation
from tests.e2e.steps import fresh_totp_code, log_in, message

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_a_clinician_answers_a_health_claim_with_a_note_that_another_patient_sees(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    patient1 = make_user(display_name="Morning walker")
    patient2 = make_user(display_name="Night owl")
    nurse = make_user(display_name="Nurse Nora", mfa=True, is_verified_clinician=True)
    join(patient1, group)
    join(patient2, group)
    join(nurse, group, role=Role.CLINICIAN)
    thread = create_thread(
        author=patient1,
        group=group,
        title="Cinnamon instead of insulin?",
        body="I read that cinnamon lets you skip correction doses.",
    )
    thread_url = f"{live_site.url}{thread.get_absolute_url()}"

    reader = new_page()
    reader.goto(thread_url)
    log_in(reader, assert_accessible, email=patient2.email)
    reader.get_by_role("link", name="Ask a clinician to check").click()
    expect(reader.get_by_label("A health claim a clinician should check")).to_be_checked()
    assert_accessible(reader)
    reader.get_by_role("button", name="Send to the clinicians").click()
    expect(message(reader, "The group's clinicians will look at it")).to_be_visible()

    clinician = new_page()
    clinician.goto(f"{live_site.url}/groups/{group.slug}/moderation/?lane=clinicians")
    log_in(clinician, assert_accessible, email=nurse.email)
    clinician.get_by_label("Code").fill(fresh_totp_code())
    clinician.get_by_role("button", name="Sign In").click()
    expect(clinician.get_by_role("link", name="For clinicians (1)")).to_be_visible()
    assert_accessible(clinician)
    clinician.get_by_role("link", name="A clinician's word is asked for").click()
    assert_accessible(clinician)
    clinician.get_by_role("link", name="See it in place").click()
    clinician.get_by_role("link", name="Add a clinician's note").click()
    expect(clinician.get_by_role("heading", level=1)).to_have_text("Add a clinician's note")
    assert_accessible(clinician)
    clinician.get_by_label("Corrects what the post says").check()
    clinician.get_by_label("Your note").fill("Cinnamon does **not** replace insulin.")
    clinician.get_by_role("button", name="Add the note").click()
    expect(message(clinician, "Your note is shown under the post")).to_be_visible()
    assert ClinicianNote.objects.get().author == nurse

    reader.goto(thread_url)
    note = reader.locator("#post-1 .clinician-note")
    expect(note).to_contain_text("Cinnamon does not replace insulin.")
    expect(note.locator(".badge-clinician")).to_have_text("Verified clinician")
    expect(note).to_contain_text("Corrects what the post says")
    assert_accessible(reader)
    browser_problems.assert_none()


@pytest.fixture
def chat_page(live_site, new_page, assert_accessible, make_group, make_user, join):
    """patient1's chat room, logged in."""
    group = make_group("Living with diabetes")
    patient1 = make_user(display_name="Morning walker")
    join(patient1, group)
    page = new_page()
    page.goto(f"{live_site.url}/groups/{group.slug}/chat/")
    log_in(page, assert_accessible, email=patient1.email)
    return page


def test_personal_details_in_chat_are_asked_about_in_the_composer_before_sending(
    chat_page, browser_problems, assert_accessible
):
    page = chat_page
    composer = page.get_by_role("textbox", name="Message")
    composer.fill("Call me on 070-123 45 67 tonight")
    composer.press("Enter")

    warning = page.locator("[data-chat-personal]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("a phone number: 070-123 45 67")
    expect(composer).to_have_value("Call me on 070-123 45 67 tonight")  # nothing lost
    expect(page.locator("[data-chat-messages] li[data-id]")).to_have_count(0)
    assert not ChatMessage.objects.exists()
    assert_accessible(page)

    page.get_by_role("button", name="It is about me: send").click()
    expect(page.locator("[data-chat-messages] li[data-id]")).to_have_count(1)
    expect(warning).to_be_hidden()
    assert PersonalDataConfirmation.objects.get().answer == "own"
    browser_problems.assert_none()


def test_messages_held_back_while_offline_are_each_asked_about_and_survive_a_reload(
    chat_page, browser_problems, assert_accessible
):
    page = chat_page
    composer = page.get_by_role("textbox", name="Message")
    warning = page.locator("[data-chat-personal]")
    expect(page.locator("[data-chat-offline]")).to_be_empty()

    # Two messages written while offline both carry someone's details.
    page.context.set_offline(True)
    page.evaluate("window.dispatchEvent(new Event('offline'))")
    for words in ("My number is 070-123 45 67", "Dr Lindqvist said to rest"):
        composer.fill(words)
        composer.press("Enter")
    composer.fill("Still writing this")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")

    # The first is quoted (the author is writing something else), and kept across a reload.
    expect(warning).to_be_visible()
    expect(warning.locator("blockquote")).to_have_text("My number is 070-123 45 67")
    page.reload()
    expect(warning).to_be_visible()
    expect(composer).to_have_value("My number is 070-123 45 67")
    assert_accessible(page)

    page.get_by_role("button", name="It is about me: send").click()
    expect(composer).to_have_value("Dr Lindqvist said to rest")  # the next one, in its turn
    page.get_by_role("button", name="The person agreed: send").click()
    expect(page.locator("[data-chat-messages] li[data-id]")).to_have_count(2)
    expect(warning).to_be_hidden()

    answers = {
        sent.body_source: PersonalDataConfirmation.objects.get(object_id=sent.pk).answer
        for sent in ChatMessage.objects.all()
    }
    assert answers == {
        "My number is 070-123 45 67": "own",
        "Dr Lindqvist said to rest": "consent",
    }
    browser_problems.assert_none()
