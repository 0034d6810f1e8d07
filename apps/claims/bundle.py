"""Loading a dataset bundle (docs/bundles.md): ACOs, their lists, voluntary alignments, quality
submissions and the CCLF package(s), from one folder.

Every CSV is checked first, every row, and the errors name file, line, field and reason; the CSV
part then loads in one transaction, or not at all. Every file is read by the portal's one CSV
reader (``lead_portal.uploads``): a file too large, not UTF-8, with a NUL or an overlong value is
refused with the line and field, like any other row error. The CCLF packages load after it as an ingest
run (all or nothing as well). Apps above this one register the bundle files they own (quality
submissions, for example) with ``register_file``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from apps.acos import services as aco_services
from apps.acos.lists import RowError
from apps.acos.models import ACO, AlignmentApproach, Election, ModelParameters, RiskOption
from apps.acos.reference import US_STATES, npi_is_valid
from lead_portal.uploads import MB, read_csv, size_text

from .mbi import mbi_is_valid
from .models import IngestRun, VoluntaryAlignment

ACOS_COLUMNS = ["aco_id", "legal_name", "risk_option", "alignment_approach", "newly_entering", "states"]
VA_COLUMNS = ["mbi", "aco_id", "tin", "npi", "signed_date", "channel"]
CORE_FILES = {"acos.csv", "participants.csv", "preferred_providers.csv", "voluntary_alignments.csv"}
# A bundle's CSV files are small next to its CCLF files (a 300,000-beneficiary bundle's largest,
# voluntary_alignments.csv, is a few MB); anything past this is not a bundle file.
MAX_BUNDLE_CSV_BYTES = 256 * MB


@dataclass(frozen=True)
class BundleFile:
    """A bundle file owned by another app: ``check`` returns (rows, errors) for the file's bytes
    and the ACO ids of the bundle; ``load`` writes checked rows (inside the bundle transaction)."""

    name: str
    check: Callable[[bytes, set[str]], tuple[list[dict[str, Any]], list[RowError]]]
    load: Callable[[list[dict[str, Any]]], int]


_FILES: dict[str, BundleFile] = {}


def register_file(bundle_file: BundleFile) -> None:
    _FILES[bundle_file.name] = bundle_file


@dataclass
class BundleOutcome:
    errors: list[tuple[str, RowError]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    ingest_run: IngestRun | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and (self.ingest_run is None or self.ingest_run.status != IngestRun.Status.FAILED)


def csv_rows(data: bytes, columns: list[str], name: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The non-blank records of a bundle file with their physical lines, values stripped (values
    beyond the header are ignored); or, for a file that does not read cleanly, its errors."""
    read = read_csv(data, name=name, columns=columns)
    if read.errors:
        return [], read.errors
    rows = []
    for record in read.records:
        row = {k: v.strip() for k, v in record.values.items()}
        if any(row.values()):
            rows.append((record.line, row))
    return rows, []


def _read_file(path: Path) -> tuple[bytes, list[RowError]]:
    """A bundle file's bytes, refused from its size before it is read."""
    size = path.stat().st_size
    if size > MAX_BUNDLE_CSV_BYTES:
        reason = f"is {size_text(size)}, more than the {size_text(MAX_BUNDLE_CSV_BYTES)} a bundle file may be"
        return b"", [RowError(0, "file", path.name, reason)]
    return path.read_bytes(), []


def check_acos(data: bytes) -> tuple[list[dict[str, Any]], list[RowError]]:
    rows, errors = csv_rows(data, ACOS_COLUMNS, "acos.csv")
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        e: list[RowError] = []
        aco_id = row["aco_id"]
        if not re.fullmatch(r"[A-Z][0-9]{4}", aco_id):
            e.append(RowError(line, "aco_id", aco_id, "a LEAD ACO id is a capital letter and 4 digits"))
        elif aco_id in seen:
            e.append(RowError(line, "aco_id", aco_id, f"duplicate: already on line {seen[aco_id]}"))
        if not row["legal_name"]:
            e.append(RowError(line, "legal_name", "", "is required"))
        if row["risk_option"] not in RiskOption.values:
            e.append(RowError(line, "risk_option", row["risk_option"], "must be global or professional"))
        if row["alignment_approach"] not in AlignmentApproach.values:
            e.append(RowError(line, "alignment_approach", row["alignment_approach"], "must be prospective or hybrid"))
        if row["newly_entering"].lower() not in ("true", "false"):
            e.append(RowError(line, "newly_entering", row["newly_entering"], "must be true or false"))
        states = [s.strip().upper() for s in re.split(r"[;,\s]+", row["states"]) if s.strip()]
        unknown = [s for s in states if s not in US_STATES]
        if not states or unknown:
            e.append(RowError(line, "states", row["states"], "must list state codes separated by ;"))
        if e:
            errors.extend(e)
            continue
        seen[aco_id] = line
        out.append({**row, "newly_entering": row["newly_entering"].lower() == "true", "states": sorted(set(states))})
    return out, errors


