"""Reads of alignment results, always for one ACO the caller has already resolved through the
user's scope (``ACOScopedMixin`` / ``ACOScopedViewSet``). Pages read precomputed rows of the run:
a handful of indexed queries whatever the ACO's size."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse

from apps.accounts.models import AccessLog
from apps.acos.attention import URGENT, AttentionItem, downloads_waiting, local_date
from apps.acos.models import ACO, Election, ModelParameters, ParticipantTIN
from apps.claims.models import Beneficiary
from apps.risk import selectors as risk_selectors
from apps.risk.models import RecaptureGap, RiskRun

from . import engine
from .explain import OTHER_ACO
from .models import AlignedBeneficiary, AlignmentExport, AlignmentRun

RUN_CACHE_SECONDS = 24 * 3600

SORTS = {
    "mbi": ("mbi",),
    "-mbi": ("-mbi",),
    "name": ("last_name", "first_name", "mbi"),
    "-name": ("-last_name", "-first_name", "-mbi"),
    "cohort": ("cohort", "mbi"),
    "-cohort": ("-cohort", "mbi"),
    "type": ("alignment_type", "mbi"),
    "-type": ("-alignment_type", "mbi"),
    "tin": ("tin", "mbi"),
    "-tin": ("-tin", "mbi"),
    "step": ("step", "mbi"),
    "-step": ("-step", "mbi"),
}


def latest_run(*, performance_year: int) -> AlignmentRun | None:
    """The most recent successful run of the PY: the one pages show by default."""
    return (
        AlignmentRun.objects.filter(performance_year=performance_year, status=AlignmentRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )


def run_list(*, performance_year: int | None = None) -> QuerySet[AlignmentRun]:
    qs = AlignmentRun.objects.select_related("created_by")
    if performance_year is not None:
        qs = qs.filter(performance_year=performance_year)
    return qs.order_by("-created_at", "-id")


def run_get(*, run_id: int) -> AlignmentRun:
    run = AlignmentRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404("No such alignment run.")
    return run


def succeeded_runs(*, performance_year: int) -> QuerySet[AlignmentRun]:
    return AlignmentRun.objects.filter(
        performance_year=performance_year, status=AlignmentRun.Status.SUCCEEDED
    ).order_by("-finished_at", "-id")


def run_for_view(*, performance_year: int, run_id: Any = None) -> AlignmentRun | None:
    """The run a page shows: ``?run=`` if it is a successful run of the PY, else the latest."""
    try:
        wanted = int(run_id) if run_id else None
    except (TypeError, ValueError):
        wanted = None
    if wanted:
        run = succeeded_runs(performance_year=performance_year).filter(pk=wanted).first()
        if run is not None:
            return run
    return latest_run(performance_year=performance_year)


def previous_run(*, run: AlignmentRun) -> AlignmentRun | None:
    """The successful run before ``run``: of the same PY if there is one, else the latest of the PY before."""
    earlier = (
        succeeded_runs(performance_year=run.performance_year)
        .filter(Q(finished_at__lt=run.finished_at) | Q(finished_at=run.finished_at, id__lt=run.id))
        .first()
    )
    return earlier or latest_run(performance_year=run.performance_year - 1)


def aligned_list(
    *,
    aco: ACO,
    run: AlignmentRun,
    search: str = "",
    cohort: str = "",
    alignment_type: str = "",
    tin: str = "",
    high_needs: str = "",
    sort: str = "mbi",
) -> QuerySet[AlignedBeneficiary]:
    qs = AlignedBeneficiary.objects.filter(run=run, aco=aco)
    search = search.strip()
    if search:
        words = search.upper().split()
        if len(words) == 1 and len(words[0]) == 11 and words[0][0].isdigit():
            qs = qs.filter(mbi=words[0])
        elif len(words) == 1 and words[0][0].isdigit():
            qs = qs.filter(mbi__startswith=words[0])
        else:
            # Name search: every word must start the last or the first name ("smith", "smith jo", "jo smith").
            for word in words:
                qs = qs.filter(Q(last_name__istartswith=word) | Q(first_name__istartswith=word))
    if cohort in AlignedBeneficiary.Cohort.values:
        qs = qs.filter(cohort=cohort)
    if alignment_type in AlignedBeneficiary.Type.values:
        qs = qs.filter(alignment_type=alignment_type)
    if tin:
        qs = qs.filter(tin=tin.strip())
    if high_needs in ("yes", "no"):
        qs = qs.filter(high_needs=high_needs == "yes")
    return qs.order_by(*SORTS.get(sort, SORTS["mbi"]))


def aligned_get(*, aco: ACO, run: AlignmentRun, mbi: str) -> AlignedBeneficiary:
    row = AlignedBeneficiary.objects.filter(run=run, aco=aco, mbi=mbi.strip().upper()).first()
    if row is None:
        raise Http404("This beneficiary is not aligned to the ACO in this run.")
    return row


def explanation_for(*, aco: ACO, explanation: Mapping[str, Any] | None) -> dict[str, Any]:
    """A stored explanation (``engine.Explanation`` as JSON) as ``aco`` may see it.

    The run's explanation is portal-wide: the claims competition lists every entity that billed the
    beneficiary, other ACOs by their id, and a voluntary record names the ACO it was filed for. The
    beneficiary's own claims are this ACO's to see (who billed and how much: TINs and CCNs in no ACO
    stay), but which other ACO competed, or filed the record, is not: another ACO becomes
    ``another ACO`` (kind ``other_aco``; numbered when several competed, so each keeps its own bar)."""
    shown = dict(explanation or {})
    others: dict[str, str] = {}
    competitors = []
    for competitor in shown.get("competitors") or []:
        if competitor.get("kind") == "aco" and competitor.get("key") != aco.aco_id:
            label = others.setdefault(
                str(competitor.get("key")), OTHER_ACO if not others else f"{OTHER_ACO} {len(others) + 1}"
            )
            competitor = {**competitor, "key": label, "kind": "other_aco"}
        competitors.append(competitor)
    if "competitors" in shown:
        shown["competitors"] = competitors
    voluntary = shown.get("voluntary")
    if isinstance(voluntary, Mapping):
        masked = dict(voluntary)
        for key in ("aco_id", "record_aco_id"):
            if masked.get(key) and masked[key] != aco.aco_id:
                masked[key] = OTHER_ACO
        shown["voluntary"] = masked
    return shown


def aligned_history(*, aco: ACO, mbi: str) -> QuerySet[AlignedBeneficiary]:
    """Every successful run that aligned the beneficiary to this ACO, newest first."""
    return (
        AlignedBeneficiary.objects.filter(aco=aco, mbi=mbi, run__status=AlignmentRun.Status.SUCCEEDED)
        .select_related("run")
        .order_by("-run__finished_at", "-run_id")
    )


def beneficiary_record(*, mbi: str) -> Beneficiary | None:
    return Beneficiary.objects.filter(mbi=mbi).first()


def _per_run(run: AlignmentRun, key: str, compute: Callable[[], Any]) -> Any:
    """A finished run's rows never change: figures about them are computed once and kept in the cache
    (Redis when configured), so a page showing them does not recount tens of thousands of rows."""
    if run.status != AlignmentRun.Status.SUCCEEDED:
        return compute()
    stamp = run.finished_at.timestamp() if run.finished_at else 0  # a reused id is another run
    return cache.get_or_set(f"alignment:run{run.pk}:{stamp}:{key}", compute, RUN_CACHE_SECONDS)


def aligning_units(*, aco: ACO, run: AlignmentRun) -> list[str]:
    return list(
        _per_run(
            run,
            f"aco{aco.pk}:units",
            lambda: list(
                AlignedBeneficiary.objects.filter(run=run, aco=aco)
                .values_list("tin", flat=True)
                .distinct()
                .order_by("tin")
            ),
        )
    )


@dataclass
class UnitRow:
    unit: str
    kind: str
    legal_name: str
    total: int = 0
    claims: int = 0
    voluntary: int = 0
    aged_disabled: int = 0
    esrd: int = 0
    high_needs: int = 0


def by_unit(*, aco: ACO, run: AlignmentRun) -> list[UnitRow]:
    """Aligned beneficiaries per aligning TIN or CCN, with every Participant TIN of the PY (zero if none)."""
    rows: dict[str, UnitRow] = {}
    for tin, name, ccns in ParticipantTIN.objects.filter(aco=aco, performance_year=run.performance_year).values_list(
        "tin", "legal_name", "ccns"
    ):
        rows[tin] = UnitRow(unit=tin, kind="tin", legal_name=name)
        for ccn in ccns or []:
            rows.setdefault(ccn, UnitRow(unit=ccn, kind="ccn", legal_name=f"CCN listed by TIN {tin}"))
    counts = (
        AlignedBeneficiary.objects.filter(run=run, aco=aco)
        .values("tin", "unit_kind")
        .annotate(
            total=Count("id"),
            claims=Count("id", filter=Q(alignment_type="claims")),
            voluntary=Count("id", filter=Q(alignment_type="voluntary")),
            aged_disabled=Count("id", filter=Q(cohort="aged_disabled")),
            esrd=Count("id", filter=Q(cohort="esrd")),
            high_needs=Count("id", filter=Q(cohort="high_needs")),
        )
    )
    for c in counts:
        row = rows.setdefault(
            c["tin"], UnitRow(unit=c["tin"], kind=c["unit_kind"] or "tin", legal_name="No longer a Participant TIN")
        )
        row.total += c["total"]
        row.claims += c["claims"]
        row.voluntary += c["voluntary"]
        row.aged_disabled += c["aged_disabled"]
        row.esrd += c["esrd"]
        row.high_needs += c["high_needs"]
    return sorted(rows.values(), key=lambda r: (-r.total, r.unit))


def run_summary(*, aco: ACO, run: AlignmentRun) -> dict[str, int]:
    return dict(_per_run(run, f"aco{aco.pk}:summary", lambda: _run_summary(aco, run)))


def _run_summary(aco: ACO, run: AlignmentRun) -> dict[str, int]:
    return AlignedBeneficiary.objects.filter(run=run, aco=aco).aggregate(
        total=Count("id"),
        claims=Count("id", filter=Q(alignment_type="claims")),
        voluntary=Count("id", filter=Q(alignment_type="voluntary")),
        aged_disabled=Count("id", filter=Q(cohort="aged_disabled")),
        esrd=Count("id", filter=Q(cohort="esrd")),
        high_needs_cohort=Count("id", filter=Q(cohort="high_needs")),
        high_needs=Count("id", filter=Q(high_needs=True)),
        step1=Count("id", filter=Q(step="1")),
        step2=Count("id", filter=Q(step="2")),
        added_midyear=Count("id", filter=Q(added_midyear=True)),
    )


# --------------------------------------------------------------------------------------------------
# Minimums (docs/alignment.md)
# --------------------------------------------------------------------------------------------------
@dataclass
class MinimumsStatus:
    performance_year: int
    run: AlignmentRun | None
    category: str = ""  # "standard", "high_needs" or "newly_entering"
    category_label: str = ""
    total: int = 0
    claims: int = 0
    high_needs: int = 0
    high_needs_share: float = 0.0
    total_minimum: int = 0
    claims_minimum: int = 0
    total_met: bool = False
    claims_met: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.total_met and self.claims_met

    @property
    def total_short(self) -> int:
        return max(0, self.total_minimum - self.total)

    @property
    def claims_short(self) -> int:
        return max(0, self.claims_minimum - self.claims)

    @property
    def high_needs_percent(self) -> float:
        return round(100 * self.high_needs_share, 1)


HIGH_NEEDS_ACO_SHARE = 0.40


def minimums_status(
    *,
    aco: ACO,
    performance_year: int,
    run: AlignmentRun | None = None,
    totals: tuple[int, int, int] | None = None,
) -> MinimumsStatus:
    """Which minimums apply to the ACO for the PY, and whether the latest run meets them.

    The category: newly entering (the PY election says so) or with providers new to ACOs (a Participant
    TIN of the PY flagged new to ACOs) takes the newly entering minimums; otherwise an ACO
    with more than 40% of its aligned beneficiaries High Needs is a High Needs ACO; otherwise standard.
    The claims minimum is checked against the PY run's claims-aligned count: a PY's bundle does not
    carry the claims of the base years' own alignment years (CY2024–26 need claims back to 2021).
    ``totals`` (aligned, claims-aligned, High Needs) stand in for the run's counts: a what-if's."""
    run = run if run is not None else latest_run(performance_year=performance_year)
    status = MinimumsStatus(performance_year=performance_year, run=run)
    params = ModelParameters.objects.filter(performance_year=performance_year).first()
    if params is None:
        status.notes.append(f"No model parameters are set for PY{performance_year}.")
        return status
    if totals is not None:
        status.total, status.claims, status.high_needs = totals
        status.high_needs_share = status.high_needs / status.total if status.total else 0.0
    elif run is not None:
        summary = run_summary(aco=aco, run=run)
        status.total, status.claims, status.high_needs = summary["total"], summary["claims"], summary["high_needs"]
        status.high_needs_share = status.high_needs / status.total if status.total else 0.0
    election = Election.objects.filter(aco=aco, performance_year=performance_year).first()
    new_to_aco = ParticipantTIN.objects.filter(aco=aco, performance_year=performance_year, new_to_aco=True).exists()
    if (election is not None and election.newly_entering) or new_to_aco:
        status.category, status.category_label = "newly_entering", "Newly entering ACO or providers new to ACOs"
        status.total_minimum, status.claims_minimum = (
            params.minimum_newly_entering_total,
            params.minimum_newly_entering_claims,
        )
    elif status.high_needs_share > HIGH_NEEDS_ACO_SHARE:
        status.category, status.category_label = "high_needs", "High Needs ACO"
        status.total_minimum, status.claims_minimum = params.minimum_high_needs_total, params.minimum_high_needs_claims
    else:
        status.category, status.category_label = "standard", "Standard ACO"
        status.total_minimum, status.claims_minimum = params.minimum_standard_total, params.minimum_standard_claims
    status.total_met = status.total >= status.total_minimum
    status.claims_met = status.claims >= status.claims_minimum
    if run is None:
        status.notes.append("Alignment has not been computed for this performance year yet.")
    return status


# --------------------------------------------------------------------------------------------------
# Churn between two runs
# --------------------------------------------------------------------------------------------------
@dataclass
class ChurnRow:
    mbi: str
    name: str
    change: str  # "joined", "left", "stayed"
    reason: str
    before: str = ""
    after: str = ""


@dataclass
class Churn:
    run: AlignmentRun
    base: AlignmentRun | None
    joined: list[ChurnRow] = field(default_factory=list)
    left: list[ChurnRow] = field(default_factory=list)
    stayed: int = 0
    joined_count: int = 0
    left_count: int = 0
    stayed_changed: list[ChurnRow] = field(default_factory=list)


def _how(row: dict[str, Any]) -> str:
    if row["alignment_type"] == "voluntary":
        return f"voluntary, TIN {row['tin']}"
    unit = "CCN" if row["unit_kind"] == "ccn" else "TIN"
    return f"claims step {row['step']}, {unit} {row['tin']}"


def _left_reason(mbi: str, now: Mapping[str, Any] | None, bene: Beneficiary | None, py: int) -> str:
    if now is not None:
        # Which ACO it is, is that ACO's to know: this one learns only that the beneficiary went, and how.
        how = "voluntarily" if now["alignment_type"] == "voluntary" else "by claims"
        return f"Now aligned {how} to {OTHER_ACO}."
    if bene is None:
        return "No current beneficiary record (CCLF8) in the data."
    start = dt.date(py, 1, 1)
    if bene.death_date and bene.death_date < start:
        return f"Died {bene.death_date:%b %-d, %Y}, before the performance year."
    if bene.state not in engine.ELIGIBLE_STATES:
        return f"Lives outside the 50 states, DC and PR (state {bene.state or 'blank'})."
    if not bene.part_a_start or bene.part_a_start > start or not bene.part_b_start or bene.part_b_start > start:
        return "Part A and Part B entitlement do not both start by January 1 of the performance year."
    return "Another provider outside any ACO now has the plurality of qualifying services, or none remain."


def churn(*, aco: ACO, run: AlignmentRun, base: AlignmentRun | None, limit: int = 500) -> Churn:
    """Who joined, stayed and left the ACO between ``base`` and ``run``, with a reason for each change.
    Lists are capped at ``limit`` rows each (counts are exact)."""
    result = Churn(run=run, base=base)
    fields = ("mbi", "first_name", "last_name", "alignment_type", "step", "tin", "unit_kind")
    now = {r["mbi"]: r for r in AlignedBeneficiary.objects.filter(run=run, aco=aco).values(*fields)}
    if base is None:
        result.joined = [
            ChurnRow(r["mbi"], f"{r['last_name']}, {r['first_name']}", "joined", "First run.", after=_how(r))
            for r in list(now.values())[:limit]
        ]
        result.joined_count = len(now)
        return result
    before = {r["mbi"]: r for r in AlignedBeneficiary.objects.filter(run=base, aco=aco).values(*fields)}
    joined = sorted(set(now) - set(before))
    left = sorted(set(before) - set(now))
    stayed = set(now) & set(before)
    result.stayed = len(stayed)
    result.joined_count, result.left_count = len(joined), len(left)
    for mbi in joined[:limit]:
        r = now[mbi]
        reason = (
            "Designated a clinician of the ACO (voluntary alignment)."
            if r["alignment_type"] == "voluntary"
            else f"The ACO now has the plurality of qualifying services (step {r['step']})."
        )
        result.joined.append(ChurnRow(mbi, f"{r['last_name']}, {r['first_name']}", "joined", reason, after=_how(r)))
    left_page = left[:limit]
    elsewhere = {
        r["mbi"]: r
        for r in AlignedBeneficiary.objects.filter(run=run, mbi__in=left_page).values("mbi", "alignment_type")
    }
    benes = {b.mbi: b for b in Beneficiary.objects.filter(mbi__in=left_page)}
    for mbi in left_page:
        r = before[mbi]
        reason = _left_reason(mbi, elsewhere.get(mbi), benes.get(mbi), run.performance_year)
        result.left.append(ChurnRow(mbi, f"{r['last_name']}, {r['first_name']}", "left", reason, before=_how(r)))
    for mbi in sorted(stayed):
        a, b = before[mbi], now[mbi]
        if _how(a) != _how(b) and len(result.stayed_changed) < limit:
            result.stayed_changed.append(
                ChurnRow(
                    mbi, f"{b['last_name']}, {b['first_name']}", "stayed", "Aligned another way.", _how(a), _how(b)
                )
            )
    return result


def export_list(*, aco: ACO) -> QuerySet[AlignmentExport]:
    return AlignmentExport.objects.filter(aco=aco).select_related("run", "created_by").order_by("-created_at")[:20]


def export_get(*, aco: ACO, export_id: int) -> AlignmentExport:
    export = AlignmentExport.objects.filter(aco=aco, pk=export_id).select_related("run", "aco").first()
    if export is None:
        raise Http404("No such export.")
    return export


def home_panel(aco: ACO, performance_year: int) -> tuple[str, dict[str, object]]:
    """The ACO home page's alignment panel: counts and the minimums status."""
    run = latest_run(performance_year=performance_year)
    return "alignment/_home_panel.html", {
        "alignment_run": run,
        "alignment_summary": run_summary(aco=aco, run=run) if run else None,
        "minimums": minimums_status(aco=aco, performance_year=performance_year, run=run),
    }


