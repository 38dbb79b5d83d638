"""The chat room's side of the chat scenarios: clients, what the database holds, the count.

"Every connected member ends with every stored message exactly once, in order" is checked
against the database, the source of truth: a client's screen must hold exactly the messages
stored since the test began, each once, in id order, each in its latest state (seq).
"""

import asyncio
from collections import Counter
from dataclasses import dataclass

from .chat_client import ChatClient
from .postgres import Member
from .stack import Stack

# Past the last send, everyone must have everything within this long. A client that missed
# the last broadcast learns of it from its next heartbeat (2 s); a reconnect backs off 4 s
# at most; Redis' outage back-off in each process is 5 s.
CONVERGE_WITHIN = 60.0


@dataclass(frozen=True)
class Stored:
    id: int
    seq: int
    client_id: str
    author_id: int
    text: str


def room_last_seq(stack: Stack, room_id: int) -> int:
    return stack.query_value("SELECT last_seq FROM chat_chatroom WHERE id = %s", room_id)


def stored_since(stack: Stack, room_id: int, after_seq: int) -> list[Stored]:
    """Every message of the room changed after `after_seq`, by id."""
    rows = stack.query(
        "SELECT id, seq, client_id, author_id, body_source FROM chat_chatmessage "
        "WHERE room_id = %s AND seq > %s ORDER BY id",
        room_id,
        after_seq,
    )
    return [Stored(*row) for row in rows]


def new_client(
    stack: Stack, name: str, member: Member, ws_urls: list[str], seen_seq: int
) -> ChatClient:
    return ChatClient(
        name,
        ws_urls,
        room_id=stack.seed.room_id,
        cookie=f"{stack.seed.cookie_name}={member.session_key}",
        seen_seq=seen_seq,
    )


def shows_exactly(client: ChatClient, stored: list[Stored]) -> bool:
    """The client's screen is the stored messages, once each, in id order, latest state."""
    return client.shown_ids == [message.id for message in stored] and all(
        client.messages[message.id].get("seq") == message.seq for message in stored
    )


async def wait_until_everyone_has_everything(
    stack: Stack, clients: list[ChatClient], senders: list[ChatClient], after_seq: int
) -> float:
    """Poll until every sender's outbox is empty and every client shows what is stored;
    return how long it took. Fails with each client's state after CONVERGE_WITHIN."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        stored = await asyncio.to_thread(stored_since, stack, stack.seed.room_id, after_seq)
        if all(not sender.outbox for sender in senders) and all(
            shows_exactly(client, stored) for client in clients
        ):
            return loop.time() - started
        if loop.time() - started > CONVERGE_WITHIN:
            states = "\n".join(client.summary() for client in clients)
            raise AssertionError(
                f"Not every client shows the {len(stored)} stored messages after "
                f"{CONVERGE_WITHIN:.0f} s:\n{states}"
            )
        await asyncio.sleep(0.5)


@dataclass
class ChatTally:
    """The counts a chat scenario asserts and prints."""

    sent: int  # distinct client ids the senders wrote
    stored: int  # messages stored since the test began
    lost: int  # sent, never stored
    doubled: int  # stored more than once (same client id, or same text)
    unexpected: int  # stored, never sent by this test
    shown_min: int
    shown_max: int
    duplicates_on_screen: int
    wrong_screens: int  # clients whose screen differs from the database
    refused: int  # sends refused for good (not "try again")
    live: int
    replayed: int
    deduplicated: int  # deliveries of a message already on screen
    reconnects: int

    def line(self, title: str, recovered: float, extra: str = "") -> str:
        return (
            f"{title}: sent {self.sent}, stored {self.stored}, lost {self.lost}, "
            f"doubled {self.doubled}, unexpected {self.unexpected}; shown per client "
            f"{self.shown_min}..{self.shown_max}, duplicates on screen "
            f"{self.duplicates_on_screen}, wrong screens {self.wrong_screens}; "
            f"deliveries live {self.live}, replayed {self.replayed}, deduplicated "
            f"{self.deduplicated}; reconnects {self.reconnects}; "
            f"everyone had everything {recovered:.1f} s after the last send{extra}"
        )


def repeats(counts: Counter) -> int:
    return sum(count - 1 for count in counts.values() if count > 1)


def tally(
    stack: Stack, clients: list[ChatClient], senders: list[ChatClient], after_seq: int
) -> ChatTally:
    stored = stored_since(stack, stack.seed.room_id, after_seq)
    sent = {client_id for sender in senders for client_id in sender.sent}
    stored_ids = Counter(message.client_id for message in stored)
    stored_texts = Counter(message.text for message in stored)
    shown = [len(client.shown_ids) for client in clients]
    return ChatTally(
        sent=len(sent),
        stored=len(stored),
        lost=len(sent - set(stored_ids)),
        # The same client id twice, or the same words under two client ids (every text the
        # test sends is unique): either would be a message shown twice.
        doubled=max(repeats(stored_ids), repeats(stored_texts)),
        unexpected=len(set(stored_ids) - sent),
        shown_min=min(shown),
        shown_max=max(shown),
        duplicates_on_screen=sum(client.duplicates_on_screen() for client in clients),
        wrong_screens=sum(not shows_exactly(client, stored) for client in clients),
        refused=sum(len(sender.refused) for sender in senders),
        live=sum(client.arrivals["live"] for client in clients),
        replayed=sum(client.arrivals["replay"] for client in clients),
        deduplicated=sum(
            sum(client.arrivals.values()) - len(client.shown_ids) for client in clients
        ),
        reconnects=sum(client.connects - 1 for client in clients),
    )


def assert_nothing_lost_or_doubled(result: ChatTally) -> None:
    assert result.refused == 0, "a send was refused for good"
    assert result.lost == 0, "a message that was sent is not stored"
    assert result.doubled == 0, "a message is stored more than once"
    assert result.unexpected == 0, "the room holds messages nobody in the test sent"
    assert result.stored == result.sent
    assert result.duplicates_on_screen == 0
    assert result.wrong_screens == 0
