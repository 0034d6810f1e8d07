"""Reads of the high-cost beneficiaries list and of one beneficiary's claims, for one ACO the caller has
already resolved through the user's scope (``ACOScopedMixin`` / ``ACOScopedViewSet``).

The list ranks the ``BeneficiarySpendingFact`` rows of the pipeline run behind the money page (the PY's
latest successful run): the same claims, netting and dates as the money step, so the listed spending adds
up to the money page's expenditure for the same cohort and category (``Totals.reconciles``). Everything is
summed and ranked by the database: a page is a few indexed queries whatever the ACO's size.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404

from apps.acos.models import ACO, ParticipantTIN, PreferredProvider
from apps.acos.reference import specialty_codes
from apps.alignment import selectors as alignment_selectors
from apps.alignment.models import AlignedBeneficiary, AlignmentRun

from . import inputs, selectors
from .models import BeneficiarySpendingFact, Category, Cohort, CostFact, PerformanceSummary, PipelineRun

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CATEGORY_LABELS: dict[str, str] = {c.value: str(c.label) for c in Category}
COHORT_LABELS: dict[str, str] = {c.value: str(c.label) for c in Cohort}
ADJUSTMENTS = {"0": "Original", "1": "Cancellation", "2": "Adjustment"}
OTHER_ACO_PROVIDER = "A provider of another ACO"
_UNIT = re.compile(r"[^0-9A-Za-z]")


def cents(value: Any) -> Decimal:
    """A sum as the database returns it (Decimal, or a float on SQLite) to the cent, through ``str`` so
    no binary fraction leaks in."""
    return ZERO if value is None else Decimal(str(value)).quantize(CENT)


# --- the filter ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Cohort, service category and aligning TIN (or CCN); empty means all."""

    cohort: str = ""
    category: str = ""
    tin: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> Filters:
        """From a query string; an unknown cohort or category is dropped (``invalid`` names them)."""
        cohort = str(query.get("cohort") or "").strip()
        category = str(query.get("category") or "").strip()
        tin = _UNIT.sub("", str(query.get("tin") or ""))[:9].upper()
        return cls(
            cohort if cohort in COHORT_LABELS else "",
            category if category in CATEGORY_LABELS else "",
            tin,
        )

    @staticmethod
    def invalid(query: Mapping[str, Any]) -> dict[str, str]:
        """The filter values in ``query`` that name no cohort or category, with what is allowed."""
        errors = {}
        cohort = str(query.get("cohort") or "").strip()
        if cohort and cohort not in COHORT_LABELS:
            errors["cohort"] = f"Unknown cohort {cohort!r}: one of {', '.join(COHORT_LABELS)}."
        category = str(query.get("category") or "").strip()
        if category and category not in CATEGORY_LABELS:
            errors["category"] = f"Unknown category {category!r}: one of {', '.join(CATEGORY_LABELS)}."
        return errors

    @property
    def column(self) -> str:
        """The fact column the list ranks by: the category's, or the total."""
        return self.category or "total"

    @property
    def active(self) -> bool:
        return bool(self.cohort or self.category or self.tin)

    def params(self) -> dict[str, str]:
        return {k: v for k, v in (("cohort", self.cohort), ("category", self.category), ("tin", self.tin)) if v}

    def describe(self) -> str:
        """In words, for captions and the access log: "ESRD cohort, inpatient spending, aligning TIN …"."""
        parts = []
        if self.cohort:
            parts.append(f"{COHORT_LABELS[self.cohort]} cohort")
        if self.category:
            parts.append(f"{CATEGORY_LABELS[self.category].lower()} spending")
        if self.tin:
            parts.append(f"aligning TIN or CCN {self.tin}")
        return ", ".join(parts) or "all aligned beneficiaries, all spending"

    def slug(self) -> str:
        """For file names: ``-esrd-inpatient-tin123456789`` (empty without a filter)."""
        return "".join(f"-{v}" for v in (self.cohort, self.category, f"tin{self.tin}" if self.tin else "") if v)


