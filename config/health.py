"""/healthz and /readyz for a load balancer or an orchestrator.

Answered first in the middleware stack: no session is read or written, no host check or
HTTPS redirect applies (a balancer probes by address, over plain HTTP), nothing is logged.
- /healthz: the process is up and serving (never touches a service).
- /readyz: the database, Redis and the Celery broker answer within their timeouts; 503
  with the failing part named otherwise, so the balancer sends members elsewhere.
"""

from concurrent.futures import ThreadPoolExecutor

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from kombu import Connection

from config.outages import REDIS_ERRORS


def database_ready() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any failure means "not ready"; the page says which part
        return False
    finally:
        connection.close()  # back to the pool at once


def redis_ready() -> bool:
    if not settings.REDIS_URL:
        return True  # not configured: in-memory layer and cache
    client = redis.Redis.from_url(settings.REDIS_URL, **settings.REDIS_CLIENT_OPTIONS)
    try:
        return bool(client.ping())
    except REDIS_ERRORS:
        return False
    finally:
        client.close()


def broker_ready() -> bool:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True  # tasks run in the process: there is no broker
    broker = Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=settings.REDIS_TIMEOUT,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    )
    try:
        broker.ensure_connection(max_retries=0, timeout=settings.REDIS_TIMEOUT)
        return True
    except Exception:  # kombu wraps each transport's own errors differently
        return False
    finally:
        broker.release()


def readiness() -> dict[str, bool]:
    """Each part's answer, asked at the same time: the slowest timeout bounds the probe."""
    checks = {"database": database_ready, "redis": redis_ready, "broker": broker_ready}
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        answers = {name: pool.submit(check) for name, check in checks.items()}
        return {name: answer.result() for name, answer in answers.items()}


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before anything else in the stack runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        path = request.path_info.rstrip("/")
        if path == "/healthz":
            return JsonResponse({"status": "ok"})
        if path == "/readyz":
            parts = readiness()
            ready = all(parts.values())
            body = {"status": "ok" if ready else "unavailable"}
            body.update({name: "ok" if up else "down" for name, up in parts.items()})
            return JsonResponse(body, status=200 if ready else 503)
        return self.get_response(request)
