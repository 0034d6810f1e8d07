"""The USDA ERS RUCA 2010 ZIP approximation (``reference/rural/ruca2010_zip.csv``): the primary RUCA
code of each ZIP, which decides rurality (docs/rural.md)."""

from __future__ import annotations

import csv
from functools import cache

from apps.acos.reference import REFERENCE_DIR

RUCA_FILE = REFERENCE_DIR / "rural" / "ruca2010_zip.csv"
# RUCA 99 means "not coded" (no population): such a ZIP is treated as not in the table.
NOT_CODED = 99


@cache
def _rows() -> tuple[tuple[str, str, str], ...]:
    with open(RUCA_FILE, newline="", encoding="utf-8") as fh:
        return tuple((row["zip"], row["state"], row["ruca_primary"]) for row in csv.DictReader(fh))


@cache
def ruca_primary() -> dict[str, int]:
    """ZIP → primary RUCA code (1–10). Rows with a non-numeric or not-coded (99) code are skipped."""
    codes: dict[str, int] = {}
    for zip_code, _state, code in _rows():
        if code.strip().isdigit() and int(code) != NOT_CODED:
            codes[zip_code] = int(code)
    return codes


@cache
def zip_state() -> dict[str, str]:
    """ZIP → two-letter state of the RUCA table."""
    return {zip_code: state for zip_code, state, _code in _rows()}
