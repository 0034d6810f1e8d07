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

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos.lists import RowError
from apps.acos.models import ACO, ModelParameters
from lead_portal.uploads import MB, FileTooLarge, read_csv, upload_bytes

from . import selectors
from .models import MEASURE_SOURCES, DataSource, QualitySubmission

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
