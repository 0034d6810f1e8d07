"""Every read of BE/BEI data, already scoped: the caller passes an ACO it resolved through
``apps.acos.selectors.aco_get_for_user`` (outsiders got 404 there); a plan of another ACO answers
404 exactly as a missing one does."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from apps.acos.attention import AttentionItem, changes_requested_items
from apps.acos.models import ACO, Election, ModelParameters, RiskOption
from apps.alignment.models import AlignedBeneficiary, AlignmentRun
from apps.alignment.selectors import latest_run
from apps.claims.models import CCLFFile, DMELine, PartABenefitCodes, PartAClaim, PartBBenefitCodes, PartBLine
from apps.reviews.models import OPEN_STATES, ReviewState

from .models import (
    CLAIMS_INDICATORS,
    BenefitItem,
    BenefitSelection,
    ClaimsIndicator,
    Delivery,
    ImplementationPlan,
    PlanAttachment,
)


@dataclass(frozen=True)
class Availability:
    selectable: bool
    reason: str = ""
    restricted_states: list[str] = field(default_factory=list)


@dataclass
class CatalogueRow:
    item: BenefitItem
    selectable: bool
    reason: str
    selection: BenefitSelection | None
    plan: ImplementationPlan | None
    restricted_states: list[str]


def availability(
    *, aco: ACO, item: BenefitItem, parameters: ModelParameters | None, election: Election | None
) -> Availability:
    """May the ACO choose the item in the item's PY? (docs/benefits.md.) ``restricted_states`` lists the
    only states it may be offered in when some but not all of the ACO's states allow it."""
    py = item.performance_year
    if item.first_performance_year and py < item.first_performance_year:
        return Availability(False, f"{item.name} is offered from PY{item.first_performance_year}.")
    if item.global_only and (election is None or election.risk_option != RiskOption.GLOBAL):
        chosen = (
            f"this ACO elected {election.get_risk_option_display()} risk for PY{py}"
            if election is not None
            else f"this ACO has no risk election for PY{py}"
        )
        return Availability(False, f"{item.name} is only for ACOs taking Global risk; {chosen}.")
    if item.legal_states_only:
        legal = set(parameters.substance_access_legal_states if parameters else [])
        states = sorted(set(aco.states or []))
        allowed = [s for s in states if s in legal]
        if not allowed:
            served = ", ".join(states) or "none recorded"
            return Availability(False, f"{item.name} is not legal in any state this ACO serves ({served}).")
        if len(allowed) < len(states):
            excluded = ", ".join(s for s in states if s not in allowed)
            return Availability(
                True, f"Offered only in {', '.join(allowed)} (not legal in {excluded}).", restricted_states=allowed
            )
    return Availability(True)


def item_get(*, performance_year: int, code: str) -> BenefitItem | None:
    return BenefitItem.objects.filter(performance_year=performance_year, code=code).first()


def items_for(*, performance_year: int) -> QuerySet[BenefitItem]:
    return BenefitItem.objects.filter(performance_year=performance_year).order_by("kind", "name")


def item_availability(*, aco: ACO, item: BenefitItem) -> Availability:
    parameters = ModelParameters.objects.filter(performance_year=item.performance_year).first()
    election = Election.objects.filter(aco=aco, performance_year=item.performance_year).first()
    return availability(aco=aco, item=item, parameters=parameters, election=election)


def catalogue_for(*, aco: ACO, performance_year: int) -> list[CatalogueRow]:
    """Every item of the PY with whether the ACO may choose it (and why not), and its selection and
    plan if it has them. A withdrawn selection still shows (``selection.withdrawn_at`` set)."""
    parameters = ModelParameters.objects.filter(performance_year=performance_year).first()
    election = Election.objects.filter(aco=aco, performance_year=performance_year).first()
    selections = {
        s.item_id: s
        for s in BenefitSelection.objects.filter(aco=aco, performance_year=performance_year).select_related("item")
    }
    plans = {
        p.selection_id: p
        for p in ImplementationPlan.objects.filter(selection__in=list(selections.values())).select_related("review")
    }
    rows = []
    for item in items_for(performance_year=performance_year):
        avail = availability(aco=aco, item=item, parameters=parameters, election=election)
        selection = selections.get(item.pk)
        rows.append(
            CatalogueRow(
                item=item,
                selectable=avail.selectable,
                reason=avail.reason,
                selection=selection,
                plan=plans.get(selection.pk) if selection else None,
                restricted_states=avail.restricted_states,
            )
        )
    return rows


def selections_for(*, aco: ACO, performance_year: int | None = None) -> QuerySet[BenefitSelection]:
    qs = BenefitSelection.objects.filter(aco=aco).select_related("item", "selected_by")
    if performance_year is not None:
        qs = qs.filter(performance_year=performance_year)
    return qs.order_by("performance_year", "item__kind", "item__name")


