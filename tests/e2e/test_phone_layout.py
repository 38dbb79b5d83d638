"""Browser check: every role's main pages fit a phone and suit fingers and eyes.

At 375×812 (and again at 320 wide, the narrowest phone WCAG reflow asks for), for a set of
pages per role: nothing is wider than the screen, every button, button-like link, menu link and
post action is at least 44×44 CSS px, radio buttons and checkboxes at least 24 px, and axe finds
nothing. A failed form opens with its error summary focused.
"""

import os
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from community.forum.clinician_notes import write_clinician_note
from community.forum.services import create_thread, reply
from community.groups.models import Role
from community.moderation import services as moderation
from community.moderation.models import ModerationAction, ModerationItem, Reason
from community.qa import services as qa
from tests.e2e.steps import fresh_totp_code, log_in, publish_required_documents

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

PHONE = {"width": 375, "height": 812}
NARROWEST = {"width": 320, "height": 640}

# Controls that must be 44×44 at least; links inside running text are exempt (WCAG 2.5.8).
TARGETS = ", ".join(
    [
        "button",
        "a.button",
        "a.button-primary",
        "input[type=submit]",
        "input[type=button]",
        "select",
        "nav a",
        ".nav-list a",
        ".post-actions a",
        ".form-actions a",
        ".lanes a",
        ".plain-list a",
    ]
)

MEASURE = """
([targets]) => {
  const name = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const cls = [...el.classList].map((c) => `.${c}`).join("");
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    return `${el.tagName.toLowerCase()}${id}${cls} "${text.slice(0, 30)}"`;
  };
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden"
      && !el.closest(".visually-hidden");
  };
  const small = (selector, least) => [...document.querySelectorAll(selector)]
    .filter(shown)
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([, box]) => box.width < least - 0.5 || box.height < least - 0.5)
    .map(([el, box]) => `${name(el)} ${box.width.toFixed(0)}×${box.height.toFixed(0)}`);
  const wide = [...document.querySelectorAll("body *")].filter(shown)
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .filter((el) => !el.parentElement.closest(".table-scroll, pre, .stack-table thead"))
    .slice(0, 5).map(name);
  const styled = getComputedStyle(document.body).display === "flex"; // site.css applied
  return {
    styled,
    measured: [...document.querySelectorAll(targets)].filter(shown).length,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wide,
    smallTargets: small(targets, 44),
    smallChoices: small("input[type=radio], input[type=checkbox]", 24),
  };
}
"""

# Space (px) between each Delete/Flag post action and the action before it on the same line.
GAPS = """
() => [...document.querySelectorAll(".post-actions a")]
  .filter((a) => ["Delete", "Flag"].includes(a.textContent.trim()) && a.previousElementSibling)
  .map((a) => [a, a.getBoundingClientRect(), a.previousElementSibling.getBoundingClientRect()])
  .filter(([, box, before]) => Math.abs(box.top - before.top) < 1)
  .map(([a, box, before]) => [a.textContent.trim(), box.left - before.right])
"""


def check_page(page, url, assert_accessible, *, width_only=False) -> list[str]:
    """Open `url` and return what is wrong with it on this screen, in words."""
    page.goto(url)
    page.wait_for_load_state("load")
    found = page.evaluate(MEASURE, [TARGETS])
    assert found["styled"], f"the site's stylesheet did not load on {url}"
    assert found["measured"] > 0, f"no controls measured on {url}"
    problems = []
    if os.environ.get("PHONE_LAYOUT_DEBUG"):
        print(url, found)
    if found["scrollWidth"] > found["innerWidth"]:
        problems.append(
            f"{url} at {found['innerWidth']} px is {found['scrollWidth']} px wide "
            f"(too wide: {found['wide']})"
        )
    if not width_only:
        problems += [f"{url}: control under 44×44: {item}" for item in found["smallTargets"]]
        problems += [f"{url}: radio/checkbox under 24 px: {item}" for item in found["smallChoices"]]
        assert_accessible(page)
    return problems


def log_in_with_code(page, url, assert_accessible, user) -> None:
    page.goto(url)
    log_in(page, assert_accessible, email=user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label("Code").fill(fresh_totp_code())
    page.get_by_role("button", name="Sign In").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))


