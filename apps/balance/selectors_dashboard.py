"""Aggregate reads of the GLP-1 dashboard: from one GLP-1 run, an ACO's headline figures, funnel, persistence
on therapy by product, cost, Part A/B spending before and after therapy start, its aligning TINs side by side
and its beneficiaries by status with the reasons grouped; and, for CMS, every ACO's headline figures.

Aggregates only: nothing here returns a beneficiary. The ACO functions take the ACO's primary key from a view
or viewset that has already scoped it to the user (``ACOScopedMixin`` / ``ACOScopedViewSet``); every query
filters on it, so another ACO's rows never enter a figure. ``cms_comparison`` answers CMS staff only.

Two rules the pages state:

- **Adherent at 90 (180) days**: a treated beneficiary whose PDC over the first 90 (180) days of therapy is at
  least the run's adherence threshold. Only beneficiaries who started at least 90 (180) days before the run's
  as-of date are counted, in the numerator and the denominator: a later starter cannot have been adherent for
  90 days yet.
- **Adherence by lifestyle participation**: the treated beneficiaries split by whether the ACO has recorded an
  enrolment of theirs in a lifestyle programme (now or before, ``selectors_lifestyle.participation``), each group
  with the adherence figures above. Observational, not causal: who joins a programme differs from who does not.
- **Still on therapy d days after start** (persistence): the Kaplan–Meier estimate of the share not yet
  discontinued d days after ``therapy_start``. Each starter counts until they stop (``discontinued_on``: off
  therapy from that day, so a stop t days after the start counts for every d ≥ t) or, if they have not stopped
  by the as-of date, until the as-of date (censored: followed that long, no longer). At each stop time t the
  estimate falls by the share of those still followed at t (stop or censoring time ≥ t) who stopped at t, so
  it never rises: a late starter leaving the count does not lift the curve.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Coalesce

from apps.accounts.models import User
from apps.acos.models import ACO, ParticipantTIN

from . import engine, selectors
from .models import EligibilityStatus, Glp1Beneficiary, Glp1Run
from .selectors_lifestyle import participation

PERSISTENCE_DAYS: tuple[int, ...] = tuple(range(0, 361, 30))
ALL_PRODUCTS = "All products"
NO_REASON = "No reason recorded"
TREATED = EligibilityStatus.TREATED
# Statuses counted as eligible: likely, to confirm, and those already started (a starter met the criteria).
ELIGIBLE = (EligibilityStatus.LIKELY, EligibilityStatus.CONFIRM, EligibilityStatus.TREATED)


def share(part: int | float | None, whole: int | float | None) -> float | None:
    """``part`` as a percentage of ``whole``, one decimal; None when there is no whole."""
    if part is None or not whole:
        return None
    return round(100.0 * float(part) / float(whole), 1)


def per(total: int | None, n: int | None) -> int | None:
    """A total in cents per unit, rounded to the cent; None when there is no unit."""
    if total is None or not n:
        return None
    return round(total / n)


def adherence_threshold(run: Glp1Run) -> float:
    """The PDC a beneficiary needs to count as adherent: the run's own rule, or the PY's when the run did not
    record one."""
    value = (run.parameters or {}).get("adherence_threshold")
    if value is None:
        return selectors.parameters_for(performance_year=run.performance_year).adherence_threshold
    return float(value)


# --- headline figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """One ACO's (or the whole run's) figures: beneficiaries by status, adherence and drug cost."""

    aligned: int = 0
    likely: int = 0
    confirm: int = 0
    not_eligible: int = 0
    part_d: int = 0
    treated: int = 0
    observed_90: int = 0
    adherent_90: int = 0
    observed_180: int = 0
    adherent_180: int = 0
    mean_pdc: float | None = None
    drug_cost_cents: int = 0
    copay_cents: int = 0

    @property
    def eligible(self) -> int:
        """Likely eligible, needing confirmation, or already started."""
        return self.likely + self.confirm + self.treated

    @property
    def share_treated(self) -> float | None:
        """Started, as a % of the eligible."""
        return share(self.treated, self.eligible)

    @property
    def share_adherent_90(self) -> float | None:
        return share(self.adherent_90, self.observed_90)

    @property
    def share_adherent_180(self) -> float | None:
        return share(self.adherent_180, self.observed_180)


def observed_since(run: Glp1Run, days: int) -> dt.date:
    """The latest therapy start whose first ``days`` days have elapsed by the run's as-of date: only starters
    on or before it count towards "adherent at ``days`` days", in the numerator and the denominator."""
    return run.as_of - dt.timedelta(days=days)


def _headline_aggregates(run: Glp1Run) -> dict[str, Any]:
    """The conditional aggregates of ``Headline``, for ``aggregate`` or a ``values(...).annotate``."""
    threshold = adherence_threshold(run)
    treated = Q(status=TREATED)
    seen_90 = treated & Q(therapy_start__lte=observed_since(run, 90))
    seen_180 = treated & Q(therapy_start__lte=observed_since(run, 180))
    return {
        "aligned": Count("pk"),
        "likely": Count("pk", filter=Q(status=EligibilityStatus.LIKELY)),
        "confirm": Count("pk", filter=Q(status=EligibilityStatus.CONFIRM)),
        "not_eligible": Count("pk", filter=Q(status=EligibilityStatus.NOT_ELIGIBLE)),
        "part_d": Count("pk", filter=Q(status=EligibilityStatus.PART_D)),
        "treated": Count("pk", filter=treated),
        "observed_90": Count("pk", filter=seen_90),
        "adherent_90": Count("pk", filter=seen_90 & Q(pdc_90__gte=threshold)),
        "observed_180": Count("pk", filter=seen_180),
        "adherent_180": Count("pk", filter=seen_180 & Q(pdc_180__gte=threshold)),
        "mean_pdc": Avg("pdc", filter=treated),
        "drug_cost_cents": Coalesce(Sum("drug_cost_cents", filter=treated), 0),
        "copay_cents": Coalesce(Sum("copay_cents", filter=treated), 0),
    }


def _headline(values: dict[str, Any]) -> Headline:
    mean = values.get("mean_pdc")
    return Headline(
        **{k: int(values.get(k) or 0) for k in Headline.__dataclass_fields__ if k != "mean_pdc"},
        mean_pdc=None if mean is None else float(mean),
    )


def aco_headline(*, run: Glp1Run, aco_id: int) -> Headline:
    return _headline(selectors.beneficiaries(run=run, aco_id=aco_id).aggregate(**_headline_aggregates(run)))


# --- funnel ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStage:
    key: str
    label: str
    beneficiaries: int
    of: int  # the stage's base: the previous stage, or the observed starters for the adherence stages
    note: str

    @property
    def share(self) -> float | None:
        return share(self.beneficiaries, self.of)


def funnel(headline: Headline) -> list[FunnelStage]:
    h = headline
    return [
        FunnelStage("aligned", "Aligned", h.aligned, h.aligned, "Every aligned beneficiary of the run."),
        FunnelStage(
            "eligible",
            "Eligible (likely, to confirm or started)",
            h.eligible,
            h.aligned,
            f"{h.likely:,} likely eligible, {h.confirm:,} needing clinical confirmation and {h.treated:,} already "
            "started (a starter met the criteria).",
        ),
        FunnelStage("started", "Started on the Bridge", h.treated, h.eligible, "Treated under the GLP-1 Bridge."),
        FunnelStage(
            "adherent_90",
            "Adherent at 90 days",
            h.adherent_90,
            h.observed_90,
            f"Of the {h.observed_90:,} who started at least 90 days before the as-of date.",
        ),
        FunnelStage(
            "adherent_180",
            "Adherent at 180 days",
            h.adherent_180,
            h.observed_180,
            f"Of the {h.observed_180:,} who started at least 180 days before the as-of date.",
        ),
    ]


# --- persistence -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurvePoint:
    day: int
    at_risk: int  # starters still followed on ``day``: stopped or censored on that day or later
    share: float | None  # Kaplan–Meier % still on therapy on ``day`` (one decimal); None: nobody followed that long


@dataclass(frozen=True)
class Curve:
    product: str
    starters: int
    points: list[CurvePoint]


def follow_up(start: dt.date, stopped: dt.date | None, *, as_of: dt.date) -> tuple[int, bool]:
    """A starter's (days followed, stopped): the days from the start to the discontinuation (an event), or to the
    as-of date when there is none by then (censored; a discontinuation after the as-of date is not known yet)."""
    if stopped is not None and stopped <= as_of:
        return (stopped - start).days, True
    return (as_of - start).days, False


def kaplan_meier(times: Sequence[tuple[int, bool]], days: Sequence[int]) -> list[CurvePoint]:
    """The Kaplan–Meier estimate of the share still on therapy on each of ``days``, from each starter's (days
    followed, stopped). S(d) is the product over the distinct stop times t ≤ d of (1 − stops at t ÷ followed at
    t), where followed at t counts the starters whose stop or censoring time is t or later. A day nobody is
    followed to has no estimate (None), unless everyone followed had already stopped (0%: the curve stays at 0).
    Exact fractions, rounded once."""
    stops = Counter(t for t, stopped in times if stopped)
    steps: list[tuple[int, Fraction]] = []  # (stop time, S from that day on)
    survival = Fraction(1)
    for t in sorted(stops):
        followed = sum(1 for u, _ in times if u >= t)
        survival *= 1 - Fraction(stops[t], followed)
        steps.append((t, survival))
    points = []
    for day in days:
        s = Fraction(1)
        for t, after in steps:
            if t > day:
                break
            s = after
        at_risk = sum(1 for u, _ in times if u >= day)
        estimate = None if at_risk == 0 and s > 0 else round(float(100 * s), 1)
        points.append(CurvePoint(day, at_risk, estimate))
    return points


def persistence_curves(
    starts: Iterable[tuple[str, dt.date, dt.date | None]], *, as_of: dt.date, days: Sequence[int] = PERSISTENCE_DAYS
) -> list[Curve]:
    """Kaplan–Meier share still on therapy by days since start, one curve per product (by name) and one for all
    products (last), from each starter's (product, therapy start, discontinued on). Pure: no database."""
    by_product: dict[str, list[tuple[int, bool]]] = {}
    for product, start, stopped in starts:
        by_product.setdefault(product or "Unknown product", []).append(follow_up(start, stopped, as_of=as_of))
    everyone = [s for rows in by_product.values() for s in rows]

    def curve(name: str, rows: list[tuple[int, bool]]) -> Curve:
        return Curve(name, len(rows), kaplan_meier(rows, days))

    curves = [curve(name, by_product[name]) for name in sorted(by_product)]
    if curves:
        curves.append(curve(ALL_PRODUCTS, everyone))
    return curves


