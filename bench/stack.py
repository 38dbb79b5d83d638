"""What every part of the bench stands on: a throwaway PostgreSQL database (created, migrated,
seeded, dropped), its own Redis database number and key prefixes, and server processes
started the way scripts/web.sh starts them, each in its own process group and always stopped.
"""

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess  # noqa: S404 - the bench starts the project's own servers
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
START_TIMEOUT = 60.0
# scripts/web.sh's flags (production): no compression, no access log, no lifespan, and no
# proxy headers believed.
SERVER_FLAGS = [
    "--ws-per-message-deflate", "false", "--no-access-log", "--lifespan", "off",
    "--no-proxy-headers", "--timeout-graceful-shutdown", "5",
]  # fmt: skip
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float = START_TIMEOUT, every: float = 0.1, what: str = ""):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# --- /proc: CPU seconds and resident memory of a process tree --------------------------


def children_of(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as file:
                found += [int(child) for child in file.read().split()]
    return found


def tree(pids: list[int]) -> list[int]:
    """The processes and all their descendants (uvicorn --workers: the workers)."""
    seen, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.append(pid)
            todo += children_of(pid)
    return seen


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (gone ones count 0)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/statm") as file:
            total += int(file.read().split()[1]) * PAGE_SIZE
    return total


# --- Server processes -------------------------------------------------------------------


class Server:
    """One server process (and its children) in a process group of its own."""

    def __init__(self, name: str, command: list[str], env: dict, log: Path, port: int):
        self.name, self.command, self.env, self.log, self.port = name, command, env, log, port
        self.process: subprocess.Popen | None = None

    def start(self) -> "Server":
        with self.log.open("a") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                self.command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{tail}")

    def listening(self) -> bool:
        self.check_alive()
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        return True

    def answers(self, path: str) -> bool:
        if not self.listening():
            return False
        try:
            with urllib.request.urlopen(  # noqa: S310 - http://127.0.0.1 only
                f"http://127.0.0.1:{self.port}{path}", timeout=5
            ) as response:
                return response.status == 200
        except OSError:
            return False

    @property
    def pids(self) -> list[int]:
        return tree([self.process.pid]) if self.process else []

    def stop(self) -> None:
        """SIGTERM the group, then SIGKILL whatever is left of it (workers included)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=8)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.process = None


def uvicorn(name: str, app: str, env: dict, log: Path, workers: int = 1) -> Server:
    port = free_port()
    command = [str(VENV_BIN / "uvicorn"), app, "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    return Server(name, command + SERVER_FLAGS, env, log, port)


# --- The throwaway stack -----------------------------------------------------------------


class Stack:
    """A fresh database (migrated), a Redis database number and prefixes of its own, the
    production environment of scripts/prod-env.sh, and a folder for logs. A context manager:
    every server started through it is stopped and the database dropped on the way out."""

    def __init__(self, members: int = 2):
        self.members = members
        self.name = f"bench_{os.getpid()}_{secrets.token_hex(4)}"
        self.folder = Path(tempfile.mkdtemp(prefix="bench-"))
        self.prefix = self.name
        self.redis_db = pick_redis_db()
        self.redis_url = f"{REDIS_BASE.rstrip('/')}/{self.redis_db}"
        self.servers: list[Server] = []
        self.seed: dict = {}
        self.created = False

    # Environment of every process of the stack (scripts/prod-env.sh, tests/faults/stack.py).
    def env(self, **extra: str) -> dict:
        parts = urlparse(POSTGRES_URL)
        database_url = parts._replace(path=f"/{self.name}").geturl()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_", "REDIS_", "DJANGO_ALLOW_ASYNC"))
        }
        env.update(
            PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
            DJANGO_SETTINGS_MODULE="config.settings",
            PYTHONUNBUFFERED="1",
            DEBUG="false",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SITE_URL="http://127.0.0.1:8000",
            SECURE_COOKIES="false",
            SECURE_SSL_REDIRECT="false",
            # No collected static files here (production serves hashed ones; same cost).
            STATIC_FROM_SOURCE="true",
            CELERY_TASK_ALWAYS_EAGER="false",
            EMAIL_URL="dummy://",
            MEDIA_ROOT=str(self.folder / "media"),
            DATABASE_URL=database_url,
            REDIS_URL=self.redis_url,
            CACHE_KEY_PREFIX=self.prefix,
            CHANNEL_PREFIX=self.prefix,
        )
        env.update(extra)
        return env

    def __enter__(self) -> "Stack":
        self.secret_key = secrets.token_urlsafe(50)
        try:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')
            self.created = True
            self.manage("migrate", "--noinput")
            output = self.folder / "seed.json"
            self.manage(
                "seed_load", "--members", str(self.members), "--output", str(output),
                "--yes-this-is-a-test-database", CELERY_TASK_ALWAYS_EAGER="true",
            )  # fmt: skip
            self.seed = json.loads(output.read_text())
        except BaseException:
            self.__exit__()
            raise
        return self

    def manage(self, *arguments: str, **env: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own command line
            [PYTHON, "manage.py", *arguments],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {arguments[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def server(self, name: str, app: str, workers: int = 1, **env: str) -> Server:
        server = uvicorn(name, app, self.env(**env), self.folder / f"{name}.log", workers)
        self.servers.append(server)
        return server.start()

    def stop_servers(self) -> None:
        while self.servers:
            self.servers.pop().stop()

    def postgres_backends(self) -> list[int]:
        """Server processes of PostgreSQL connected to this stack's database."""
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.name]
            ).fetchall()
        return [pid for (pid,) in rows]

    def __exit__(self, *exc) -> None:
        self.stop_servers()
        if self.created:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.created = False
        forget_redis_keys(self.redis_url, self.prefix)
        shutil.rmtree(self.folder, ignore_errors=True)


def pick_redis_db() -> int:
    """A Redis database number nobody uses now (the highest empty one), else 15."""
    client = redis.Redis.from_url(REDIS_BASE, socket_timeout=2)
    try:
        for number in range(15, 7, -1):
            client.execute_command("SELECT", number)
            if client.dbsize() == 0:
                return number
    finally:
        client.close()
    return 15


def forget_redis_keys(url: str, prefix: str) -> None:
    """Delete this run's keys: its prefixes, and the Celery queue the servers published to
    (tasks nobody ran: the bench has no worker)."""
    with contextlib.suppress(redis.RedisError):
        client = redis.Redis.from_url(url, socket_timeout=2)
        for pattern in (f"{prefix}*", f"*:{prefix}*", "celery", "_kombu.binding.*", "unacked*"):
            for key in client.scan_iter(match=pattern, count=1000):
                client.delete(key)
        client.close()
