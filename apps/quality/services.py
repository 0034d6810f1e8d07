"""Quality submissions: checking and loading the CSV (``aco_id,performance_year,measure,
numerator,denominator,score``). The dataset bundle (``quality_submissions.csv``) and an ACO's own
upload go through the same row checks; the upload adds that every row is the ACO's own and for the
year of the upload. A new submission supersedes the current one for the same ACO, year and measure;
history is kept.

Row checks, each an error with line, field, value and reason:

* ``aco_id``: an ACO of the portal (bundle) or this ACO (upload);
* ``performance_year``: a configured year (bundle) or the year of the upload;
* ``measure``: cahps, hba1c_poor_control or bp_control; a claims measure (acr, uamcc, dah, tfu) is
  computed by the portal and cannot be uploaded;
* ``numerator``/``denominator``: whole numbers, not negative, given together, the denominator above
  zero and not below the numerator;
* ``score``: a number from 0 to 100;
* a rate needs the two counts or a score (both may be given);
* one row per (ACO, year, measure) in a file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos.lists import RowError
from apps.acos.models import ACO, ModelParameters
from lead_portal.formatting import when
from lead_portal.text import too_long
from lead_portal.uploads import MB, FileTooLarge, read_csv, upload_bytes

from . import selectors
from .models import (
    MANUAL_CLOSE_REASONS,
    MEASURE_SOURCES,
    CareGapEvent,
    CareGapItem,
    CloseReason,
    DataSource,
    GapStatus,
    QualitySubmission,
)

COLUMNS = ["aco_id", "performance_year", "measure", "numerator", "denominator", "score"]
MAX_ROWS = 10_000
MAX_UPLOAD_BYTES = 1 * MB  # an ACO's results file is a few rows
MAX_COUNT = 2_147_483_647  # the largest value the count columns hold on every database
SCORE_MIN, SCORE_MAX = Decimal(0), Decimal(100)
INTEGER_RE = re.compile(r"^[+-]?[0-9]+$")
UPLOADABLE = ", ".join(QualitySubmission.Measure.values[:-1]) + f" or {QualitySubmission.Measure.values[-1]}"


def _count(row: dict[str, str], name: str, line: int, errors: list[RowError]) -> int | None:
    """A numerator or denominator: empty (None) or a whole number that is not negative."""
    text = row[name]
    if not text:
        return None
    if not INTEGER_RE.match(text):
        errors.append(RowError(line, name, text, "is not a whole number"))
        return None
    value = int(text)
    if value < 0:
        errors.append(RowError(line, name, text, "must not be negative"))
        return None
    if value > MAX_COUNT:
        errors.append(RowError(line, name, text, f"is larger than {MAX_COUNT:,}"))
        return None
    return value


def _score(row: dict[str, str], line: int, errors: list[RowError]) -> Decimal | None:
    text = row["score"]
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(RowError(line, "score", text, "is not a number"))
        return None
    if not value.is_finite():
        errors.append(RowError(line, "score", text, "is not a number"))
        return None
    if not SCORE_MIN <= value <= SCORE_MAX:
        errors.append(RowError(line, "score", text, "must be between 0 and 100"))
        return None
    # Stored to 3 decimals: finer digits carry no meaning for a 0–100 score.
    return value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def _measure(row: dict[str, str], line: int, errors: list[RowError]) -> None:
    measure = row["measure"]
    if measure in QualitySubmission.Measure.values:
        return
    if MEASURE_SOURCES.get(measure) == DataSource.CLAIMS:
        errors.append(
            RowError(line, "measure", measure, "is computed by the portal from claims and cannot be uploaded")
        )
    else:
        errors.append(RowError(line, "measure", measure, f"must be {UPLOADABLE}"))


def submissions_check(
    data: bytes,
    aco_ids: set[str],
    *,
    aco_id: str | None = None,
    performance_year: int | None = None,
    name: str = "quality_submissions.csv",
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Check every row of a quality submissions CSV; return the good rows and every problem.

    The bundle calls this with the ACO ids of the bundle and the portal. An ACO's upload passes
    ``aco_id`` (rows must be that ACO's) and ``performance_year`` (rows must be for that year)."""
    read = read_csv(data, name=name, columns=COLUMNS)
    if read.errors:
        return [], read.errors
    years = set(ModelParameters.objects.values_list("performance_year", flat=True))
    rows: list[dict[str, Any]] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str], int] = {}
    records = 0
    for record in read.records:
        line = record.line
        row = {k: v.strip() for k, v in record.values.items()}
        if not any(row.values()):
            continue
        records += 1
        if records > MAX_ROWS:
            errors.append(RowError(line, "file", "", f"has more than {MAX_ROWS:,} rows"))
            break
        e: list[RowError] = []
        if aco_id is not None:
            if row["aco_id"] != aco_id:
                e.append(RowError(line, "aco_id", row["aco_id"], f"must be this ACO's id, {aco_id}"))
        elif row["aco_id"] not in aco_ids:
            e.append(RowError(line, "aco_id", row["aco_id"], "is not an ACO of the portal"))
        py_text = row["performance_year"]
        if performance_year is not None:
            if py_text != str(performance_year):
                e.append(
                    RowError(line, "performance_year", py_text, f"must be {performance_year}, the year of this upload")
                )
        elif not py_text.isdigit() or int(py_text) not in years:
            e.append(RowError(line, "performance_year", py_text, "is not a configured year"))
        _measure(row, line, e)
        n = _count(row, "numerator", line, e)
        d = _count(row, "denominator", line, e)
        score = _score(row, line, e)
        given = {name for name in ("numerator", "denominator") if row[name]}
        if given == {"numerator"}:
            e.append(RowError(line, "denominator", "", "is needed with a numerator"))
        elif given == {"denominator"}:
            e.append(RowError(line, "numerator", "", "is needed with a denominator"))
        if d == 0:
            e.append(RowError(line, "denominator", row["denominator"], "must be more than 0"))
        elif n is not None and d is not None and n > d:
            e.append(RowError(line, "numerator", row["numerator"], "is larger than the denominator"))
        if not given and not row["score"]:
            e.append(RowError(line, "score", "", "give numerator and denominator, or a score"))
        key = (row["aco_id"], py_text, row["measure"])
        if key in seen:
            e.append(RowError(line, "measure", row["measure"], f"duplicate: already on line {seen[key]}"))
        else:
            seen[key] = line
        if e:
            errors.extend(e)
            continue
        rows.append(
            {
                "aco_id": row["aco_id"],
                "performance_year": int(py_text),
                "measure": row["measure"],
                "numerator": n,
                "denominator": d,
                "score": score,
            }
        )
    return rows, errors


