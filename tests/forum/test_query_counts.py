"""The thread list and the thread page cost a fixed number of SQL queries, whatever they show.

Each test measures the page with 10 rows (CaptureQueriesContext), then asserts exactly the
same count with 100 rows (django_assert_num_queries). The rows mix everything a page can
show: photos, reactions (the viewer's own and others'), anonymous and deleted posts, pinned
and locked threads, read and unread threads.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.forum import services
from community.forum.clinician_notes import write_clinician_note
from community.forum.images import clean_image
from community.forum.models import Thread, ThreadFollow
from community.notifications.models import EmailPreference, Notification
from tests.forum.photos import photo_upload

ROWS_FEW, ROWS_MANY = 10, 100
WRITE = re.compile(r"^\s*(INSERT|UPDATE)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def everything_on_one_page(settings, private_media):
    settings.FORUM_POSTS_PER_PAGE = 200
    settings.FORUM_THREADS_PER_PAGE = 200


@pytest.fixture
def photo():
    return clean_image(photo_upload())


@pytest.fixture
def writers(make_user, join, group):
    people = [make_user(display_name=f"Writer {n}") for n in range(3)]
    for person in people:
        join(person, group)
    return people


def fill_thread(thread, *, posts: int, writers, viewer, photo, clinician) -> None:
    """Add replies until the thread has `posts` posts, of every kind a page can show."""
    for number in range(2, posts + 1):
        author = writers[number % len(writers)]
        reply = services.reply(
            author=author,
            thread=thread,
            body=f"Reply **{number}** with a [link](https://example.org/{number})",
            anonymous=number % 3 == 0,
            content_warning="hard day" if number % 4 == 0 else "",
            images=[photo, photo] if number % 7 == 0 else [],
        )
        if number % 2 == 0:
            services.toggle_reaction(user=viewer, post=reply, kind="support")
            services.toggle_reaction(user=writers[0], post=reply, kind="thanks")
        if number % 6 == 0:
            services.edit_post(editor=author, post=reply, body=f"Reply {number}, edited")
        if number % 8 == 0:
            write_clinician_note(
                clinician=clinician, post=reply, stance="context", body=f"Note on {number}"
            )
        if number % 5 == 0:
            services.delete_post(actor=author, post=reply)


def writes_in(captured) -> list[str]:
    """INSERT and UPDATE statements, leaving out session saves (table django_session)."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if WRITE.match(query["sql"]) and "django_session" not in query["sql"]
    ]


def thread_page_queries(client, thread) -> CaptureQueriesContext:
    url = thread.get_absolute_url()  # outside: it may load the thread's group
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return captured


# --- Thread page --------------------------------------------------------------------------


@pytest.fixture
def two_threads(start_thread, writers, peer, photo, moderator, clinician):
    """A thread of 10 posts and one of 100, for `peer` to read."""
    few = start_thread(title="Ten posts", images=[photo])
    many = start_thread(title="A hundred posts", images=[photo])
    people = {"writers": writers, "viewer": peer, "photo": photo, "clinician": clinician}
    fill_thread(few, posts=ROWS_FEW, **people)
    fill_thread(many, posts=ROWS_MANY, **people)
    for thread in (few, many):
        services.set_thread_flags(moderator=moderator, thread=thread, pinned=True)
        thread.refresh_from_db()
        assert thread.post_count == thread.posts.count()
    return few, many


@pytest.mark.parametrize("viewer", ["peer", "moderator", "clinician"])
def test_a_first_visit_to_a_thread_page_costs_the_same_for_10_and_100_posts(
    client, two_threads, django_assert_num_queries, request, viewer
):
    few, many = two_threads
    client.force_login(request.getfixturevalue(viewer))
    # Cached per member (their consent state): filled by any page, so fill it first.
    client.get(reverse("home"))

    measured = thread_page_queries(client, few)
    url = many.get_absolute_url()
    with django_assert_num_queries(len(measured)):
        response = client.get(url)

    html = response.content.decode()
    assert html.count('<article class="post') == ROWS_MANY
    assert html.count("Deleted by author") == ROWS_MANY // 5
    assert "<img src=" in html and "A group member" in html and "aria-pressed" in html
    # Notes under posts deleted later (every 40th) are not shown.
    assert html.count('<aside class="clinician-note"') == ROWS_MANY // 8 - ROWS_MANY // 40


