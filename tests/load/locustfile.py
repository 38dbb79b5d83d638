"""Members reading, replying, reacting and chatting: the scenario of `make loadtest`.

scripts/loadtest.sh seeds the data (manage.py seed_load) and names its JSON in LOADTEST_DATA:
each simulated member takes one of the pre-made logged-in sessions. The mix is read-heavy:
thread lists and thread pages most of all, then notifications and the chat page; about one
task in twenty is a reply, a reaction or a chat message, each posted through the page's own
form with every hidden input it carries (CSRF token, submission key, client id). Some members
also hold the chat's WebSocket open, send through it, and count what the room delivers.

At the end it prints req/s, p50/p99 per request name, responses by status and the socket
figures, and exits non-zero on any failure: a 5xx, a connection error, a refused request,
a WebSocket that could not connect or was closed by the server, or a crash in the scenario.
"""

import contextlib
import itertools
import json
import os
import random
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from http.cookiejar import Cookie
from urllib.parse import urlsplit

import gevent
import websocket
from gevent.event import AsyncResult
from locust import FastHttpUser, between, events, task
from locust.env import Environment

# Seconds between one member's requests: reading a thread page, writing a reply. A member
# clicking every 1-3 s is a stress test (LOADTEST_WAIT_MIN=1 LOADTEST_WAIT_MAX=3), not a day.
WAIT_MIN = float(os.environ.get("LOADTEST_WAIT_MIN", "5"))
WAIT_MAX = float(os.environ.get("LOADTEST_WAIT_MAX", "15"))
LIVE_CHAT_SHARE = float(os.environ.get("LOADTEST_LIVE_CHAT_SHARE", "0.15"))
HEARTBEAT_SECONDS = 25  # docs/chat.md: the browser's heartbeat keeps presence fresh
SOCKET_TIMEOUT = 10  # seconds to connect, to get the first frame, and to get an ack
SENTENCES = [
    "Thank you, this helped me today.",
    "I had a similar week, and a short walk after lunch made a difference.",
    "My nurse said the same thing at my last visit.",
    "Good to read that others find the evenings hard too.",
    "I will try writing it down for a week and report back.",
]


def load_run_data() -> dict:
    """The seeded group, threads, room and sessions (manage.py seed_load --output)."""
    path = os.environ.get("LOADTEST_DATA")
    if not path:
        raise SystemExit("Set LOADTEST_DATA to the JSON written by manage.py seed_load.")
    with open(path) as file:
        return json.load(file)


RUN = load_run_data()
SESSION_KEYS = itertools.cycle(RUN["sessions"])  # one member per session while they last


# --- Reading forms the way a browser posts them ---------------------------------------


@dataclass
class Form:
    action: str
    classes: str
    hidden: dict[str, str] = field(default_factory=dict)
    textareas: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value)


