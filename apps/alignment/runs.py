"""What every compute run (alignment, quality, …) does the same way: claim the run row once (a
redelivered task then does nothing), report stage and percentage where other processes see them at
once, time its steps, read independent inputs concurrently (``Background``, from ``lead_portal.jobs``)
and write result rows with COPY on PostgreSQL (batched INSERTs elsewhere)."""

from __future__ import annotations

import time
from typing import Any

from django.utils import timezone

from lead_portal.bulk import analyze as analyze
from lead_portal.bulk import copy_rows as copy_rows
from lead_portal.jobs import Background as Background


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
