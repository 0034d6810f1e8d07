"""What every compute run (alignment, quality, …) does the same way: claim the run row once (a
redelivered task then does nothing), report stage and percentage where other processes see them at
once, time its steps, read independent inputs concurrently (``Background``) and write result rows with
COPY on PostgreSQL (batched INSERTs elsewhere)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.utils import timezone

from lead_portal.bulk import analyze as analyze
from lead_portal.bulk import copy_rows as copy_rows


def claim(model: Any, run_id: int) -> bool:
    """Move a requested run to running; False when another worker (or an earlier delivery) has it."""
    return bool(
        model.objects.filter(pk=run_id, status=model.Status.REQUESTED).update(
            status=model.Status.RUNNING, started_at=timezone.now(), stage="Starting", percent=1
        )
    )


def progress(run: Any, stage: str, percent: int) -> None:
    """Visible to other processes at once (outside the results transaction)."""
    type(run).objects.filter(pk=run.pk).update(stage=stage, percent=percent)
    run.stage, run.percent = stage, percent


class Stopwatch:
    """Seconds per step, in the order the steps ran."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._clock, 3)
        self._clock = now


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
        self._thread: threading.Thread | None = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self._thread = threading.Thread(target=self._run, name="background-read", daemon=True)
            self._thread.start()

    @property
    def concurrent(self) -> bool:
        return self._thread is not None

    def _run(self) -> None:
        try:
            self._value = self._read()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        finally:
            connection.close()  # this thread's own connection
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
