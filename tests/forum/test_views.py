"""Forum pages as members, moderators and outsiders see them, through the whole request path."""

import re
from datetime import timedelta
from html import unescape
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from community.forum import services
from community.forum.models import Post, ReadState, Thread, ThreadFollow
from community.groups.models import Role
from community.privacy.models import AccessRecord
from tests.forum.photos import photo_upload

# --- Reading pages ------------------------------------------------------------------------


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def get_page(client, user, url, **params) -> str:
    client.force_login(user)
    return html_of(client.get(url, params))


def list_url(group) -> str:
    return reverse("forum:thread_list", kwargs={"slug": group.slug})


def forum_url(name: str, obj, **extra) -> str:
    """Reverse a forum URL for a thread (thread_id) or a post (post_id)."""
    if isinstance(obj, Thread):
        return reverse(name, kwargs={"slug": obj.group.slug, "thread_id": obj.pk, **extra})
    return reverse(name, kwargs={"slug": obj.thread.group.slug, "post_id": obj.pk, **extra})


def thread_items(html: str) -> dict[str, str]:
    """Each thread on the list page, by title, in page order."""
    items = re.findall(r'<li class="thread-item[^"]*">(.*?)</li>', html, re.DOTALL)
    by_title = {}
    for item in items:
        title = re.search(r'class="thread-title">\s*<a href="[^"]*">([^<]*)</a>', item).group(1)
        by_title[unescape(title)] = item
    return by_title


def article(html: str, number: int) -> str:
    """The HTML of post `number` on a thread page."""
    found = re.search(rf'<article[^>]*id="post-{number}".*?</article>', html, re.DOTALL)
    assert found, f"post {number} is not on the page"
    return found.group(0)


def post_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article[^>]*id="post-(\d+)"', html)]


def squash(text: str) -> str:
    return " ".join(text.split())


def add_replies(thread, author, count: int, start: int = 2) -> list[Post]:
    return [
        services.reply(author=author, thread=thread, body=f"Reply number {n}")
        for n in range(start, start + count)
    ]


# --- The thread list ----------------------------------------------------------------------


def test_the_thread_list_shows_pinned_threads_first_then_the_most_recently_active(
    client, start_thread, member, moderator, group
):
    now = timezone.now()
    ages = {"Old and pinned": 30, "Quiet": 20, "Busy": 10, "Fresh": 1}
    for title, days in ages.items():
        started = start_thread(title=title)
        Thread.objects.filter(pk=started.pk).update(last_activity_at=now - timedelta(days=days))
    pinned = Thread.objects.get(title="Old and pinned")
    services.set_thread_flags(moderator=moderator, thread=pinned, pinned=True)
    services.reply(author=moderator, thread=Thread.objects.get(title="Quiet"), body="Bump")

    html = get_page(client, member, list_url(group))

    assert list(thread_items(html)) == ["Old and pinned", "Quiet", "Fresh", "Busy"]
    assert "Pinned" in thread_items(html)["Old and pinned"]
    assert "Pinned" not in thread_items(html)["Quiet"]


def test_the_thread_list_shows_the_reply_count_and_the_last_poster(
    client, start_thread, member, peer, group
):
    none, one, two = (start_thread(title=title) for title in ("None yet", "One", "Two"))
    add_replies(one, peer, 1)
    add_replies(two, peer, 2)

    items = thread_items(get_page(client, member, list_url(group)))

    assert "0 replies" in squash(items["None yet"])
    assert "1 reply" in squash(items["One"])
    assert "2 replies" in squash(items["Two"])
    assert "last post by Member of group" in squash(items["None yet"])
    assert "last post by Peer Petra" in squash(items["Two"])


def test_an_anonymous_last_post_is_shown_as_a_group_member_on_the_list(
    client, start_thread, member, peer, group
):
    thread = start_thread(title="Quiet thoughts")
    services.reply(author=peer, thread=thread, body="Only between us", anonymous=True)

    html = get_page(client, member, list_url(group))

    assert "last post by A group member" in squash(thread_items(html)["Quiet thoughts"])
    assert "Peer Petra" not in html


