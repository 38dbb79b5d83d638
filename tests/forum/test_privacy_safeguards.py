"""Safeguards found in review: content warnings hold everywhere, nothing lingers in caches,
moved threads do not drag their readers along."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from community.forum import services
from community.forum.models import ReadState, ThreadFollow
from community.groups.models import Role, SupportGroup


def test_search_keeps_a_content_warning_closed(client, member, start_thread):
    start_thread(title="Hospital", body="The ward at night was hard", content_warning="ward")
    client.force_login(member)
    page = client.get(reverse("forum:search"), {"q": "ward"}).content.decode()
    results = page[page.index("search-results") :]
    assert "<details" in results
    assert results.index("<summary>") < results.index("<mark>")


def test_quoting_a_post_with_a_content_warning_keeps_the_warning(client, member, start_thread):
    thread = start_thread(body="Difficult news today", content_warning="diagnosis")
    post = thread.posts.get()
    client.force_login(member)
    page = client.get(thread.get_absolute_url(), {"quote": post.pk})
    form = page.context["form"]
    assert form.initial["content_warning"] == "diagnosis"
    assert "Difficult news today" in form.initial["body"]


def test_member_pages_and_photos_are_not_stored_by_the_browser(client, member, group):
    client.force_login(member)
    response = client.get(reverse("forum:thread_list", kwargs={"slug": group.slug}))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_a_thread_cannot_move_into_a_group_of_another_kind(
    make_user, join, group, make_group, start_thread
):
    moderator = make_user(mfa=True)
    join(moderator, group, role=Role.MODERATOR)
    professional = make_group(kind=SupportGroup.Kind.PROFESSIONAL)
    moderator.is_verified_clinician = True
    moderator.save()
    join(moderator, professional, role=Role.MODERATOR)
    thread = start_thread()
    with pytest.raises(ValidationError) as error:
        services.move_thread(moderator=moderator, thread=thread, target=professional)
    assert error.value.code == "other_kind"
    thread.refresh_from_db()
    assert thread.group == group


def test_moving_a_thread_drops_followers_who_are_not_in_the_new_group(
    make_user, join, group, make_group, member, start_thread
):
    moderator = make_user(mfa=True)
    target = make_group()
    join(moderator, group, role=Role.MODERATOR)
    join(moderator, target, role=Role.MODERATOR)
    thread = start_thread(author=member)
    services.move_thread(moderator=moderator, thread=thread, target=target)
    assert not ThreadFollow.objects.filter(thread=thread, user=member).exists()
    assert not ReadState.objects.filter(thread=thread, user=member).exists()


def test_only_superusers_see_the_access_log_in_the_admin(client, staff, make_user):
    client.force_login(staff)
    assert client.get("/admin/privacy/accessrecord/").status_code == 403
    client.force_login(make_user(is_staff=True, is_superuser=True, mfa=True))
    assert client.get("/admin/privacy/accessrecord/").status_code == 200
