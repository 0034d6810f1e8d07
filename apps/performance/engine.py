"""The money of one ACO and performance year (docs/money.md): an **estimate**.

Pure functions over plain numbers: no ORM, no I/O. Amounts are ``Decimal`` dollars; every percentage
comes from the performance year's model parameters.

The rule, as implemented here (the choices the sources leave open are marked *choice*, as in docs/money.md):

- *Expenditure* and *member-months* per cohort arrive summed (``CohortInput``). PBPM = expenditure /
  member-months.
- *Benchmark PBPM* per cohort: the figure CMS published wins and is taken as final (*choice*: no
  discount is applied on top of it). Otherwise the estimate: each base year's PBPM of the same
  beneficiaries (the three calendar years before the PY) trended to the PY by the trend parameter
  compounded per year (*choice*: ``× (1 + trend)^(PY − year)``), weighted 1/3 each (newly entering:
  10/30/60 %); a base year with no member-months drops out and the others' weights are rescaled
  (*choice*). Global ACOs then take the discount: the higher-spending rate when the ACO's base-year
  PBPM is above the portal-wide one (the caller decides, *choice*), the lower-spending rate otherwise.
- *Benchmark dollars* = Σ cohort benchmark PBPM × member-months.
- *Quality withhold* = withhold % × benchmark dollars; earned back = withhold × TQS / 100 (no score:
  nothing earned back).
- *Gross savings (loss)* = benchmark dollars − withhold + earned back − expenditure (*choice*: the
  benchmark the savings are measured against is the quality-adjusted one, as in ACO REACH).
- *Shared savings (loss)*: the corridor table of the ACO's risk option applied to |gross| as a % of
  the benchmark dollars, band by band, the same bands for savings and losses; then sequestration
  reduces the shared amount (savings and losses alike, as docs/money.md says).
- *PCC* (ACOs that elect Primary Care Capitation): base = base % × benchmark dollars; enhanced =
  max(target % × benchmark − base, floor % × benchmark), paid during the year and recouped at
  settlement. *TCC* (Global only) is reported as elected; it moves no money in the estimate.
- *Estimated settlement* = shared savings (loss) after sequestration − enhanced PCC recouped.
- The rural add-on is never reconciled: shown beside the settlement, never in it.
- *Withheld for capitation*: the CCLFA/CCLFB reduction amounts of the cohorts' claims (what CMS kept
  back from fee-for-service payments because the capitation payment covers those services). The
  claims' paid amounts in expenditure are already net of them (the expenditure of docs/money.md is exact),
  so they are shown beside the settlement, with the capitation lines, and move nothing in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
EQUAL_WEIGHTS = (Decimal(1) / 3, Decimal(1) / 3, Decimal(1) / 3)
NEWLY_ENTERING_WEIGHTS = (Decimal("0.10"), Decimal("0.30"), Decimal("0.60"))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Band:
    """Savings or losses from ``low`` % to ``high`` % of the benchmark (``None``: no upper end) are
    shared at ``share`` %."""

    low: Decimal
    high: Decimal | None
    share: Decimal


def bands_from(rows: Sequence[Sequence[object]]) -> tuple[Band, ...]:
    """Corridor rows as stored in the model parameters: ``[[from %, to % or null, ACO share %], …]``."""
    out = []
    for low, high, share in rows:
        out.append(Band(Decimal(str(low)), None if high is None else Decimal(str(high)), Decimal(str(share))))
    return tuple(sorted(out, key=lambda b: b.low))


@dataclass(frozen=True)
class Parameters:
    performance_year: int
    risk_option: str  # "global" or "professional"
    corridors: tuple[Band, ...]
    newly_entering: bool = False
    capitation: str = "none"
    higher_spending: bool = False
    discount_higher_pct: Decimal = Decimal("1.75")
    discount_lower_pct: Decimal = Decimal("3")
    withhold_pct: Decimal = Decimal("3")
    sequestration_pct: Decimal = Decimal("2")
    trend_pct: Decimal = Decimal("3")
    pcc_base_pct: Decimal = Decimal("4")
    pcc_target_pct: Decimal = Decimal("7")
    pcc_floor_pct: Decimal = Decimal("2")
    rural_addon: Decimal | None = None  # dollars of the PY's add-on schedule, when the ACO has one

    @property
    def is_global(self) -> bool:
        return self.risk_option == "global"


@dataclass(frozen=True)
class BaseYear:
    year: int
    expenditure: Decimal
    member_months: int


@dataclass(frozen=True)
class CohortInput:
    cohort: str
    member_months: int
    expenditure: Decimal
    base_years: tuple[BaseYear, ...] = ()
    published_pbpm: Decimal | None = None
    capitation_reduction: Decimal = ZERO  # CCLFA/CCLFB reduction amounts of the PY's claims


@dataclass(frozen=True)
class BaseYearUse:
    year: int
    pbpm: Decimal
    weight: Decimal
    trend_factor: Decimal
    member_months: int
    expenditure: Decimal


@dataclass(frozen=True)
class CohortBenchmark:
    cohort: str
    member_months: int
    expenditure: Decimal
    pbpm: Decimal | None  # expenditure PBPM (None without member-months)
    source: str  # "published", "estimate" or "none"
    benchmark_before_discount: Decimal | None  # PBPM
    discount_pct: Decimal
    benchmark: Decimal | None  # PBPM after the discount
    base_years: tuple[BaseYearUse, ...] = ()

    @property
    def benchmark_dollars(self) -> Decimal:
        return (self.benchmark or ZERO) * self.member_months

    @property
    def benchmark_before_discount_dollars(self) -> Decimal:
        return (self.benchmark_before_discount or ZERO) * self.member_months


@dataclass(frozen=True)
class CorridorPiece:
    low: Decimal
    high: Decimal | None
    share: Decimal
    amount: Decimal  # dollars of gross savings (loss) falling in the band
    aco_amount: Decimal  # the ACO's part of them


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    amount: Decimal
    kind: str  # "total" (a level) or "step" (a change to the running total)


@dataclass(frozen=True)
class Settlement:
    cohorts: tuple[CohortBenchmark, ...]
    member_months: int
    expenditure: Decimal
    benchmark_before_discount: Decimal
    discount: Decimal
    benchmark: Decimal
    withhold: Decimal
    earned_back: Decimal
    gross_savings: Decimal
    gross_savings_pct: Decimal | None
    corridor: tuple[CorridorPiece, ...]
    shared: Decimal
    sequestration: Decimal
    shared_after_sequestration: Decimal
    pcc_base: Decimal
    pcc_enhanced: Decimal
    settlement: Decimal
    rural_addon: Decimal | None
    # Withheld from fee-for-service claims for capitation: beside the settlement, never in it.
    capitation_reduction: Decimal = ZERO
    notes: tuple[str, ...] = field(default=())

    @property
    def pbpm(self) -> Decimal | None:
        return self.expenditure / self.member_months if self.member_months else None

    @property
    def capitation_reduction_pbpm(self) -> Decimal | None:
        return self.capitation_reduction / self.member_months if self.member_months else None

    @property
    def benchmark_pbpm(self) -> Decimal | None:
        return self.benchmark / self.member_months if self.member_months else None

    def lines(self) -> list[Line]:
        """The settlement as a waterfall, from the benchmark before discount to the estimate."""
        out = [Line("benchmark_before_discount", "Benchmark before discount", self.benchmark_before_discount, "total")]
        if self.discount:
            out.append(Line("discount", "Benchmark discount (Global)", -self.discount, "step"))
        out += [
            Line("withhold", "Quality withhold", -self.withhold, "step"),
            Line("earned_back", "Withhold earned back", self.earned_back, "step"),
            Line("expenditure", "Expenditure", -self.expenditure, "step"),
            Line("gross_savings", "Gross savings (loss)", self.gross_savings, "total"),
            Line("cms_share", "CMS share (risk corridors)", self.shared - self.gross_savings, "step"),
            Line("sequestration", "Sequestration", -self.sequestration, "step"),
        ]
        if self.pcc_enhanced:
            out.append(Line("pcc_recouped", "Enhanced PCC recouped", -self.pcc_enhanced, "step"))
        out.append(Line("settlement", "Estimated settlement", self.settlement, "total"))
        return out


def _pct(value: Decimal, pct: Decimal) -> Decimal:
    return value * pct / HUNDRED


def cohort_benchmark(item: CohortInput, params: Parameters) -> CohortBenchmark:
    """The benchmark PBPM of one cohort, published or estimated, with the base years it came from."""
    pbpm = item.expenditure / item.member_months if item.member_months else None
    if item.published_pbpm is not None:
        return CohortBenchmark(
            item.cohort, item.member_months, item.expenditure, pbpm, "published",
            item.published_pbpm, ZERO, item.published_pbpm,
        )  # fmt: skip
    weights = NEWLY_ENTERING_WEIGHTS if params.newly_entering else EQUAL_WEIGHTS
    by_year = {b.year: b for b in item.base_years}
    uses: list[tuple[BaseYear, Decimal, Decimal]] = []
    for offset, weight in zip((3, 2, 1), weights, strict=True):
        year = params.performance_year - offset
        base = by_year.get(year)
        if base is None or base.member_months <= 0:
            continue
        factor = (1 + params.trend_pct / HUNDRED) ** offset
        uses.append((base, weight, factor))
    if not uses:
        return CohortBenchmark(item.cohort, item.member_months, item.expenditure, pbpm, "none", None, ZERO, None)
    total_weight = sum((w for _, w, _ in uses), ZERO)
    used = tuple(
        BaseYearUse(
            year=b.year,
            pbpm=b.expenditure / b.member_months,
            weight=w / total_weight,
            trend_factor=f,
            member_months=b.member_months,
            expenditure=b.expenditure,
        )
        for b, w, f in uses
    )
    # Benchmark PBPMs are dollars and cents, as CMS publishes them.
    before = cents(sum((u.pbpm * u.trend_factor * u.weight for u in used), ZERO))
    discount_pct = ZERO
    if params.is_global:
        discount_pct = params.discount_higher_pct if params.higher_spending else params.discount_lower_pct
    after = cents(before * (1 - discount_pct / HUNDRED))
    return CohortBenchmark(
        item.cohort, item.member_months, item.expenditure, pbpm, "estimate", before, discount_pct, after, used
    )


def share_by_corridors(
    gross: Decimal, benchmark: Decimal, bands: Sequence[Band]
) -> tuple[Decimal, tuple[CorridorPiece, ...]]:
    """The ACO's part of gross savings (positive) or losses (negative), band by band."""
    if not gross or benchmark <= 0:
        return ZERO, ()
    sign = 1 if gross > 0 else -1
    size_pct = abs(gross) / benchmark * HUNDRED
    pieces = []
    total = ZERO
    for band in bands:
        top = size_pct if band.high is None else min(size_pct, band.high)
        if top <= band.low:
            continue
        amount = _pct(benchmark, top - band.low) * sign
        aco_amount = _pct(amount, band.share)
        pieces.append(CorridorPiece(band.low, band.high, band.share, amount, aco_amount))
        total += aco_amount
    return total, tuple(pieces)


