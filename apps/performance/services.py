"""The performance pipeline and the money of each ACO (docs/money.md).

A ``PipelineRun`` is a chain of steps, each one Celery task on the ``compute`` queue:

1. **alignment**: an ``AlignmentRun`` of the year (all ACOs: alignment is a competition);
2. **quality**: a ``QualityRun`` on that alignment (portal-wide risk standardization);
3. **rural**: a ``RuralRun`` (rural TINs, eligibility, the add-on's monthly schedule);
4. **duals**: a ``DualRun`` (each aligned beneficiary's dual status and use of care, for Medicaid
   integration);
5. **money**: ``CostFact`` / ``MemberMonthFact`` / ``CapitationReductionFact`` rows, set-based;
6. **summaries**: fans out one task per ACO, each computing the ACO's settlement estimate and writing
   its ``PerformanceSummary``; the last one to finish closes the run.

Each step is idempotent and restartable:
- a step is taken under a row lock; a finished step is never redone (a redelivered message just moves
  the chain on), and a step left *running* by a worker that died is taken over by the redelivered
  message (same Celery task id), by the workers' sweep once the step's heartbeat is older than
  ``JOB_STALE_SECONDS`` (``pipeline_steps_take_over``: a new task id, so the dead worker's message,
  redelivered hours later, finds the step taken and does nothing) or by a CMS admin's *resume*;
- while a worker runs a step, a thread stamps the step's ``heartbeat_at`` (``lead_portal.jobs``); a step
  whose worker died ``JOB_MAX_ATTEMPTS`` times is failed with the reason instead of taken over again;
- a step's writes are one transaction (money facts and summaries are replaced, not added to), and an
  alignment or quality run interrupted half-way is marked failed and replaced by a fresh one, so a
  retry never counts anything twice;
- transient errors (the database or broker going away) are retried with back-off by the task; any
  other error fails the step and the run, with the reason kept on both.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos.models import ACO, Election, ModelParameters
from apps.alignment import selectors as alignment_selectors
from apps.alignment import services as alignment_services
from apps.alignment.models import AlignmentRun
from apps.balance import services as balance_services
from apps.cara import arrangements as cara_arrangements
from apps.cara import payments as cara_payments
from apps.cara import services as cara_services
from apps.cara.models import EpisodeRun
from apps.claims.models import CCLFFile, PartABenefitCodes, PartBBenefitCodes
from apps.medicaid.duals import services as medicaid_services
from apps.quality import pipeline as quality_pipeline
from apps.quality.models import MeasureCode, MeasureDefinition, MeasureResult, QualityRun, QualityScore
from apps.risk import parameters as risk_parameters
from apps.risk import services as risk_services
from apps.risk.models import RiskRun
from apps.rural import services as rural_services
from apps.rural.models import RuralEligibility, RuralPaymentLine
from lead_portal import jobs
from lead_portal.formatting import when
from lead_portal.text import in_sentence

from . import engine, inputs, snapshot, task_names
from .models import (
    AlignmentType,
    CapitationReductionFact,
    Category,
    Cohort,
    CohortRiskFact,
    CostFact,
    MemberMonthFact,
    PerformanceReport,
    PerformanceSummary,
    PipelineRun,
    PipelineStep,
    PublishedBenchmark,
)

log = logging.getLogger(__name__)

STEPS = [
    PipelineStep.Name.RISK,
    PipelineStep.Name.ALIGNMENT,
    PipelineStep.Name.QUALITY,
    PipelineStep.Name.RURAL,
    PipelineStep.Name.DUALS,
    PipelineStep.Name.EPISODES,
    PipelineStep.Name.GLP1,
    PipelineStep.Name.MONEY,
    PipelineStep.Name.SUMMARIES,
]
# Where each step starts on the run's 0–100 progress bar, and how much of it the step covers.
STEP_SPAN: dict[str, tuple[int, int]] = {
    PipelineStep.Name.RISK: (2, 10),
    PipelineStep.Name.ALIGNMENT: (12, 35),
    PipelineStep.Name.QUALITY: (47, 26),
    PipelineStep.Name.RURAL: (73, 2),
    PipelineStep.Name.DUALS: (75, 3),
    PipelineStep.Name.EPISODES: (78, 4),
    PipelineStep.Name.GLP1: (82, 2),
    PipelineStep.Name.MONEY: (84, 6),
    PipelineStep.Name.SUMMARIES: (90, 10),
}


# Errors worth retrying: the database or the broker went away for a moment.
TRANSIENT: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, BrokerError, ConnectionError)


class StepFault(RuntimeError):
    """Raised by the fault hook (tests): a step failing after it has written part of its rows."""


def _fault(step: str, attempt: int) -> None:
    """Fault injection for the restart tests, off unless ``PIPELINE_FAULT`` is set in the worker's
    environment: ``money:exit`` ends the worker process in the middle of the money step's transaction on
    its first attempt, ``money:raise`` raises there instead, and ``money:sleep=30`` makes that attempt
    wait 30 seconds there (for a test to kill the worker in the middle of the step)."""
    spec = os.environ.get("PIPELINE_FAULT", "")
    if not spec or attempt != 1:
        return
    name, _, action = spec.partition(":")
    if name != step:
        return
    if action == "exit":
        os._exit(17)
    if action.startswith("sleep="):
        time.sleep(float(action.removeprefix("sleep=")))
        return
    raise StepFault(f"fault injected into the {step} step (attempt {attempt})")


# --------------------------------------------------------------------------------------------------
# Starting a run
# --------------------------------------------------------------------------------------------------
def pipeline_run_create(
    *,
    performance_year: int,
    as_of: dt.date | None = None,
    acting_user: User | None = None,
    trigger: str = PipelineRun.Trigger.COMMAND,
) -> PipelineRun:
    """A run with its steps, waiting for a worker. Only CMS administrators (or the system: no user)
    start runs; the year must have model parameters."""
    if acting_user is not None and not acting_user.is_cms_admin:
        raise PermissionDenied("Only CMS administrators start pipeline runs.")
    if performance_year not in aco_selectors.performance_years():
        raise ValidationError({"performance_year": "Choose a performance year the portal knows."})
    if not ModelParameters.objects.filter(performance_year=performance_year).exists():
        raise ValidationError({"performance_year": f"PY{performance_year} has no model parameters."})
    if as_of is not None and as_of.year != performance_year:
        raise ValidationError({"as_of": f"A mid-year run's date must fall in {performance_year}."})
    with transaction.atomic():
        run = PipelineRun.objects.create(
            performance_year=performance_year,
            as_of=as_of,
            created_by=acting_user,
            trigger=trigger,
            data_version=CCLFFile.objects.aggregate(v=Max("id"))["v"] or 0,
            stage="Waiting for a worker",
        )
        PipelineStep.objects.bulk_create(
            PipelineStep(run=run, name=name, order=i) for i, name in enumerate(STEPS, start=1)
        )
    return run


def pipeline_run_request(
    *,
    performance_year: int,
    as_of: dt.date | None = None,
    acting_user: User | None = None,
    trigger: str = PipelineRun.Trigger.PAGE,
) -> PipelineRun:
    """Create a run and queue its first step once the transaction commits: the web never waits. When the
    queue does not take it, the run is failed with that message (Resume starts it later) and
    ``jobs.QueueUnavailable`` is raised for the page to say so."""
    run = pipeline_run_create(performance_year=performance_year, as_of=as_of, acting_user=acting_user, trigger=trigger)
    transaction.on_commit(partial(_queue_or_fail, run.pk, STEPS[0], what=f"Pipeline run {run.pk}"))
    return run


def pipeline_run_stalled(*, run: PipelineRun, steps: list[PipelineStep] | None = None) -> str:
    """Why an unfinished run is stalled ('' when it is not): its current step is running but its worker
    stopped heartbeating, or it has waited for a worker for longer than ``JOB_STALE_SECONDS``."""
    if run.is_finished:
        return ""
    steps = sorted(steps if steps is not None else run.steps.all(), key=lambda s: s.order)
    current = next((s for s in steps if s.status != PipelineStep.Status.SUCCEEDED), None)
    if current is None:
        return ""
    minutes = round(settings.JOB_STALE_SECONDS / 60)
    label = current.get_name_display()
    if current.status == PipelineStep.Status.RUNNING:
        if jobs.is_stale(current.heartbeat_at or current.started_at):
            return f"The worker running the {in_sentence(label)} step has not reported for over {minutes} minutes."
        return ""
    last = max(
        [run.created_at, *(t for s in steps for t in (s.finished_at, s.heartbeat_at, s.started_at) if t is not None)]
    )
    if jobs.is_stale(last):
        return f"No worker has taken the {in_sentence(label)} step for over {minutes} minutes."
    return ""


def pipeline_run_resume(*, run_id: int, acting_user: User | None = None) -> PipelineRun:
    """Queue a failed or stalled run's unfinished step again; what is done stays done. A run whose step
    a live worker is running (its heartbeat is fresh) is not resumed: that would run the step twice."""
    if acting_user is not None and not acting_user.is_cms_admin:
        raise PermissionDenied("Only CMS administrators resume pipeline runs.")
    with transaction.atomic():
        run = PipelineRun.objects.select_for_update().get(pk=run_id)
        if run.status == PipelineRun.Status.SUCCEEDED:
            raise ValidationError("This run has finished: there is nothing to resume.")
        step = run.steps.exclude(status=PipelineStep.Status.SUCCEEDED).order_by("order").first()
        if step is None:
            raise ValidationError("Every step of this run has finished.")
        if run.status != PipelineRun.Status.FAILED and not pipeline_run_stalled(run=run):
            raise ValidationError(
                f"This run is working ({step.get_name_display()}): there is nothing to resume. A run can be "
                "resumed once it has failed or stalled."
            )
        PipelineStep.objects.filter(pk=step.pk).update(
            status=PipelineStep.Status.WAITING, task_id="", message="", heartbeat_at=timezone.now()
        )
        PipelineRun.objects.filter(pk=run.pk).update(
            status=PipelineRun.Status.RUNNING,
            finished_at=None,
            message="",
            stage=f"Resuming: {step.get_name_display()}",
        )
        transaction.on_commit(partial(_queue_or_fail, run.pk, step.name, what=f"Resuming pipeline run {run.pk}"))
    run.refresh_from_db()
    return run


def pipeline_after_ingest(*, performance_years: list[int]) -> list[PipelineRun]:
    """Called when a claims load succeeds: a run for every year the load touched that the portal knows."""
    runs = []
    known = set(aco_selectors.performance_years())
    for py in sorted(set(performance_years) & known):
        if ModelParameters.objects.filter(performance_year=py).exists():
            try:
                runs.append(pipeline_run_request(performance_year=py, trigger=PipelineRun.Trigger.INGEST))
            except jobs.QueueUnavailable:  # the run is failed with the reason; Resume starts it
                log.warning("PY%s: the pipeline run after the load could not be queued", py)
    return runs


def _enqueue(run_id: int, step: str, *, task_id: str | None = None) -> None:
    jobs.send(task_names.PIPELINE_STEP_TASK, run_id, step, what=f"Pipeline run {run_id}", task_id=task_id)


def _queue_or_fail(run_id: int, step: str, *, what: str) -> None:
    """Queue the step (after the commit); when the queue does not take it, the run is failed with the
    reason, so it never waits for a message that was never sent, and the caller hears why."""
    try:
        _enqueue(run_id, step)
    except jobs.QueueUnavailable:
        PipelineRun.objects.filter(pk=run_id).exclude(status=PipelineRun.Status.SUCCEEDED).update(
            status=PipelineRun.Status.FAILED,
            finished_at=timezone.now(),
            message=f"The job queue did not answer when the {in_sentence(PipelineStep.Name(step).label)} step was "
            "queued: nothing was started. Resume starts it.",
            stage="Not started: the job queue did not answer",
        )
        raise


def _enqueue_summary(run_id: int, aco_pk: int) -> None:
    jobs.dispatch(task_names.ACO_SUMMARY_TASK, run_id, aco_pk)


# --------------------------------------------------------------------------------------------------
# Running a step
# --------------------------------------------------------------------------------------------------
def _take(run_id: int, name: str, task_id: str) -> PipelineStep | None:
    """Lock the step and mark it running for this task; None when it is done or someone else runs it."""
    with transaction.atomic():
        step = PipelineStep.objects.select_for_update().select_related("run").get(run_id=run_id, name=name)
        if step.run.status == PipelineRun.Status.FAILED or step.status in (
            PipelineStep.Status.SUCCEEDED,
            PipelineStep.Status.FAILED,
        ):
            return step if step.status == PipelineStep.Status.SUCCEEDED else None
        if step.status == PipelineStep.Status.RUNNING and step.task_id and step.task_id != task_id:
            return None  # another live task has it (a resume resets the step to waiting first)
        now = timezone.now()
        step.status = PipelineStep.Status.RUNNING
        step.attempts += 1
        step.task_id = task_id
        step.started_at = now
        step.heartbeat_at = now
        step.message = ""
        step.save(update_fields=["status", "attempts", "task_id", "started_at", "heartbeat_at", "message"])
        start, _ = STEP_SPAN[name]
        PipelineRun.objects.filter(pk=run_id).update(
            status=PipelineRun.Status.RUNNING,
            started_at=step.run.started_at or now,
            stage=step.get_name_display(),
            percent=start,
        )
        step.run.refresh_from_db()
        return step


def pipeline_step_execute(*, run_id: int, name: str, task_id: str = "", inline: bool = False) -> str:
    """Run one step of a pipeline run (idempotent), then queue the next. Returns the step's status.
    ``inline``: queue nothing (the caller runs the steps in order, and the ACO summaries here)."""
    step = _take(run_id, name, task_id or f"local-{os.getpid()}-{time.time_ns()}")
    if step is None:
        return "skipped"
    if step.status == PipelineStep.Status.SUCCEEDED:  # already done: a redelivery just moves on
        if not inline:
            _advance(step)
        return step.status
    run = step.run
    clock = time.perf_counter()
    try:
        # The heartbeat beats only while this task still owns the step (its task id).
        with jobs.Heartbeat(PipelineStep.objects.filter(pk=step.pk, task_id=step.task_id)):
            if name == PipelineStep.Name.SUMMARIES:
                _step_summaries(run, step, inline=inline)
                return PipelineStep.objects.get(pk=step.pk).status  # the last ACO closes the step
            rows, message = _STEP_FUNCTIONS[name](run, step)
    except TRANSIENT:
        raise  # the task retries; the step stays running under the same task id
    except Exception as exc:  # any other failure ends the step and the run, with the reason
        log.exception("pipeline run %s: step %s", run_id, name)
        _fail(step, f"{step.get_name_display()} failed: {_reason(exc)}", task_id=step.task_id)
        return PipelineStep.Status.FAILED
    if not _succeed(step, rows=rows, message=message, seconds=time.perf_counter() - clock):
        log.warning("pipeline run %s: step %s was taken over while task %s ran it", run_id, name, step.task_id)
        return "skipped"
    if not inline:
        _advance(step)
    return PipelineStep.Status.SUCCEEDED


def pipeline_run_execute(*, run_id: int) -> PipelineRun:
    """Run the run's unfinished steps one after the other in this process (the command line)."""
    for name in STEPS:
        status = pipeline_step_execute(run_id=run_id, name=name, inline=True)
        if status != PipelineStep.Status.SUCCEEDED:
            break
    return PipelineRun.objects.get(pk=run_id)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc) or type(exc).__name__