@transaction.atomic
def submissions_load(
    rows: list[dict[str, Any]], source: str = "quality_submissions.csv", submitted_by: User | None = None
) -> int:
    """Write checked rows: each supersedes the current result of its ACO, year and measure."""
    aco_ids = {r["aco_id"] for r in rows}
    # Lock the ACOs so two loads for the same ACO take turns (one current result per measure).
    acos = {a.aco_id: a for a in ACO.objects.select_for_update().filter(aco_id__in=aco_ids).order_by("pk")}
    now = timezone.now()
    groups: dict[tuple[int, str], set[int]] = defaultdict(set)
    for r in rows:
        groups[(r["performance_year"], r["measure"])].add(acos[r["aco_id"]].pk)
    for (year, measure), pks in groups.items():
        QualitySubmission.objects.filter(
            aco_id__in=pks, performance_year=year, measure=measure, superseded_at__isnull=True
        ).update(superseded_at=now)
    QualitySubmission.objects.bulk_create(
        QualitySubmission(
            aco=acos[r["aco_id"]],
            performance_year=r["performance_year"],
            measure=r["measure"],
            numerator=r["numerator"],
            denominator=r["denominator"],
            score=r["score"],
            source=source,
            submitted_by=submitted_by,
            submitted_at=now,
        )
        for r in rows
    )
    return len(rows)


@dataclass
class SubmissionUploadOutcome:
    """What an ACO's upload did: ``errors`` (nothing was changed) or ``loaded`` results."""

    errors: list[RowError] = field(default_factory=list)
    loaded: int = 0
    submissions: list[QualitySubmission] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.errors:
            plural = "" if len(self.errors) == 1 else "s"
            return f"Nothing was changed: {len(self.errors)} problem{plural} in the file."
        plural = "" if self.loaded == 1 else "s"
        measures = ", ".join(s.get_measure_display() for s in self.submissions)
        return f"{self.loaded} result{plural} loaded ({measures}); earlier results are kept as history."