def aco_persistence(*, run: Glp1Run, aco_id: int) -> list[Curve]:
    # Treated beneficiaries only, three columns each: the curves need every start and stop date.
    rows = (
        selectors.beneficiaries(run=run, aco_id=aco_id)
        .filter(status=TREATED, therapy_start__isnull=False, therapy_start__lte=run.as_of)
        .values_list("product", "therapy_start", "discontinued_on")
    )
    return persistence_curves(
        ((product, start, stopped) for product, start, stopped in rows if start is not None), as_of=run.as_of
    )


# --- cost and spending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    treated: int
    drug_cost_cents: int
    copay_cents: int
    patient_paid_cents: int

    @property
    def net_of_copay_cents(self) -> int:
        return self.drug_cost_cents - self.copay_cents

    def per_treated(self, cents: int) -> int | None:
        return per(cents, self.treated)


@dataclass(frozen=True)
class Spending:
    """Part A/B spending of the treated beneficiaries observed both before and after their start."""

    beneficiaries: int
    spend_before_cents: int
    months_before: int
    spend_after_cents: int
    months_after: int

    @property
    def per_month_before_cents(self) -> int | None:
        return per(self.spend_before_cents, self.months_before)

    @property
    def per_month_after_cents(self) -> int | None:
        return per(self.spend_after_cents, self.months_after)


