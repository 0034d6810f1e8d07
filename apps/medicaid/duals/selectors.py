"""Reads of the dual-eligible area, from the latest successful dual run of the performance year:
the ACO's figures by dual group and code, the full-benefit dual list (never with a beneficiary who
declined data sharing: it is what the ACO shares with its Medicaid partners) and the ACO's opt-outs.
Callers scope the ACO (ACOScopedMixin / ACOScopedViewSet)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Upper

from apps.acos.models import ACO
from apps.alignment.models import AlignedBeneficiary
from apps.claims.models import MBIMap

from .. import engine
from ..models import DataSharingOptOut, DualBeneficiary, DualGroup, DualRun

ZERO = Decimal("0.00")

# Sort keys of the full-benefit dual list -> ordering (MBI breaks ties).
LIST_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("last_name_sort", "first_name_sort"),
    "mbi": ("mbi",),
    "code": ("dual_code",),
    "cohort": ("cohort",),
    "spending": ("spending",),
    "admissions": ("admissions",),
    "ed_visits": ("ed_visits",),
    "last_admission": ("last_admission",),
}


def latest_run(*, performance_year: int) -> DualRun | None:
    """The most recent successful dual run of the PY."""
    return (
        DualRun.objects.filter(performance_year=performance_year, status=DualRun.Status.SUCCEEDED)
        .select_related("alignment_run")
        .order_by("-finished_at", "-id")
        .first()
    )


@dataclass
class GroupFigures:
    """One group's (or several groups') beneficiaries and use of care, with the derived rates."""

    beneficiaries: int = 0
    member_months: int = 0
    spending: Decimal = ZERO
    admissions: int = 0
    ed_visits: int = 0

    def add(self, other: GroupFigures) -> None:
        self.beneficiaries += other.beneficiaries
        self.member_months += other.member_months
        self.spending += other.spending
        self.admissions += other.admissions
        self.ed_visits += other.ed_visits

    @property
    def pbpm(self) -> Decimal | None:
        return engine.pbpm(self.spending, self.member_months)

    @property
    def admissions_per_1000(self) -> Decimal | None:
        return engine.per_thousand(self.admissions, self.member_months)

    @property
    def ed_visits_per_1000(self) -> Decimal | None:
        return engine.per_thousand(self.ed_visits, self.member_months)


@dataclass
class CodeRow:
    code: str
    group: str
    label: str
    beneficiaries: int

    @property
    def group_label(self) -> str:
        return str(DualGroup(self.group).label)


@dataclass
class DualSummary:
    aco: ACO
    performance_year: int
    run: DualRun | None
    groups: dict[str, GroupFigures] = field(default_factory=lambda: {g: GroupFigures() for g in engine.GROUPS})
    codes: list[CodeRow] = field(default_factory=list)  # every code of the CCLF8 layout, zeros kept

    @property
    def duals(self) -> GroupFigures:
        """Full- and partial-benefit duals together."""
        both = GroupFigures()
        both.add(self.groups[engine.FULL])
        both.add(self.groups[engine.PARTIAL])
        return both

    @property
    def aligned(self) -> GroupFigures:
        everyone = self.duals
        everyone.add(self.groups[engine.NONE])
        return everyone

    @property
    def dual_share(self) -> Decimal | None:
        """Duals as a percentage of the ACO's aligned beneficiaries."""
        return engine.share(self.duals.beneficiaries, self.aligned.beneficiaries)


def dual_summary(*, aco: ACO, performance_year: int, run: DualRun | None = None) -> DualSummary:
    """The ACO's beneficiaries, member-months, spending, admissions and ED visits by dual group (and
    for all duals together), with the counts per dual status code: one GROUP BY over the run's rows."""
    run = run if run is not None else latest_run(performance_year=performance_year)
    summary = DualSummary(aco=aco, performance_year=performance_year, run=run)
    counts: dict[str, int] = {}
    if run is not None:
        rows = (
            DualBeneficiary.objects.filter(run=run, aco=aco)
            .values("dual_group", "dual_code")
            .annotate(
                n=Count("id"),
                months=Sum("member_months"),
                spent=Sum("spending"),
                stays=Sum("admissions"),
                visits=Sum("ed_visits"),
            )
            .order_by()
        )
        for r in rows:
            summary.groups[r["dual_group"]].add(
                GroupFigures(
                    beneficiaries=r["n"],
                    member_months=r["months"] or 0,
                    spending=Decimal(str(r["spent"] or 0)).quantize(engine.CENT),
                    admissions=r["stays"] or 0,
                    ed_visits=r["visits"] or 0,
                )
            )
            counts[r["dual_code"]] = counts.get(r["dual_code"], 0) + r["n"]
    codes = list(engine.DUAL_STATUS_CODES) + sorted(set(counts) - set(engine.DUAL_STATUS_CODES))
    summary.codes = [CodeRow(c, engine.dual_group(c), engine.code_label(c), counts.get(c, 0)) for c in codes]
    return summary


