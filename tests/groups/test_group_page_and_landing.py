"""Each role lands on its own view: the group page shows recent threads, the next Q&A
session and who reads along (moderators and clinicians, by display name), and staff land on
the groups with open moderation items and waiting crisis items (counts only)."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from community.forum.models import Thread
from community.forum.sections import RECENT_THREADS
from community.groups.models import Membership, Role
from community.moderation.models import ModerationItem
from community.qa.models import QASession

HOME = reverse("home")
State = QASession.State


def detail(group) -> str:
    return reverse("groups:detail", kwargs={"slug": group.slug})


def page(client, user, url) -> str:
    """The page's HTML as text (entities decoded, so names with apostrophes match)."""
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def make_threads(group, author, count, *, start=0, **fields) -> list[Thread]:
    now = timezone.now()
    return [
        Thread.objects.create(
            group=group,
            author=author,
            last_poster=author,
            title=f"Thread number {number:02d}",
            last_activity_at=now - timedelta(minutes=number),
            post_count=1,
            last_post_number=1,
            last_published_number=1,
            **fields,
        )
        for number in range(start, start + count)
    ]


def make_session(group, host, *, state=State.SCHEDULED, days=2, title="Ask the nurse"):
    starts_at = timezone.now() + timedelta(days=days)
    session = QASession.objects.create(
        group=group,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        state=state,
        created_by=host,
    )
    session.hosts.add(host)
    return session


# --- The group page -----------------------------------------------------------------------


def test_the_group_page_lists_the_newest_threads_first_and_links_to_all(client, member, group):
    make_threads(group, member, RECENT_THREADS + 2)

    html = page(client, member, detail(group))

    assert "Recent discussions" in html
    shown = [f"Thread number {n:02d}" for n in range(RECENT_THREADS)]
    positions = [html.index(title) for title in shown]
    assert positions == sorted(positions)
    assert f"Thread number {RECENT_THREADS:02d}" not in html
    assert reverse("forum:thread_list", kwargs={"slug": group.slug}) in html


def test_a_thread_held_for_review_is_listed_only_for_its_author_and_the_reviewers(
    client, member, peer, moderator, group
):
    make_threads(group, peer, 1, is_held=True)

    assert "Thread number 00" not in page(client, member, detail(group))
    assert "Thread number 00" in page(client, peer, detail(group))
    assert "Thread number 00" in page(client, moderator, detail(group))


def test_the_group_page_shows_the_next_session_not_a_later_or_ended_one(
    client, member, clinician, group
):
    make_session(group, clinician, state=State.ENDED, days=-3, title="Last week's session")
    make_session(group, clinician, days=9, title="Later session")
    make_session(group, clinician, days=2, title="Next session")

    html = page(client, member, detail(group))

    assert "Next Q&A session" in html
    assert "Next session" in html
    assert "Later session" not in html
    assert "Last week's session" not in html
    assert "Nurse Nora" in html  # the host


def test_with_no_session_planned_the_group_page_says_so(client, member, group):
    assert "No sessions are planned yet." in page(client, member, detail(group))


def test_members_see_who_reads_along_by_display_name_never_by_e_mail(
    client, member, moderator, clinician, group_admin, group
):
    html = page(client, member, detail(group))

    assert "Who reads along" in html
    section = html[html.index("Who reads along") :]
    assert "Moderator Maja" in section
    assert group_admin.display_name in section
    assert "Nurse Nora" in section
    for person in (moderator, clinician, group_admin):
        assert person.email not in html


def test_removed_moderators_and_unverified_clinicians_are_not_listed_as_reading_along(
    client, member, make_user, join, group
):
    join(
        make_user(display_name="Former Fred", mfa=True),
        group,
        role=Role.MODERATOR,
        state=Membership.State.REMOVED,
    )
    join(make_user(display_name="Revoked Rita", mfa=True), group, role=Role.CLINICIAN)

    section = page(client, member, detail(group)).split("Who reads along")[1]

    assert "Former Fred" not in section
    assert "Revoked Rita" not in section
    assert "None yet" in section


