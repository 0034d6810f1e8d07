"""A list change request as people read it: each operation (add, change, remove a Participant TIN or a
Preferred Provider) with its fields labelled and its values written out ("CCNs: none", "New to the
ACO: no", "Specialty: 08 Family practice"), never the stored codes (``ccns: []; new_to_aco: False``).

Pure functions over the request's stored operations (``ReviewCase.content["operations"]``, written by
``services.list_change``): no database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .models import Capitation, FacilityType
from .reference import specialty_codes

# Each list's fields in the order a person reads them, with their labels.
FIELD_LABELS: dict[str, tuple[tuple[str, str], ...]] = {
    "participants": (
        ("tin", "TIN"),
        ("legal_name", "Legal name"),
        ("practice_zip", "Practice ZIP code"),
        ("facility_type", "Facility type"),
        ("ccns", "CCNs"),
        ("new_to_aco", "New to the ACO"),
    ),
    "preferred_providers": (
        ("tin", "TIN"),
        ("npi", "NPI"),
        ("name", "Name"),
        ("specialty_code", "Specialty"),
        ("capitation", "Capitation"),
    ),
}
VERBS = {"add": "Add", "update": "Change", "remove": "Remove"}


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    changed: bool = False


@dataclass(frozen=True)
class ChangeRow:
    """One operation: what it does to whom, the row as it is and as it would be after approval."""

    verb: str
    who: str
    before: tuple[Field, ...]  # empty for an addition
    after: tuple[Field, ...]  # empty for a removal

    @property
    def sentence(self) -> str:
        return f"{self.verb} {self.who}"


def field_text(key: str, value: Any) -> str:
    """One stored value as a person reads it."""
    if key == "ccns":
        return ", ".join(str(c) for c in value) if value else "none"
    if key == "new_to_aco":
        return "yes" if value else "no"
    if key == "facility_type":
        if not value:
            return "none (not a CAH, RHC or FQHC)"
        return f"{FacilityType(value).label} ({value})" if value in FacilityType.values else str(value)
    if key == "specialty_code":
        name = specialty_codes().get(str(value))
        return f"{value} {name}" if name else f"{value} (not a known CMS specialty code)"
    if key == "capitation":
        return str(Capitation(value).label) if value in Capitation.values else str(value)
    if value is None or value == "":
        return "—"
    return str(value)


def _fields(list_type: str, row: Mapping[str, Any], other: Mapping[str, Any] | None) -> tuple[Field, ...]:
    return tuple(
        Field(label, field_text(key, row.get(key)), changed=other is not None and other.get(key) != row.get(key))
        for key, label in FIELD_LABELS[list_type]
        if key in row
    )


def _who(list_type: str, key: Sequence[str], row: Mapping[str, Any]) -> str:
    if list_type == "participants":
        name = row.get("legal_name")
        return f"Participant TIN {key[0]}" + (f", {name}" if name else "")
    name = row.get("name")
    npi = key[1] if len(key) > 1 else row.get("npi", "")
    return f"Preferred Provider TIN {key[0]} NPI {npi}" + (f", {name}" if name else "")


def change_rows(list_type: str, operations: Sequence[Mapping[str, Any]]) -> list[ChangeRow]:
    """The operations of a change request, each readable; a changed field is marked on both sides."""
    rows = []
    for op in operations:
        before, after = op.get("before"), op.get("row")
        rows.append(
            ChangeRow(
                verb=VERBS.get(op.get("op", ""), str(op.get("op", ""))),
                who=_who(list_type, [str(k) for k in op.get("key", [])], after or before or {}),
                before=_fields(list_type, before, after) if before else (),
                after=_fields(list_type, after, before) if after else (),
            )
        )
    return rows
