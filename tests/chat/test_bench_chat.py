"""The chat benchmark runs end to end on a tiny room and reports every figure.

It starts four uvicorn processes on a database of its own (about 40 s), so it runs with the
fault tests (`make faults`), not in the normal suite. No timing is asserted: goals live in
the benchmark's table.
"""

from io import StringIO

import psycopg
import pytest
import redis
from django.core.management import call_command

from bench.stack import POSTGRES_URL, REDIS_BASE


def postgres_answers() -> bool:
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=2).close()
    except psycopg.Error:
        return False
    return True


def redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REDIS_BASE, socket_timeout=2).ping()
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(not redis_answers(), reason="needs a Redis server"),
    pytest.mark.skipif(not postgres_answers(), reason="needs PostgreSQL"),
]


def test_the_chat_benchmark_reports_every_figure_with_nothing_lost_on_a_tiny_room():
    out = StringIO()

    call_command("bench_chat", sockets="5", seconds=1, steps="7", quick=True, stdout=out)

    rows = {
        line.split("|")[0].strip(): [cell.strip() for cell in line.split("|")[1:]]
        for line in out.getvalue().splitlines()
        if line.startswith("chat N=5:")
    }
    assert rows["chat N=5: lost + reordered (5 msg/s)"][:2] == ["0 + 0", "0 + 0"]
    for figure in ("last-recipient p99 ms", "server CPU µs per delivery", "RSS per socket KiB"):
        (product, reference, ratio, *_goal) = next(
            cells for name, cells in rows.items() if figure in name
        )
        assert product != "-" and reference != "-" and ratio
    assert any("highest sustained" in name for name in rows)


def test_the_http_benchmark_spreads_its_connections_evenly_over_both_workers():
    import asyncio
    import os

    from bench import http
    from bench.stack import Stack

    with Stack(members=2) as stack:
        server = http.start_server(stack)
        cookie = f"{stack.seed['session_cookie_name']}={stack.seed['sessions'][0]}"

        async def workers_of_connections() -> list[bytes]:
            connections = await http.balanced_connections(
                server.port, cookie, http.CONCURRENCY, http.WORKERS
            )
            answered = []
            for reader, writer in connections:  # each connection stays with its worker
                writer.write(http.get(http.WORKER_PATH, server.port, cookie))
                answered.append((await http.read_response(reader))[1].strip())
                writer.close()
            return answered

        workers = asyncio.run(workers_of_connections())
        figures = http.measure(stack, rounds=1, seconds=0.5, log=lambda line: None)

    counts = sorted(workers.count(worker) for worker in set(workers))
    assert counts == [http.CONCURRENCY // 2, http.CONCURRENCY // 2]
    assert str(os.getpid()).encode() not in workers  # the server's processes, not this one
    assert figures["thread_rps"] > 0 and figures["bare_rps"] > 0
