"""Writes of the rural add-on: one run computes, for a performance year over one alignment run, each
Participant TIN's rurality, each ACO's eligibility, its beneficiaries by RUCA category and the monthly
payment lines of the qualifying ACOs (docs/rural.md). Called by the performance pipeline."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.acos.models import Election, ModelParameters, ParticipantTIN
from apps.alignment.models import AlignedBeneficiary, AlignmentRun
from apps.claims.models import Beneficiary

from . import engine
from .models import RuralBeneficiaries, RuralEligibility, RuralPaymentLine, RuralRun, RuralTIN
from .reference import ruca_primary

logger = logging.getLogger(__name__)


def _rate(performance_year: int) -> tuple[Decimal, str]:
    rate = ModelParameters.objects.filter(performance_year=performance_year).values_list("rural_addon_pbpm", flat=True)
    found = rate.first()
    if found is not None:
        return found, ""
    default = Decimal(str(ModelParameters._meta.get_field("rural_addon_pbpm").get_default()))
    return default, f"No model parameters are set for PY{performance_year}: the default rate ${default} was used."


def rural_run_execute(
    *,
    alignment_run: AlignmentRun,
    performance_year: int,
    as_of: dt.date | None = None,
    actual_through: dt.date | None = None,
) -> RuralRun:
    """Compute the rural add-on of every ACO for the PY from ``alignment_run``. Months ending on or
    before ``actual_through`` (default ``as_of``; neither: all) are actual, later ones projected."""
    cut_off = actual_through if actual_through is not None else as_of
    run = RuralRun.objects.create(performance_year=performance_year, alignment_run=alignment_run, as_of=cut_off)
    try:
        with transaction.atomic():
            _compute(run, cut_off)
    except Exception as exc:
        logger.exception("Rural add-on run %s failed", run.pk)
        run.status, run.message, run.finished_at = RuralRun.Status.FAILED, str(exc)[:2000], timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        raise
    return run


def _compute(run: RuralRun, cut_off: dt.date | None) -> None:
    py = run.performance_year
    ruca = ruca_primary()
    rate, note = _rate(py)

    # Participant TINs of the PY: rurality, and the units (TINs, CCNs) a beneficiary may be aligned through.
    tins: list[RuralTIN] = []
    rural_tin_set: dict[int, set[str]] = defaultdict(set)
    rural_ccns: dict[int, set[str]] = defaultdict(set)  # aco → the CCNs listed on its rural TINs
    rural_tins: dict[int, list[str]] = defaultdict(list)
    new_to_aco: dict[int, bool] = defaultdict(bool)
    unknown_zips: set[str] = set()
    acos: set[int] = set()
    participants = ParticipantTIN.objects.filter(performance_year=py).values_list(
        "aco_id", "tin", "legal_name", "facility_type", "practice_zip", "ccns", "new_to_aco"
    )
    for aco_id, tin, legal_name, facility, zip_code, ccns, new in participants.order_by("aco_id", "tin"):
        acos.add(aco_id)
        new_to_aco[aco_id] |= new
        rurality = engine.tin_rurality(facility, zip_code, ruca)
        tins.append(
            RuralTIN(
                run=run, aco_id=aco_id, tin=tin, legal_name=legal_name, facility_type=facility,
                practice_zip=zip_code, ruca=rurality.ruca, rural=rurality.rural, rule=rurality.rule,
            )
        )  # fmt: skip
        if rurality.rural is None:
            unknown_zips.add(zip_code)
        if rurality.rural:
            rural_tins[aco_id].append(tin)
            rural_tin_set[aco_id].add(tin)
            rural_ccns[aco_id].update(str(c) for c in (ccns or []))
    newly_entering = dict(Election.objects.filter(performance_year=py).values_list("aco_id", "newly_entering"))

    # Aligned beneficiaries joined in Python to their CCLF8 ZIP and date of death.
    aligned = list(
        AlignedBeneficiary.objects.filter(run=run.alignment_run).values_list(
            "aco_id", "mbi", "tin", "unit_kind", "effective_from"
        )
    )
    people = {
        mbi: (zip_code, death)
        for mbi, zip_code, death in Beneficiary.objects.filter(
            mbi__in=AlignedBeneficiary.objects.filter(run=run.alignment_run).values("mbi")
        ).values_list("mbi", "zip_code", "death_date")
    }
    categories: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    schedule_rows: dict[int, list[tuple[dt.date | None, dt.date | None]]] = defaultdict(list)
    for aco_id, mbi, unit, kind, effective_from in aligned:
        acos.add(aco_id)
        zip_code, death = people.get(mbi, ("", None))
        tally = categories[(aco_id, engine.beneficiary_category(zip_code, ruca))]
        tally[0] += 1
        # Through a rural TIN: the aligning unit is one of the ACO's rural TINs, or a CCN listed on one.
        units = rural_ccns.get(aco_id, set()) if kind == "ccn" else rural_tin_set.get(aco_id, set())
        if unit and unit in units:
            tally[1] += 1
            schedule_rows[aco_id].append((effective_from, death))

    eligibility: list[RuralEligibility] = []
    lines: list[RuralPaymentLine] = []
    qualifying = 0
    total_amount = Decimal("0.00")
    member_months = 0
    for aco_id in sorted(acos):
        qualifies, reason = engine.eligibility(
            rural_tins.get(aco_id, []), newly_entering.get(aco_id, False), new_to_aco[aco_id]
        )
        eligibility.append(
            RuralEligibility(
                run=run, aco_id=aco_id, qualifies=qualifies, reason=reason, rate=rate,
                newly_entering=newly_entering.get(aco_id, False), any_new_to_aco=new_to_aco[aco_id],
            )
        )  # fmt: skip
        if not qualifies:
            continue
        qualifying += 1
        for month in engine.schedule(schedule_rows.get(aco_id, []), rate, py, cut_off):
            lines.append(
                RuralPaymentLine(
                    run=run, aco_id=aco_id, month=month.month, member_months=month.member_months,
                    rate=rate, amount=month.amount, kind=month.kind,
                )
            )  # fmt: skip
            total_amount += month.amount
            member_months += month.member_months

    RuralTIN.objects.bulk_create(tins, batch_size=2000)
    RuralEligibility.objects.bulk_create(eligibility, batch_size=2000)
    RuralBeneficiaries.objects.bulk_create(
        [
            RuralBeneficiaries(run=run, aco_id=aco_id, category=category, count=n, via_rural_tin=via)
            for (aco_id, category), (n, via) in sorted(categories.items())
        ],
        batch_size=2000,
    )
    RuralPaymentLine.objects.bulk_create(lines, batch_size=2000)

    run.counts = {
        "acos": len(acos),
        "qualifying_acos": qualifying,
        "tins": len(tins),
        "rural_tins": sum(len(v) for v in rural_tins.values()),
        "unknown_zip_tins": sum(1 for t in tins if t.rural is None),
        "unknown_zips": sorted(unknown_zips),
        "beneficiaries": len(aligned),
        "via_rural_tin": sum(len(v) for v in schedule_rows.values()),
        "unknown_zip_beneficiaries": sum(n for (_aco, c), (n, _via) in categories.items() if c == engine.UNKNOWN),
        "member_months": member_months,
        "amount": str(total_amount),
        "rate": str(rate),
    }
    run.message = note
    run.status, run.finished_at = RuralRun.Status.SUCCEEDED, timezone.now()
    run.save(update_fields=["counts", "message", "status", "finished_at"])
