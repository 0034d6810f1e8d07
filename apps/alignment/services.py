"""Running alignment for a performance year: read the netted claims, beneficiaries, lists and
voluntary alignments as columns, hand them to the pure engines (``engine.align`` for alignment,
``cohorts`` for ESRD / High Needs) and store every aligned beneficiary with its explanation.

One ``AlignmentRun`` per computation, claimed by a conditional UPDATE so a redelivered task does
nothing twice; the run row carries its stage and percentage for the progress bar, and its timings.
Results are written with COPY on PostgreSQL, in one transaction with the run's success, or (a run in
parts, ``AlignmentRun.shards``) one transaction per part, the run turning succeeded only once every part
has; pages read succeeded runs only, so none sees half a run.
ALR-style exports are built in the background from the stored rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from functools import partial
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos.models import ACO, AlignmentApproach, Election, ParticipantTIN
from apps.claims import loader
from apps.claims.models import Beneficiary, CCLFFile
from apps.claims.shards import Shard
from apps.risk import selectors as risk_selectors
from apps.risk.models import RiskRun
from lead_portal import jobs
from lead_portal.exports import csv_writer, xlsx_workbook, xlsx_write, xlsx_write_row
from lead_portal.formatting import when

from . import cohort_inputs, cohorts, engine, runs, snapshot, task_names
from .inputs import load_inputs
from .models import AlignedBeneficiary, AlignmentExport, AlignmentRun, AlignmentShard, HighNeedsHistory

log = logging.getLogger(__name__)
BATCH = 5000
MAX_SHARDS = 64


def alignment_run_create(
    *,
    performance_year: int,
    as_of: dt.date | None = None,
    acting_user: User | None = None,
    shards: int | None = None,
    risk_run: RiskRun | None = None,
) -> AlignmentRun:
    """A run waiting for a worker, to be computed in ``shards`` parts by beneficiary (default: the
    ``ALIGNMENT_SHARDS`` setting), its High Needs risk-score criteria evaluated with ``risk_run``'s scores
    (default: the PY's latest successful risk run; none: not evaluated). Only CMS administrators (or the
    command line: no user) start runs."""
    if acting_user is not None and not acting_user.is_cms_admin:
        raise PermissionDenied("Only CMS administrators start alignment runs.")
    if performance_year not in aco_selectors.performance_years():
        raise ValidationError({"performance_year": "Choose a performance year the portal knows."})
    if as_of is not None and as_of.year != performance_year:
        raise ValidationError({"as_of": f"A mid-year run's date must fall in {performance_year}."})
    if as_of is not None and as_of == dt.date(performance_year, 1, 1):
        as_of = None  # January 1 is the prospective run
    shards = settings.ALIGNMENT_SHARDS if shards is None else shards
    if not 1 <= shards <= MAX_SHARDS:
        raise ValidationError({"shards": f"Choose between 1 and {MAX_SHARDS} parts."})
    if risk_run is None:
        risk_run = risk_selectors.latest_run(performance_year=performance_year)
    elif risk_run.performance_year != performance_year or risk_run.status != RiskRun.Status.SUCCEEDED:
        raise ValidationError({"risk_run": f"Choose a successful risk run of PY{performance_year}."})
    run = AlignmentRun(
        performance_year=performance_year, as_of=as_of, created_by=acting_user, shards=shards, risk_run=risk_run
    )
    run.full_clean()
    run.save()
    return run


def alignment_run_request(
    *,
    performance_year: int,
    as_of: dt.date | None = None,
    acting_user: User | None = None,
    shards: int | None = None,
) -> AlignmentRun:
    """Create a run and queue it for a worker once the transaction commits. When the queue does not take
    it, the run is failed with the reason and ``jobs.QueueUnavailable`` raised for the page to say so."""
    run = alignment_run_create(performance_year=performance_year, as_of=as_of, acting_user=acting_user, shards=shards)
    transaction.on_commit(
        partial(_queue_or_fail, task_names.ALIGNMENT_RUN_TASK, AlignmentRun, run.pk, "The alignment run")
    )
    return run


def _queue_or_fail(task: str, model: Any, pk: int, what: str) -> None:
    """Queue a job row's task after the commit; when the queue does not take it, the row (still
    requested) is failed with the reason, so it never waits for a message that was never sent."""
    try:
        jobs.send(task, pk, what=what)
    except jobs.QueueUnavailable as exc:
        model.objects.filter(pk=pk, status=model.Status.REQUESTED).update(
            status=model.Status.FAILED, finished_at=timezone.now(), message=str(exc)
        )
        raise


# An export task's hard time limit (tasks.py) and a margin: an export still unfinished after this was
# left by a worker that died.
EXPORT_GIVE_UP_SECONDS = 3600 + 15 * 60


def alignment_jobs_take_over() -> int:
    """The workers' sweep (``lead_portal.jobs``): an alignment run still running whose worker stopped
    heartbeating more than ``JOB_STALE_SECONDS`` ago is failed with that reason (its results are written in
    one transaction, so nothing of it was kept; a new run is a click away, and a pipeline run replaces it by
    itself), and so is an export still building after its task's time limit."""
    cutoff = jobs.stale_before()
    taken = 0
    stale = AlignmentRun.objects.filter(status=AlignmentRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    for run_id, last in list(stale.values_list("pk", "heartbeat_at")):
        seen = when(last, seconds=True) if last else "never"
        failed = AlignmentRun.objects.filter(pk=run_id, status=AlignmentRun.Status.RUNNING, heartbeat_at=last).update(
            status=AlignmentRun.Status.FAILED,
            stage="Failed",
            finished_at=timezone.now(),
            message=f"The worker computing this run stopped (last heard from {seen}): nothing was saved. "
            "Start a new run.",
        )
        if failed:  # what parts of it finished wrote goes too; parts still running find the run failed
            AlignedBeneficiary.objects.filter(run_id=run_id).delete()
        taken += failed
    given_up = timezone.now() - dt.timedelta(seconds=EXPORT_GIVE_UP_SECONDS)
    taken += AlignmentExport.objects.filter(status=AlignmentExport.Status.RUNNING, created_at__lt=given_up).update(
        status=AlignmentExport.Status.FAILED,
        finished_at=timezone.now(),
        message="The worker building this export stopped before it finished. Request it again.",
    )
    return taken


def _entities(performance_year: int, *, added_before: dt.datetime | None = None) -> engine.Entities:
    """Participant TINs (and their CCNs) of the PY; ``added_before`` keeps those on the list by then."""
    qs = ParticipantTIN.objects.filter(performance_year=performance_year)
    if added_before is not None:
        qs = qs.filter(created_at__lt=added_before)
    tin_to_aco: dict[str, str] = {}
    ccn_to_aco: dict[str, str] = {}
    for tin, ccns, aco_id in qs.values_list("tin", "ccns", "aco__aco_id"):
        tin_to_aco[tin] = aco_id
        for ccn in ccns or []:
            ccn_to_aco[ccn] = aco_id
    return engine.Entities(tin_to_aco, ccn_to_aco)


def _midyear(run: AlignmentRun, entities: engine.Entities) -> tuple[engine.Entities, engine.MidYear | None]:
    """For a mid-year run: the start-of-year entities (TINs listed before January 1 of the PY) as the
    base, and the Hybrid ACOs with the entities as of now for additions."""
    if run.as_of is None:
        return entities, None
    py = run.performance_year
    hybrid = frozenset(
        Election.objects.filter(performance_year=py, alignment_approach=AlignmentApproach.HYBRID).values_list(
            "aco__aco_id", flat=True
        )
    )
    start = timezone.make_aware(dt.datetime(py, 1, 1))
    as_of_end = timezone.make_aware(dt.datetime.combine(run.as_of + dt.timedelta(days=1), dt.time()))
    return _entities(py, added_before=start), engine.MidYear(
        as_of=run.as_of, hybrid_acos=hybrid, entities=_entities(py, added_before=as_of_end)
    )


@dataclasses.dataclass
class _Cohorts:
    cohort: dict[str, str]
    high_needs: dict[str, list[str]]  # MBI -> criteria met, for High Needs beneficiaries only
    detail: dict[str, dict[str, Any]]  # MBI -> the High Needs assessment (window, evidence, counts)
    not_evaluated: list[str]


def _risk_input(run: AlignmentRun, shard: Shard | None) -> cohorts.RiskInput | None:
    """The normalized risk scores of the assessment's year (of one part's beneficiaries) from the run's
    risk run; None without one (the risk-score criteria are then not evaluated)."""
    if run.risk_run is None:
        return None
    year = (run.as_of or dt.date(run.performance_year, 1, 1)).year
    found = risk_selectors.score_columns(run=run.risk_run, score_year=year, shard=shard)
    return cohorts.RiskInput(year=year, mbi=found.mbi, score=found.score, esrd_model=found.esrd)


def _assess_cohorts(
    mbis: list[str], *, as_of: dt.date, rows: cohort_inputs.CohortRows, risk: cohorts.RiskInput | None = None
) -> _Cohorts:
    """ESRD / High Needs / Aged & Disabled for the aligned beneficiaries, with "once High Needs,
    always High Needs" applied from the stored history. ``rows``: the claims of the assessment; ``risk``:
    the scores for the risk-score criteria (None: not evaluated)."""
    mbi_array = np.array(sorted(mbis), dtype=object)
    inputs = dataclasses.replace(cohort_inputs.build_cohort_inputs(rows, mbi_array), risk=risk)
    result = cohorts.high_needs(inputs, as_of=as_of)
    # Every stored MBI (carry_forward ignores those not aligned now): no 100,000-item IN list.
    before = np.array(sorted(HighNeedsHistory.objects.values_list("mbi", flat=True)), dtype=object)
    result = cohorts.carry_forward(result, before)
    mbi_list = result.mbi.tolist()
    flags = result.high_needs.tolist()
    return _Cohorts(
        cohort=dict(zip(mbi_list, result.cohort.tolist(), strict=True)),
        high_needs={m: result.criteria(i) for i, (m, hn) in enumerate(zip(mbi_list, flags, strict=True)) if hn},
        detail={m: result.explanation(i) for i, m in enumerate(mbi_list)},
        not_evaluated=list(result.not_evaluated),
    )


STORE_COLUMNS = (
    "run_id",
    "mbi",
    "aco_id",
    "alignment_type",
    "step",
    "tin",
    "unit_kind",
    "npi",
    "effective_from",
    "added_midyear",
    "cohort",
    "high_needs",
    "high_needs_criteria",
    "first_name",
    "last_name",
    "birth_date",
    "sex",
    "explanation",
)


def _explanation(e: engine.Explanation, high_needs: dict[str, Any] | None) -> str:
    """The stored explanation as JSON (the engine's Explanation, dates as ISO text), built directly:
    ``dataclasses.asdict`` deep-copies and costs seconds at 100,000 rows."""
    v = e.voluntary
    return json.dumps(
        {
            "step": e.step,
            "claims_step": e.claims_step,
            "competitors": [
                {
                    "key": c.key,
                    "kind": c.kind,
                    "weighted_cents": c.weighted_cents,
                    "last_service": c.last_service.isoformat(),
                }
                for c in e.competitors
            ],
            "service_count": e.service_count,
            "first_service": e.first_service.isoformat() if e.first_service else None,
            "last_service": e.last_service.isoformat() if e.last_service else None,
            "voluntary": None
            if v is None
            else {
                "aco_id": v.aco_id,
                "record_aco_id": v.record_aco_id,
                "tin": v.tin,
                "npi": v.npi,
                "signed_date": v.signed_date.isoformat(),
            },
            "high_needs": high_needs,
        }
    )


def _names(shard: Shard | None = None) -> dict[str, tuple[str, str, dt.date | None, str]]:
    """Name, birth date and sex of every beneficiary (of one part) (CCLF8), read once before the COPY."""
    people = Beneficiary.objects.all() if shard is None else shard.filter(Beneficiary.objects.all(), "mbi")
    return {
        mbi: (first, last, born, sex)
        for mbi, first, last, born, sex in people.values_list(
            "mbi", "first_name", "last_name", "birth_date", "sex"
        ).iterator(chunk_size=20000)
    }


def _rows(
    run: AlignmentRun,
    results: list[engine.Alignment],
    found: _Cohorts,
    acos: dict[str, int],
    names: dict[str, tuple[str, str, dt.date | None, str]],
) -> Iterator[tuple[Any, ...]]:
    """Rows to store. Runs inside the COPY, so it must not query the database itself."""
    nobody = ("", "", None, "")
    start = dt.date(run.performance_year, 1, 1)
    for r in results:
        if r.aco_id not in acos:
            continue
        criteria = found.high_needs.get(r.mbi)
        yield (
            run.pk,
            r.mbi,
            acos[r.aco_id],
            r.alignment_type,
            r.step,
            r.tin or "",
            r.unit_kind or "",
            r.npi or "",
            r.effective_from or start,
            r.added_midyear,
            found.cohort.get(r.mbi, AlignedBeneficiary.Cohort.AGED_DISABLED),
            criteria is not None,
            json.dumps(criteria or []),
            *names.get(r.mbi, nobody),
            _explanation(r.explanation, found.detail.get(r.mbi)),
        )


def alignment_run_execute(*, run_id: int) -> AlignmentRun:
    """Compute and store alignment for the run's performance year (all ACOs): in one piece, or in the
    run's parts by beneficiary (``AlignmentRun.shards``), which workers share."""
    claimed = runs.claim(AlignmentRun, run_id)
    run = AlignmentRun.objects.get(pk=run_id)
    if not claimed:
        return run
    # While it computes, the run's heartbeat says a worker is on it (lead_portal.jobs).
    with jobs.Heartbeat(AlignmentRun.objects.filter(pk=run_id, status=AlignmentRun.Status.RUNNING)):
        return _compute(run)


@dataclasses.dataclass
class _Part:
    """What aligning one part (or the whole) found, for the run-wide figures."""

    beneficiaries: int
    service_lines: int
    aligned: int
    not_evaluated: list[str]

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class _Aligned:
    """One part (or the whole) aligned, not yet stored."""

    results: list[engine.Alignment]
    found: _Cohorts
    part: _Part


def _align_part(run: AlignmentRun, shard: Shard | None, watch: runs.Stopwatch, *, report: bool) -> _Aligned:
    """Align the beneficiaries of one part (``shard``; None: everyone). Outside any transaction, so the
    progress is seen at once and the cohort claims are read on a second connection while the engine runs.
    ``report``: move the run's progress bar (the whole run in one piece)."""
    py = run.performance_year
    if report:
        runs.progress(run, "Reading netted claims, beneficiaries, lists and voluntary records", 5)
    beneficiaries, services, entities, voluntary = load_inputs(py, shard)
    # Kept for the what-if preview (apps.alignment.snapshot): the run's own inputs, read in a blink.
    snapshot.save(run, shard.index if shard else 0, beneficiaries=beneficiaries, services=services, voluntary=voluntary)
    watch.lap("inputs")
    # The cohort criteria's claims do not depend on who is aligned: the database reads them while the
    # engine runs (where it can: see runs.Background).
    assessed = run.as_of or dt.date(py, 1, 1)
    cohort_rows = runs.Background(partial(cohort_inputs.fetch_cohort_rows, as_of=assessed, shard=shard))
    if report:
        runs.progress(run, f"Applying the alignment rule to {len(services.mbi):,} service lines", 35)
    base_entities, midyear = _midyear(run, entities)
    results = engine.align(py, beneficiaries, services, base_entities, voluntary, midyear=midyear)
    watch.lap("engine")
    if report:
        runs.progress(run, f"Cohorts and High Needs for {len(results):,} aligned beneficiaries", 60)
    found = _assess_cohorts(
        [r.mbi for r in results], as_of=assessed, rows=cohort_rows.result(), risk=_risk_input(run, shard)
    )
    watch.lap("cohorts")
    part = _Part(len(beneficiaries.mbi), len(services.mbi), len(results), list(found.not_evaluated))
    return _Aligned(results, found, part)


def _store_part(run: AlignmentRun, aligned: _Aligned, shard: Shard | None) -> _Part:
    """Write one part's rows (COPY), in the caller's transaction."""
    acos = dict(ACO.objects.values_list("aco_id", "pk"))
    runs.copy_rows(
        AlignedBeneficiary,
        STORE_COLUMNS,
        _rows(run, aligned.results, aligned.found, acos, _names(shard)),
        json_fields=("explanation", "high_needs_criteria"),
    )
    return aligned.part


def _finish(run: AlignmentRun, parts: list[_Part], watch: runs.Stopwatch, data_version: int) -> None:
    """The run-wide figures from its stored rows (whichever way they were written), the High Needs
    history, and the run's success; in the caller's transaction."""
    runs.analyze(AlignedBeneficiary)  # the quality and money steps join claims to these rows next
    assessed = run.as_of or dt.date(run.performance_year, 1, 1)
    stored = AlignedBeneficiary.objects.filter(run=run)
    known = set(HighNeedsHistory.objects.values_list("mbi", flat=True))
    HighNeedsHistory.objects.bulk_create(
        [
            HighNeedsHistory(mbi=m, first_run=run, first_met_on=assessed, criteria=c)
            for m, c in stored.filter(high_needs=True).order_by("mbi").values_list("mbi", "high_needs_criteria")
            if m not in known
        ],
        batch_size=BATCH,
    )
    kinds = {
        "claims": Count("pk", filter=Q(alignment_type=AlignedBeneficiary.Type.CLAIMS)),
        "voluntary": Count("pk", filter=Q(alignment_type=AlignedBeneficiary.Type.VOLUNTARY)),
        "high_needs": Count("pk", filter=Q(high_needs=True)),
        "added_midyear": Count("pk", filter=Q(added_midyear=True)),
    }
    by_aco: dict[str, dict[str, int]] = {
        row[0]: dict(zip(kinds, row[1:], strict=True))
        for row in stored.values_list("aco__aco_id").annotate(**kinds).order_by("aco__aco_id")
    }
    watch.lap("store")
    aligned = sum(p.aligned for p in parts)
    run.counts = {
        "beneficiaries": sum(p.beneficiaries for p in parts),
        "service_lines": sum(p.service_lines for p in parts),
        "aligned": aligned,
        "high_needs_not_evaluated": list(dict.fromkeys(m for p in parts for m in p.not_evaluated)),
        "acos": by_aco,
    }
    if run.shards > 1:
        run.counts["parts"] = len(parts)
    run.timings = watch.timings
    run.data_version = data_version
    run.status = AlignmentRun.Status.SUCCEEDED
    run.stage, run.percent = "Done", 100
    run.message = f"{aligned:,} beneficiaries aligned across {len(by_aco)} ACO(s)."
    if run.shards > 1:
        run.message += f" Computed in {run.shards} parts."
    run.finished_at = timezone.now()
    run.save()
    snapshot.prune(run)  # only the latest successful run of the PY keeps its inputs


def _compute(run: AlignmentRun) -> AlignmentRun:
    run_id = run.pk
    watch = runs.Stopwatch()
    try:
        data_version = CCLFFile.objects.aggregate(v=Max("id"))["v"] or 0
        with connection.cursor() as cursor:  # the pipeline's first step: the planner's view of fresh claims
            loader.refresh_fact_statistics(cursor)
        if run.shards > 1:
            parts = _compute_in_parts(run, watch)
            with transaction.atomic():
                _finish(run, parts, watch, data_version)
        else:
            aligned = _align_part(run, None, watch, report=True)
            runs.progress(run, f"Saving {len(aligned.results):,} alignments", 75)
            # Rows and figures in one transaction: a page never sees half a run.
            with transaction.atomic():
                AlignedBeneficiary.objects.filter(run=run).delete()
                part = _store_part(run, aligned, None)
                _finish(run, [part], watch, data_version)
    except Exception as exc:  # the run ends with its reason; the worker's log has the trace
        log.exception("Alignment run %s failed", run_id)
        AlignedBeneficiary.objects.filter(run=run).delete()  # what finished parts wrote
        run.status = AlignmentRun.Status.FAILED
        run.stage = "Failed"
        run.timings = watch.timings
        run.message = f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.save()
    return run


# --------------------------------------------------------------------------------------------------
# Runs in parts (shards by beneficiary)
# --------------------------------------------------------------------------------------------------
# How often the run's own task looks at its parts while it waits for other workers to finish them.
PART_POLL_SECONDS = 0.2


def _compute_in_parts(run: AlignmentRun, watch: runs.Stopwatch) -> list[_Part]:
    """Fan the run out: one part row and one task per part (compute queue). This task then takes parts
    nobody has started (all of them when no other worker is free, or the queue is away; in eager mode the
    tasks have already run), takes over parts whose worker stopped heartbeating, and waits for the rest.
    A failed part fails the run."""
    count = run.shards
    with transaction.atomic():
        AlignedBeneficiary.objects.filter(run=run).delete()
        AlignmentShard.objects.filter(run=run).delete()
        AlignmentShard.objects.bulk_create([AlignmentShard(run=run, index=k) for k in range(count)])
    runs.progress(run, f"Aligning in {count} parts", 10)
    for index in range(count):
        try:
            jobs.dispatch(task_names.ALIGNMENT_SHARD_TASK, run.pk, index)
        except jobs.BROKER_ERRORS as exc:
            log.warning("alignment run %s: parts not queued (%s); this worker computes them", run.pk, exc)
            break
    parts = AlignmentShard.objects.filter(run=run)
    while True:
        stale = parts.filter(status=AlignmentShard.Status.RUNNING, heartbeat_at__lt=jobs.stale_before())
        for index in stale.values_list("index", flat=True):
            log.warning("alignment run %s: part %s taken over (its worker stopped)", run.pk, index + 1)
        stale.update(status=AlignmentShard.Status.REQUESTED)
        waiting = parts.filter(status=AlignmentShard.Status.REQUESTED).order_by("index").first()
        if waiting is not None:
            alignment_shard_execute(run_id=run.pk, index=waiting.index)
            continue
        states = dict(parts.values_list("index", "status"))
        failed = parts.filter(status=AlignmentShard.Status.FAILED).order_by("index").first()
        if failed is not None:
            raise RuntimeError(f"part {failed.index + 1} of {count} failed: {failed.message}")
        done = sum(1 for s in states.values() if s == AlignmentShard.Status.SUCCEEDED)
        if done == count:
            break
        runs.progress(run, f"Aligning in {count} parts: {done} done", 10 + 65 * done // count)
        time.sleep(PART_POLL_SECONDS)
    watch.lap("parts")
    finished = list(parts.order_by("index").values_list("counts", flat=True))
    return [_Part(**c) for c in finished]


def alignment_shard_execute(*, run_id: int, index: int) -> str:
    """Compute part ``index`` of a run: claimed once (a redelivery, or the run's own task getting there
    first, finds it taken), its rows and its success written in one transaction, so a worker that dies
    midway leaves nothing of it and the part can be taken over. Returns the part's status."""
    claimed = AlignmentShard.objects.filter(run_id=run_id, index=index, status=AlignmentShard.Status.REQUESTED).update(
        status=AlignmentShard.Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        worker=f"{socket.gethostname()}:{os.getpid()}"[:200],
    )
    part = AlignmentShard.objects.select_related("run").get(run_id=run_id, index=index)
    if not claimed:
        return part.status
    run = part.run
    mine = AlignmentShard.objects.filter(pk=part.pk, status=AlignmentShard.Status.RUNNING, worker=part.worker)
    watch = runs.Stopwatch()
    try:
        if run.status != AlignmentRun.Status.RUNNING:
            raise RuntimeError(f"the run is {run.get_status_display().lower()}")
        shard = Shard(index, run.shards)
        with jobs.Heartbeat(mine):
            aligned = _align_part(run, shard, watch, report=False)
        with transaction.atomic():
            found = _store_part(run, aligned, shard)
            if not AlignmentRun.objects.filter(pk=run.pk, status=AlignmentRun.Status.RUNNING).exists():
                raise RuntimeError("the run ended while this part ran")  # its rows roll back
            if not mine.update(
                status=AlignmentShard.Status.SUCCEEDED,
                finished_at=timezone.now(),
                counts=found.as_json(),
                timings=watch.timings,
            ):
                raise RuntimeError("taken over by another worker")  # rolls this part's rows back
        return AlignmentShard.Status.SUCCEEDED
    except Exception as exc:
        log.exception("alignment run %s part %s failed", run_id, index + 1)
        mine.update(
            status=AlignmentShard.Status.FAILED,
            finished_at=timezone.now(),
            timings=watch.timings,
            message=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return AlignmentShard.Status.FAILED


# --------------------------------------------------------------------------------------------------
# ALR-style exports
# --------------------------------------------------------------------------------------------------
EXPORT_COLUMNS = (
    ("MBI", "mbi"),
    ("Last name", "last_name"),
    ("First name", "first_name"),
    ("Birth date", "birth_date"),
    ("Sex", "sex"),
    ("Alignment type", "alignment_type"),
    ("Step", "step"),
    ("Aligning TIN or CCN", "tin"),
    ("Unit", "unit_kind"),
    ("Aligning NPI", "npi"),
    ("Aligned from", "effective_from"),
    ("Added mid-year", "added_midyear"),
    ("Cohort", "cohort"),
    ("High Needs", "high_needs"),
    ("High Needs criteria met", "high_needs_criteria"),
)


def alignment_export_request(*, aco: ACO, run: AlignmentRun, fmt: str, acting_user: User) -> AlignmentExport:
    """Queue an export of the ACO's aligned beneficiaries in ``run`` (CSV or XLSX)."""
    if fmt not in AlignmentExport.Format.values:
        raise ValidationError({"format": "Choose CSV or XLSX."})
    if run.status != AlignmentRun.Status.SUCCEEDED:
        raise ValidationError("Only a finished alignment run can be exported.")
    export = AlignmentExport.objects.create(aco=aco, run=run, format=fmt, created_by=acting_user)
    # Queued once the row is committed; a queue that does not answer fails the row, with the reason.
    transaction.on_commit(
        partial(_queue_or_fail, task_names.ALIGNMENT_EXPORT_TASK, AlignmentExport, export.pk, "The export")
    )
    return export


def _export_rows(export: AlignmentExport) -> Iterator[list[Any]]:
    qs = (
        AlignedBeneficiary.objects.filter(run=export.run, aco=export.aco)
        .order_by("mbi")
        .values_list(*[c for _, c in EXPORT_COLUMNS])
    )
    for row in qs.iterator(chunk_size=5000):
        values = list(row)
        values[-4] = "yes" if values[-4] else "no"  # added mid-year
        values[-2] = "yes" if values[-2] else "no"  # High Needs
        values[-1] = ";".join(values[-1] or [])
        yield values


def alignment_export_execute(*, export_id: int) -> AlignmentExport:
    claimed = AlignmentExport.objects.filter(pk=export_id, status=AlignmentExport.Status.REQUESTED).update(
        status=AlignmentExport.Status.RUNNING
    )
    export = AlignmentExport.objects.select_related("aco", "run").get(pk=export_id)
    if not claimed:
        return export
    try:
        stamp = (
            f"LEAD ACO {export.aco.aco_id} aligned beneficiaries; PY{export.run.performance_year}; alignment run "
            f"{export.run_id} ({export.run.kind_label}); data version {export.run.data_version}; computed "
            f"{when(export.run.finished_at)}"
        )
        header = [h for h, _ in EXPORT_COLUMNS]
        count = 0
        if export.format == AlignmentExport.Format.CSV:
            buffer = io.StringIO()
            writer = csv_writer(buffer)
            # The header first, nothing above it (Excel and pandas take the first row as the header): the
            # vintage is in the file's name (``AlignmentExport.file_name``: ACO, PY, alignment run).
            writer.writerow(header)
            for values in _export_rows(export):
                writer.writerow(["" if v is None else v for v in values])
                count += 1
            content = buffer.getvalue().encode("utf-8")
        else:
            raw = io.BytesIO()
            book = xlsx_workbook(raw, {"constant_memory": True})
            sheet = book.add_worksheet("Aligned beneficiaries")
            bold = book.add_format({"bold": True})
            date_format = book.add_format({"num_format": "yyyy-mm-dd"})
            xlsx_write(sheet, 0, 0, stamp)
            xlsx_write_row(sheet, 1, 0, header, bold)
            for values in _export_rows(export):
                count += 1
                xlsx_write_row(sheet, count + 1, 0, values, date_format=date_format)
            sheet.freeze_panes(2, 1)
            sheet.set_column(0, len(header) - 1, 14)
            book.close()
            content = raw.getvalue()
        export.file.save(export.file_name, ContentFile(content), save=False)
        export.row_count = count
        export.status = AlignmentExport.Status.READY
    except Exception as exc:
        log.exception("Alignment export %s failed", export_id)
        export.status = AlignmentExport.Status.FAILED
        export.message = f"{type(exc).__name__}: {exc}"[:2000]
    export.finished_at = timezone.now()
    export.save()
    return export
