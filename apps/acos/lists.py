"""Checking Participant TIN and Preferred Provider rows, from a CSV upload or a single form.

Pure functions over plain strings: no database. The same checks serve the bulk upload, the
add/edit forms and the API, so a rule is written once. The cross-ACO check (a TIN already in
another ACO) needs the database and lives in ``services``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lead_portal.uploads import RowError as RowError  # the apps import it from here
from lead_portal.uploads import read_csv

from .reference import npi_is_valid, ruca_zip_codes, specialty_codes

PARTICIPANT_COLUMNS = [
    "aco_id",
    "performance_year",
    "tin",
    "legal_name",
    "ccns",
    "practice_zip",
    "facility_type",
    "new_to_aco",
]
PREFERRED_COLUMNS = ["aco_id", "performance_year", "tin", "npi", "name", "specialty_code", "capitation"]
FACILITY_TYPES = {"", "CAH", "RHC", "FQHC"}
# The article each is read with ("an RHC": R is read "ar").
FACILITY_ARTICLES = {"CAH": "a CAH", "RHC": "an RHC", "FQHC": "an FQHC"}
CAPITATION_VALUES = {"none", "pcc", "tcc", "npcc", "apo"}
CCN_RE = re.compile(r"^[0-9A-Z]{6}$")
TIN_RE = re.compile(r"[0-9]{9}")
MAX_ROWS = 50_000


@dataclass
class ParsedList:
    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # (line, TIN) of every row whose TIN is well formed, whether or not the rest of the row passed:
    # the checks that need the database (a TIN on another ACO's list) run on these too, so one
    # upload reports every problem at once.
    tins: list[tuple[int, str]] = field(default_factory=list)


def _bool(value: str) -> bool | None:
    return {"true": True, "false": False, "": False}.get(value.strip().lower())


def _common(
    row: dict[str, str], line: int, aco_id: str, performance_years: set[int], errors: list[RowError]
) -> int | None:
    if row.get("aco_id", "").strip() != aco_id:
        errors.append(RowError(line, "aco_id", row.get("aco_id", ""), f"must be this ACO's id, {aco_id}"))
    py_text = row.get("performance_year", "").strip()
    py = int(py_text) if py_text.isdigit() else None
    if py is None or py not in performance_years:
        known = ", ".join(str(p) for p in sorted(performance_years))
        errors.append(
            RowError(line, "performance_year", py_text, f"must be a performance year the portal knows ({known})")
        )
    tin = row.get("tin", "").strip()
    if not TIN_RE.fullmatch(tin):
        errors.append(RowError(line, "tin", tin, "a TIN is exactly 9 digits"))
    return py


def check_participant_row(
    row: dict[str, str], line: int, *, aco_id: str, performance_years: set[int]
) -> tuple[dict[str, Any] | None, list[RowError]]:
    errors: list[RowError] = []
    py = _common(row, line, aco_id, performance_years, errors)
    legal_name = row.get("legal_name", "").strip()
    if not legal_name:
        errors.append(RowError(line, "legal_name", "", "is required"))
    elif len(legal_name) > 200:
        errors.append(RowError(line, "legal_name", legal_name[:40] + "…", "is longer than 200 characters"))
    zip_code = row.get("practice_zip", "").strip()
    if not re.fullmatch(r"[0-9]{5}", zip_code):
        errors.append(RowError(line, "practice_zip", zip_code, "a ZIP code is 5 digits"))
    elif zip_code not in ruca_zip_codes():
        errors.append(RowError(line, "practice_zip", zip_code, "is not in the USDA RUCA ZIP table"))
    facility = row.get("facility_type", "").strip().upper()
    if facility not in FACILITY_TYPES:
        errors.append(RowError(line, "facility_type", facility, "must be empty, CAH, RHC or FQHC"))
    ccns_text = row.get("ccns", "").strip()
    ccns = [c.strip().upper() for c in ccns_text.split(";") if c.strip()] if ccns_text else []
    for ccn in ccns:
        if not CCN_RE.fullmatch(ccn):
            errors.append(RowError(line, "ccns", ccn, "a CCN is 6 letters or digits"))
    if len(set(ccns)) != len(ccns):
        errors.append(RowError(line, "ccns", ccns_text, "lists the same CCN twice"))
    if facility in FACILITY_ARTICLES and not ccns:  # an unknown type is reported above
        errors.append(RowError(line, "ccns", "", f"{FACILITY_ARTICLES[facility]} needs the CCN of at least one site"))
    if ccns and not facility:
        errors.append(RowError(line, "facility_type", "", "CCNs are only listed for CAH, RHC or FQHC sites"))
    new_to_aco = _bool(row.get("new_to_aco", ""))
    if new_to_aco is None:
        errors.append(RowError(line, "new_to_aco", row.get("new_to_aco", ""), "must be true or false"))
    if errors:
        return None, errors
    return {
        "performance_year": py,
        "tin": row["tin"].strip(),
        "legal_name": legal_name,
        "ccns": ccns,
        "practice_zip": zip_code,
        "facility_type": facility,
        "new_to_aco": bool(new_to_aco),
    }, []


def check_preferred_row(
    row: dict[str, str], line: int, *, aco_id: str, performance_years: set[int]
) -> tuple[dict[str, Any] | None, list[RowError]]:
    errors: list[RowError] = []
    py = _common(row, line, aco_id, performance_years, errors)
    npi = row.get("npi", "").strip()
    if not re.fullmatch(r"[0-9]{10}", npi):
        errors.append(RowError(line, "npi", npi, "an NPI is exactly 10 digits"))
    elif not npi_is_valid(npi):
        errors.append(RowError(line, "npi", npi, "fails the NPI check digit (Luhn with prefix 80840)"))
    name = row.get("name", "").strip()
    if not name:
        errors.append(RowError(line, "name", "", "is required"))
    elif len(name) > 200:
        errors.append(RowError(line, "name", name[:40] + "…", "is longer than 200 characters"))
    specialty = row.get("specialty_code", "").strip().upper()
    if len(specialty) == 1 and specialty.isdigit():
        specialty = "0" + specialty
    if specialty not in specialty_codes():
        errors.append(RowError(line, "specialty_code", specialty, "is not a known CMS provider specialty code"))
    capitation = row.get("capitation", "").strip().lower() or "none"
    if capitation not in CAPITATION_VALUES:
        errors.append(RowError(line, "capitation", capitation, "must be none, pcc, tcc, npcc or apo"))
    if errors:
        return None, errors
    return {
        "performance_year": py,
        "tin": row["tin"].strip(),
        "npi": npi,
        "name": name,
        "specialty_code": specialty,
        "capitation": capitation,
    }, []


LIST_SPECS = {
    "participants": (PARTICIPANT_COLUMNS, check_participant_row, ("tin",)),
    "preferred_providers": (PREFERRED_COLUMNS, check_preferred_row, ("tin", "npi")),
}


def row_key(list_type: str, row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(row[k]) for k in LIST_SPECS[list_type][2])


def parse_list_csv(
    data: bytes, *, list_type: str, aco_id: str, performance_years: set[int], name: str | None = None
) -> ParsedList:
    """Read and check every row of an uploaded list. Line numbers count the header as line 1."""
    columns, check, key_fields = LIST_SPECS[list_type]
    result = ParsedList()
    read = read_csv(data, name=name or f"{list_type}.csv", columns=columns)
    if read.errors:
        result.errors.extend(read.errors)
        return result
    seen: dict[tuple[str, ...], int] = {}
    for count, record in enumerate(read.records, start=1):
        index = record.line
        if count > MAX_ROWS:
            result.errors.append(RowError(index, "file", "", f"has more than {MAX_ROWS} rows"))
            break
        if record.surplus:
            result.errors.append(RowError(index, "row", ",".join(record.surplus), "has more values than the header"))
            continue
        cleaned, errors = check(record.values, index, aco_id=aco_id, performance_years=performance_years)
        tin = (record.values.get("tin") or "").strip()
        if TIN_RE.fullmatch(tin):
            result.tins.append((index, tin))
        if cleaned is None:
            result.errors.extend(errors)
            continue
        key = (str(cleaned["performance_year"]), *row_key(list_type, cleaned))
        if key in seen:
            what = "TIN" if len(key_fields) == 1 else "TIN and NPI"
            result.errors.append(
                RowError(
                    index, key_fields[-1], cleaned[key_fields[-1]], f"duplicate {what}: already on line {seen[key]}"
                )
            )
            continue
        seen[key] = index
        result.rows.append(cleaned)
        result.lines.append(index)
    if not result.rows and not result.errors:
        result.errors.append(RowError(0, "file", "", "has no rows"))
    return result
