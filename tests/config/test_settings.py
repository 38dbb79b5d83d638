"""Settings come from the environment, with embedded defaults; production insists on secrets."""

import asyncio
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
from config.celery import app
print(json.dumps({
    "debug": s.DEBUG,
    "engine": s.DATABASES["default"]["ENGINE"],
    "layer": s.CHANNEL_LAYERS["default"]["BACKEND"],
    "eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
    "email": s.EMAIL_BACKEND,
    "hosts": s.ALLOWED_HOSTS,
    "cache": s.CACHES["default"]["BACKEND"],
    "conn_max_age": s.DATABASES["default"]["CONN_MAX_AGE"],
    "pool": s.DATABASES["default"].get("OPTIONS", {}).get("pool"),
    "cache_timeout": s.CACHES["default"].get("OPTIONS", {}).get("socket_timeout"),
    "layer_timeout": s.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts", [{}])[0].get(
        "socket_timeout"
    ),
    "broker_timeout": app.conf.broker_transport_options.get("socket_timeout"),
}))
"""
CONFIG_VARIABLES = [
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
]


def run_settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_no_environment_the_site_runs_on_embedded_defaults():
    result = run_settings()
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["debug"] is True
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["eager"] is True
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["cache"].endswith("LocMemCache")


def test_environment_variables_switch_to_the_production_parts():
    result = run_settings(
        DEBUG="false",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="community.example.org",
        SITE_URL="https://community.example.org",
        DATABASE_URL="postgres://app:pw@db.internal:5432/community",
        REDIS_URL="redis://cache.internal:6379/0",
        EMAIL_URL="smtp://mailer:pw@smtp.internal:587/?tls=True",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["debug"] is False
    assert values["engine"] == "config.postgresql"  # Django's PostgreSQL backend, pooled
    assert values["layer"] == "config.outages.OutageAwarePubSubChannelLayer"
    assert values["eager"] is False
    assert values["broker"] == "redis://cache.internal:6379/0"
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["hosts"] == ["community.example.org"]
    assert values["cache"].endswith("RedisCache")


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 50,
    "SITE_URL": "https://community.example.org",
    "DATABASE_URL": "postgres://app:pw@db.internal:5432/community",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


def production_settings(**env) -> dict:
    """The settings production's environment (plus `env`) gives."""
    result = run_settings(**PRODUCTION, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_database_connections_come_from_a_bounded_pool_per_process():
    values = production_settings(DATABASE_POOL_MAX_SIZE="7")
    # Persistent connections per request thread would pile up under ASGI.
    assert values["conn_max_age"] == 0
    assert values["pool"]["max_size"] == 7
    assert values["pool"]["timeout"] > 0


def test_every_redis_client_gives_up_after_about_a_second():
    values = production_settings()
    assert values["cache_timeout"] == values["layer_timeout"] == values["broker_timeout"] == 1.0


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = run_settings(DEBUG="false", ALLOWED_HOSTS="community.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_mode_refuses_a_short_secret_key():
    result = run_settings(DEBUG="false", SECRET_KEY="short", SITE_URL="https://x.example")
    assert result.returncode != 0
    assert "SECRET_KEY is too short" in result.stderr


def test_production_mode_refuses_to_start_without_a_site_url():
    result = run_settings(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "SITE_URL must be set when DEBUG is off" in result.stderr


@pytest.mark.django_db
def test_the_tests_use_the_database_that_database_url_names():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith("postgres") else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1


def test_the_channel_layer_delivers_a_group_message():
    """With REDIS_URL set this goes through Redis, and fails if Redis is unreachable."""
    expected = (
        "config.outages.OutageAwarePubSubChannelLayer"
        if os.environ.get("REDIS_URL")
        else "channels.layers.InMemoryChannelLayer"
    )
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == expected
    layer = get_channel_layer()

    async def round_trip():
        channel = await layer.new_channel()
        await layer.group_add("infrastructure-check", channel)
        await layer.group_send("infrastructure-check", {"type": "check", "text": "hello"})
        message = await layer.receive(channel)
        await layer.group_discard("infrastructure-check", channel)
        return message

    # A fresh thread and loop: the test must not depend on what else runs in this worker.
    with ThreadPoolExecutor(max_workers=1) as pool:
        message = pool.submit(asyncio.run, round_trip()).result(timeout=30)
    assert message["text"] == "hello"


def test_the_pooled_backend_checks_only_connections_idle_for_a_while():
    from psycopg_pool import ConnectionPool

    from config.postgresql import base

    class Connection:  # what ConnectionPool.check_connection uses of a connection
        autocommit = True
        checked = 0

        def execute(self, sql):
            Connection.checked += 1

    connection = Connection()
    assert base.ConnectionPool is ConnectionPool
    base.check_unless_recent(connection)  # never handed back yet: checked
    base.note_return(connection)
    base.check_unless_recent(connection)  # back a moment ago: not checked
    base._returned_at[connection] -= base.RECENT_SECONDS + 1
    base.check_unless_recent(connection)  # idle for a while: checked
    assert Connection.checked == 2
