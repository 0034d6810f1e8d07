"""Reads of the rural add-on: the latest run of a PY, one ACO's overview (its TINs, eligibility,
beneficiaries by RUCA category and payment schedule) and the all-ACO table for CMS. Callers scope the
ACO (ACOScopedMixin); ``all_acos`` is for CMS users only."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from apps.acos.models import ACO, ParticipantTIN

from . import engine
from .models import RuralBeneficiaries, RuralEligibility, RuralPaymentLine, RuralRun, RuralTIN

ZERO = Decimal("0.00")


def latest_run(*, performance_year: int) -> RuralRun | None:
    """The most recent successful rural add-on run of the PY."""
    return (
        RuralRun.objects.filter(performance_year=performance_year, status=RuralRun.Status.SUCCEEDED)
        .select_related("alignment_run")
        .order_by("-finished_at", "-id")
        .first()
    )


@dataclass
class CategoryRow:
    category: str
    count: int = 0
    via_rural_tin: int = 0


@dataclass
class Totals:
    member_months: int = 0
    amount: Decimal = ZERO
    actual_amount: Decimal = ZERO
    projected_amount: Decimal = ZERO
    actual_member_months: int = 0
    projected_member_months: int = 0


@dataclass
class Overview:
    aco: ACO
    performance_year: int
    run: RuralRun | None
    tins: list[RuralTIN] = field(default_factory=list)
    eligibility: RuralEligibility | None = None
    categories: list[CategoryRow] = field(default_factory=list)  # every category, in order, zeros kept
    schedule: list[RuralPaymentLine] = field(default_factory=list)  # empty unless the ACO qualifies
    totals: Totals = field(default_factory=Totals)
    unknown_zips: list[str] = field(default_factory=list)  # practice ZIPs not in the RUCA table

    @property
    def rural_tins(self) -> list[RuralTIN]:
        return [t for t in self.tins if t.rural]

    @property
    def qualifies(self) -> bool:
        return self.eligibility is not None and self.eligibility.qualifies

    @property
    def beneficiaries(self) -> int:
        return sum(c.count for c in self.categories)

    @property
    def via_rural_tin(self) -> int:
        return sum(c.via_rural_tin for c in self.categories)


def _totals(lines: list[RuralPaymentLine]) -> Totals:
    t = Totals()
    for line in lines:
        t.member_months += line.member_months
        t.amount += line.amount
        if line.kind == RuralPaymentLine.Kind.ACTUAL:
            t.actual_amount += line.amount
            t.actual_member_months += line.member_months
        else:
            t.projected_amount += line.amount
            t.projected_member_months += line.member_months
    return t


def overview(*, aco: ACO, performance_year: int, run: RuralRun | None = None) -> Overview:
    """One ACO's rural add-on for the PY from ``run`` (default: the latest)."""
    run = run if run is not None else latest_run(performance_year=performance_year)
    result = Overview(aco=aco, performance_year=performance_year, run=run)
    if run is None:
        result.categories = [CategoryRow(c) for c in engine.CATEGORIES]
        return result
    result.tins = list(RuralTIN.objects.filter(run=run, aco=aco).order_by("tin"))
    result.eligibility = RuralEligibility.objects.filter(run=run, aco=aco).first()
    found = {c.category: c for c in RuralBeneficiaries.objects.filter(run=run, aco=aco)}
    result.categories = [
        CategoryRow(c, found[c].count, found[c].via_rural_tin) if c in found else CategoryRow(c)
        for c in engine.CATEGORIES
    ]
    result.schedule = list(RuralPaymentLine.objects.filter(run=run, aco=aco).order_by("month"))
    result.totals = _totals(result.schedule)
    result.unknown_zips = sorted({t.practice_zip for t in result.tins if t.rural is None})
    return result


@dataclass
class ACORow:
    aco: ACO
    qualifies: bool
    reason: str
    rate: Decimal
    tins: int
    rural_tins: int
    unknown_zip_tins: int
    totals: Totals


def all_acos(*, performance_year: int, run: RuralRun | None = None) -> list[ACORow]:
    """Every ACO of the run (default: the PY's latest) with its eligibility, TIN counts and payment
    totals, by ACO ID (CMS view)."""
    run = run if run is not None else latest_run(performance_year=performance_year)
    if run is None:
        return []
    tin_counts: dict[int, list[int]] = {}
    for aco_id, rural in RuralTIN.objects.filter(run=run).values_list("aco_id", "rural"):
        row = tin_counts.setdefault(aco_id, [0, 0, 0])
        row[0] += 1
        row[1] += 1 if rural is True else 0
        row[2] += 1 if rural is None else 0
    lines: dict[int, list[RuralPaymentLine]] = {}
    for line in RuralPaymentLine.objects.filter(run=run):
        lines.setdefault(line.aco_id, []).append(line)
    rows = []
    for e in RuralEligibility.objects.filter(run=run).select_related("aco").order_by("aco__aco_id"):
        n, rural_n, unknown = tin_counts.get(e.aco_id, [0, 0, 0])
        rows.append(
            ACORow(
                aco=e.aco, qualifies=e.qualifies, reason=e.reason, rate=e.rate, tins=n, rural_tins=rural_n,
                unknown_zip_tins=unknown, totals=_totals(lines.get(e.aco_id, [])),
            )
        )  # fmt: skip
    return rows


@dataclass
class BeneficiaryRow:
    mbi: str
    name: str
    tin: str
    zip: str
    ruca: int | None
    category: str
    rule: str
    through_rural_tin: bool


def beneficiary_rows(*, aco: ACO, run: RuralRun, mbis: list[str]) -> list[BeneficiaryRow]:
    """Each of ``mbis`` (aligned to ``aco`` in the run's alignment run) with its CCLF8 ZIP, RUCA code and
    category, the rule that decided, and whether it is aligned through one of the ACO's rural TINs."""
    from apps.alignment.models import AlignedBeneficiary
    from apps.claims.models import Beneficiary

    from .reference import ruca_primary

    ruca = ruca_primary()
    zips = dict(Beneficiary.objects.filter(mbi__in=mbis).values_list("mbi", "zip_code"))
    units = set(RuralTIN.objects.filter(run=run, aco=aco, rural=True).values_list("tin", flat=True))
    listed = ParticipantTIN.objects.filter(aco=aco, performance_year=run.performance_year, tin__in=units)
    ccns = {str(ccn) for values in listed.values_list("ccns", flat=True) for ccn in (values or [])}
    rows = []
    aligned = AlignedBeneficiary.objects.filter(run_id=run.alignment_run_id, aco=aco, mbi__in=mbis).order_by("mbi")
    for mbi, first, last, tin, kind in aligned.values_list("mbi", "first_name", "last_name", "tin", "unit_kind"):
        zip_code = (zips.get(mbi) or "").strip()
        code = ruca.get(zip_code) if zip_code else None
        category = engine.beneficiary_category(zip_code, ruca)
        if not zip_code:
            rule = "no ZIP on file (CCLF8)"
        elif code is None:
            rule = f"ZIP {zip_code} is not in the USDA RUCA table"
        else:
            rule = f"ZIP {zip_code} has RUCA {code}: {'rural' if code >= 4 else 'urban'} ({category})"
        through = tin in units if kind != "ccn" else tin in ccns
        rows.append(BeneficiaryRow(mbi, f"{last}, {first}".strip(", "), tin, zip_code, code, category, rule, through))
    return rows
