"""Audit defect 5 on real services: the whole Celery worker (main process and pool child) is killed with
SIGKILL in the middle of the money step, and the run completes by itself, with the figures of an
uninterrupted run, once another worker is up: nobody presses Resume.

The worker's message is never acknowledged (the broker would hand it out again only after the visibility
timeout, hours); the new worker's sweep finds the money step running with a heartbeat older than
JOB_STALE_SECONDS and queues it again. Short intervals here (heartbeat 1 s, stale after 6 s, sweep every
2 s); the defaults are 30 s, 3 minutes and 1 minute. The recovery time (kill → run succeeded) is printed.

A Redis server of the test's own is the broker, so nothing of the killed worker is left in the machine's
Redis for other test runs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from apps.performance import services
from apps.performance.models import CostFact, MemberMonthFact, PerformanceSummary, PipelineRun, PipelineStep
from apps.performance.tasks import pipeline_step_task
from lead_portal.celery import app
from tests.integration.private_services import RedisServer, start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FAST_JOBS = {"JOB_HEARTBEAT_SECONDS": "1", "JOB_STALE_SECONDS": "6", "JOB_SWEEP_SECONDS": "2"}


def figures(run: PipelineRun) -> dict[str, Any]:
    """What a run computed, without its ids and times: money facts summed by ACO, cohort, year and
    category; member-months; and each ACO's settlement and alignment in its snapshot."""
    cost: dict[tuple[str, str, int, str], tuple[Decimal, int]] = {}
    for row in (
        CostFact.objects.filter(run=run)
        .values("aco__aco_id", "cohort", "year", "category")
        .annotate(amount=Sum("amount"), claims=Sum("claims"), rows=Count("id"))
    ):
        cost[(row["aco__aco_id"], row["cohort"], row["year"], row["category"])] = (row["amount"], row["claims"])
    months: dict[tuple[str, str, int], int] = defaultdict(int)
    for aco_id, cohort, year, members in MemberMonthFact.objects.filter(run=run).values_list(
        "aco__aco_id", "cohort", "year", "members"
    ):
        months[(aco_id, cohort, year)] += members
    summaries = {
        s.aco.aco_id: {"settlement": s.data["settlement"], "alignment": s.data["alignment"]}
        for s in PerformanceSummary.objects.filter(run=run).select_related("aco")
    }
    return {"cost": cost, "member_months": dict(months), "summaries": summaries}


def test_a_worker_killed_mid_step_is_taken_over_and_the_run_completes_with_the_same_figures(
    tmp_path: Path, settings: Any
) -> None:
    call_command(
        "generate_cclf", out=str(tmp_path / "bundle"), beneficiaries=300, acos=2, seed=21, performance_year=2027
    )
    call_command("load_dataset", str(tmp_path / "bundle"), no_pipeline=True)
    # The reference: the same year computed without interruption (in this process).
    reference = services.pipeline_run_execute(run_id=services.pipeline_run_create(performance_year=2027).pk)
    assert reference.status == PipelineRun.Status.SUCCEEDED, reference.message
    expected = figures(reference)
    assert expected["cost"] and len(expected["summaries"]) == 2

    redis = RedisServer(tmp_path)
    redis.start()
    first = second = None
    try:
        # The money step's first attempt waits 60 s inside its transaction: time to kill its worker there.
        first = start_worker(
            redis.url, settings.MEDIA_ROOT, tmp_path / "worker1.log", PIPELINE_FAULT="money:sleep=60", **FAST_JOBS
        )
        run = services.pipeline_run_create(performance_year=2027)
        app.conf.task_always_eager = False  # (the integration fixture turns it back on after the test)
        with app.connection_for_write(redis.url) as connection:
            pipeline_step_task.apply_async((run.pk, services.STEPS[0]), producer=connection.Producer())
        money = PipelineStep.objects.filter(run=run, name="money")
        wait_until(lambda: money.get().status == "running", seconds=240, what="the money step starting", log=first.log)
        time.sleep(2)  # well inside the step: its heartbeat has beaten, its transaction is open
        first.kill()
        killed = time.monotonic()
        assert money.get().status == "running" and money.get().attempts == 1  # left running by the dead worker

        second = start_worker(redis.url, settings.MEDIA_ROOT, tmp_path / "worker2.log", **FAST_JOBS)
        worker_up = time.monotonic() - killed
        wait_until(
            lambda: PipelineRun.objects.get(pk=run.pk).is_finished,
            seconds=240,
            what="the run finishing",
            log=second.log,
        )
        recovery = time.monotonic() - killed
    finally:
        try:
            for worker in (first, second):
                if worker is not None:
                    worker.stop()
        finally:
            redis.stop()

    run.refresh_from_db()
    assert run.status == PipelineRun.Status.SUCCEEDED, (run.message, second.log() if second else "")
    step = money.get()
    assert step.attempts == 2 and step.task_id.startswith("takeover-")  # taken over by the sweep
    assert second is not None and "taken over" in second.log()
    # The same figures as the uninterrupted run: nothing lost, nothing counted twice.
    assert figures(run) == expected
    print(
        f"\nRECOVERY: worker killed (SIGKILL, whole group) mid money step -> run succeeded {recovery:.1f} s later "
        f"(new worker consuming after {worker_up:.1f} s; heartbeat 1 s, stale after 6 s, sweep every 2 s)"
    )
    assert recovery < 120
