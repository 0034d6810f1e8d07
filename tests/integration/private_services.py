"""Services a fault test owns: a Redis server of its own (to stop and start: the machine's Redis on 6379
is shared and never stopped), Celery workers in their own process group (to kill whole with SIGKILL)
and the portal served by gunicorn, all pointed at that Redis and at this test run's database."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from subprocess import DEVNULL, STDOUT, Popen, TimeoutExpired  # noqa: S404 (our own programs)
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
# After PY2027's list deadline (2026-10-31), before PY2028's: PY2027 list changes need CMS approval.
PORTAL_TODAY = "2026-12-01"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], bool], *, seconds: float, what: str, log: Callable[[], str] = str) -> float:
    """Poll ``check`` until it holds; the seconds it took (AssertionError with ``log()`` after ``seconds``)."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if check():
            return time.monotonic() - start
        time.sleep(0.25)
    raise AssertionError(f"{what}: not within {seconds} s\n{log()}")


class RedisServer:
    """``redis-server`` on a free port, without persistence: stop() and start() again on the same port."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp = tmp
        self.proc: Popen[bytes] | None = None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = Popen([*command, "--dir", str(self.tmp)], stdout=DEVNULL, stderr=STDOUT)  # noqa: S603
        wait_until(self.ping, seconds=15, what=f"redis-server on {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None
        wait_until(lambda: not self.ping(), seconds=5, what="redis-server stopping")

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)


def database_url() -> str:
    """The URL of the database this test run uses (pytest-django's test_<name>)."""
    from django.db import connection

    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def portal_env(redis_url: str, media_root: Path, **extra: str) -> dict[str, str]:
    """The environment of a portal process (worker or web) on this run's database and ``redis_url``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lead_portal.settings.base",
        "DJANGO_SECRET_KEY": "fault-test-key-not-a-secret-0123456789-0123456789",
        "DEBUG": "false",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PORTAL_TODAY": PORTAL_TODAY,
        "MEDIA_ROOT": str(media_root),
        "PYTHONWARNINGS": "ignore",
        **extra,
    }


class Process:
    """A process in its own process group (``kill()`` sends SIGKILL to the whole group), logging to a file."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.proc = Popen(  # noqa: S603
                command, cwd=ROOT, env=env, stdout=log, stderr=STDOUT, start_new_session=True
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-8000:]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group: the main process and every child, with no chance to clean up."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive():
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except TimeoutExpired:
            self.kill()


def start_worker(redis_url: str, media_root: Path, log_path: Path, *, pool: str = "prefork", **env: str) -> Process:
    """``celery -A lead_portal worker`` on both queues, consuming when this returns."""
    name = f"fault-{uuid.uuid4().hex[:8]}@localhost"
    command = [sys.executable, "-m", "celery", "-A", "lead_portal", "worker", "-Q", "default,compute"]
    command += [f"--pool={pool}", "--concurrency=1", "-l", "info", "-n", name, "--without-gossip", "--without-mingle"]
    worker = Process(command, portal_env(redis_url, media_root, **env), log_path)
    wait_until(
        lambda: worker.alive() and f"{name} ready." in worker.log(),
        seconds=120,
        what="the worker starting",
        log=worker.log,
    )
    return worker


def start_web(redis_url: str, media_root: Path, log_path: Path, **env: str) -> tuple[Process, str]:
    """The portal under gunicorn (one worker, as deployed); its base URL once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "lead_portal.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"]
    web = Process([*command, "--timeout", "60"], portal_env(redis_url, media_root, **env), log_path)
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    wait_until(lambda: web.alive() and answers(), seconds=60, what="gunicorn answering", log=web.log)
    return web, base
