"""What every background job shares: queueing that says when it failed, a heartbeat, and the sweep.

- ``dispatch``: the one place a task is queued, by its registered name (each app's ``task_names``), so
  a service never imports its app's ``tasks`` module (which imports the service: a circle). The task is
  looked up in the Celery app's registry and queued with its own ``apply_async``: routes
  (``CELERY_TASK_ROUTES``), options and eager mode (``CELERY_TASK_ALWAYS_EAGER``, which ``send_task``
  would ignore) are exactly those of the task. The tasks modules are imported by Celery's autodiscovery.
- ``send``: ``dispatch``, or raise ``QueueUnavailable`` (the broker did not take it) for the
  service to record on its job row and the page to show. A job row is created and committed first and
  queued after the commit; when the queueing fails the row is marked failed with that message, so a row
  never waits, "requested", for a message that was never sent (and a message that did reach the broker
  after all finds a failed row and does nothing).
- ``Heartbeat``: while a worker runs a long job, a thread of its own stamps the job row's
  ``heartbeat_at`` every ``JOB_HEARTBEAT_SECONDS``, whatever the job is doing (a single SQL statement can
  run for minutes). A row still running whose heartbeat is older than ``JOB_STALE_SECONDS`` was left by
  a worker that died.
- ``Background``: a read a job runs on a connection of its own, in a thread, while it goes on.
- ``sweep``: every worker runs the apps' sweeps (``SWEEPS``) when it starts and then every
  ``JOB_SWEEP_SECONDS``, in a thread of the worker's main process: each takes over (re-queues, or fails
  with the reason) its jobs whose heartbeat went stale. The sweep runs in the workers, not in Celery
  beat: the deployment runs no beat process (one more process to keep alive, and a single one), a sweep
  is only useful where a worker can run what it re-queues, and a worker restarted after a crash sweeps
  at once. Several workers sweeping is harmless: a take-over is a conditional UPDATE that one wins.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from importlib import import_module
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.db import close_old_connections, connection, models
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError
from rest_framework import status
from rest_framework.exceptions import APIException

log = logging.getLogger(__name__)

# What a broker that is away looks like to a publisher (kombu wraps most of these in OperationalError).
BROKER_ERRORS: tuple[type[BaseException], ...] = (KombuError, RedisError, ConnectionError, OSError, TimeoutError)

# The apps' sweeps, run by every worker: each takes the time now and returns how many jobs it took over.
SWEEPS = (
    "apps.performance.services.pipeline_steps_take_over",
    "apps.performance.services.reports_take_over",
    "apps.claims.services.ingest_runs_take_over",
    "apps.alignment.services.alignment_jobs_take_over",
    "apps.risk.services.risk_runs_take_over",
)


class QueueUnavailable(APIException):
    """The job could not be queued (the broker is away). ``str()`` is the sentence for the person; the API
    answers it as 503 Service Unavailable (an ``APIException``), a page shows it as an error message."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "queue_unavailable"

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} could not be started: the job queue is not answering. Nothing was started; "
            "please try again in a few minutes."
        )


def task(name: str) -> Task:
    """The task registered under ``name``. A worker imports every app's tasks module when it starts; a web
    process has Celery's autodiscovery import them the first time it queues (``NotRegistered`` for a
    name no app defines)."""
    if name not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)
    return current_app.tasks[name]


def dispatch(name: str, *args: Any, task_id: str | None = None) -> None:
    """Queue the task registered under ``name`` with ``args`` (after the commit that made its rows), routed
    and run eagerly exactly as its own ``apply_async``. A broker that is away raises its own error."""
    task(name).apply_async(args=args, task_id=task_id)


def send(name: str, *args: Any, what: str, task_id: str | None = None) -> None:
    """Queue ``name(*args)`` now (call it after the job row has committed: ``transaction.on_commit``)."""
    if current_app.conf.task_always_eager:  # embedded mode: no broker; the task's own errors are its own
        dispatch(name, *args, task_id=task_id)
        return
    try:
        dispatch(name, *args, task_id=task_id)
    except BROKER_ERRORS as exc:
        log.warning("could not queue %s%r: %s", name, args, exc)
        raise QueueUnavailable(what) from exc


