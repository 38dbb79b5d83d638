"""A chat member's browser, in Python: the protocol of static/js/chat.js (docs/chat.md).

What it mirrors, and why it matters under faults:
- It keeps `seen_seq`, the change number up to which it has seen everything. A number that
  skips waits half a second (two servers' broadcasts may cross), then asks for a replay.
- It sends a heartbeat every few seconds; an answer naming a later change than it has seen
  means the last broadcast was lost, and it replays.
- It reconnects with backoff, to the same server or, if that one refuses, the next one
  (as a load balancer would send it), and replays after every reconnect.
- What it sends waits in an outbox until acknowledged, and is sent again under the same
  client id after a reconnect and after an `unavailable` or `slow_down` answer.
- It shows each message once, by id, in its latest state (by `seq`), placed in id order.

Everything is recorded so that a test can count: what was shown, how (live, replayed,
acknowledged), how often the connection went and came back.
"""

import asyncio
import bisect
import contextlib
import json
import time
import uuid
from collections import Counter

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

# Close codes after which chat.js reloads the page instead of reconnecting.
FINAL_CLOSE_CODES = {4400, 4401, 4403, 4451}
RETRYABLE_ERRORS = {"unavailable", "slow_down"}


class ChatClient:
    def __init__(
        self,
        name: str,
        ws_urls: list[str],
        *,
        room_id: int,
        cookie: str,
        seen_seq: int,
        heartbeat_every: float = 2.0,
        gap_wait: float = 0.5,
        # chat.js waits 5 s before sending a refused message again; a shorter pause keeps
        # the run short and changes nothing in the protocol.
        resend_after: float = 2.0,
        reconnect_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0),
    ):
        self.name = name
        self.ws_urls = ws_urls
        self.url_index = 0
        self.room_id = room_id
        self.cookie = cookie
        self.heartbeat_every = heartbeat_every
        self.gap_wait = gap_wait
        self.resend_after = resend_after
        self.reconnect_delays = reconnect_delays
        # Every change up to seen_seq is shown; later ones that came early wait in `early`.
        self.seen_seq = seen_seq
        self.early: set[int] = set()
        self.replaying = False
        self._gap_timer: asyncio.Task | None = None
        # The screen: the latest event of each message, and their ids in the order shown.
        self.messages: dict[int, dict] = {}
        self.shown_ids: list[int] = []
        self.shown_as_new: Counter = Counter()  # a count above 1 is a duplicate on screen
        self.arrivals: Counter = Counter()  # "live", "replay", "ack"
        # What this member wrote: client id -> text, until acknowledged; and every send.
        self.outbox: dict[str, str] = {}
        self.sent: dict[str, str] = {}
        self.acked: dict[str, int] = {}
        self.refused: list[dict] = []  # refusals other than "try again in a moment"
        self.retryable_errors = 0
        self.connects = 0
        self.connected_at: list[float] = []  # time.monotonic() of each connection opened
        self.failed_connects = 0
        self.final_close: int | None = None
        self._socket: ClientConnection | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._background: set[asyncio.Task] = set()

    # --- Running --------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"chat-{self.name}")

    async def stop(self) -> None:
        self._stopping.set()
        if self._socket is not None:
            await self._socket.close()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=15)
        for task in list(self._background):
            task.cancel()

    @property
    def connected(self) -> bool:
        return self._socket is not None

    @property
    def url(self) -> str:
        return f"{self.ws_urls[self.url_index]}/ws/chat/{self.room_id}/"

    @property
    def origin(self) -> str:
        return self.ws_urls[self.url_index].replace("ws://", "http://")

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping.is_set() and self.final_close is None:
            opened = await self._session()
            if self._stopping.is_set() or self.final_close is not None:
                return
            attempt = 0 if opened else attempt + 1
            if not opened:
                # Refused or unreachable: a balancer would try the next process.
                self.url_index = (self.url_index + 1) % len(self.ws_urls)
            delay = self.reconnect_delays[min(attempt, len(self.reconnect_delays) - 1)]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)

    async def _session(self) -> bool:
        """One connection, from opening to closing; True if it opened."""
        try:
            socket = await connect(
                self.url,
                additional_headers={"Origin": self.origin, "Cookie": self.cookie},
                compression=None,
                open_timeout=5,
                proxy=None,
            )
        except (OSError, InvalidHandshake, TimeoutError):
            self.failed_connects += 1
            return False
        self._socket = socket
        self.connects += 1
        self.connected_at.append(time.monotonic())
        heartbeat = asyncio.create_task(self._heartbeat(socket))
        try:
            await self._opened()
            async for raw in socket:
                self._receive(json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            heartbeat.cancel()
            self._socket = None
            self._cancel_gap_timer()
            code = socket.close_code
            if code in FINAL_CLOSE_CODES:
                self.final_close = code
        return True

    async def _opened(self) -> None:
        """As chat.js on "open": replay after the last change seen, then send the outbox."""
        self.replaying = False
        await self._replay()
        await self._flush()

    async def _heartbeat(self, socket: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.sleep(self.heartbeat_every)
                await socket.send(json.dumps({"type": "heartbeat"}))

    async def _send(self, frame: dict) -> bool:
        if self._socket is None:
            return False
        try:
            await self._socket.send(json.dumps(frame))
        except ConnectionClosed:
            return False
        return True

    def _later(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- Writing -------------------------------------------------------------------------

    async def say(self, text: str) -> str:
        """Queue a message and send the whole outbox, as chat.js does; return its client id."""
        client_id = uuid.uuid4().hex
        self.outbox[client_id] = text
        self.sent[client_id] = text
        await self._flush()
        return client_id

    async def send_raw(self, client_id: str, text: str) -> None:
        """Send one message under a chosen client id (to send the same one twice)."""
        self.outbox[client_id] = text
        self.sent[client_id] = text
        await self._send({"type": "send", "client_id": client_id, "text": text})

    async def _flush(self) -> None:
        for client_id, text in list(self.outbox.items()):
            await self._send({"type": "send", "client_id": client_id, "text": text})

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.resend_after)
        await self._flush()

    def _refused(self, frame: dict) -> None:
        client_id = frame.get("client_id")
        if frame.get("code") in RETRYABLE_ERRORS and client_id in self.outbox:
            self.retryable_errors += 1
            self._later(self._flush_later())  # kept, and sent again in a moment
            return
        self.refused.append(frame)
        self.outbox.pop(client_id, None)

    # --- Reading -------------------------------------------------------------------------

    def _receive(self, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "message":
            self.arrivals["live"] += 1
            self._show(frame)
            self._note_change(frame.get("seq"))
        elif kind == "replay":
            self._replayed(frame)
        elif kind == "ack":
            self.arrivals["ack"] += 1
            self.outbox.pop(frame["client_id"], None)
            self.acked[frame["client_id"]] = frame["id"]
            self._show(frame["message"])
            self._note_change(frame["message"].get("seq"))
        elif kind == "error":
            self._refused(frame)
        elif kind == "presence" and self._names_later_change(frame):
            self._later(self._replay())

    def _names_later_change(self, frame: dict) -> bool:
        """The heartbeat's answer: a later change than the last seen was missed."""
        return (frame.get("seq") or 0) > self.seen_seq and not self.replaying

    def _show(self, event: dict) -> None:
        shown = self.messages.get(event["id"])
        if shown is not None and (shown.get("seq") or 0) > (event.get("seq") or 0):
            return  # an older state than the one on screen
        if shown is None:
            bisect.insort(self.shown_ids, event["id"])  # placed by id, as chat.js does
            self.shown_as_new[event["id"]] += 1
        self.messages[event["id"]] = event

    def _note_change(self, seq: int | None) -> None:
        if not seq or seq <= self.seen_seq:
            return
        self.early.add(seq)
        self._advance()
        if self.early and self._gap_timer is None and not self.replaying:
            self._gap_timer = asyncio.create_task(self._replay_after_gap())

    def _advance(self) -> None:
        while self.seen_seq + 1 in self.early:
            self.seen_seq += 1
            self.early.discard(self.seen_seq)

    async def _replay_after_gap(self) -> None:
        await asyncio.sleep(self.gap_wait)
        self._gap_timer = None
        await self._replay()

    def _cancel_gap_timer(self) -> None:
        if self._gap_timer is not None:
            self._gap_timer.cancel()
            self._gap_timer = None

    async def _replay(self) -> None:
        self._cancel_gap_timer()
        if await self._send({"type": "replay", "after_seq": self.seen_seq}):
            self.replaying = True

    def _replayed(self, frame: dict) -> None:
        messages = frame.get("messages", [])
        self.arrivals["replay"] += len(messages)
        for event in messages:
            self._show(event)
        last = max((event.get("seq") or 0 for event in messages), default=0)
        self.seen_seq = max(self.seen_seq, last)
        self.early = {seq for seq in self.early if seq > self.seen_seq}
        self._advance()
        self.replaying = False
        if not frame.get("complete", True) or self.early:
            self._later(self._replay())

    # --- What a test reads -----------------------------------------------------------------

    def duplicates_on_screen(self) -> int:
        return sum(count - 1 for count in self.shown_as_new.values() if count > 1)

    def summary(self) -> str:
        return (
            f"{self.name}: shown {len(self.shown_ids)}, seen_seq {self.seen_seq}, "
            f"live {self.arrivals['live']}, replayed {self.arrivals['replay']}, "
            f"acks {self.arrivals['ack']}, connects {self.connects}, "
            f"failed connects {self.failed_connects}, outbox {len(self.outbox)}"
        )


async def wait_until(condition, *, timeout: float, every: float = 0.2) -> float:
    """Poll condition() in the event loop; return the seconds it took, or raise TimeoutError."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError
        await asyncio.sleep(every)
    return time.monotonic() - started
