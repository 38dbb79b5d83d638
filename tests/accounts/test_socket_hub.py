"""The socket hub's delivery: each socket gets its events in order, at once when its
connection can take them, later (still in order) when it has to wait, and a socket that
stops reading is closed rather than holding up the others."""

import asyncio

from community.accounts.socket_hub import OUTBOX_LIMIT, TRY_AGAIN_LATER, HubSocket


class RecordingSocket(HubSocket):
    def __init__(self, gate: asyncio.Event | None = None):
        self.got: list[int] = []
        self.closed_with: int | None = None
        self.gate = gate

    async def chat_frame(self, event):
        if self.gate is not None:
            await self.gate.wait()  # a connection that cannot take more for now
        self.got.append(event["n"])

    async def close(self, code=None, reason=None):
        self.closed_with = code


def frame(number: int) -> dict:
    return {"type": "chat.frame", "n": number}


def test_a_socket_that_can_take_a_frame_gets_it_at_once_without_a_task():
    async def scenario():
        socket = RecordingSocket()
        tasks_before = len(asyncio.all_tasks())
        socket.hub_deliver(frame(1))
        assert socket.got == [1]  # before anything else ran
        assert len(asyncio.all_tasks()) == tasks_before

    asyncio.run(scenario())


def test_a_socket_that_has_to_wait_gets_every_frame_later_in_order_and_holds_up_nobody():
    async def scenario():
        gate = asyncio.Event()
        slow, quick = RecordingSocket(gate), RecordingSocket()
        for number in range(1, 6):
            slow.hub_deliver(frame(number))
            quick.hub_deliver(frame(number))
        assert quick.got == [1, 2, 3, 4, 5] and slow.got == []
        gate.set()
        for _ in range(10):
            await asyncio.sleep(0)
        return slow.got

    assert asyncio.run(scenario()) == [1, 2, 3, 4, 5]


def test_a_socket_that_stops_reading_is_closed_to_reconnect_and_replay():
    async def scenario():
        gate = asyncio.Event()
        stuck = RecordingSocket(gate)
        for number in range(OUTBOX_LIMIT + 2):
            stuck.hub_deliver(frame(number))
        gate.set()
        for _ in range(10):
            await asyncio.sleep(0)
        return stuck

    stuck = asyncio.run(scenario())
    assert stuck.closed_with == TRY_AGAIN_LATER
    assert len(stuck.got) <= 1  # the frame it was on; the backlog was dropped (it replays)
