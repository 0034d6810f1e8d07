"""Running alignment for a performance year: read the netted claims, beneficiaries, lists and
voluntary alignments as columns, hand them to the pure engine (``engine.align``) and store the
result of every aligned beneficiary with its explanation. One ``AlignmentRun`` per computation,
claimed by a conditional UPDATE so a redelivered task does nothing twice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import User
from apps.acos.models import ACO, ParticipantTIN
from apps.claims.models import (
    Beneficiary,
    CCLFFile,
    PartAClaim,
    PartARevenueLine,
    PartBLine,
    VoluntaryAlignment,
)

from . import engine
from .models import AlignedBeneficiary, AlignmentRun

log = logging.getLogger(__name__)
RHC_FQHC_REVENUE_CENTERS = ("0521", "0522", "0524", "0525")
BATCH = 5000


def alignment_run_create(*, performance_year: int, acting_user: User | None = None) -> AlignmentRun:
    run = AlignmentRun(performance_year=performance_year, created_by=acting_user)
    run.full_clean()
    run.save()
    return run


def _dates(values: Sequence[Any]) -> np.ndarray:
    return np.array([v if v else None for v in values], dtype="datetime64[D]")


def _cents(values: Sequence[Any]) -> np.ndarray:
    return np.rint(np.array([float(v or 0) for v in values], dtype=np.float64) * 100).astype(np.int64)


def _text(values: Sequence[Any]) -> np.ndarray:
    return np.array([(v or "").strip() for v in values], dtype=object)


def load_inputs(
    performance_year: int,
) -> tuple[engine.Beneficiaries, engine.Services, engine.Entities, engine.Voluntary]:
    """The engine's inputs, read set-based. Claims: netted (current) lines of the two alignment
    years; Part B lines that were denied count for nothing and are left out."""
    (ay1_start, _), (_, ay2_end) = engine.alignment_years(performance_year)
    benes = list(Beneficiary.objects.values_list("mbi", "death_date", "part_a_start", "part_b_start", "state"))
    beneficiaries = engine.Beneficiaries(
        mbi=np.array([b[0] for b in benes], dtype=object),
        death_date=_dates([b[1] for b in benes]),
        part_a_start=_dates([b[2] for b in benes]),
        part_b_start=_dates([b[3] for b in benes]),
        state=_text([b[4] for b in benes]),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT current_mbi, clm_line_from_dt, clm_line_hcpcs_cd, clm_pos_cd, clm_prvdr_spclty_cd, "
            f"clm_rndrg_prvdr_tax_num, rndrg_prvdr_npi_num, clm_line_alowd_chrg_amt "
            f"FROM {PartBLine._meta.db_table} "
            f"WHERE is_current AND NOT is_denied AND current_mbi <> '' AND clm_line_from_dt BETWEEN %s AND %s",
            [ay1_start, ay2_end],
        )
        part_b = cursor.fetchall()
        cursor.execute(
            f"SELECT l.current_mbi, l.clm_line_from_dt, l.clm_line_hcpcs_cd, l.clm_line_prod_rev_ctr_cd, "
            f"l.clm_line_cvrd_pd_amt, h.prvdr_oscar_num "
            f"FROM {PartARevenueLine._meta.db_table} l "
            f"JOIN {PartAClaim._meta.db_table} h ON h.cur_clm_uniq_id = l.cur_clm_uniq_id AND h.is_current "
            f"WHERE l.is_current AND l.current_mbi <> '' AND h.clm_type_cd = 40 AND h.clm_bill_fac_type_cd = '7' "
            f"AND h.clm_bill_clsfctn_cd IN ('1', '7') AND l.clm_line_from_dt BETWEEN %s AND %s",
            [ay1_start, ay2_end],
        )
        rural = cursor.fetchall()
    # 3b: revenue center 0521/0522/0524/0525, or a PQEM HCPCS on the line.
    if rural:
        hcpcs = _text([r[2] for r in rural])
        keep = np.isin(_text([r[3] for r in rural]), RHC_FQHC_REVENUE_CENTERS) | engine.is_pqem_array(hcpcs)
        rural = [r for r, k in zip(rural, keep, strict=True) if k]
    n_b, n_r = len(part_b), len(rural)
    blank_r = np.full(n_r, "", dtype=object)
    blank_b = np.full(n_b, "", dtype=object)
    services = engine.Services(
        mbi=np.concatenate([_text([r[0] for r in part_b]), _text([r[0] for r in rural])]),
        from_date=np.concatenate([_dates([r[1] for r in part_b]), _dates([r[1] for r in rural])]),
        kind=np.concatenate([np.full(n_b, "B", dtype=object), np.full(n_r, "R", dtype=object)]),
        hcpcs=np.concatenate([_text([r[2] for r in part_b]), _text([r[2] for r in rural])]),
        pos=np.concatenate([_text([r[3] for r in part_b]), blank_r]),
        specialty=np.concatenate([_text([r[4] for r in part_b]), blank_r]),
        tin=np.concatenate([_text([r[5] for r in part_b]), blank_r]),
        npi=np.concatenate([_text([r[6] for r in part_b]), blank_r]),
        ccn=np.concatenate([blank_b, _text([r[5] for r in rural])]),
        charge_cents=np.concatenate([_cents([r[7] for r in part_b]), _cents([r[4] for r in rural])]),
    )
    tin_to_aco: dict[str, str] = {}
    ccn_to_aco: dict[str, str] = {}
    for tin, ccns, aco_id in ParticipantTIN.objects.filter(performance_year=performance_year).values_list(
        "tin", "ccns", "aco__aco_id"
    ):
        tin_to_aco[tin] = aco_id
        for ccn in ccns or []:
            ccn_to_aco[ccn] = aco_id
    vas = list(VoluntaryAlignment.objects.values_list("mbi", "aco__aco_id", "tin", "npi", "signed_date"))
    voluntary = engine.Voluntary(
        mbi=_text([v[0] for v in vas]),
        aco_id=_text([v[1] for v in vas]),
        tin=_text([v[2] for v in vas]),
        npi=_text([v[3] for v in vas]),
        signed_date=_dates([v[4] for v in vas]),
    )
    return beneficiaries, services, engine.Entities(tin_to_aco, ccn_to_aco), voluntary


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def alignment_run_execute(*, run_id: int) -> AlignmentRun:
    """Compute and store alignment for the run's performance year (all ACOs)."""
    claimed = AlignmentRun.objects.filter(pk=run_id, status=AlignmentRun.Status.REQUESTED).update(
        status=AlignmentRun.Status.RUNNING, started_at=timezone.now()
    )
    run = AlignmentRun.objects.get(pk=run_id)
    if not claimed:
        return run
    try:
        data_version = CCLFFile.objects.aggregate(v=Max("id"))["v"] or 0
        inputs = load_inputs(run.performance_year)
        results = engine.align(run.performance_year, *inputs)
        acos = dict(ACO.objects.values_list("aco_id", "pk"))
        with transaction.atomic():
            AlignedBeneficiary.objects.filter(run=run).delete()
            rows = [
                AlignedBeneficiary(
                    run=run,
                    mbi=r.mbi,
                    aco_id=acos[r.aco_id],
                    alignment_type=r.alignment_type,
                    step=r.step,
                    tin=r.tin or "",
                    unit_kind=r.unit_kind or "",
                    npi=r.npi or "",
                    explanation=_jsonable(dataclasses.asdict(r.explanation)),
                )
                for r in results
                if r.aco_id in acos
            ]
            for i in range(0, len(rows), BATCH):
                AlignedBeneficiary.objects.bulk_create(rows[i : i + BATCH])
            by_aco: dict[str, dict[str, int]] = {}
            for r in results:
                counts = by_aco.setdefault(r.aco_id, {"claims": 0, "voluntary": 0})
                counts[r.alignment_type] += 1
            run.counts = {"beneficiaries": len(inputs[0].mbi), "service_lines": len(inputs[1].mbi), "acos": by_aco}
            run.data_version = data_version
            run.status = AlignmentRun.Status.SUCCEEDED
            run.message = f"{len(rows):,} beneficiaries aligned across {len(by_aco)} ACO(s)."
            run.finished_at = timezone.now()
            run.save()
    except Exception as exc:  # the run ends with its reason; the worker's log has the trace
        log.exception("Alignment run %s failed", run_id)
        run.status = AlignmentRun.Status.FAILED
        run.message = f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.save()
    return run


def latest_run(*, performance_year: int) -> AlignmentRun | None:
    return (
        AlignmentRun.objects.filter(performance_year=performance_year, status=AlignmentRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )
