"""The notification centre's pages: the list, opening one, mark all read, e-mail settings,
and the bell in the header of every page."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from community.forum import services as forum
from community.notifications import services
from community.notifications.kinds import Email
from community.notifications.models import EmailPreference, Notification
from community.notifications.views import PER_PAGE

from .conftest import bell_count, notifications_of, remove_from_group

LIST = reverse("notifications:list")
SETTINGS = reverse("notifications:settings")
MARK_ALL = reverse("notifications:mark_all_read")


def open_url(notification) -> str:
    return reverse("notifications:open", kwargs={"pk": notification.pk})


def make(recipient, actor, group, *, at: datetime | None = None, **extra) -> Notification:
    notification = services.notify(
        recipient=recipient, kind="forum.reply", group=group, actor=actor, **extra
    )
    assert notification is not None
    if at is not None:
        Notification.objects.filter(pk=notification.pk).update(created_at=at)
    return notification


def page(client, user, url=LIST, **params) -> str:
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def days_on(html: str) -> list[tuple[str, list[int]]]:
    """Each day heading on the list page, with the ids of its notifications in page order."""
    sections = re.findall(
        r'<h2[^>]*class="day-heading">([^<]*)</h2>(.*?)</section>', html, re.DOTALL
    )
    return [
        (heading.strip(), [int(pk) for pk in re.findall(r'href="/notifications/(\d+)/"', body)])
        for heading, body in sections
    ]


def ids_on(html: str) -> list[int]:
    return [pk for _day, ids in days_on(html) for pk in ids]


@pytest.fixture
def pushes_ignored(pushes):
    return pushes


# --- The list -----------------------------------------------------------------------------


def test_the_list_shows_the_members_notifications_newest_first_grouped_by_day(
    client, member, peer, group, pushes_ignored
):
    member.time_zone = "UTC"
    member.save()
    oldest = make(member, peer, group, at=datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    middle = make(member, peer, group, at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    newest = make(member, peer, group, at=datetime(2026, 3, 10, 18, 0, tzinfo=UTC))

    html = page(client, member)

    assert days_on(html) == [
        ("Tuesday 10 March 2026", [newest.pk, middle.pk]),
        ("Monday 9 March 2026", [oldest.pk]),
    ]
    assert "Peer Petra replied in a thread you follow in Type 1 diabetes: adults" in html


def test_days_are_the_members_own_days_in_their_time_zone(client, member, peer, group, pushes):
    late = make(member, peer, group, at=datetime(2026, 3, 9, 23, 30, tzinfo=UTC))
    early = make(member, peer, group, at=datetime(2026, 3, 10, 0, 30, tzinfo=UTC))

    member.time_zone = "UTC"
    member.save()
    assert [day for day, _ids in days_on(page(client, member))] == [
        "Tuesday 10 March 2026",
        "Monday 9 March 2026",
    ]

    member.time_zone = "Europe/Stockholm"  # 00:30 and 01:30 on the 10th
    member.save()
    assert days_on(page(client, member)) == [("Tuesday 10 March 2026", [early.pk, late.pk])]


def test_the_list_shows_only_the_members_own_notifications(
    client, member, peer, third, group, pushes
):
    mine = make(member, peer, group)
    make(peer, member, group)
    make(third, member, group)

    assert ids_on(page(client, member)) == [mine.pk]


def test_an_empty_list_says_so(client, member):
    html = page(client, member)

    assert days_on(html) == []
    assert "Nothing new." in html


def test_the_list_is_paginated(client, member, peer, group, pushes):
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    rows = [make(member, peer, group, at=start + timedelta(minutes=n)) for n in range(PER_PAGE + 1)]

    first = page(client, member)
    second = page(client, member, page=2)

    assert ids_on(first) == [row.pk for row in reversed(rows[1:])]
    assert ids_on(second) == [rows[0].pk]
    assert 'rel="next"' in first and "page=2" in first
    assert "Page 2 of 2" in second
    assert ids_on(page(client, member, page=99)) == [rows[0].pk]


def test_unread_notifications_are_marked_new_and_read_ones_are_not(
    client, member, peer, group, pushes
):
    make(member, peer, group)
    read = make(member, peer, group)
    services.mark_read(user=member, notification=read)

    html = page(client, member)

    assert html.count('class="notification is-unread"') == 1
    assert html.count('class="notification"') == 1


def test_an_anonymous_actor_is_listed_as_a_group_member(client, member, peer, group, pushes):
    make(member, peer, group, actor_hidden=True)

    html = page(client, member)

    assert "A group member replied in a thread you follow" in html
    assert "Peer Petra" not in html


def test_names_in_the_list_are_escaped(client, member, make_user, join, group, pushes):
    sneaky = make_user(display_name="<img src=x onerror=alert(1)>")
    join(sneaky, group)
    make(member, sneaky, group)

    html = page(client, member)

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; replied" in html


def test_the_list_requires_logging_in(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Opening one --------------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_goes_to_what_it_is_about(
    client, member, peer, thread, pushes
):
    post = forum.reply(author=peer, thread=thread, body="Same here.")
    notification = notifications_of(member).get()
    client.force_login(member)

    response = client.get(open_url(notification))

    assert response.status_code == 302
    assert response["Location"] == notification.url
    assert notification.url == reverse("forum:post_link", kwargs={"post_id": post.pk})
    notification.refresh_from_db()
    assert notification.read_at is not None
    final = client.get(response["Location"], follow=True)
    assert final.status_code == 200
    assert f'id="post-{post.number}"' in final.content.decode()


def test_another_members_notification_gives_404_and_stays_unread(
    client, member, peer, group, pushes
):
    theirs = make(peer, member, group)
    client.force_login(member)

    assert client.get(open_url(theirs)).status_code == 404

    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_missing_notification_gives_the_same_404(client, member):
    client.force_login(member)

    assert client.get(reverse("notifications:open", kwargs={"pk": 424242})).status_code == 404


def test_opening_requires_logging_in_and_changes_nothing(client, member, peer, group, pushes):
    notification = make(member, peer, group)

    response = client.get(open_url(notification))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize(
    "url", ["https://elsewhere.example/phish", "//elsewhere.example/phish", "javascript:alert(1)"]
)
def test_a_notification_never_redirects_off_the_site(client, member, peer, group, pushes, url):
    notification = make(member, peer, group, url=url)
    client.force_login(member)

    response = client.get(open_url(notification))

    assert response["Location"] == LIST


def test_a_removed_member_opening_an_old_notification_gets_a_404_not_the_post(
    client, member, peer, thread, pushes
):
    forum.reply(author=peer, thread=thread, body="Same here.")
    notification = notifications_of(member).get()
    remove_from_group(member, thread.group)
    client.force_login(member)

    response = client.get(open_url(notification))

    assert response.status_code == 302
    assert response["Location"] == notification.url
    target = client.get(response["Location"])
    assert target.status_code == 404
    assert "Same here." not in target.content.decode()


# --- Mark all read ------------------------------------------------------------------------


def test_mark_all_read_marks_every_own_notification_and_returns_to_the_list(
    client, member, peer, group, pushes
):
    make(member, peer, group)
    make(member, peer, group)
    theirs = make(peer, member, group)
    client.force_login(member)

    response = client.post(MARK_ALL)

    assert response.status_code == 302
    assert response["Location"] == LIST
    assert services.unread_count(member) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    html = client.get(LIST).content.decode()
    assert "All notifications are marked as read." in html
    assert bell_count(html) == 0


def test_mark_all_read_is_offered_only_when_something_is_unread(
    client, member, peer, group, pushes
):
    assert MARK_ALL not in page(client, member)

    make(member, peer, group)

    assert f'action="{MARK_ALL}"' in page(client, member)


def test_mark_all_read_refuses_get(client, member, peer, group, pushes):
    make(member, peer, group)
    client.force_login(member)

    assert client.get(MARK_ALL).status_code == 405
    assert services.unread_count(member) == 1


def test_mark_all_read_needs_the_csrf_token(member, peer, group, pushes):
    make(member, peer, group)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)

    assert browser.post(MARK_ALL).status_code == 403
    assert services.unread_count(member) == 1


def test_mark_all_read_requires_logging_in(client, member, peer, group, pushes):
    make(member, peer, group)

    response = client.post(MARK_ALL)

    assert response["Location"].startswith(reverse("account_login"))
    assert services.unread_count(member) == 1


# --- E-mail settings ----------------------------------------------------------------------


def radios(html: str) -> dict[str, dict[str, bool]]:
    """Each radio input on the page: {name: {value: checked}}."""
    found: dict[str, dict[str, bool]] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="radio"' not in tag:
            continue
        name = unescape(re.search(r'name="([^"]*)"', tag).group(1))
        value = re.search(r'value="([^"]*)"', tag).group(1)
        found.setdefault(name, {})[value] = " checked" in tag
    return found


ALL_CHOICES = {Email.IMMEDIATELY, Email.DAILY, Email.NEVER}


def test_the_settings_page_offers_three_choices_per_kind_with_the_defaults_checked(client, member):
    choices = radios(page(client, member, SETTINGS))

    assert set(choices) == {kind.key for kind in services.kinds_for(member)}
    assert {"forum.reply", "forum.mention"} <= set(choices)
    for options in choices.values():
        assert set(options) == ALL_CHOICES
    checked = {name: [v for v, on in options.items() if on] for name, options in choices.items()}
    assert checked == {kind.key: [kind.default_email] for kind in services.kinds_for(member)}
    assert checked["forum.reply"] == [Email.DAILY]
    assert checked["forum.mention"] == [Email.IMMEDIATELY]


def test_saving_the_settings_stores_one_choice_per_kind(client, member):
    client.force_login(member)

    choices = {kind.key: Email.DAILY for kind in services.kinds_for(member)}
    choices.update({"forum.reply": Email.IMMEDIATELY, "forum.mention": Email.NEVER})
    response = client.post(SETTINGS, choices)

    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    saved = dict(EmailPreference.objects.filter(user=member).values_list("kind", "email"))
    assert saved == choices
    html = client.get(SETTINGS).content.decode()
    assert "Your e-mail choices were saved." in html
    assert radios(html)["forum.mention"][Email.NEVER] is True


def test_saved_settings_decide_how_the_next_notification_is_e_mailed(
    client, member, peer, thread, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(member)
    choices = {kind.key: Email.NEVER for kind in services.kinds_for(member)}
    choices["forum.reply"] = Email.IMMEDIATELY
    client.post(SETTINGS, choices)

    with django_capture_on_commit_callbacks(execute=True):
        forum.reply(author=peer, thread=thread, body="Same here.")

    assert len(mailoutbox) == 1
    assert "replied in a thread you follow" in mailoutbox[0].body


@pytest.mark.parametrize(
    "data",
    [
        {"forum.reply": "hourly", "forum.mention": Email.NEVER},
        {"forum.reply": Email.NEVER},  # the others missing
    ],
    ids=["unknown-choice", "missing-choices"],
)
def test_invalid_settings_are_shown_again_and_nothing_is_saved(client, member, data):
    client.force_login(member)

    response = client.post(SETTINGS, data)

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not EmailPreference.objects.exists()


def test_one_members_settings_are_not_anothers(client, member, peer):
    client.force_login(member)
    client.post(
        SETTINGS,
        {
            "forum.reply": Email.NEVER,
            "forum.mention": Email.NEVER,
            "groups.invitation_accepted": Email.NEVER,
        },
    )

    assert not EmailPreference.objects.filter(user=peer).exists()
    assert services.email_choice(peer, "forum.mention") == Email.IMMEDIATELY


def test_the_settings_require_logging_in(db, client):
    response = client.post(SETTINGS, {"forum.reply": Email.NEVER})

    assert response["Location"].startswith(reverse("account_login"))
    assert not EmailPreference.objects.exists()


# --- The bell -----------------------------------------------------------------------------


@pytest.fixture
def pages(group, thread):
    """Pages of every kind a member visits."""
    return {
        "home": reverse("home"),
        "notifications": LIST,
        "e-mail settings": SETTINGS,
        "preferences": reverse("accounts:preferences"),
        "group": reverse("groups:detail", kwargs={"slug": group.slug}),
        "threads": reverse("forum:thread_list", kwargs={"slug": group.slug}),
        "thread": reverse(
            "forum:thread_detail", kwargs={"slug": group.slug, "thread_id": thread.pk}
        ),
        "search": reverse("forum:search"),
    }


def test_the_bell_shows_the_unread_count_on_every_page(client, pages, member, peer, group, pushes):
    make(member, peer, group)
    make(member, peer, group)
    make(peer, member, group)  # someone else's: not counted
    client.force_login(member)

    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert bell_count(response.content.decode()) == 2, name


def test_the_bell_count_falls_when_a_notification_is_opened(client, member, peer, group, pushes):
    first = make(member, peer, group)
    make(member, peer, group)
    client.force_login(member)
    assert bell_count(client.get(LIST).content.decode()) == 2

    client.get(open_url(first))

    assert bell_count(client.get(LIST).content.decode()) == 1


def test_the_bell_links_to_the_list_and_the_members_own_socket(client, member):
    html = page(client, member, reverse("home"))

    assert f'data-notifications-socket="/ws/notifications/{member.pk}/"' in html
    assert f'href="{LIST}" class="bell"' in html


def test_logged_out_pages_have_no_bell(client, db):
    html = client.get(reverse("account_login")).content.decode()

    assert "data-bell-count" not in html
    assert "/ws/notifications/" not in html