def check_voluntary_alignments(data: bytes, aco_ids: set[str]) -> tuple[list[dict[str, Any]], list[RowError]]:
    rows, errors = csv_rows(data, VA_COLUMNS, "voluntary_alignments.csv")
    out: list[dict[str, Any]] = []
    for line, row in rows:
        e: list[RowError] = []
        if not mbi_is_valid(row["mbi"]):
            e.append(RowError(line, "mbi", row["mbi"], "is not an MBI (11 characters in the CMS MBI format)"))
        if row["aco_id"] not in aco_ids:
            e.append(RowError(line, "aco_id", row["aco_id"], "is not an ACO of the portal or of this bundle"))
        if not re.fullmatch(r"[0-9]{9}", row["tin"]):
            e.append(RowError(line, "tin", row["tin"], "a TIN is exactly 9 digits"))
        if not npi_is_valid(row["npi"]):
            e.append(RowError(line, "npi", row["npi"], "fails the NPI check digit (Luhn with prefix 80840)"))
        try:
            signed = datetime.date.fromisoformat(row["signed_date"])
        except ValueError:
            e.append(RowError(line, "signed_date", row["signed_date"], "is not a date (YYYY-MM-DD)"))
        if row["channel"] not in VoluntaryAlignment.Channel.values:
            e.append(RowError(line, "channel", row["channel"], "must be medicare_gov or sva_form"))
        if e:
            errors.extend(e)
            continue
        out.append({**row, "signed_date": signed})
    return out, errors


@transaction.atomic
def _load_csv_part(
    acos: list[dict[str, Any]],
    lists: dict[str, bytes],
    vas: list[dict[str, Any]],
    extras: dict[str, list[dict[str, Any]]],
    outcome: BundleOutcome,
) -> None:
    years = {p.performance_year for p in ModelParameters.objects.all()}
    by_id = {}
    for row in acos:
        aco, _ = ACO.objects.update_or_create(
            aco_id=row["aco_id"], defaults={"legal_name": row["legal_name"], "states": row["states"]}
        )
        by_id[aco.aco_id] = (aco, row)
    outcome.counts["acos"] = len(acos)
    for list_type, data in lists.items():
        read = read_csv(data, name=f"{list_type}.csv")  # read cleanly already (dataset_load)
        fieldnames = [h for h in read.header if h]
        groups: dict[tuple[str, int], io.StringIO] = {}
        origin: dict[tuple[str, int], list[int]] = {}
        for record in read.records:
            row = record.values
            if not any(v.strip() for v in row.values()):
                continue
            key = (row["aco_id"].strip(), int(row["performance_year"].strip()))
            if key not in groups:
                groups[key] = io.StringIO()
                # The ACO's slice, as a file again for the list checks: values exactly as read
                # (this is the data, not an export: nothing is neutralised).
                csv.DictWriter(groups[key], fieldnames=fieldnames).writeheader()
                origin[key] = []
            csv.DictWriter(groups[key], fieldnames=fieldnames).writerow(row)
            origin[key].append(record.line)
        total = 0
        for (aco_id, py), buffer in sorted(groups.items()):
            aco = by_id[aco_id][0] if aco_id in by_id else ACO.objects.get(aco_id=aco_id)
            result = aco_services.list_import(
                aco=aco, performance_year=py, list_type=list_type, data=buffer.getvalue().encode()
            )
            # Report lines of the bundle file, not of the per-ACO slice that was checked.
            lines = origin[(aco_id, py)]
            outcome.errors.extend(
                (
                    f"{list_type}.csv",
                    RowError(lines[e.line - 2] if 2 <= e.line < len(lines) + 2 else e.line, e.field, e.value, e.reason),
                )
                for e in result.errors
            )
            total += result.added + result.updated
            if aco_id in by_id and py in years:
                _, arow = by_id[aco_id]
                Election.objects.update_or_create(
                    aco=aco,
                    performance_year=py,
                    defaults={
                        "risk_option": arow["risk_option"],
                        "alignment_approach": arow["alignment_approach"],
                        "newly_entering": arow["newly_entering"],
                    },
                )
        outcome.counts[list_type] = total
    if outcome.errors:
        raise _Rollback()
    acos_by_id = {a.aco_id: a for a in ACO.objects.filter(aco_id__in={v["aco_id"] for v in vas})}
    created = VoluntaryAlignment.objects.bulk_create(
        [
            VoluntaryAlignment(
                mbi=v["mbi"],
                aco=acos_by_id[v["aco_id"]],
                tin=v["tin"],
                npi=v["npi"],
                signed_date=v["signed_date"],
                channel=v["channel"],
                source="voluntary_alignments.csv",
            )
            for v in vas
        ],
        ignore_conflicts=True,
    )
    outcome.counts["voluntary_alignments"] = len(created)
    for name, rows in extras.items():
        outcome.counts[name.removesuffix(".csv")] = _FILES[name].load(rows)


