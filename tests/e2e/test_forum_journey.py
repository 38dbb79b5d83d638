"""The forum journey in a real browser: a thread behind a content warning, a reaction, a reply.

patient1 writes on a phone; patient2 reads, reacts in place (htmx, no page load) and replies;
patient1 follows the unread marker to the reply; a member of another group gets 404. Every
page on the way is scanned with axe, and no page may log a console error (which is also how
Chromium reports a Content-Security-Policy violation).
"""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from community.forum.models import Post, PostImage, Reaction, ReadState, Thread, ThreadFollow
from tests.e2e.conftest import PHONE
from tests.e2e.steps import log_in, message

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

TITLE = "Coming home after a long hospital stay"
WARNING = "hospital stay"
BODY = (
    "I was in hospital for **two weeks** after my last flare.\n"
    "\n"
    "- The nurses were kind\n"
    "- Sleeping on the ward was hard\n"
    "\n"
    "How did you find your feet again at home?"
)
REPLY = "Take it one day at a time. Short walks helped me more than anything."


def photo_upload() -> dict:
    """A small JPEG as Playwright's file chooser takes it."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(buffer, format="JPEG")
    return {"name": "ward-window.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def thread_in_list(page, title):
    return page.get_by_role("listitem").filter(has=page.get_by_role("link", name=title))


def test_patient_starts_a_thread_behind_a_content_warning_a_peer_reacts_and_replies_and_the_author_follows_the_unread_marker_while_outsiders_get_404(  # noqa: E501
    live_site,
    new_page,
    browser_problems,
    assert_accessible,
    make_group,
    make_user,
    join,
):
    group = make_group("Living with Crohn's disease")
    patient1 = make_user(display_name="Quiet gardener")
    patient2 = make_user(display_name="Morning walker")
    join(patient1, group)
    join(patient2, group)
    group_url = f"{live_site.url}/groups/{group.slug}/"
    list_url = f"{group_url}threads/"

    # patient1, on a phone, asks for the group page and logs in (no MFA for patients).
    author_page = new_page(viewport=PHONE)
    author_page.goto(group_url)
    expect(author_page).to_have_url(re.compile(r"/accounts/login/\?next="))
    log_in(author_page, assert_accessible, email=patient1.email)
    expect(author_page).to_have_url(group_url)
    expect(author_page.get_by_role("heading", level=1)).to_have_text(group.name)
    assert_accessible(author_page)

    # The discussions are empty; patient1 starts a thread.
    author_page.get_by_role("link", name="Go to the discussions").click()
    expect(author_page).to_have_url(list_url)
    expect(author_page.get_by_role("heading", level=1)).to_have_text("Discussions")
    expect(author_page.get_by_text("No one has started a thread here yet.")).to_be_visible()
    assert_accessible(author_page)
    author_page.get_by_role("link", name="Start a new thread").click()

    expect(author_page).to_have_url(f"{list_url}new/")
    expect(author_page.get_by_role("heading", level=1)).to_have_text("Start a new thread")
    assert_accessible(author_page)
    author_page.get_by_label("Title").fill(TITLE)
    author_page.get_by_label("Your message").fill(BODY)
    author_page.get_by_label("Content warning (optional)").fill(WARNING)
    author_page.get_by_label("Photos (optional)").set_input_files(photo_upload())
    author_page.get_by_role("button", name="Post thread").click()

    thread = Thread.objects.get(group=group)
    thread_url = f"{list_url}{thread.pk}/"
    expect(author_page).to_have_url(thread_url)
    expect(author_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(message(author_page, "Your thread was posted.")).to_be_visible()
    expect(author_page.locator("#post-1 summary")).to_contain_text(f"Content warning: {WARNING}")
    assert_accessible(author_page)

    # patient2, in a browser of their own, logs in and sees the thread marked New.
    reader_page = new_page()
    reader_page.goto(list_url)
    expect(reader_page).to_have_url(re.compile(r"/accounts/login/\?next="))
    log_in(reader_page, assert_accessible, email=patient2.email)
    expect(reader_page).to_have_url(list_url)
    item = thread_in_list(reader_page, TITLE)
    expect(item).to_have_count(1)
    expect(item.locator(".badge-unread")).to_have_text("New")
    expect(item).to_contain_text("0 replies")
    expect(item).to_contain_text("last post by Quiet gardener")
    assert_accessible(reader_page)
    item.get_by_role("link", name=TITLE).click()

    # The first post's body waits behind the content warning until patient2 opens it.
    expect(reader_page).to_have_url(thread_url)
    first = reader_page.locator("#post-1")
    warning = first.locator("details.content-warning")
    expect(first).to_contain_text("Quiet gardener")
    expect(warning.locator("summary")).to_contain_text(f"Content warning: {WARNING}")
    expect(warning.locator("summary")).to_contain_text("Show message")
    expect(warning).not_to_have_attribute("open", "")
    expect(first.locator(".post-body")).to_be_hidden()
    expect(first.get_by_role("img")).to_be_hidden()
    assert_accessible(reader_page)

    warning.locator("summary").click()
    expect(warning).to_have_attribute("open", "")
    body = first.locator(".post-body")
    expect(body).to_be_visible()
    expect(body.locator("strong")).to_have_text("two weeks")  # Markdown, rendered.
    expect(body.get_by_role("listitem")).to_have_text(
        ["The nurses were kind", "Sleeping on the ward was hard"]
    )
    photo = first.get_by_role("img", name="Photo 1 attached to this post")
    expect(photo).to_be_visible()
    photo.scroll_into_view_if_needed()  # It loads lazily.
    expect(photo).to_have_js_property("complete", True)
    assert photo.evaluate("image => image.naturalWidth") == 64
    assert_accessible(reader_page)

    # patient2 reacts "Support": htmx swaps the reaction bar; the page itself stays put.
    navigations = []
    reader_page.on(
        "framenavigated",
        lambda frame: navigations.append(frame.url) if frame == reader_page.main_frame else None,
    )
    reader_page.evaluate("window.stillTheSamePage = true")
    support = first.get_by_role("button", name="Support")
    expect(support).to_have_attribute("aria-pressed", "false")
    with reader_page.expect_response(re.compile(r"/posts/\d+/react/$")) as reacted:
        support.click()
    response = reacted.value
    assert response.status == 200
    assert response.request.headers.get("hx-request") == "true"
    expect(support).to_have_attribute("aria-pressed", "true")
    expect(support.locator(".reaction-count")).to_have_text("1")
    expect(first.get_by_role("button", name="Thank you")).to_have_attribute("aria-pressed", "false")
    assert reader_page.url == thread_url
    assert navigations == []
    assert reader_page.evaluate("window.stillTheSamePage") is True
    expect(warning).to_have_attribute("open", "")  # The opened warning stayed open.
    assert_accessible(reader_page)

    # ... and writes a reply.
    reply_section = reader_page.get_by_role("region", name="Write a reply")
    reply_section.get_by_label("Your message").fill(REPLY)
    reply_section.get_by_role("button", name="Post reply").click()
    expect(reader_page).to_have_url(f"{thread_url}?page=1#post-2")
    expect(message(reader_page, "Your reply was posted.")).to_be_visible()
    expect(reader_page.locator("#post-2")).to_contain_text(REPLY)
    expect(reader_page.locator("#post-2")).to_contain_text("Morning walker")
    assert_accessible(reader_page)

    # patient1 goes back to the discussions: one unread post in the thread.
    author_page.get_by_role("navigation", name="Breadcrumbs").get_by_role(
        "link", name="Discussions"
    ).click()
    expect(author_page).to_have_url(list_url)
    item = thread_in_list(author_page, TITLE)
    expect(item.locator(".badge-unread")).to_have_text("1 unread")
    expect(item).to_contain_text("1 reply")
    expect(item).to_contain_text("last post by Morning walker")
    assert_accessible(author_page)

    # The unread link lands on patient2's reply, and the reaction shows on patient1's post.
    item.get_by_role("link", name=re.compile("Go to the first unread post")).click()
    expect(author_page).to_have_url(f"{thread_url}?page=1#post-2")
    reply = author_page.locator("#post-2")
    expect(reply.get_by_text(REPLY)).to_be_visible()
    expect(reply).to_contain_text("Morning walker")
    expect(reply.locator(".badge-unread")).to_have_text("New")
    own_support = author_page.locator("#post-1").get_by_role("button", name="Support")
    expect(own_support.locator(".reaction-count")).to_have_text("1")
    expect(own_support).to_have_attribute("aria-pressed", "false")  # patient2's, not theirs.
    assert_accessible(author_page)

    # A member of another group: the thread, its posts and its photo do not exist for them.
    outsider = make_user(display_name="Evening swimmer")
    join(outsider, make_group("Another group"))
    outsider_page = new_page()
    outsider_page.goto(f"{live_site.url}/accounts/login/")
    log_in(outsider_page, assert_accessible, email=outsider.email)
    expect(outsider_page.get_by_role("heading", level=1)).to_have_text("My groups")
    browser_problems.expect_error_status(thread_url)
    response = outsider_page.goto(thread_url)
    assert response is not None and response.status == 404
    expect(outsider_page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(outsider_page.locator("body")).not_to_contain_text(TITLE)
    expect(outsider_page.locator("body")).not_to_contain_text(group.name)
    assert_accessible(outsider_page)
    first_post = Post.objects.get(thread=thread, number=1)
    photo_row = PostImage.objects.get(post=first_post)
    for url in (
        f"{group_url}posts/{first_post.pk}/",
        f"{group_url}images/{photo_row.pk}/",
        f"{list_url}{thread.pk}/unread/",
    ):
        answer = outsider_page.request.get(url, max_redirects=0)
        assert answer.status == 404, url

    # What the database holds after the journey.
    thread.refresh_from_db()
    assert (thread.title, thread.author, thread.is_anonymous) == (TITLE, patient1, False)
    assert (thread.post_count, thread.last_post_number, thread.last_poster) == (2, 2, patient2)
    posts = list(Post.objects.filter(thread=thread).order_by("number"))
    assert [(p.number, p.author, p.content_warning, p.is_anonymous) for p in posts] == [
        (1, patient1, WARNING, False),
        (2, patient2, "", False),
    ]
    # Browsers submit a textarea's line breaks as CRLF; the stored source keeps them.
    assert posts[0].body_source.replace("\r\n", "\n") == BODY
    assert "<strong>two weeks</strong>" in posts[0].body_html
    assert posts[1].body_source == REPLY
    assert posts[0].reaction_counts == {"support": 1}
    assert posts[1].reaction_counts == {}
    assert list(Reaction.objects.values_list("post", "user", "kind")) == [
        (posts[0].pk, patient2.pk, "support")
    ]
    read_states = dict(
        ReadState.objects.filter(thread=thread).values_list("user", "last_read_number")
    )
    assert read_states == {patient1.pk: 2, patient2.pk: 2}
    assert not ReadState.objects.filter(user=outsider).exists()
    followers = set(ThreadFollow.objects.filter(thread=thread).values_list("user", flat=True))
    assert followers == {patient1.pk, patient2.pk}
    assert (live_site.media_root / photo_row.file.name).is_file()
    assert not Thread.objects.exclude(group=group).exists()

    browser_problems.assert_none()