def test_a_thread_never_opened_is_marked_new_and_links_to_its_first_unread_post(
    client, thread, peer, group
):
    item = thread_items(get_page(client, peer, list_url(group)))[thread.title]

    assert ">New<" in item
    assert forum_url("forum:thread_unread", thread) in item


def test_the_thread_list_counts_unread_posts_and_clears_the_marker_after_reading(
    client, settings, thread, member, peer, group
):
    settings.FORUM_POSTS_PER_PAGE = 3
    add_replies(thread, member, 6)  # posts 1..7: pages of 1-3, 4-6, 7

    client.force_login(peer)
    html_of(client.get(thread.get_absolute_url()))  # reads page 1, up to post 3
    item = thread_items(html_of(client.get(list_url(group))))[thread.title]
    assert "4 unread" in item

    html_of(client.get(thread.get_absolute_url(), {"page": 3}))
    item = thread_items(html_of(client.get(list_url(group))))[thread.title]
    assert "unread" not in item
    assert ">New<" not in item


def test_the_author_of_a_thread_does_not_see_it_as_unread(client, thread, member, group):
    item = thread_items(get_page(client, member, list_url(group)))[thread.title]

    assert "badge-unread" not in item


def test_a_new_reply_makes_a_read_thread_unread_again_with_its_count(
    client, thread, member, peer, group
):
    client.force_login(peer)
    html_of(client.get(thread.get_absolute_url()))
    add_replies(thread, member, 2)

    item = thread_items(html_of(client.get(list_url(group))))[thread.title]

    assert "2 unread" in item


def test_mark_all_read_clears_every_unread_marker_of_the_group(
    client, start_thread, member, peer, group
):
    for title in ("First", "Second", "Third"):
        start_thread(title=title)
    client.force_login(peer)
    assert html_of(client.get(list_url(group))).count("badge-unread") == 3

    response = client.post(reverse("forum:mark_all_read", kwargs={"slug": group.slug}))

    assert response.status_code == 302
    assert response["Location"] == list_url(group)
    html = html_of(client.get(list_url(group)))
    assert "badge-unread" not in html
    assert "All threads in this group are marked as read." in html


def test_the_thread_list_escapes_titles(client, start_thread, member, group):
    start_thread(title="<script>alert('title')</script>")

    html = get_page(client, member, list_url(group))

    assert "<script>alert('title')" not in html
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in html


def test_an_empty_forum_invites_members_to_start_a_thread(client, member, group):
    html = get_page(client, member, list_url(group))

    assert "No one has started a thread here yet." in html
    assert reverse("forum:thread_create", kwargs={"slug": group.slug}) in html


def test_a_muted_member_gets_no_start_thread_button(client, thread, muted_member, group):
    html = get_page(client, muted_member, list_url(group))

    assert reverse("forum:thread_create", kwargs={"slug": group.slug}) not in html
    assert thread.title in html


# --- Starting a thread through the form ---------------------------------------------------


def test_starting_a_thread_through_the_form_redirects_to_it(client, member, group):
    client.force_login(member)

    response = client.post(
        reverse("forum:thread_create", kwargs={"slug": group.slug}),
        {"title": "Tips for hospital stays", "body": "Bring slippers.", "content_warning": ""},
    )

    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert thread.posts.get().body_source == "Bring slippers."


def test_a_service_refusal_is_shown_on_the_new_thread_form_and_nothing_is_created(
    client, member, group, snapshot
):
    client.force_login(member)
    before = snapshot()

    response = client.post(
        reverse("forum:thread_create", kwargs={"slug": group.slug}),
        {"title": "Hi", "body": "Short title"},
    )

    assert response.status_code == 400
    assert "at least 3 characters" in response.content.decode()
    assert snapshot() == before


# --- The thread page: pages, permalinks, unread jump --------------------------------------