def _succeed(step: PipelineStep, *, rows: int, message: str, seconds: float) -> bool:
    """Close the step, if this task still owns it (False: another task took it over meanwhile)."""
    done = PipelineStep.objects.filter(pk=step.pk, task_id=step.task_id, status=PipelineStep.Status.RUNNING).update(
        status=PipelineStep.Status.SUCCEEDED,
        finished_at=timezone.now(),
        seconds=round(seconds, 3),
        rows=rows,
        message=message,
    )
    if done:
        step.status = PipelineStep.Status.SUCCEEDED
    return bool(done)


def _fail(step: PipelineStep, message: str, *, task_id: str | None = None) -> None:
    """Fail the step and its run (only while ``task_id``, when given, still owns the step)."""
    now = timezone.now()
    owned = PipelineStep.objects.filter(pk=step.pk)
    if task_id is not None:
        owned = owned.filter(task_id=task_id)
    if not owned.update(status=PipelineStep.Status.FAILED, finished_at=now, message=message):
        log.warning("pipeline run %s: %s (not recorded: the step was taken over)", step.run_id, message)
        return
    log.warning("pipeline run %s: %s", step.run_id, message)
    PipelineRun.objects.filter(pk=step.run_id).update(
        status=PipelineRun.Status.FAILED, finished_at=now, message=message, stage=f"Failed at {step.get_name_display()}"
    )


