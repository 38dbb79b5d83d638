"""Pages over HTTP on the production server configuration: requests per second of a member's
thread page (50 posts on one page, reactions on some) against the bare view (bench/urls.py)
on the same server, uvicorn --workers 2 with scripts/web.sh's flags, PostgreSQL with the
settings' pool, Redis cache. Runs of the two are interleaved; the figures are medians.

The load generator is a small keep-alive HTTP/1.1 client on asyncio (no dependency, a few
µs per request), `CONCURRENCY` connections at once, in this process, as many to each worker
(balanced_connections).
"""

import asyncio
import statistics
import time

from .stack import Stack, wait_for

CONCURRENCY = 8
WORKERS = 2
WORKER_PATH = "/bench/worker/"  # answers the serving process's id (bench/urls.py)


class Failure(RuntimeError):
    pass


async def read_response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One HTTP/1.1 response: (status line, body)."""
    status = await reader.readline()
    length, chunked = None, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    body = b""
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            body += (await reader.readexactly(size + 2))[:-2]
            if size == 0:
                break
    elif length:
        body = await reader.readexactly(length)
    if status.split()[1:2] != [b"200"]:
        raise Failure(f"answered {status.decode(errors='replace').strip()}")
    return status, body


def get(path: str, port: int, cookie: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
        "Accept: text/html\r\nConnection: keep-alive\r\n\r\n"
    ).encode()


async def balanced_connections(port: int, cookie: str, count: int, workers: int) -> list:
    """`count` keep-alive connections, as many to each server worker (asked by WORKER_PATH).

    The workers share one listening socket and the kernel hands each new connection to
    whichever accepts first: 8 connections opened at once often land 6/2 or 8/0, and a page
    that keeps a core busy then measures one worker, not two (rounds of the same page
    measured 50 and 85 req/s). Connections to a worker that has its share are closed."""
    share = count // workers
    kept, per_worker = [], {}
    for _attempt in range(count * 25):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(get(WORKER_PATH, port, cookie))
        _status, body = await read_response(reader)
        worker = body.strip()
        if per_worker.get(worker, 0) < share:
            per_worker[worker] = per_worker.get(worker, 0) + 1
            kept.append((reader, writer))
            if len(kept) == count:
                return kept
        else:
            writer.close()
    raise Failure(f"could not spread {count} connections over {workers} workers: {per_worker}")


async def one_connection(connection, request: bytes, stop_at: float, counts: list[int]) -> None:
    reader, writer = connection
    try:
        while time.monotonic() < stop_at:
            writer.write(request)
            await read_response(reader)
            counts[0] += 1
    finally:
        writer.close()


async def hammer(port: int, path: str, cookie: str, seconds: float, workers: int) -> float:
    """Requests per second over `seconds` with CONCURRENCY keep-alive connections spread
    evenly over the server's workers."""
    connections = await balanced_connections(port, cookie, CONCURRENCY, workers)
    request = get(path, port, cookie)
    counts = [0]
    started = time.monotonic()
    stop_at = started + seconds
    await asyncio.gather(
        *(one_connection(connection, request, stop_at, counts) for connection in connections)
    )
    return counts[0] / (time.monotonic() - started)


def start_server(stack: Stack):
    """The site on WORKERS uvicorn workers (scripts/web.sh's flags), with the bench's URLs."""
    server = stack.server(
        "http", "config.asgi:application", workers=WORKERS,
        BENCH_ROOT_URLCONF="bench.urls", FORUM_POSTS_PER_PAGE="50",
    )  # fmt: skip
    wait_for(lambda: server.answers("/readyz"), what="the web server")
    return server


def measure(stack: Stack, rounds: int = 3, seconds: float = 5.0, log=print) -> dict:
    """Interleaved rounds of the thread page and the bare view; medians of req/s."""
    seed = stack.seed
    server = start_server(stack)
    try:
        cookie = f"{seed['session_cookie_name']}={seed['sessions'][0]}"
        thread = f"/groups/{seed['group_slug']}/threads/{seed['long_thread_id']}/"
        paths = {"thread": thread, "bare": "/bench/bare/"}
        results: dict[str, list[float]] = {key: [] for key in paths}
        client_cpu, wall = 0.0, 0.0
        for path in paths.values():  # warm both workers' pools, caches and templates
            asyncio.run(hammer(server.port, path, cookie, 1.0, WORKERS))
        for number in range(rounds):
            order = list(paths) if number % 2 == 0 else list(reversed(paths))
            for key in order:
                cpu, started = time.process_time(), time.monotonic()
                rate = asyncio.run(hammer(server.port, paths[key], cookie, seconds, WORKERS))
                client_cpu += time.process_time() - cpu
                wall += time.monotonic() - started
                results[key].append(rate)
                log(f"  http round {number + 1}: {key:<6} {rate:7.1f} req/s")
        return {
            "thread_rps": statistics.median(results["thread"]),
            "bare_rps": statistics.median(results["bare"]),
            "thread_runs": results["thread"],
            "bare_runs": results["bare"],
            "client_cpu_share": client_cpu / wall,
        }
    finally:
        server.stop()
        stack.servers.remove(server)
