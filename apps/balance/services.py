"""Writes of the GLP-1 area's computed part: the GLP-1 run the performance pipeline calls after CARA
episodes (docs/balance.md). Outreach and lifestyle programmes have services of their own
(``outreach.py``, ``lifestyle.py``).

A run reads, for every beneficiary an alignment run aligned, the inputs of ``inputs.py``, applies
``engine.evaluate`` on the date of interest (the alignment run's as-of date, else the end of the PY, and
never after the Bridge's end), adds the treated beneficiaries' Part A/B spending before and after therapy
start, and writes one ``Glp1Beneficiary`` row each and one ``Glp1Fill`` row per GLP-1 fill read (COPY on
PostgreSQL). A run is one transaction; each call makes a new run (selectors read the latest successful
one), so a retry never changes an earlier run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from apps.alignment import runs
from apps.alignment.models import AlignmentRun
from lead_portal.bulk import copy_rows

from . import engine, inputs, products, selectors
from .models import Glp1Beneficiary, Glp1Fill, Glp1Run
from .parameters import Parameters

logger = logging.getLogger(__name__)


def date_of_interest(*, performance_year: int, as_of: dt.date | None, parameters: Parameters) -> dt.date:
    """The day eligibility is judged on: the run's as-of date, else December 31 of the PY."""
    return as_of if as_of is not None else dt.date(performance_year, 12, 31)


def glp1_run_execute(*, alignment_run: AlignmentRun, as_of: dt.date | None = None) -> Glp1Run:
    """Compute every aligned beneficiary's GLP-1 status, therapy and cost for ``alignment_run``'s PY (``as_of``
    default: the alignment run's). A new ``Glp1Run`` each call; failed with the reason kept (and the error
    re-raised) when anything goes wrong. Safe inside an outer transaction."""
    py = alignment_run.performance_year
    parameters = selectors.parameters_for(performance_year=py)
    day = date_of_interest(
        performance_year=py, as_of=as_of if as_of is not None else alignment_run.as_of, parameters=parameters
    )
    run = Glp1Run.objects.create(
        performance_year=py, alignment_run=alignment_run, as_of=day, parameters=parameters.as_json()
    )
    try:
        with transaction.atomic():
            _compute(run, parameters)
    except Exception as exc:
        logger.exception("GLP-1 run %s failed", run.pk)
        run.status, run.message, run.finished_at = Glp1Run.Status.FAILED, str(exc)[:2000], timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        raise
    return run


def _compute(run: Glp1Run, p: Parameters) -> None:
    watch = runs.Stopwatch()
    lap, timings = watch.lap, watch.timings

    as_of = run.as_of
    table = products.by_ndc()
    people_rows = inputs.aligned(run.alignment_run_id)
    people = engine.People(
        mbi=np.array([r[0] for r in people_rows], dtype="U11"),
        birth_date=inputs._days(r[6] for r in people_rows),
        death_date=inputs._days(r[7] for r in people_rows),
    )
    lap("people")
    part_d_from = engine.lookback_start(as_of, p.part_d_lookback_months)
    last_fill, fills = inputs.part_d(
        run.alignment_run_id,
        sorted(table),
        active_from=part_d_from,
        fills_from=min(part_d_from, p.bridge_start),
        last=as_of,
    )
    # Therapy is measured through the Part D claims' run-through: the latest fill of any aligned beneficiary.
    through = min(as_of, max(last_fill.values(), default=as_of))
    infos = {ndc: engine.ProductInfo(x.product, x.use, x.bridge_covered) for ndc, x in table.items()}
    lap("part_d")
    # Evidence is read on the date of interest, and on therapy start for the treated.
    starts = engine.read_fills(fills, infos, as_of=as_of, parameters=p).therapy_starts()
    # Everyone's latest codes in the lookback before the date of interest; the treated's in the lookback
    # before their therapy start (the engine keeps what lies in each one's own window), read with their
    # spending before and after the start.
    months = p.comorbidity_lookback_months
    dx = inputs.diagnoses(run.alignment_run_id, engine.lookback_start(as_of, months), as_of)
    lap("diagnoses")
    windows = []
    months_after: dict[str, int] = {}
    for mbi, start in sorted(starts.items()):
        after = _whole_months(start, through, p.spending_window_months)
        months_after[mbi] = after
        windows.append(
            (
                mbi,
                engine.lookback_start(start, months),
                start,
                engine.add_months(start, -p.spending_window_months),
                start - dt.timedelta(days=1),
                start,
                engine.add_months(start, after) - dt.timedelta(days=1) if after else start - dt.timedelta(days=1),
            )
        )
    treated_dx, spend = inputs.treated(windows)
    dx = inputs.concat(dx, treated_dx)
    lap("treated")
    results = engine.evaluate(
        people=people,
        diagnoses=dx,
        part_d_last_fill=last_fill,
        fills=fills,
        products=infos,
        as_of=as_of,
        through=through,
        parameters=p,
    )
    lap("rules")

    bene_rows = [
        _beneficiary_row(run.pk, person, result, spend.get(result.mbi), months_after.get(result.mbi, 0), p)
        for person, result in zip(people_rows, results, strict=True)
    ]
    aco_of = {r[0]: r[1] for r in people_rows}
    fill_rows = [
        (
            run.pk, aco_of[mbi], mbi, day, ndc, table[ndc].product,
            table[ndc].bridge_covered and p.bridge_start <= day <= p.bridge_end, supply, claim or None, paid,
        )
        for mbi, day, ndc, supply, claim, paid in zip(
            fills.mbi.tolist(), engine.dates(fills.fill_date), fills.ndc.tolist(), fills.days_supply.tolist(),
            fills.claim_id.tolist(), fills.patient_paid_cents.tolist(), strict=True,
        )
        if mbi in aco_of
    ]  # fmt: skip
    lap("rows")
    copy_rows(
        Glp1Beneficiary, BENE_COLUMNS, bene_rows, json_fields=("reasons", "reason_keys", "comorbidities", "products")
    )
    copy_rows(Glp1Fill, FILL_COLUMNS, fill_rows)
    # No ANALYZE: the pages read a run's rows through the (run, aco, …) indexes whatever the statistics say.
    lap("write")

    counts: dict[str, Any] = {"beneficiaries": len(results), "fills": len(fill_rows)}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    run.counts = counts
    run.timings = timings
    run.through = through
    run.status = Glp1Run.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.message = (
        f"{len(results):,} beneficiaries as of {as_of.isoformat()}: {counts.get(engine.LIKELY, 0):,} likely eligible, "
        f"{counts.get(engine.CONFIRM, 0):,} to confirm, {counts.get(engine.TREATED, 0):,} treated; "
        f"{len(fill_rows):,} GLP-1 fills"
    )
    run.save(update_fields=["counts", "timings", "through", "status", "finished_at", "message"])