@pytest.fixture
def seven_posts(settings, thread, member):
    """A thread of seven posts by `member`, shown three to a page."""
    settings.FORUM_POSTS_PER_PAGE = 3
    add_replies(thread, member, 6)
    return thread


def test_the_thread_page_shows_one_page_of_posts_with_links_to_the_others(
    client, seven_posts, peer
):
    url = seven_posts.get_absolute_url()
    client.force_login(peer)

    first = html_of(client.get(url))
    second = html_of(client.get(url, {"page": 2}))
    last = html_of(client.get(url, {"page": 3}))

    assert post_numbers(first) == [1, 2, 3]
    assert post_numbers(second) == [4, 5, 6]
    assert post_numbers(last) == [7]
    assert '<span aria-current="page" class="current-page">2</span>' in second
    assert 'href="?page=1"' in second and 'href="?page=3"' in second


@pytest.mark.parametrize(("asked", "shown"), [("99", [7]), ("0", [1, 2, 3]), ("x", [1, 2, 3])])
def test_a_page_number_out_of_range_shows_the_nearest_page(client, seven_posts, peer, asked, shown):
    html = get_page(client, peer, seven_posts.get_absolute_url(), page=asked)

    assert post_numbers(html) == shown


def test_a_permalink_redirects_to_the_page_and_anchor_of_the_post(client, seven_posts, peer):
    fifth = seven_posts.posts.get(number=5)
    client.force_login(peer)

    response = client.get(forum_url("forum:post_permalink", fifth))

    assert response.status_code == 302
    assert response["Location"] == f"{seven_posts.get_absolute_url()}?page=2#post-5"


def test_the_unread_link_jumps_to_the_first_post_not_yet_read(client, seven_posts, peer):
    client.force_login(peer)
    unread = forum_url("forum:thread_unread", seven_posts)

    assert client.get(unread)["Location"].endswith("?page=1#post-1")

    html_of(client.get(seven_posts.get_absolute_url()))  # reads up to post 3
    assert client.get(unread)["Location"].endswith("?page=2#post-4")

    html_of(client.get(seven_posts.get_absolute_url(), {"page": 3}))
    assert client.get(unread)["Location"].endswith("?page=3#post-7")


def test_posts_not_read_before_are_marked_new_on_the_thread_page(client, seven_posts, peer):
    client.force_login(peer)
    html_of(client.get(seven_posts.get_absolute_url()))
    services.mark_read(user=peer, thread=seven_posts, number=4)

    html = html_of(client.get(seven_posts.get_absolute_url(), {"page": 2}))

    assert "badge-unread" not in article(html, 4)
    assert "badge-unread" in article(html, 5)
    assert "badge-unread" in article(html, 6)
    assert ReadState.objects.get(user=peer, thread=seven_posts).last_read_number == 6


# --- Quoting, editing, deleting, content warnings -----------------------------------------


def test_quoting_a_post_prefills_the_reply_with_a_blockquote_of_it(client, thread, peer, member):
    quoted = services.reply(author=peer, thread=thread, body="I sleep badly too.\n\nEvery night.")

    html = get_page(client, member, thread.get_absolute_url(), quote=str(quoted.pk))

    textarea = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', html, re.DOTALL).group(1)
    assert unescape(textarea).strip() == (
        "> Peer Petra wrote:\n>\n> I sleep badly too.\n>\n> Every night."
    )


def test_quoting_an_anonymous_post_does_not_name_its_author(client, thread, peer, member):
    quoted = services.reply(author=peer, thread=thread, body="Secret", anonymous=True)

    html = get_page(client, member, thread.get_absolute_url(), quote=str(quoted.pk))

    assert "&gt; A group member wrote:" in html
    assert "Peer Petra" not in html


def test_quoting_a_post_of_another_thread_or_a_deleted_post_prefills_nothing(
    client, start_thread, thread, member, peer
):
    elsewhere = start_thread(title="Elsewhere", body="Not from here").posts.get()
    deleted = services.reply(author=peer, thread=thread, body="Regretted")
    services.delete_post(actor=peer, post=deleted)

    for quote in (elsewhere.pk, deleted.pk, "abc"):
        html = get_page(client, member, thread.get_absolute_url(), quote=str(quote))
        textarea = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', html, re.DOTALL)
        assert textarea.group(1).strip() == ""