class FormScraper(HTMLParser):
    """Collect each form's action, hidden inputs, text areas and named submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.current = Form(action=values.get("action", ""), classes=values.get("class", ""))
            self.forms.append(self.current)
        elif self.current is None or "name" not in values:
            return
        elif tag == "input" and values.get("type") == "hidden":
            self.current.hidden[values["name"]] = values.get("value", "")
        elif tag == "textarea":
            self.current.textareas.append(values["name"])
        elif tag == "button" and values.get("type", "submit") == "submit":
            self.current.buttons.append((values["name"], values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def forms_of(html: str) -> list[Form]:
    scraper = FormScraper()
    scraper.feed(html)
    return scraper.forms


def form_with_textarea(html: str, name: str) -> Form | None:
    """The writing form of a page: the one with this text area (not logout or language)."""
    return next((form for form in forms_of(html) if name in form.textareas), None)


def reaction_forms(html: str) -> list[Form]:
    return [form for form in forms_of(html) if "reaction-form" in form.classes.split()]


def some_words() -> str:
    return " ".join(random.sample(SENTENCES, k=random.randint(1, 3)))


# --- Tallies for the report ------------------------------------------------------------


STATUSES: Counter = Counter()  # HTTP status -> responses (0: no response at all)
FAILED: Counter = Counter()  # HTTP status -> requests counted as failed
SERVER_ERRORS: Counter = Counter()  # request name -> 5xx responses and connection errors


@dataclass
class SocketTally:
    opened: int = 0
    failed: Counter = field(default_factory=Counter)  # why a socket did not open
    dropped: Counter = field(default_factory=Counter)  # close code, or error, of lost ones
    sends_failed: int = 0  # messages with no ack in time, or refused
    frames: Counter = field(default_factory=Counter)  # frame type -> frames received
    delivery_ms: list[float] = field(default_factory=list)  # message stored -> received

    def failures(self) -> int:
        return sum(self.failed.values()) + sum(self.dropped.values()) + self.sends_failed


SOCKETS = SocketTally()


@events.request.add_listener
def count_status(request_type, name, response=None, exception=None, **kwargs) -> None:
    """Count HTTP responses by status, failures by status, and server errors by name."""
    if request_type == "WS":
        return
    status = getattr(response, "status_code", 0) or 0
    STATUSES[status] += 1
    if exception is not None:
        FAILED[status] += 1
    if status == 0 or status >= 500:
        SERVER_ERRORS[name] += 1


# --- The chat's WebSocket --------------------------------------------------------------


class ChatSocket:
    """One member's open chat socket: heartbeats, counted frames, sends awaiting their ack."""

    def __init__(self, user: "Member") -> None:
        self.user = user
        self.socket: websocket.WebSocket | None = None
        self.pending: dict[str, AsyncResult] = {}
        self.closing = False
        self.greenlets: list[gevent.Greenlet] = []

    def open(self) -> None:
        """Connect and wait for the first frame (presence); report either way."""
        started = time.perf_counter()
        try:
            self.socket = websocket.create_connection(
                socket_url(self.user.host),
                timeout=SOCKET_TIMEOUT,
                origin=RUN["site_url"],
                cookie=f"{RUN['session_cookie_name']}={self.user.session_key}",
                enable_multithread=True,  # the heartbeat and the tasks send from two greenlets
            )
            opcode, data = self.socket.recv_data()
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise ConnectionRefusedError(f"closed at once with code {close_code(data)}")
            self.count_frame(data)
        except Exception as error:  # any failure to open is the socket's failure
            SOCKETS.failed[type(error).__name__] += 1
            self.fire("chat socket connect", started, error)
            self.close()
            return
        SOCKETS.opened += 1
        self.fire("chat socket connect", started)
        self.socket.settimeout(None)  # from now on, silence between frames is normal
        self.greenlets = [gevent.spawn(self.receive_loop), gevent.spawn(self.heartbeat_loop)]

    def send_message(self, text: str) -> None:
        """Send a message and time it until the server's ack (docs/chat.md)."""
        if self.socket is None:
            return
        client_id = uuid.uuid4().hex
        self.pending[client_id] = answer = AsyncResult()
        started = time.perf_counter()
        error = None
        try:
            self.socket.send(json.dumps({"type": "send", "client_id": client_id, "text": text}))
            frame = answer.get(timeout=SOCKET_TIMEOUT)
            if frame.get("type") != "ack":
                error = RuntimeError(f"refused: {frame.get('code')}")
        except Exception as failure:  # timeout or a broken socket: the send failed
            error = failure
        finally:
            self.pending.pop(client_id, None)
        SOCKETS.sends_failed += error is not None
        self.fire("chat send (socket)", started, error)

    def receive_loop(self) -> None:
        while self.socket is not None:
            try:
                opcode, data = self.socket.recv_data()
            except Exception as error:  # the socket broke (or we closed it)
                self.lost(type(error).__name__)
                return
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                self.lost(close_code(data))
                return
            self.count_frame(data)

    def lost(self, reason: int | str) -> None:
        """Count a socket that the server closed or that broke; the member's next messages
        go through the form (chat.js would reconnect; the run fails anyway)."""
        if self.closing:
            return
        SOCKETS.dropped[reason] += 1
        self.fire("chat socket lost", time.perf_counter(), f"lost: {reason}")
        socket, self.socket = self.socket, None
        with contextlib.suppress(Exception):  # already closed from the other side
            socket.close(timeout=1)

    def count_frame(self, data: bytes) -> None:
        frame = json.loads(data)
        SOCKETS.frames[frame.get("type", "?")] += 1
        if frame.get("type") == "message":
            SOCKETS.delivery_ms.append(age_ms(frame.get("created_at")))
        waiting = self.pending.get(frame.get("client_id") or "")
        if waiting is not None and frame.get("type") in ("ack", "error"):
            waiting.set(frame)

    def heartbeat_loop(self) -> None:
        while self.socket is not None:
            gevent.sleep(HEARTBEAT_SECONDS)
            try:
                self.socket.send(json.dumps({"type": "heartbeat"}))
            except Exception:  # the receive loop reports the broken socket
                return

    def close(self) -> None:
        self.closing = True
        socket, self.socket = self.socket, None
        if socket is not None:
            with contextlib.suppress(Exception):  # it may be broken already
                socket.close(timeout=1)
        gevent.killall(self.greenlets, block=False)

    def fire(self, name: str, started: float, error=None) -> None:
        self.user.environment.events.request.fire(
            request_type="WS",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error if error is None or isinstance(error, Exception) else Exception(error),
            context={},
        )