# --- the full-benefit dual list ------------------------------------------------------------------


def opted_out(aco: ACO) -> Exists:
    """True for a row (with an ``mbi``) whose beneficiary has an open data-sharing opt-out with the
    ACO: under that MBI, under an earlier MBI the crosswalk resolves to it, or under the MBI the
    crosswalk now resolves it to (a run made before the crosswalk changed)."""
    open_optouts = DataSharingOptOut.objects.filter(aco=aco, revoked_at__isnull=True)
    earlier = MBIMap.objects.filter(current_mbi=OuterRef(OuterRef("mbi"))).values("mbi")
    later = MBIMap.objects.filter(mbi=OuterRef(OuterRef("mbi"))).values("current_mbi")
    return Exists(open_optouts.filter(Q(mbi=OuterRef("mbi")) | Q(mbi__in=earlier) | Q(mbi__in=later)))


@dataclass
class FullDualList:
    run: DualRun | None
    rows: QuerySet[DualBeneficiary]
    suppressed: int = 0  # full-benefit duals left out because they declined data sharing


def full_dual_list(
    *, aco: ACO, performance_year: int, q: str = "", sort: str = "name", run: DualRun | None = None
) -> FullDualList:
    """The ACO's full-benefit duals of the PY's latest dual run (name and cohort from the alignment
    run), without anyone who declined data sharing, searched (MBI start or name) and sorted by a
    ``LIST_SORTS`` key ("-" first: descending). ``suppressed`` counts who was left out."""
    run = run if run is not None else latest_run(performance_year=performance_year)
    if run is None:
        return FullDualList(run=None, rows=DualBeneficiary.objects.none())
    aligned = AlignedBeneficiary.objects.filter(run_id=run.alignment_run_id, mbi=OuterRef("mbi"))
    full = DualBeneficiary.objects.filter(run=run, aco=aco, dual_group=DualGroup.FULL)
    suppressed = full.filter(opted_out(aco)).count()
    rows = full.exclude(opted_out(aco)).annotate(
        first_name=Subquery(aligned.values("first_name")[:1]),
        last_name=Subquery(aligned.values("last_name")[:1]),
        cohort=Subquery(aligned.values("cohort")[:1]),
    )
    rows = rows.annotate(
        last_name_sort=Upper(Coalesce("last_name", "mbi")), first_name_sort=Upper(Coalesce("first_name", "mbi"))
    )
    text = q.strip()
    if text:
        rows = rows.filter(
            Q(mbi__startswith=text.upper()) | Q(last_name__icontains=text) | Q(first_name__icontains=text)
        )
    key = sort.removeprefix("-")
    order = LIST_SORTS.get(key, LIST_SORTS["name"])
    descending = sort.startswith("-") and key in LIST_SORTS
    rows = rows.order_by(*[f"-{o}" if descending else o for o in order], "mbi")
    return FullDualList(run=run, rows=rows, suppressed=suppressed)


# --- opt-outs ------------------------------------------------------------------------------------


def optout_list(*, aco: ACO, q: str = "", status: str = "") -> QuerySet[DataSharingOptOut]:
    """The ACO's opt-outs, open and revoked (``status`` "open" or "revoked" narrows), newest first."""
    rows = DataSharingOptOut.objects.filter(aco=aco).select_related("recorded_by", "revoked_by")
    if status == "open":
        rows = rows.filter(revoked_at__isnull=True)
    elif status == "revoked":
        rows = rows.filter(revoked_at__isnull=False)
    if q.strip():
        rows = rows.filter(mbi__startswith=q.strip().upper())
    return rows.order_by("-declined_on", "-id")


def optout_get(*, aco: ACO, optout_id: int) -> DataSharingOptOut:
    """One of the ACO's opt-outs; another ACO's (or a missing) one answers 404."""
    from django.http import Http404

    found = DataSharingOptOut.objects.filter(aco=aco, pk=optout_id).select_related("aco").first()
    if found is None:
        raise Http404("No such opt-out.")
    return found


def optout_counts(*, aco: ACO) -> dict[str, int]:
    return DataSharingOptOut.objects.filter(aco=aco).aggregate(
        open=Count("id", filter=Q(revoked_at__isnull=True)), revoked=Count("id", filter=Q(revoked_at__isnull=False))
    )