def aco_cost(*, run: Glp1Run, aco_id: int) -> tuple[Cost, Spending]:
    rows = selectors.beneficiaries(run=run, aco_id=aco_id).filter(status=TREATED)
    paired = Q(
        spend_before_cents__isnull=False, spend_after_cents__isnull=False, months_before__gt=0, months_after__gt=0
    )
    zero = 0
    v = rows.aggregate(
        treated=Count("pk"),
        drug=Coalesce(Sum("drug_cost_cents"), zero),
        copay=Coalesce(Sum("copay_cents"), zero),
        paid=Coalesce(Sum("patient_paid_cents"), zero),
        paired=Count("pk", filter=paired),
        before=Coalesce(Sum("spend_before_cents", filter=paired), zero),
        months_pre=Coalesce(Sum("months_before", filter=paired), zero),
        after=Coalesce(Sum("spend_after_cents", filter=paired), zero),
        months_post=Coalesce(Sum("months_after", filter=paired), zero),
    )
    cost = Cost(v["treated"], int(v["drug"]), int(v["copay"]), int(v["paid"]))
    spending = Spending(v["paired"], int(v["before"]), int(v["months_pre"]), int(v["after"]), int(v["months_post"]))
    return cost, spending


# --- per TIN -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TinRow:
    tin: str
    name: str
    aligned: int
    eligible: int
    treated: int
    mean_pdc: float | None

    @property
    def share_treated(self) -> float | None:
        return share(self.treated, self.eligible)


