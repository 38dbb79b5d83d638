"""The thread page's posts, built in Python (community/forum/rendering.py): each article has
the parts the template loop wrote, in the member's language and zone; times read as the
`|date` filter writes them; the blank reply form is the shared template's, per language."""

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone, translation

from community.forum import services
from community.forum.forms import ReplyForm
from community.forum.rendering import Clock


def article(html: str, number: int) -> str:
    match = re.search(rf'<article class="post[^"]*" id="post-{number}".*?</article>', html, re.S)
    assert match, f"no article for post {number}"
    return match.group(0)


@pytest.mark.parametrize("language", ["en", "sv", "nb", "nl"])
@pytest.mark.parametrize("zone", ["Europe/Stockholm", "America/New_York", "UTC"])
def test_the_clock_writes_times_as_the_date_filter_does(language, zone):
    template = Template("{{ moment|date:'c' }}|{{ moment|date:'DATETIME_FORMAT' }}")
    start = datetime(2026, 3, 28, 22, 59, 30, tzinfo=UTC)  # across a DST change
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        clock = Clock()
        for hours in range(0, 60, 7):
            moment = start + timedelta(hours=hours, minutes=hours)
            shown = clock.shown(moment)
            assert f"{shown.iso}|{shown.text}" == template.render(Context({"moment": moment}))


def test_a_post_article_has_its_author_time_body_reactions_and_report_links(
    client, member, peer, group
):
    thread = services.create_thread(author=peer, group=group, title="Sleep", body="Badly & *so*")
    services.toggle_reaction(user=member, post=thread.posts.get(), kind="support")
    member.language = "sv"
    member.save()
    client.force_login(member)

    shown = article(client.get(thread.get_absolute_url()).content.decode(), 1)

    post = thread.posts.get()
    assert 'aria-labelledby="post-1-author"' in shown
    assert '<span class="post-author" id="post-1-author">' in shown and "Peer Petra" in shown
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">[^<]+</time>', shown)
    assert "Badly &amp; <em>so</em>" in shown
    assert f'id="reactions-{post.pk}"' in shown and 'aria-pressed="true"' in shown
    with translation.override("sv"):
        assert f">{translation.gettext('Flag')}</a>" in shown
        assert translation.gettext("Ask a clinician to check") in shown
        assert translation.gettext("Quote") in shown


def test_the_blank_reply_form_is_the_shared_templates_in_the_members_language(
    client, member, group
):
    thread = services.create_thread(author=member, group=group, title="Sleep", body="Badly")
    member.language = "sv"
    member.save()
    client.force_login(member)

    html = client.get(thread.get_absolute_url()).content.decode()

    with translation.override("sv"):
        fields = render_to_string(
            "forum/_post_form_fields.html", {"form": ReplyForm(), "group": group}
        )
    assert fields in html
