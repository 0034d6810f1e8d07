"""Writes of the dual-eligible area: the dual run (called by the performance pipeline) and the ACO's
data-sharing opt-outs.

A dual run reads, for every beneficiary an alignment run aligned, the CCLF8 dual status code and their
use of care in the performance year into one ``DualBeneficiary`` row each. Definitions (they mirror the
money step's, apps/performance/inputs.py):

- **window**: the performance year from the beneficiary's alignment effective date (January 1 when
  empty) through December 31, and not after ``as_of`` (default: the alignment run's as-of date);
- **spending**: current (netted) Part A headers' ``CLM_PMT_AMT`` (claim types 10, 20, 30, 40, 50, 60,
  61) dated by ``CLM_FROM_DT``, plus current, not denied Part B (CCLF5) and DME (CCLF6) lines'
  ``CLM_LINE_CVRD_PD_AMT`` dated by the line's from-date;
- **admissions**: current Part A claims of type 60 (inpatient) dated in the window, once per claim
  (the header has no admission date: ``CLM_FROM_DT``); ``last_admission`` is the latest;
- **ED visits**: current outpatient claims (type 40) in the window with a current revenue line whose
  revenue center code starts with 045 (0450–0459, emergency department), once per claim;
- **member-months**: months of the window, from the effective date's month, whose first day the
  beneficiary is alive (the month of death counts), through the claims run-through: the last day of
  the last month of the year with any counted claim of the run's aligned beneficiaries, or ``as_of``
  when given (kept on ``DualRun.through``; no claims and no as-of: no member-months yet).

Set-based: one GROUP BY per source joined to the run's aligned beneficiaries by ``current_mbi``, the
spending and admissions from the narrow claim facts (``ClaimFact``: the same dates, amounts in cents and
flags), the ED visits from the CCLF1 headers and their CCLF2 lines, then one bulk insert (COPY on
PostgreSQL). A run is one transaction; each call makes a new run (selectors read the latest successful
one), so a retry never changes an earlier run.

Opt-outs: an ACO administrator records that a beneficiary declined to have their data shared with the
ACO's Medicaid partners (one at a time, or a CSV file all-or-nothing), and may revoke it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from apps.acos import selectors as aco_selectors
from apps.acos.lists import RowError
from apps.acos.models import ACO
from apps.alignment.models import AlignedBeneficiary, AlignmentRun
from apps.alignment.runs import copy_rows
from apps.claims.mbi import mbi_is_valid
from apps.claims.models import Beneficiary, ClaimFact, MBIMap, PartAClaim, PartARevenueLine
from lead_portal.uploads import MB, read_csv, upload_rows

from .. import engine
from ..models import DataSharingOptOut, DualBeneficiary, DualRun

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

PART_A_TYPES = (10, 20, 30, 40, 50, 60, 61)
INPATIENT = 60
OUTPATIENT = 40
ED_REVENUE_PREFIX = "045"
ZERO = Decimal("0.00")


# --- the dual run --------------------------------------------------------------------------------


def dual_run_execute(*, alignment_run: AlignmentRun, as_of: dt.date | None = None) -> DualRun:
    """Compute every aligned beneficiary's dual status and PY use of care from ``alignment_run``
    (``as_of`` default: the alignment run's). A new ``DualRun`` each call; failed with the reason kept
    (and the error re-raised) when anything goes wrong. Safe inside an outer transaction."""
    cut_off = as_of if as_of is not None else alignment_run.as_of
    run = DualRun.objects.create(performance_year=alignment_run.performance_year, alignment_run=alignment_run)
    try:
        with transaction.atomic():
            _compute(run, cut_off)
    except Exception as exc:
        logger.exception("Dual run %s failed", run.pk)
        run.status, run.message, run.finished_at = DualRun.Status.FAILED, str(exc)[:2000], timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        raise
    return run


def _date(value: Any) -> dt.date | None:
    """A date from a raw cursor (SQLite returns aggregates of dates as text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@dataclass
class _Use:
    spending: Decimal = ZERO
    admissions: int = 0
    ed_visits: int = 0
    last_admission: dt.date | None = None


def _window(date: str) -> str:
    return (
        f"t.{date} BETWEEN %s AND %s "
        f"AND (ab.effective_from IS NULL OR t.{date} >= ab.effective_from)"  # a mid-year addition counts from then on
    )


def _claims(run: DualRun, start: dt.date, end: dt.date) -> tuple[dict[str, _Use], dt.date | None]:
    """Each aligned MBI's spending, admissions, ED visits and last admission in its window, and the
    latest claim date counted (for the run-through)."""
    aligned = AlignedBeneficiary._meta.db_table
    part_a = PartAClaim._meta.db_table
    revenue = PartARevenueLine._meta.db_table
    join = f"JOIN {aligned} ab ON ab.run_id = %s AND ab.mbi = t.current_mbi"
    types = ", ".join(str(code) for code in PART_A_TYPES)
    facts = ClaimFact._meta.db_table
    years = f"t.service_year BETWEEN {start.year} AND {end.year}"
    queries: list[tuple[str, str, list[Any]]] = [
        (
            "a",
            f"SELECT ab.mbi, SUM(t.paid_cents), "  # noqa: S608
            f"SUM(CASE WHEN t.claim_type = {INPATIENT} THEN 1 ELSE 0 END), "
            f"MAX(CASE WHEN t.claim_type = {INPATIENT} THEN t.from_date END), MAX(t.from_date) "
            f"FROM {facts} t {join} "
            f"WHERE t.source = 1 AND {years} AND t.is_current AND t.claim_type IN ({types}) "
            f"AND {_window('from_date')} GROUP BY ab.mbi",
            [],
        ),
        (
            "ed",
            f"SELECT ab.mbi, COUNT(*) FROM {part_a} t {join} "  # noqa: S608
            f"WHERE t.is_current AND t.clm_type_cd = {OUTPATIENT} AND {_window('clm_from_dt')} "
            f"AND EXISTS (SELECT 1 FROM {revenue} r WHERE r.cur_clm_uniq_id = t.cur_clm_uniq_id AND r.is_current "
            "AND r.clm_line_prod_rev_ctr_cd LIKE %s) GROUP BY ab.mbi",
            [f"{ED_REVENUE_PREFIX}%"],
        ),
        (
            "b",
            f"SELECT ab.mbi, SUM(t.paid_cents), MAX(t.from_date) "  # noqa: S608
            f"FROM {facts} t {join} "
            f"WHERE t.source IN (5, 6) AND {years} AND t.is_current AND NOT t.is_denied AND {_window('from_date')} "
            "GROUP BY ab.mbi",
            [],
        ),
    ]
    use: dict[str, _Use] = defaultdict(_Use)
    latest: dt.date | None = None

    def later(day: Any) -> None:
        nonlocal latest
        found = _date(day)
        if found is not None and (latest is None or found > latest):
            latest = found

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            # As in the money step: fresh claims tables have no planner statistics; hash the groups.
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL jit = off")
        for kind, sql, extra in queries:
            cursor.execute(sql, [run.alignment_run_id, start, end, *extra])
            for row in cursor.fetchall():
                u = use[row[0]]
                if kind == "a":
                    u.spending += ClaimFact.dollars(row[1])
                    u.admissions += int(row[2] or 0)
                    u.last_admission = _date(row[3])
                    later(row[4])
                elif kind == "ed":
                    u.ed_visits += int(row[1])
                else:
                    u.spending += ClaimFact.dollars(row[1])
                    later(row[2])
    return use, latest


def _compute(run: DualRun, as_of: dt.date | None) -> None:
    py = run.performance_year
    start = dt.date(py, 1, 1)
    end = min(dt.date(py, 12, 31), as_of) if as_of is not None else dt.date(py, 12, 31)
    use, latest = _claims(run, start, end)
    through = as_of if as_of is not None else (engine.month_end(latest) if latest is not None else None)

    aligned = AlignedBeneficiary._meta.db_table
    benes = Beneficiary._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ab.aco_id, ab.mbi, ab.effective_from, b.dual_status, b.death_date "  # noqa: S608
            f"FROM {aligned} ab LEFT JOIN {benes} b ON b.mbi = ab.mbi WHERE ab.run_id = %s ORDER BY ab.mbi",
            [run.alignment_run_id],
        )
        people = cursor.fetchall()

    rows: list[tuple[Any, ...]] = []
    groups: dict[str, int] = dict.fromkeys(engine.GROUPS, 0)
    acos: set[int] = set()
    none = _Use()
    for aco_id, mbi, effective_from, code, death in people:
        code = engine.normalise_code(code)
        group = engine.dual_group(code)
        months = engine.member_months(
            performance_year=py, effective_from=_date(effective_from), death_date=_date(death), through=through
        )
        u = use.get(mbi, none)
        rows.append((run.pk, aco_id, mbi, code, group, months, u.spending, u.admissions, u.ed_visits, u.last_admission))
        groups[group] += 1
        acos.add(aco_id)
    copy_rows(
        DualBeneficiary,
        [
            "run_id", "aco_id", "mbi", "dual_code", "dual_group", "member_months", "spending", "admissions",
            "ed_visits", "last_admission",
        ],
        rows,
    )  # fmt: skip
    run.through = through
    run.counts = {
        "beneficiaries": len(rows),
        "acos": len(acos),
        **groups,
        "claims_through": through.isoformat() if through else None,
    }
    run.message = (
        f"{len(rows):,} aligned beneficiaries: {groups[engine.FULL]:,} full-benefit and "
        f"{groups[engine.PARTIAL]:,} partial-benefit duals; "
        + (f"claims through {through:%Y-%m-%d}" if through else "no claims of the year yet")
    )
    run.status, run.finished_at = DualRun.Status.SUCCEEDED, timezone.now()
    run.save(update_fields=["through", "counts", "message", "status", "finished_at"])


# --- data-sharing opt-outs -----------------------------------------------------------------------

OPTOUT_COLUMNS = ["mbi", "declined_on", "source", "note"]
MAX_UPLOAD_ROWS = 10_000
MAX_UPLOAD_BYTES = 2 * MB  # the page form's limit; the API's too


def _require_admin(*, aco: ACO, user: User) -> None:
    if not aco_selectors.user_can_edit_aco(user=user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can record or revoke data-sharing opt-outs.")


def current_mbi(mbi: str) -> str:
    """The current MBI of ``mbi`` through the CCLF9 crosswalk (itself when unknown or unresolved)."""
    found = MBIMap.objects.filter(mbi=mbi).values_list("current_mbi", flat=True).first()
    return found or mbi


def _lock(aco: ACO) -> None:
    # Serialise opt-out writes per ACO: the "already recorded" check and the insert see the same rows.
    ACO.objects.select_for_update().filter(pk=aco.pk).first()


@dataclass
class _Checked:
    mbi: str
    declined_on: dt.date
    source: str
    note: str


def _check_row(values: dict[str, str], line: int, today: dt.date) -> tuple[_Checked | None, list[RowError]]:
    errors: list[RowError] = []
    raw_mbi = values.get("mbi", "").strip().upper()
    if not raw_mbi:
        errors.append(RowError(line, "mbi", "", "is required"))
    elif not mbi_is_valid(raw_mbi):
        errors.append(RowError(line, "mbi", raw_mbi, "is not an MBI (11 characters in the CMS MBI format)"))
    raw_date = values.get("declined_on", "").strip()
    declined: dt.date | None = None
    if not raw_date:
        errors.append(RowError(line, "declined_on", "", "is required"))
    else:
        try:
            declined = dt.date.fromisoformat(raw_date)
        except ValueError:
            errors.append(RowError(line, "declined_on", raw_date, "is not a date in YYYY-MM-DD form"))
        else:
            if declined > today:
                errors.append(RowError(line, "declined_on", raw_date, f"is in the future (today is {today})"))
    source = values.get("source", "").strip() or DataSharingOptOut.Source.BENEFICIARY
    if source not in DataSharingOptOut.Source.values:
        errors.append(RowError(line, "source", source, f"must be one of {', '.join(DataSharingOptOut.Source.values)}"))
    note = values.get("note", "").strip()
    limit = DataSharingOptOut._meta.get_field("note").max_length or 300
    if len(note) > limit:
        errors.append(RowError(line, "note", note[:40] + "…", f"is longer than {limit} characters"))
    if errors or declined is None:
        return None, errors
    return _Checked(current_mbi(raw_mbi), declined, source, note), []


def optout_entry_check(*, data: dict[str, Any]) -> list[RowError]:
    """The checks of one typed entry (MBI, date, source, note) without recording anything, so a form
    can show every problem at once. Errors have line 0."""
    values = {c: str(data.get(c) or "") for c in OPTOUT_COLUMNS}
    return _check_row(values, 0, aco_selectors.portal_today())[1]


def _already_open(aco: ACO) -> dict[str, dt.date]:
    return dict(DataSharingOptOut.objects.filter(aco=aco, revoked_at__isnull=True).values_list("mbi", "declined_on"))


def _store(*, aco: ACO, rows: list[_Checked], acting_user: User) -> list[DataSharingOptOut]:
    objs = [
        DataSharingOptOut(
            aco=aco, mbi=r.mbi, declined_on=r.declined_on, source=r.source, note=r.note, recorded_by=acting_user
        )
        for r in rows
    ]
    for obj in objs:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    return DataSharingOptOut.objects.bulk_create(objs)


@transaction.atomic
def optout_record(
    *, aco: ACO, acting_user: User, mbi: str, declined_on: dt.date | str, source: str, note: str = ""
) -> DataSharingOptOut:
    """Record that a beneficiary declined data sharing with the ACO's Medicaid partners (ACO
    administrators). The MBI is resolved to the current one; at most one open opt-out per MBI."""
    _require_admin(aco=aco, user=acting_user)
    _lock(aco)
    values = {
        "mbi": mbi or "",
        "declined_on": declined_on.isoformat() if isinstance(declined_on, dt.date) else str(declined_on or ""),
        "source": source or "",
        "note": note or "",
    }
    checked, errors = _check_row(values, 0, aco_selectors.portal_today())
    if errors or checked is None:
        raise ValidationError({e.field: f"{e.reason[:1].upper()}{e.reason[1:]}." for e in errors})
    since = _already_open(aco).get(checked.mbi)
    if since is not None:
        resolved = "" if checked.mbi == values["mbi"].strip().upper() else f" (the current MBI of {values['mbi']})"
        raise ValidationError(
            {"mbi": f"MBI {checked.mbi}{resolved} already has an open opt-out, declined on {since:%Y-%m-%d}."}
        )
    return _store(aco=aco, rows=[checked], acting_user=acting_user)[0]


@transaction.atomic
def optout_revoke(*, optout: DataSharingOptOut, acting_user: User) -> DataSharingOptOut:
    """The beneficiary agreed to data sharing again: the opt-out is closed (kept, with who and when)."""
    _require_admin(aco=optout.aco, user=acting_user)
    locked = DataSharingOptOut.objects.select_for_update().get(pk=optout.pk)
    if locked.revoked_at is not None:
        raise ValidationError(f"The opt-out of MBI {locked.mbi} was already revoked on {locked.revoked_at:%Y-%m-%d}.")
    locked.revoked_at, locked.revoked_by = timezone.now(), acting_user
    locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


@dataclass
class OptOutUploadOutcome:
    added: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.errors:
            return f"Nothing was recorded: {len(self.errors)} problem{'' if len(self.errors) == 1 else 's'} found."
        return f"{self.added} data-sharing opt-out{'' if self.added == 1 else 's'} recorded."


def _read_csv(data: bytes, name: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    read = read_csv(data, name=name, lowercase_header=True)
    if read.errors:
        return [], read.errors
    header = read.header
    missing = [c for c in ("mbi", "declined_on") if c not in header]
    if missing:
        return [], [RowError(1, "header", ",".join(header), f"must have the columns {','.join(OPTOUT_COLUMNS)}")]
    unknown = [h for h in header if h not in OPTOUT_COLUMNS]
    if unknown:
        return [], [RowError(1, "header", ",".join(unknown), f"has unknown columns; use {','.join(OPTOUT_COLUMNS)}")]
    out = []
    for record in read.records:
        row = {k: v.strip() for k, v in record.values.items()}
        if any(row.values()):
            out.append((record.line, row))
    return out, []


@transaction.atomic
def optout_upload(*, aco: ACO, acting_user: User, file: Any) -> OptOutUploadOutcome:
    """Record every opt-out of a CSV file (``mbi,declined_on,source,note``) or none: every row is
    checked first and each problem reported with its line number."""
    _require_admin(aco=aco, user=acting_user)
    _lock(aco)
    records, errors = upload_rows(file, max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_UPLOAD_ROWS, read=_read_csv)
    if errors:
        return OptOutUploadOutcome(errors=errors)
    today = aco_selectors.portal_today()
    on_file = _already_open(aco)
    seen: dict[str, int] = {}
    rows: list[_Checked] = []
    for line, values in records:
        checked, row_errors = _check_row(values, line, today)
        if checked is not None:
            if checked.mbi in seen:
                reason = f"is the same beneficiary as line {seen[checked.mbi]}"
                row_errors.append(RowError(line, "mbi", values["mbi"], reason))
            elif checked.mbi in on_file:
                reason = f"already has an open opt-out, declined on {on_file[checked.mbi]:%Y-%m-%d}"
                row_errors.append(RowError(line, "mbi", values["mbi"], reason))
            else:
                seen[checked.mbi] = line
                rows.append(checked)
        errors.extend(row_errors)
    if errors:
        return OptOutUploadOutcome(errors=errors)
    return OptOutUploadOutcome(added=len(_store(aco=aco, rows=rows, acting_user=acting_user)))