def test_every_roles_pages_fit_a_phone_with_big_enough_controls(
    live_site, new_page, browser_problems, assert_accessible, make_group, make_user, join
):
    group = make_group("Living with diabetes")
    staff = make_user(display_name="Organisation admin", mfa=True, is_staff=True)
    member = make_user(display_name="Morning walker")
    peer = make_user(display_name="Blue heron")
    moderator = make_user(display_name="Calm moderator", mfa=True)
    clinician = make_user(display_name="Nurse Nora", is_verified_clinician=True, mfa=True)
    join(member, group)
    join(peer, group)
    join(moderator, group, role=Role.MODERATOR)
    join(clinician, group, role=Role.CLINICIAN)
    publish_required_documents(staff, accepted_by=[staff, member, peer, moderator, clinician])

    thread = create_thread(
        author=member,
        group=group,
        title="Sensors at night: what works for you after a long and tiring day?",
        body="Mine beeps at 3 a.m. " + "Averyveryverylongwordwithoutanyspacesatall" * 3,
    )
    answer = reply(author=peer, thread=thread, body="I tape it down and sleep on the other side.")
    reply(author=member, thread=thread, body="Thank you, I will try that tonight.")
    write_clinician_note(
        clinician=clinician, post=answer, stance="context", body="Taping is fine; rotate the site."
    )
    moderation.flag_content(
        reporter=member, kind="forum.post", object_id=answer.pk, reason=Reason.THIRD_PARTY
    )
    removed = create_thread(author=peer, group=group, title="An old one", body="Names a nurse.")
    moderation.flag_content(
        reporter=member,
        kind="forum.post",
        object_id=removed.posts.get().pk,
        reason=Reason.THIRD_PARTY,
    )
    decided = ModerationItem.objects.get(object_id=removed.posts.get().pk)
    moderation.act(
        moderator=moderator,
        item=decided,
        action=ModerationAction.Action.REMOVE,
        reason="It names a nurse at the county hospital by her full name.",
    )
    item = ModerationItem.objects.get(object_id=answer.pk)
    starts = timezone.now() + timedelta(days=2)
    session = qa.create_session(
        host=clinician,
        group=group,
        title="Ask the nurse about night-time lows",
        description="Bring your questions.",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    session = qa.move_session(host=clinician, session=session, action="open")
    qa.ask(author=peer, session=session, text="What do you do when the sensor fails at night?")

    site = live_site.url
    thread_url = f"{site}{thread.get_absolute_url()}"
    slug = group.slug
    pages = {
        "member": [
            f"{site}/",
            f"{site}{reverse('groups:detail', kwargs={'slug': slug})}",
            thread_url,
            f"{site}{reverse('forum:post_reply', kwargs={'slug': slug, 'thread_id': thread.pk})}",
            f"{site}{reverse('accounts:preferences')}",
            f"{site}{reverse('notifications:list')}",
            f"{site}{reverse('privacy:exports')}",
            f"{site}{reverse('consent:mine')}",
            f"{site}{reverse('forum:thread_list', kwargs={'slug': slug})}",
            f"{site}{reverse('forum:search')}?q=sensor",
            f"{site}{reverse('chat:room', kwargs={'slug': slug})}",
            f"{site}{reverse('qa:session', kwargs={'slug': slug, 'session_id': session.pk})}",
            f"{site}{reverse('notifications:settings')}",
            f"{site}{reverse('privacy:access_log')}",
            f"{site}{reverse('moderation:flag', args=['forum.post', answer.pk])}",
            f"{site}{reverse('safety:help')}",
            f"{site}{reverse('mfa_index')}",
        ],
        "moderator": [
            f"{site}/",
            f"{site}{reverse('moderation:queue', kwargs={'slug': slug})}",
            f"{site}{reverse('moderation:item', kwargs={'slug': slug, 'item_id': item.pk})}",
            f"{site}{reverse('moderation:dashboard', kwargs={'slug': slug})}",
            f"{site}{reverse('moderation:log', kwargs={'slug': slug})}",
        ],
        "staff": [
            f"{site}/",  # staff in no group land on the overview of open items
            f"{site}{reverse('consent:manage')}",
            f"{site}{reverse('moderation:overview')}",
            f"{site}{reverse('groups:invitations', kwargs={'slug': slug})}",
            f"{site}{reverse('clinicians:review_list')}",
        ],
        "clinician": [
            f"{site}/",
            thread_url,
            f"{site}{reverse('qa:session', kwargs={'slug': slug, 'session_id': session.pk})}",
        ],
    }
    problems = []

    visitor = new_page(viewport=PHONE)
    problems += check_page(visitor, f"{site}{reverse('account_login')}", assert_accessible)

    people = {}
    people["member"] = new_page(viewport=PHONE)
    people["member"].goto(f"{site}/")
    log_in(people["member"], assert_accessible, email=member.email)
    expect(people["member"].get_by_role("heading", level=1)).to_be_visible()
    for role, user in (("moderator", moderator), ("staff", staff), ("clinician", clinician)):
        people[role] = new_page(viewport=PHONE)
        log_in_with_code(people[role], f"{site}/", assert_accessible, user)

    for role, urls in pages.items():
        for url in urls:
            problems += check_page(people[role], url, assert_accessible)

    # The narrowest phone: still nothing wider than the screen.
    visitor.set_viewport_size(NARROWEST)
    problems += check_page(visitor, f"{site}{reverse('account_login')}", None, width_only=True)
    for role, urls in pages.items():
        people[role].set_viewport_size(NARROWEST)
        for url in urls:
            problems += check_page(people[role], url, None, width_only=True)

    # Swedish words are longer: every role's pages again, in Swedish, at 320 px.
    users = {"member": member, "moderator": moderator, "staff": staff, "clinician": clinician}
    for role, urls in pages.items():
        users[role].language = "sv"
        users[role].save(update_fields=["language"])
        for url in urls:
            problems += check_page(people[role], url, assert_accessible)
        expect(people[role].locator("html")).to_have_attribute("lang", "sv")
        users[role].language = "en"
        users[role].save(update_fields=["language"])

    assert not problems, "\n".join(problems)

    # Delete and Flag stand apart from the other post actions (when on the same line).
    reader = people["member"]
    reader.set_viewport_size(PHONE)
    reader.goto(thread_url)
    gaps = reader.evaluate(GAPS)
    assert gaps, "no destructive post actions measured"
    assert all(gap >= 24 for _text, gap in gaps), gaps

    # A failed form: the error summary at the top has focus and links to the field.
    writer = people["member"]
    writer.set_viewport_size(PHONE)
    writer.goto(pages["member"][3])
    # The browser's own check of the required field is set aside: the server's answer is tested.
    writer.locator("form:has(#id_body)").evaluate("(form) => { form.noValidate = true; }")
    browser_problems.expect_error_status(pages["member"][3])  # a refused form answers 400
    writer.get_by_role("button", name="Post reply").click()
    summary = writer.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    summary.get_by_role("link").first.click()
    expect(writer.locator("#id_body")).to_be_focused()
    assert_accessible(writer)
    browser_problems.assert_none()