def send_notification(name: str, *args: Any) -> None:
    """Queue an e-mail notification about a change already committed: if the queue is away the change
    stands (the person's action succeeded) and the lost notification is logged, not answered with a 500."""
    try:
        send(name, *args, what="The notification")
    except QueueUnavailable:
        log.error("notification %s%r not sent: the job queue is not answering", name, args)


def is_stale(heartbeat_at: Any, *, now: Any = None) -> bool:
    """True when a heartbeat (or, for a row that never beat, its start) is older than JOB_STALE_SECONDS."""
    if heartbeat_at is None:
        return True
    now = now or timezone.now()
    return (now - heartbeat_at).total_seconds() > settings.JOB_STALE_SECONDS


def stale_before() -> Any:
    """The cut-off: a running job whose heartbeat is older than this was left by a dead worker."""
    return timezone.now() - dt.timedelta(seconds=settings.JOB_STALE_SECONDS)


def own_connection_thread(target: Callable[[], None], name: str) -> threading.Thread | None:
    """A started thread running ``target`` on a database connection of its own (closed when it ends),
    where that is safe: on PostgreSQL and outside a transaction, since another connection cannot see this
    one's uncommitted rows (nor this one the other's). None elsewhere: the caller does the work itself."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None

    def run() -> None:
        try:
            target()
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


class Background[T]:
    """``read()`` on a database connection of its own, in a thread, while the caller goes on (two cores:
    the database scans for one query while the caller's queries or numpy use the other). Only where
    that is safe: on PostgreSQL and outside a transaction, since another connection cannot see this
    one's uncommitted rows. Elsewhere ``read()`` simply runs when ``result()`` is first called."""

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self._value: T | None = None
        self._error: BaseException | None = None
        self._finished = False
        self._thread = own_connection_thread(self._run, "background-read")

    @property
    def concurrent(self) -> bool:
        return self._thread is not None

    def _run(self) -> None:
        try:
            self._value = self._read()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        finally:
            self._finished = True

    def result(self) -> T:
        if self._thread is None:
            if not self._finished:
                self._value, self._finished = self._read(), True
        else:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class Heartbeat:
    """``with Heartbeat(queryset):`` stamps ``heartbeat_at`` on the rows of ``queryset`` every
    ``JOB_HEARTBEAT_SECONDS`` while the block runs, from a thread with its own database connection.

    Only on PostgreSQL: there a worker process runs the job and another process may take it over. The
    embedded SQLite set-up runs jobs in the web process (Celery eager), where a second writer thread would
    only contend for the database's single write lock."""

    def __init__(self, queryset: models.QuerySet[Any], *, interval: float | None = None) -> None:
        self.queryset = queryset
        self.interval = settings.JOB_HEARTBEAT_SECONDS if interval is None else interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        self.queryset.update(heartbeat_at=timezone.now())

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    self.beat()
                except Exception as exc:  # noqa: BLE001 (a missed beat is not the job's failure)
                    log.warning("heartbeat of %s missed: %s", self.queryset.model.__name__, exc)
                    connection.close()  # a broken connection is opened afresh next beat
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> Heartbeat:
        if connection.vendor == "postgresql" and self.interval > 0:
            self._thread = threading.Thread(target=self._run, name="job-heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def sweep() -> int:
    """Run every app's sweep once; the number of jobs taken over. A sweep's error is logged, not raised."""
    taken = 0
    for path in SWEEPS:
        module, _, name = path.rpartition(".")
        try:
            function: Callable[[], int] = getattr(import_module(module), name)
            taken += function()
        except Exception:  # noqa: BLE001 (one app's sweep failing must not stop the others, nor the thread)
            log.exception("job sweep %s failed", path)
    return taken


class Sweeper:
    """The thread a worker runs the sweep in: once at start, then every ``JOB_SWEEP_SECONDS``."""

    def __init__(self, *, interval: float | None = None) -> None:
        self.interval = settings.JOB_SWEEP_SECONDS if interval is None else interval
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="job-sweep", daemon=True)

    def _run(self) -> None:
        while True:
            started = time.monotonic()
            close_old_connections()
            try:
                taken = sweep()
                if taken:
                    log.warning("job sweep: took over %d job(s) left by a stopped worker", taken)
            finally:
                connection.close()  # no connection held between sweeps (the pool forks children)
            if self._stop.wait(max(self.interval - (time.monotonic() - started), 0.1)):
                return

    def start(self) -> None:
        if self.interval > 0:
            self.thread.start()

    def stop(self) -> None:
        self._stop.set()