def socket_url(host: str) -> str:
    parts = urlsplit(host)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}/ws/chat/{RUN['room_id']}/"


def close_code(data: bytes) -> int:
    return int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005


def age_ms(created_at: str | None) -> float:
    """Milliseconds since the server stored the message (same machine, same clock)."""
    if not created_at:
        return 0.0
    return (time.time() - datetime.fromisoformat(created_at).timestamp()) * 1000


# --- The members -----------------------------------------------------------------------


def session_cookie(name: str, value: str, host: str) -> Cookie:
    """The seeded login session as the browser would hold it."""
    return Cookie(
        version=0, name=name, value=value, port=None, port_specified=False,
        domain=urlsplit(host).hostname, domain_specified=False, domain_initial_dot=False,
        path="/", path_specified=True, secure=False, expires=None, discard=True,
        comment=None, comment_url=None, rest={}, rfc2109=False,
    )  # fmt: skip


class Member(FastHttpUser):
    """A logged-in member reading their group, now and then writing."""

    wait_time = between(WAIT_MIN, WAIT_MAX)
    weight = round(100 * (1 - LIVE_CHAT_SHARE))

    def on_start(self) -> None:
        self.session_key = next(SESSION_KEYS)
        self.client.cookiejar.set_cookie(
            session_cookie(RUN["session_cookie_name"], self.session_key, self.host)
        )
        self.group_url = f"/groups/{RUN['group_slug']}"

    def page(self, path: str, name: str) -> str | None:
        """GET a page that must answer 200 itself (a redirect means the session broke)."""
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"expected 200, got {response.status_code}")
                return None
            return response.text

    def submit(self, path: str, form: Form, fields: dict, name: str) -> None:
        """POST a form with all its hidden inputs, then follow the redirect like a browser."""
        with self.client.post(
            path, data={**form.hidden, **fields}, name=name, allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            location = response.headers.get("Location") if response.headers else None
            if response.status_code != 302 or not location:
                response.failure(f"expected a redirect, got {response.status_code}")
                return
        self.page(location, "thread page" if "/threads/" in location else "chat page")

    def some_thread(self) -> int:
        """Mostly the long thread, where the conversation is."""
        if random.random() < 0.6:
            return RUN["long_thread_id"]
        return random.choice(RUN["thread_ids"])

    @task(30)
    def thread_list(self) -> None:
        self.page(f"{self.group_url}/threads/", "thread list")

    @task(30)
    def thread_page(self) -> None:
        thread = self.some_thread()
        if thread == RUN["long_thread_id"] and random.random() < 0.3:
            self.page(f"{self.group_url}/threads/{thread}/?page=2", "thread page 2")
        else:
            self.page(f"{self.group_url}/threads/{thread}/", "thread page")

    @task(10)
    def notifications(self) -> None:
        self.page("/notifications/", "notifications")

    @task(8)
    def chat_page(self) -> None:
        self.page(f"{self.group_url}/chat/", "chat page")

    @task(5)
    def reply(self) -> None:
        path = f"{self.group_url}/threads/{self.some_thread()}/reply/"
        html = self.page(path, "reply form")
        form = form_with_textarea(html, "body") if html else None
        if form is not None:
            self.submit(path, form, {"body": some_words()}, "reply (post)")

    @task(5)
    def react(self) -> None:
        html = self.page(f"{self.group_url}/threads/{self.some_thread()}/", "thread page")
        forms = [form for form in reaction_forms(html or "") if form.buttons]
        if forms:
            form = random.choice(forms)
            name, value = random.choice(form.buttons)
            self.submit(form.action, form, {name: value}, "reaction (post)")

    @task(5)
    def chat_message(self) -> None:
        self.send_chat_message()

    def send_chat_message(self) -> None:
        """Without JavaScript: the chat page's form."""
        path = f"{self.group_url}/chat/"
        html = self.page(path, "chat page")
        form = form_with_textarea(html, "text") if html else None
        if form is not None:
            self.submit(path, form, {"text": some_words()}, "chat message (post)")


class LiveChatMember(Member):
    """A member with the chat open in a tab: the socket stays up and their messages go
    through it, as chat.js sends them."""

    weight = round(100 * LIVE_CHAT_SHARE)

    def on_start(self) -> None:
        super().on_start()
        self.chat = ChatSocket(self)
        self.chat.open()

    def on_stop(self) -> None:
        self.chat.close()

    def send_chat_message(self) -> None:
        """Through the open socket, as chat.js does; the form if the socket is gone."""
        if self.chat.socket is None:
            super().send_chat_message()
        else:
            self.chat.send_message(some_words())


# --- The verdict and the report --------------------------------------------------------


def failures(environment: Environment) -> list[str]:
    """Everything that makes the run fail, in words."""
    found = [] if environment.stats.total.num_requests else ["no requests were made"]
    server = sum(count for status, count in STATUSES.items() if status >= 500)
    if server:
        found.append(f"{server} responses 5xx")
    if STATUSES[0]:
        found.append(f"{STATUSES[0]} requests without a response (connection errors)")
    other = sum(FAILED.values()) - server - STATUSES[0]
    if other:
        found.append(f"{other} other failed requests (by status: {dict(FAILED)})")
    if SOCKETS.failures():
        found.append(f"{SOCKETS.failures()} WebSocket failures")
    if environment.runner is not None and environment.runner.exceptions:
        found.append(f"{len(environment.runner.exceptions)} crashes in the scenario")
    return found


@events.quitting.add_listener
def decide_exit_code(environment: Environment, **kwargs) -> None:
    environment.process_exit_code = 1 if failures(environment) else 0


@events.quit.add_listener
def print_report(exit_code: int, **kwargs) -> None:
    """Print the run's figures last, after locust's own tables."""
    environment = REPORT_ENVIRONMENT[0]
    stats = environment.stats
    print("\n=== Load test report ===")
    print(f"{'request':<28}{'count':>8}{'fail':>7}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for entry in sorted(stats.entries.values(), key=lambda entry: -entry.num_requests):
        print_row(entry.name, entry)
    print_row("TOTAL", stats.total)
    print(f"Responses by status: {by_status(STATUSES)}")
    print(f"Errors by status: {by_status(FAILED) or 'none'}")
    if SERVER_ERRORS:
        print(f"Server errors by request: {dict(SERVER_ERRORS)}")
    print_socket_report()
    found = failures(environment)
    print("FAILED: " + "; ".join(found) if found else "PASSED: no failures")


def by_status(counts: Counter) -> str:
    return ", ".join(f"{status or 'no response'}: {n}" for status, n in sorted(counts.items()))


def print_row(name: str, entry) -> None:
    p50 = entry.get_response_time_percentile(0.5) if entry.num_requests else 0
    p99 = entry.get_response_time_percentile(0.99) if entry.num_requests else 0
    print(
        f"{name[:27]:<28}{entry.num_requests:>8}{entry.num_failures:>7}"
        f"{entry.total_rps:>8.1f}{p50:>9.0f}{p99:>9.0f}"
    )


def print_socket_report() -> None:
    lags = sorted(SOCKETS.delivery_ms)
    print(
        f"WebSocket: {SOCKETS.opened} opened, failed to open: {dict(SOCKETS.failed) or 0}, "
        f"lost while open: {dict(SOCKETS.dropped) or 0}, "
        f"sends without ack: {SOCKETS.sends_failed}"
    )
    print(f"WebSocket frames received: {dict(SOCKETS.frames)}")
    if lags:
        p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
        print(
            f"Chat delivery (stored -> received by a socket): {len(lags)} messages, "
            f"p50 {statistics.median(lags):.0f} ms, p99 {p99:.0f} ms"
        )


REPORT_ENVIRONMENT: list[Environment] = []


@events.init.add_listener
def remember_environment(environment: Environment, **kwargs) -> None:
    """events.quit carries no environment: keep it for the report."""
    REPORT_ENVIRONMENT.append(environment)
