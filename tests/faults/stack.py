"""A throwaway production topology for one test, started as an operator would start it:
its own Redis (no persistence, so a kill -9 loses everything, as a restart does), two
uvicorn processes, a Celery worker and beat, on a fresh copy of the seeded database
(postgres.py), with the environment of scripts/prod-env.sh.
"""

import os
import secrets
import socket
import tempfile
import time
from pathlib import Path

import psycopg
import requests

from .postgres import Cluster, Seed
from .processes import START_TIMEOUT, VENV_BIN, Service, free_port, log_tail, wait_for

# Short sweep settings, so that what a fault held back is delivered within seconds.
# EXPORT_STALLED_AFTER stays above the export's 10 s heartbeat (privacy/tasks.py): below
# it a live build that spends longer than that in one section would look dead.
SHORT_SWEEPS = {
    "SWEEP_NOTIFICATIONS_EVERY": "3",
    "SWEEP_EXPORTS_EVERY": "3",
    "SWEEP_INVITATIONS_EVERY": "3",
    "SWEEP_UNSENT_AFTER": "3",
    "EMAIL_CLAIM_LEASE": "10",
    "EXPORT_STALLED_AFTER": "12",
}

# Variables of the test process that must not leak into the stack's processes.
NOT_INHERITED = ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL", "EMAIL_URL")


def base_env(secret_key: str) -> dict[str, str]:
    """The environment of every process of the stack, as scripts/prod-env.sh sets it."""
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env.update(
        PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
        DEBUG="false",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="false",
        SECURE_SSL_REDIRECT="false",
        STATIC_FROM_SOURCE="true",
        CELERY_TASK_ALWAYS_EAGER="false",
        LOG_LEVEL="INFO",
        # Two senders write about ten messages a second: far past a member's usual limit.
        CHAT_RATE_LIMIT="10000",
        **SHORT_SWEEPS,
    )
    return env


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_run_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="faults-"))
    folder.chmod(0o755)  # the postgres user walks through it to its own folder
    return folder


# --- Redis -----------------------------------------------------------------------------


class Redis(Service):
    """A redis-server without persistence on a fixed port, so it can die and come back."""

    def __init__(self, folder: Path, env: dict):
        self.port = free_port()
        super().__init__(
            "redis",
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(folder),
            ],
            env=env,
            log=folder / "logs" / "redis.log",
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as link:
                link.sendall(b"PING\r\n")
                return link.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> "Redis":
        super().start()
        wait_for(self.answers, timeout=START_TIMEOUT, every=0.05, what="Redis")
        return self


# --- The application processes ---------------------------------------------------------


class Web(Service):
    """One uvicorn process: HTTP and WebSocket."""

    def __init__(self, name: str, folder: Path, env: dict, port: int):
        self.port = port
        super().__init__(
            name,
            [
                str(VENV_BIN / "uvicorn"), "config.asgi:application",
                "--host", "127.0.0.1", "--port", str(port),
                "--ws-per-message-deflate", "false", "--lifespan", "off", "--no-access-log",
                "--no-proxy-headers", "--timeout-graceful-shutdown", "5",
            ],
            env=env,
            log=folder / "logs" / f"{name}.log",
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        """GET /readyz is 200: database, Redis and broker all answer."""
        self.check_alive()
        try:
            return requests.get(f"{self.url}/readyz", timeout=5).status_code == 200
        except requests.RequestException:
            return False


class Celery(Service):
    """A Celery worker (prefork, one process as in a small deployment) or beat."""

    def __init__(self, name: str, folder: Path, env: dict, *arguments: str):
        super().__init__(
            name,
            [str(VENV_BIN / "celery"), "-A", "config", *arguments, "--loglevel", "INFO"],
            env=env,
            log=folder / "logs" / f"{name}.log",
        )
        self._log_offset = 0

    def start(self) -> "Celery":
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        return super().start()

    def logged_since_start(self, text: str) -> bool:
        self.check_alive()
        with self.log.open("rb") as log:
            log.seek(self._log_offset)
            return text.encode() in log.read()


def worker(folder: Path, env: dict) -> Celery:
    return Celery(
        "worker", folder, env, "worker", "--concurrency", "1",
        "--without-gossip", "--without-mingle", "--hostname", "faults@%h",
    )  # fmt: skip


def beat(folder: Path, env: dict) -> Celery:
    schedule = folder / "beat-schedule"
    return Celery("beat", folder, env, "beat", "--schedule", str(schedule))


class Stack:
    """The production topology of one test: Redis, two web processes, worker and beat."""

    def __init__(self, cluster: Cluster, seed: Seed, secret_key: str, folder: Path, mail_url: str):
        self.cluster, self.seed, self.folder = cluster, seed, folder
        self.database = cluster.copy_template(f"faults_{folder.name}")
        self.media_root = folder / "media"
        self.media_root.mkdir()
        env = base_env(secret_key)
        self.redis = Redis(folder, env)
        web_ports = [free_port(), free_port()]
        env.update(
            DATABASE_URL=cluster.url(self.database),
            REDIS_URL=self.redis.url,
            EMAIL_URL=mail_url,
            SITE_URL=f"http://127.0.0.1:{web_ports[0]}",
            MEDIA_ROOT=str(self.media_root),
        )
        self.env = env
        self.web1 = Web("web1", folder, env, web_ports[0])
        self.web2 = Web("web2", folder, env, web_ports[1])
        self.worker = worker(folder, env)
        self.beat = beat(folder, env)

    @property
    def services(self) -> list[Service]:
        return [self.redis, self.web1, self.web2, self.worker, self.beat]

    @property
    def webs(self) -> list[Web]:
        return [self.web1, self.web2]

    def start(self) -> "Stack":
        self.redis.start()
        for service in (self.web1, self.web2, self.worker, self.beat):
            service.start()  # all at once: they spend their start importing Django
        self.wait_until_ready()
        return self

    def wait_until_ready(self, timeout: float = START_TIMEOUT) -> None:
        for web in self.webs:
            wait_for(web.ready, timeout=timeout, what=f"{web.name} /readyz")
        self.wait_for_worker(timeout)
        wait_for(
            lambda: self.beat.logged_since_start("beat: Starting"), timeout=timeout, what="beat"
        )

    def wait_for_worker(self, timeout: float = START_TIMEOUT) -> None:
        wait_for(
            lambda: self.worker.logged_since_start(" ready."),
            timeout=timeout,
            what="the Celery worker",
        )

    def restart_worker(self) -> float:
        """Start a new worker; return when it was started (time.monotonic())."""
        started = time.monotonic()
        self.worker.start()
        self.wait_for_worker()
        return started

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def connect(self) -> psycopg.Connection:
        """A direct connection to the stack's database (counts are read from here)."""
        return self.cluster.connect(self.database)

    def query(self, sql: str, *params) -> list[tuple]:
        with self.connect() as connection:
            return connection.execute(sql, params or None).fetchall()

    def query_value(self, sql: str, *params):
        rows = self.query(sql, *params)
        return rows[0][0] if rows else None

    def log_tails(self, lines: int = 40) -> str:
        return "\n\n".join(
            f"===== {service.name} ({service.log}) =====\n{log_tail(service.log, lines)}"
            for service in self.services
        )