def test_an_edited_post_is_marked_edited_and_only_moderators_get_the_history_link(
    client, thread, member, peer, moderator
):
    post = thread.posts.get()
    client.force_login(member)
    response = client.post(forum_url("forum:post_edit", post), {"body": "Better now."})
    assert response.status_code == 302
    history = forum_url("forum:post_history", post)

    for viewer in (member, peer):
        shown = article(get_page(client, viewer, thread.get_absolute_url()), 1)
        assert "(edited)" in shown
        assert "Better now." in shown
        assert history not in shown
        assert "Edit history" not in shown

    shown = article(get_page(client, moderator, thread.get_absolute_url()), 1)
    assert "(edited)" in shown
    assert history in shown


def test_an_unedited_post_shows_no_edited_mark_and_no_history_link(client, thread, moderator):
    shown = article(get_page(client, moderator, thread.get_absolute_url()), 1)

    assert "(edited)" not in shown
    assert "Edit history" not in shown


def test_the_edit_history_shows_every_version_to_a_moderator_and_records_the_look(
    client, thread, member, moderator
):
    post = thread.posts.get()
    services.edit_post(editor=member, post=post, body="Second version")

    html = get_page(client, moderator, forum_url("forum:post_history", post))

    assert "Original" in html and "Edit 1" in html
    assert html.index("Badly.") < html.index("Second version")
    record = AccessRecord.objects.get()
    assert (record.viewer, record.subject, record.reason) == (
        moderator,
        member,
        AccessRecord.Reason.VIEW_REVISIONS,
    )


def test_only_the_author_gets_edit_and_delete_links(client, thread, member, peer):
    post = thread.posts.get()

    own = article(get_page(client, member, thread.get_absolute_url()), 1)
    other = article(get_page(client, peer, thread.get_absolute_url()), 1)

    assert forum_url("forum:post_edit", post) in own
    assert forum_url("forum:post_delete", post) in own
    assert forum_url("forum:post_edit", post) not in other
    assert forum_url("forum:post_delete", post) not in other


def test_a_deleted_post_shows_deleted_by_author_and_hides_its_body_and_reactions(
    client, thread, member, peer
):
    post = services.reply(author=member, thread=thread, body="Something I regret saying")
    services.toggle_reaction(user=peer, post=post, kind="support")
    client.force_login(member)

    response = client.post(forum_url("forum:post_delete", post))

    assert response.status_code == 302
    assert response["Location"].endswith("#post-2")
    html = get_page(client, peer, thread.get_absolute_url())
    shown = article(html, 2)
    assert "Deleted by author" in shown
    assert "regret" not in html
    assert "reaction" not in shown
    assert "Quote" not in shown


def test_the_delete_page_asks_before_deleting(client, thread, member):
    post = thread.posts.get()

    html = get_page(client, member, forum_url("forum:post_delete", post))

    assert "Delete your post?" in html
    assert not Post.objects.get(pk=post.pk).is_deleted


def test_a_content_warning_hides_the_body_inside_details_with_the_label_in_the_summary(
    client, start_thread, peer
):
    thread = start_thread(body="About my **surgery**.", content_warning="surgery details")

    shown = article(get_page(client, peer, thread.get_absolute_url()), 1)

    found = re.search(r"<details[^>]*>\s*<summary>(.*?)</summary>(.*?)</details>", shown, re.S)
    assert found, "the body is not inside <details>"
    assert "Content warning: surgery details" in found.group(1)
    assert "<strong>surgery</strong>" in found.group(2)
    assert "<details" not in shown[found.end() :]
    assert shown.index("<details") < shown.index("About my")


def test_a_post_without_a_content_warning_is_shown_openly(client, thread, peer):
    shown = article(get_page(client, peer, thread.get_absolute_url()), 1)

    assert "<details" not in shown
    assert "Badly." in shown