def aco_tins(*, run: Glp1Run, aco_id: int) -> list[TinRow]:
    """The ACO's aligning TINs (or CCNs), most eligible beneficiaries first, with their Participant TIN names of
    the run's PY."""
    names = dict(
        ParticipantTIN.objects.filter(aco_id=aco_id, performance_year=run.performance_year).values_list(
            "tin", "legal_name"
        )
    )
    rows = (
        selectors.beneficiaries(run=run, aco_id=aco_id)
        .values("tin")
        .annotate(
            aligned=Count("pk"),
            eligible=Count("pk", filter=Q(status__in=ELIGIBLE)),
            treated=Count("pk", filter=Q(status=TREATED)),
            mean_pdc=Avg("pdc", filter=Q(status=TREATED)),
        )
        .order_by("tin")
    )
    found = [
        TinRow(
            r["tin"],
            names.get(r["tin"], ""),
            r["aligned"],
            r["eligible"],
            r["treated"],
            None if r["mean_pdc"] is None else float(r["mean_pdc"]),
        )
        for r in rows
    ]
    found.sort(key=lambda t: (-t.eligible, -t.treated, t.tin))
    return found


# --- adherence by lifestyle participation -------------------------------------------------------------------

IN_PROGRAMME, NOT_IN_PROGRAMME = "in_programme", "not_in_programme"
LIFESTYLE_GROUPS = {IN_PROGRAMME: "In a lifestyle programme", NOT_IN_PROGRAMME: "Not in one"}


@dataclass(frozen=True)
class LifestyleRow:
    """The treated beneficiaries in (or not in) a lifestyle programme, with their adherence."""

    key: str
    label: str
    treated: int
    mean_pdc: float | None  # of those with a PDC (0–1)
    observed_90: int  # started at least 90 days before the as-of date
    adherent_90: int  # of those, PDC over the first 90 days at least the threshold
    sessions: int  # sessions recorded for the group (0 for those not in a programme)

    @property
    def share_adherent_90(self) -> float | None:
        return share(self.adherent_90, self.observed_90)

    @property
    def sessions_per_participant(self) -> float | None:
        """Sessions per treated participant, one decimal; None for those not in a programme (or none)."""
        if self.key != IN_PROGRAMME or not self.treated:
            return None
        return round(self.sessions / self.treated, 1)


