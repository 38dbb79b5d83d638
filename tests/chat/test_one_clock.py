"""One clock (issue 17): a chat message's time on the page is in the member's time zone and
their language's time style, and the page hands the live script the same zone and style."""

import datetime
import re

import pytest
from django.urls import reverse

MOMENT = datetime.datetime(2026, 12, 7, 13, 30, tzinfo=datetime.UTC)


def room_html(client, user, group) -> str:
    client.force_login(user)
    response = client.get(reverse("chat:room", kwargs={"slug": group.slug}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["en", "sv"])
def test_a_message_shows_its_time_in_the_members_zone_and_24_hour_style(
    client, member, peer, group, room, write, language
):
    member.time_zone, member.language = "Europe/Stockholm", language
    member.save()
    write(peer, "Hello", created_at=MOMENT)

    html = room_html(client, member, group)

    # 13:30 UTC is 14:30 in Stockholm in December; never "2:30 PM" or "1:30 p.m.".
    assert 'datetime="2026-12-07T14:30:00+01:00">14:30</time>' in html
    # (Only the times are read: a random token elsewhere on the page may hold "PM".)
    times = re.findall(r"<time[^>]*>([^<]*)</time>", html)
    assert times and not any("p.m." in shown or "PM" in shown for shown in times)


def test_the_page_gives_the_live_script_the_members_zone_and_time_style(
    client, member, peer, group, room, write
):
    member.time_zone = "America/Sao_Paulo"
    member.save()

    html = room_html(client, member, group)

    assert 'data-time-zone="America/Sao_Paulo"' in html
    assert 'data-time-format="H:i"' in html


def test_the_same_moment_reads_alike_for_members_in_different_zones_only_by_their_clock(
    client, member, peer, group, room, write
):
    write(member, "Hi", created_at=MOMENT)
    peer.time_zone = "America/New_York"
    peer.save()

    html = room_html(client, peer, group)

    assert ">08:30</time>" in html