# --------------------------------------------------------------------------------------------------
# What needs the ACO's attention (registered in ``apps.py``; see apps/acos/attention.py)
# --------------------------------------------------------------------------------------------------
def minimum_shortfall_text(status: MinimumsStatus) -> str:
    """What it would take to meet the minimums, in beneficiaries. Claims-aligned beneficiaries count
    toward the total too, so the claims shortfall can cover the total's."""
    total, claims = status.total_short, status.claims_short
    if total and claims and claims < total:
        return f"{total:,} more aligned beneficiaries, at least {claims:,} of them claims-aligned"
    if claims:
        return f"{claims:,} more claims-aligned beneficiar{'y' if claims == 1 else 'ies'}"
    return f"{total:,} more aligned beneficiar{'y' if total == 1 else 'ies'} (claims-based or voluntary)"


def minimum_attention(aco: ACO, performance_year: int, today: dt.date) -> list[AttentionItem]:
    """The performance year's alignment below the minimums that apply to the ACO, with the gap."""
    status = minimums_status(aco=aco, performance_year=performance_year)
    if status.run is None or status.met:
        return []
    detail = (
        f"{status.category_label} minimums: {status.total:,} of {status.total_minimum:,} aligned and "
        f"{status.claims:,} of {status.claims_minimum:,} claims-aligned in alignment run {status.run.pk}. "
        f"It would take {minimum_shortfall_text(status)}."
    )
    return [
        AttentionItem(
            kind="alignment_minimum",
            title=f"PY{performance_year} alignment is below the minimums",
            detail=detail,
            url=f"{reverse('alignment:by_tin', kwargs={'aco_id': aco.aco_id})}?py={performance_year}",
            action="See alignment by TIN",
            severity=URGENT,
            since=local_date(status.run.finished_at),
        )
    ]


