"""A member's browser without JavaScript: pages over HTTP, forms sent as the site gives them.

Each form is fetched first and sent with every hidden input it carries (the CSRF token and
the one-time `submission_key`), so a form sent again after a 503 or a lost answer is the
same submission and creates nothing twice. Every answer is recorded with its status and
how long it took, so a test can say that nothing answered 500 or hung.
"""

import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

import requests

from .postgres import Member

# A request that takes longer than this is a hang as far as the member is concerned.
CLIENT_TIMEOUT = 30.0


class PostFormParser(HTMLParser):
    """The hidden inputs of each POST form on a page, keyed by the form's action."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._current = {}
            self.forms.append((attributes.get("action") or "", self._current))
        elif tag == "input" and self._current is not None and is_hidden_field(attributes):
            self._current[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def is_hidden_field(attributes: dict) -> bool:
    return (attributes.get("type") or "").lower() == "hidden" and bool(attributes.get("name"))


def hidden_fields(html: str, must_have: str = "submission_key") -> dict[str, str]:
    """The hidden inputs of the page's first POST form that carries `must_have`."""
    parser = PostFormParser()
    parser.feed(html)
    for _action, fields in parser.forms:
        if must_have in fields:
            return dict(fields)
    raise AssertionError(f"No POST form with {must_have!r} on the page")


@dataclass
class Answer:
    method: str
    path: str
    status: int | None  # None: no answer within CLIENT_TIMEOUT, or the connection failed
    seconds: float
    at: float  # time.monotonic() when it was sent
    error: str = ""


@dataclass
class AnswerLog:
    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def statuses(self) -> dict:
        counts: dict = {}
        for answer in list(self.answers):
            counts[answer.status] = counts.get(answer.status, 0) + 1
        return counts

    def slowest(self) -> float:
        return max((answer.seconds for answer in self.answers), default=0.0)


class Browser:
    """One member's logged-in browser against one web process."""

    def __init__(self, base_url: str, member: Member, cookie_name: str, log: AnswerLog):
        self.base_url = base_url
        self.member = member
        self.log = log
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies from the environment
        self.session.cookies.set(cookie_name, member.session_key)

    def request(self, method: str, path: str, data: dict | None = None) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                data=data,
                allow_redirects=False,
                timeout=CLIENT_TIMEOUT,
            )
        except requests.RequestException as error:
            self.log.add(
                Answer(method, path, None, time.monotonic() - started, started, repr(error))
            )
            return None
        self.log.add(
            Answer(method, path, response.status_code, time.monotonic() - started, started)
        )
        return response

    def get(self, path: str) -> requests.Response | None:
        return self.request("GET", path)

    def form(self, path: str) -> dict[str, str] | None:
        """The hidden fields of the form on `path`, or None if the page did not load."""
        response = self.get(path)
        if response is None or response.status_code != 200:
            return None
        return hidden_fields(response.text)

    def submit_until_done(
        self, path: str, fields: dict[str, str], *, patience: float, pause: float = 1.0
    ) -> requests.Response:
        """Send the form (fetched once, then sent unchanged) until it is taken (302).

        A 503 ("try again in a moment") or no answer is sent again, the same submission,
        after `pause`; anything else ends the attempt and is returned for the test to judge.
        """
        give_up = time.monotonic() + patience
        form = None
        while True:
            form = form or self.form(path)
            if form is not None:
                response = self.request("POST", path, {**form, **fields})
                if response is not None and response.status_code not in (502, 503):
                    return response
            if time.monotonic() > give_up:
                raise TimeoutError(f"{path} was not taken within {patience:.0f} s")
            time.sleep(pause)


def reply_path(group_slug: str, thread_id: int) -> str:
    return f"/groups/{group_slug}/threads/{thread_id}/reply/"


def thread_path(group_slug: str, thread_id: int) -> str:
    return f"/groups/{group_slug}/threads/{thread_id}/"


def new_thread_path(group_slug: str) -> str:
    return f"/groups/{group_slug}/threads/new/"
