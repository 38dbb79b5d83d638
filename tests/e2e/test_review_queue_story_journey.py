"""Browser journey on a phone (375×812): a review queue that tells the story (issue 17.2).

patient1 writes a post with crisis words behind a content warning. A moderator on a phone
opens the crisis card from the queue, having seen the excerpt (behind the warning), the
author and how long it has waited; records "support offered"; and sends a private message,
which patient1 then reads on their own page. axe scans every page.
"""

import re

import pytest
from playwright.sync_api import expect

from community.forum.services import create_thread
from community.groups.models import Role
from community.moderation.models import ModerationAction, ModerationItem, SupportMessage
from tests.e2e.steps import fresh_totp_code, log_in, message

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

PHONE_812 = {"width": 375, "height": 812}
CRISIS = "I can't do this anymore, I want to end my life tonight"
WORDS = "I read your post and I am glad you wrote it. Would you like to talk to the nurse line?"


def fits(page) -> bool:
    """Nothing is wider than the phone's screen."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_812["width"]


def test_a_moderator_on_a_phone_offers_support_and_writes_privately_to_a_member_in_crisis(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    patient1 = make_user(display_name="Morning walker")
    moderator = make_user(display_name="Calm moderator", mfa=True)
    join(patient1, group)
    join(moderator, group, role=Role.MODERATOR)
    create_thread(
        author=patient1, group=group, title="Tonight", body=CRISIS, content_warning="Dark night"
    )
    item = ModerationItem.objects.get(crisis=True)

    # The moderator signs in on a phone and sees the story on the card.
    desk = new_page(viewport=PHONE_812)
    desk.goto(f"{live_site.url}/groups/{group.slug}/moderation/")
    log_in(desk, assert_accessible, email=moderator.email)
    expect(desk).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    desk.get_by_label("Code").fill(fresh_totp_code())
    desk.get_by_role("button", name="Sign In").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Review queue")
    card = desk.locator(".queue-card").first
    expect(card).to_contain_text("Written by Morning walker")
    expect(card).to_contain_text("Crisis words were found in it")
    expect(card.locator(".waiting-crisis")).to_contain_text("Waiting for")
    card.get_by_text("Content warning: Dark night").click()  # the excerpt, behind it
    expect(card.get_by_text(CRISIS)).to_be_visible()
    assert fits(desk)
    assert_accessible(desk)

    # The item page: the post in its thread, the author, and the decisions that fit.
    card.get_by_role("link", name=re.compile(r"^Crisis")).click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Crisis")
    expect(desk.get_by_role("heading", name="The author")).to_be_visible()
    expect(desk.get_by_role("radio", name="Show it again")).to_have_count(0)
    assert fits(desk)
    assert_accessible(desk)
    desk.get_by_role("radio", name="Record that you offered the member support").check()
    desk.get_by_role("button", name="Record decision").click()
    expect(message(desk, "Done. The action is in the log.")).to_be_visible()
    expect(desk.locator(".queue-card").first).to_contain_text("First action after")
    assert_accessible(desk)

    # And a private word to the member.
    desk.locator(".queue-card").first.get_by_role("link", name=re.compile(r"^Crisis")).click()
    desk.get_by_label("A private message to the member").fill(WORDS)
    desk.get_by_role("button", name="Send the message").click()
    expect(message(desk, "Your message was sent.")).to_be_visible()
    expect(desk.locator(".support-message")).to_contain_text(WORDS)
    assert_accessible(desk)

    assert list(item.actions.values_list("action", flat=True)) == [
        ModerationAction.Action.SUPPORT_OFFERED
    ]
    assert SupportMessage.objects.get().recipient == patient1

    # patient1 reads it on their own page.
    member = new_page(viewport=PHONE_812)
    member.goto(f"{live_site.url}/moderation/messages/")
    log_in(member, assert_accessible, email=patient1.email)
    expect(member.get_by_role("heading", level=1)).to_have_text("Messages from moderators")
    expect(member.locator(".support-message")).to_contain_text(WORDS)
    expect(member.locator(".support-message")).to_contain_text("From Calm moderator")
    assert fits(member)
    assert_accessible(member)
    browser_problems.assert_none()
