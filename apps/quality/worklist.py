"""The care-gap worklist across quality runs: each successful run finds the worklist item of every gap
it stored, creates the items of new gaps, and closes the items it no longer finds, naming the later
claim that closed each when there is one (``care_gaps_reconcile``, called by the run inside its results
transaction, so a page never sees a run's gaps without their items).

An item is keyed by the ACO, the performance year, the beneficiary, the kind of gap and the claim that
opened it (``CareGapItem``); the status, assignee, due date and notes a care manager gave it are never
touched by a run, except that a run closes an open or in-progress item it no longer finds, and reopens
an item a run had closed when a later run finds the gap again.

Which later claim closes a gap, from the run's own membership rows (apps/quality/engine.py):

* a follow-up gap (TFU: follow-up due or missed) whose event the run now counts as met: the first
  primary care (PQEM) service in the window, a Part B line or an RHC/FQHC revenue line, named by its
  claim id, date and HCPCS code (or revenue center);
* a recent discharge at risk of readmission that the run now counts as readmitted: the readmission's
  inpatient claim, its admission date and principal diagnosis.

Any other gap the run no longer finds (a readmission no longer recent, a discharge whose 30-day window
ended without a readmission, a beneficiary no longer aligned to the ACO) is closed as "no longer found",
with the reason in words.

The due date of a new item: the last day of the gap's window when it has one (a follow-up still due, a
discharge's 30-day window); a missed follow-up or a recent readmission has no window left, so the item
is due ``DEFAULT_DUE_DAYS`` after the portal's date (``apps.acos.selectors.portal_today``), and never
before the day the gap opened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F
from django.utils import timezone

from apps.acos.selectors import portal_today
from apps.alignment.inputs import RHC_FQHC_REVENUE_CENTERS, pqem_codes
from apps.alignment.models import AlignedBeneficiary
from apps.claims.models import PartAClaim, PartARevenueLine, PartBLine
from lead_portal.formatting import when

from .models import (
    GAP_KIND_OF_TYPE,
    RUN_CLOSE_REASONS,
    CareGap,
    CareGapEvent,
    CareGapItem,
    CloseReason,
    GapKind,
    GapStatus,
    MeasureMember,
    QualityRun,
)

DEFAULT_DUE_DAYS = 14
# Gap types whose window has passed: the item is due a fixed time after it is found.
NO_WINDOW_LEFT = {CareGap.GapType.TFU_MISSED, CareGap.GapType.READMISSION}
CHUNK = 500  # values per IN list (SQLite takes at most 32,766 parameters a statement)


@dataclass(frozen=True)
class ClosingClaim:
    """The later claim that closed a gap."""

    what: str  # "follow-up visit", "readmission"
    claim_id: int | None
    date: dt.date
    code: str  # "HCPCS 99214", "revenue center 0521", "principal diagnosis I50.20"

    def sentence(self) -> str:
        claim = f"claim {self.claim_id}" if self.claim_id is not None else "claim not found"
        code = f", {self.code}" if self.code else ""
        return f"{self.what} on {when(self.date)} ({claim}{code})"


def icd10_display(code: str) -> str:
    """An ICD-10-CM code as people write it: a dot after the third character (I5020 → I50.20)."""
    code = code.strip().upper()
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def _kind_case(column: str) -> tuple[str, list[str]]:
    """SQL giving the item kind of a gap type column, and its parameters."""
    whens = " ".join("WHEN %s THEN %s" for _ in GAP_KIND_OF_TYPE)
    params = [v for pair in GAP_KIND_OF_TYPE.items() for v in pair]
    return f"CASE {column} {whens} END", params


# ---------------------------------------------------------------------------------------------------
# The later claims
# ---------------------------------------------------------------------------------------------------
def followup_claims(pairs: set[tuple[str, dt.date]]) -> dict[tuple[str, dt.date], tuple[int | None, str]]:
    """The PQEM claim behind each (MBI, service date): (claim id, code), the lowest claim id first; a
    Part B line (not denied) before an RHC/FQHC revenue line."""
    found: dict[tuple[str, dt.date], tuple[int | None, str]] = {}
    if not pairs:
        return found
    codes = pqem_codes()
    mbis = sorted({m for m, _ in pairs})
    dates = sorted({d for _, d in pairs})
    for part in _chunks(mbis):
        rows = (
            PartBLine.objects.filter(
                is_current=True,
                is_denied=False,
                current_mbi__in=part,
                clm_line_from_dt__in=dates,
                clm_line_hcpcs_cd__in=codes,
            )
            .order_by("cur_clm_uniq_id", "clm_line_num")
            .values_list("current_mbi", "clm_line_from_dt", "cur_clm_uniq_id", "clm_line_hcpcs_cd")
        )
        for mbi, day, claim_id, hcpcs in rows:
            if day is not None and (mbi, day) in pairs:
                found.setdefault((mbi, day), (claim_id, f"HCPCS {hcpcs.upper()}"))
    left = sorted(p for p in pairs if p not in found)
    for part in _chunks(sorted({m for m, _ in left})):
        lines = (
            PartARevenueLine.objects.filter(is_current=True, current_mbi__in=part, clm_line_from_dt__in=dates)
            .order_by("cur_clm_uniq_id")
            .values_list(
                "current_mbi", "clm_line_from_dt", "cur_clm_uniq_id", "clm_line_prod_rev_ctr_cd", "clm_line_hcpcs_cd"
            )
        )
        for mbi, day, claim_id, revenue_center, hcpcs in lines:
            if day is None or (mbi, day) not in pairs or (mbi, day) in found:
                continue
            if hcpcs and hcpcs in codes:
                found[(mbi, day)] = (claim_id, f"HCPCS {hcpcs.upper()}")
            elif revenue_center in RHC_FQHC_REVENUE_CENTERS:
                found[(mbi, day)] = (claim_id, f"revenue center {revenue_center}")
    return found


def principal_diagnoses(claim_ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for part in _chunks(sorted(set(claim_ids))):
        rows = PartAClaim.objects.filter(is_current=True, cur_clm_uniq_id__in=part).values_list(
            "cur_clm_uniq_id", "prncpl_dgns_cd"
        )
        for claim_id, dx in rows:
            if claim_id is not None and dx.strip():
                out.setdefault(claim_id, icd10_display(dx))
    return out


def closing_claims(run: QualityRun, items: Sequence[CareGapItem]) -> dict[int, ClosingClaim]:
    """The later claim that closed each of ``items`` (by item id) in ``run``, for those a claim closed."""
    by_event: dict[tuple[int, str, str, int], CareGapItem] = {}
    for item in items:
        if item.kind == GapKind.FOLLOW_UP:
            by_event[(item.aco_id, item.mbi, "tfu", item.opening_claim_id)] = item
        elif item.kind == GapKind.INDEX_STAY:
            by_event[(item.aco_id, item.mbi, "acr", item.opening_claim_id)] = item
    if not by_event:
        return {}
    met: dict[int, tuple[str, int | None, dt.date]] = {}  # item id -> (measure, claim id, date)
    for part in _chunks(sorted({k[3] for k in by_event})):
        members = MeasureMember.objects.filter(
            run=run, role="numerator", measure__in=("tfu", "acr"), related_claim_id__in=part
        ).values_list("aco_id", "mbi", "measure", "related_claim_id", "claim_id", "event_date")
        for aco_id, mbi, measure, related, claim_id, day in members:
            found = by_event.get((aco_id, mbi, measure, related or 0))
            if found is not None and day is not None and found.pk not in met:
                met[found.pk] = (measure, claim_id, day)
    followups = followup_claims({(i.mbi, met[i.pk][2]) for i in items if met.get(i.pk, ("",))[0] == "tfu"})
    diagnoses = principal_diagnoses([c for m, c, _ in met.values() if m == "acr" and c is not None])
    out: dict[int, ClosingClaim] = {}
    for item in items:
        if item.pk not in met:
            continue
        measure, claim_id, day = met[item.pk]
        if measure == "tfu":
            found_claim, code = followups.get((item.mbi, day), (None, ""))
            out[item.pk] = ClosingClaim("follow-up visit", found_claim, day, code)
        else:
            dx = diagnoses.get(claim_id) if claim_id is not None else None
            out[item.pk] = ClosingClaim("readmission", claim_id, day, f"principal diagnosis {dx}" if dx else "")
    return out


def _why_gone(item: CareGapItem, run: QualityRun, aligned: set[tuple[int, str]]) -> str:
    """Why a run no longer finds a gap that no claim closed, in words."""
    if (item.aco_id, item.mbi) not in aligned:
        return f"the beneficiary is no longer aligned to the ACO in alignment run {run.alignment_run_id}"
    if item.kind == GapKind.READMISSION:
        return "the readmission is no longer recent"
    if item.kind == GapKind.INDEX_STAY:
        return "the 30-day readmission window ended without a readmission"
    return "the quality run no longer counts the event (for example, the beneficiary died)"


# ---------------------------------------------------------------------------------------------------
# Reconciling a run's gaps with the worklist
# ---------------------------------------------------------------------------------------------------
def _link(run: QualityRun, only_unlinked: bool) -> None:
    """Point each of the run's gaps at its item (one UPDATE)."""
    gaps, items = CareGap._meta.db_table, CareGapItem._meta.db_table
    kind, params = _kind_case(f"{gaps}.gap_type")
    unlinked = f" AND {gaps}.item_id IS NULL" if only_unlinked else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {gaps} SET item_id = i.id FROM {items} i "  # noqa: S608
            f"WHERE {gaps}.run_id = %s{unlinked} AND i.performance_year = %s AND i.aco_id = {gaps}.aco_id "
            f"AND i.mbi = {gaps}.mbi AND i.opening_claim_id = COALESCE({gaps}.claim_id, 0) AND i.kind = {kind}",
            [run.pk, run.performance_year, *params],
        )


