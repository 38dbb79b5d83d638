"""Sending a form as a browser does, and sending it twice.

A browser GETs the page, keeps the form's hidden inputs (the one-time `submission_key` among
them), sends what the member filled in, and on a double click or a retry sends exactly the
same data again. `form_on()` reads a page's form that way; `send_twice()` posts it twice and
gathers what both requests left behind: the notification rows, the unread-count pushes and
the e-mails.

The test's transaction never commits, so each request runs its commit callbacks explicitly
(as a real commit would): e-mails, eager Celery tasks and pushes go out after each request,
and a side effect done twice would show twice.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.contrib.messages import constants
from django.core import mail
from django.http import HttpResponse

from community.forum import services as forum
from community.forum.models import Post, Thread
from community.notifications import services as notifications
from community.notifications.kinds import Email, all_kinds
from community.notifications.models import EmailPreference, Notification
from community.submissions.models import FINGERPRINT_PREFIX, Submission
from community.submissions.web import FIELD, KEY_PATTERN

# Fixtures of other folders, for the Q&A, consent and chat forms.
from tests.chat.conftest import room, sent  # noqa: F401
from tests.consent.conftest import accept, commit, in_force, publish  # noqa: F401
from tests.qa.conftest import live_session, make_session, open_session, write_question  # noqa: F401

NOT_SENT = {"submit", "button", "image", "reset", "file"}  # by this reader, at least


# --- Reading a page's forms ---------------------------------------------------------------


@dataclass
class Form:
    """A form as a browser would send it: its address and its successful controls."""

    action: str
    method: str
    sent: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # every control, sent or not (unchecked)

    def data(self, **filled: str | None) -> dict[str, str | list[str]]:
        """What the browser sends after the member filled in `filled` (None: unticked)."""
        unknown = set(filled) - self.names
        assert not unknown, f"the form has no {sorted(unknown)} (it has {sorted(self.names)})"
        data: dict[str, str | list[str]] = {}
        for name, value in self.sent:
            if name in data:
                earlier = data[name]
                data[name] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
            else:
                data[name] = value
        for name, value in filled.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        return data


class FormReader(HTMLParser):
    """Collect each form's controls the way a browser decides what a submission sends."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.textarea: tuple[str, list[str]] | None = None
        self.select: tuple[str, list[tuple[str, bool]]] | None = None
        self.option: tuple[dict, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form":
            # No action: the form is sent to the page's own address (query included).
            action = urljoin(self.page_url, values.get("action") or self.page_url)
            self.form = Form(action=action, method=values.get("method", "get").lower())
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = values.get("name")
        if tag == "input" and name:
            kind = values.get("type", "text").lower()
            if kind in NOT_SENT:
                return
            self.form.names.add(name)
            if kind in ("checkbox", "radio"):
                if "checked" in values:
                    self.form.sent.append((name, values.get("value", "on")))
            else:
                self.form.sent.append((name, values.get("value", "")))
        elif tag == "textarea" and name:
            self.form.names.add(name)
            self.textarea = (name, [])
        elif tag == "select" and name:
            self.form.names.add(name)
            self.select = (name, [])
        elif tag == "option" and self.select is not None:
            self.option = (values, [])

    def handle_data(self, data: str) -> None:
        for collecting in (self.textarea, self.option):
            if collecting is not None:
                collecting[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self.textarea is not None:
            name, parts = self.textarea
            text = "".join(parts)
            # Browsers drop the newline that starts a text area's content.
            self.form.sent.append((name, text[1:] if text.startswith("\n") else text))
            self.textarea = None
        elif tag == "option" and self.option is not None:
            values, parts = self.option
            value = values.get("value", "".join(parts).strip())
            self.select[1].append((value, "selected" in values))
            self.option = None
        elif tag == "select" and self.select is not None:
            name, options = self.select
            chosen = [value for value, selected in options if selected] or [
                value for value, _selected in options[:1]
            ]
            self.form.sent.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "form":
            self.form = None


def forms_in(html: str, page_url: str) -> list[Form]:
    reader = FormReader(page_url)
    reader.feed(html)
    reader.close()
    return reader.forms


def form_on(client, url: str, *, action: str | None = None, key: str = FIELD) -> Form:
    """GET the page and return its one POST form that carries a one-time key (`key`), sent
    to `action` when the page has several."""
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    forms = [
        form
        for form in forms_in(response.content.decode(), url)
        if form.method == "post" and key in form.names
    ]
    if action is not None:
        forms = [form for form in forms if form.action == action]
    assert len(forms) == 1, f"{len(forms)} keyed forms to {action or 'anywhere'} on {url}"
    form = forms[0]
    if key == FIELD:
        assert KEY_PATTERN.fullmatch(form.data()[FIELD]), "the page's key is not a valid one"
    return form


# --- Sending it twice ---------------------------------------------------------------------


def said(response: HttpResponse) -> list[tuple[int, str]]:
    """The messages this request added for the member (level, text): not those it carried
    in from an earlier response."""
    storage = getattr(response.wsgi_request, "_messages", None)
    return [(message.level, str(message)) for message in getattr(storage, "_queued_messages", [])]


@dataclass
class Sent:
    """Two requests with the same form data, and everything they left behind."""

    first: HttpResponse
    second: HttpResponse
    key: str | None
    notifications: list[Notification]
    mails: list[mail.EmailMessage]
    pushes: list[int]

    def assert_answered_alike(self) -> None:
        """The repeat gets the first one's answer: the same status, the same redirect, and
        no word the first did not say (no "you have already ...", no error)."""
        first, second = self.first, self.second
        assert second.status_code == first.status_code, (first, second)
        if first.status_code in (301, 302, 303):
            assert second["Location"] == first["Location"]
        new_words = [said_now for said_now in said(second) if said_now not in said(first)]
        assert not new_words, f"the repeat said {new_words}, the first {said(first)}"
        assert not [level for level, _text in said(second) if level >= constants.WARNING]

    def told(self) -> list[tuple[str, str]]:
        """Who was notified of what, by display name, in the order written."""
        return [(row.recipient.display_name, row.kind) for row in self.notifications]

    def mailed(self) -> list[str]:
        return sorted(address for message in self.mails for address in message.to)


def email_everyone_at_once() -> None:
    """Every member asks for an e-mail of every kind at once, so that every notification
    is also an e-mail to count."""
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.all():
        for kind in all_kinds():
            EmailPreference.objects.update_or_create(
                user=user, kind=kind.key, defaults={"email": Email.IMMEDIATELY}
            )


@pytest.fixture
def pushes(monkeypatch) -> list[int]:
    """Record each push of an unread count to a member's open pages, instead of sending it."""
    recorded: list[int] = []
    monkeypatch.setattr(notifications, "push_unread_counts", recorded.extend)
    return recorded


@pytest.fixture
def send_twice(db, client, mailoutbox, pushes, django_capture_on_commit_callbacks):
    """POST a form's data twice, as a double click does, each request followed by its
    commit; return both answers and what they caused (see Sent).

    (The outbox is read when sending: setting up the database replaces Django's list.)
    """

    def send(form: Form, **filled: str | None) -> Sent:
        data = form.data(**filled)
        email_everyone_at_once()
        last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True)
        seen = last_notification.first() or 0
        mails_before, pushes_before = len(mail.outbox), len(pushes)
        keys_before = Submission.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        answers = []
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                answers.append(client.post(form.action, data))
        key = data.get(FIELD)
        if key is not None:
            # The form's own key was used (not a fingerprint of the request), and kept once.
            kept = list(Submission.objects.filter(pk__gt=keys_before).values_list("key", flat=True))
            assert len(kept) == 1, f"the form's key was not kept once: {kept}"
            assert not kept[0].startswith(FINGERPRINT_PREFIX), "a fingerprint, not the form's key"
        return Sent(
            first=answers[0],
            second=answers[1],
            key=key,
            notifications=list(
                Notification.objects.filter(pk__gt=seen).select_related("recipient").order_by("pk")
            ),
            mails=list(mail.outbox[mails_before:]),
            pushes=pushes[pushes_before:],
        )

    return send


# --- What the forms write about -----------------------------------------------------------


@pytest.fixture
def thread(member, group) -> Thread:
    """A thread started by `member`, who therefore follows it."""
    return forum.create_thread(
        author=member, group=group, title="Sleeping with a pump", body="How do you manage?"
    )


@pytest.fixture
def post(thread) -> Post:
    """The first post of `member`'s thread."""
    return thread.posts.get()