def submissions_upload(
    *, aco: ACO, performance_year: int, data: Any, filename: str, acting_user: User
) -> SubmissionUploadOutcome:
    """An ACO administrator uploads CAHPS/eCQM results for one year: every row is checked, then all
    rows load (each superseding the current result for its measure) or none do. ``data`` is the
    uploaded file (or its bytes): a file over ``MAX_UPLOAD_BYTES`` is refused before it is read."""
    if not aco_selectors.user_can_edit_aco(user=acting_user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can upload quality results.")
    try:
        content = upload_bytes(data, limit=MAX_UPLOAD_BYTES)
    except FileTooLarge as exc:
        return SubmissionUploadOutcome(errors=[RowError(0, "file", filename, exc.reason)])
    rows, errors = submissions_check(
        content, {aco.aco_id}, aco_id=aco.aco_id, performance_year=performance_year, name=filename
    )
    if not errors and not rows:
        errors = [RowError(0, "file", filename, "has no result rows")]
    if errors:
        return SubmissionUploadOutcome(errors=errors)
    loaded = submissions_load(rows, source=filename[:255], submitted_by=acting_user)
    current = selectors.submissions_history(aco=aco, performance_year=performance_year).filter(
        measure__in=[r["measure"] for r in rows], superseded_at__isnull=True
    )
    return SubmissionUploadOutcome(loaded=loaded, submissions=list(current.select_related("aco").order_by("measure")))


# --------------------------------------------------------------------------------------------------
# The care-gap worklist: a care manager's work on each gap (status, assignee, due date, notes)
# --------------------------------------------------------------------------------------------------
NOTE_LIMIT = 2000
CLOSE_NOTE_LIMIT = 500
UNCHANGED: Any = object()  # a field the caller did not send


def _name(user: User | None) -> str:
    return user.display_name if user is not None else "nobody"


def _due_window(item: CareGapItem) -> tuple[dt.date, dt.date]:
    """A due date falls from the day the gap opened to the end of the year after the performance year
    (the run-out of claims paid after the year closes ends in its first months)."""
    return item.opened_on, dt.date(item.performance_year + 1, 12, 31)


def _check_assignee(*, aco: ACO, assignee: User | None) -> None:
    if assignee is not None and not selectors.care_gap_assignees(aco=aco).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": f"{assignee.get_username()} is not a user of {aco.aco_id}."})


def _require_editor(*, aco: ACO, acting_user: User) -> None:
    if not aco_selectors.user_can_edit_aco(user=acting_user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can work care gaps.")


@transaction.atomic
def care_gap_update(
    *,
    item: CareGapItem,
    acting_user: User,
    status: Any = UNCHANGED,
    assignee: Any = UNCHANGED,
    due_date: Any = UNCHANGED,
    close_reason: Any = UNCHANGED,
    close_note: Any = UNCHANGED,
    note: str = "",
) -> CareGapItem:
    """Change a worklist item's work fields and add a note, each change logged (who, when, what).

    Closing needs a reason from the fixed list (``MANUAL_CLOSE_REASONS``; "other" needs the free text
    saying why); leaving "closed" clears the reason. The assignee is a user of the item's ACO (None: no
    one). The due date falls from the day the gap opened to the end of the year after the PY. Problems
    raise ``ValidationError`` with every field's message and change nothing."""
    _require_editor(aco=item.aco, acting_user=acting_user)
    item = CareGapItem.objects.select_for_update().select_related("aco", "assignee").get(pk=item.pk)
    errors: dict[str, str] = {}
    new_status = item.status if status is UNCHANGED else status
    if new_status not in GapStatus.values:
        errors["status"] = "Choose open, in progress or closed."
    closing = new_status == GapStatus.CLOSED
    was_closed = item.status == GapStatus.CLOSED
    given_reason = "" if close_reason is UNCHANGED else (close_reason or "")
    given_note = None if close_note is UNCHANGED else (close_note or "").strip()
    reason, reason_note = "", ""
    if closing:
        # A closed gap keeps its reason (and its note) unless a new one is given.
        reason = given_reason or (item.close_reason if was_closed else "")
        if given_note is not None:
            reason_note = given_note
        elif reason == item.close_reason:
            reason_note = item.close_note
        if reason != item.close_reason or not was_closed:
            if reason not in MANUAL_CLOSE_REASONS:
                errors["close_reason"] = "Choose why the gap is closed."
        if reason == CloseReason.OTHER and not reason_note:
            errors["close_note"] = "Say why the gap is closed."
        if len(reason_note) > CLOSE_NOTE_LIMIT:
            errors["close_note"] = too_long(CLOSE_NOTE_LIMIT, len(reason_note))
    elif given_reason:
        errors["close_reason"] = "A reason is given only when the gap is closed."
    new_assignee = item.assignee if assignee is UNCHANGED else assignee
    if assignee is not UNCHANGED:
        try:
            _check_assignee(aco=item.aco, assignee=new_assignee)
        except ValidationError as exc:
            errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    new_due = item.due_date if due_date is UNCHANGED else due_date
    if due_date is not UNCHANGED and new_due is not None and new_due != item.due_date:
        first, last = _due_window(item)
        if not first <= new_due <= last:
            errors["due_date"] = f"Give a date from {when(first)} (the gap opened) to {when(last)}."
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        errors["note"] = too_long(NOTE_LIMIT, len(note))
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    events: list[CareGapEvent] = []

    def log(kind: str, summary: str, changes: dict[str, Any] | None = None, text: str = "") -> None:
        events.append(
            CareGapEvent(
                item=item, at=now, actor=acting_user, kind=kind, summary=summary[:300], note=text, changes=changes or {}
            )
        )

    if new_assignee != item.assignee:
        log(
            CareGapEvent.Kind.ASSIGNED,
            f"Assigned to {_name(new_assignee)} (was {_name(item.assignee)}).",
            {"assignee": [_username(item.assignee), _username(new_assignee)]},
        )
        item.assignee = new_assignee
    if new_due != item.due_date:
        log(
            CareGapEvent.Kind.DUE_DATE,
            f"Due date {_day(new_due)} (was {_day(item.due_date)}).",
            {"due_date": [_iso(item.due_date), _iso(new_due)]},
        )
        item.due_date = new_due
    labels, reasons = dict(GapStatus.choices), dict(CloseReason.choices)
    if closing and (item.status != GapStatus.CLOSED or reason != item.close_reason or reason_note != item.close_note):
        verb = "Closed" if item.status != GapStatus.CLOSED else "Close reason changed"
        log(
            CareGapEvent.Kind.CLOSED,
            f"{verb}: {reasons[reason]}.",
            {
                "status": [item.status, GapStatus.CLOSED],
                "close_reason": [item.close_reason, reason],
                "close_note": [item.close_note, reason_note],
            },
            text=reason_note,
        )
        if item.status != GapStatus.CLOSED or item.closed_by_run_id:
            item.closed_at, item.closed_by, item.closed_by_run = now, acting_user, None
        item.status, item.close_reason, item.close_note = GapStatus.CLOSED, reason, reason_note
    elif not closing and new_status != item.status:
        kind = CareGapEvent.Kind.REOPENED if item.status == GapStatus.CLOSED else CareGapEvent.Kind.STATUS
        verb = "Reopened as" if kind == CareGapEvent.Kind.REOPENED else "Status"
        log(
            kind,
            f"{verb} {labels[new_status].lower()} (was {labels[item.status].lower()}).",
            {
                "status": [item.status, new_status],
                **({"close_reason": [item.close_reason, ""]} if item.close_reason else {}),
            },
        )
        item.reopen(new_status)
    if note:
        log(CareGapEvent.Kind.NOTE, "Note added.", text=note)
    if events:
        item.updated_at = now
        item.full_clean(exclude=["aco", "last_run"])
        item.save()
        CareGapEvent.objects.bulk_create(events)
    return item


@transaction.atomic
def care_gaps_assign(*, aco: ACO, item_ids: list[int], assignee: User | None, acting_user: User) -> int:
    """Assign the ACO's worklist items ``item_ids`` to ``assignee`` (None: no one), each change logged.
    An id that is not one of the ACO's items answers 404, as a missing one does; an assignee who is not
    a user of the ACO is refused. Returns how many items changed hands."""
    _require_editor(aco=aco, acting_user=acting_user)
    wanted = set(item_ids)
    if not wanted:
        raise ValidationError({"ids": "Select at least one care gap."})
    if not all(0 < pk <= selectors.MAX_ID for pk in wanted):
        raise Http404("No such care gap.")
    items = list(
        CareGapItem.objects.select_for_update().filter(aco=aco, pk__in=wanted).select_related("assignee").order_by("id")
    )
    if len(items) != len(wanted):
        raise Http404("No such care gap.")
    _check_assignee(aco=aco, assignee=assignee)
    now = timezone.now()
    changed = [i for i in items if i.assignee_id != (assignee.pk if assignee else None)]
    events = [
        CareGapEvent(
            item=i,
            at=now,
            actor=acting_user,
            kind=CareGapEvent.Kind.ASSIGNED,
            summary=f"Assigned to {_name(assignee)} (was {_name(i.assignee)}).",
            changes={"assignee": [_username(i.assignee), _username(assignee)]},
        )
        for i in changed
    ]
    for i in changed:
        i.assignee, i.updated_at = assignee, now
    CareGapItem.objects.bulk_update(changed, ["assignee", "updated_at"])
    CareGapEvent.objects.bulk_create(events)
    return len(changed)


def _username(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _day(day: dt.date | None) -> str:
    return when(day) if day else "none"
