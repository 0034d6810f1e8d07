"""The narrow claim facts against the wide rows they were cut from, re-derived here in Python from the
wide rows (not through the loader's SQL or numpy): one fact per wide row of CCLF1, CCLF2, CCLF5 and
CCLF6, with the same current flag and current MBI, trimmed codes, whole cents, and a Part B line's
diagnosis codes joined by commas."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.claims import loader
from apps.claims.models import ClaimFact


def _cents(value: Decimal | None) -> int | None:
    if value is None:
        return None
    return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def expected_fact(file_type: str, row: Any) -> dict[str, Any]:
    fields = loader.FACT_FIELDS[file_type]

    def text(column: str) -> str:
        spec = fields.get(column)
        if spec is None:
            return ""
        names = (spec,) if isinstance(spec, str) else spec
        return "".join((getattr(row, n.lower()) or "").strip() for n in names)

    from_date = getattr(row, str(fields["from_date"]).lower())
    allowed = fields.get("allowed_cents")
    paid = fields.get("paid_cents")
    return {
        "service_year": from_date.year if from_date else 0,
        "claim_id": row.cur_clm_uniq_id,
        "current_mbi": row.current_mbi.strip(),
        "from_date": from_date,
        "thru_date": getattr(row, str(fields["thru_date"]).lower()),
        "claim_type": row.clm_type_cd,
        **{c: text(c) for c in loader.FACT_TEXT if c != "current_mbi"},
        "allowed_cents": (_cents(getattr(row, str(allowed).lower())) or 0) if allowed else 0,
        "paid_cents": _cents(getattr(row, str(paid).lower())) if paid else None,
        "is_current": row.is_current,
        "is_denied": bool(getattr(row, "is_denied", False)),
        "diagnoses": ",".join(code for code in _part_b_codes(row) if code) if file_type == "CCLF5" else "",
    }


def _part_b_codes(row: Any) -> list[str]:
    """A Part B line's diagnosis code, then its claim's twelve, trimmed."""
    names = ["clm_line_dgns_cd", *(f"clm_dgns_{i}_cd" for i in range(1, 13))]
    return [(getattr(row, name) or "").strip() for name in names]


def assert_facts_match_wide_rows() -> int:
    """Returns the number of facts checked."""
    checked = 0
    for file_type, source in loader.FACT_SOURCES.items():
        wide = {row.pk: row for row in loader.TABLES[file_type]._default_manager.all()}
        facts = {f.row_id: f for f in ClaimFact.objects.filter(source=source)}
        assert sorted(facts) == sorted(wide), f"{file_type}: facts for rows {sorted(facts)}, wide rows {sorted(wide)}"
        for row_id, row in wide.items():
            fact = facts[row_id]
            got = {k: getattr(fact, k) for k in expected_fact(file_type, row)}
            got = {k: v.strip() if isinstance(v, str) else v for k, v in got.items()}  # char(n) pads
            assert got == expected_fact(file_type, row), f"{file_type} row {row_id}"
            checked += 1
    return checked
