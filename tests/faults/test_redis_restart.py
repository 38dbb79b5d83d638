"""Redis (channel layer, broker, cache, presence) killed and started again mid-traffic.

A down Redis delays; it never loses (DESIGN.md): chat clients replay what the broadcasts
missed, and the sweeps send the e-mails whose tasks the broker lost (Redis keeps nothing
across the restart: no persistence).
"""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from .browsing import AnswerLog, Browser
from .chat_client import ChatClient, wait_until
from .room import (
    assert_nothing_lost_or_doubled,
    new_client,
    room_last_seq,
    tally,
    wait_until_everyone_has_everything,
)
from .threads import (
    follow_with_immediate_email,
    reply,
    reply_notifications,
    reply_post_ids,
    start_thread,
    stored_bodies,
    wait_for_all_mail,
)

REDIS_DOWN_FOR = 2.0  # seconds between the kill and the start on the same port
CHAT_MEMBERS = 20
MESSAGES_PER_SENDER = 50
SEND_EVERY = 0.2  # two senders: about ten messages a second, for ten seconds
AFTER_RECOVERY = 5  # messages sent once everyone has caught up
# "No hang": a request pays at most one Redis timeout (REDIS_TIMEOUT, 1 s) and the rest of
# it is ordinary work.
SLOWEST_ANSWER = 3.0


async def send_steadily(sender: ChatClient, label: str) -> None:
    for number in range(MESSAGES_PER_SENDER):
        await sender.say(f"{label} says line {number} at a steady pace")
        await asyncio.sleep(SEND_EVERY)


async def restart_redis(stack) -> float:
    """kill -9 Redis, start it again on the same port; return when it answered again."""
    await asyncio.to_thread(stack.redis.kill)
    await asyncio.sleep(REDIS_DOWN_FOR)
    await asyncio.to_thread(stack.redis.start)
    return time.monotonic()


def test_redis_restart_during_chat(stack, record_summary):
    asyncio.run(chat_through_a_redis_restart(stack, record_summary))


async def chat_through_a_redis_restart(stack, record_summary):
    after_seq = room_last_seq(stack, stack.seed.room_id)
    web1, web2 = stack.web1.ws_url, stack.web2.ws_url
    clients = [
        new_client(stack, f"member{i}", member, [web1, web2] if i % 2 else [web2, web1], after_seq)
        for i, member in enumerate(stack.seed.members[:CHAT_MEMBERS])
    ]
    senders = clients[:2]  # one on each web process
    try:
        for client in clients:
            client.start()
        await wait_until(lambda: all(client.connected for client in clients), timeout=30)
        sending = [asyncio.create_task(send_steadily(sender, sender.name)) for sender in senders]
        # Redis dies in the middle of the stream, not before or after it.
        half = MESSAGES_PER_SENDER * len(senders) // 2
        await wait_until(lambda: sum(len(s.acked) for s in senders) >= half, timeout=30)
        redis_back_at = await restart_redis(stack)
        await asyncio.gather(*sending)
        last_send_at = time.monotonic()
        recovered = await wait_until_everyone_has_everything(stack, clients, senders, after_seq)
        live_after_recovery = await live_deliveries_of_a_few_more(stack, clients, after_seq)
        result = await asyncio.to_thread(tally, stack, clients, senders, after_seq)
    finally:
        await asyncio.gather(*(client.stop() for client in clients))
    since_redis = recovered + last_send_at - redis_back_at
    record_summary(
        result.line(
            f"Redis restarted during chat ({CHAT_MEMBERS} members on 2 web processes)",
            recovered,
            f" ({since_redis:.1f} s after Redis came back)",
        )
    )
    assert_nothing_lost_or_doubled(result)
    assert result.shown_min == result.stored
    # Replays made up for what the outage lost; once Redis is back, broadcasts must reach
    # every socket again (otherwise each message would wait for a heartbeat: 25 s in a
    # browser).
    assert min(live_after_recovery) == AFTER_RECOVERY, (
        f"live deliveries of {AFTER_RECOVERY} messages sent after the recovery, per client: "
        f"{live_after_recovery}"
    )