# A download's access-log row names the export in its detail ("csv export 12, 253 rows").
_EXPORT_IN_DETAIL = re.compile(r"\bexport (\d+)\b")


def export_attention(aco: ACO, performance_year: int, today: dt.date) -> list[AttentionItem]:
    """Lists of aligned beneficiaries built and not yet downloaded by anyone of the ACO."""
    ready = list(
        AlignmentExport.objects.filter(aco=aco, status=AlignmentExport.Status.READY)
        .exclude(file="")
        .select_related("run")
        .order_by("finished_at", "id")
    )
    if not ready:
        return []
    downloaded = {
        int(m.group(1))
        for detail in AccessLog.objects.filter(
            action=AccessLog.Action.EXPORT,
            object_type="aligned_beneficiaries",
            object_id__in={f"run {e.run_id}" for e in ready},  # a download names its export's run
            aco_code=aco.aco_id,
            user__memberships__aco=aco,
        ).values_list("detail", flat=True)
        if (m := _EXPORT_IN_DETAIL.search(detail))
    }
    waiting = [e for e in ready if e.pk not in downloaded]
    if not waiting:
        return []
    return [
        downloads_waiting(
            described=[
                f"{e.get_format_display()}, PY{e.run.performance_year}, {e.row_count:,} beneficiaries" for e in waiting
            ],
            one="list of aligned beneficiaries",
            many="lists of aligned beneficiaries",
            url=f"{reverse('alignment:exports', kwargs={'aco_id': aco.aco_id})}?py={waiting[-1].run.performance_year}",
            action="Download the lists",
            since=waiting[0].finished_at,
        )
    ]


