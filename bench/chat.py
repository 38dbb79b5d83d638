"""N sockets in one chat room, on two server processes, against the bare Channels room.

For each N the bare room (bare_room.py) and then the product run one after the other, each
on two fresh uvicorn processes with scripts/web.sh's flags and the project's channel layer;
half of the sockets go to each process (different ports), as a load balancer spreads them.
Every product socket is a different logged-in member of the group (seeded sessions, consents
accepted). One sender socket sends; every other socket is a receiver. Measured:

- quiet: from the first connect until no frame of any kind has reached any client for 1 s
  (minus that second); N sockets connect at once, at most CONNECT_CONCURRENCY in flight
  per client process;
- RSS per socket: the server processes' resident memory once all N are in, minus before;
- last-recipient latency (send -> the last of the N-1 receivers has it), p50 and p99, at
  `rate` messages per second for `seconds`; lost (a receiver never got it) and reordered
  (a receiver got a lower number after a higher one);
- server CPU per delivery: user+system CPU of the server processes (and their children)
  over the sending window, divided by messages x receivers; for the product, PostgreSQL's
  backends on the bench database separately;
- highest sustained rate: steps of `steps` msg/s for `step_seconds` each, until the first
  step with p99 > 1 s or anything lost.
"""

import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import time

from websockets.asyncio.client import connect

from . import clients
from .stack import Stack, cpu_seconds, rss_bytes, tree, wait_for

SOCKETS_PER_CLIENT_PROCESS = int(os.environ.get("BENCH_SOCKETS_PER_PROCESS", "250"))
CONNECT_CONCURRENCY = int(os.environ.get("BENCH_CONNECT_CONCURRENCY", "50"))
QUIET_AFTER = 1.0  # seconds without a frame
DRAIN_QUIET = 0.5  # after the last send: this long without a frame and it is over
DRAIN_CAP = 15.0
P99_LIMIT = 1.0
ROOM_PATH_BARE = "/ws/chat/bench/"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