class _Rollback(Exception):
    pass


def dataset_load(*, folder: Path, with_claims: bool = True, announce: bool = True) -> BundleOutcome:
    """Load a bundle folder: the CSV part in one transaction, then the CCLF packages (announced as
    any load is, unless ``announce`` is false: see ``services.ingest_run_execute``)."""
    outcome = BundleOutcome()
    acos_path = folder / "acos.csv"
    if not acos_path.exists():
        outcome.errors.append(("acos.csv", RowError(0, "file", str(folder), "the bundle has no acos.csv")))
        return outcome
    acos_data, errors = _read_file(acos_path)
    if not errors:
        acos, errors = check_acos(acos_data)
    else:
        acos = []
    outcome.errors.extend(("acos.csv", e) for e in errors)
    aco_ids = {a["aco_id"] for a in acos} | set(ACO.objects.values_list("aco_id", flat=True))
    lists: dict[str, bytes] = {}
    for list_type in ("participants", "preferred_providers"):
        path = folder / f"{list_type}.csv"
        if path.exists():
            lists[list_type], errs = _read_file(path)
            rows: list[tuple[int, dict[str, str]]] = []
            if not errs:
                rows, errs = csv_rows(lists[list_type], ["aco_id", "performance_year"], path.name)
            outcome.errors.extend((path.name, e) for e in errs)
            for line, row in rows:
                if row["aco_id"] not in aco_ids:
                    outcome.errors.append((path.name, RowError(line, "aco_id", row["aco_id"], "is not in acos.csv")))
                if not row["performance_year"].isdigit():
                    outcome.errors.append(
                        (path.name, RowError(line, "performance_year", row["performance_year"], "is not a year"))
                    )
    vas: list[dict[str, Any]] = []
    va_path = folder / "voluntary_alignments.csv"
    if va_path.exists():
        va_data, errors = _read_file(va_path)
        if not errors:
            vas, errors = check_voluntary_alignments(va_data, aco_ids)
        outcome.errors.extend((va_path.name, e) for e in errors)
    extras: dict[str, list[dict[str, Any]]] = {}
    for name, bundle_file in _FILES.items():
        path = folder / name
        if path.exists():
            data, errors = _read_file(path)
            rows_: list[dict[str, Any]] = []
            if not errors:
                rows_, errors = bundle_file.check(data, aco_ids)
            outcome.errors.extend((name, e) for e in errors)
            extras[name] = rows_
    if outcome.errors:
        return outcome
    try:
        _load_csv_part(acos, lists, vas, extras, outcome)
    except _Rollback:
        return outcome
    if with_claims:
        from . import services

        run = services.ingest_run_create(source=str(folder), acting_user=None, queue=False)
        outcome.ingest_run = services.ingest_run_execute(run_id=run.pk, path=folder, announce=announce)
    return outcome


def known_bundle_files() -> set[str]:
    return CORE_FILES | set(_FILES)
