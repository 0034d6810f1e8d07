"""Quality submissions: checking and loading the CSV (``aco_id,performance_year,measure,
numerator,denominator,score``). A new submission supersedes the current one for the same ACO,
year and measure; history is kept."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.acos.lists import RowError
from apps.acos.models import ACO, ModelParameters

from .models import QualitySubmission

COLUMNS = ["aco_id", "performance_year", "measure", "numerator", "denominator", "score"]


def submissions_check(data: bytes, aco_ids: set[str]) -> tuple[list[dict[str, Any]], list[RowError]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [RowError(0, "file", "", f"is not UTF-8 text (byte {exc.start})")]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [RowError(1, "header", ",".join(header), f"missing column(s): {', '.join(missing)}")]
    years = set(ModelParameters.objects.values_list("performance_year", flat=True))
    rows: list[dict[str, Any]] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str], int] = {}
    for raw in reader:
        line = reader.line_num  # the physical line: the reader skips empty lines without counting them
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        e: list[RowError] = []
        if row["aco_id"] not in aco_ids:
            e.append(RowError(line, "aco_id", row["aco_id"], "is not an ACO of the portal"))
        if not row["performance_year"].isdigit() or int(row["performance_year"]) not in years:
            e.append(RowError(line, "performance_year", row["performance_year"], "is not a configured year"))
        if row["measure"] not in QualitySubmission.Measure.values:
            e.append(RowError(line, "measure", row["measure"], "must be cahps, hba1c_poor_control or bp_control"))
        values: dict[str, Any] = {}
        for name in ("numerator", "denominator"):
            if row[name] and not row[name].isdigit():
                e.append(RowError(line, name, row[name], "is not a whole number"))
            values[name] = int(row[name]) if row[name].isdigit() else None
        try:
            values["score"] = Decimal(row["score"]) if row["score"] else None
        except InvalidOperation:
            e.append(RowError(line, "score", row["score"], "is not a number"))
        n, d = values.get("numerator"), values.get("denominator")
        if n is not None and d is not None and n > d:
            e.append(RowError(line, "numerator", row["numerator"], "is larger than the denominator"))
        if n is None and values.get("score") is None:
            e.append(RowError(line, "score", "", "give numerator and denominator, or a score"))
        key = (row["aco_id"], row["performance_year"], row["measure"])
        if key in seen:
            e.append(RowError(line, "measure", row["measure"], f"duplicate: already on line {seen[key]}"))
        if e:
            errors.extend(e)
            continue
        seen[key] = line
        rows.append(
            {
                "aco_id": row["aco_id"],
                "performance_year": int(row["performance_year"]),
                "measure": row["measure"],
                **values,
            }
        )
    return rows, errors


@transaction.atomic
def submissions_load(rows: list[dict[str, Any]], source: str = "quality_submissions.csv") -> int:
    acos = {a.aco_id: a for a in ACO.objects.filter(aco_id__in={r["aco_id"] for r in rows})}
    now = timezone.now()
    for r in rows:
        QualitySubmission.objects.filter(
            aco=acos[r["aco_id"]],
            performance_year=r["performance_year"],
            measure=r["measure"],
            superseded_at__isnull=True,
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
        )
        for r in rows
    )
    return len(rows)