def pipeline_step_failed(*, run_id: int, name: str, reason: str) -> None:
    """A task gave up (retries spent, time limit): fail the step and the run with the reason."""
    step = PipelineStep.objects.get(run_id=run_id, name=name)
    if step.status != PipelineStep.Status.SUCCEEDED:
        _fail(step, f"{step.get_name_display()} failed: {reason}")


def pipeline_steps_take_over() -> int:
    """The workers' sweep (``lead_portal.jobs``): every step still running whose worker stopped
    heartbeating more than ``JOB_STALE_SECONDS`` ago is queued again under a new task id (the step is
    idempotent), or failed with the reason once its worker has died ``JOB_MAX_ATTEMPTS`` times. Each
    take-over is a conditional UPDATE: of several workers sweeping at once, one takes a step."""
    cutoff = jobs.stale_before()
    stale = (
        PipelineStep.objects.filter(
            status=PipelineStep.Status.RUNNING,
            run__status__in=(PipelineRun.Status.REQUESTED, PipelineRun.Status.RUNNING),
        )
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff))
        .order_by("run_id", "order")
    )
    taken = 0
    for step in list(stale):
        last = step.heartbeat_at or step.started_at
        seen = when(last, seconds=True) if last else "never"
        claim = PipelineStep.objects.filter(
            pk=step.pk, status=PipelineStep.Status.RUNNING, task_id=step.task_id, heartbeat_at=step.heartbeat_at
        )
        if step.attempts >= settings.JOB_MAX_ATTEMPTS:
            if claim.exists():
                _fail(
                    step,
                    f"{step.get_name_display()} failed: the worker running it stopped {step.attempts} times (last "
                    f"heard from {seen}; killed, or out of memory?). See the workers' logs, then Resume.",
                    task_id=step.task_id,
                )
            continue
        task_id = f"takeover-{uuid.uuid4().hex}"
        now = timezone.now()
        with transaction.atomic():
            if not claim.update(
                task_id=task_id,
                heartbeat_at=now,
                message=f"Taken over: the worker running it stopped reporting (last heard from {seen}).",
            ):
                continue  # another worker's sweep took it, or its worker answered after all
            PipelineRun.objects.filter(pk=step.run_id).update(
                stage=f"{step.get_name_display()}: taken over from a stopped worker"
            )
        log.warning("pipeline run %s: step %s taken over (last heartbeat %s)", step.run_id, step.name, seen)
        taken += 1
        try:
            _enqueue(step.run_id, step.name, task_id=task_id)
        except jobs.QueueUnavailable:
            pass  # the heartbeat stamped now goes stale again and the next sweep retries
    return taken


