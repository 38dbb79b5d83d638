"""Looks at the database that sockets ask for at the same moment go together: a lone request
is answered at once in a trip of its own; requests arriving while a trip is on the database
thread share the next one; an error reaches every request of its trip and no other."""

import asyncio
import threading

import pytest

from community.accounts import batched_looks
from community.accounts.batched_looks import BatchedLook


class Recorder:
    """look_many that records its trips; it can hold a trip until released."""

    def __init__(self, fail_on: str | None = None):
        self.trips: list[list[str]] = []
        self.fail_on = fail_on
        self.release = threading.Event()
        self.release.set()
        self.started = threading.Event()

    def __call__(self, requests):
        self.trips.append(list(requests))
        self.started.set()
        self.release.wait(5)
        if self.fail_on in requests:
            raise ConnectionError("the database went away")
        return [request.upper() for request in requests]


async def wait_for_trip(recorder: Recorder) -> None:
    while not recorder.started.is_set():
        await asyncio.sleep(0.001)


def test_a_lone_request_is_answered_in_a_trip_of_its_own():
    recorder = Recorder()
    look = BatchedLook(recorder)

    async def scenario():
        return await look("alone")

    assert asyncio.run(scenario()) == "ALONE"
    assert recorder.trips == [["alone"]]


def test_requests_arriving_during_a_trip_share_the_next_one_and_each_gets_its_answer():
    recorder = Recorder()
    recorder.release.clear()
    look = BatchedLook(recorder)

    async def scenario():
        first = asyncio.create_task(look("first"))
        await wait_for_trip(recorder)
        later = [asyncio.create_task(look(name)) for name in ("b", "c", "d")]
        await asyncio.sleep(0.01)  # all three queue behind the trip on the thread
        recorder.release.set()
        return await first, await asyncio.gather(*later)

    first, later = asyncio.run(scenario())
    assert first == "FIRST"
    assert later == ["B", "C", "D"]
    assert recorder.trips == [["first"], ["b", "c", "d"]]


def test_a_trip_carries_at_most_max_batch_requests(monkeypatch):
    monkeypatch.setattr(batched_looks, "MAX_BATCH", 2)
    recorder = Recorder()
    recorder.release.clear()
    look = BatchedLook(recorder)

    async def scenario():
        first = asyncio.create_task(look("a"))
        await wait_for_trip(recorder)
        later = [asyncio.create_task(look(name)) for name in ("b", "c", "d")]
        await asyncio.sleep(0.01)
        recorder.release.set()
        return [await first, *await asyncio.gather(*later)]

    assert asyncio.run(scenario()) == ["A", "B", "C", "D"]
    assert recorder.trips == [["a"], ["b", "c"], ["d"]]


def test_an_error_reaches_every_request_of_its_trip_and_the_next_trip_still_runs():
    recorder = Recorder(fail_on="bad")
    recorder.release.clear()
    look = BatchedLook(recorder)

    async def scenario():
        first = asyncio.create_task(look("first"))
        await wait_for_trip(recorder)
        failing = [asyncio.create_task(look(name)) for name in ("bad", "innocent")]
        await asyncio.sleep(0.01)
        recorder.release.set()
        outcomes = await asyncio.gather(first, *failing, return_exceptions=True)
        return outcomes, await look("after")

    (first, bad, innocent), after = asyncio.run(scenario())
    assert first == "FIRST"
    assert isinstance(bad, ConnectionError) and isinstance(innocent, ConnectionError)
    assert after == "AFTER"


def test_a_caller_that_went_away_leaves_the_others_answered():
    recorder = Recorder()
    recorder.release.clear()
    look = BatchedLook(recorder)

    async def scenario():
        first = asyncio.create_task(look("first"))
        await wait_for_trip(recorder)
        gone = asyncio.create_task(look("gone"))
        stays = asyncio.create_task(look("stays"))
        await asyncio.sleep(0.01)
        gone.cancel()
        recorder.release.set()
        with pytest.raises(asyncio.CancelledError):
            await gone
        return await first, await stays

    assert asyncio.run(scenario()) == ("FIRST", "STAYS")
    assert ["stays"] in recorder.trips
