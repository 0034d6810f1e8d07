"""Running the risk model for a performance year: read every beneficiary's demographics and the
diagnoses of eligible services (``inputs``), score each score year (the three base years and the PY)
with the pure engine, and store the scores and their condition categories (docs/risk.md).

One ``RiskRun`` per computation, claimed by a conditional UPDATE so a redelivered task does nothing
twice; the run carries its stage and percentage, timings and counts. Inputs are read and scored outside
any transaction; the rows are written, with the run's success, in one transaction (COPY on PostgreSQL,
batched INSERTs elsewhere), after removing any rows of the same run: a page never sees half a run, and
computing a run again replaces its rows. On PostgreSQL that transaction is a writer thread's
(``bulk.BackgroundWriter``), which writes each score year's rows while the next year is scored."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Max, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.claims import loader
from apps.claims.models import CCLFFile
from lead_portal import bulk, jobs
from lead_portal.formatting import when

from . import gaps, selectors
from .models import RecaptureGap, RiskHCC, RiskRun, RiskScore
from .parameters import diagnoses_in_cclf, first_claims_year, score_years

if TYPE_CHECKING:
    from . import engine

log = logging.getLogger(__name__)

SCORE_COLUMNS = (
    "run_id",
    "mbi",
    "score_year",
    "model",
    "segment",
    "age",
    "new_enrollee",
    "esrd",
    "raw_score",
    "normalized_score",
    "demographic_score",
    "hccs",
    "diagnoses",
    "demographic_terms",
    "interactions",
)
SCORE_JSON = ("demographic_terms", "interactions")
HCC_COLUMNS = (
    "run_id",
    "mbi",
    "score_year",
    "hcc",
    "label",
    "coefficient",
    "status",
    "dropped_by",
    "diagnosis",
    "service_date",
    "claim_id",
    "source",
)


def risk_run_create(*, performance_year: int, acting_user: User | None = None) -> RiskRun:
    """A run waiting to be computed. Only CMS administrators (or the command line and the pipeline: no
    user) start runs."""
    if acting_user is not None and not acting_user.is_cms_admin:
        raise PermissionDenied("Only CMS administrators start risk runs.")
    if performance_year not in aco_selectors.performance_years():
        raise ValidationError({"performance_year": "Choose a performance year the portal knows."})
    run = RiskRun(performance_year=performance_year, created_by=acting_user)
    run.full_clean()
    run.save()
    return run


def risk_run_compute(*, performance_year: int, acting_user: User | None = None) -> RiskRun:
    """Create a run and compute it here and now (the pipeline's risk step, the command line, tests)."""
    run = risk_run_create(performance_year=performance_year, acting_user=acting_user)
    return risk_run_execute(run_id=run.pk)


def risk_run_execute(*, run_id: int) -> RiskRun:
    """Compute and store the run's scores. A run that is not waiting (already taken, or finished) is
    returned as it is."""
    claimed = RiskRun.objects.filter(pk=run_id, status=RiskRun.Status.REQUESTED).update(
        status=RiskRun.Status.RUNNING, started_at=timezone.now(), stage="Starting", percent=1
    )
    run = RiskRun.objects.get(pk=run_id)
    if not claimed:
        return run
    with jobs.Heartbeat(RiskRun.objects.filter(pk=run_id, status=RiskRun.Status.RUNNING)):
        return _compute(run)


def risk_runs_take_over() -> int:
    """The workers' sweep (``lead_portal.jobs``): a run still running whose worker stopped heartbeating
    more than ``JOB_STALE_SECONDS`` ago is failed with that reason (its rows are written in one
    transaction, so nothing of it was kept)."""
    cutoff = jobs.stale_before()
    stale = RiskRun.objects.filter(status=RiskRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    taken = 0
    for run_id, last in list(stale.values_list("pk", "heartbeat_at")):
        seen = when(last, seconds=True) if last else "never"
        taken += RiskRun.objects.filter(pk=run_id, status=RiskRun.Status.RUNNING, heartbeat_at=last).update(
            status=RiskRun.Status.FAILED,
            stage="Failed",
            finished_at=timezone.now(),
            message=f"The worker computing this run stopped (last heard from {seen}): nothing was saved. "
            "Start a new run.",
        )
    return taken


def _progress(run: RiskRun, stage: str, percent: int) -> None:
    """Seen by other processes at once (outside the results transaction)."""
    RiskRun.objects.filter(pk=run.pk).update(stage=stage, percent=percent)
    run.stage, run.percent = stage, percent


class _Stopwatch:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + now - self._clock, 3)
        self._clock = now


def _compute(run: RiskRun) -> RiskRun:
    # Imported here: the library reads all its CMS tables when imported, which only a computing worker needs.
    from . import engine, inputs

    watch = _Stopwatch()
    try:
        parameters = selectors.parameters_for(performance_year=run.performance_year)
        data_version = CCLFFile.objects.aggregate(v=Max("id"))["v"] or 0
        years = score_years(run.performance_year)
        with connection.cursor() as cursor:  # the pipeline's first step: the planner's view of fresh claims
            loader.refresh_fact_statistics(cursor)
        _progress(run, "Reading beneficiaries and diagnoses of eligible services", 5)
        # The PY's own diagnoses too: they close recapture gaps ("the PY so far"). None from before the
        # CCLF's first service year: the few claims of it a package carries (a stay that began in it) are
        # not a year's diagnoses.
        first = first_claims_year(run.performance_year)
        service_years = [y for y in [*(y - 1 for y in years), run.performance_year] if y >= first]
        reads = inputs.DiagnosisReads(service_years, parameters)  # under way while the people are read
        people = inputs.load_people()
        diagnoses = reads.result()
        watch.lap("inputs")
        results: list[engine.Result] = []
        counts: dict[str, Any] = {"years": {}}
        with bulk.BackgroundWriter() as writer:
            # Each year's rows are written while the next year is scored (bulk.BackgroundWriter), all in
            # one transaction with the run's success, after removing any rows of the same run.
            writer.write(partial(_remove_rows, run.pk))
            for i, year in enumerate(years):
                _progress(run, f"Scoring {year}", 30 + 40 * i // len(years))
                demographics, left_out = people.for_year(year)
                year_diagnoses = diagnoses.get(year - 1, engine.Diagnoses.empty())
                result = engine.score(year, demographics, year_diagnoses, parameters)
                results.append(result)
                writer.write(partial(_store_year, run.pk, result))
                counts["years"][str(year)] = {
                    **_year_counts(result, left_out, len(year_diagnoses.mbi)),
                    "diagnoses_in_cclf": diagnoses_in_cclf(year, run.performance_year),
                }
                watch.lap("engine")
            _progress(run, "Recapture gaps", 70)
            gaps = _open_gaps(run.performance_year, results, people, diagnoses, parameters)
            counts["recapture_gaps"] = len(gaps)
            writer.write(partial(bulk.copy_rows, RecaptureGap, GAP_COLUMNS, _gap_rows(run.pk, gaps)))
            watch.lap("gaps")
            _progress(run, "Saving scores", 75)
            scored = sum(len(r.scores.mbi) for r in results)
            counts["beneficiaries"] = len(people.mbi)
            counts["scores"] = scored
            run.counts = counts
            run.parameters = {**parameters.as_json(), "library": f"hccinfhir {engine.LIBRARY_VERSION}"}
            run.data_version = data_version
            run.status = RiskRun.Status.SUCCEEDED
            run.stage, run.percent = "Done", 100
            run.message = f"{scored:,} risk scores for {len(years)} score years ({years[0]}–{years[-1]})."
            writer.write(partial(_finish, run))
            writer.commit()
        # "store": what was left to write when the last rows were handed over.
        watch.lap("store")
        run.timings = watch.timings
        RiskRun.objects.filter(pk=run.pk).update(timings=run.timings)
    except Exception as exc:  # the run ends with its reason; the worker's log has the trace
        log.exception("Risk run %s failed", run.pk)
        run.status = RiskRun.Status.FAILED
        run.stage = "Failed"
        run.timings = watch.timings
        run.message = f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.save()
    return run


def _remove_rows(run_id: int) -> None:
    for model in (RiskHCC, RiskScore, RecaptureGap):
        model.objects.filter(run_id=run_id).delete()


def _store_year(run_id: int, result: engine.Result) -> None:
    bulk.copy_rows(RiskScore, SCORE_COLUMNS, _score_rows(run_id, result), json_fields=SCORE_JSON)
    bulk.copy_rows(RiskHCC, HCC_COLUMNS, _hcc_rows(run_id, result))


def _finish(run: RiskRun) -> None:
    """The last write of the run's transaction: fresh statistics, then the run's success."""
    for table in (RiskScore, RiskHCC, RecaptureGap):  # each read one run at a time, by its run index
        bulk.analyze(table, column="run")
    run.finished_at = timezone.now()
    run.save()


def _year_counts(result: engine.Result, left_out: dict[str, int], diagnosis_rows: int) -> dict[str, Any]:
    s = result.scores
    segments: dict[str, int] = {}
    for segment in s.segment.tolist():
        segments[segment] = segments.get(segment, 0) + 1
    return {
        "scored": len(s.mbi),
        "not_scored": left_out,
        "esrd": int(s.esrd.sum()),
        "new_enrollees": int(s.new_enrollee.sum()),
        "segments": dict(sorted(segments.items())),
        "diagnosis_rows": diagnosis_rows,
        "diagnosis_rows_without_beneficiary": result.unmatched_diagnoses,
        "repaired_new_enrollee_cells": int(s.repaired.sum()),
        "mean_raw_score": round(float(s.raw.mean()), 4) if len(s.raw) else None,
        "mean_normalized_score": round(float(s.normalized.mean()), 4) if len(s.normalized) else None,
    }


def _score_rows(run_id: int, result: engine.Result) -> Iterator[tuple[Any, ...]]:
    s = result.scores
    n = len(s.mbi)
    return zip(
        [run_id] * n,
        s.mbi.tolist(),
        [result.year] * n,
        s.model.tolist(),
        s.segment.tolist(),
        s.age.tolist(),
        s.new_enrollee.tolist(),
        s.esrd.tolist(),
        s.raw.tolist(),
        s.normalized.tolist(),
        s.demographic.tolist(),
        s.hccs.tolist(),
        s.diagnoses.tolist(),
        s.demographic_terms.tolist(),
        s.interactions.tolist(),
        strict=True,
    )


def _hcc_rows(run_id: int, result: engine.Result) -> Iterator[tuple[Any, ...]]:
    h = result.hccs
    n = len(h.mbi)
    return zip(
        [run_id] * n,
        h.mbi.tolist(),
        [result.year] * n,
        h.hcc.tolist(),
        h.label.tolist(),
        [None if math.isnan(c) else c for c in h.coefficient.tolist()],
        h.status.tolist(),
        h.dropped_by.tolist(),
        h.diagnosis.tolist(),
        h.service_date.tolist(),
        [c if c > 0 else None for c in h.claim_id.tolist()],
        h.source.tolist(),
        strict=True,
    )


GAP_COLUMNS = (
    "run_id", "mbi", "hcc", "label", "model", "coefficient", "diagnosis", "service_date", "claim_id", "source",
)  # fmt: skip


def _open_gaps(
    performance_year: int,
    results: list[engine.Result],
    people: Any,
    diagnoses: dict[int, engine.Diagnoses],
    parameters: Any,
) -> gaps.Gaps:
    """The recapture gaps of the PY (``gaps.open_gaps``): counted in the PY − 1 score, shown neither by the
    diagnoses of PY − 1 (the PY's score) nor by those of the PY so far (mapped by scoring the year after)."""
    from . import engine

    by_year = {r.year: r for r in results}
    prior, current = by_year.get(performance_year - 1), by_year.get(performance_year)
    if prior is None:
        return gaps.open_gaps(engine.HCCRows(*([np.zeros(0)] * 10)), {}, [], {})
    shown = []
    if current is not None:
        shown.append(gaps.Shown(current.hccs.mbi, current.hccs.hcc))
    so_far = diagnoses.get(performance_year)
    if so_far is not None and len(so_far.mbi):
        demographics, _ = people.for_year(performance_year + 1)
        later = engine.score(performance_year + 1, demographics, so_far, parameters)
        shown.append(gaps.Shown(later.hccs.mbi, later.hccs.hcc))
    prior_model = dict(zip(prior.scores.mbi.tolist(), prior.scores.model.tolist(), strict=True))
    parents = {
        name: engine.hierarchy_parents(parameters.coefficient_year, name)
        for name in (parameters.model, parameters.esrd_model)
    }
    return gaps.open_gaps(prior.hccs, prior_model, shown, parents)


def _gap_rows(run_id: int, found: gaps.Gaps) -> Iterator[tuple[Any, ...]]:
    n = len(found)
    return zip(
        [run_id] * n,
        found.mbi.tolist(),
        found.hcc.tolist(),
        found.label.tolist(),
        found.model.tolist(),
        [None if math.isnan(c) else c for c in found.coefficient.tolist()],
        found.diagnosis.tolist(),
        found.service_date.tolist(),
        [c if c > 0 else None for c in found.claim_id.tolist()],
        found.source.tolist(),
        strict=True,
    )