def _whole_months(start: dt.date, through: dt.date, limit: int) -> int:
    """Whole months from ``start`` that end on or before ``through``, at most ``limit``."""
    months = 0
    while months < limit and engine.add_months(start, months + 1) - dt.timedelta(days=1) <= through:
        months += 1
    return months


BENE_COLUMNS = [
    "run_id", "aco_id", "mbi", "tin", "npi", "first_name", "last_name", "status", "criterion", "reasons", "reason_keys",
    "age", "part_d_active", "part_d_last_fill", "bmi_code", "bmi_date", "bmi_claim_id", "bmi_source", "bmi_class",
    "comorbidities", "therapy_start", "product", "products", "switched", "fills", "days_supply", "last_fill",
    "covered_through", "pdc", "pdc_90", "pdc_180", "gaps", "discontinued_on", "months_supplied", "drug_cost_cents",
    "copay_cents", "patient_paid_cents", "spend_before_cents", "months_before", "spend_after_cents", "months_after",
]  # fmt: skip
FILL_COLUMNS = [
    "run_id", "aco_id", "mbi", "fill_date", "ndc", "product", "bridge", "days_supply", "claim_id",
    "patient_paid_cents",
]  # fmt: skip


def _json(values: list[Any]) -> str:
    """JSON text of a list (most are empty: no encoder call for them)."""
    return json.dumps(values) if values else "[]"


def _beneficiary_row(
    run_id: int,
    person: tuple[Any, ...],
    r: engine.Result,
    spend: tuple[int, int] | None,
    months_after: int,
    p: Parameters,
) -> tuple[Any, ...]:
    mbi, aco_id, tin, npi, first, last = person[:6]
    t = r.therapy
    part_d_active = r.part_d_last_fill is not None
    before = after = None
    if t is not None:
        before = spend[0] if spend else 0
        after = (spend[1] if spend else 0) if months_after else None
    return (
        run_id, aco_id, mbi, tin or "", npi or "", first or "", last or "", r.status, r.criterion[:120],
        _json(r.reasons), _json(r.reason_keys), r.age, part_d_active, r.part_d_last_fill,
        r.bmi.code if r.bmi else "", r.bmi.date if r.bmi else None, r.bmi.claim_id if r.bmi else None,
        r.bmi.source if r.bmi else None, r.bmi_class, _json(r.comorbidity_rows() if r.comorbidities else []),
        t.start if t else None, t.product if t else "", _json(t.products if t else []),
        bool(t and t.switched), t.fills if t else 0, t.days_supply if t else 0, t.last_fill if t else None,
        t.covered_through if t else None, t.pdc if t else None, t.pdc_90 if t else None,
        t.pdc_180 if t else None, t.gaps if t else 0, t.discontinued_on if t else None,
        t.months_supplied if t else 0, t.drug_cost_cents if t else 0, t.copay_cents if t else 0,
        t.patient_paid_cents if t else 0, before, p.spending_window_months if t else 0, after, months_after,
    )  # fmt: skip