def _create_items(run: QualityRun, today: dt.date, now: dt.datetime) -> int:
    """An item for each gap of the run that has none yet, with its "found" event."""
    rows = (
        CareGap.objects.filter(run=run, item__isnull=True)
        .order_by("id")
        .values_list(
            "aco_id",
            "mbi",
            "gap_type",
            "measure",
            "claim_id",
            "opened_on",
            "due_date",
            "tin",
            "first_name",
            "last_name",
        )
    )
    new: dict[tuple[int, str, str, int], CareGapItem] = {}
    for aco_id, mbi, gap_type, measure, claim_id, opened_on, due_date, tin, first, last in rows:
        key = (aco_id, mbi, GAP_KIND_OF_TYPE[gap_type], claim_id or 0)
        if key in new:
            continue
        if gap_type in NO_WINDOW_LEFT or due_date is None:
            due = max(today + dt.timedelta(days=DEFAULT_DUE_DAYS), opened_on)
        else:
            due = due_date
        new[key] = CareGapItem(
            aco_id=aco_id,
            performance_year=run.performance_year,
            mbi=mbi,
            kind=key[2],
            opening_claim_id=key[3],
            gap_type=gap_type,
            measure=measure,
            opened_on=opened_on,
            window_ends=due_date,
            tin=tin,
            first_name=first,
            last_name=last,
            last_run=run,
            due_date=due,
            created_at=now,
            updated_at=now,
        )
    if not new:
        return 0
    created = CareGapItem.objects.bulk_create(new.values(), batch_size=1000)
    labels = dict(CareGap.GapType.choices)
    CareGapEvent.objects.bulk_create(
        [
            CareGapEvent(
                item_id=item.pk,
                at=now,
                run=run,
                kind=CareGapEvent.Kind.FOUND,
                summary=f"Found by quality run {run.pk}: {labels[item.gap_type].lower()}, due {when(item.due_date)}.",
                changes={"status": [None, GapStatus.OPEN], "due_date": [None, str(item.due_date)]},
            )
            for item in created
        ],
        batch_size=1000,
    )
    return len(created)


def _refresh_found(run: QualityRun, now: dt.datetime) -> tuple[int, int]:
    """What the run says about the gaps it found again: the gap type (logged when it changed), names and
    TIN, the last run; an item a run had closed is reopened. Returns (changed gap types, reopened)."""
    labels = dict(CareGap.GapType.choices)
    events: list[CareGapEvent] = []
    changed = (
        CareGap.objects.filter(run=run, item__isnull=False)
        .exclude(item__gap_type=F("gap_type"))
        .values_list("item_id", "item__gap_type", "gap_type")
    )
    for item_id, before, after in changed:
        events.append(
            CareGapEvent(
                item_id=item_id,
                at=now,
                run=run,
                kind=CareGapEvent.Kind.GAP_CHANGED,
                summary=f"Quality run {run.pk}: {labels.get(before, before).lower()} → {labels[after].lower()}.",
                changes={"gap_type": [before, after]},
            )
        )
    n_changed = len(events)
    reopen = list(
        CareGapItem.objects.filter(
            gaps__run=run,
            status=GapStatus.CLOSED,
            close_reason__in=RUN_CLOSE_REASONS,
        ).distinct()
    )
    for item in reopen:
        events.append(
            CareGapEvent(
                item=item,
                at=now,
                run=run,
                kind=CareGapEvent.Kind.REOPENED,
                summary=f"Reopened: quality run {run.pk} finds the gap again.",
                changes={"status": [GapStatus.CLOSED, GapStatus.OPEN], "close_reason": [item.close_reason, ""]},
            )
        )
        item.reopen()
        item.updated_at = now
    CareGapItem.objects.bulk_update(reopen, ["status", *CareGapItem.CLOSURE_FIELDS, "updated_at"])
    CareGapEvent.objects.bulk_create(events, batch_size=1000)
    gaps, items = CareGap._meta.db_table, CareGapItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {items} SET gap_type = g.gap_type, measure = g.measure, opened_on = g.opened_on, "  # noqa: S608
            f"window_ends = g.due_date, tin = g.tin, first_name = g.first_name, last_name = g.last_name, "
            f"last_run_id = g.run_id FROM {gaps} g WHERE g.item_id = {items}.id AND g.run_id = %s",
            [run.pk],
        )
    return n_changed, len(reopen)


def _close_gone(run: QualityRun, aco_pks: Sequence[int], now: dt.datetime) -> tuple[int, int]:
    """Close the open and in-progress items of the run's ACOs and year that the run did not find.
    Returns (closed by a claim, no longer found)."""
    gone = list(
        CareGapItem.objects.filter(performance_year=run.performance_year, aco_id__in=aco_pks)
        .exclude(status=GapStatus.CLOSED)
        .exclude(gaps__run=run)
        .order_by("id")
    )
    if not gone:
        return 0, 0
    claims = closing_claims(run, gone)
    aligned = set(
        AlignedBeneficiary.objects.filter(
            run_id=run.alignment_run_id, aco_id__in=aco_pks, mbi__in=[i.mbi for i in gone if i.pk not in claims]
        ).values_list("aco_id", "mbi")
    )
    events: list[CareGapEvent] = []
    by_claim = 0
    for item in gone:
        before = item.status
        item.status, item.closed_at, item.closed_by, item.closed_by_run = GapStatus.CLOSED, now, None, run
        item.updated_at = now
        claim = claims.get(item.pk)
        if claim is not None:
            by_claim += 1
            item.close_reason = CloseReason.CLOSED_BY_CLAIM
            item.close_note = f"{claim.sentence()[0].upper()}{claim.sentence()[1:]}."[:500]
            item.closing_claim_id, item.closing_claim_date, item.closing_claim_code = (
                claim.claim_id,
                claim.date,
                claim.code,
            )
            summary = f"Closed by quality run {run.pk}: {claim.sentence()}."
        else:
            item.close_reason = CloseReason.NO_LONGER_FOUND
            why = _why_gone(item, run, aligned)
            item.close_note = f"{why[0].upper()}{why[1:]}."[:500]
            summary = f"Closed by quality run {run.pk}, which no longer finds the gap: {why}."
        events.append(
            CareGapEvent(
                item=item,
                at=now,
                run=run,
                kind=CareGapEvent.Kind.CLOSED,
                summary=summary[:300],
                changes={
                    "status": [before, GapStatus.CLOSED],
                    "close_reason": ["", item.close_reason],
                    **(
                        {"closing_claim": [None, {"id": claim.claim_id, "date": str(claim.date), "code": claim.code}]}
                        if claim
                        else {}
                    ),
                },
            )
        )
    CareGapItem.objects.bulk_update(gone, ["status", *CareGapItem.CLOSURE_FIELDS, "updated_at"], batch_size=1000)
    CareGapEvent.objects.bulk_create(events, batch_size=1000)
    return by_claim, len(gone) - by_claim


def care_gaps_reconcile(*, run: QualityRun, aco_pks: Sequence[int]) -> dict[str, int]:
    """Bring the worklist of ``aco_pks`` (the ACOs the run computed) in line with ``run``'s stored gaps.
    Runs inside the run's results transaction; returns the counts for the run's record."""
    now = timezone.now()
    _link(run, only_unlinked=False)
    created = _create_items(run, portal_today(), now)
    if created:
        _link(run, only_unlinked=True)
    changed, reopened = _refresh_found(run, now)
    by_claim, gone = _close_gone(run, aco_pks, now)
    return {
        "created": created,
        "gap_type_changed": changed,
        "reopened": reopened,
        "closed_by_claim": by_claim,
        "no_longer_found": gone,
    }