# --- Anonymous posts ----------------------------------------------------------------------


def test_peers_see_an_anonymous_post_as_a_group_member_and_never_the_authors_name(
    client, start_thread, peer, member, group
):
    thread = start_thread(title="Hard to say", body="Said anonymously", anonymous=True)

    for url in (thread.get_absolute_url(), list_url(group)):
        html = get_page(client, peer, url)
        assert "A group member" in html
        assert "Member of group" not in html
    assert "you, anonymously" not in get_page(client, peer, thread.get_absolute_url())


def test_the_author_sees_their_anonymous_post_marked_as_theirs(client, start_thread, member):
    thread = start_thread(body="Said anonymously", anonymous=True)

    shown = article(get_page(client, member, thread.get_absolute_url()), 1)

    assert "A group member" in shown
    assert "(you, anonymously)" in shown


def test_moderators_see_a_who_wrote_this_link_but_not_the_name_until_they_ask(
    client, start_thread, moderator, member
):
    post = start_thread(body="Said anonymously", anonymous=True).posts.get()
    thread_html = get_page(client, moderator, post.thread.get_absolute_url())
    assert forum_url("forum:post_author", post) in thread_html
    assert "Member of group" not in thread_html

    asking = get_page(client, moderator, forum_url("forum:post_author", post))
    assert "Member of group" not in asking
    assert not AccessRecord.objects.exists()

    client.force_login(moderator)
    revealed = html_of(client.post(forum_url("forum:post_author", post)))
    assert "Member of group" in revealed
    record = AccessRecord.objects.get()
    assert (record.viewer, record.subject) == (moderator, member)
    assert record.target == f"forum.post:{post.pk}"


def test_a_reply_posted_anonymously_through_the_form_is_anonymous(client, thread, peer):
    client.force_login(peer)

    response = client.post(
        forum_url("forum:post_reply", thread), {"body": "Between us", "anonymous": "on"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}?page=1#post-2"
    assert thread.posts.get(number=2).is_anonymous


# --- Reactions ----------------------------------------------------------------------------


def react_url(post) -> str:
    return forum_url("forum:post_react", post)


def reaction_button(html: str, kind: str) -> str:
    """The button of one reaction kind (its value says the state a click chooses)."""
    return re.search(rf'<button[^>]*value="{kind}:o[nf]+".*?</button>', html, re.DOTALL).group(0)


def test_a_plain_form_reaction_is_saved_and_redirects_back_to_the_post(client, thread, peer):
    post = thread.posts.get()
    client.force_login(peer)

    response = client.post(react_url(post), {"kind": "support"})

    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}?page=1#post-1"
    assert Post.objects.get(pk=post.pk).reaction_counts == {"support": 1}
    shown = article(html_of(client.get(thread.get_absolute_url())), 1)
    assert re.search(r'value="support:off"[^>]*aria-pressed="true"', shown)
    assert '<span class="reaction-count">1</span>' in shown


def test_an_htmx_reaction_returns_the_reaction_bar_and_a_second_click_takes_it_back(
    client, thread, make_user, join, group, moderator
):
    post = thread.posts.get()
    services.toggle_reaction(user=moderator, post=post, kind="me_too")
    fresh = make_user(display_name="Fresh Frida")
    join(fresh, group)
    client.force_login(fresh)

    on = client.post(react_url(post), {"kind": "support"}, headers={"HX-Request": "true"})

    assert on.status_code == 200
    partial = on.content.decode()
    assert partial.lstrip().startswith(f'<div class="reactions" id="reactions-{post.pk}">')
    assert "<html" not in partial
    support = reaction_button(partial, "support")
    assert 'aria-pressed="true"' in support
    assert '<span class="reaction-count">1</span>' in support
    me_too = reaction_button(partial, "me_too")
    assert 'aria-pressed="false"' in me_too
    assert '<span class="reaction-count">1</span>' in me_too

    off = client.post(react_url(post), {"kind": "support"}, headers={"HX-Request": "true"})

    support = reaction_button(off.content.decode(), "support")
    assert 'aria-pressed="false"' in support
    assert "reaction-count" not in support
    assert Post.objects.get(pk=post.pk).reaction_counts == {"me_too": 1}


