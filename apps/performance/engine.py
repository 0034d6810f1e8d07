"""The money of one ACO and performance year (docs/money.md): an **estimate**.

Pure functions over plain numbers: no ORM, no I/O. Amounts are ``Decimal`` dollars; every percentage
comes from the performance year's model parameters.

The rule, as implemented here (the choices the sources leave open are marked *choice*, as in docs/money.md):

- *Expenditure* and *member-months* per cohort arrive summed (``CohortInput``). PBPM = expenditure /
  member-months.
- *Benchmark PBPM* per cohort: the figure CMS published wins and is taken as final (*choice*: no
  discount and no risk adjustment is applied on top of it). Otherwise the estimate, set separately for
  the cohort's claims-aligned and voluntarily aligned beneficiaries (``AlignmentGroup``; a cohort given
  no groups is one claims-aligned group): each base year's PBPM of the same beneficiaries (the three
  calendar years before the PY), **risk-adjusted** by the ratio PY risk ÷ that base year's risk (the
  group's average risk scores, as the caller computed them), the ratio capped to 1 ± the risk ratio cap
  (*assumption*: 3%); no scores, no adjustment (ratio 1). Then trended to the PY by the trend parameter
  compounded per year (*choice*: ``× (1 + trend)^(PY − year)``), weighted 1/3 each (newly entering:
  10/30/60 %); a base year with no member-months drops out and the others' weights are rescaled
  (*choice*). The voluntarily aligned estimate is kept within ± the voluntary cap (10%) of the
  claims-aligned one of the same cohort; a group without base-year months of its own takes the other
  group's estimate (*choice*). Global ACOs then take the discount: the higher-spending rate when the
  ACO's base-year PBPM is above the portal-wide one (the caller decides, *choice*), the lower-spending
  rate otherwise.
- *Benchmark dollars* = Σ group benchmark PBPM × the group's member-months; a cohort's benchmark PBPM is
  its benchmark dollars ÷ its member-months.
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
- *Estimated settlement* = shared savings (loss) after sequestration − enhanced PCC recouped − the CARA
  reconciliation with Preferred Providers.
- *CARA* (docs/cara.md, "Payment"; Portal rule, *assumption*): what CMS pays the ACO's Preferred Providers
  under its episode-based risk arrangements (EBRAs) is charged to the ACO's settlement, what they repay is
  credited to it. ``cara_payments`` is the Σ of the EBRAs' reconciliation amounts (positive: paid to the
  Preferred Providers), so it is taken off the settlement; ``None``: the ACO has no EBRA to reconcile, and
  no line is drawn.
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
ONE = Decimal("1")
HUNDRED = Decimal("100")
EQUAL_WEIGHTS = (Decimal(1) / 3, Decimal(1) / 3, Decimal(1) / 3)
NEWLY_ENTERING_WEIGHTS = (Decimal("0.10"), Decimal("0.30"), Decimal("0.60"))
# The alignment types benchmarks are set for separately (AlignedBeneficiary.alignment_type).
CLAIMS = "claims"
VOLUNTARY = "voluntary"
CARA_LABEL = "CARA reconciliation with Preferred Providers"


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
    risk_ratio_cap_pct: Decimal = Decimal("3")  # PY risk ÷ base-year risk stays within 1 ± this %
    voluntary_cap_pct: Decimal = Decimal("10")  # voluntary benchmark within ± this % of the claims-aligned
    # Σ of the ACO's EBRAs' reconciliation amounts, dollars (positive: CMS paid its Preferred Providers);
    # None: no active or terminated EBRA.
    cara_payments: Decimal | None = None

    @property
    def is_global(self) -> bool:
        return self.risk_option == "global"


@dataclass(frozen=True)
class BaseYear:
    year: int
    expenditure: Decimal
    member_months: int
    risk: Decimal | None = None  # the beneficiaries' average risk score of the year (None: no scores)


@dataclass(frozen=True)
class AlignmentGroup:
    """A cohort's beneficiaries aligned one way (``CLAIMS`` or ``VOLUNTARY``): their PY member-months and
    expenditure, their base years, and their average risk score of the PY (None: no scores)."""

    alignment_type: str
    member_months: int
    expenditure: Decimal
    base_years: tuple[BaseYear, ...] = ()
    risk: Decimal | None = None


@dataclass(frozen=True)
class CohortInput:
    cohort: str
    member_months: int
    expenditure: Decimal
    base_years: tuple[BaseYear, ...] = ()  # every group's together (as spent; never risk-adjusted)
    published_pbpm: Decimal | None = None
    capitation_reduction: Decimal = ZERO  # CCLFA/CCLFB reduction amounts of the PY's claims
    # The groups the benchmark is set for; empty: the cohort is one claims-aligned group of its own
    # figures (``base_years`` with their risks, ``risk`` the PY's).
    groups: tuple[AlignmentGroup, ...] = ()
    risk: Decimal | None = None

    def alignment_groups(self) -> tuple[AlignmentGroup, ...]:
        if self.groups:
            return self.groups
        return (AlignmentGroup(CLAIMS, self.member_months, self.expenditure, self.base_years, self.risk),)


@dataclass(frozen=True)
class BaseYearUse:
    year: int
    pbpm: Decimal
    weight: Decimal
    trend_factor: Decimal
    member_months: int
    expenditure: Decimal
    risk: Decimal | None = None  # the year's average risk score
    risk_ratio_uncapped: Decimal | None = None  # PY risk ÷ the year's risk; None: not risk-adjusted
    risk_ratio: Decimal = ONE  # the ratio applied: the uncapped one within 1 ± the cap, or 1

    @property
    def risk_capped(self) -> bool:
        return self.risk_ratio_uncapped is not None and self.risk_ratio != self.risk_ratio_uncapped

    @property
    def adjusted_pbpm(self) -> Decimal:
        """The year's PBPM at the PY's risk."""
        return self.pbpm * self.risk_ratio

    @property
    def contribution(self) -> Decimal:
        """What the year adds to the benchmark PBPM: risk-adjusted, trended and weighted."""
        return self.adjusted_pbpm * self.trend_factor * self.weight


@dataclass(frozen=True)
class GroupBenchmark:
    """The benchmark of one alignment group of a cohort, with every factor that made it."""

    alignment_type: str
    member_months: int
    expenditure: Decimal
    pbpm: Decimal | None  # expenditure PBPM (None without member-months)
    # "published" (CMS's figure), "estimate" (from the group's base years), "borrowed" (no base-year
    # months of its own: the cohort's other group's estimate) or "none"
    source: str
    risk: Decimal | None  # the PY's average risk score
    risk_adjusted: bool  # at least one base year's PBPM was multiplied by a risk ratio
    estimate: Decimal | None  # Σ base-year contributions (PBPM, cents), before the voluntary cap and discount
    cap_low: Decimal | None  # the voluntary cap's range (PBPM), when it applied
    cap_high: Decimal | None
    benchmark_before_discount: Decimal | None  # PBPM
    discount_pct: Decimal
    benchmark: Decimal | None  # PBPM after the discount
    base_years: tuple[BaseYearUse, ...] = ()

    @property
    def capped(self) -> bool:
        """The voluntary cap moved the estimate."""
        return self.cap_low is not None and self.estimate != self.benchmark_before_discount

    @property
    def benchmark_dollars(self) -> Decimal:
        return (self.benchmark or ZERO) * self.member_months

    @property
    def benchmark_before_discount_dollars(self) -> Decimal:
        return (self.benchmark_before_discount or ZERO) * self.member_months


@dataclass(frozen=True)
class CohortBenchmark:
    cohort: str
    member_months: int
    expenditure: Decimal
    pbpm: Decimal | None  # expenditure PBPM (None without member-months)
    source: str  # "published", "estimate" or "none"
    benchmark_before_discount: Decimal | None  # PBPM (the groups' blended by member-months)
    discount_pct: Decimal
    benchmark: Decimal | None  # PBPM after the discount (the groups' blended by member-months)
    # The cohort's base years as spent, every group together, with their weights and trend factors (never
    # risk-adjusted: each group's own base years, adjusted, are in ``groups``).
    base_years: tuple[BaseYearUse, ...] = ()
    groups: tuple[GroupBenchmark, ...] = ()

    @property
    def risk_adjusted(self) -> bool:
        return any(g.risk_adjusted for g in self.groups)

    @property
    def benchmark_dollars(self) -> Decimal:
        if self.groups:
            return sum((g.benchmark_dollars for g in self.groups), ZERO)
        return (self.benchmark or ZERO) * self.member_months

    @property
    def benchmark_before_discount_dollars(self) -> Decimal:
        if self.groups:
            return sum((g.benchmark_before_discount_dollars for g in self.groups), ZERO)
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
    # The CARA reconciliation (``Parameters.cara_payments``): None without an EBRA.
    cara_payments: Decimal | None = None

    @property
    def settlement_before_cara(self) -> Decimal:
        return self.settlement + (self.cara_payments or ZERO)

    @property
    def cara_change(self) -> Decimal | None:
        """What CARA does to the settlement: a charge (negative) or a credit (positive)."""
        return None if self.cara_payments is None else -self.cara_payments

    @property
    def pbpm(self) -> Decimal | None:
        return self.expenditure / self.member_months if self.member_months else None

    @property
    def risk_adjusted(self) -> bool:
        """Some cohort's estimated benchmark is risk-adjusted."""
        return any(c.risk_adjusted for c in self.cohorts)

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
        if self.cara_change is not None:
            out += [
                Line("before_cara", "Estimated settlement before CARA", self.settlement_before_cara, "total"),
                Line("cara", CARA_LABEL, self.cara_change, "step"),
            ]
        out.append(Line("settlement", "Estimated settlement", self.settlement, "total"))
        return out