def reports_take_over() -> int:
    """The workers' sweep, for reports: one still "being built" ``JOB_STALE_SECONDS`` after it was queued
    lost its worker (or its message) and is queued again. A live build holds the report's row lock, so
    it is skipped here; a build queued twice is built once (``reports.report_build`` claims under that
    lock and finds it ready the second time)."""
    cutoff = jobs.stale_before()
    taken = []
    with transaction.atomic():
        for report in (
            PerformanceReport.objects.select_for_update(skip_locked=True)
            .filter(status=PerformanceReport.Status.REQUESTED, created_at__lt=cutoff)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=cutoff))
        ):
            report.queued_at = timezone.now()
            report.save(update_fields=["queued_at"])
            taken.append(report.pk)
    for report_id in taken:
        try:
            jobs.send(task_names.REPORT_BUILD_TASK, report_id, what="The report")
        except jobs.QueueUnavailable:
            pass  # tried again once this stamp is stale
    return len(taken)


def _advance(step: PipelineStep) -> None:
    index = STEPS.index(PipelineStep.Name(step.name))
    if index + 1 < len(STEPS):
        transaction.on_commit(partial(_enqueue_next, step.run_id, STEPS[index + 1]))


def _enqueue_next(run_id: int, step: str) -> None:
    """Queue the next step from a worker. If the queue is away, the run waits (the page shows it stalled
    after ``JOB_STALE_SECONDS``, with Resume): the step just done stays done."""
    try:
        _enqueue(run_id, step)
    except jobs.QueueUnavailable:
        log.warning("pipeline run %s: the %s step could not be queued", run_id, step)


def _step_risk(run: PipelineRun, step: PipelineStep) -> tuple[int, str]:
    """Risk scores of the PY and its base years (docs/risk.md), which alignment's High Needs criteria and
    the money step's risk-adjusted benchmark read. A retry after a finished run keeps it."""
    previous = run.risk_run
    if previous is not None and previous.status == RiskRun.Status.SUCCEEDED:
        return int(previous.counts.get("scores", 0)), f"risk run {previous.pk} (already computed)"
    if previous is not None and not previous.is_finished:
        RiskRun.objects.filter(pk=previous.pk).update(
            status=RiskRun.Status.FAILED,
            finished_at=timezone.now(),
            message="Interrupted; the pipeline started a new run.",
        )
    created = risk_services.risk_run_create(performance_year=run.performance_year)
    PipelineRun.objects.filter(pk=run.pk).update(risk_run=created)
    run.risk_run = created
    done = risk_services.risk_run_execute(run_id=created.pk)
    if done.status != RiskRun.Status.SUCCEEDED:
        raise RuntimeError(f"risk run {done.pk}: {done.message}")
    return int(done.counts.get("scores", 0)), f"risk run {done.pk}: {done.message}"


def _step_alignment(run: PipelineRun, step: PipelineStep) -> tuple[int, str]:
    previous = run.alignment_run
    if previous is not None and previous.status == AlignmentRun.Status.SUCCEEDED:
        return previous.counts.get("aligned", 0), f"alignment run {previous.pk} (already computed)"
    if previous is not None and not previous.is_finished:
        AlignmentRun.objects.filter(pk=previous.pk).update(
            status=AlignmentRun.Status.FAILED,
            finished_at=timezone.now(),
            message="Interrupted; the pipeline started a new run.",
        )
    created = alignment_services.alignment_run_create(
        performance_year=run.performance_year, as_of=run.as_of, risk_run=run.risk_run
    )
    PipelineRun.objects.filter(pk=run.pk).update(alignment_run=created)
    run.alignment_run = created
    done = alignment_services.alignment_run_execute(run_id=created.pk)
    if done.status != AlignmentRun.Status.SUCCEEDED:
        raise RuntimeError(f"alignment run {done.pk}: {done.message}")
    return int(done.counts.get("aligned", 0)), f"alignment run {done.pk}: {done.message}"


def _step_quality(run: PipelineRun, step: PipelineStep) -> tuple[int, str]:
    if run.alignment_run is None:
        raise RuntimeError("no alignment run to measure")
    previous = run.quality_run
    if previous is not None and previous.status == QualityRun.Status.SUCCEEDED:
        return previous.results.count(), f"quality run {previous.pk} (already computed)"
    if previous is not None and not previous.is_finished:
        QualityRun.objects.filter(pk=previous.pk).update(
            status=QualityRun.Status.FAILED,
            finished_at=timezone.now(),
            message="Interrupted; the pipeline started a new run.",
        )
    created = quality_pipeline.quality_run_create(
        performance_year=run.performance_year, alignment_run=run.alignment_run, as_of=run.alignment_run.as_of
    )
    PipelineRun.objects.filter(pk=run.pk).update(quality_run=created)
    run.quality_run = created
    done = quality_pipeline.quality_run_execute(run_id=created.pk)
    if done.status != QualityRun.Status.SUCCEEDED:
        raise RuntimeError(f"quality run {done.pk}: {done.message}")
    return done.results.count(), f"quality run {done.pk}: {done.message}"


def _step_rural(run: PipelineRun, step: PipelineStep) -> tuple[int, str]:
    """The rural add-on of every ACO (docs/rural.md): rural TINs, eligibility and the payment schedule,
    actual through the run's as-of date (or today), projected after it. A retry writes a new rural run."""
    if run.alignment_run is None:
        raise RuntimeError("no alignment run to pay the rural add-on on")
    rural = rural_services.rural_run_execute(
        alignment_run=run.alignment_run,
        performance_year=run.performance_year,
        as_of=run.as_of,
        actual_through=run.as_of or aco_selectors.portal_today(),
    )
    PipelineRun.objects.filter(pk=run.pk).update(rural_run=rural)
    run.rural_run = rural
    return rural.lines.count(), f"rural run {rural.pk}: {rural.message}"


def _step_duals(run: PipelineRun, step: PipelineStep) -> tuple[int, str]:
    """Dual eligibles of every ACO (Medicaid integration): each aligned beneficiary's CCLF8 dual status
    and PY spending, admissions and ED visits. A retry writes a new dual run."""
    if run.alignment_run is None:
        raise RuntimeError("no alignment run to read dual eligibles from")
    duals = medicaid_services.dual_run_execute(alignment_run=run.alignment_run, as_of=run.as_of)
    PipelineRun.objects.filter(pk=run.pk).update(dual_run=duals)
    run.dual_run = duals
    return duals.beneficiaries.count(), f"dual run {duals.pk}: {duals.message}"


