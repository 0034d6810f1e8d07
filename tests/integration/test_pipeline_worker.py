"""The performance pipeline on the real stack: PostgreSQL, Redis and a live Celery worker.

1. A claims load starts the pipeline by itself; the worker runs alignment → quality → money → one summary
   task per ACO, and every ACO ends with a snapshot whose money adds up to the facts in the database.
2. The worker's process dies in the middle of the money step (its transaction half-written): the message
   goes back to the broker, the step is taken over by the redelivered message and the run completes, with
   the money counted once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum

from apps.accounts.models import User
from apps.performance import inputs, services
from apps.performance.models import CostFact, MemberMonthFact, PerformanceSummary, PipelineRun

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def wait_for(check: Callable[[], bool], worker: Any, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        if worker.proc.poll() is not None:
            raise AssertionError(f"the worker exited with {worker.proc.returncode}:\n{worker.log()}")
        time.sleep(0.5)
    raise AssertionError(f"timed out; worker log:\n{worker.log()}")


def finished(run_id: int) -> Callable[[], bool]:
    return lambda: PipelineRun.objects.get(pk=run_id).is_finished


def bundle(tmp_path: Path, seed: int) -> Path:
    folder = tmp_path / "bundle"
    call_command(
        "generate_cclf", out=str(folder), beneficiaries=300, acos=2, seed=seed, performance_year=2027, workers=1
    )
    return folder


def test_a_load_starts_the_pipeline_and_the_worker_computes_every_aco(
    celery_worker: Any, tmp_path: Path, settings: Any, cms_admin: User
) -> None:
    settings.PIPELINE_AFTER_INGEST = True
    call_command("load_dataset", str(bundle(tmp_path, seed=11)))
    run = PipelineRun.objects.get()
    assert run.trigger == PipelineRun.Trigger.INGEST
    wait_for(finished(run.pk), celery_worker)
    run.refresh_from_db()
    assert run.status == PipelineRun.Status.SUCCEEDED, (run.message, celery_worker.log())
    assert [(s.name, s.status) for s in run.steps.all()] == [
        ("risk", "succeeded"),
        ("alignment", "succeeded"),
        ("quality", "succeeded"),
        ("rural", "succeeded"),
        ("duals", "succeeded"),
        ("episodes", "succeeded"),
        ("glp1", "succeeded"),
        ("money", "succeeded"),
        ("summaries", "succeeded"),
    ]
    # The GLP-1 step, on the worker: one row per aligned beneficiary.
    assert run.glp1_run is not None and run.glp1_run.status == "succeeded"
    assert run.glp1_run.beneficiaries.count() == run.alignment_run.aligned.count()  # type: ignore[union-attr]
    # The duals step, on the worker: one row per aligned beneficiary, full duals among them.
    assert run.dual_run is not None and run.dual_run.status == "succeeded"
    assert run.dual_run.beneficiaries.count() == run.alignment_run.aligned.count() > 0  # type: ignore[union-attr]
    summaries = run.steps.get(name="summaries")
    assert summaries.shards_total == summaries.shards_done == 2
    # Each ACO's snapshot: its PY expenditure and member-months are the sums of its facts.
    for summary in PerformanceSummary.objects.filter(run=run).select_related("aco"):
        facts = CostFact.objects.filter(run=run, aco=summary.aco, year=2027).aggregate(s=Sum("amount"))["s"]
        months = MemberMonthFact.objects.filter(run=run, aco=summary.aco, year=2027).aggregate(s=Sum("members"))["s"]
        s = summary.data["settlement"]
        assert facts and s["expenditure"] == float(facts.quantize(Decimal("0.01")))
        assert s["member_months"] == months > 0
        assert summary.data["vintage"]["alignment_run"] == run.alignment_run_id
        lines = s["lines"]
        assert lines[-1]["key"] == "settlement" and lines[-1]["amount"] == s["estimated_settlement"]

    # A CMS user asks for a PDF report through the API: "not ready" (409) until the worker has built it,
    # then the file, stamped with the run.
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(cms_admin)
    aco_id = "L0001"
    made = client.post(f"/api/acos/{aco_id}/performance/reports/", {"format": "pdf", "performance_year": 2027})
    assert made.status_code == 202, made.content
    download = made.json()["download_url"] if "download_url" in made.json() else None
    report_id = made.json()["id"]
    url = download or f"/api/acos/{aco_id}/performance/reports/{report_id}/download/"
    first = client.get(url)
    assert first.status_code in (200, 409)
    wait_for(
        lambda: client.get(f"/api/acos/{aco_id}/performance/reports/{report_id}/").json()["status"] != "requested",
        celery_worker,
    )
    done = client.get(url)
    assert done.status_code == 200, (done.content[:500], celery_worker.log())
    body = b"".join(done.streaming_content) if hasattr(done, "streaming_content") else done.content
    assert body.startswith(b"%PDF")
    assert f"run{run.pk}" in done["Content-Disposition"]


@pytest.mark.worker(pool="prefork", env={"PIPELINE_FAULT": "money:exit"})
def test_a_worker_killed_mid_step_leaves_a_run_that_completes_once(
    celery_worker: Any, tmp_path: Path, cms_admin: User
) -> None:
    call_command("load_dataset", str(bundle(tmp_path, seed=12)), no_pipeline=True)
    with transaction.atomic():
        run = services.pipeline_run_request(performance_year=2027, acting_user=cms_admin)
    wait_for(finished(run.pk), celery_worker)
    run.refresh_from_db()
    assert run.status == PipelineRun.Status.SUCCEEDED, (run.message, celery_worker.log())
    money = run.steps.get(name="money")
    # The first attempt's process died (exit code 17) inside the step's transaction; the redelivered
    # message (same task id) took the step over as attempt 2.
    assert money.attempts == 2, celery_worker.log()
    assert "WorkerLostError" in celery_worker.log() or "exited" in celery_worker.log()
    # Nothing counted twice: the stored facts are exactly what one computation gives.
    assert run.alignment_run is not None
    expected = inputs.cost_rows(
        alignment_run_id=run.alignment_run.pk, performance_year=2027, through=run.alignment_run.as_of or _dec31()
    )
    stored = CostFact.objects.filter(run=run)
    assert stored.count() == len(expected)
    assert stored.aggregate(s=Sum("amount"))["s"] == sum(Decimal(r[5]) for r in expected)
    assert PerformanceSummary.objects.filter(run=run).count() == run.steps.get(name="summaries").shards_total == 2


def _dec31() -> Any:
    import datetime as dt

    return dt.date(2027, 12, 31)
