"""PostgreSQL stopped and started again while members read, reply, and e-mails go out.

While it is down a page cannot work: it must answer 503 ("try again in a moment") within the
pool's timeout, never hang and never 500. Afterwards every process recovers by itself (the
pool replaces its dead connections), no reply is stored twice (the retried form carries
the same submission key) and every e-mail goes once (marking one sent is retried until the
database takes it).
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .browsing import AnswerLog, Browser, thread_path
from .processes import wait_for
from .threads import (
    follow_with_immediate_email,
    reply,
    reply_notifications,
    start_thread,
    stored_bodies,
    wait_for_all_mail,
)

DOWN_FOR = 5.0  # seconds between PostgreSQL's stop and its start
POSTERS, REPLIES_EACH, READERS, FOLLOWERS = 3, 4, 2, 15
# A request waits at most DATABASE_POOL_TIMEOUT (10 s) for a connection, then answers 503;
# opening one gives up after DATABASE_CONNECT_TIMEOUT (5 s).
SLOWEST_ANSWER = 15.0
RECOVER_WITHIN = 60.0


def test_postgres_restarted(stack, mail_sink, record_summary):
    seed = stack.seed
    members = iter(seed.members)
    starter = next(members)
    posters = [next(members) for _ in range(POSTERS)]
    readers = [next(members) for _ in range(READERS)]
    followers = [next(members) for _ in range(FOLLOWERS)]
    answers = AnswerLog()
    thread_id = start_thread(
        Browser(stack.web1.url, starter, seed.cookie_name, answers),
        seed.group_slug,
        "Fault test: the database restarts",
        "Replies and their e-mails must each arrive once.",
    )
    follow_with_immediate_email(stack, thread_id, followers)
    processes = [stack.web1, stack.web2, stack.worker, stack.beat]
    page = thread_path(seed.group_slug, thread_id)
    finished_reading = threading.Event()
    finals = []

    def read_pages(index: int) -> None:
        browser = Browser(stack.webs[index % 2].url, readers[index], seed.cookie_name, answers)
        while not finished_reading.is_set():
            browser.get(page)
            browser.get(f"/groups/{seed.group_slug}/threads/")
            time.sleep(0.2)

    def post_replies(index: int) -> None:
        browser = Browser(stack.webs[index % 2].url, posters[index], seed.cookie_name, answers)
        for number in range(REPLIES_EACH):
            body = f"Reply {number} of poster {index}, sent while the database restarts."
            finals.append(reply(browser, seed.group_slug, thread_id, body, patience=120))
            time.sleep(0.5)

    with ThreadPoolExecutor(READERS + POSTERS) as pool:
        reading = [pool.submit(read_pages, index) for index in range(READERS)]
        posting = [pool.submit(post_replies, index) for index in range(POSTERS)]
        # The first replies' e-mails are on their way when the database goes.
        wait_for(lambda: sum(stored_bodies(stack, thread_id).values()) >= POSTERS, timeout=30)
        stopped_at = time.monotonic()
        stack.cluster.stop("fast")
        try:
            time.sleep(DOWN_FOR)
        finally:
            stack.cluster.start()  # the next tests share the cluster
        started_at = time.monotonic()
        for web in stack.webs:
            wait_for(web.ready, timeout=RECOVER_WITHIN, what=f"{web.name} ready again")
        ready_after = time.monotonic() - started_at
        for future in posting:
            future.result()
        finished_reading.set()
        for future in reading:
            future.result()

    pages_after = [
        Browser(web.url, readers[0], seed.cookie_name, AnswerLog()) for web in stack.webs
    ]
    page_statuses = [browser.get(page).status_code for browser in pages_after]
    due, last_mail_at = wait_for_all_mail(stack, mail_sink, thread_id, timeout=120)
    got = mail_sink.per_recipient()
    bodies = stored_bodies(stack, thread_id)
    rows = reply_notifications(stack, thread_id)
    during = [a for a in answers.answers if a.at + a.seconds >= stopped_at and a.at <= started_at]
    statuses = AnswerLog(during).statuses()
    slowest = max((answer.seconds for answer in during), default=0.0)
    lost_mail = sum(max(count - got[address], 0) for address, count in due.items())
    extra_mail = sum(max(got[address] - count, 0) for address, count in due.items())
    total = POSTERS * REPLIES_EACH
    record_summary(
        f"PostgreSQL restarted ({DOWN_FOR:.0f} s down): answers during the outage "
        f"{statuses}, slowest {slowest:.1f} s; all answers {answers.statuses()}; both web "
        f"processes ready {ready_after:.1f} s after PostgreSQL started; pages afterwards "
        f"{page_statuses}; replies sent {total}, stored {len(bodies)} (doubled "
        f"{sum(c - 1 for c in bodies.values())}); notification rows doubled "
        f"{sum(c - 1 for c in rows.values() if c > 1)}; e-mails due {sum(due.values())}, "
        f"delivered {sum(got[a] for a in due)}, lost {lost_mail}, duplicated {extra_mail}; "
        f"the last e-mail {last_mail_at - started_at:.1f} s after PostgreSQL started"
    )
    assert all(process.alive() and process.starts == 1 for process in processes)
    assert all(response.status_code == 302 for response in finals)
    assert None not in statuses, "a request got no answer (hung or connection dropped)"
    assert set(statuses) <= {200, 302, 503}, f"answers during the outage: {statuses}"
    assert slowest <= SLOWEST_ANSWER, "a request hung"
    assert page_statuses == [200, 200]
    assert len(bodies) == total and set(bodies.values()) == {1}, "a reply lost or doubled"
    assert max(rows.values()) == 1, "a notification row is doubled"
    assert sorted(due) == sorted(member.email for member in followers)
    assert lost_mail == 0 and extra_mail == 0
