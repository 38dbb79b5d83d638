"""One subscription per process for every channel-layer group its live sockets are in.

Channels' usual pattern gives every socket a channel of its own and adds it to its groups:
a room of 500 sockets then costs 500 channel-layer dispatches per message, each with a hop
to a database thread (Channels closes old connections before every handler), and each
socket's own reader task and queue. Here a process subscribes once per group; the hub reads
each event once and hands it to the sockets of this process that are in the group, in
order, through a small outbox per socket (a socket that stops reading holds up only itself,
and is closed once it falls too far behind: its page reconnects and replays).

Events sent to a group through the hub name the group (`"group": ...`): `hub_event()`.
Groups may ask to be looked at together (`recheck=`): the hub calls it for all of the
group's local sockets at once, every half to nine tenths of `every` seconds (jittered, so
rooms that filled together do not all look together).
"""

import asyncio
import logging
import random
import weakref
from collections import deque
from collections.abc import Awaitable, Callable

from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

# Frames waiting for one socket before it counts as gone (it reconnects and replays).
OUTBOX_LIMIT = 500
TRY_AGAIN_LATER = 1013


def hub_event(group: str, event_type: str, **details) -> dict:
    """A channel-layer event for `group`'s sockets, routed by the hubs of every process."""
    return {"type": event_type, "group": group, **details}


class HubSocket:
    """What a socket needs to take part: an outbox drained in order by one task at a time.
    Mixed into Channels consumers (MemberSocket)."""

    hub_outbox: deque | None = None
    hub_draining: bool = False

    def hub_deliver(self, event: dict) -> None:
        """Queue an event for this socket's handler (`type` with dots as underscores)."""
        if self.hub_outbox is None:
            self.hub_outbox = deque()
        if len(self.hub_outbox) >= OUTBOX_LIMIT:
            self.hub_outbox.clear()
            self.hub_outbox.append({"type": "hub.overflow"})
        else:
            self.hub_outbox.append(event)
        if not self.hub_draining:
            self.hub_draining = True
            start_eagerly(self.hub_drain())

    async def hub_drain(self) -> None:
        try:
            while self.hub_outbox:
                event = self.hub_outbox.popleft()
                handler = getattr(self, event["type"].replace(".", "_"), None)
                if handler is not None:
                    await handler(event)
        finally:
            self.hub_draining = False

    async def hub_overflow(self, event: dict) -> None:
        await self.close(code=TRY_AGAIN_LATER)


def start_eagerly(coroutine) -> None:
    """Run a coroutine at once, up to its first real wait, and hand only the rest (if any)
    to a task, as Python 3.12's eager tasks do. Handing a ready frame to a socket whose
    connection can take it never waits, so a delivery then costs no task of its own."""
    try:
        waiting_on = coroutine.send(None)
    except StopIteration:
        return
    except Exception as error:
        log.warning("A live socket's event failed: %r", error)
        return
    SocketHub.keep(asyncio.get_running_loop().create_task(carry_on(coroutine, waiting_on)))


async def carry_on(coroutine, waiting_on) -> None:
    """Drive a coroutine started by start_eagerly from where it waits (on a future, or on
    None for a bare yield) to its end."""
    try:
        while True:
            if waiting_on is None:
                await asyncio.sleep(0)
            else:
                await asyncio.wait([waiting_on])  # its outcome reaches the coroutine below
            try:
                waiting_on = coroutine.send(None)
            except StopIteration:
                return
    finally:
        coroutine.close()  # cancelled (the loop is ending): let the coroutine clean up


class SocketHub:
    """The hub of one event loop (one per server process) and channel layer."""

    _tasks: set[asyncio.Task] = set()

    def __init__(self, layer):
        self.layer = layer
        self.channel: str | None = None
        self.sockets: dict[str, set[HubSocket]] = {}
        self.subscribed: set[str] = set()
        self.rechecks: dict[str, asyncio.Task] = {}
        self.lock = asyncio.Lock()
        self.reader: asyncio.Task | None = None

    @classmethod
    def keep(cls, task: asyncio.Task) -> None:
        """Hold a reference to a fire-and-forget task until it ends (asyncio keeps weak ones),
        and log what it raised."""
        cls._tasks.add(task)
        task.add_done_callback(cls._ended)

    @classmethod
    def _ended(cls, task: asyncio.Task) -> None:
        cls._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("A live socket's event failed: %r", task.exception())

    async def join(
        self,
        group: str,
        socket: HubSocket,
        *,
        recheck: Callable[[list[HubSocket]], Awaitable[None]] | None = None,
        every: float = 30.0,
    ) -> None:
        self.sockets.setdefault(group, set()).add(socket)
        await self._reconcile(group)
        if recheck is not None and group not in self.rechecks:
            task = asyncio.get_running_loop().create_task(self._recheck(group, recheck, every))
            self.rechecks[group] = task

    async def leave(self, group: str, socket: HubSocket) -> None:
        sockets = self.sockets.get(group)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.sockets[group]
                recheck = self.rechecks.pop(group, None)
                if recheck is not None:
                    recheck.cancel()
        await self._reconcile(group)

    async def _reconcile(self, group: str) -> None:
        """Subscribe to a group while this process has sockets in it, and only then."""
        if (group in self.sockets) == (group in self.subscribed):
            return
        async with self.lock:
            wanted = group in self.sockets
            if wanted == (group in self.subscribed):
                return
            if wanted:
                if self.channel is None:
                    self.channel = await self.layer.new_channel()
                await self.layer.group_add(group, self.channel)
                self.subscribed.add(group)
                if self.reader is None:
                    self.reader = asyncio.get_running_loop().create_task(self._read())
            else:
                self.subscribed.discard(group)
                await self.layer.group_discard(group, self.channel)
                if not self.subscribed and self.reader is not None:
                    # Nothing left to hear: stop reading (the layer drops the channel).
                    self.reader.cancel()
                    self.reader, self.channel = None, None

    async def _read(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the layer reconnects by itself; keep listening
                log.warning("The socket hub could not read the channel layer: %r", error)
                await asyncio.sleep(1)
                continue
            for socket in tuple(self.sockets.get(event.get("group"), ())):
                socket.hub_deliver(event)

    async def _recheck(self, group: str, recheck, every: float) -> None:
        while True:
            jitter = random.uniform(0.5, 0.9)  # noqa: S311 (spreading load, not a secret)
            await asyncio.sleep(max(every * jitter, 1.0))
            sockets = list(self.sockets.get(group, ()))
            if not sockets:
                return
            try:
                await recheck(sockets)
            except Exception as error:  # each socket still looks for itself when stale
                log.warning("A group's sockets could not be looked at together: %r", error)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SocketHub]" = (
    weakref.WeakKeyDictionary()
)


def hub() -> SocketHub:
    """This event loop's hub on the current channel layer."""
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    found = _hubs.get(loop)
    if found is None or found.layer is not layer:  # tests swap layers between runs
        found = _hubs[loop] = SocketHub(layer)
    return found
