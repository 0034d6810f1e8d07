"""Reads of the quality catalogue and of an ACO's CAHPS/eCQM results. ACO-scoped reads take an ACO
already resolved through the user's scope (``apps.acos.selectors.aco_get_for_user``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from apps.accounts.models import User
from apps.acos.attention import URGENT, AttentionItem
from apps.acos.models import ACO, ECQMPhase, ModelParameters
from lead_portal.formatting import long_date

from .models import (
    CareGap,
    CareGapEvent,
    CareGapItem,
    CloseReason,
    DataSource,
    Direction,
    GapStatus,
    MeasureCode,
    MeasureDefinition,
    MeasureMember,
    QualityRun,
    QualityScore,
    QualitySubmission,
)
from .models import MeasureResult as StoredMeasureResult

# How a measure's result counts in a year, as the pages say it.
PHASE_LABELS: dict[str, str] = {
    ECQMPhase.OPTIONAL: "optional: not scored",
    ECQMPhase.REPORTING: "pay for reporting: reported counts",
    ECQMPhase.PERFORMANCE: "pay for performance: scored",
}
NOT_SCORED = "not scored"


def ecqm_phase(*, performance_year: int) -> str:
    """The year's eCQM phase (model parameters); optional for a year CMS has not configured."""
    phase = ModelParameters.objects.filter(performance_year=performance_year).values_list("ecqm_phase", flat=True)
    return phase.first() or ECQMPhase.OPTIONAL


def measure_phase(*, data_source: str, scored: bool, phase: str) -> tuple[str, str]:
    """(phase, label) of a measure in a year whose eCQM phase is ``phase``: an eCQM follows the
    year's phase; any other measure is paid for performance when it is scored."""
    if not scored:
        return "not_scored", NOT_SCORED
    if data_source == DataSource.ECQM:
        return phase, PHASE_LABELS[phase]
    return ECQMPhase.PERFORMANCE, PHASE_LABELS[ECQMPhase.PERFORMANCE]


def measure_catalogue(*, performance_year: int | None = None) -> QuerySet[MeasureDefinition]:
    """The catalogue (every signed-in user may read it), one year's or all."""
    qs = MeasureDefinition.objects.all()
    if performance_year is not None:
        qs = qs.filter(performance_year=performance_year)
    return qs.order_by("performance_year", "code")


def ecqm_phases(*, years: set[int]) -> dict[int, str]:
    """The eCQM phase of each of ``years`` (optional where not configured)."""
    found = dict(
        ModelParameters.objects.filter(performance_year__in=years).values_list("performance_year", "ecqm_phase")
    )
    return {year: found.get(year, ECQMPhase.OPTIONAL) for year in years}


@dataclass(frozen=True)
class SubmittedResult:
    """One uploadable measure of an ACO's year: its definition (if the catalogue has the year), how it
    counts, and the current result (None before the first upload)."""

    code: str
    name: str
    phase: str
    phase_label: str
    unit: str
    direction: str
    current: QualitySubmission | None


def submissions_current(*, aco: ACO, performance_year: int) -> list[SubmittedResult]:
    """The ACO's current CAHPS and eCQM results for the year, one entry per uploadable measure."""
    phase = ecqm_phase(performance_year=performance_year)
    definitions = {
        d.code: d
        for d in MeasureDefinition.objects.filter(
            performance_year=performance_year, code__in=QualitySubmission.Measure.values
        )
    }
    current = {
        s.measure: s
        for s in QualitySubmission.objects.filter(
            aco=aco, performance_year=performance_year, superseded_at__isnull=True
        ).select_related("submitted_by")
    }
    out = []
    for code, label in QualitySubmission.Measure.choices:
        definition = definitions.get(code)
        source = DataSource.SURVEY if code == QualitySubmission.Measure.CAHPS else DataSource.ECQM
        key, phase_label = measure_phase(
            data_source=definition.data_source if definition else source,
            scored=definition.scored if definition else True,
            phase=phase,
        )
        out.append(
            SubmittedResult(
                code=code,
                name=definition.name if definition else label,
                phase=key,
                phase_label=phase_label,
                unit=definition.unit if definition else "",
                direction=definition.get_direction_display() if definition else "",
                current=current.get(code),
            )
        )
    return out