def test_a_reaction_button_sent_twice_gives_the_reaction_once(client, thread, peer):
    """The page's buttons say what the member chose ("support:on"), not "switch": a double
    click, or a retry of a slow request, must not take the reaction back."""
    post = thread.posts.get()
    client.force_login(peer)

    for _ in range(2):
        response = client.post(react_url(post), {"reaction": "support:on"})
        assert response.status_code == 302

    assert Post.objects.get(pk=post.pk).reaction_counts == {"support": 1}
    for _ in range(2):
        client.post(react_url(post), {"reaction": "support:off"})
    assert Post.objects.get(pk=post.pk).reaction_counts == {}


def test_an_unknown_reaction_kind_gets_a_400_and_changes_nothing(client, thread, peer, snapshot):
    post = thread.posts.get()
    client.force_login(peer)
    before = snapshot()

    response = client.post(react_url(post), {"kind": "angry"})

    assert response.status_code == 400
    assert snapshot() == before


def test_a_muted_member_sees_reaction_counts_but_no_buttons(client, thread, peer, muted_member):
    services.toggle_reaction(user=peer, post=thread.posts.get(), kind="thanks")

    shown = article(get_page(client, muted_member, thread.get_absolute_url()), 1)

    assert "<button" not in shown
    assert "Thank you 1" in squash(shown)


# --- Following ----------------------------------------------------------------------------


def test_following_and_unfollowing_from_the_thread_page(client, thread, peer):
    follow_url = forum_url("forum:thread_follow", thread)
    client.force_login(peer)
    assert "Follow this thread" in html_of(client.get(thread.get_absolute_url()))

    response = client.post(follow_url, {"follow": "1"})
    assert response.status_code == 302
    assert ThreadFollow.objects.filter(user=peer, thread=thread).exists()
    html = html_of(client.get(thread.get_absolute_url()))
    assert "Stop following" in html
    assert "You are following this thread." in html

    client.post(follow_url, {"follow": "0"})
    assert not ThreadFollow.objects.filter(user=peer, thread=thread).exists()
    assert "Follow this thread" in html_of(client.get(thread.get_absolute_url()))


# --- Muted members and locked threads -----------------------------------------------------


def test_a_muted_member_can_read_but_is_told_they_cannot_write(client, thread, muted_member):
    html = get_page(client, muted_member, thread.get_absolute_url())

    assert "Badly." in html
    assert "you cannot write in it at the moment" in html
    assert 'id="reply"' not in html
    assert "<textarea" not in html
    assert "Quote" not in html


def test_a_muted_member_cannot_post_a_reply_even_by_hand(client, thread, muted_member, snapshot):
    client.force_login(muted_member)
    before = snapshot()

    response = client.post(forum_url("forum:post_reply", thread), {"body": "Let me speak"})

    assert response.status_code == 403
    assert snapshot() == before


# --- Moderation: pin, lock, move ----------------------------------------------------------


def test_moderator_tools_are_shown_only_to_moderators(client, thread, peer, moderator):
    assert "Moderator tools" not in get_page(client, peer, thread.get_absolute_url())
    assert "Moderator tools" in get_page(client, moderator, thread.get_absolute_url())


def test_a_moderator_pins_and_locks_a_thread_from_its_page(client, thread, moderator, peer):
    moderate = forum_url("forum:thread_moderate", thread)
    client.force_login(moderator)

    assert client.post(moderate, {"action": "pin"}).status_code == 302
    assert client.post(moderate, {"action": "lock"}).status_code == 302

    thread.refresh_from_db()
    assert thread.is_pinned and thread.is_locked
    html = get_page(client, peer, thread.get_absolute_url())
    assert "Locked: no new replies" in html
    assert "This thread is locked. You can still read it." in html
    assert 'id="reply"' not in html
    # Moderators may still answer in a locked thread.
    assert 'id="reply"' in get_page(client, moderator, thread.get_absolute_url())

    client.force_login(moderator)
    client.post(moderate, {"action": "unpin"})
    client.post(moderate, {"action": "unlock"})
    thread.refresh_from_db()
    assert not thread.is_pinned and not thread.is_locked