# --- where the list comes from ---------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The snapshot the money page shows and whether its pipeline run wrote the per-beneficiary rows
    (runs from before the list existed did not)."""

    summary: PerformanceSummary | None
    computed: bool

    @property
    def run(self) -> PipelineRun | None:
        return self.summary.run if self.summary is not None else None

    @property
    def run_id(self) -> int | None:
        return self.summary.run_id if self.summary is not None else None


def source(*, aco: ACO, performance_year: int) -> Source:
    summary = selectors.summary_latest(aco=aco, performance_year=performance_year)
    computed = summary is not None and BeneficiarySpendingFact.objects.filter(run_id=summary.run_id).exists()
    return Source(summary, computed)


# --- the list ------------------------------------------------------------------------------------


def ranked(*, aco: ACO, run_id: int, filters: Filters) -> QuerySet[BeneficiarySpendingFact]:
    """The ACO's beneficiaries of the run, highest spending first (ties by MBI), with ``spending`` (the
    ranked amount). With a category, only the beneficiaries with spending in it. Unfiltered, the first
    page is an index scan (``bene_spending_rank``) that stops after the page."""
    column = filters.column
    qs = BeneficiarySpendingFact.objects.filter(run_id=run_id, aco=aco)
    if filters.cohort:
        qs = qs.filter(cohort=filters.cohort)
    if filters.tin:
        qs = qs.filter(tin=filters.tin)
    if filters.category:
        qs = qs.exclude(**{column: 0})
    return qs.annotate(spending=F(column)).order_by(F(column).desc(), F("mbi").asc())


def spending_above(ranking: QuerySet[BeneficiarySpendingFact], count: int) -> Decimal:
    """The spending of the first ``count`` beneficiaries of a ranking (where a page's cumulative share
    starts): summed by the database over the rows before the page, nothing when it is the first."""
    if count <= 0:
        return ZERO
    return cents(ranking[:count].aggregate(s=Sum("spending"))["s"])


@dataclass(frozen=True)
class Totals:
    """The figures around the list. ``money_page`` is what the money step summed for the cohort and
    category (``CostFact``: the money page's expenditure, its category and cohort rows);
    ``before_tin`` is the list's own sum for the same cohort and category: they reconcile when equal."""

    beneficiaries: int  # listed
    listed: Decimal  # their spending
    aco_spending: Decimal  # the ACO's PY spending in the category (or in all): the base of each share
    before_tin: Decimal
    money_page: Decimal

    @property
    def reconciles(self) -> bool:
        return self.before_tin == self.money_page

    @property
    def difference(self) -> Decimal:
        return self.before_tin - self.money_page

    @property
    def listed_share_pct(self) -> float | None:
        return share_pct(self.listed, self.aco_spending)


def share_pct(part: Decimal, whole: Decimal) -> float | None:
    return round(float(part / whole * 100), 2) if whole else None


def totals(*, aco: ACO, summary: PerformanceSummary, filters: Filters) -> Totals:
    """Two aggregate queries: the facts (listed, before the TIN filter, the ACO's whole) and ``CostFact``."""
    column = filters.column
    cohort = Q(cohort=filters.cohort) if filters.cohort else Q()
    in_category = ~Q(**{column: 0}) if filters.category else Q()
    listed = cohort & in_category & (Q(tin=filters.tin) if filters.tin else Q())
    facts = BeneficiarySpendingFact.objects.filter(run_id=summary.run_id, aco=aco).aggregate(
        whole=Sum(column),
        before_tin=Sum(column, filter=cohort) if filters.cohort else Sum(column),
        listed=Sum(column, filter=listed) if filters.active else Sum(column),
        count=Count("id", filter=listed) if filters.active else Count("id"),
    )
    cost = CostFact.objects.filter(run_id=summary.run_id, aco=aco, year=summary.performance_year)
    if filters.cohort:
        cost = cost.filter(cohort=filters.cohort)
    if filters.category:
        cost = cost.filter(category=filters.category)
    return Totals(
        beneficiaries=int(facts["count"] or 0),
        listed=cents(facts["listed"]),
        aco_spending=cents(facts["whole"]),
        before_tin=cents(facts["before_tin"]),
        money_page=cents(cost.aggregate(s=Sum("amount"))["s"]),
    )


@dataclass(frozen=True)
class Row:
    """One beneficiary as the list shows them."""

    rank: int
    fact: BeneficiarySpendingFact
    spending: Decimal
    share_pct: float | None
    cumulative_share_pct: float | None
    largest: str  # label of the category with the most spending ("" without spending)
    by_category: list[tuple[str, str, Decimal]]  # (key, label, amount) with spending, largest first

    @property
    def name(self) -> str:
        f = self.fact
        return ", ".join(p for p in (f.last_name, f.first_name) if p) or "—"

    @property
    def cohort_label(self) -> str:
        return COHORT_LABELS.get(self.fact.cohort, self.fact.cohort)


def rows(facts: list[BeneficiarySpendingFact], *, first_rank: int, base: Decimal, above: Decimal = ZERO) -> list[Row]:
    """A page of facts (from ``ranked``) as rows: rank, share of ``base`` and cumulative share (from
    ``above``, the spending of everyone ranked before the page)."""
    out = []
    cumulative = above
    for offset, fact in enumerate(facts):
        amounts = [(c, CATEGORY_LABELS[c], cents(getattr(fact, c))) for c in CATEGORY_LABELS]
        spent = sorted((a for a in amounts if a[2]), key=lambda a: -a[2])
        spending = cents(getattr(fact, "spending", fact.total))
        cumulative += spending
        out.append(
            Row(
                rank=first_rank + offset,
                fact=fact,
                spending=spending,
                share_pct=share_pct(spending, base),
                cumulative_share_pct=share_pct(cumulative, base),
                largest=spent[0][1] if spent and spent[0][2] > 0 else "",
                by_category=spent,
            )
        )
    return out


@dataclass(frozen=True)
class Unit:
    """An aligning TIN or CCN of the ACO's beneficiaries in the run, for the filter."""

    tin: str
    kind: str  # tin or ccn
    name: str
    beneficiaries: int

    @property
    def label(self) -> str:
        kind = "CCN" if self.kind == "ccn" else "TIN"
        named = f" {self.name}" if self.name else ""
        return (
            f"{kind} {self.tin}{named} ({self.beneficiaries:,} beneficiar{'y' if self.beneficiaries == 1 else 'ies'})"
        )


def participant_names(*, aco: ACO, performance_year: int) -> tuple[dict[str, str], dict[str, str]]:
    """The ACO's own Participant TINs' legal names for the PY, by TIN and by each of their CCNs."""
    by_tin: dict[str, str] = {}
    by_ccn: dict[str, str] = {}
    for tin, name, ccns in ParticipantTIN.objects.filter(aco=aco, performance_year=performance_year).values_list(
        "tin", "legal_name", "ccns"
    ):
        by_tin[tin] = name
        for ccn in ccns or []:
            by_ccn[str(ccn)] = name
    return by_tin, by_ccn


def unit_name(*, aco: ACO, performance_year: int, tin: str, kind: str) -> str:
    """The legal name of the ACO's Participant TIN behind an aligning TIN or CCN ("" when unknown)."""
    by_tin, by_ccn = participant_names(aco=aco, performance_year=performance_year)
    return (by_ccn if kind == "ccn" else by_tin).get(tin, "")


def units(*, aco: ACO, run_id: int, performance_year: int) -> list[Unit]:
    by_tin, by_ccn = participant_names(aco=aco, performance_year=performance_year)
    counted = (
        BeneficiarySpendingFact.objects.filter(run_id=run_id, aco=aco)
        .exclude(tin="")
        .values("tin", "unit_kind")
        .annotate(n=Count("id"))
        .order_by("tin")
    )
    return [
        Unit(u["tin"], u["unit_kind"], (by_ccn if u["unit_kind"] == "ccn" else by_tin).get(u["tin"], ""), u["n"])
        for u in counted
    ]


# --- one beneficiary's claims ----------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    source: str  # part_a, part_b, dme
    category: str
    category_label: str
    from_date: dt.date | None
    thru_date: dt.date | None
    claim: str  # Part A: the claim id; Part B and DME: the claim control number and line
    provider: str
    provider_note: str
    service: str
    adjustment: str
    amount: Decimal


@dataclass(frozen=True)
class CategoryTotal:
    category: str
    label: str
    amount: Decimal
    claims: int


@dataclass
class BeneficiaryClaims:
    aligned: AlignedBeneficiary
    alignment_run: AlignmentRun
    pipeline_run: PipelineRun | None
    through: dt.date
    claims: list[Claim]
    categories: list[CategoryTotal]
    total: Decimal
    fact: BeneficiarySpendingFact | None  # the money step's row, when the run wrote one
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def matches_money_step(self) -> bool | None:
        """Whether the claims listed now add up to what the money step counted (None: it counted nothing
        per beneficiary in this run). They differ only when claims were loaded after the run."""
        return None if self.fact is None else cents(self.fact.total) == self.total


def _to_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


class _Providers:
    """Who billed, as this ACO may see it: its own Participant TINs, CCNs and Preferred Providers by
    name; a TIN, CCN or NPI on another ACO's lists (and not on this one's) as "a provider of another
    ACO", never the identifier; anyone else by the identifier on the claim."""

    def __init__(self, aco: ACO, performance_year: int, rows: list[tuple[Any, ...]]) -> None:
        index = {name: i for i, name in enumerate(inputs.CLAIM_COLUMNS)}
        tins = {str(r[index["tin"]] or "").strip() for r in rows} - {""}
        ccns = {str(r[index["ccn"]] or "").strip() for r in rows} - {""}
        npis = {str(r[index["npi"]] or "").strip() for r in rows} - {""}
        self.tin_names, self.ccn_names = participant_names(aco=aco, performance_year=performance_year)
        self.npi_names = dict(
            PreferredProvider.objects.filter(aco=aco, performance_year=performance_year, npi__in=npis).values_list(
                "npi", "name"
            )
        )
        mine_tins = set(ParticipantTIN.objects.filter(aco=aco, tin__in=tins).values_list("tin", flat=True)) | set(
            PreferredProvider.objects.filter(aco=aco, tin__in=tins).values_list("tin", flat=True)
        )
        mine_npis = set(PreferredProvider.objects.filter(aco=aco, npi__in=npis).values_list("npi", flat=True))
        others = ParticipantTIN.objects.exclude(aco=aco)
        self.hidden_tins = (
            set(others.filter(tin__in=tins).values_list("tin", flat=True))
            | set(PreferredProvider.objects.exclude(aco=aco).filter(tin__in=tins).values_list("tin", flat=True))
        ) - mine_tins
        self.hidden_npis = (
            set(PreferredProvider.objects.exclude(aco=aco).filter(npi__in=npis).values_list("npi", flat=True))
            - mine_npis
        )
        mine_ccns = {
            str(c) for cs in ParticipantTIN.objects.filter(aco=aco).values_list("ccns", flat=True) for c in cs or []
        }
        self.hidden_ccns = set()
        if ccns:
            for listed in others.exclude(ccns=[]).values_list("ccns", flat=True):
                self.hidden_ccns |= {str(c) for c in listed or []} & ccns
            self.hidden_ccns -= mine_ccns

    def describe(self, *, ccn: str, tin: str, npi: str) -> tuple[str, str]:
        """(who, note): the identifiers shown, and whose they are."""
        if tin in self.hidden_tins or ccn in self.hidden_ccns or npi in self.hidden_npis:
            return OTHER_ACO_PROVIDER, ""
        parts = []
        note = ""
        if ccn:
            parts.append(f"CCN {ccn}")
            note = self.ccn_names.get(ccn, "")
        if tin:
            parts.append(f"TIN {tin}")
            note = note or self.tin_names.get(tin, "")
        if npi:
            parts.append(f"NPI {npi}")
            note = note or self.npi_names.get(npi, "")
        return "; ".join(parts) or "—", (f"{note} (this ACO)" if note else "")


def _service(source: str, code: str, diagnosis: str, specialty: str) -> str:
    parts = []
    if source == "part_a":
        if code:
            parts.append(f"DRG {code}")
    elif code:
        parts.append(f"HCPCS {code}")
    if specialty:
        label = specialty_codes().get(specialty)
        parts.append(label or f"specialty {specialty}")
    if diagnosis:
        parts.append(f"diagnosis {diagnosis}")
    return "; ".join(parts) or "—"


def claims_through(run: PipelineRun | None, alignment_run: AlignmentRun, performance_year: int) -> dt.date:
    """The last service day the money step counts: the run's as-of date, else December 31 of the PY."""
    as_of = run.as_of if run is not None else alignment_run.as_of
    return as_of or dt.date(performance_year, 12, 31)


def beneficiary_claims(*, aco: ACO, performance_year: int, mbi: str, category: str = "") -> BeneficiaryClaims:
    """The beneficiary's claims the money step counts in the PY (the money page's run; its alignment, or
    the PY's latest alignment run when the snapshot names none). 404 when the beneficiary is not aligned
    to ``aco`` there: another ACO's beneficiary answers exactly like a missing one."""
    summary = selectors.summary_latest(aco=aco, performance_year=performance_year)
    run = summary.run if summary is not None else None
    alignment_run = (run.alignment_run if run is not None else None) or alignment_selectors.latest_run(
        performance_year=performance_year
    )
    if alignment_run is None:
        raise Http404("Alignment has not been computed for this performance year.")
    aligned = AlignedBeneficiary.objects.filter(run=alignment_run, aco=aco, mbi=mbi.strip().upper()).first()
    if aligned is None:
        raise Http404("This beneficiary is not aligned to the ACO in this performance year's estimate.")
    through = claims_through(run, alignment_run, performance_year)
    raw = inputs.beneficiary_claims(
        alignment_run_id=alignment_run.pk, mbi=aligned.mbi, performance_year=performance_year, through=through
    )
    providers = _Providers(aco, performance_year, raw)
    sums: dict[str, tuple[Decimal, int]] = {}
    claims = []
    for values in raw:
        r = dict(zip(inputs.CLAIM_COLUMNS, values, strict=True))
        amount = cents(r["amount"])
        total, n = sums.get(r["category"], (ZERO, 0))
        sums[r["category"]] = (total + amount, n + 1)
        if category and r["category"] != category:
            continue
        who, note = providers.describe(
            ccn=str(r["ccn"] or "").strip(), tin=str(r["tin"] or "").strip(), npi=str(r["npi"] or "").strip()
        )
        claim_id = str(r["claim"] or "").strip()
        claims.append(
            Claim(
                source=r["source"],
                category=r["category"],
                category_label=CATEGORY_LABELS.get(r["category"], r["category"]),
                from_date=_to_date(r["from_date"]),
                thru_date=_to_date(r["thru_date"]),
                claim=f"{claim_id} line {r['line']}" if r["line"] is not None else claim_id,
                provider=who,
                provider_note=note,
                service=_service(
                    r["source"],
                    str(r["code"] or "").strip(),
                    str(r["diagnosis"] or "").strip(),
                    str(r["specialty"] or "").strip(),
                ),
                adjustment=ADJUSTMENTS.get(str(r["adjustment"] or "").strip(), "—"),
                amount=amount,
            )
        )
    categories = [CategoryTotal(key, label, *sums[key]) for key, label in CATEGORY_LABELS.items() if key in sums]
    fact = (
        BeneficiarySpendingFact.objects.filter(run=run, aco=aco, mbi=aligned.mbi).first() if run is not None else None
    )
    return BeneficiaryClaims(
        aligned=aligned,
        alignment_run=alignment_run,
        pipeline_run=run,
        through=through,
        claims=claims,
        categories=categories,
        total=sum((c.amount for c in categories), ZERO),
        fact=fact,
        left_out=inputs.claims_left_out(
            mbi=aligned.mbi, performance_year=performance_year, through=through, effective_from=aligned.effective_from
        ),
    )