def submissions_history(*, aco: ACO, performance_year: int) -> QuerySet[QualitySubmission]:
    """Every result the ACO has had for the year, current and superseded, newest first."""
    return (
        QualitySubmission.objects.filter(aco=aco, performance_year=performance_year)
        .select_related("submitted_by")
        .order_by("-submitted_at", "measure", "-pk")
    )


# --------------------------------------------------------------------------------------------------
# Results of quality runs (pages read precomputed rows: a handful of indexed queries)
# --------------------------------------------------------------------------------------------------
MEASURE_ORDER = [c.value for c in MeasureCode]


def latest_quality_run(*, performance_year: int) -> QualityRun | None:
    return (
        QualityRun.objects.filter(performance_year=performance_year, status=QualityRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )


def latest_quality_run_years() -> list[int]:
    """The performance years with a successful quality run, latest first."""
    years = QualityRun.objects.filter(status=QualityRun.Status.SUCCEEDED).values_list("performance_year", flat=True)
    return sorted(set(years), reverse=True)


def quality_runs(*, performance_year: int) -> QuerySet[QualityRun]:
    return QualityRun.objects.filter(performance_year=performance_year, status=QualityRun.Status.SUCCEEDED).order_by(
        "-finished_at", "-id"
    )


def quality_run_for_view(*, performance_year: int, run_id: Any = None) -> QualityRun | None:
    try:
        wanted = int(run_id) if run_id else None
    except (TypeError, ValueError):
        wanted = None
    if wanted:
        run = quality_runs(performance_year=performance_year).filter(pk=wanted).first()
        if run is not None:
            return run
    return latest_quality_run(performance_year=performance_year)


@dataclass
class MeasureRow:
    code: str
    name: str
    definition: MeasureDefinition | None
    result: StoredMeasureResult | None

    @property
    def higher_is_better(self) -> bool:
        return self.definition is None or self.definition.direction == Direction.HIGHER


def measure_rows(*, aco: ACO, run: QualityRun) -> list[MeasureRow]:
    """Every measure of the PY's catalogue with the ACO's result in the run (None where it has none)."""
    definitions = {d.code: d for d in measure_catalogue(performance_year=run.performance_year)}
    results = {r.measure: r for r in StoredMeasureResult.objects.filter(run=run, aco=aco)}
    names = dict(MeasureCode.choices)
    return [
        MeasureRow(code=code, name=names[code], definition=definitions.get(code), result=results.get(code))
        for code in MEASURE_ORDER
        if code in definitions or code in results
    ]


def measure_row(*, aco: ACO, run: QualityRun, measure: str) -> MeasureRow:
    for row in measure_rows(aco=aco, run=run):
        if row.code == measure:
            return row
    raise Http404("No such measure this year.")


def quality_score(*, aco: ACO, run: QualityRun) -> QualityScore | None:
    return QualityScore.objects.filter(run=run, aco=aco).first()


def measure_trend(*, aco: ACO, performance_year: int, limit: int = 12) -> list[tuple[QualityRun, dict[str, float]]]:
    """The ACO's rate on each measure in the PY's successful runs, oldest first."""
    runs = list(quality_runs(performance_year=performance_year)[:limit])[::-1]
    rates: dict[int, dict[str, float]] = {r.pk: {} for r in runs}
    for run_id, measure, rate in StoredMeasureResult.objects.filter(
        run__in=runs, aco=aco, score_rate__isnull=False
    ).values_list("run_id", "measure", "score_rate"):
        if rate is not None:
            rates[run_id][measure] = rate
    return [(r, rates[r.pk]) for r in runs]


def measure_members(
    *, aco: ACO, run: QualityRun, measure: str, role: str = "", search: str = ""
) -> QuerySet[MeasureMember]:
    qs = MeasureMember.objects.filter(run=run, aco=aco, measure=measure)
    if role in ("denominator", "numerator", "event"):
        qs = qs.filter(role=role)
    if search.strip():
        qs = qs.filter(mbi__startswith=search.strip().upper())
    return qs.order_by("role", "mbi", "event_date", "id")


def care_gaps(
    *,
    aco: ACO,
    run: QualityRun,
    tin: str = "",
    gap_type: str = "",
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    search: str = "",
) -> QuerySet[CareGap]:
    qs = CareGap.objects.filter(run=run, aco=aco)
    if tin.strip():
        qs = qs.filter(tin=tin.strip())
    if gap_type in CareGap.GapType.values:
        qs = qs.filter(gap_type=gap_type)
    if due_from:
        qs = qs.filter(due_date__gte=due_from)
    if due_to:
        qs = qs.filter(due_date__lte=due_to)
    if search.strip():
        word = search.strip().upper()
        qs = qs.filter(Q(mbi__startswith=word) | Q(last_name__istartswith=word))
    return qs.order_by(F("due_date").asc(nulls_last=True), "mbi", "id")


def care_gap_units(*, aco: ACO, run: QualityRun) -> list[str]:
    return list(
        CareGap.objects.filter(run=run, aco=aco)
        .exclude(tin="")
        .values_list("tin", flat=True)
        .distinct()
        .order_by("tin")
    )


# --------------------------------------------------------------------------------------------------
# The care-gap worklist (items across quality runs, with the work done on them)
# --------------------------------------------------------------------------------------------------
# The status filter: "" shows what is still to do.
STATUS_FILTERS: list[tuple[str, str]] = [
    ("", "Open or in progress"),
    (GapStatus.OPEN, "Open"),
    (GapStatus.IN_PROGRESS, "In progress"),
    (GapStatus.CLOSED, "Closed"),
    ("all", "All"),
]
ASSIGNEE_ME, ASSIGNEE_NONE = "me", "none"
MAX_ID = 2**63 - 1  # the largest id a database holds: a larger number is no care gap


def care_gap_assignees(*, aco: ACO) -> QuerySet[User]:
    """The people a care gap of the ACO may be assigned to: its users (administrators and analysts)."""
    return (
        User.objects.filter(memberships__aco=aco, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def care_gap_items(
    *,
    aco: ACO,
    performance_year: int,
    user: User | None = None,
    status: str = "",
    assignee: str = "",
    tin: str = "",
    gap_type: str = "",
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    search: str = "",
) -> QuerySet[CareGapItem]:
    """The ACO's worklist for a year, filtered: ``status`` "" (open or in progress), a status, or "all";
    ``assignee`` "" (anyone), "me" (``user``), "none" (no one) or a username; soonest due first."""
    qs = CareGapItem.objects.filter(aco=aco, performance_year=performance_year).select_related("assignee")
    if status in GapStatus.values:
        qs = qs.filter(status=status)
    elif status != "all":
        qs = qs.exclude(status=GapStatus.CLOSED)
    if assignee == ASSIGNEE_ME:
        qs = qs.filter(assignee=user) if user is not None and user.is_authenticated else qs.none()
    elif assignee == ASSIGNEE_NONE:
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee__username=assignee, assignee__memberships__aco=aco)
    if tin.strip():
        qs = qs.filter(tin=tin.strip())
    if gap_type in CareGap.GapType.values:
        qs = qs.filter(gap_type=gap_type)
    if due_from:
        qs = qs.filter(due_date__gte=due_from)
    if due_to:
        qs = qs.filter(due_date__lte=due_to)
    if search.strip():
        word = search.strip().upper()
        qs = qs.filter(Q(mbi__startswith=word) | Q(last_name__istartswith=word))
    return qs.order_by(F("due_date").asc(nulls_last=True), "mbi", "id")


def care_gap_item_get(*, aco: ACO, item_id: Any) -> CareGapItem:
    """One of the ACO's worklist items; another ACO's (or a missing one) answers 404."""
    try:
        pk = int(item_id)
    except (TypeError, ValueError):
        pk = 0
    if not 0 < pk <= MAX_ID:
        raise Http404("No such care gap.")
    item = (
        CareGapItem.objects.filter(aco=aco, pk=pk)
        .select_related("aco", "assignee", "closed_by", "last_run", "closed_by_run")
        .first()
    )
    if item is None:
        raise Http404("No such care gap.")
    return item


def care_gap_items_by_id(*, aco: ACO, item_ids: list[int]) -> QuerySet[CareGapItem]:
    return CareGapItem.objects.filter(aco=aco, pk__in=item_ids).select_related("assignee").order_by("id")


def care_gap_events(*, item: CareGapItem) -> QuerySet[CareGapEvent]:
    """The item's history, oldest first."""
    return CareGapEvent.objects.filter(item=item).select_related("actor").order_by("at", "id")


def care_gap_item_units(*, aco: ACO, performance_year: int) -> list[str]:
    return list(
        CareGapItem.objects.filter(aco=aco, performance_year=performance_year)
        .exclude(tin="")
        .values_list("tin", flat=True)
        .distinct()
        .order_by("tin")
    )


def care_gap_run_changes(*, aco: ACO, run: QualityRun) -> dict[str, int]:
    """What ``run`` did to the ACO's worklist: items found new, closed by a later claim, closed as no
    longer found, reopened (the ACO's own counts only)."""
    closed = Q(kind=CareGapEvent.Kind.CLOSED)
    counts = CareGapEvent.objects.filter(run=run, item__aco=aco, actor__isnull=True).aggregate(
        found=Count("id", filter=Q(kind=CareGapEvent.Kind.FOUND)),
        closed_by_claim=Count("id", filter=closed & Q(changes__close_reason__1=CloseReason.CLOSED_BY_CLAIM)),
        no_longer_found=Count("id", filter=closed & Q(changes__close_reason__1=CloseReason.NO_LONGER_FOUND)),
        reopened=Count("id", filter=Q(kind=CareGapEvent.Kind.REOPENED)),
    )
    return {key: int(n or 0) for key, n in counts.items()}


# --------------------------------------------------------------------------------------------------
# What needs the ACO's attention (registered in ``apps.py``; see apps/acos/attention.py)
# --------------------------------------------------------------------------------------------------
CARE_GAP_WEEK_DAYS = 7


def gaps_due_between(*, aco: ACO, start: dt.date, end: dt.date) -> QuerySet[CareGapItem]:
    """The ACO's worklist care gaps not closed whose due date falls from ``start`` to ``end``
    (both included), soonest first."""
    return (
        CareGapItem.objects.filter(aco=aco, due_date__gte=start, due_date__lte=end)
        .exclude(status=GapStatus.CLOSED)
        .order_by("due_date", "mbi", "id")
    )


def care_gap_attention(aco: ACO, performance_year: int, today: dt.date) -> list[AttentionItem]:
    """Care gaps due this week (the portal's date and the six days after it), one item per
    performance year, due on the first one's date."""
    end = today + dt.timedelta(days=CARE_GAP_WEEK_DAYS - 1)
    by_year = (
        gaps_due_between(aco=aco, start=today, end=end)
        .order_by()
        .values("performance_year")
        .annotate(count=Count("id"), unassigned=Count("id", filter=Q(assignee__isnull=True)), first=Min("due_date"))
        .order_by("performance_year")
    )
    items = []
    for year in by_year:
        py, count, unassigned = year["performance_year"], year["count"], year["unassigned"]
        verb = "is" if count == 1 else "are"
        detail = f"{count} of PY{py}'s open care gaps {verb} due by {long_date(end)}"
        detail += f"; {unassigned} {'has' if unassigned == 1 else 'have'} no one assigned." if unassigned else "."
        url = reverse("quality:care_gaps", kwargs={"aco_id": aco.aco_id})
        items.append(
            AttentionItem(
                kind="care_gaps",
                title=f"{count} care gap{'s' if count != 1 else ''} due this week",
                detail=detail,
                url=f"{url}?py={py}&due_from={today.isoformat()}&due_to={end.isoformat()}",
                action="Work the care gaps",
                read_action="See the care gaps",
                severity=URGENT,
                deadline=year["first"],
            )
        )
    return items
