"""A real ASGI server (uvicorn, HTTP and WebSocket) on the test database, for journeys.

pytest-django's live_server is WSGI only and carries no WebSocket; Channels' live server
test case is unittest-shaped. So the journeys run the project as production does: uvicorn in
its own process, pointed at the test database (SQLite file or PostgreSQL), with e-mail
written to files that the test reads.
"""

import email
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


@dataclass
class AsgiServer:
    url: str
    mail_dir: Path
    media_root: Path
    log: Path

    def sent_mail(self) -> list[Message]:
        """Every e-mail the server has sent so far, oldest first."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
            for chunk in path.read_text().split("-" * 79):
                if chunk.strip():
                    messages.append(email.message_from_string(chunk.strip() + "\n"))
        return messages

    def clear_mail(self) -> None:
        for path in self.mail_dir.glob("*.log"):
            path.unlink()


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database the tests are using right now."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(
    settings_dict: dict, secret_key: str, work_dir: Path, extra_env: dict | None = None
) -> tuple[subprocess.Popen, AsgiServer]:
    port = free_port()
    server = AsgiServer(
        url=f"http://localhost:{port}",
        mail_dir=work_dir / "mail",
        media_root=work_dir / "media",
        log=work_dir / "server.log",
    )
    server.mail_dir.mkdir(parents=True, exist_ok=True)
    server.media_root.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(settings_dict),
        "SITE_URL": server.url,
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        # Production mode (real 404 pages, no debug output), but over plain http and with
        # static files served from the source folders.
        "DEBUG": "false",
        "SECURE_COOKIES": "false",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_FROM_SOURCE": "true",
        "SECRET_KEY": secret_key,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        # dj-email-url drops one leading slash of the path.
        "EMAIL_URL": f"file:///{server.mail_dir}",
        "MEDIA_ROOT": str(server.media_root),
    }
    env.update(extra_env or {})
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [
        sys.executable, "-m", "uvicorn", "config.asgi:application",
        "--host", "127.0.0.1", "--port", str(port),
        "--lifespan", "off", "--no-access-log", "--ws-per-message-deflate", "false",
        "--no-proxy-headers",
    ]  # fmt: skip
    with server.log.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    wait_until_listening(process, port, server.log)
    return process, server


def wait_until_listening(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The ASGI server exited:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"The ASGI server did not start:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
