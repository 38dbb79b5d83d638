"""When Redis or PostgreSQL is missing: bounded waits, side effects that never fail a request,
a translated "try again in a moment", and health checks a load balancer can use."""

import asyncio
import json
import time
from functools import partial

import pytest
import redis.exceptions
from django.db import OperationalError, transaction
from django.test import RequestFactory
from django.utils import translation
from kombu.exceptions import OperationalError as BrokerError

from community.chat import presence
from community.notifications.tasks import deliver_pending_notifications
from community.submissions.models import Submission
from config import health, outages
from config.celery import app
from config.outages import (
    OutageAwarePubSubChannelLayer,
    PublishOnceTask,
    RedisOutage,
    RedisUnavailable,
    after_commit,
    server_error,
    write_until_stored,
)

NOBODY_LISTENS = "redis://127.0.0.1:1/0"  # port 1: refused at once


@pytest.fixture(autouse=True)
def no_known_outage():
    RedisOutage.until = 0.0
    yield
    RedisOutage.until = 0.0


def fail(message: str) -> None:
    raise redis.exceptions.ConnectionError(message)


@pytest.mark.django_db(transaction=True)
def test_a_side_effect_that_fails_after_commit_is_logged_and_the_write_stands(caplog, make_user):
    """Django's own robust on_commit raised AttributeError for a failing functools.partial
    (it names the callback by __qualname__); after_commit must really be robust."""
    user = make_user()
    with transaction.atomic():
        Submission.objects.create(author=user, key="k" * 20)
        after_commit(partial(fail, "broker down"))
        after_commit(fail, "layer down")

    assert Submission.objects.filter(author=user).count() == 1
    failures = [record for record in caplog.records if "on_commit" in record.getMessage()]
    assert len(failures) == 2


def test_after_one_redis_failure_this_process_leaves_redis_alone_for_a_moment(settings):
    settings.REDIS_OUTAGE_BACKOFF = 0.2
    RedisOutage.noticed()

    with pytest.raises(RedisUnavailable):
        RedisOutage.check()
    time.sleep(0.25)
    RedisOutage.check()  # tried again after the back-off


@pytest.fixture
def real_broker():
    """Tasks are published, not run in the test's process."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


def test_skipping_redis_during_the_back_off_does_not_extend_it(settings):
    """An active room skips Redis on every frame while the back-off lasts: those skips are
    no new failures, or the process would never ask Redis again."""
    settings.REDIS_OUTAGE_BACKOFF = 5
    RedisOutage.noticed(redis.exceptions.ConnectionError("refused"))
    until = RedisOutage.until

    for _ in range(3):
        with pytest.raises(RedisUnavailable) as skipped:
            RedisOutage.check()
        RedisOutage.noticed(skipped.value)
        presence.enter(1, 7, "socket-a")  # skips quietly
        assert outages.is_outage(skipped.value)

    assert RedisOutage.until == until


def test_a_task_that_cannot_be_published_fails_fast_for_the_next_ones(monkeypatch, real_broker):
    calls = []

    def broker_down(self, *args, **kwargs):
        calls.append(1)
        raise BrokerError("Error 111 connecting to redis")

    monkeypatch.setattr("celery.app.task.Task.apply_async", broker_down)
    task = deliver_pending_notifications
    assert isinstance(task, PublishOnceTask)

    with pytest.raises(BrokerError):
        task.delay()
    started = time.monotonic()
    with pytest.raises(RedisUnavailable):
        task.delay()

    assert len(calls) == 1  # the second one never waited for the broker
    assert time.monotonic() - started < 0.1


def test_a_broadcast_to_a_redis_that_is_not_there_fails_in_bounded_time(settings):
    settings.REDIS_TIMEOUT = 0.5
    layer = OutageAwarePubSubChannelLayer(
        hosts=[{"address": NOBODY_LISTENS, **settings.REDIS_CLIENT_OPTIONS}]
    )

    async def send_twice():
        started = time.monotonic()
        with pytest.raises((*outages.REDIS_ERRORS, TimeoutError)):
            await layer.group_send("room", {"type": "chat.frame", "text": "{}"})
        first = time.monotonic() - started
        with pytest.raises(RedisUnavailable):
            await layer.group_send("room", {"type": "chat.frame", "text": "{}"})
        return first, time.monotonic() - started - first

    first, second = asyncio.run(send_twice())
    assert first < 2.0
    assert second < 0.1


def test_presence_shows_nobody_rather_than_failing_while_redis_is_down(settings, monkeypatch):
    settings.REDIS_URL = NOBODY_LISTENS
    monkeypatch.setattr(presence, "_client", None)

    presence.enter(1, 7, "socket-a")  # no error: the member's frame goes on
    assert presence.present_user_ids(1) == set()
    assert RedisOutage.known()


@pytest.mark.parametrize(
    "error",
    [
        redis.exceptions.TimeoutError("Timeout reading from socket"),
        redis.exceptions.ConnectionError("Connection refused"),
        BrokerError("broker"),
        OperationalError("the database system is starting up"),
    ],
)
def test_a_missing_service_gets_a_translated_try_again_page_not_a_bare_error(error):
    request = RequestFactory().get("/groups/")
    with translation.override("sv"):
        try:
            raise error
        except Exception:
            response = server_error(request)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert 'lang="sv"' in page
    assert "Försök igen om en stund" in page


def test_a_fault_in_the_code_is_still_a_500():
    try:
        raise KeyError("bug")
    except KeyError:
        response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500


@pytest.mark.django_db(transaction=True)
def test_marking_a_delivery_is_tried_again_while_the_database_restarts(settings, monkeypatch):
    settings.DELIVERY_MARK_PATIENCE = 5
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    attempts = []

    def mark() -> int:
        attempts.append(1)
        if len(attempts) < 3:
            raise OperationalError("server closed the connection unexpectedly")
        return 1

    assert write_until_stored(mark) == 1
    assert len(attempts) == 3


def test_marking_a_delivery_gives_up_after_its_patience(settings, monkeypatch):
    settings.DELIVERY_MARK_PATIENCE = 0
    monkeypatch.setattr(outages.connection, "close", lambda: None)

    with pytest.raises(OperationalError):
        write_until_stored(partial(_raise, OperationalError("down")))


def _raise(error: Exception):
    raise error


# --- Health checks ------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_without_a_session_a_query_or_a_host_check(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.1.2.3")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_readyz_says_every_part_is_reachable(client):
    response = client.get("/readyz/", HTTP_HOST="10.1.2.3")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "broker": "ok",
    }
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_readyz_names_the_part_that_is_down_with_a_503(client, monkeypatch):
    monkeypatch.setattr(health, "redis_ready", lambda: False)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert json.loads(response.content)["redis"] == "down"
    assert json.loads(response.content)["status"] == "unavailable"


def test_readyz_finds_a_redis_that_is_not_there_within_its_timeout(settings):
    settings.REDIS_URL = NOBODY_LISTENS
    settings.CELERY_BROKER_URL = NOBODY_LISTENS
    settings.CELERY_TASK_ALWAYS_EAGER = False

    started = time.monotonic()
    assert health.redis_ready() is False
    assert health.broker_ready() is False
    assert time.monotonic() - started < 5
