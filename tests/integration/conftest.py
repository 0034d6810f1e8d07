"""Integration tests run against the real services: PostgreSQL (``DATABASE_URL``), Redis
(``REDIS_URL``) and, for the Celery tests, a live worker started here.

scripts/test.sh runs them with both variables set once it has seen the services answer. Run any
other way (SQLite, no Redis) they are skipped with the reason; ``REQUIRE_SERVICES=1`` makes that a
failure, as in CI.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from subprocess import STDOUT, Popen, TimeoutExpired  # noqa: S404 (the worker is our own program)
from typing import Any

import pytest

from tests.integration.private_services import PORTAL_TODAY, ROOT, database_url

WORKER_START_TIMEOUT = 60
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def _services_problem() -> str:
    """Why the real services are not there, or '' when they are."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"DATABASE_URL is not PostgreSQL (the database is {connection.vendor})"
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 (any failure means "not reachable")
        return f"Redis at {settings.REDIS_URL} does not answer: {exc}"
    return ""


@pytest.fixture(scope="session")
def real_services() -> None:
    problem = _services_problem()
    if problem:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"integration tests cannot run and REQUIRE_SERVICES=1: {problem}")
        pytest.skip(f"integration tests skipped: {problem}")


@pytest.fixture(autouse=True)
def _integration_defaults(real_services: None, settings: Any) -> Iterator[None]:
    """Every integration test: real services checked, the portal's date pinned, and Celery eager
    (e-mail to the test outbox) unless the test starts a worker. Without this, a notification
    queued by a test with no worker would wait in Redis and reach a later test's worker."""
    from lead_portal.celery import app

    settings.PORTAL_TODAY = PORTAL_TODAY
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.task_always_eager = eager


class Worker:
    """A Celery worker process pointed at this run's test database and Redis."""

    def __init__(self, *, mail_dir: Path, log_path: Path, proc: Popen[bytes], name: str) -> None:
        self.mail_dir = mail_dir
        self.log_path = log_path
        self.proc = proc
        self.name = name

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def messages(self) -> list[Message]:
        """Every e-mail the worker has finished writing (a message ends with the separator line)."""
        found = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for chunk in path.read_bytes().split(MAIL_SEPARATOR)[:-1]:
                found.append(message_from_bytes(chunk.strip(b"\n")))
        return found

    def wait_for_messages(self, count: int, *, timeout: float = 60) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the Celery worker exited with {self.proc.returncode}:\n{self.log()}")
            messages = self.messages()
            if len(messages) >= count:
                return messages
            time.sleep(0.2)
        pytest.fail(f"{len(self.messages())} of {count} e-mails written in {timeout} s; worker log:\n{self.log()}")


@pytest.fixture
def celery_worker(
    transactional_db: None, settings: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Worker]:
    """Start ``celery -A lead_portal worker`` on the test database; stop it after the test.

    The test's writes must be committed for the worker to see them, hence ``transactional_db``
    (which also makes this fixture stop the worker before the tables are flushed). A test marked
    ``@pytest.mark.worker(pool="prefork", concurrency=2, env={...})`` gets that pool (one child process
    unless ``concurrency`` says more) and extra environment for the worker.
    """
    marker = request.node.get_closest_marker("worker")
    options = dict(marker.kwargs) if marker else {}
    pool = options.get("pool", "solo")
    from lead_portal.celery import app

    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Messages left in the queues by an earlier, interrupted run would reach this worker.
    app.control.purge()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"
    name = f"itest-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        # The base settings, not the test ones: those force the in-memory e-mail backend.
        "DJANGO_SETTINGS_MODULE": "lead_portal.settings.base",
        "DJANGO_SECRET_KEY": "integration-test-worker-key-not-a-secret-0123456789",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PORTAL_TODAY": PORTAL_TODAY,
        # Uploads and exports are files both processes see (as on machines sharing MEDIA_ROOT).
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONWARNINGS": "ignore",
        **options.get("env", {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "lead_portal",
        "worker",
        "-Q",
        "default,compute",
        f"--pool={pool}",
        *([f"--concurrency={options.get('concurrency', 1)}"] if pool == "prefork" else []),
        "-l",
        "info",
        "-n",
        name,
        "--without-gossip",
        "--without-mingle",
    ]
    with log_path.open("wb") as log:
        proc = Popen(command, cwd=ROOT, env=env, stdout=log, stderr=STDOUT)  # noqa: S603
    worker = Worker(mail_dir=mail_dir, log_path=log_path, proc=proc, name=name)
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while not app.control.ping(destination=[name], timeout=0.5):
            if proc.poll() is not None:
                pytest.fail(f"the Celery worker exited with {proc.returncode} while starting:\n{worker.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not answer within {WORKER_START_TIMEOUT} s:\n{worker.log()}")
        yield worker
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
