"""The chat bench's WebSocket clients: one process holds a share of the room's sockets, on
asyncio (uvloop when installed) with the `websockets` package, and no Django.

The coordinator (chat.py) drives each process through a pipe with commands:
  ("connect", specs, concurrency, sender_index)  open the sockets; reply when all are open
  ("send", kind, first, count, rate)             the sender socket sends `count` messages
  ("collect", first, last)                       per message: receivers that got it, the last
                                                 arrival; reordered and duplicate counts
  ("close",)                                     close every socket and exit
Every frame of any kind stamps `last_frame` (shared memory), so the coordinator sees when the
room has gone quiet. Messages are told apart by a number in their text; only `message`
frames (the product) or `{"message": ...}` frames (the bare room) are counted as messages.
"""

import asyncio
import contextlib
import re
import secrets
import time

import websockets
from websockets.asyncio.client import connect

NUMBER = re.compile(r"bench message (\d+)")
PRODUCT_PREFIX = ('{"type": "message"', '{"type":"message"')
BARE_PREFIX = ('{"message"',)
ERROR_PREFIX = ('{"type": "error"', '{"type":"error"')


def text_of(number: int) -> str:
    return f"bench message {number}"


class Sockets:
    def __init__(self, last_frame, kind: str):
        self.last_frame, self.kind = last_frame, kind
        self.prefix = PRODUCT_PREFIX if kind == "product" else BARE_PREFIX
        self.sockets: list = []
        self.tasks: list[asyncio.Task] = []
        self.sender = None
        self.sender_index = -1
        self.arrivals: dict[int, list] = {}  # number -> [receivers, last arrival]
        self.reordered = self.duplicates = self.closed = self.errors = 0
        self.first_connect = 0.0
        self.tag = secrets.token_hex(4)  # client ids unique to this run

    async def connect_all(self, specs: list, concurrency: int, sender_index: int) -> dict:
        self.sender_index = sender_index
        gate = asyncio.Semaphore(concurrency)
        failed: list[str] = []
        self.first_connect = time.monotonic()

        async def open_one(index: int, url: str, headers: dict):
            async with gate:
                try:
                    socket = await connect(
                        url,
                        additional_headers=headers,
                        compression=None,
                        ping_interval=None,
                        max_size=None,
                        open_timeout=60,
                    )
                except (OSError, websockets.WebSocketException, TimeoutError) as error:
                    failed.append(f"{type(error).__name__}: {error}")
                    return None
            self.tasks.append(asyncio.create_task(self.listen(index, socket)))
            return socket

        self.sockets = await asyncio.gather(
            *(open_one(index, url, headers) for index, (url, headers) in enumerate(specs))
        )
        if 0 <= sender_index < len(self.sockets):
            self.sender = self.sockets[sender_index]
        return {
            "opened": sum(socket is not None for socket in self.sockets),
            "failed": failed[:3],
            "failures": len(failed),
            "first_connect": self.first_connect,
            "all_connected": time.monotonic(),
        }

    async def listen(self, index: int, socket) -> None:
        seen: set[int] = set()
        highest = -1
        receiver = index != self.sender_index
        prefix, last_frame, arrivals = self.prefix, self.last_frame, self.arrivals
        try:
            async for frame in socket:
                now = time.monotonic()
                last_frame.value = now
                if not frame.startswith(prefix):
                    if frame.startswith(ERROR_PREFIX):
                        self.errors += 1
                    continue
                if not receiver:
                    continue
                match = NUMBER.search(frame)
                if match is None:
                    continue
                number = int(match.group(1))
                if number in seen:
                    self.duplicates += 1
                    continue
                seen.add(number)
                if number < highest:
                    self.reordered += 1
                else:
                    highest = number
                entry = arrivals.get(number)
                if entry is None:
                    arrivals[number] = [1, now]
                else:
                    entry[0] += 1
                    entry[1] = now
        except websockets.ConnectionClosed:
            pass
        self.closed += 1

    async def send(self, first: int, count: int, rate: float) -> dict:
        """Send at a fixed rate (scheduled, not paced by replies); the send times."""
        sent: dict[int, float] = {}
        started = time.monotonic()
        for offset in range(count):
            delay = started + offset / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            number = first + offset
            if self.kind == "product":
                frame = (
                    f'{{"type": "send", "text": "{text_of(number)}", '
                    f'"client_id": "bench-{self.tag}-{number}"}}'
                )
            else:
                frame = f'{{"message": "{text_of(number)}"}}'
            sent[number] = time.monotonic()
            await self.sender.send(frame)
        return sent

    def collect(self, first: int, last: int) -> dict:
        receivers = sum(
            socket is not None for i, socket in enumerate(self.sockets) if i != self.sender_index
        )
        return {
            "receivers": receivers,
            "arrivals": {n: self.arrivals.get(n, [0, 0.0]) for n in range(first, last)},
            "reordered": self.reordered,
            "duplicates": self.duplicates,
            "closed": self.closed,
            "errors": self.errors,
            "cpu": time.process_time(),
        }

    async def close(self) -> None:
        await asyncio.gather(
            *(socket.close() for socket in self.sockets if socket is not None),
            return_exceptions=True,
        )
        for task in self.tasks:
            task.cancel()


async def serve(pipe, last_frame, kind: str) -> None:
    loop = asyncio.get_running_loop()
    sockets = Sockets(last_frame, kind)
    while True:
        command, *arguments = await loop.run_in_executor(None, pipe.recv)
        if command == "connect":
            reply = await sockets.connect_all(*arguments)
        elif command == "send":
            reply = await sockets.send(*arguments)
        elif command == "collect":
            reply = sockets.collect(*arguments)
        else:
            await sockets.close()
            pipe.send("closed")
            return
        pipe.send(reply)


def main(pipe, last_frame, kind: str) -> None:
    """Entry point of a client process (multiprocessing, spawn)."""
    run = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop

        run = uvloop.run
    with contextlib.suppress(KeyboardInterrupt):
        run(serve(pipe, last_frame, kind))
