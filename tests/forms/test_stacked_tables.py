"""Tables become stacked cards on a phone: each table is marked for it and every cell carries
its column's name (shown before the value below 600 px, see site.css)."""

import re

from django.urls import reverse

from community.moderation import services as moderation
from community.moderation.models import ModerationAction


def stacked_tables(html: str) -> list[tuple[list[str], list[list[str | None]]]]:
    """Each stack-table's column headings and, per row, each cell's data-label."""
    tables = []
    for table in re.findall(r'<table class="stack-table">(.*?)</table>', html, re.S):
        headings = [
            re.sub(r"<[^>]+>", "", h).strip()
            for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
        ]
        body = table.split("<tbody>", 1)[1]
        rows = [
            [label for label in re.findall(r'<td(?: data-label="([^"]*)")?[^>]*>', row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        ]
        tables.append((headings, rows))
    return tables


def assert_every_cell_named_by_its_column(html: str) -> None:
    tables = stacked_tables(html)
    assert tables, "the page has no table that stacks on a phone"
    for headings, rows in tables:
        assert rows
        for labels in rows:
            assert labels == headings


def test_the_consent_history_stacks_with_each_cell_named(client, accepted_member):
    client.force_login(accepted_member)

    html = client.get(reverse("consent:mine")).content.decode()

    assert_every_cell_named_by_its_column(html)


def test_the_action_log_stacks_with_each_cell_named(client, moderator, item):
    moderation.act(
        moderator=moderator, item=item, action=ModerationAction.Action.KEEP, reason="Fine."
    )
    client.force_login(moderator)

    html = client.get(reverse("moderation:log", kwargs={"slug": item.group.slug})).content.decode()

    assert_every_cell_named_by_its_column(html)


def test_the_dashboard_stacks_with_each_cell_named(client, moderator, item):
    moderation.act(
        moderator=moderator, item=item, action=ModerationAction.Action.KEEP, reason="Fine."
    )
    client.force_login(moderator)
    url = reverse("moderation:dashboard", kwargs={"slug": item.group.slug})

    assert_every_cell_named_by_its_column(client.get(url).content.decode())
