"""Looks at the database that many sockets ask for at the same moment, taken together.

Channels runs every look at the database on one thread per process, so when 250 members
open a room at once each connect waits behind the others' queries: the room fills at the
pace of that thread's round trips to PostgreSQL. A `BatchedLook` gathers the requests that
arrive while its previous trip is on that thread and answers all of them in the next trip,
with the few queries `look_many` needs for any number of them. A lone request goes at once,
as before; under a burst each trip carries everything that queued meanwhile (group commit).
"""

import asyncio
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async

from .socket_hub import SocketHub

MAX_BATCH = 200  # requests in one trip: later ones wait for the next (bounded latency)


@dataclass
class _Queue:
    waiting: list[tuple[Any, asyncio.Future]] = field(default_factory=list)
    running: bool = False


class BatchedLook:
    """`await look(request)` answers one request as `look_many([request, ...])[i]` would,
    run in a database thread together with the requests that queued meanwhile.

    `look_many(requests) -> answers` (one per request, in order) runs in the database
    thread; an exception it raises reaches every request of that trip.
    """

    def __init__(self, look_many: Callable[[Sequence[Any]], Sequence[Any]]):
        self.look_many = look_many
        self.queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = (
            weakref.WeakKeyDictionary()
        )

    async def __call__(self, request: Any) -> Any:
        loop = asyncio.get_running_loop()
        queue = self.queues.setdefault(loop, _Queue())
        answer = loop.create_future()
        queue.waiting.append((request, answer))
        if not queue.running:
            queue.running = True
            SocketHub.keep(loop.create_task(self.run_trips(queue)))
        return await answer

    async def run_trips(self, queue: _Queue) -> None:
        try:
            while queue.waiting:
                trip, queue.waiting = queue.waiting[:MAX_BATCH], queue.waiting[MAX_BATCH:]
                trip = [(request, answer) for request, answer in trip if not answer.done()]
                if trip:
                    await self.run_trip(trip)
        finally:
            queue.running = False

    async def run_trip(self, trip: list[tuple[Any, asyncio.Future]]) -> None:
        try:
            answers = await database_sync_to_async(self.look_many)([r for r, _ in trip])
        except Exception as error:  # each request's caller decides what an outage means
            for _request, answer in trip:
                if not answer.done():
                    answer.set_exception(error)
            return
        for (_request, answer), value in zip(trip, answers, strict=True):
            if not answer.done():  # a caller that went away (the client hung up)
                answer.set_result(value)
