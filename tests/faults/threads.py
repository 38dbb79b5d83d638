"""The forum's side of the posting scenarios: a thread, its followers, and the counts.

Followers and their e-mail choice are set up directly in the database: they are the
scenario's preconditions, not what it tests. Replies go through the site's real forms.
"""

import re
import time
from collections import Counter

from .browsing import Browser, new_thread_path, reply_path
from .mail_sink import MailSink
from .postgres import Member
from .stack import Stack

# Once everything is marked sent, a duplicate would still arrive within a sweep or two.
SETTLE_SECONDS = 4.0


def start_thread(browser: Browser, group_slug: str, title: str, body: str) -> int:
    """Start a thread through the site's form; return its id."""
    response = browser.submit_until_done(
        new_thread_path(group_slug), {"title": title, "body": body}, patience=30
    )
    assert response.status_code == 302, f"starting a thread answered {response.status_code}"
    return int(re.search(r"/threads/(\d+)/", response.headers["Location"]).group(1))


def follow_with_immediate_email(stack: Stack, thread_id: int, members: list[Member]) -> None:
    """Make members follow the thread, each asking for reply e-mails at once."""
    with stack.connect() as connection:
        for member in members:
            connection.execute(
                "INSERT INTO forum_threadfollow (user_id, thread_id, created_at) "
                "VALUES (%s, %s, now()) ON CONFLICT DO NOTHING",
                (member.user_id, thread_id),
            )
            connection.execute(
                "INSERT INTO notifications_emailpreference (user_id, kind, email) "
                "VALUES (%s, 'forum.reply', 'immediately') "
                "ON CONFLICT (user_id, kind) DO UPDATE SET email = 'immediately'",
                (member.user_id,),
            )


def reply(browser: Browser, group_slug: str, thread_id: int, body: str, patience: float):
    """Send a reply through the form until the site takes it (503s are sent again)."""
    return browser.submit_until_done(
        reply_path(group_slug, thread_id), {"body": body}, patience=patience
    )


def stored_bodies(stack: Stack, thread_id: int) -> Counter:
    """How often each reply's words are stored in the thread (the opening post left out)."""
    rows = stack.query(
        "SELECT body_source FROM forum_post WHERE thread_id = %s AND number > 1", thread_id
    )
    return Counter(body for (body,) in rows)


def reply_notifications(stack: Stack, thread_id: int) -> Counter:
    """(recipient id, post id) -> how many "reply" notification rows there are."""
    rows = stack.query(
        "SELECT n.recipient_id, p.id FROM notifications_notification n "
        "JOIN forum_post p ON n.target = 'forum.post:' || p.id "
        "WHERE p.thread_id = %s AND n.kind = 'forum.reply'",
        thread_id,
    )
    return Counter(rows)


def reply_post_ids(stack: Stack, thread_id: int) -> list[int]:
    rows = stack.query(
        "SELECT id FROM forum_post WHERE thread_id = %s AND number > 1 ORDER BY id", thread_id
    )
    return [post_id for (post_id,) in rows]


def immediate_emails(stack: Stack, thread_id: int) -> tuple[Counter, int]:
    """Per recipient's address, how many immediate e-mails the thread's replies call for;
    and how many of them are not yet marked sent."""
    rows = stack.query(
        "SELECT lower(u.email), n.emailed_at IS NOT NULL FROM notifications_notification n "
        "JOIN forum_post p ON n.target = 'forum.post:' || p.id "
        "JOIN accounts_user u ON u.id = n.recipient_id "
        "WHERE p.thread_id = %s AND n.email = 'immediately'",
        thread_id,
    )
    return Counter(address for address, _sent in rows), sum(not sent for _a, sent in rows)


def wait_for_all_mail(
    stack: Stack, sink: MailSink, thread_id: int, *, timeout: float
) -> tuple[Counter, float]:
    """Wait until every immediate e-mail of the thread is marked sent and has arrived,
    then a little longer for late duplicates; return what each address was due, and when
    (time.monotonic()) the last e-mail arrived."""
    started = time.monotonic()
    while True:
        due, unsent = immediate_emails(stack, thread_id)
        got = sink.per_recipient()
        if unsent == 0 and all(got[address] >= count for address, count in due.items()):
            break
        if time.monotonic() - started > timeout:
            missing = {a: (c, got[a]) for a, c in due.items() if got[a] < c}
            raise AssertionError(
                f"After {timeout:.0f} s, {unsent} e-mails are unsent; (due, got) per address "
                f"still short: {missing}"
            )
        time.sleep(0.5)
    last_arrival = max((mail.at for mail in sink.notification_mail()), default=started)
    time.sleep(SETTLE_SECONDS)
    return due, last_arrival
