"""A web process SIGKILLed while a member is sending: nothing kept in a process is needed.

Its sockets drop without a goodbye; their members reconnect to the other process (as a
load balancer would send them), replay what they missed, and the sender sends its outbox
again under the same client ids: each message is stored once.
"""

import asyncio
import time
import uuid

from .chat_client import ChatClient, wait_until
from .room import (
    assert_nothing_lost_or_doubled,
    new_client,
    room_last_seq,
    stored_since,
    tally,
    wait_until_everyone_has_everything,
)

CHAT_MEMBERS = 20
MESSAGES = 40
SEND_EVERY = 0.2  # one member writing fast: five messages a second


def test_web_process_killed_mid_stream(stack, record_summary):
    asyncio.run(chat_through_a_web_process_crash(stack, record_summary))


async def chat_through_a_web_process_crash(stack, record_summary):
    after_seq = room_last_seq(stack, stack.seed.room_id)
    web1, web2 = stack.web1.ws_url, stack.web2.ws_url
    members = stack.seed.members[:CHAT_MEMBERS]
    # Half start on web1 (the one that dies), half on web2; every client knows both.
    clients = [
        new_client(
            stack, f"member{i}", member, [web1, web2] if i % 2 == 0 else [web2, web1], after_seq
        )
        for i, member in enumerate(members)
    ]
    sender = clients[0]  # on web1
    try:
        for client in clients:
            client.start()
        await wait_until(lambda: all(client.connected for client in clients), timeout=30)
        twice = await same_client_id_on_both_processes(stack, members[1], after_seq)
        sending = asyncio.create_task(send_steadily(sender))
        await wait_until(lambda: len(sender.acked) >= MESSAGES // 3, timeout=30)
        await asyncio.to_thread(stack.web1.kill)
        killed_at = time.monotonic()
        await sending
        last_send_at = time.monotonic()
        recovered = await wait_until_everyone_has_everything(stack, clients, [sender], after_seq)
        all_senders = [sender, *twice.clients]
        result = await asyncio.to_thread(tally, stack, clients, all_senders, after_seq)
        moved = sum(client.ws_urls[client.url_index] == web2 for client in clients[::2])
        back_after = max(client.connected_at[-1] - killed_at for client in clients[::2])
    finally:
        await asyncio.gather(*(client.stop() for client in clients))
    record_summary(
        result.line(
            "web1 SIGKILLed mid-stream",
            recovered,
            f" ({recovered + last_send_at - killed_at:.1f} s after the kill); web1's clients "
            f"now on web2: {moved} of {len(clients[::2])}, the last reconnected "
            f"{back_after:.1f} s after the kill; the same client id sent to both "
            f"processes stored {twice.stored} time(s), acknowledged as ids {twice.acked_ids}",
        )
    )
    assert twice.stored == 1 and len(set(twice.acked_ids)) == 1
    assert_nothing_lost_or_doubled(result)
    assert result.shown_min == result.stored
    assert moved == len(clients[::2])


async def send_steadily(sender: ChatClient) -> None:
    for number in range(MESSAGES):
        await sender.say(f"{sender.name} writes line {number} while a server dies")
        await asyncio.sleep(SEND_EVERY)


class SentTwice:
    def __init__(self, clients: list[ChatClient], acked_ids: list[int], stored: int):
        self.clients, self.acked_ids, self.stored = clients, acked_ids, stored


async def same_client_id_on_both_processes(stack, member, after_seq: int) -> SentTwice:
    """One member's message sent at the same moment to web1 and to web2, under one client
    id (a resend racing the original through two processes): it is stored once, and both
    acknowledgements name the same message."""
    pair = [
        new_client(stack, f"twice-on-{web.name}", member, [web.ws_url], after_seq)
        for web in stack.webs
    ]
    for client in pair:
        client.start()
    try:
        await wait_until(lambda: all(client.connected for client in pair), timeout=15)
        client_id = uuid.uuid4().hex
        text = "one message, sent to both processes at once"
        await asyncio.gather(*(client.send_raw(client_id, text) for client in pair))
        await wait_until(lambda: all(client_id in client.acked for client in pair), timeout=15)
    finally:
        await asyncio.gather(*(client.stop() for client in pair))
    rows = await asyncio.to_thread(stored_since, stack, stack.seed.room_id, after_seq)
    stored = sum(row.client_id == client_id for row in rows)
    return SentTwice(pair, [client.acked[client_id] for client in pair], stored)