def _pct(value: Decimal, pct: Decimal) -> Decimal:
    return value * pct / HUNDRED


def _pbpm(expenditure: Decimal, member_months: int) -> Decimal | None:
    return expenditure / member_months if member_months else None


def _base_year_uses(
    base_years: Sequence[BaseYear], params: Parameters, *, risk: Decimal | None
) -> tuple[BaseYearUse, ...]:
    """The base years that count (with member-months), each with its weight (rescaled over those),
    trend factor and, when the PY ``risk`` and the year's are both known, its risk ratio."""
    weights = NEWLY_ENTERING_WEIGHTS if params.newly_entering else EQUAL_WEIGHTS
    by_year = {b.year: b for b in base_years}
    cap = params.risk_ratio_cap_pct / HUNDRED
    uses: list[tuple[BaseYear, Decimal, Decimal]] = []
    for offset, weight in zip((3, 2, 1), weights, strict=True):
        base = by_year.get(params.performance_year - offset)
        if base is None or base.member_months <= 0:
            continue
        uses.append((base, weight, (1 + params.trend_pct / HUNDRED) ** offset))
    total_weight = sum((w for _, w, _ in uses), ZERO)
    out = []
    for b, w, f in uses:
        uncapped = risk / b.risk if risk is not None and b.risk is not None and b.risk > 0 else None
        ratio = ONE if uncapped is None else min(max(uncapped, ONE - cap), ONE + cap)
        out.append(
            BaseYearUse(
                year=b.year,
                pbpm=b.expenditure / b.member_months,
                weight=w / total_weight,
                trend_factor=f,
                member_months=b.member_months,
                expenditure=b.expenditure,
                risk=b.risk,
                risk_ratio_uncapped=uncapped,
                risk_ratio=ratio,
            )
        )
    return tuple(out)