class Room:
    """Two server processes of one kind, and client processes holding N sockets."""

    def __init__(self, stack: Stack, kind: str, sockets: int, log=print):
        self.stack, self.kind, self.count, self.log = stack, kind, sockets, log
        self.servers = []
        self.workers: list[tuple] = []  # (process, pipe, last_frame)
        self.number = 1  # the next message's number
        self.reordered = self.duplicates = 0

    # --- servers ----------------------------------------------------------------------

    def start_servers(self) -> None:
        for name in ("a", "b"):
            if self.kind == "product":
                # One sender writes far past a member's rate limit (tests/faults does the same).
                server = self.stack.server(
                    f"chat-{self.count}-{name}", "config.asgi:application",
                    CHAT_RATE_LIMIT="1000000",
                )  # fmt: skip
            else:
                server = self.stack.server(
                    f"bare-{self.count}-{name}", "bench.bare_room:application"
                )
            self.servers.append(server)
        for server in self.servers:
            if self.kind == "product":
                wait_for(lambda s=server: s.answers("/readyz"), what=f"{server.name} /readyz")
            else:
                wait_for(server.listening, what=server.name)

    @property
    def server_pids(self) -> list[int]:
        return tree([server.process.pid for server in self.servers])

    def spec(self, index: int) -> tuple[str, dict]:
        port = self.servers[index % 2].port
        if self.kind == "bare":
            return f"ws://127.0.0.1:{port}{ROOM_PATH_BARE}", {}
        seed = self.stack.seed
        sessions = seed["sessions"]
        cookie = f"{seed['session_cookie_name']}={sessions[index % len(sessions)]}"
        headers = {"Origin": f"http://127.0.0.1:{port}", "Cookie": cookie}
        return f"ws://127.0.0.1:{port}/ws/chat/{seed['room_id']}/", headers

    def warm_up(self) -> None:
        """One socket per process and one message, so both have imported and connected
        what a first socket needs before memory is measured (the same for both kinds)."""

        async def run():
            pair = [await connect(url, additional_headers=headers, compression=None)
                    for url, headers in (self.spec(0), self.spec(1))]  # fmt: skip
            if self.kind == "product":
                frame = {"type": "send", "text": "warm up", "client_id": f"warm-{time.time_ns()}"}
            else:
                frame = {"message": "warm up"}
            await pair[0].send(json.dumps(frame))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(10):
                    async for text in pair[1]:
                        if "warm up" in text:
                            break
            for socket in pair:
                await socket.close()

        asyncio.run(run())
        time.sleep(1.0)

    # --- clients ----------------------------------------------------------------------

    def start_clients(self) -> None:
        context = multiprocessing.get_context("spawn")
        processes = max(1, math.ceil(self.count / SOCKETS_PER_CLIENT_PROCESS))
        for _ in range(processes):
            mine, theirs = context.Pipe()
            last_frame = context.RawValue("d", 0.0)
            process = context.Process(
                target=clients.main, args=(theirs, last_frame, self.kind), daemon=True
            )
            process.start()
            self.workers.append((process, mine, last_frame))

    def ask_all(self, *command) -> list:
        for _process, pipe, _last in self.workers:
            pipe.send(command)
        return [pipe.recv() for _process, pipe, _last in self.workers]

    def last_frame(self) -> float:
        return max(last.value for _process, _pipe, last in self.workers)

    def connect_all(self, quiet_cap: float) -> dict:
        """Open N sockets at once; the time until the room is quiet; memory per socket."""
        rss_before = rss_bytes(self.server_pids)
        shares = [[] for _ in self.workers]
        for index in range(self.count):
            shares[index % len(self.workers)].append(self.spec(index))
        for (_process, pipe, _last), share, number in zip(
            self.workers, shares, range(len(self.workers)), strict=True
        ):
            pipe.send(("connect", share, CONNECT_CONCURRENCY, 0 if number == 0 else -1))
        replies = [pipe.recv() for _process, pipe, _last in self.workers]
        first = min(reply["first_connect"] for reply in replies)
        connected = max(reply["all_connected"] for reply in replies)
        quiet = None
        while time.monotonic() < first + quiet_cap:
            last = max(self.last_frame(), connected)
            if time.monotonic() - last >= QUIET_AFTER:
                quiet = last - first
                break
            time.sleep(0.05)
        opened = sum(reply["opened"] for reply in replies)
        rss_after = rss_bytes(self.server_pids)
        return {
            "opened": opened,
            "connect_failures": sum(reply["failures"] for reply in replies),
            "connect_errors": [error for reply in replies for error in reply["failed"]],
            "connect_seconds": connected - first,
            "quiet": quiet,
            "rss_per_socket": (rss_after - rss_before) / max(opened, 1),
        }

    def send_and_collect(self, rate: float, seconds: float, measure_cpu: bool = False) -> dict:
        count = max(1, round(rate * seconds))
        first = self.number
        self.number += count
        pg_pids = self.stack.postgres_backends() if measure_cpu and self.kind == "product" else []
        server_pids = self.server_pids
        clients_before = self.ask_all("collect", first, first)
        cpu_before, pg_before = cpu_seconds(server_pids), cpu_seconds(pg_pids)
        started = time.monotonic()
        sender = self.workers[0][1]
        sender.send(("send", first, count, rate))
        sent = sender.recv()
        finished = time.monotonic()
        while time.monotonic() - max(self.last_frame(), finished) < DRAIN_QUIET:
            if time.monotonic() > finished + DRAIN_CAP:
                break
            time.sleep(0.02)
        ended = time.monotonic()
        cpu_after, pg_after = cpu_seconds(server_pids), cpu_seconds(pg_pids)
        replies = self.ask_all("collect", first, first + count)
        receivers = sum(reply["receivers"] for reply in replies)
        latencies, lost = [], 0
        for number in range(first, first + count):
            got = [reply["arrivals"][number] for reply in replies]
            arrived = sum(entry[0] for entry in got)
            lost += receivers - arrived
            if arrived:
                latencies.append(max(entry[1] for entry in got) - sent[number])
        reordered = sum(reply["reordered"] for reply in replies) - self.reordered
        duplicates = sum(reply["duplicates"] for reply in replies) - self.duplicates
        self.reordered += reordered
        self.duplicates += duplicates
        deliveries = count * max(receivers, 1)
        client_cpu = [
            after["cpu"] - before["cpu"]
            for before, after in zip(clients_before, replies, strict=True)
        ]
        return {
            "rate": rate,
            "messages": count,
            "receivers": receivers,
            "p50": percentile(latencies, 0.50),
            "p99": percentile(latencies, 0.99),
            "lost": lost,
            "reordered": reordered,
            "duplicates": duplicates,
            "closed": sum(reply["closed"] for reply in replies),
            "errors": sum(reply["errors"] for reply in replies),
            "cpu_us": (cpu_after - cpu_before) / deliveries * 1e6,
            "pg_cpu_us": (pg_after - pg_before) / deliveries * 1e6 if pg_pids else None,
            "server_cpu_share": (cpu_after - cpu_before) / (ended - started),
            "client_cpu_share": max(client_cpu) / (ended - started),
        }

    def stop(self) -> None:
        for process, pipe, _last in self.workers:
            with contextlib.suppress(OSError, EOFError):
                pipe.send(("close",))
                if pipe.poll(10):
                    pipe.recv()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        self.workers = []
        for server in self.servers:
            server.stop()
            self.stack.servers.remove(server)
        self.servers = []


