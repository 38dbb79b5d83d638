"""The chat part of `make bench`: N sockets in one room on two uvicorn processes, beside a
bare Channels room that the bench serves itself, in one run (bench/chat.py says what is
measured). Needs PostgreSQL and Redis (BENCH_POSTGRES_URL, BENCH_REDIS_URL; defaults on
127.0.0.1); creates and drops its own database.

    python manage.py bench_chat                        # N = 100 and 500
    python manage.py bench_chat --sockets 5 --seconds 1 --quick
"""

from django.core.management.base import BaseCommand

from bench.run import main


class Command(BaseCommand):
    help = "Benchmark the chat against a bare Channels room (ratios measured in one run)."

    def add_arguments(self, parser):
        parser.add_argument("--sockets", help="room sizes, e.g. 100,500")
        parser.add_argument("--seconds", type=float, help="sending time for the latency")
        parser.add_argument("--steps", help='msg/s steps for the highest rate ("" to skip)')
        parser.add_argument("--quick", action="store_true")

    def handle(self, *args, sockets, seconds, steps, quick, **options):
        argv = ["--only", "chat"]
        if sockets:
            argv += ["--sockets", sockets]
        if seconds is not None:
            argv += ["--seconds", str(seconds)]
        if steps is not None:
            argv += ["--steps", steps]
        if quick:
            argv.append("--quick")
        main(argv, out=self.stdout)