def _estimate(uses: Sequence[BaseYearUse]) -> Decimal | None:
    # Benchmark PBPMs are dollars and cents, as CMS publishes them.
    return cents(sum((u.contribution for u in uses), ZERO)) if uses else None


def _blend(groups: Sequence[GroupBenchmark], pick: str, member_months: int) -> Decimal | None:
    """A cohort's PBPM from its groups': their dollars over its member-months (without member-months,
    the first group's that has one: claims-aligned first)."""
    values = [(getattr(g, pick), g.member_months) for g in groups]
    known = [v for v, _ in values if v is not None]
    if not known:
        return None
    if not member_months:
        return known[0]
    return sum(((v or ZERO) * mm for v, mm in values), ZERO) / member_months


def cohort_benchmark(item: CohortInput, params: Parameters) -> CohortBenchmark:
    """The benchmark PBPM of one cohort, published or estimated, with the base years it came from and the
    benchmark of each of its alignment groups."""
    pbpm = _pbpm(item.expenditure, item.member_months)
    groups_in = sorted(item.alignment_groups(), key=lambda g: (g.alignment_type != CLAIMS, g.alignment_type))
    combined = _base_year_uses(item.base_years, params, risk=None)
    if item.published_pbpm is not None:
        published = tuple(
            GroupBenchmark(
                g.alignment_type, g.member_months, g.expenditure, _pbpm(g.expenditure, g.member_months), "published",
                g.risk, False, None, None, None, item.published_pbpm, ZERO, item.published_pbpm,
            )
            for g in groups_in
        )  # fmt: skip
        return CohortBenchmark(
            item.cohort, item.member_months, item.expenditure, pbpm, "published",
            item.published_pbpm, ZERO, item.published_pbpm, combined, published,
        )  # fmt: skip
    discount_pct = ZERO
    if params.is_global:
        discount_pct = params.discount_higher_pct if params.higher_spending else params.discount_lower_pct
    uses = {g.alignment_type: _base_year_uses(g.base_years, params, risk=g.risk) for g in groups_in}
    estimates = {t: _estimate(u) for t, u in uses.items()}
    claims_estimate = estimates.get(CLAIMS)
    groups = []
    for g in groups_in:
        estimate = estimates[g.alignment_type]
        before, source, low, high = estimate, "estimate", None, None
        if estimate is None:
            # No base-year months of its own: the other group's estimate (claims-aligned first).
            before = next((e for t, e in estimates.items() if t != g.alignment_type and e is not None), None)
            source = "none" if before is None else "borrowed"
        elif g.alignment_type == VOLUNTARY and claims_estimate is not None:
            low = cents(claims_estimate * (1 - params.voluntary_cap_pct / HUNDRED))
            high = cents(claims_estimate * (1 + params.voluntary_cap_pct / HUNDRED))
            before = min(max(estimate, low), high)
        group_uses = uses[g.alignment_type]
        groups.append(
            GroupBenchmark(
                alignment_type=g.alignment_type,
                member_months=g.member_months,
                expenditure=g.expenditure,
                pbpm=_pbpm(g.expenditure, g.member_months),
                source=source,
                risk=g.risk,
                risk_adjusted=any(u.risk_ratio_uncapped is not None for u in group_uses),
                estimate=estimate,
                cap_low=low,
                cap_high=high,
                benchmark_before_discount=before,
                discount_pct=discount_pct,
                benchmark=None if before is None else cents(before * (1 - discount_pct / HUNDRED)),
                base_years=group_uses,
            )
        )
    if all(g.source == "none" for g in groups):
        return CohortBenchmark(
            item.cohort, item.member_months, item.expenditure, pbpm, "none", None, ZERO, None, combined, tuple(groups)
        )
    return CohortBenchmark(
        item.cohort,
        item.member_months,
        item.expenditure,
        pbpm,
        "estimate",
        _blend(groups, "benchmark_before_discount", item.member_months),
        discount_pct,
        _blend(groups, "benchmark", item.member_months),
        combined,
        tuple(groups),
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
    estimated = [b for b in benchmarks if b.source == "estimate"]
    if estimated and not any(b.risk_adjusted for b in estimated):
        notes.append(
            "The estimated benchmarks are not risk-adjusted: no risk scores of the beneficiaries for the "
            "performance year and its base years."
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
    cara = None if params.cara_payments is None else cents(params.cara_payments)
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
        settlement=after_seq - pcc_enhanced - (cara or ZERO),
        rural_addon=params.rural_addon,
        capitation_reduction=cents(sum((c.capitation_reduction for c in cohorts), ZERO)),
        notes=tuple(notes),
        cara_payments=cara,
    )
