"""Running the quality measures for a performance year (docs/quality.md): read the beneficiaries of one
alignment run and their netted claims (`inputs`), compute ACR, UAMCC, DAH and TFU with the pure engine,
score every measure (claims, CAHPS and the eCQMs) against the year's decile tables, and store the results,
the Total Quality Scores, the membership rows and the care gaps.

One `QualityRun` per computation, claimed by a conditional UPDATE so a redelivered task does nothing twice;
the run row carries its stage and percentage for the progress bar, and its timings. Results are written in
one transaction (COPY on PostgreSQL for the large tables), so a page never sees half a run.

Choices where the rule (docs/quality.md) is silent:
- The run reads the latest successful alignment run of the year unless it is given one; `as_of` (claims
  through that date, None for the whole year) goes to the engine as is.
- Every measure of the year's catalogue gets a `MeasureResult` per ACO of the alignment run: the claims
  measures from the engine, CAHPS and the eCQMs from the ACO's current submission (its score when given,
  else 100 × numerator ÷ denominator to 2 decimals, as the pages show it; no submission: no rate). A
  measure is in the Total Quality Score when its rate is defined and the catalogue says it counts in the
  year's eCQM phase (`MeasureDefinition.counts_in_score`); the `note` says why a measure is not.
- Points follow the catalogue's direction (higher or lower is better) with `engine.score_measure`; ACR is
  scored on its risk-standardized rate (`engine.MeasureResult.score_rate`).
- The withhold: `withhold_rate` is the year's `ModelParameters.quality_withhold_pct` as a fraction (3% →
  0.0300). No benchmark exists yet (the money step computes it), so the withhold and earned-back dollars are
  left empty and the note says so; the share earned back is TQS ÷ 100. The money step fills the dollars with
  `engine.withhold_earned`.
- Care gaps carry the aligning TIN (or CCN) and the name of the beneficiary's row in the alignment run.
- The care-gap worklist follows the run in the same transaction (`worklist.care_gaps_reconcile`): new gaps
  get a worklist item, items the run no longer finds are closed (naming the later claim that closed them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import User
from apps.acos.models import ACO, ECQMPhase, ModelParameters
from apps.alignment import runs
from apps.alignment import selectors as alignment_selectors
from apps.alignment.models import AlignedBeneficiary, AlignmentRun
from apps.claims.models import CCLFFile
from lead_portal import jobs

from . import engine, selectors, task_names
from .inputs import load_quality_inputs
from .models import (
    CareGap,
    DataSource,
    Direction,
    MeasureDefinition,
    MeasureMember,
    MeasureResult,
    QualityRun,
    QualityScore,
    QualitySubmission,
)
from .worklist import care_gaps_reconcile

log = logging.getLogger(__name__)
BATCH = 5000

# Why a claims measure has no rate, by measure.
EMPTY_DENOMINATOR = {
    engine.MEASURE_ACR: "no index stays",
    engine.MEASURE_UAMCC: "no MCC beneficiaries aged 65 or over",
    engine.MEASURE_DAH: "no High Needs or MCC beneficiaries",
    engine.MEASURE_TFU: "no follow-up events",
}


# ---------------------------------------------------------------------------------------------------
# Creating and queuing runs
# ---------------------------------------------------------------------------------------------------
def quality_run_create(
    *,
    performance_year: int,
    alignment_run: AlignmentRun | None = None,
    as_of: dt.date | None = None,
    acting_user: User | None = None,
) -> QualityRun:
    """A run waiting for a worker, on ``alignment_run`` (default: the year's latest successful one). Only
    CMS administrators (or the command line: no user) start runs."""
    if acting_user is not None and not acting_user.is_cms_admin:
        raise PermissionDenied("Only CMS administrators start quality runs.")
    if as_of is not None and as_of.year != performance_year:
        raise ValidationError({"as_of": f"The claims-through date must fall in {performance_year}."})
    if alignment_run is None:
        alignment_run = alignment_selectors.latest_run(performance_year=performance_year)
        if alignment_run is None:
            raise ValidationError(f"No alignment has been computed for PY{performance_year}: run alignment first.")
    if alignment_run.performance_year != performance_year:
        raise ValidationError(f"Alignment run {alignment_run.pk} is for PY{alignment_run.performance_year}.")
    if alignment_run.status != AlignmentRun.Status.SUCCEEDED:
        raise ValidationError(f"Alignment run {alignment_run.pk} has not succeeded.")
    run = QualityRun(
        alignment_run=alignment_run, performance_year=performance_year, as_of=as_of, created_by=acting_user
    )
    run.full_clean()
    run.save()
    return run


def quality_run_request(
    *,
    performance_year: int,
    alignment_run: AlignmentRun | None = None,
    as_of: dt.date | None = None,
    acting_user: User | None = None,
) -> QualityRun:
    """Create a run and queue it for a worker once the transaction commits."""
    run = quality_run_create(
        performance_year=performance_year, alignment_run=alignment_run, as_of=as_of, acting_user=acting_user
    )
    transaction.on_commit(lambda: jobs.dispatch(task_names.QUALITY_RUN_TASK, run.pk))
    return run


# ---------------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Submitted:
    """An ACO's current CAHPS or eCQM result."""

    numerator: int | None
    denominator: int | None
    rate: float | None  # the score when given, else 100 × numerator ÷ denominator


@dataclasses.dataclass(frozen=True)
class ScoredResult:
    """One `MeasureResult` row before it is stored."""

    aco_id: str
    measure: str
    source: str
    numerator: float | None = None
    denominator: float | None = None
    rate: float | None = None
    person_years: float | None = None
    expected: float | None = None
    expected_rate: float | None = None
    risk_standardized_rate: float | None = None
    score_rate: float | None = None
    decile: int | None = None
    points: float | None = None
    scored: bool = False
    note: str = ""


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _score(
    row: ScoredResult, definition: MeasureDefinition | None, phase: str, performance_year: int, empty: str
) -> ScoredResult:
    """Decile, points and whether the row counts in the Total Quality Score."""
    if definition is None:
        return dataclasses.replace(row, note=f"Not in the PY{performance_year} measure catalogue: not scored.")
    if row.score_rate is None:
        return dataclasses.replace(row, note=f"Not scored: {empty}.")
    higher = definition.direction == Direction.HIGHER
    decile = engine.decile_band(row.score_rate, definition.deciles, higher_is_better=higher)
    points = engine.score_measure(row.score_rate, definition.deciles, higher_is_better=higher)
    counts = definition.counts_in_score(phase)
    note = ""
    if not definition.scored:
        note = f"Not in the Total Quality Score: the PY{performance_year} catalogue does not score it."
    elif not counts:
        note = f"Not in the Total Quality Score: eCQMs are {ECQMPhase(phase).label.lower()} in PY{performance_year}."
    return dataclasses.replace(row, decile=decile, points=_finite(points), scored=counts, note=note)


def score_results(
    *,
    performance_year: int,
    aco_ids: Sequence[str],
    claims: Iterable[engine.MeasureResult],
    submissions: Mapping[tuple[str, str], Submitted],
    definitions: Mapping[str, MeasureDefinition],
    phase: str,
) -> list[ScoredResult]:
    """Every catalogue measure (and every claims measure) for every ACO, scored. Plain data in and out."""
    rows: list[ScoredResult] = []
    for r in claims:
        rate = _finite(r.rate)
        row = ScoredResult(
            aco_id=r.aco_id,
            measure=r.measure,
            source=MeasureResult.Source.CLAIMS,
            numerator=float(r.numerator),
            denominator=float(r.denominator),
            rate=rate,
            person_years=_finite(r.person_years),
            expected=_finite(r.expected),
            expected_rate=_finite(r.expected_rate),
            risk_standardized_rate=_finite(r.risk_standardized_rate),
            score_rate=_finite(r.score_rate) if rate is not None else None,
        )
        rows.append(_score(row, definitions.get(r.measure), phase, performance_year, EMPTY_DENOMINATOR[r.measure]))
    uploaded = [
        code for code, d in sorted(definitions.items()) if d.data_source in (DataSource.SURVEY, DataSource.ECQM)
    ]
    for aco_id in aco_ids:
        for code in uploaded:
            sub = submissions.get((aco_id, code))
            row = ScoredResult(
                aco_id=aco_id,
                measure=code,
                source=MeasureResult.Source.SUBMISSION,
                numerator=None if sub is None or sub.numerator is None else float(sub.numerator),
                denominator=None if sub is None or sub.denominator is None else float(sub.denominator),
                rate=None if sub is None else sub.rate,
                score_rate=None if sub is None else sub.rate,
            )
            rows.append(_score(row, definitions[code], phase, performance_year, "no result submitted"))
    return sorted(rows, key=lambda r: (r.aco_id, r.measure))


@dataclasses.dataclass(frozen=True)
class AcoScore:
    aco_id: str
    total_quality_score: float
    scored_measures: int


def aco_scores(rows: Iterable[ScoredResult]) -> dict[str, AcoScore]:
    """Total Quality Score per ACO: the mean points of its scored measures (0 when none is)."""
    points: dict[str, list[float]] = {}
    for r in rows:
        points.setdefault(r.aco_id, [])
        if r.scored and r.points is not None:
            points[r.aco_id].append(r.points)
    return {aco_id: AcoScore(aco_id, engine.total_quality_score(p), len(p)) for aco_id, p in sorted(points.items())}


def _submissions(performance_year: int) -> dict[tuple[str, str], Submitted]:
    out: dict[tuple[str, str], Submitted] = {}
    for sub in QualitySubmission.objects.filter(
        performance_year=performance_year, superseded_at__isnull=True
    ).select_related("aco"):
        result = sub.result
        out[(sub.aco.aco_id, sub.measure)] = Submitted(
            sub.numerator, sub.denominator, None if result is None else float(result)
        )
    return out


def _withhold_rate(performance_year: int) -> Decimal | None:
    pct = (
        ModelParameters.objects.filter(performance_year=performance_year)
        .values_list("quality_withhold_pct", flat=True)
        .first()
    )
    return None if pct is None else (Decimal(pct) / 100).quantize(Decimal("0.0001"))


def _withhold_note(rate: Decimal | None, performance_year: int) -> str:
    """Beside the share earned back (the TQS in percent), what the dollars wait for."""
    if rate is None:
        return f"no model parameters for PY{performance_year}: the withhold rate is unknown"
    return f"withhold {rate * 100:.2f}% of the benchmark; dollars once the benchmark is computed"


# ---------------------------------------------------------------------------------------------------
# Storing
# ---------------------------------------------------------------------------------------------------
MEMBER_COLUMNS = (
    "run_id",
    "aco_id",
    "measure",
    "mbi",
    "role",
    "source",
    "claim_id",
    "related_claim_id",
    "event_date",
    "value",
)
GAP_COLUMNS = (
    "run_id",
    "aco_id",
    "mbi",
    "gap_type",
    "measure",
    "claim_id",
    "opened_on",
    "due_date",
    "tin",
    "first_name",
    "last_name",
)


def _claims(ids: np.ndarray) -> list[Any]:
    """int64 claim ids → Python ints, None for `engine.NO_CLAIM`."""
    out = ids.astype(object)
    out[ids == engine.NO_CLAIM] = None
    return list(out.tolist())


def _floats(values: np.ndarray) -> list[Any]:
    out = values.astype(object)
    out[np.isnan(values)] = None
    return list(out.tolist())


def _aco_pks(aco_text: np.ndarray, acos: Mapping[str, int]) -> list[int]:
    uniq, inverse = np.unique(aco_text, return_inverse=True)
    pks = np.array([acos[str(a)] for a in uniq.tolist()], dtype=np.int64)
    return list(pks[inverse.reshape(-1)].tolist()) if uniq.size else []


def member_columns(run_id: int, members: engine.Members, acos: Mapping[str, int]) -> list[list[Any]]:
    """MEMBER_COLUMNS as Python lists, built before any COPY starts."""
    n = len(members)
    return [
        [run_id] * n,
        _aco_pks(members.aco_id, acos),
        members.measure.tolist(),
        members.mbi.tolist(),
        members.role.tolist(),
        members.source.tolist(),
        _claims(members.claim_id),
        _claims(members.related_claim_id),
        members.date.astype("datetime64[D]").tolist(),
        _floats(members.value),
    ]


def gap_columns(run_id: int, gaps: engine.CareGaps, acos: Mapping[str, int]) -> list[list[Any]]:
    """GAP_COLUMNS as Python lists; TIN and name come from the alignment run afterwards (`_snapshot_gaps`)."""
    n = len(gaps)
    return [
        [run_id] * n,
        _aco_pks(gaps.aco_id, acos),
        gaps.mbi.tolist(),
        gaps.gap_type.tolist(),
        gaps.measure.tolist(),
        _claims(gaps.claim_id),
        gaps.opened_on.astype("datetime64[D]").tolist(),
        gaps.due_date.astype("datetime64[D]").tolist(),
        [""] * n,
        [""] * n,
        [""] * n,
    ]


def _snapshot_gaps(run: QualityRun) -> None:
    """The aligning TIN or CCN and the name of each gap's beneficiary, from the alignment run, in one UPDATE."""
    gaps, aligned = CareGap._meta.db_table, AlignedBeneficiary._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {gaps} SET tin = a.tin, first_name = a.first_name, last_name = a.last_name "  # noqa: S608
            f"FROM {aligned} a WHERE a.run_id = %s AND a.mbi = {gaps}.mbi AND {gaps}.run_id = %s",
            [run.alignment_run_id, run.pk],
        )


