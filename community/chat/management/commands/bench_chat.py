"""Measure group fan-out of the two Redis channel layers, in one run, as ratios.

The chat sends every stored message to a room group; this compares channels-redis' core
`RedisChannelLayer` with `RedisPubSubChannelLayer` on the same Redis: the time until every
receiver in the group has the message (median of several rounds).
"""

import asyncio
import statistics
import time
import uuid

from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.core.management.base import BaseCommand

FRAME = {"type": "chat.frame", "text": "x" * 300}


async def fan_out(layer, receivers: int, rounds: int) -> float:
    """Median seconds from group_send until all `receivers` channels got the message."""
    group = f"bench{uuid.uuid4().hex}"
    channels = [await layer.new_channel() for _ in range(receivers)]
    for channel in channels:
        await layer.group_add(group, channel)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        await layer.group_send(group, FRAME)
        await asyncio.gather(*(layer.receive(channel) for channel in channels))
        timings.append(time.perf_counter() - started)
    for channel in channels:
        await layer.group_discard(group, channel)
    return statistics.median(timings)


class Command(BaseCommand):
    help = "Compare the Redis channel layers' group fan-out (one run, ratios)."

    def add_arguments(self, parser):
        parser.add_argument("--redis", default=settings.REDIS_URL or "redis://127.0.0.1:6379/0")
        parser.add_argument("--rounds", type=int, default=15)

    def handle(self, *args, redis, rounds, **options):
        results = asyncio.run(self.measure(redis, rounds))
        self.stdout.write(
            f"{'receivers':>10} {'core layer':>12} {'pub/sub':>12} {'core/pubsub':>12}"
        )
        for receivers, core, pubsub in results:
            self.stdout.write(
                f"{receivers:>10} {core * 1000:>9.2f} ms {pubsub * 1000:>9.2f} ms "
                f"{core / pubsub:>11.2f}x"
            )

    async def measure(self, redis: str, rounds: int) -> list[tuple[int, float, float]]:
        results = []
        for receivers in (1, 10, 100, 300):
            core = RedisChannelLayer(
                hosts=[redis], prefix=f"bench{uuid.uuid4().hex}", capacity=1000
            )
            pubsub = RedisPubSubChannelLayer(hosts=[redis], prefix=f"bench{uuid.uuid4().hex}")
            core_time = await fan_out(core, receivers, rounds)
            pubsub_time = await fan_out(pubsub, receivers, rounds)
            await core.flush()
            await pubsub.flush()
            results.append((receivers, core_time, pubsub_time))
        return results