def settle(cohorts: Sequence[CohortInput], params: Parameters, *, tqs: float | None) -> Settlement:
    """The estimated settlement of one ACO for its performance year."""
    notes: list[str] = []
    benchmarks = tuple(cohort_benchmark(c, params) for c in cohorts)
    member_months = sum(c.member_months for c in cohorts)
    expenditure = cents(sum((c.expenditure for c in cohorts), ZERO))
    missing = [b.cohort for b in benchmarks if b.source == "none" and b.member_months]
    if missing:
        notes.append(
            "No benchmark for " + ", ".join(missing) + ": no base-year months and no published figure; "
            "those member-months count at a benchmark of $0."
        )
    before = cents(sum((b.benchmark_before_discount_dollars for b in benchmarks), ZERO))
    benchmark = cents(sum((b.benchmark_dollars for b in benchmarks), ZERO))
    discount = before - benchmark
    withhold = cents(_pct(benchmark, params.withhold_pct))
    if tqs is None:
        earned_back = ZERO
        notes.append("No Total Quality Score yet: nothing of the withhold is counted as earned back.")
    else:
        earned_back = cents(withhold * Decimal(str(tqs)) / HUNDRED)
    gross = benchmark - withhold + earned_back - expenditure
    gross_pct = gross / benchmark * HUNDRED if benchmark > 0 else None
    shared, pieces = share_by_corridors(gross, benchmark, params.corridors)
    shared = cents(shared)
    sequestration = cents(_pct(shared, params.sequestration_pct))
    after_seq = shared - sequestration
    pcc_base = pcc_enhanced = ZERO
    if params.capitation == "pcc":
        pcc_base = cents(_pct(benchmark, params.pcc_base_pct))
        pcc_enhanced = cents(
            max(_pct(benchmark, params.pcc_target_pct) - pcc_base, _pct(benchmark, params.pcc_floor_pct))
        )
    elif params.capitation == "tcc":
        notes.append("Total Care Capitation elected: it replaces claims payments and moves no money in this estimate.")
    return Settlement(
        cohorts=benchmarks,
        member_months=member_months,
        expenditure=expenditure,
        benchmark_before_discount=before,
        discount=discount,
        benchmark=benchmark,
        withhold=withhold,
        earned_back=earned_back,
        gross_savings=gross,
        gross_savings_pct=gross_pct,
        corridor=pieces,
        shared=shared,
        sequestration=sequestration,
        shared_after_sequestration=after_seq,
        pcc_base=pcc_base,
        pcc_enhanced=pcc_enhanced,
        settlement=after_seq - pcc_enhanced,
        rural_addon=params.rural_addon,
        capitation_reduction=cents(sum((c.capitation_reduction for c in cohorts), ZERO)),
        notes=tuple(notes),
    )
