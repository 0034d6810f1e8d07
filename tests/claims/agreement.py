"""The checker and the loader read every field the same way.

For every field of every layout, values written the ways real files write them (left- or
right-justified, zero-padded, CMS's "missing" dates) are either accepted by the checker and loaded
as the value worked out here by hand, or rejected by the checker and then by the whole load, with
the value shown as it stands. ``cases(file_type)`` gives both lists; tests/claims/test_agreement.py
runs them on SQLite (the staged path) and tests/integration/test_claims_postgres.py on PostgreSQL
(the COPY path).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from apps.claims.layouts import Field, layout
from apps.claims.parsing import CODED_FIELDS, TRIMMED_FIELDS
from tests.claims.cclf_builders import splice, written

D = datetime.date


def _accepted(file_type: str, f: Field) -> list[tuple[str, Any]]:
    """(raw text in the field, value loaded) pairs the checker must accept."""
    w = f.length
    kind = f.kind
    coded = CODED_FIELDS.get(file_type, {}).get(f.name)
    if kind == "int":
        out: list[tuple[str, Any]] = [("7".zfill(w), 7), ("7".rjust(w), 7), ("7", 7)]
        if coded:
            code = sorted(c for c in coded if c)[0]
            out = [(code.zfill(w), int(code))]
        return out
    if kind == "date":
        return [("2026-03-01", D(2026, 3, 1)), ("1000-01-01", None), ("9999-12-31", None), ("", None)]
    if kind == "decimal":
        places = 4 if f.name.endswith("_QTY") else 2
        return [
            ("-12.5".rjust(w), Decimal("-12.5")),
            ("12.50".zfill(w), Decimal("12.5")),
            ("3", Decimal(3)),
            (f"{Decimal('0.25'):.{places}f}".rjust(w), Decimal("0.25")),
            ("", None),
        ]
    if coded:
        codes = sorted(coded)
        out = []
        for code in codes:
            if not code:
                out.append(("", ""))
                continue
            out.append((code, code))  # left-justified
            if len(code) < w:
                out.append((code.rjust(w), code))  # right-justified: the same code, stored trimmed
        return out
    trimmed = f.name in TRIMMED_FIELDS.get(file_type, set())
    sample = "A1"[: max(1, min(2, w))]
    out = [(sample, sample), ("", "")]
    if w > len(sample):
        out.append((sample.rjust(w), sample if trimmed else sample.rjust(w)))
    return out


def _rejected(file_type: str, f: Field) -> list[str]:
    """Raw texts the checker must reject (the field's kind says why)."""
    w = f.length
    kind = f.kind
    coded = CODED_FIELDS.get(file_type, {}).get(f.name)
    if kind == "int":
        return ["7X", "7 7" if w >= 3 else "X7", "-7"]
    if kind == "date":
        return ["2026-02-30", "2026/03/01", "1000-01-02"]
    if kind == "decimal":
        return ["1,25", "--1", "1 2"]
    if coded:
        return ["Q"] if w == 1 else ["QQ", " Q"]
    return []


def cases(file_type: str) -> tuple[list[tuple[str, str, Any]], list[tuple[str, str]]]:
    """(field, raw, expected) accepted and (field, raw) rejected, for every field of the layout.
    Fields the layout requires to be present (keys) skip their blank variants."""
    from apps.claims.parsing import REQUIRED_FIELDS

    required = REQUIRED_FIELDS.get(file_type, set())
    accepted: list[tuple[str, str, Any]] = []
    rejected: list[tuple[str, str]] = []
    for f in layout(file_type).fields:
        for raw, value in _accepted(file_type, f):
            if not raw.strip() and f.name in required:
                continue
            accepted.append((f.name, raw, value))
        rejected.extend((f.name, raw) for raw in _rejected(file_type, f))
    return accepted, rejected


def record_with(file_type: str, field: str, raw: str) -> str:
    """The every-field record of ``file_type`` (cclf_builders.FIELDS) with ``raw`` in ``field``."""
    return splice(written(file_type), file_type, field, raw)