def selection_get(*, aco: ACO, selection_id: int) -> BenefitSelection:
    obj = BenefitSelection.objects.filter(aco=aco, pk=selection_id).select_related("item", "aco").first()
    if obj is None:
        raise Http404("No such benefit selection.")
    return obj


def _plans() -> QuerySet[ImplementationPlan]:
    return ImplementationPlan.objects.select_related(
        "selection", "selection__aco", "selection__item", "review", "review__created_by", "review__decided_by"
    )


def plan_get(*, aco: ACO, plan_id: int) -> ImplementationPlan:
    obj = _plans().filter(selection__aco=aco, pk=plan_id).first()
    if obj is None:
        raise Http404("No such implementation plan.")
    return obj


def plans_for_aco(*, aco: ACO, performance_year: int | None = None) -> QuerySet[ImplementationPlan]:
    qs = _plans().filter(selection__aco=aco)
    if performance_year is not None:
        qs = qs.filter(selection__performance_year=performance_year)
    return qs.order_by("selection__performance_year", "selection__item__kind", "selection__item__name")


def review_queue(
    *, item: str = "", state: str = "", aco: str = "", min_age_days: int | None = None
) -> QuerySet[ImplementationPlan]:
    """Plans across every ACO for CMS reviewers (callers check the role), oldest submission first.
    ``item`` is an item code, ``aco`` a LEAD ACO id; by default the open (submitted, in review) ones;
    ``min_age_days`` keeps those submitted at least that many days ago."""
    qs = _plans()
    qs = qs.filter(review__state=state) if state else qs.filter(review__state__in=OPEN_STATES)
    if item:
        qs = qs.filter(selection__item__code=item)
    if aco:
        qs = qs.filter(selection__aco__aco_id=aco)
    if min_age_days:
        qs = qs.filter(review__submitted_at__lte=timezone.now() - datetime.timedelta(days=min_age_days))
    return qs.order_by("review__submitted_at", "pk")


def attachments_for(*, plan: ImplementationPlan) -> QuerySet[PlanAttachment]:
    return plan.attachments.select_related("uploaded_by").order_by("uploaded_at", "id")


def attachment_get(*, plan: ImplementationPlan, attachment_id: int) -> PlanAttachment:
    obj = plan.attachments.filter(pk=attachment_id).first()
    if obj is None:
        raise Http404("No such attachment.")
    return obj


def deliveries_for(*, plan: ImplementationPlan) -> QuerySet[Delivery]:
    return plan.deliveries.select_related("recorded_by").order_by("-delivered_on", "-id")


def beneficiary_used(*, plan: ImplementationPlan, mbi: str) -> dict[str, Any]:
    """What a beneficiary already received under the plan this year: dollars and count."""
    agg = plan.deliveries.filter(mbi=mbi).aggregate(amount=Sum("amount"), count=Sum("quantity"))
    return {"amount": agg["amount"] or Decimal("0.00"), "count": agg["count"] or 0}


def delivery_totals(*, aco: ACO, performance_year: int) -> list[dict[str, Any]]:
    """Per item of the PY the ACO delivered: deliveries (sum of quantities), dollars and distinct
    beneficiaries."""
    rows = (
        Delivery.objects.filter(aco=aco, plan__selection__performance_year=performance_year)
        .values("plan__selection__item__code", "plan__selection__item__name")
        .annotate(count=Sum("quantity"), amount=Sum("amount"), beneficiaries=Count("mbi", distinct=True))
        .order_by("plan__selection__item__name")
    )
    return [
        {
            "code": r["plan__selection__item__code"],
            "name": r["plan__selection__item__name"],
            "count": r["count"] or 0,
            "amount": r["amount"] or Decimal("0.00"),
            "beneficiaries": r["beneficiaries"],
        }
        for r in rows
    ]


# --- claims that used a Benefit Enhancement ----------------------------------------------------

# What the pages and the API say about how claims are counted (the rule is in ``claims_usage``).
COUNTING_NOTE = (
    "A claim counts when CMS flagged it as using the Benefit Enhancement and it is the current version "
    "of a claim of a beneficiary aligned to the ACO in the year's latest alignment run, with a service "
    "date in the performance year. Part A claims count once each, in the month of their from date; a "
    "Part B or DME claim counts once, in the month of its first line that used the enhancement (denied "
    "lines do not count). Beneficiaries are counted once per month, and once for the year."
)


@dataclass(frozen=True)
class UsageCount:
    """Claims that used one BE in one month (``month`` the 1st) or the whole PY (``month`` None)."""

    month: datetime.date | None
    part_a_claims: int = 0
    part_b_claims: int = 0
    beneficiaries: int = 0
    deliveries: int = 0  # quantities logged in the ACO's delivery log for the item

    @property
    def claims(self) -> int:
        return self.part_a_claims + self.part_b_claims