def test_an_unknown_moderation_action_changes_nothing(client, thread, moderator, snapshot):
    client.force_login(moderator)
    before = snapshot()

    response = client.post(forum_url("forum:thread_moderate", thread), {"action": "explode"})

    assert response.status_code == 302
    assert snapshot() == before


def test_a_member_cannot_pin_a_thread(client, thread, peer, snapshot):
    client.force_login(peer)
    before = snapshot()

    response = client.post(forum_url("forum:thread_moderate", thread), {"action": "pin"})

    assert response.status_code == 403
    assert snapshot() == before


@pytest.fixture
def move_targets(make_group, join, moderator):
    """Groups the moderator moderates, merely belongs to, and is not in."""
    moderated = make_group("Moderated elsewhere")
    belongs = make_group("Only a member there")
    stranger = make_group("Not in it at all")
    join(moderator, moderated, role=Role.MODERATOR)
    join(moderator, belongs)
    return {"moderated": moderated, "belongs": belongs, "stranger": stranger}


def test_the_move_form_offers_only_other_groups_the_moderator_moderates(
    client, thread, moderator, move_targets, group
):
    html = get_page(client, moderator, forum_url("forum:thread_move", thread))

    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', html)
    assert options == [(str(move_targets["moderated"].pk), "Moderated elsewhere")]
    assert group.name not in [label for _value, label in options]


def test_a_moderator_moves_a_thread_through_the_form(client, thread, moderator, move_targets):
    target = move_targets["moderated"]
    client.force_login(moderator)

    response = client.post(forum_url("forum:thread_move", thread), {"target": target.pk})

    thread.refresh_from_db()
    assert thread.group == target
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert html_of(client.get(thread.get_absolute_url()))