def _step_episodes(run: PipelineRun, step: PipelineStep) -> tuple[int, str]:
    """CARA episodes of the PY's claims history (docs/cara.md): every episode of the default definitions,
    attributed to Preferred Providers, with the portal-wide baselines; then every active or terminated EBRA
    of the PY is reconciled with the new episodes, before the summaries read the reconciliations into each
    ACO's settlement. A retry writes a new episode run and reconciles again (the periods are replaced)."""
    if run.alignment_run is None:
        raise RuntimeError("no alignment run to attribute episodes with")
    episodes = cara_services.episode_run_execute(alignment_run=run.alignment_run, risk_run=run.risk_run)
    PipelineRun.objects.filter(pk=run.pk).update(episode_run=episodes)
    run.episode_run = episodes
    periods = reconcile_cara(run)
    return (
        episodes.counts.get("episodes", 0),
        f"episode run {episodes.pk}: {episodes.message}; {periods:,} EBRA reconciliation period"
        f"{'s' if periods != 1 else ''} computed",
    )


def _step_glp1(run: PipelineRun, step: PipelineStep) -> tuple[int, str]:
    """GLP-1 access of every aligned beneficiary (docs/balance.md): eligibility for the Medicare GLP-1 Bridge
    on the date of interest, Bridge therapy, adherence and cost. A retry writes a new GLP-1 run."""
    if run.alignment_run is None:
        raise RuntimeError("no alignment run to judge GLP-1 access for")
    glp1 = balance_services.glp1_run_execute(alignment_run=run.alignment_run, as_of=run.as_of)
    PipelineRun.objects.filter(pk=run.pk).update(glp1_run=glp1)
    run.glp1_run = glp1
    return glp1.counts.get("beneficiaries", 0), f"GLP-1 run {glp1.pk}: {glp1.message}"


def reconcile_cara(run: PipelineRun) -> int:
    """Reconcile every active or terminated EBRA of the run's PY with its episode run; the number of
    periods reconciled, also kept in the episode run's counts (``reconciliations``)."""
    episodes = run.episode_run
    if episodes is None or episodes.status != EpisodeRun.Status.SUCCEEDED:
        return 0
    periods = cara_arrangements.reconcile_performance_year(performance_year=run.performance_year, run=episodes)
    EpisodeRun.objects.filter(pk=episodes.pk).update(counts={**episodes.counts, "reconciliations": periods})
    episodes.counts = {**episodes.counts, "reconciliations": periods}
    return periods


def _step_money(run: PipelineRun, step: PipelineStep) -> tuple[int, str]:
    """The money facts of every ACO (docs/money.md): expenditure and member-months by cohort and alignment
    type, capitation reductions, and, when the run has risk scores, the cohorts' average risk per score
    year for the risk-adjusted benchmark (without them the benchmark is not risk-adjusted)."""
    if run.alignment_run is None:
        raise RuntimeError("no alignment run to count money for")
    risk_run = run.risk_run
    risk_run_id = risk_run.pk if risk_run is not None and risk_run.status == RiskRun.Status.SUCCEEDED else None
    with transaction.atomic():
        counts = inputs.write_facts(
            run_id=run.pk,
            alignment_run_id=run.alignment_run.pk,
            performance_year=run.performance_year,
            as_of=run.as_of,
            risk_run_id=risk_run_id,
        )
        _fault("money", step.attempts)
    through = counts["claims_through"] or "no claims of the year yet"
    risk = (
        f"{counts['risk_rows']:,} average-risk rows from risk run {risk_run_id}"
        if risk_run_id is not None
        else "no risk scores: benchmarks not risk-adjusted"
    )
    return (
        counts["cost_rows"] + counts["member_month_rows"] + counts["reduction_rows"] + counts["risk_rows"],
        f"{counts['cost_rows']:,} expenditure rows, {counts['member_month_rows']:,} member-month rows, "
        f"{counts['reduction_rows']:,} capitation-reduction rows, {risk}; claims through {through}",
    )


def _summary_acos(run: PipelineRun) -> list[int]:
    """Every ACO with an election for the year or beneficiaries aligned in the run."""
    acos = set(Election.objects.filter(performance_year=run.performance_year).values_list("aco_id", flat=True))
    if run.alignment_run_id:
        acos |= set(run.alignment_run.aligned.values_list("aco_id", flat=True).distinct())  # type: ignore[union-attr]
    return sorted(acos)


def _step_summaries(run: PipelineRun, step: PipelineStep, *, inline: bool) -> None:
    """Fan out: one task per ACO (or, inline, one call each here)."""
    acos = _summary_acos(run)
    PipelineStep.objects.filter(pk=step.pk).update(shards_total=len(acos), shards_done=0)
    if not acos:
        _finish_summaries(run.pk)
    for aco_pk in acos:
        if inline:
            aco_summary_execute(run_id=run.pk, aco_pk=aco_pk)
        else:
            transaction.on_commit(partial(_enqueue_summary, run.pk, aco_pk))


_STEP_FUNCTIONS: dict[str, Any] = {
    PipelineStep.Name.RISK: _step_risk,
    PipelineStep.Name.ALIGNMENT: _step_alignment,
    PipelineStep.Name.QUALITY: _step_quality,
    PipelineStep.Name.RURAL: _step_rural,
    PipelineStep.Name.DUALS: _step_duals,
    PipelineStep.Name.EPISODES: _step_episodes,
    PipelineStep.Name.GLP1: _step_glp1,
    PipelineStep.Name.MONEY: _step_money,
}


# --------------------------------------------------------------------------------------------------
# One ACO's summary (the fanned-out part)
# --------------------------------------------------------------------------------------------------
def aco_summary_execute(*, run_id: int, aco_pk: int) -> str:
    """Compute and store one ACO's snapshot (replacing any earlier attempt's); the last ACO to finish
    closes the step and the run."""
    run = PipelineRun.objects.select_related("alignment_run", "quality_run").get(pk=run_id)
    if run.status == PipelineRun.Status.FAILED:
        return "skipped"
    step = run.steps.get(name=PipelineStep.Name.SUMMARIES)
    aco = ACO.objects.get(pk=aco_pk)
    # The summaries step runs as these per-ACO tasks: each is a sign of life of the step.
    beating = PipelineStep.objects.filter(pk=step.pk, status=PipelineStep.Status.RUNNING)
    try:
        with jobs.Heartbeat(beating) as heartbeat:
            heartbeat.beat()
            with transaction.atomic():
                data = build_summary(run, aco)
                PerformanceSummary.objects.update_or_create(
                    run=run, aco=aco, defaults={"performance_year": run.performance_year, "data": data}
                )
                _store_withhold_dollars(run, aco, data)
    except TRANSIENT:
        raise
    except Exception as exc:  # the reason is kept on the step and the run
        log.exception("pipeline run %s: summary of %s", run_id, aco.aco_id)
        _fail(step, f"ACO summaries failed for {aco.aco_id}: {_reason(exc)}")
        return "failed"
    _finish_summaries(run.pk)
    return "succeeded"


