"""Redis frozen (SIGSTOP): it takes connections but never answers, the worst way to fail.

Every Redis client has a one-second timeout, and a process that saw Redis fail leaves it
alone for a few seconds: pages that need no Redis keep answering at once, a write pays at
most one timeout, a page that needs Redis (logging in: its rate limits live there) answers a
translated "try again in a moment" 503 within 2 s, and nothing written is lost.
"""

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from .browsing import AnswerLog, Browser, thread_path
from .threads import (
    follow_with_immediate_email,
    reply,
    start_thread,
    stored_bodies,
    wait_for_all_mail,
)

FROZEN_FOR = 8.0  # seconds: longer than the outage back-off (5 s), so it is tried again
WITHIN = 2.0  # seconds: the bound for every answer while Redis is frozen


def test_redis_frozen(stack, mail_sink, record_summary):
    seed = stack.seed
    starter, writers, readers, followers = (
        seed.members[0],
        seed.members[1:3],
        seed.members[3:7],
        seed.members[7:12],
    )
    answers = AnswerLog()
    thread_id = start_thread(
        Browser(stack.web1.url, starter, seed.cookie_name, answers),
        seed.group_slug,
        "Fault test: a frozen Redis",
        "Pages answer, writes are kept, e-mails follow.",
    )
    follow_with_immediate_email(stack, thread_id, followers)
    logins: list[tuple[int, float]] = []
    finals = []

    def read_pages(index: int, until: float) -> None:
        browser = Browser(stack.webs[index % 2].url, readers[index], seed.cookie_name, answers)
        while time.monotonic() < until:
            browser.get(thread_path(seed.group_slug, thread_id))
            browser.get("/notifications/")
            time.sleep(0.3)

    def write_replies(index: int, until: float) -> None:
        browser = Browser(stack.webs[index % 2].url, writers[index], seed.cookie_name, answers)
        number = 0
        while time.monotonic() < until:
            body = f"Reply {number} of writer {index}, written while Redis is frozen."
            finals.append(reply(browser, seed.group_slug, thread_id, body, patience=30))
            number += 1
            time.sleep(0.5)

    def log_in_as_a_stranger(until: float) -> None:
        while time.monotonic() < until:
            logins.append(attempt_login(stack.web2.url))
            time.sleep(1.0)

    os.kill(stack.redis.pid, signal.SIGSTOP)
    frozen_at = time.monotonic()
    until = frozen_at + FROZEN_FOR
    try:
        with ThreadPoolExecutor(len(readers) + len(writers) + 1) as pool:
            work = [pool.submit(read_pages, index, until) for index in range(len(readers))]
            work += [pool.submit(write_replies, index, until) for index in range(len(writers))]
            work.append(pool.submit(log_in_as_a_stranger, until))
            for done in work:
                done.result()
    finally:
        os.kill(stack.redis.pid, signal.SIGCONT)
    thawed_at = time.monotonic()

    due, last_mail_at = wait_for_all_mail(stack, mail_sink, thread_id, timeout=90)
    bodies = stored_bodies(stack, thread_id)
    got = mail_sink.per_recipient()
    lost_mail = sum(max(count - got[address], 0) for address, count in due.items())
    extra_mail = sum(max(got[address] - count, 0) for address, count in due.items())
    during = [answer for answer in answers.answers if frozen_at <= answer.at < until]
    reads = [answer for answer in during if answer.method == "GET"]
    writes = [answer for answer in during if answer.method == "POST"]
    slowest_read = max((answer.seconds for answer in reads), default=0.0)
    slowest_write = max((answer.seconds for answer in writes), default=0.0)
    record_summary(
        f"Redis frozen for {FROZEN_FOR:.0f} s: reads {len(reads)} "
        f"{statuses_of(reads)} slowest {slowest_read:.2f} s; writes {len(writes)} "
        f"{statuses_of(writes)} slowest {slowest_write:.2f} s; logins "
        f"{sorted({status for status, _ in logins})} slowest "
        f"{max(seconds for _, seconds in logins):.2f} s; replies stored {len(bodies)} "
        f"(doubled {sum(c - 1 for c in bodies.values())}); e-mails due {sum(due.values())}, "
        f"delivered {sum(got[a] for a in due)}, lost {lost_mail}, duplicated {extra_mail}; "
        f"the last e-mail {last_mail_at - thawed_at:.1f} s after Redis thawed"
    )
    assert reads and writes and logins
    assert {answer.status for answer in reads} == {200}, "a page that needs no Redis failed"
    assert slowest_read <= WITHIN
    assert {answer.status for answer in writes} <= {302, 503}
    assert slowest_write <= WITHIN
    assert {status for status, _ in logins} <= {200, 503}, "login gave neither page nor 503"
    assert max(seconds for _, seconds in logins) <= WITHIN
    assert all(response.status_code == 302 for response in finals)
    assert set(bodies.values()) == {1}, "a reply doubled"
    assert len(bodies) == len(finals), "a reply that was answered 302 is missing"
    assert lost_mail == 0 and extra_mail == 0


def attempt_login(base_url: str) -> tuple[int, float]:
    """A stranger's failed login (the rate limits of logging in live in Redis)."""
    session = requests.Session()
    session.trust_env = False
    started = time.monotonic()
    page = session.get(f"{base_url}/accounts/login/", timeout=10)
    token = page.cookies.get("csrftoken") or session.cookies.get("csrftoken", "")
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": "nobody@example.org", "password": "wrong"},
        headers={"Referer": f"{base_url}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    if response.status_code == 503:
        assert "Retry-After" in response.headers
    return response.status_code, time.monotonic() - started


def statuses_of(answers) -> dict:
    counts: dict = {}
    for answer in answers:
        counts[answer.status] = counts.get(answer.status, 0) + 1
    return counts
