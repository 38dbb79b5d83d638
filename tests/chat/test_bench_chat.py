"""The channel-layer benchmark runs and reports both layers (it needs Redis)."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.chat.test_two_servers import REDIS_URL, redis_answers

pytestmark = pytest.mark.skipif(not redis_answers(), reason="needs a Redis server")


def test_the_benchmark_compares_both_layers_for_every_group_size():
    out = StringIO()

    call_command("bench_chat", redis=REDIS_URL, rounds=1, stdout=out)

    rows = out.getvalue().splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["1", "10", "100", "300"]
    assert all(row.endswith("x") and row.count("ms") == 2 for row in rows)