def lifestyle_rows(
    treated: Iterable[tuple[str, dt.date | None, float | None, float | None]],
    sessions: dict[str, int],
    *,
    observed_by: dt.date,
    threshold: float,
) -> list[LifestyleRow]:
    """Both groups' figures from each treated beneficiary's (MBI, therapy start, PDC, PDC over the first 90 days)
    and the sessions of those in a programme by MBI (an MBI absent: not in one). ``observed_by``: the latest start
    counted at 90 days (``observed_since``). Pure: no database."""
    groups: dict[str, list[tuple[str, dt.date | None, float | None, float | None]]] = {k: [] for k in LIFESTYLE_GROUPS}
    for row in treated:
        groups[IN_PROGRAMME if row[0] in sessions else NOT_IN_PROGRAMME].append(row)
    found = []
    for key, label in LIFESTYLE_GROUPS.items():
        rows = groups[key]
        pdcs = [pdc for _, _, pdc, _ in rows if pdc is not None]
        seen = [pdc_90 for _, start, _, pdc_90 in rows if start is not None and start <= observed_by]
        found.append(
            LifestyleRow(
                key=key,
                label=label,
                treated=len(rows),
                mean_pdc=sum(pdcs) / len(pdcs) if pdcs else None,
                observed_90=len(seen),
                adherent_90=sum(1 for p in seen if p is not None and p >= threshold),
                sessions=sum(sessions.get(mbi, 0) for mbi, *_ in rows) if key == IN_PROGRAMME else 0,
            )
        )
    return found


def aco_lifestyle(*, run: Glp1Run, aco_id: int) -> list[LifestyleRow]:
    """The ACO's treated beneficiaries in a lifestyle programme and not in one, side by side ([] when nobody is
    treated). Only the ACO's own enrolments count (``participation`` is scoped to it): a few queries whatever the
    number of beneficiaries."""
    treated = list(
        selectors.beneficiaries(run=run, aco_id=aco_id)
        .filter(status=TREATED)
        .values_list("mbi", "therapy_start", "pdc", "pdc_90")
    )
    if not treated:
        return []
    aco = ACO.objects.get(pk=aco_id)
    joined = participation(aco=aco, mbis=(mbi for mbi, *_ in treated))
    return lifestyle_rows(
        treated,
        {mbi: p["sessions"] for mbi, p in joined.items()},
        observed_by=observed_since(run, 90),
        threshold=adherence_threshold(run),
    )


# --- statuses and reasons ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusRow:
    status: str
    label: str
    beneficiaries: int


@dataclass(frozen=True)
class ReasonRow:
    status: str
    reason: str
    beneficiaries: int


@dataclass
class Statuses:
    rows: list[StatusRow] = field(default_factory=list)
    reasons: list[ReasonRow] = field(default_factory=list)


def aco_statuses(*, run: Glp1Run, aco_id: int) -> Statuses:
    """Beneficiaries per status (every status, zeros kept), and for "not eligible", "on a GLP-1 under Part D"
    and "needs clinical confirmation" each kind of reason the run gave (``Glp1Beneficiary.reason_keys``, in
    the words of ``engine.REASON_LABELS``) with how many beneficiaries it was given to (a beneficiary with two
    reasons counts under each)."""
    rows = selectors.beneficiaries(run=run, aco_id=aco_id)
    counts = dict(rows.values("status").annotate(n=Count("pk")).order_by().values_list("status", "n"))
    statuses = Statuses(
        rows=[StatusRow(s.value, str(s.label), counts.get(s.value, 0)) for s in EligibilityStatus],
    )
    # Grouped by the whole list of keys first (a handful of distinct lists), then split in Python.
    tally: dict[tuple[str, str], int] = {}
    order = {
        EligibilityStatus.NOT_ELIGIBLE.value: 0,
        EligibilityStatus.PART_D.value: 1,
        EligibilityStatus.CONFIRM.value: 2,
    }
    lists = rows.filter(status__in=list(order)).values("status", "reason_keys").annotate(n=Count("pk")).order_by()
    for group in lists:
        keys = [str(k) for k in group["reason_keys"] or [] if str(k)]
        reasons = [engine.REASON_LABELS.get(k, k) for k in keys] or [NO_REASON]
        for reason in dict.fromkeys(reasons):
            key = (group["status"], reason)
            tally[key] = tally.get(key, 0) + group["n"]
    statuses.reasons = [
        ReasonRow(status, reason, n)
        for (status, reason), n in sorted(tally.items(), key=lambda kv: (order[kv[0][0]], -kv[1], kv[0][1]))
    ]
    return statuses


