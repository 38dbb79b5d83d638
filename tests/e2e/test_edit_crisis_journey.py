"""Browser journey: a harmless reply edited into a call for help (issue 16, item 1).

patient1 writes a harmless reply, then edits it into "I want to end my life tonight". They
see the crisis-support panel and their edited words; the moderator, who has the site open,
sees the bell rise without a reload, and the review queue puts the crisis first, above an
older item with more flags. axe scans every page.
"""

import re

import pytest
from playwright.sync_api import expect

from community.forum.services import create_thread
from community.groups.models import Role
from community.moderation.models import ModerationItem, Reason
from community.moderation.services import flag_content
from community.notifications.models import Notification
from tests.e2e.steps import fresh_totp_code, log_in, message

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

HARMLESS = "Good luck with the new pump, tell us how it goes."
CRISIS = "I want to end my life tonight"


def test_a_reply_edited_into_crisis_words_shows_support_and_reaches_the_moderator_first(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    patient1 = make_user(display_name="Morning walker")
    patient2 = make_user(display_name="Blue heron")
    moderator = make_user(display_name="Calm moderator", mfa=True)
    join(patient1, group)
    join(patient2, group)
    join(moderator, group, role=Role.MODERATOR)
    thread = create_thread(
        author=patient2, group=group, title="New pumps", body="Cinnamon replaces insulin."
    )
    thread_url = f"{live_site.url}{thread.get_absolute_url()}"
    # An older, ordinary concern already waits in the queue (and on the moderator's bell).
    flag_content(
        reporter=patient1,
        kind="forum.post",
        object_id=thread.posts.get().pk,
        reason=Reason.MISINFORMATION,
    )
    older = ModerationItem.objects.get()

    # The moderator has the site open, with the bell showing the one concern.
    desk = new_page()
    desk.goto(f"{live_site.url}/")
    log_in(desk, assert_accessible, email=moderator.email)
    desk.get_by_label("Code").fill(fresh_totp_code())
    desk.get_by_role("button", name="Sign In").click()
    bell = desk.locator("[data-bell-count]")
    expect(bell).to_contain_text("1")
    desk.evaluate("window.stillTheSamePage = true")

    # patient1 writes a harmless reply.
    writer = new_page()
    writer.goto(thread_url)
    log_in(writer, assert_accessible, email=patient1.email)
    expect(writer).to_have_url(thread_url)
    writer.locator("#reply").get_by_label("Your message").fill(HARMLESS)
    writer.get_by_role("button", name="Post reply").click()
    expect(message(writer, "Your reply was posted.")).to_be_visible()
    expect(writer.get_by_role("heading", name="You are not alone")).to_have_count(0)
    assert not ModerationItem.objects.filter(crisis=True).exists()

    # ...and edits it into a call for help.
    writer.locator("#post-2").get_by_role("link", name="Edit", exact=True).click()
    expect(writer.get_by_role("heading", level=1)).to_have_text("Edit your post")
    assert_accessible(writer)
    writer.get_by_label("Your message").fill(CRISIS)
    writer.get_by_role("button", name="Save changes").click()

    expect(message(writer, "Your changes were saved.")).to_be_visible()
    expect(writer.get_by_role("heading", name="You are not alone")).to_be_visible()
    expect(writer.locator("#post-2")).to_contain_text(CRISIS)
    expect(writer.locator("#post-2")).to_contain_text("(edited)")
    assert_accessible(writer)

    # The moderator's bell rises on the same page: the notification socket brought it.
    expect(bell).to_contain_text("2")
    assert desk.evaluate("window.stillTheSamePage") is True
    told = Notification.objects.filter(recipient=moderator).order_by("pk")
    assert list(told.values_list("kind", flat=True)) == ["moderation.flagged", "moderation.crisis"]
    assert_accessible(desk)

    # The review queue puts the crisis first, above the older item.
    crisis = ModerationItem.objects.get(crisis=True)
    assert (crisis.state, crisis.kind) == (ModerationItem.State.OPEN, "forum.post")
    desk.goto(f"{live_site.url}/groups/{group.slug}/moderation/")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Review queue")
    cards = desk.locator("ol.card-list > li")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_have_class(re.compile(r"\bis-crisis\b"))
    expect(cards.nth(0)).to_contain_text("Crisis")
    expect(cards.nth(0)).to_contain_text(f"item {crisis.pk}")
    expect(cards.nth(1)).to_contain_text(f"item {older.pk}")
    expect(cards.nth(1)).not_to_contain_text("Crisis")
    assert_accessible(desk)
    browser_problems.assert_none()