@pytest.mark.parametrize("where", ["belongs", "stranger"])
def test_posting_a_group_the_moderator_does_not_moderate_is_refused_by_the_form(
    client, thread, moderator, move_targets, snapshot, where
):
    client.force_login(moderator)
    before = snapshot()

    response = client.post(
        forum_url("forum:thread_move", thread), {"target": move_targets[where].pk}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert snapshot() == before


def test_a_moderator_with_no_other_group_is_told_there_is_nowhere_to_move(
    client, thread, moderator
):
    html = get_page(client, moderator, forum_url("forum:thread_move", thread))

    assert "nowhere to move this thread" in html


# --- Photos -------------------------------------------------------------------------------


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretPhoneMaker"
    exif[ExifTags.Base.Model] = "SecretPhone 15"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (59.0, 54.0, 45.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (10.0, 45.0, 7.0)
    return exif


def fetch(response) -> bytes:
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    response.close()
    return data


@pytest.fixture
def uploaded_photo(client, thread, peer, private_media):
    """A photo with GPS EXIF, attached to a reply through the reply form."""
    upload = photo_upload("at-home.jpg", exif=gps_exif())
    original = Image.open(BytesIO(upload.read()))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry GPS
    upload.seek(0)
    client.force_login(peer)
    response = client.post(
        forum_url("forum:post_reply", thread), {"body": "My view today", "images": upload}
    )
    assert response.status_code == 302
    return thread.posts.get(number=2).images.get()


def image_url(photo) -> str:
    return reverse(
        "forum:image", kwargs={"slug": photo.post.thread.group.slug, "image_id": photo.pk}
    )


def test_a_photo_uploaded_with_a_reply_is_served_to_members_without_location_or_camera(
    client, uploaded_photo, member, private_media
):
    assert (private_media / uploaded_photo.file.name).exists()
    client.force_login(member)

    response = client.get(image_url(uploaded_photo))

    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    served = Image.open(BytesIO(fetch(response)))
    assert served.format == "JPEG"
    exif = served.getexif()
    assert len(exif.get_ifd(ExifTags.IFD.GPSInfo)) == 0
    assert ExifTags.Base.Make not in exif
    assert ExifTags.Base.Model not in exif
    assert ExifTags.Base.GPSInfo not in exif


def test_the_thread_page_shows_the_photo_from_the_members_only_address(
    client, uploaded_photo, member
):
    shown = article(get_page(client, member, uploaded_photo.post.thread.get_absolute_url()), 2)

    assert f'<img src="{image_url(uploaded_photo)}"' in shown
    assert 'width="64" height="48"' in shown


@pytest.mark.parametrize("who", ["outsider", "staff"])
def test_people_outside_the_group_get_404_for_a_photo(client, uploaded_photo, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(image_url(uploaded_photo)).status_code == 404


def test_a_photo_of_a_deleted_post_is_no_longer_served(client, uploaded_photo, peer, member):
    services.delete_post(actor=peer, post=uploaded_photo.post)
    client.force_login(member)

    assert client.get(image_url(uploaded_photo)).status_code == 404


def test_a_text_file_named_like_a_photo_gets_a_clear_error_and_creates_no_post(
    client, thread, peer, snapshot
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"Dear moderator, not a photo", "image/jpeg")
    client.force_login(peer)
    before = snapshot()

    response = client.post(
        forum_url("forum:post_reply", thread), {"body": "With a photo", "images": fake}
    )

    assert response.status_code == 400
    assert "This file is not a picture we can read" in unescape(response.content.decode())
    assert snapshot() == before


def test_more_than_four_photos_through_the_form_are_refused(client, thread, peer, snapshot):
    client.force_login(peer)
    before = snapshot()

    response = client.post(
        forum_url("forum:post_reply", thread),
        {"body": "Many", "images": [photo_upload(f"p{n}.jpg") for n in range(5)]},
    )

    assert response.status_code == 400
    assert "You can attach up to 4 photos to a post." in response.content.decode()
    assert snapshot() == before


# --- Rendering safely ---------------------------------------------------------------------


def test_a_script_in_a_post_is_shown_as_text_through_the_whole_path(client, thread, peer, member):
    client.force_login(peer)
    client.post(
        forum_url("forum:post_reply", thread),
        {"body": "<script>alert('xss')</script> and <img src=x onerror=alert(1)>"},
    )

    shown = article(get_page(client, member, thread.get_absolute_url()), 2)

    assert "<script>alert" not in shown
    assert "<img src=x" not in shown
    assert "&lt;script&gt;alert('xss')&lt;/script&gt;" in shown
    assert "<img" not in shown


def test_a_markdown_image_is_not_turned_into_an_img_element(client, thread, peer, member):
    services.reply(author=peer, thread=thread, body="Look ![me](https://tracker.example/p.png)")

    shown = article(get_page(client, member, thread.get_absolute_url()), 2)

    assert "<img" not in shown
    assert 'src="https://tracker.example' not in shown


def test_a_content_warning_and_a_title_are_escaped(client, start_thread, peer):
    thread = start_thread(title="<b>bold title</b>", content_warning="<img src=x onerror=alert(1)>")

    html = get_page(client, peer, thread.get_absolute_url())

    assert "<b>bold title</b>" not in html
    assert "&lt;b&gt;bold title&lt;/b&gt;" in html
    assert "<img src=x" not in html
    assert "Content warning: &lt;img src=x onerror=alert(1)&gt;" in html


def test_links_in_posts_get_nofollow_noopener_noreferrer(client, thread, peer, member):
    services.reply(author=peer, thread=thread, body="See [the guide](https://example.org/g)")

    shown = article(get_page(client, member, thread.get_absolute_url()), 2)

    assert 'href="https://example.org/g"' in shown
    assert 'rel="nofollow noopener noreferrer"' in shown