def measure_room(
    stack: Stack,
    kind: str,
    sockets: int,
    *,
    rate: float,
    seconds: float,
    steps: list[float],
    step_seconds: float,
    quiet_cap: float,
    log=print,
) -> dict:
    room = Room(stack, kind, sockets, log)
    try:
        room.start_servers()
        room.warm_up()
        room.start_clients()
        result = {"kind": kind, "sockets": sockets, **room.connect_all(quiet_cap)}
        quiet = "> cap" if result["quiet"] is None else f"{result['quiet']:.2f} s"
        log(
            f"  chat {kind:<7} N={sockets}: {result['opened']} open "
            f"(connect {result['connect_seconds']:.1f} s), quiet {quiet}, "
            f"{result['rss_per_socket'] / 1024:.1f} KiB/socket"
        )
        steady = room.send_and_collect(rate, seconds, measure_cpu=True)
        result["steady"] = steady
        log(
            f"  chat {kind:<7} N={sockets}: {rate:g} msg/s p50 {steady['p50'] * 1000:.0f} ms, "
            f"p99 {steady['p99'] * 1000:.0f} ms, lost {steady['lost']}, "
            f"reordered {steady['reordered']}, {steady['cpu_us']:.0f} µs CPU/delivery, "
            f"server CPU {steady['server_cpu_share']:.0%}, busiest client process "
            f"{steady['client_cpu_share']:.0%} of a core"
        )
        result["steps"], result["highest_rate"] = [], 0.0
        for step in steps:
            outcome = room.send_and_collect(step, step_seconds)
            passed = outcome["p99"] <= P99_LIMIT and outcome["lost"] == 0
            result["steps"].append(outcome)
            log(
                f"  chat {kind:<7} N={sockets}: step {step:g} msg/s p99 "
                f"{outcome['p99'] * 1000:.0f} ms lost {outcome['lost']} "
                f"(busiest client {outcome['client_cpu_share']:.0%}) "
                f"{'pass' if passed else 'fail'}"
            )
            if not passed:
                break
            result["highest_rate"] = step
        return result
    finally:
        room.stop()
