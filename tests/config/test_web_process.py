"""The web process believes X-Forwarded-For only from the proxies it is told to trust.

uvicorn's own default trusts 127.0.0.1, so with no proxy in front a local client could name
any address and dodge every per-address limit. The Procfile's web line is run here as a
Procfile runner runs it (`sh -c`), with a stand-in `uvicorn` that records its arguments;
uvicorn's own command-line parser and proxy middleware then say whose address a request
from 127.0.0.1 carrying X-Forwarded-For would get.
"""

import asyncio
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import uvicorn
from uvicorn.main import main as uvicorn_command

from tests.config.test_settings import run_settings

ROOT = Path(__file__).resolve().parents[2]
SPOOFED = "203.0.113.99"


def web_command() -> str:
    procfile = (ROOT / "Procfile").read_text()
    return re.search(r"^web:\s*(.+)$", procfile, re.MULTILINE).group(1)


def uvicorn_arguments(tmp_path: Path, **env) -> list[str]:
    """Run the Procfile's web line with a stand-in uvicorn; return what uvicorn was given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    stand_in = bin_dir / "uvicorn"
    stand_in.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    stand_in.chmod(stand_in.stat().st_mode | stat.S_IXUSR)
    clean = {k: v for k, v in os.environ.items() if k not in ("FORWARDED_ALLOW_IPS", "PORT")}
    clean.update(PATH=f"{bin_dir}:{os.environ['PATH']}", PORT="8123", **env)
    done = subprocess.run(
        ["sh", "-c", web_command()],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def client_seen(arguments: list[str], peer: str) -> str:
    """The address the application sees for a request from `peer` naming SPOOFED."""
    params = uvicorn_command.make_context("uvicorn", list(arguments)).params
    seen = {}

    async def app(scope, receive, send):
        seen["client"] = scope["client"][0]

    config = uvicorn.Config(
        app,
        proxy_headers=params["proxy_headers"],
        forwarded_allow_ips=params["forwarded_allow_ips"],
    )
    config.load()
    scope = {
        "type": "http",
        "client": (peer, 50000),
        "scheme": "http",
        "headers": [(b"x-forwarded-for", SPOOFED.encode())],
    }
    asyncio.run(config.loaded_app(scope, None, None))
    return seen["client"]


def test_by_default_the_web_process_ignores_x_forwarded_for_even_from_loopback(tmp_path):
    arguments = uvicorn_arguments(tmp_path)
    assert "--no-proxy-headers" in arguments
    assert client_seen(arguments, peer="127.0.0.1") == "127.0.0.1"


def test_with_forwarded_allow_ips_only_the_named_proxy_is_believed(tmp_path):
    arguments = uvicorn_arguments(tmp_path, FORWARDED_ALLOW_IPS="10.0.0.5")
    assert client_seen(arguments, peer="10.0.0.5") == SPOOFED
    assert client_seen(arguments, peer="127.0.0.1") == "127.0.0.1"


def test_the_web_process_keeps_its_other_flags(tmp_path):
    arguments = uvicorn_arguments(tmp_path, WEB_PROCESSES="3")
    params = uvicorn_command.make_context("uvicorn", list(arguments)).params
    assert params["app"] == "config.asgi:application"
    assert (params["port"], params["workers"]) == (8123, 3)
    assert params["access_log"] is False
    assert params["ws_per_message_deflate"] is False


# Every command in the repository that starts uvicorn says which proxies it believes.
LAUNCHERS = [
    ROOT / "Makefile",
    *sorted((ROOT / "scripts").glob("*.sh")),
    *sorted((ROOT / "tests").rglob("*.py")),
]


@pytest.mark.parametrize(
    "launcher",
    [
        path
        for path in LAUNCHERS
        if path != Path(__file__) and "config.asgi:application" in path.read_text()
    ],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_every_uvicorn_command_in_the_repository_says_which_proxies_it_believes(launcher):
    text = launcher.read_text()
    assert "--no-proxy-headers" in text or "--forwarded-allow-ips" in text


def test_settings_refuse_both_ways_of_trusting_a_proxy():
    done = run_settings(FORWARDED_ALLOW_IPS="10.0.0.5", TRUSTED_PROXY_COUNT="1")
    assert done.returncode != 0
    assert "not both" in done.stderr