async def live_deliveries_of_a_few_more(stack, clients: list[ChatClient], after_seq: int):
    """Send a few messages once everyone has caught up; return how many of them reached
    each client live (as a broadcast), not through a replay."""
    await asyncio.sleep(stack_backoff(stack))  # the processes stop skipping Redis
    before = [client.arrivals["live"] for client in clients]
    sender = clients[0]
    for number in range(AFTER_RECOVERY):
        await sender.say(f"{sender.name} says all is well again, line {number}")
        await asyncio.sleep(SEND_EVERY)
    await wait_until_everyone_has_everything(stack, clients, [sender], after_seq)
    return [client.arrivals["live"] - count for client, count in zip(clients, before)]


def stack_backoff(stack) -> float:
    return float(stack.env.get("REDIS_OUTAGE_BACKOFF", "5"))


def test_redis_restart_during_posting(stack, mail_sink, record_summary):
    seed = stack.seed
    starter, posters, followers = seed.members[0], seed.members[1:5], seed.members[5:15]
    replies_each = 6
    answers = AnswerLog()
    webs = stack.webs
    thread_id = start_thread(
        Browser(stack.web1.url, starter, seed.cookie_name, answers),
        seed.group_slug,
        "Fault test: replies while Redis restarts",
        "Replies and their e-mails must each arrive once.",
    )
    follow_with_immediate_email(stack, thread_id, followers)
    finals = []

    def post_replies(index: int) -> None:
        browser = Browser(webs[index % 2].url, posters[index], seed.cookie_name, answers)
        for number in range(replies_each):
            body = f"Reply {number} of poster {index}, sent while Redis restarts."
            finals.append(reply(browser, seed.group_slug, thread_id, body, patience=60))
            time.sleep(0.4)

    with ThreadPoolExecutor(len(posters)) as pool:
        posting = [pool.submit(post_replies, index) for index in range(len(posters))]
        total = replies_each * len(posters)
        wait_for_replies(stack, thread_id, total // 3)
        redis_back_at = asyncio.run(restart_redis(stack))
        for future in posting:
            future.result()

    due, last_mail_at = wait_for_all_mail(stack, mail_sink, thread_id, timeout=90)
    bodies = stored_bodies(stack, thread_id)
    rows = reply_notifications(stack, thread_id)
    got = mail_sink.per_recipient()
    post_ids = reply_post_ids(stack, thread_id)
    missing_rows = [
        (member.user_id, post_id)
        for member in followers
        for post_id in post_ids
        if rows[(member.user_id, post_id)] == 0
    ]
    lost_mail = sum(max(count - got[address], 0) for address, count in due.items())
    extra_mail = sum(max(got[address] - count, 0) for address, count in due.items())
    statuses = answers.statuses()
    record_summary(
        f"Redis restarted during posting: replies sent {total}, stored "
        f"{len(bodies)} (doubled {sum(c - 1 for c in bodies.values())}); notification rows "
        f"{sum(rows.values())} (missing {len(missing_rows)}, doubled "
        f"{sum(c - 1 for c in rows.values() if c > 1)}); e-mails due {sum(due.values())}, "
        f"delivered {sum(got[a] for a in due)}, lost {lost_mail}, duplicated {extra_mail}; "
        f"answers {statuses}, slowest {answers.slowest():.2f} s; the last e-mail arrived "
        f"{last_mail_at - redis_back_at:.1f} s after Redis came back"
    )
    assert all(response.status_code == 302 for response in finals)
    assert set(statuses) <= {200, 302, 503}, f"answers other than 200/302/503: {statuses}"
    assert answers.slowest() <= SLOWEST_ANSWER, "a request hung"
    assert len(bodies) == total and set(bodies.values()) == {1}, "a reply lost or doubled"
    assert not missing_rows, "a follower has no notification for a reply"
    assert max(rows.values()) == 1, "a notification row is doubled"
    assert sorted(due) == sorted(member.email for member in followers)
    assert lost_mail == 0 and extra_mail == 0


def wait_for_replies(stack, thread_id: int, count: int) -> None:
    deadline = time.monotonic() + 30
    while sum(stored_bodies(stack, thread_id).values()) < count:
        assert time.monotonic() < deadline, "the replies did not get going"
        time.sleep(0.1)
