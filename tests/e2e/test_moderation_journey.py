"""Browser journey: a concern about a third party's details, a redaction, and the reason.

patient2 flags patient1's post as sharing someone else's personal information; a moderator
(with two-factor authentication) claims it and redacts the name with a reason; patient1 sees
the edited post and the reason. axe scans every page.
"""

import re

import pytest
from playwright.sync_api import expect

from community.forum.services import create_thread
from community.groups.models import Role
from community.moderation.models import ModerationAction
from tests.e2e.steps import fresh_totp_code, log_in, message

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

ORIGINAL = "My neighbour Anna Berg on Elm Street has the same pump and hates it."
REDACTED = "My neighbour has the same pump and hates it."
REASON = "Names a neighbour who has not agreed to be written about."


def test_a_flagged_post_is_redacted_by_a_moderator_and_its_author_sees_the_reason(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    patient1 = make_user(display_name="Morning walker")
    patient2 = make_user(display_name="Blue heron")
    moderator = make_user(display_name="Calm moderator", mfa=True)
    join(patient1, group)
    join(patient2, group)
    join(moderator, group, role=Role.MODERATOR)
    thread = create_thread(author=patient1, group=group, title="Pumps", body=ORIGINAL)
    thread_url = f"{live_site.url}{thread.get_absolute_url()}"
    post = thread.posts.get()

    # patient2 raises a concern in two clicks.
    reader = new_page()
    reader.goto(thread_url)
    log_in(reader, assert_accessible, email=patient2.email)
    reader.locator("#post-1").get_by_role("link", name="Flag").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Raise a concern")
    assert_accessible(reader)
    reader.get_by_label("Shares someone else's personal information").check()
    reader.get_by_role("button", name="Send to moderators").click()
    expect(message(reader, "Moderators will look at it soon")).to_be_visible()
    assert_accessible(reader)

    # The moderator signs in with their authenticator and works through the queue.
    desk = new_page()
    desk.goto(f"{live_site.url}/groups/{group.slug}/moderation/")
    log_in(desk, assert_accessible, email=moderator.email)
    expect(desk).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    desk.get_by_label("Code").fill(fresh_totp_code())
    desk.get_by_role("button", name="Sign In").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Review queue")
    assert_accessible(desk)
    desk.get_by_role("link", name="1 flag").click()
    expect(desk.get_by_text("Shares someone else's personal information")).to_be_visible()
    assert_accessible(desk)
    desk.get_by_role("button", name="I will take this one").click()
    expect(message(desk, "You are working on this item.")).to_be_visible()
    desk.get_by_role("radio", name="Redact part of it").check()
    desk.get_by_role("textbox", name="Reason").fill(REASON)
    desk.get_by_label("Redacted text").fill(REDACTED)
    desk.get_by_role("button", name="Record decision").click()
    expect(message(desk, "Done. The action is in the log.")).to_be_visible()
    expect(desk.get_by_text("Nothing to review.")).to_be_visible()
    assert_accessible(desk)

    action = ModerationAction.objects.get(action="redact")
    # The log keeps how much was redacted and why, never the words; nor does the history.
    assert (action.moderator, action.before, action.after) == (moderator, "", REDACTED)
    assert action.redacted_characters == len(ORIGINAL) - len(REDACTED)
    post.refresh_from_db()
    assert post.body_source == REDACTED
    assert list(post.revisions.values_list("body_source", flat=True)) == [REDACTED]

    # patient1 sees the edited post, the reason, and a notification about it.
    author = new_page()
    author.goto(thread_url)
    log_in(author, assert_accessible, email=patient1.email)
    first = author.locator("#post-1")
    expect(first).to_contain_text(REDACTED)
    expect(first).not_to_contain_text("Anna Berg")
    expect(first).to_contain_text(f"Moderators edited your post. Their reason: {REASON}")
    expect(author.locator("[data-bell-count]")).to_contain_text("1")
    assert_accessible(author)
    browser_problems.assert_none()
