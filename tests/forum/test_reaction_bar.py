"""The reaction bar, built in Python once per post (issue 18.4): the same form without
JavaScript, the same accessible names, and the same bar whether the page or htmx draws it."""

import re
import zoneinfo

from django.utils import formats, timezone, translation

from community.forum import services
from tests.forum.test_views import article, html_of, react_url, reaction_button

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def bar_of(html: str, post) -> str:
    found = re.search(rf'<div class="reactions" id="reactions-{post.pk}">.*?</div>', html, re.S)
    assert found, "the post has no reaction bar"
    return found.group(0)


def accessible_names(bar: str) -> list[str]:
    """Each button's name as a screen reader reads it: its text, tags removed."""
    buttons = re.findall(r"<button[^>]*>(.*?)</button>", bar, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for text in buttons]


def test_the_bar_is_a_form_that_works_without_javascript_and_marks_the_members_own_reaction(
    client, thread, peer, moderator
):
    post = thread.posts.get()
    services.toggle_reaction(user=moderator, post=post, kind="thanks")
    client.force_login(peer)

    before = bar_of(html_of(client.get(thread.get_absolute_url())), post)
    assert f'action="{react_url(post)}"' in before and 'method="post"' in before
    assert len(TOKEN.findall(before)) == 1
    assert accessible_names(before) == ["Support", "Thank you 1", "Me too"]
    assert 'aria-pressed="true"' not in before

    response = client.post(react_url(post), {"reaction": "support:on"})
    assert response.status_code == 302

    after = bar_of(html_of(client.get(thread.get_absolute_url())), post)
    assert accessible_names(after) == ["Support 1", "Thank you 1", "Me too"]
    support = reaction_button(after, "support")
    assert 'aria-pressed="true"' in support and "is-mine" in support
    assert 'value="support:off"' in support
    assert 'aria-pressed="false"' in reaction_button(after, "thanks")


def test_htmx_gets_the_same_bar_as_the_page_shows(client, thread, peer):
    post = thread.posts.get()
    client.force_login(peer)

    partial = client.post(
        react_url(post), {"reaction": "me_too:on"}, headers={"HX-Request": "true"}
    ).content.decode()
    page = bar_of(html_of(client.get(thread.get_absolute_url())), post)

    assert TOKEN.sub("TOKEN", partial) == TOKEN.sub("TOKEN", page)


def test_a_member_who_may_not_react_sees_the_counts_without_a_form(
    client, thread, peer, muted_member
):
    post = thread.posts.get()
    services.toggle_reaction(user=peer, post=post, kind="support")
    client.force_login(muted_member)

    bar = bar_of(html_of(client.get(thread.get_absolute_url())), post)

    assert "<form" not in bar and "<button" not in bar
    assert '<span class="reaction-static">Support 1</span>' in bar


def test_the_bar_and_the_posts_time_speak_the_members_language(client, thread, peer):
    post = thread.posts.get()
    services.toggle_reaction(user=peer, post=post, kind="thanks")
    peer.language, peer.time_zone = "sv", "Europe/Stockholm"
    peer.save(update_fields=["language", "time_zone"])
    client.force_login(peer)

    html = html_of(client.get(thread.get_absolute_url()))

    assert accessible_names(bar_of(html, post)) == ["Stöd", "Tack 1", "Jag också"]
    shown = article(html, 1)
    with translation.override("sv"):
        local = timezone.localtime(post.created_at, zoneinfo.ZoneInfo("Europe/Stockholm"))
        expected = formats.date_format(local, "DATETIME_FORMAT")
    assert f'<time datetime="{local.isoformat()}">{expected}</time>' in shown
    assert " kl. " in expected  # the Swedish style (config/formats/sv)
