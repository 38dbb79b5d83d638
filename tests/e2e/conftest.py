"""Browser fixtures for the end-to-end journeys: Chromium, pages, and the axe scan.

Every test in this folder is marked `e2e` and grouped on one xdist worker ("browser"), so a
single Chromium serves the whole run. Playwright's own browser download does not work on
these machines; Debian's Chromium is launched instead (see /work/shared/TOOLING.md).
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in the test thread; the ORM calls in tests are
# still synchronous and safe. (Also set in tests/conftest.py; kept here for this folder alone.)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
# Generous but bounded: a failing step should fail in seconds, not hang the run.
TIMEOUT_MS = 10_000

E2E_DIR = Path(__file__).parent


@pytest.fixture(autouse=True)
def fast_password_hashing():
    """Keep the project's real hashers here: the server process must verify the passwords."""


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, tmp_path_factory):
    """One uvicorn process (HTTP and WebSocket) on the test database for the whole run."""
    from django.conf import settings
    from django.db import connection

    from tests.e2e import server

    process, running = server.start(
        dict(connection.settings_dict), settings.SECRET_KEY, tmp_path_factory.mktemp("asgi")
    )
    yield running
    server.stop(process)


@pytest.fixture
def live_site(asgi_server, transactional_db):
    """The journeys' server: the ASGI one, with committed test data visible to it.

    Use this, not pytest-django's live_server: that one is WSGI and carries no WebSocket.
    """
    asgi_server.clear_mail()
    return asgi_server


def pytest_configure(config):
    # Registered by pytest-xdist; declared here too so `-p no:xdist --strict-markers` works.
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")


@pytest.hookimpl(tryfirst=True)  # Before xdist's worker reads the xdist_group marks.
def pytest_collection_modifyitems(items):
    """Mark every test in this folder `e2e` and keep them all on one xdist worker.

    A safety net for new journey modules: each module also sets the marks in `pytestmark`.
    """
    for item in items:
        if Path(str(item.fspath)).is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class BrowserProblems:
    """Console errors and uncaught exceptions from every page one test opens.

    Chromium logs a Content-Security-Policy violation as a console error, so "no console
    errors" also means "nothing was blocked by the CSP".
    """

    def __init__(self):
        self.messages: list[str] = []
        self.expected_error_pages: set[str] = set()

    def expect_error_status(self, url: str) -> None:
        """Declare that opening `url` answers 4xx/5xx on purpose (Chromium logs that too)."""
        self.expected_error_pages.add(url)

    def watch(self, page):
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))
        return page

    def _on_console(self, message):
        if message.type != "error":
            return
        url = message.location.get("url")
        if url in self.expected_error_pages and message.text.startswith(
            "Failed to load resource: the server responded with a status of"
        ):
            return
        self.messages.append(f"console error on {url}: {message.text}")

    def assert_none(self):
        if self.messages:
            pytest.fail(
                "The browser reported problems:\n" + "\n".join(self.messages), pytrace=False
            )


@pytest.fixture
def browser_problems():
    """Collects console errors (including CSP violations) from every page a test opens."""
    return BrowserProblems()


@pytest.fixture
def new_page(browser, browser_problems):
    """Open a page in a fresh browser context (its own cookies): new_page(viewport=PHONE).

    Each call is a different person's browser; all are closed after the test.
    """
    contexts = []

    def open_page(*, viewport=DESKTOP, **context_options):
        context_options.setdefault("locale", "en-GB")
        context = browser.new_context(viewport=viewport, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return browser_problems.watch(context.new_page())

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop-sized page in a fresh browser context."""
    return new_page()


@pytest.fixture(scope="session")
def axe():
    return Axe()


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact'}): "
            f"{violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = node.get("failureSummary")
            if summary:
                lines.extend(f"      {line}" for line in summary.splitlines())
    return "\n".join(lines)


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}


@pytest.fixture
def assert_accessible(axe):
    """Run axe-core on the page as it is now and fail with a readable list of violations.

    Uses axe's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best practices
    (WCAG 2.2's target size included), unchanged: fix the page, never the scan.
    """

    def check(page):
        page.wait_for_load_state("load")
        results = axe.run(page, options=AXE_OPTIONS)
        violations = results.response["violations"]
        if violations:
            pytest.fail(format_violations(page.url, violations), pytrace=False)

    return check