# --- the whole dashboard -----------------------------------------------------------------------------------


@dataclass
class Dashboard:
    """Everything the ACO's GLP-1 page and its API show, from one run (``run`` None: no run yet)."""

    performance_year: int
    run: Glp1Run | None
    threshold: float | None = None
    headline: Headline = field(default_factory=Headline)
    stages: list[FunnelStage] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)
    cost: Cost = field(default_factory=lambda: Cost(0, 0, 0, 0))
    spending: Spending = field(default_factory=lambda: Spending(0, 0, 0, 0, 0))
    tins: list[TinRow] = field(default_factory=list)
    statuses: Statuses = field(default_factory=Statuses)
    lifestyle: list[LifestyleRow] = field(default_factory=list)


def aco_dashboard(*, aco_id: int, performance_year: int) -> Dashboard:
    """The ACO's figures from the PY's latest successful GLP-1 run."""
    run = selectors.latest_run(performance_year=performance_year)
    if run is None:
        return Dashboard(performance_year, None)
    headline = aco_headline(run=run, aco_id=aco_id)
    cost, spending = aco_cost(run=run, aco_id=aco_id)
    return Dashboard(
        performance_year=performance_year,
        run=run,
        threshold=adherence_threshold(run),
        headline=headline,
        stages=funnel(headline),
        curves=aco_persistence(run=run, aco_id=aco_id) if headline.treated else [],
        cost=cost,
        spending=spending,
        tins=aco_tins(run=run, aco_id=aco_id),
        statuses=aco_statuses(run=run, aco_id=aco_id),
        lifestyle=aco_lifestyle(run=run, aco_id=aco_id) if headline.treated else [],
    )


# --- CMS: every ACO ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ACORow:
    aco_id: str
    legal_name: str
    figures: Headline


@dataclass
class Comparison:
    performance_year: int
    run: Glp1Run | None
    threshold: float | None = None
    rows: list[ACORow] = field(default_factory=list)
    total: Headline = field(default_factory=Headline)


def cms_comparison(*, user: User, performance_year: int) -> Comparison:
    """Every ACO's headline figures from the PY's latest successful GLP-1 run, by ACO id, and the run's
    totals. CMS staff only: anyone else gets an empty comparison."""
    run = selectors.latest_run(performance_year=performance_year)
    if run is None or not user.is_cms:
        return Comparison(performance_year, None)
    aggregates = _headline_aggregates(run)
    # One GROUP BY over the run: the ACO's primary key and its figures.
    grouped: Any = Glp1Beneficiary.objects.filter(run=run).values("aco").annotate(**aggregates).order_by("aco")
    per_aco: dict[int, dict[str, Any]] = {int(r["aco"]): r for r in grouped}
    acos = ACO.objects.filter(pk__in=per_aco).order_by("aco_id").values_list("pk", "aco_id", "legal_name")
    rows = [ACORow(aco_id, name, _headline(per_aco[pk])) for pk, aco_id, name in acos]
    total = _headline(Glp1Beneficiary.objects.filter(run=run).aggregate(**aggregates))
    return Comparison(performance_year, run, adherence_threshold(run), rows, total)
