"""Browser journey (issue 17.5): each role sees its own view, on a phone, with axe at zero.

Staff in no group land on the open and crisis counts per group; a member's group page shows
the recent discussions, the next Q&A session and who reads along; the flag page quotes the
post being flagged; a Q&A host sees the host panel and the answer form, and no vote or
question form of their own.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from community.forum.services import create_thread
from community.groups.models import Role
from community.moderation.models import ModerationItem
from community.qa.models import QASession
from community.qa.services import ask, create_session
from tests.e2e.conftest import PHONE
from tests.e2e.steps import log_in
from tests.e2e.test_phone_layout import check_page, log_in_with_code

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

QUESTION = "Is it safe to exercise when my levels are high?"


def test_each_role_lands_on_its_own_view_on_a_phone(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    staff = make_user(display_name="Organisation admin", mfa=True, is_staff=True)
    member = make_user(display_name="Morning walker")
    peer = make_user(display_name="Blue heron")
    moderator = make_user(display_name="Calm moderator", mfa=True)
    nurse = make_user(display_name="Nurse Nora", is_verified_clinician=True, mfa=True)
    join(member, group)
    join(peer, group)
    join(moderator, group, role=Role.MODERATOR)
    join(nurse, group, role=Role.CLINICIAN)
    thread = create_thread(
        author=peer, group=group, title="Sensors at night", body="Mine beeps at three."
    )
    session = create_session(
        host=nurse,
        group=group,
        title="Exercise and blood sugar",
        description="Bring your questions.",
        starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    QASession.objects.filter(pk=session.pk).update(state=QASession.State.LIVE)
    session.refresh_from_db()
    ask(author=member, session=session, text=QUESTION)
    ModerationItem.objects.create(group=group, kind="forum.post", object_id=1, crisis=True)
    site = live_site.url
    problems = []

    # Staff, in no group, land on the counts per group.
    office = new_page(viewport=PHONE)
    log_in_with_code(office, f"{site}/", assert_accessible, staff)
    problems += check_page(office, f"{site}/", assert_accessible)
    expect(office.get_by_role("heading", level=1)).to_have_text("Overview")
    row = office.locator("tr", has_text="Living with diabetes")
    expect(row).to_contain_text("1")
    expect(office.get_by_text("You are not in any group yet")).to_have_count(0)

    # A member's group page: the discussions, the next session, who reads along.
    patient = new_page(viewport=PHONE)
    patient.goto(f"{site}/")
    log_in(patient, assert_accessible, email=member.email)
    group_url = f"{site}{reverse('groups:detail', kwargs={'slug': group.slug})}"
    problems += check_page(patient, group_url, assert_accessible)
    expect(patient.get_by_role("link", name="Sensors at night")).to_be_visible()
    expect(patient.get_by_role("link", name="Exercise and blood sugar")).to_be_visible()
    reading_along = patient.locator(".reading-along")
    expect(reading_along).to_contain_text("Calm moderator")
    expect(reading_along).to_contain_text("Nurse Nora")
    expect(reading_along).not_to_contain_text(nurse.email)

    # The flag page quotes the post being flagged.
    post = thread.posts.get()
    flag_url = (
        f"{site}{reverse('moderation:flag', kwargs={'kind': 'forum.post', 'object_id': post.pk})}"
    )
    problems += check_page(patient, flag_url, assert_accessible)
    expect(patient.locator(".flag-excerpt")).to_contain_text("Mine beeps at three.")

    # The host's view of a live session.
    host = new_page(viewport=PHONE)
    log_in_with_code(host, f"{site}/", assert_accessible, nurse)
    problems += check_page(host, f"{site}{session.get_absolute_url()}", assert_accessible)
    expect(host.get_by_role("heading", name="You host this session")).to_be_visible()
    expect(host.get_by_label("Answer", exact=True)).to_be_visible()
    expect(host.get_by_role("button", name="Vote")).to_have_count(0)
    expect(host.get_by_role("heading", name="Ask a question")).to_have_count(0)

    # The member's view of the same session keeps their part.
    patient.goto(f"{site}{session.get_absolute_url()}")
    expect(patient.get_by_role("heading", name="Ask a question")).to_be_visible()
    expect(patient.get_by_role("heading", name="You host this session")).to_have_count(0)

    assert not problems, "\n".join(problems)
    browser_problems.assert_none()
