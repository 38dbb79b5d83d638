"""Fault injection on the production topology (`make faults`).

These tests use no pytest-django test database: they start the stack in processes of its
own (PostgreSQL, Redis, two uvicorn processes, a Celery worker and beat, an SMTP sink in
this process), drive it from outside as members' browsers would, break a part of it, and
read the counts straight from the stack's own database.

Run them with `make faults`, or one at a time:
    .venv/bin/pytest -m faults -n 0 tests/faults -x -q -s -k during_chat
Each scenario's counts are listed at the end of the run; a failing test prints the tails
of the stack's logs, and the run's folder (logs, media) is kept when anything failed.
"""

import itertools
import re
import shutil
from pathlib import Path

import pytest

from .mail_sink import MailSink
from .postgres import Cluster, prepare_template
from .stack import Stack, base_env, new_run_folder, new_secret_key

FAULTS_DIR = Path(__file__).parent
SUMMARIES = pytest.StashKey[list]()
_stack_numbers = itertools.count(1)


@pytest.hookimpl(tryfirst=True)  # before `-m faults` / `-m "not faults"` selects by mark
def pytest_collection_modifyitems(items):
    """Mark every test in this folder `faults`: `make test` leaves them out."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(FAULTS_DIR):
            item.add_marker(pytest.mark.faults)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures can tell that it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def pytest_configure(config):
    config.stash[SUMMARIES] = []


def pytest_terminal_summary(terminalreporter, config):
    """Each scenario's counts at the end of the run, captured output or not (CI logs)."""
    lines = config.stash.get(SUMMARIES, [])
    if lines:
        terminalreporter.section("fault scenarios: counts and timings")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def record_summary(request):
    """Report a scenario's counts: printed now, and listed again at the end of the run."""

    def record(line: str) -> None:
        line = f"{request.node.name}: {line}"
        print(f"\n[faults] {line}")
        request.config.stash[SUMMARIES].append(line)

    return record


def failed(request) -> bool:
    return any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


@pytest.fixture(scope="session")
def run_folder(request):
    """Logs, the database cluster and media of this run; kept if anything failed."""
    folder = new_run_folder()
    yield folder
    if request.session.testsfailed:
        print(f"\nThe fault tests' logs and files are kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def secret_key() -> str:
    """One SECRET_KEY for the run: the seeded sessions are valid only under it."""
    return new_secret_key()


@pytest.fixture(scope="session")
def cluster(run_folder, secret_key):
    """The run's PostgreSQL, with the migrated and seeded template database."""
    cluster = Cluster(run_folder / "postgresql")
    try:
        cluster.create()
        cluster.seed = prepare_template(cluster, base_env(secret_key), run_folder)
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def mail_sink():
    sink = MailSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def stack(request, cluster, secret_key, run_folder, mail_sink):
    """A fresh topology for one test, on a fresh copy of the seeded database."""
    name = f"{next(_stack_numbers)}_{re.sub(r'[^a-z0-9]+', '_', request.node.name.lower())}"
    folder = run_folder / name[:40]
    folder.mkdir()
    stack = Stack(cluster, cluster.seed, secret_key, folder, mail_sink.url)
    try:
        stack.start()
    except Exception:
        stack.stop()
        print(f"\nThe stack did not start; its logs:\n{stack.log_tails()}")
        raise
    yield stack
    stack.stop()
    if failed(request):
        print(f"\n{request.node.name} failed; the stack's logs:\n{stack.log_tails()}")