def _jsonable_strata(strata: Iterable[engine.AcrStratum]) -> list[dict[str, Any]]:
    return [{**dataclasses.asdict(s), "rate": _finite(s.rate)} for s in strata]


# ---------------------------------------------------------------------------------------------------
# Executing
# ---------------------------------------------------------------------------------------------------
def quality_run_execute(*, run_id: int) -> QualityRun:
    """Compute, score and store the quality measures of the run's alignment run (all ACOs)."""
    claimed = runs.claim(QualityRun, run_id)
    run = QualityRun.objects.select_related("alignment_run").get(pk=run_id)
    if not claimed:
        return run
    watch = runs.Stopwatch()

    try:
        py = run.performance_year
        data_version = CCLFFile.objects.aggregate(v=Max("id"))["v"] or 0
        runs.progress(run, "Reading aligned beneficiaries, diagnoses, stays, visits and follow-ups", 5)
        inputs = load_quality_inputs(alignment_run_id=run.alignment_run_id, performance_year=py)
        watch.lap("inputs")
        n_benes = len(inputs.population.mbi)
        runs.progress(run, f"Computing ACR, UAMCC, DAH and TFU for {n_benes:,} beneficiaries", 40)
        result = engine.compute_measures(py, inputs, as_of=run.as_of)
        watch.lap("engine")
        runs.progress(run, "Scoring against the decile tables", 70)
        definitions = {d.code: d for d in MeasureDefinition.objects.filter(performance_year=py)}
        phase = selectors.ecqm_phase(performance_year=py)
        aco_ids = sorted({r.aco_id for r in result.results})
        rows = score_results(
            performance_year=py,
            aco_ids=aco_ids,
            claims=result.results,
            submissions=_submissions(py),
            definitions=definitions,
            phase=phase,
        )
        scores = aco_scores(rows)
        withhold_rate = _withhold_rate(py)
        acos = dict(ACO.objects.filter(aco_id__in=aco_ids).values_list("aco_id", "pk"))
        members = member_columns(run.pk, result.members, acos)
        gaps = gap_columns(run.pk, result.gaps, acos)
        watch.lap("scoring")
        runs.progress(run, f"Saving {len(result.members):,} membership rows and {len(result.gaps):,} care gaps", 80)
        with transaction.atomic():
            for model in (MeasureResult, QualityScore, MeasureMember, CareGap):
                model._default_manager.filter(run=run).delete()
            MeasureResult.objects.bulk_create(
                [MeasureResult(run=run, **(dataclasses.asdict(r) | {"aco_id": acos[r.aco_id]})) for r in rows],
                batch_size=BATCH,
            )
            QualityScore.objects.bulk_create(
                [
                    QualityScore(
                        run=run,
                        aco_id=acos[s.aco_id],
                        total_quality_score=s.total_quality_score,
                        scored_measures=s.scored_measures,
                        withhold_rate=withhold_rate,
                        note=_withhold_note(withhold_rate, py),
                    )
                    for s in scores.values()
                ],
                batch_size=BATCH,
            )
            runs.copy_rows(MeasureMember, MEMBER_COLUMNS, zip(*members, strict=True))
            runs.copy_rows(CareGap, GAP_COLUMNS, zip(*gaps, strict=True))
            _snapshot_gaps(run)
            worklist = care_gaps_reconcile(run=run, aco_pks=sorted(acos.values()))
            watch.lap("store")
            rates: dict[str, dict[str, float | None]] = {}
            for r in rows:
                rates.setdefault(r.aco_id, {})[r.measure] = r.rate
            run.counts = {
                "beneficiaries": n_benes,
                "diagnoses": len(inputs.diagnoses.mbi),
                "inpatient_claims": len(inputs.inpatient.claim_id),
                "snf_claims": len(inputs.snf.claim_id),
                "ed_visits": len(inputs.ed.claim_id),
                "followups": len(inputs.followups.mbi),
                "members": len(result.members),
                "gaps": len(result.gaps),
                "worklist": worklist,
                "ecqm_phase": phase,
                "acos": {
                    s.aco_id: {
                        "tqs": round(s.total_quality_score, 2),
                        "scored": s.scored_measures,
                        "rates": rates.get(s.aco_id, {}),
                    }
                    for s in scores.values()
                },
            }
            run.portal_acr_rate = _finite(result.portal_acr_rate)
            run.acr_strata = _jsonable_strata(result.acr_strata)
            run.timings = watch.timings
            run.data_version = data_version
            run.status = QualityRun.Status.SUCCEEDED
            run.stage, run.percent = "Done", 100
            run.message = (
                f"Quality measures for {n_benes:,} beneficiaries across {len(scores)} ACO(s); "
                f"{len(result.gaps):,} care gaps."
            )
            run.finished_at = timezone.now()
            run.save()
    except Exception as exc:  # the run ends with its reason; the worker's log has the trace
        log.exception("Quality run %s failed", run_id)
        run.status = QualityRun.Status.FAILED
        run.stage = "Failed"
        run.timings = watch.timings
        run.message = f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.save()
    return run