def _finish_summaries(run_id: int) -> None:
    with transaction.atomic():
        step = PipelineStep.objects.select_for_update().get(run_id=run_id, name=PipelineStep.Name.SUMMARIES)
        done = PerformanceSummary.objects.filter(run_id=run_id).count()
        step.shards_done = done
        if step.status == PipelineStep.Status.SUCCEEDED or done < step.shards_total:
            step.heartbeat_at = timezone.now()
            step.save(update_fields=["shards_done", "heartbeat_at"])
            start, span = STEP_SPAN[PipelineStep.Name.SUMMARIES]
            if step.shards_total:
                PipelineRun.objects.filter(pk=run_id).update(percent=start + span * done // step.shards_total)
            return
        now = timezone.now()
        step.status = PipelineStep.Status.SUCCEEDED
        step.finished_at = now
        step.seconds = round((now - step.started_at).total_seconds(), 3) if step.started_at else None
        step.rows = done
        step.message = f"{done} ACO summaries"
        step.save()
        run = PipelineRun.objects.select_for_update().get(pk=run_id)
        run.status = PipelineRun.Status.SUCCEEDED
        run.finished_at = now
        run.percent = 100
        run.stage = "Done"
        run.message = (
            f"{done} ACO summaries from alignment run {run.alignment_run_id} and quality run {run.quality_run_id}."
        )
        run.save(update_fields=["status", "finished_at", "percent", "stage", "message"])


def _store_withhold_dollars(run: PipelineRun, aco: ACO, data: dict[str, Any]) -> None:
    """The quality step could not know the withhold in dollars; now the benchmark is known."""
    if run.quality_run_id is None:
        return
    s = data["settlement"]
    pct = data["quality"]["withhold_pct"]
    QualityScore.objects.filter(run_id=run.quality_run_id, aco=aco).update(
        withhold_dollars=Decimal(str(s["withhold"])),
        earned_back_dollars=Decimal(str(s["earned_back"])),
        note=f"estimate: withhold {pct:.2f}% of the benchmark, ${s['withhold']:,.2f} (pipeline run {run.pk})"[:200],
    )


def _parameters(
    params: ModelParameters,
    election: Election | None,
    *,
    higher_spending: bool,
    rural: Decimal | None,
    cara: Decimal | None = None,
) -> engine.Parameters:
    risk = election.risk_option if election else "global"
    return engine.Parameters(
        performance_year=params.performance_year,
        risk_option=risk,
        corridors=engine.bands_from(params.corridors.get(risk, [])),
        newly_entering=bool(election and election.newly_entering),
        capitation=election.capitation if election else "none",
        higher_spending=higher_spending,
        discount_higher_pct=params.discount_higher_spending_pct,
        discount_lower_pct=params.discount_lower_spending_pct,
        withhold_pct=params.quality_withhold_pct,
        sequestration_pct=params.sequestration_pct,
        trend_pct=params.benchmark_trend_pct,
        pcc_base_pct=params.pcc_base_pct,
        pcc_target_pct=params.pcc_enhanced_target_pct,
        pcc_floor_pct=params.pcc_enhanced_floor_pct,
        rural_addon=rural,
        risk_ratio_cap_pct=params.risk_ratio_cap_pct,
        voluntary_cap_pct=params.voluntary_benchmark_cap_pct,
        cara_payments=cara,
    )


def _base_pbpm(run_id: int, performance_year: int, aco_pk: int | None) -> Decimal | None:
    """Base-year expenditure per member-month, of one ACO or (None) every ACO of the run."""
    years = range(performance_year - inputs.BASE_YEARS, performance_year)
    cost = CostFact.objects.filter(run_id=run_id, year__in=years)
    months = MemberMonthFact.objects.filter(run_id=run_id, year__in=years)
    if aco_pk is not None:
        cost, months = cost.filter(aco_id=aco_pk), months.filter(aco_id=aco_pk)
    amount = cost.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    mm = months.aggregate(s=Sum("members"))["s"] or 0
    return amount / mm if mm else None


def _risk_trend(facts: Iterable[CohortRiskFact], py: int) -> dict[str, Any]:
    """The average risk score per cohort (claims-aligned and voluntarily aligned together) and for all
    aligned beneficiaries, per score year whose diagnoses lie within the CCLF (the second base year to the
    PY), and the years left out: each group's average weighted by its scored member-months, as the groups'
    averages are. Empty without a risk run."""
    sums: dict[tuple[str, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for f in facts:
        if f.average_risk is None or not f.scored_member_months:
            continue
        for key in ((f.cohort, f.year), ("all", f.year)):
            sums[key][0] += f.average_risk * f.scored_member_months
            sums[key][1] += f.scored_member_months
    if not sums:
        return {}
    # The first base year has no average: its diagnoses lie before the CCLF (docs/risk.md).
    years = [y for y in range(py - inputs.BASE_YEARS, py + 1) if risk_parameters.diagnoses_in_cclf(y, py)]

    def average(key: str, year: int) -> float | None:
        total, months = sums.get((key, year), (Decimal(0), Decimal(0)))
        return round(float(total / months), 4) if months else None

    rows = [
        {
            "cohort": key,
            "label": "All aligned beneficiaries" if key == "all" else str(Cohort(key).label),
            "scores": {str(y): average(key, y) for y in years},
        }
        for key in [*Cohort.values, "all"]
        if any((key, y) in sums for y in years)
    ]
    return {"years": years, "cohorts": rows, "demographic_only_years": list(risk_parameters.demographic_only_years(py))}


def build_summary(run: PipelineRun, aco: ACO) -> dict[str, Any]:
    """The ACO's snapshot document (``snapshot.py``), from the run's facts, alignment and quality."""
    py = run.performance_year
    params = ModelParameters.objects.get(performance_year=py)
    election = Election.objects.filter(aco=aco, performance_year=py).first()

    cost: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    # By (cohort, alignment type, year): benchmarks are set for each alignment type separately.
    group_cost: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    by_month_cost: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    claims_by_category: dict[str, int] = defaultdict(int)
    # The same beneficiaries' base-year spending and claims by (category, year).
    base_amount: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    base_claims: dict[tuple[str, int], int] = defaultdict(int)
    for cohort, kind, year, month, category, amount, n in CostFact.objects.filter(run=run, aco=aco).values_list(
        "cohort", "alignment_type", "year", "month", "category", "amount", "claims"
    ):
        cost[(cohort, year)] += amount
        group_cost[(cohort, kind, year)] += amount
        if year == py:
            by_month_cost[(year, month)] += amount
            by_category[category] += amount
            claims_by_category[category] += n
        elif year < py:
            base_amount[(category, year)] += amount
            base_claims[(category, year)] += n
    mm: dict[tuple[str, int], int] = defaultdict(int)
    group_mm: dict[tuple[str, str, int], int] = defaultdict(int)
    by_month_mm: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for cohort, kind, year, month, members in MemberMonthFact.objects.filter(run=run, aco=aco).values_list(
        "cohort", "alignment_type", "year", "month", "members"
    ):
        mm[(cohort, year)] += members
        group_mm[(cohort, kind, year)] += members
        if year == py:
            by_month_mm[(year, month)][cohort] += members
    # The groups' average risk per score year (none without a risk run: not risk-adjusted).
    risk = {(f.cohort, f.alignment_type, f.year): f for f in CohortRiskFact.objects.filter(run=run, aco=aco)}
    # What CMS withheld for capitation, by cohort (PY facts only) and by the file it came from.
    withheld: dict[str, Decimal] = defaultdict(Decimal)
    withheld_part_a = withheld_part_b = Decimal(0)
    withheld_claims = 0
    for cohort, category, amount, claims in CapitationReductionFact.objects.filter(
        run=run, aco=aco, year=py
    ).values_list("cohort", "category", "amount", "claims"):
        withheld[cohort] += amount
        withheld_claims += claims
        if category in inputs.PART_A_CATEGORIES.values():
            withheld_part_a += amount
        else:
            withheld_part_b += amount
    published = dict(PublishedBenchmark.objects.filter(aco=aco, performance_year=py).values_list("cohort", "pbpm"))
    cohorts = []
    base_years = range(py - inputs.BASE_YEARS, py)

    def average_risk(cohort: str, kind: str, year: int) -> Decimal | None:
        fact = risk.get((cohort, kind, year))
        return None if fact is None else fact.average_risk

    present = {k[:2] for k in (*group_cost, *group_mm)}
    for cohort in Cohort.values:
        base = tuple(engine.BaseYear(y, cost.get((cohort, y), Decimal(0)), mm.get((cohort, y), 0)) for y in base_years)
        groups = tuple(
            engine.AlignmentGroup(
                kind,
                group_mm.get((cohort, kind, py), 0),
                group_cost.get((cohort, kind, py), Decimal(0)),
                tuple(
                    engine.BaseYear(
                        y,
                        group_cost.get((cohort, kind, y), Decimal(0)),
                        group_mm.get((cohort, kind, y), 0),
                        average_risk(cohort, kind, y),
                    )
                    for y in base_years
                ),
                average_risk(cohort, kind, py),
            )
            for kind in AlignmentType.values
            if (cohort, kind) in present
        )
        item = engine.CohortInput(
            cohort,
            mm.get((cohort, py), 0),
            cost.get((cohort, py), Decimal(0)),
            base,
            published.get(cohort),
            capitation_reduction=withheld.get(cohort, Decimal(0)),
            groups=groups,
        )
        if item.member_months or item.expenditure or item.capitation_reduction or cohort in published:
            cohorts.append(item)

    own_base, portal_base = _base_pbpm(run.pk, py, aco.pk), _base_pbpm(run.pk, py, None)
    higher = own_base is not None and portal_base is not None and own_base > portal_base
    score = QualityScore.objects.filter(run_id=run.quality_run_id, aco=aco).first() if run.quality_run_id else None
    tqs = score.total_quality_score if score is not None and score.scored_measures else None
    cara = cara_payments.aco_settlement_line(aco=aco, performance_year=py)
    settlement = engine.settle(
        cohorts,
        _parameters(
            params,
            election,
            higher_spending=higher,
            rural=_rural_addon(run, aco),
            cara=cara.amount if cara.has_arrangements else None,
        ),
        tqs=tqs,
    )

    months = [
        snapshot.MonthRow(
            y, m, sum(by_month_mm[(y, m)].values()), by_month_cost.get((y, m), Decimal(0)), by_month_mm[(y, m)]
        )
        for (y, m) in sorted(set(by_month_mm) | set(by_month_cost))
    ]
    categories = [(c.value, str(c.label), by_category.get(c.value, Decimal(0))) for c in Category]
    base_mm = {y: sum(n for (_, year), n in mm.items() if year == y) for y in base_years}
    category_base_years = {
        c.value: [
            snapshot.CategoryYear(
                y, base_amount.get((c.value, y), Decimal(0)), base_mm[y], base_claims.get((c.value, y), 0)
            )
            for y in base_years
        ]
        for c in Category
    }

    align = run.alignment_run
    minimum = alignment_selectors.minimums_status(aco=aco, performance_year=py, run=align)
    alignment: dict[str, Any] = {
        "total": minimum.total,
        "claims": minimum.claims,
        "voluntary": minimum.total - minimum.claims,
        "high_needs": minimum.high_needs,
        "high_needs_share_pct": minimum.high_needs_percent,
        "high_needs_line_pct": float(params.high_needs_aco_share_pct),
        "minimum": {
            "category": minimum.category_label,
            "met": minimum.met,
            "total_minimum": minimum.total_minimum,
            "claims_minimum": minimum.claims_minimum,
            "message": (
                f"Meets the {minimum.category_label} minimums ({minimum.total_minimum:,} aligned, "
                f"{minimum.claims_minimum:,} claims-aligned)."
                if minimum.met
                else f"Below the {minimum.category_label} minimums: {minimum.total_short:,} more aligned and "
                f"{minimum.claims_short:,} more claims-aligned beneficiaries needed."
            ),
        },
    }
    alignment["risk"] = _risk_trend(risk.values(), py)
    # Each measure's unit in the year's catalogue ("% of index stays readmitted"), for its rate.
    units = dict(MeasureDefinition.objects.filter(performance_year=py).values_list("code", "unit"))
    quality: dict[str, Any] = {
        "tqs": tqs,
        "scored_measures": score.scored_measures if score else 0,
        "withhold_pct": float(params.quality_withhold_pct),
        "withhold": snapshot.money(settlement.withhold),
        "earned_back": snapshot.money(settlement.earned_back),
        "measures": [
            {
                "measure": m,
                "label": str(MeasureCode(m).label) if m in MeasureCode.values else m,
                "unit": units.get(m, ""),
                "rate": rate,
                "points": points,
                "scored": scored,
            }
            for m, rate, points, scored in MeasureResult.objects.filter(run_id=run.quality_run_id, aco=aco)
            .order_by("measure")
            .values_list("measure", "score_rate", "points", "scored")
        ]
        if run.quality_run_id
        else [],
    }
    files = CCLFFile.objects.filter(id__lte=run.data_version, performance_year=py).order_by("produced_at")
    latest = files.last()
    reductions = snapshot.Reductions(
        part_a=withheld_part_a,
        part_b=withheld_part_b,
        claims=withheld_claims,
        files_loaded=files.filter(file_type__in=(PartABenefitCodes.FILE_TYPE, PartBBenefitCodes.FILE_TYPE)).exists(),
    )
    # The year's CCLF packages, by kind and date: a package's name carries the code of whoever CMS
    # sent it to, which is not for an ACO's pages.
    packages = list(
        {
            label: {
                "kind": "run-out" if runout else "monthly",
                "runout": runout,
                "performance_year": py,
                "produced": produced.date().isoformat(),
            }
            for label, runout, produced in files.values_list("package", "runout", "produced_at").order_by(
                "produced_at", "package"
            )
        }.values()
    )
    vintage = {
        "pipeline_run": run.pk,
        "alignment_run": run.alignment_run_id,
        "quality_run": run.quality_run_id,
        # The risk scores behind the risk-adjusted benchmark (None: not risk-adjusted).
        "risk_run": run.risk_run_id if risk else None,
        "data_version": run.data_version,
        "files": list(files.values_list("name", flat=True)),
        # Each CCLF package of the year, monthly or run-out (claims of the year paid after it closed).
        "packages": packages,
        "runout_packages": sum(1 for p in packages if p["runout"]),
        "latest_file_date": latest.produced_at.date().isoformat() if latest else None,
        "claims_through": _claims_through(run),
        "as_of": run.as_of.isoformat() if run.as_of else None,
    }
    used = {
        "risk_option": election.risk_option if election else "global",
        "newly_entering": bool(election and election.newly_entering),
        "capitation": election.capitation if election else "none",
        "higher_spending": higher,
        "quality_withhold_pct": float(params.quality_withhold_pct),
        "sequestration_pct": float(params.sequestration_pct),
        "benchmark_trend_pct": float(params.benchmark_trend_pct),
        "risk_ratio_cap_pct": float(params.risk_ratio_cap_pct),
        "voluntary_benchmark_cap_pct": float(params.voluntary_benchmark_cap_pct),
        "discount_higher_spending_pct": float(params.discount_higher_spending_pct),
        "discount_lower_spending_pct": float(params.discount_lower_spending_pct),
        "pcc_base_pct": float(params.pcc_base_pct),
        "pcc_enhanced_target_pct": float(params.pcc_enhanced_target_pct),
        "pcc_enhanced_floor_pct": float(params.pcc_enhanced_floor_pct),
        "corridors": params.corridors.get(election.risk_option if election else "global", []),
    }
    return snapshot.build(
        performance_year=py,
        generated_at=timezone.now().isoformat(timespec="seconds"),
        aco={
            "aco_id": aco.aco_id,
            "name": aco.legal_name,
            "risk_option": used["risk_option"],
            "risk_option_label": election.get_risk_option_display() if election else "Global",
            "capitation": used["capitation"],
            "capitation_label": election.get_capitation_display() if election else "None",
            "newly_entering": used["newly_entering"],
        },
        vintage=vintage,
        alignment=alignment,
        settlement=settlement,
        months=months,
        categories=categories,
        quality=quality,
        parameters=used,
        cohort_labels={c.value: str(c.label) for c in Cohort},
        reductions=reductions,
        category_claims=claims_by_category,
        category_base_years=category_base_years,
        risk_coverage={
            key: snapshot.RiskCoverage(f.beneficiaries, f.scored, f.member_months, f.scored_member_months)
            for key, f in risk.items()
        },
        cara=[
            snapshot.CaraEBRA(
                a.arrangement_id,
                a.preferred_provider,
                a.npi,
                a.status,
                a.periods,
                a.final_periods,
                a.expected_periods,
                a.amount_cents,
            )
            for a in cara.arrangements
        ],
        cara_episode_runs=cara.episode_runs,
    )


def _rural_addon(run: PipelineRun, aco: ACO) -> Decimal | None:
    """The PY's rural add-on payments of a qualifying ACO (actual and projected months), or None."""
    if run.rural_run_id is None:
        return None
    if not RuralEligibility.objects.filter(run_id=run.rural_run_id, aco=aco, qualifies=True).exists():
        return None
    total = RuralPaymentLine.objects.filter(run_id=run.rural_run_id, aco=aco).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


def _claims_through(run: PipelineRun) -> str | None:
    if run.as_of:
        return run.as_of.isoformat()[:7]
    last = (
        MemberMonthFact.objects.filter(run=run, year=run.performance_year)
        .order_by(F("month").desc())
        .values_list("month", flat=True)
        .first()
    )
    if last is None:
        return None
    return f"{run.performance_year:04d}-{last:02d}"


# --------------------------------------------------------------------------------------------------
# Published benchmarks (CMS admins)
# --------------------------------------------------------------------------------------------------
def published_benchmark_set(
    *, aco: ACO, performance_year: int, cohort: str, pbpm: Decimal | None, source: str, acting_user: User
) -> PublishedBenchmark | None:
    """Enter (or, with no PBPM, remove) the benchmark CMS published; it wins from the next run on."""
    if not acting_user.is_cms_admin:
        raise PermissionDenied("Only CMS administrators enter published benchmarks.")
    if cohort not in Cohort.values:
        raise ValidationError({"cohort": "Choose a cohort."})
    if performance_year not in aco_selectors.performance_years():
        raise ValidationError({"performance_year": "Choose a performance year the portal knows."})
    with transaction.atomic():
        if pbpm is None:
            PublishedBenchmark.objects.filter(aco=aco, performance_year=performance_year, cohort=cohort).delete()
            return None
        item = PublishedBenchmark.objects.filter(aco=aco, performance_year=performance_year, cohort=cohort).first()
        item = item or PublishedBenchmark(aco=aco, performance_year=performance_year, cohort=cohort)
        item.pbpm, item.source, item.entered_by = pbpm, source, acting_user
        item.full_clean()  # before anything is written
        item.save()
        return item