def test_a_return_visit_to_a_thread_page_costs_the_same_for_10_and_100_posts(
    client, two_threads, peer, writers, django_assert_num_queries
):
    few, many = two_threads
    client.force_login(peer)
    thread_page_queries(client, few)
    thread_page_queries(client, many)
    for thread in (few, many):
        services.reply(author=writers[1], thread=thread, body="Something new")

    measured = thread_page_queries(client, few)
    url = many.get_absolute_url()
    with django_assert_num_queries(len(measured)):
        client.get(url)


def test_a_thread_page_view_writes_at_most_one_row(client, two_threads, peer, writers):
    few, many = two_threads
    client.force_login(peer)

    first = thread_page_queries(client, many)
    again = thread_page_queries(client, many)
    services.reply(author=writers[1], thread=many, body="Something new")
    after_reply = thread_page_queries(client, many)

    assert len(writes_in(first)) == 1, writes_in(first)
    assert "INSERT" in writes_in(first)[0] and "forum_readstate" in writes_in(first)[0]
    assert writes_in(again) == []  # nothing new to mark as read
    assert len(writes_in(after_reply)) == 1, writes_in(after_reply)
    assert "UPDATE" in writes_in(after_reply)[0]
    assert "forum_readstate" in writes_in(after_reply)[0]


# --- Thread list --------------------------------------------------------------------------


def fill_group(*, count: int, group, writers, viewer, moderator, start_thread) -> None:
    """Start threads until the group has `count`, mixing every state the list shows."""
    existing = Thread.objects.filter(group=group).count()
    for n in range(existing, count):
        author = writers[n % len(writers)]
        thread = start_thread(author=author, title=f"Thread {n}", anonymous=n % 4 == 0)
        if n % 3 == 0:
            services.reply(
                author=writers[(n + 1) % len(writers)],
                thread=thread,
                body="A reply",
                anonymous=n % 2 == 0,
            )
        if n % 5 == 0:
            services.set_thread_flags(moderator=moderator, thread=thread, pinned=True)
        if n % 7 == 0:
            services.set_thread_flags(moderator=moderator, thread=thread, locked=True)
        if n % 2 == 0:
            services.mark_read(user=viewer, thread=thread, number=1)


@pytest.mark.parametrize("viewer", ["peer", "moderator", "clinician"])
def test_the_thread_list_costs_the_same_for_10_and_100_threads(
    client, group, writers, moderator, start_thread, django_assert_num_queries, request, viewer
):
    user = request.getfixturevalue(viewer)
    fill = {
        "group": group,
        "writers": writers,
        "viewer": user,
        "moderator": moderator,
        "start_thread": start_thread,
    }
    url = reverse("forum:thread_list", kwargs={"slug": group.slug})
    client.force_login(user)
    client.get(reverse("home"))  # fill the per-member caches (consent state) first
    fill_group(count=ROWS_FEW, **fill)
    with CaptureQueriesContext(connection) as measured:
        assert client.get(url).status_code == 200

    fill_group(count=ROWS_MANY, **fill)
    with django_assert_num_queries(len(measured)):
        response = client.get(url)

    html = response.content.decode()
    assert html.count('class="thread-item') == ROWS_MANY
    assert "New" in html and " unread" in html and "Pinned" in html and "Locked" in html
    assert writes_in(measured) == []


def followers_of(thread, count: int, make_user, join, group, *, immediate: bool) -> list:
    """Members who follow the thread, some asking for replies by e-mail at once."""
    people = [make_user(display_name=f"Follower {thread.pk}-{n}") for n in range(count)]
    for person in people:
        join(person, group)
        ThreadFollow.objects.create(user=person, thread=thread)
        if immediate:
            EmailPreference.objects.create(user=person, kind="forum.reply", email="immediately")
    return people


@pytest.mark.parametrize("immediate", [False, True])
def test_a_reply_costs_the_same_queries_for_10_or_60_followers(
    start_thread, make_user, join, group, django_capture_on_commit_callbacks, immediate
):
    """Telling followers is set-based: a reply must not hold its thread locked while each
    follower is told one by one (a thread with 160 followers ran 800 statements)."""
    measured = []
    # (SQLite inserts at most about 80 such rows per statement; PostgreSQL all at once.)
    for count in (ROWS_FEW, 60):
        thread = start_thread(title=f"Followed by {count}")
        followers = followers_of(thread, count, make_user, join, group, immediate=immediate)
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False),
        ):
            services.reply(author=followers[0], thread=thread, body="Thanks, all.")
        measured.append(len(queries))
        assert thread.follows.count() == count + 1  # and the thread's starter
        told = Notification.objects.filter(kind="forum.reply", recipient__in=followers[1:])
        assert told.count() == count - 1

    assert measured[0] == measured[1]