def test_staff_see_who_reads_along_but_no_threads_or_sessions(
    client, staff, moderator, clinician, member, group
):
    make_threads(group, member, 2)
    make_session(group, clinician, title="Next session")
    html = page(client, staff, detail(group))

    assert "Moderator Maja" in html
    assert "Thread number 00" not in html
    assert "Next session" not in html
    assert "Recent discussions" not in html


@pytest.mark.parametrize("visitor", ["outsider", "removed_member"])
def test_non_members_get_404_and_learn_nothing(client, request, visitor, group, moderator):
    client.force_login(request.getfixturevalue(visitor))

    response = client.get(detail(group))

    assert response.status_code == 404
    assert "Moderator Maja" not in response.content.decode()


def test_logged_out_visitors_are_sent_to_log_in_from_the_group_page(db, client, group):
    response = client.get(detail(group))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_group_page_asks_as_many_queries_for_20_threads_as_for_1(
    client, member, clinician, moderator, group, django_assert_max_num_queries
):
    make_session(group, clinician)
    make_threads(group, member, 1)
    client.force_login(member)
    client.get(detail(group))
    with django_assert_max_num_queries(40) as one:
        assert client.get(detail(group)).status_code == 200
    make_threads(group, member, 19, start=1)
    for number in range(5):
        make_session(group, clinician, days=3 + number)

    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(detail(group)).status_code == 200


# --- Where each role lands ----------------------------------------------------------------


def open_item(group, **fields):
    """An open item, counted only: the landing never shows what it is about."""
    return ModerationItem.objects.create(
        group=group, kind="forum.post", object_id=ModerationItem.objects.count() + 1, **fields
    )


def test_staff_in_no_group_land_on_the_open_and_crisis_counts_per_group(
    client, staff, group, other_group
):
    open_item(group, crisis=True)
    open_item(group)
    open_item(other_group)

    html = page(client, staff, HOME)

    assert "You are not in any group yet" not in html
    assert "Open moderation items per group" in html
    rows = html[html.index("<tbody>") : html.index("</tbody>")]
    assert rows.index(group.name) < rows.index(other_group.name)  # crisis first
    assert reverse("moderation:queue", kwargs={"slug": group.slug}) in rows


def cells_of_row(html: str, name: str) -> list[str]:
    """The text of each cell in the table row that names the group."""
    start = html.index(name)
    row = html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
    ]


def test_staffs_landing_counts_open_crisis_and_held_items_per_group(client, staff, group):
    open_item(group, crisis=True)
    open_item(group, held=True)
    open_item(group)
    ModerationItem.objects.filter(crisis=False, held=False).update(
        state=ModerationItem.State.RESOLVED
    )
    open_item(group)

    assert cells_of_row(page(client, staff, HOME), group.name) == [group.name, "3", "1", "1"]


def test_staff_landing_says_when_nothing_is_open(client, staff, group):
    assert "Nothing open in any group." in page(client, staff, HOME)


def test_staff_landing_uses_the_overview_pages_query(client, staff, group):
    open_item(group, crisis=True)

    landing = page(client, staff, HOME)
    overview = page(client, staff, reverse("moderation:overview"))

    for html in (landing, overview):
        assert group.name in html


@pytest.mark.parametrize("role", ["member", "moderator", "clinician", "group_admin"])
def test_members_of_every_role_land_on_their_groups_without_the_staff_overview(
    client, request, role, group
):
    open_item(group, crisis=True)

    html = page(client, request.getfixturevalue(role), HOME)

    assert "My groups" in html
    assert group.name in html
    assert "Open moderation items per group" not in html


def test_a_member_in_no_group_is_told_how_to_join(client, make_user):
    html = page(client, make_user(), HOME)

    assert "You are not in any group yet." in html
    assert "Open moderation items per group" not in html


def test_logged_out_visitors_are_sent_to_log_in_from_home(db, client):
    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