@dataclass(frozen=True)
class BenefitUsage:
    """One BE with a claims indicator: the ACO's plan for it (if any), and per month of the PY the
    claims that used it beside the deliveries logged. ``months`` is empty when no alignment run of
    the PY has finished (nothing says whose claims are the ACO's)."""

    item: BenefitItem
    plan: ImplementationPlan | None
    months: list[UsageCount]
    total: UsageCount

    @property
    def approved(self) -> bool:
        return self.plan is not None and self.plan.review.state == ReviewState.APPROVED


@dataclass(frozen=True)
class ClaimsUsage:
    performance_year: int
    run: AlignmentRun | None
    files_loaded: bool  # any CCLFA/CCLFB file of the PY loaded yet
    items: list[BenefitUsage]

    def get(self, code: str) -> BenefitUsage | None:
        return next((u for u in self.items if u.item.code == code), None)


def _month_of(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(MONTH FROM {column})::int"
    return f"CAST(strftime('%%m', {column}) AS INTEGER)"


def _usage_sql(indicators: list[ClaimsIndicator]) -> str:
    """One statement: per BE (its index in ``indicators``) and month, Part A claims, Part B/DME
    claims and distinct beneficiaries; then the same per BE for the whole PY (month 0).

    Parameters, twice (Part A, then Part B): alignment run id, ACO pk, first and last day of the PY.
    Column names come from ``CLAIMS_INDICATORS`` (constants, checked against the models in the tests)."""
    cclfa, header = PartABenefitCodes._meta.db_table, PartAClaim._meta.db_table
    cclfb, cclf5, cclf6 = PartBBenefitCodes._meta.db_table, PartBLine._meta.db_table, DMELine._meta.db_table
    aligned = AlignedBeneficiary._meta.db_table
    n = len(indicators)
    # The beneficiary of a line is the beneficiary of its CCLFB row: joining on it too lets the
    # database walk from the ACO's aligned MBIs through the current_mbi indexes.
    lines = " UNION ALL ".join(
        f"SELECT cur_clm_uniq_id, clm_line_num, current_mbi, clm_line_from_dt FROM {table} "  # noqa: S608 (constants)
        "WHERE is_current AND NOT is_denied"
        for table in (cclf5, cclf6)
    )

    def per_claim(alias: str, columns: list[str], day: str, joins: str) -> str:
        # One row per claim: its beneficiary and, per BE, the first service date that used it (NULL: not used).
        days = ", ".join(f"MIN(CASE WHEN {alias}.{c} = 'Y' THEN {day} END) AS d{i}" for i, c in enumerate(columns))
        used = " OR ".join(f"{alias}.{c} = 'Y'" for c in columns)
        return (
            f"SELECT {alias}.cur_clm_uniq_id AS claim, MIN({alias}.current_mbi) AS mbi, {days} {joins} "
            f"JOIN {aligned} ab ON ab.run_id = %s AND ab.aco_id = %s AND ab.mbi = {alias}.current_mbi "
            f"WHERE {alias}.is_current AND ({used}) AND {day} BETWEEN %s AND %s "
            # A beneficiary aligned from mid-year (voluntary alignment) is the ACO's from then on.
            f"AND (ab.effective_from IS NULL OR {day} >= ab.effective_from) "
            f"GROUP BY {alias}.cur_clm_uniq_id"
        )

    part_a = per_claim(
        "a",
        [i.part_a for i in indicators],
        "h.clm_from_dt",
        f"FROM {cclfa} a JOIN {header} h ON h.cur_clm_uniq_id = a.cur_clm_uniq_id AND h.is_current",
    )
    part_b = per_claim(
        "b",
        [i.part_b for i in indicators],
        "l.clm_line_from_dt",
        f"FROM {cclfb} b JOIN ({lines}) l ON l.cur_clm_uniq_id = b.cur_clm_uniq_id "
        "AND l.clm_line_num = b.clm_line_num AND l.current_mbi = b.current_mbi",
    )
    uses = " UNION ALL ".join(
        f"SELECT {i} AS item, '{part}' AS part, mbi, d{i} AS day FROM {cte} WHERE d{i} IS NOT NULL"  # noqa: S608 (constants)
        for i in range(n)
        for part, cte in (("A", "pa"), ("B", "pb"))
    )
    counts = (
        "SUM(CASE WHEN part = 'A' THEN 1 ELSE 0 END), SUM(CASE WHEN part = 'B' THEN 1 ELSE 0 END), COUNT(DISTINCT mbi)"
    )
    month = _month_of("day")
    return (
        f"WITH pa AS ({part_a}), pb AS ({part_b}), u AS ({uses}) "  # noqa: S608 (table and column names are constants)
        f"SELECT item, {month}, {counts} FROM u GROUP BY item, {month} "
        f"UNION ALL SELECT item, 0, {counts} FROM u GROUP BY item"
    )


def _claim_counts(
    *, aco: ACO, run: AlignmentRun, performance_year: int, codes: list[str]
) -> dict[tuple[str, int], tuple[int, int, int]]:
    """{(code, month 1–12, or 0 for the PY): (Part A claims, Part B/DME claims, beneficiaries)}."""
    start, end = datetime.date(performance_year, 1, 1), datetime.date(performance_year, 12, 31)
    params: list[int | datetime.date] = [run.pk, aco.pk, start, end]
    with connection.cursor() as cursor:
        cursor.execute(_usage_sql([CLAIMS_INDICATORS[c] for c in codes]), params * 2)
        rows = cursor.fetchall()
    return {(codes[item], int(month)): (int(a or 0), int(b or 0), int(benes)) for item, month, a, b, benes in rows}


def _delivery_counts(*, aco: ACO, performance_year: int, codes: list[str]) -> dict[tuple[str, int], int]:
    """{(code, month 1–12): quantities logged} for the ACO's deliveries of the PY."""
    rows = (
        Delivery.objects.filter(
            aco=aco,
            plan__selection__performance_year=performance_year,
            plan__selection__item__code__in=codes,
            delivered_on__year=performance_year,
        )
        .annotate(month=ExtractMonth("delivered_on"))
        .values("plan__selection__item__code", "month")
        .annotate(quantity=Sum("quantity"))
    )
    return {(r["plan__selection__item__code"], r["month"]): r["quantity"] or 0 for r in rows}


def claims_usage(*, aco: ACO, performance_year: int) -> ClaimsUsage:
    """For each BE of the PY's catalogue that claims flag (``CLAIMS_INDICATORS``): per month of the
    PY, the claims that used it (``COUNTING_NOTE``: current versions only, of the beneficiaries the
    PY's latest finished alignment run aligned to this ACO, service date in the PY; Part A counts
    distinct claims by CUR_CLM_UNIQ_ID, Part B/DME distinct claims, each in the month of its first
    line that used it) and the distinct beneficiaries, beside the quantities logged in the ACO's
    delivery log and the ACO's plan for it. Only this ACO's aligned beneficiaries count: another
    ACO's claims never reach the sums. One SQL statement for the claims, one for the deliveries."""
    items = [i for i in items_for(performance_year=performance_year) if i.code in CLAIMS_INDICATORS]
    codes = [i.code for i in items]
    run = latest_run(performance_year=performance_year)
    files_loaded = CCLFFile.objects.filter(
        file_type__in=[PartABenefitCodes.FILE_TYPE, PartBBenefitCodes.FILE_TYPE], performance_year=performance_year
    ).exists()
    plans = {
        p.selection.item.code: p
        for p in plans_for_aco(aco=aco, performance_year=performance_year).filter(selection__item__code__in=codes)
    }
    claims = (
        _claim_counts(aco=aco, run=run, performance_year=performance_year, codes=codes)
        if run is not None and codes
        else {}
    )
    deliveries = _delivery_counts(aco=aco, performance_year=performance_year, codes=codes) if codes else {}
    usage = []
    for item in items:
        months: list[UsageCount] = []
        if run is not None:
            for m in range(1, 13):
                a, b, benes = claims.get((item.code, m), (0, 0, 0))
                months.append(
                    UsageCount(datetime.date(performance_year, m, 1), a, b, benes, deliveries.get((item.code, m), 0))
                )
        a, b, benes = claims.get((item.code, 0), (0, 0, 0))
        delivered = sum(q for (code, _), q in deliveries.items() if code == item.code)
        usage.append(
            BenefitUsage(
                item=item, plan=plans.get(item.code), months=months, total=UsageCount(None, a, b, benes, delivered)
            )
        )
    return ClaimsUsage(performance_year=performance_year, run=run, files_loaded=files_loaded, items=usage)


# --------------------------------------------------------------------------------------------------
# What needs the ACO's attention (registered in ``apps.py``; see apps/acos/attention.py)
# --------------------------------------------------------------------------------------------------
def plan_changes_attention(aco: ACO, performance_year: int, today: datetime.date) -> list[AttentionItem]:
    """Implementation plans CMS sent back for changes, whatever their performance year."""
    plans = _plans().filter(selection__aco=aco, review__state=ReviewState.CHANGES_REQUESTED)
    return changes_requested_items(
        [
            (
                plan.review,
                f"{plan.item.name} implementation plan (PY{plan.selection.performance_year})",
                reverse("benefits:plan_detail", kwargs={"aco_id": aco.aco_id, "plan_id": plan.pk}),
            )
            for plan in plans
        ],
        action="Revise the plan",
        read_action="See the plan",
    )
