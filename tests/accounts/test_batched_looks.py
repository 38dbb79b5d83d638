"""Looks at the database that sockets ask for at the same moment go together: a lone request
is answered at once in a trip of its own; requests arriving while a trip is on the database
thread share the next one; an error reaches every request of its trip and no other."""

import asyncio
import threading

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


async def behind_a_trip(look: BatchedLook, recorder: Recorder, later: list[str], *, cancel=()):
    """Ask "first" (its trip holds on the thread), then queue `later` behind that trip,
    cancel the requests named in `cancel`, release the trip; every outcome, in order."""
    first = asyncio.create_task(look("first"))
    await wait_for_trip(recorder)
    queued = {name: asyncio.create_task(look(name)) for name in later}
    await asyncio.sleep(0.01)  # all of them queue behind the trip on the thread
    for name in cancel:
        queued[name].cancel()
    recorder.release.set()
    return await asyncio.gather(first, *queued.values(), return_exceptions=True)


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

    answers = asyncio.run(behind_a_trip(look, recorder, ["b", "c", "d"]))
    assert answers == ["FIRST", "B", "C", "D"]
    assert recorder.trips == [["first"], ["b", "c", "d"]]


def test_a_trip_carries_at_most_max_batch_requests(monkeypatch):
    monkeypatch.setattr(batched_looks, "MAX_BATCH", 2)
    recorder = Recorder()
    recorder.release.clear()
    look = BatchedLook(recorder)

    assert asyncio.run(behind_a_trip(look, recorder, ["b", "c", "d"])) == ["FIRST", "B", "C", "D"]
    assert recorder.trips == [["first"], ["b", "c"], ["d"]]


def test_an_error_reaches_every_request_of_its_trip_and_the_next_trip_still_runs():
    recorder = Recorder(fail_on="bad")
    recorder.release.clear()
    look = BatchedLook(recorder)

    async def scenario():
        return await behind_a_trip(look, recorder, ["bad", "innocent"]), await look("after")

    (first, bad, innocent), after = asyncio.run(scenario())
    assert first == "FIRST"
    assert isinstance(bad, ConnectionError) and isinstance(innocent, ConnectionError)
    assert after == "AFTER"


def test_a_caller_that_went_away_leaves_the_others_answered():
    recorder = Recorder()
    recorder.release.clear()
    look = BatchedLook(recorder)

    first, gone, stays = asyncio.run(
        behind_a_trip(look, recorder, ["gone", "stays"], cancel=["gone"])
    )
    assert (first, stays) == ("FIRST", "STAYS")
    assert isinstance(gone, asyncio.CancelledError)
    assert ["stays"] in recorder.trips