# --------------------------------------------------------------------------------------------------
# Recapture gaps (docs/risk.md): the risk run's gaps of the ACO's aligned beneficiaries
# --------------------------------------------------------------------------------------------------
def recapture_risk_run(*, run: AlignmentRun) -> RiskRun | None:
    """The risk run whose gaps the worklist shows: the one the alignment run used, else the PY's latest."""
    return run.risk_run or risk_selectors.latest_run(performance_year=run.performance_year)


def recapture_gaps(
    *, aco: ACO, run: AlignmentRun, risk_run: RiskRun, tin: str = "", npi: str = "", hcc: str = ""
) -> QuerySet[RecaptureGap]:
    """Open recapture gaps of the ACO's beneficiaries aligned in ``run`` (by aligning TIN/CCN and NPI,
    and one HCC, when given), by MBI then HCC."""
    aligned = AlignedBeneficiary.objects.filter(run=run, aco=aco)
    if tin:
        aligned = aligned.filter(tin=tin)
    if npi:
        aligned = aligned.filter(npi=npi)
    gaps = RecaptureGap.objects.filter(run=risk_run, mbi__in=aligned.values("mbi"))
    if hcc:
        gaps = gaps.filter(hcc=hcc)
    return gaps.order_by("mbi", "hcc")


def recapture_summary(gaps: QuerySet[RecaptureGap]) -> dict[str, Any]:
    """Count, beneficiaries and "risk score at stake" (the sum of the open gaps' coefficients)."""
    found = gaps.aggregate(gaps=Count("pk"), beneficiaries=Count("mbi", distinct=True), at_stake=Sum("coefficient"))
    found["at_stake"] = round(float(found["at_stake"] or 0), 3)
    return found


def recapture_by_unit(*, aco: ACO, run: AlignmentRun, risk_run: RiskRun) -> list[dict[str, Any]]:
    """Open gaps per aligning unit and NPI (one SQL aggregate): beneficiaries with a gap, gaps and risk score
    at stake, the largest stake first."""
    gaps, aligned = RecaptureGap._meta.db_table, AlignedBeneficiary._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ab.tin, ab.unit_kind, ab.npi, COUNT(DISTINCT g.mbi), COUNT(*), SUM(g.coefficient) "  # noqa: S608
            f"FROM {gaps} g JOIN {aligned} ab ON ab.mbi = g.mbi AND ab.run_id = %s AND ab.aco_id = %s "
            "WHERE g.run_id = %s GROUP BY ab.tin, ab.unit_kind, ab.npi ORDER BY 6 DESC, 1, 3",
            [run.pk, aco.pk, risk_run.pk],
        )
        return [
            {"tin": t, "unit_kind": k, "npi": n, "beneficiaries": b, "gaps": g, "at_stake": round(float(s or 0), 3)}
            for t, k, n, b, g, s in cursor.fetchall()
        ]
