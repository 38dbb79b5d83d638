"""The run's PostgreSQL: a cluster of its own (initdb as the postgres user, trust auth, its
own port and socket folder), restartable with `pg_ctl`. The schema and the seeded members
are made once, in a template database; every test gets a fresh copy of it
(`CREATE DATABASE … TEMPLATE …` takes a second; migrating and seeding take twenty).
"""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg

from .processes import ROOT, VENV_BIN, free_port, log_tail

PG_BIN = Path(os.environ.get("FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
TEMPLATE_DB = "community_template"
SEEDED_MEMBERS = 40


class Cluster:
    """A PostgreSQL cluster of this run, owned by the postgres user."""

    seed: "Seed | None" = None  # what the template database holds, once prepared

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.socket_dir = folder / "socket"
        self.log = folder / "postgresql.log"
        self.port = free_port()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def as_postgres(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            cwd="/",  # the postgres user may not read the test's working folder
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def create(self) -> None:
        self.folder.mkdir(parents=True)
        self.socket_dir.mkdir()
        shutil.chown(self.folder, "postgres")
        shutil.chown(self.socket_dir, "postgres")
        self.as_postgres(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8",
        )  # fmt: skip
        self.start()

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.as_postgres(
            str(PG_BIN / "pg_ctl"), action, "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "-t", "60", *extra,
        )  # fmt: skip

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("stop", "-m", mode)

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def copy_template(self, name: str) -> str:
        with self.connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"')
        return name


@dataclass(frozen=True)
class Member:
    """A seeded member: who they are, and their live login session."""

    number: int
    user_id: int
    email: str
    session_key: str


@dataclass
class Seed:
    """What the template database holds: the group, threads, room, members."""

    group_slug: str
    room_id: int
    thread_ids: list[int]
    cookie_name: str
    members: list[Member]


def manage(env: dict, *args: str, log: Path) -> None:
    """Run a management command with the stack's environment; fail with its output."""
    with log.open("a") as out:
        result = subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=300,
        )  # fmt: skip
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{log_tail(log)}")


def prepare_template(cluster: Cluster, env: dict, folder: Path) -> Seed:
    """Migrate and seed the template database once; every test copies it."""
    with cluster.connect() as connection:
        connection.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    env = {
        **env,
        "DATABASE_URL": cluster.url(TEMPLATE_DB),
        "SITE_URL": "http://127.0.0.1:8000",  # not used by what is seeded
        "DATABASE_POOL": "false",  # a one-off command needs no pool
    }
    log = folder / "prepare.log"
    manage(env, "migrate", "--noinput", log=log)
    sessions_file = folder / "sessions.json"
    manage(
        env, "seed_load", "--members", str(SEEDED_MEMBERS), "--output", str(sessions_file),
        "--yes-this-is-a-test-database", log=log,
    )  # fmt: skip
    described = json.loads(sessions_file.read_text())
    return Seed(
        group_slug=described["group_slug"],
        room_id=described["room_id"],
        thread_ids=described["thread_ids"],
        cookie_name=described["session_cookie_name"],
        members=read_members(cluster, described["sessions"]),
    )


def read_members(cluster: Cluster, sessions: list[str]) -> list[Member]:
    """Pair each seeded member (load-0001…) with their session (written in that order)."""
    with cluster.connect(TEMPLATE_DB) as connection:
        rows = connection.execute(
            "SELECT id, email FROM accounts_user WHERE email LIKE 'load-%' ORDER BY email"
        ).fetchall()
    members = []
    for user_id, email in rows:
        number = int(email.split("@")[0].removeprefix("load-"))
        members.append(Member(number, user_id, email, sessions[number - 1]))
    return members
