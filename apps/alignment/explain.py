"""The stored explanation of an alignment (engine.Explanation as JSON) in plain words."""

from __future__ import annotations

import datetime as dt
from typing import Any

# How an ACO's answers name any other ACO (``selectors.explanation_for``): never by its id or name.
OTHER_ACO = "another ACO"

STEP_WORDS = {
    "1": "primary care services (step 1: primary-care specialties and RHC/FQHC visits)",
    "2": "specialist services (step 2: the beneficiary had no primary-care services)",
}


def _date(value: Any) -> str:
    if not value:
        return "—"
    day = dt.date.fromisoformat(str(value))
    return f"{day:%b} {day.day}, {day.year}"


def capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def dollars(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def entity_label(competitor: dict[str, Any], names: dict[str, str]) -> str:
    key, kind = competitor["key"], competitor["kind"]
    if kind == "other_aco":  # masked by ``selectors.explanation_for``: its key is its label
        return str(key)
    if kind == "aco":
        return f"ACO {key}" + (f" ({names[key]})" if key in names else "")
    label = "CCN" if kind == "ccn" else "TIN"
    return f"{label} {key}" + (f" ({names[key]})" if key in names else " (in no ACO)")


def explain(row: dict[str, Any], *, aco_id: str, names: dict[str, str] | None = None) -> list[str]:
    """Sentences saying why the beneficiary is aligned to ``aco_id``.

    ``row`` holds the aligned row's fields (alignment_type, step, tin, unit_kind, npi, effective_from,
    added_midyear) and its ``explanation``; ``names`` maps ACO ids, TINs and CCNs to display names."""
    names = names or {}
    e = row.get("explanation") or {}
    sentences: list[str] = []
    voluntary = e.get("voluntary")
    if row["alignment_type"] == "voluntary" and voluntary:
        sentences.append(
            f"Aligned voluntarily: on {_date(voluntary['signed_date'])} the beneficiary designated NPI "
            f"{voluntary['npi'] or '—'} under TIN {voluntary['tin']}, a Participant TIN of ACO {aco_id}. "
            "A valid voluntary designation wins over claims."
        )
        named = voluntary.get("record_aco_id")
        if named and named != aco_id:
            named = named if named.startswith(OTHER_ACO) else f"ACO {named}"
            sentences.append(
                f"The record names {named}; the designated TIN belongs to ACO {aco_id} "
                "this performance year, so the beneficiary follows the TIN."
            )
    competitors = e.get("competitors") or []
    claims_step = e.get("claims_step")
    if claims_step and competitors:
        winner = competitors[0]
        lead = (
            "Aligned by claims: "
            if row["alignment_type"] == "claims"
            else "For context, the claims-based rule on its own would give: "
        )
        sentences.append(
            f"{lead}{e.get('service_count', 0)} qualifying {STEP_WORDS.get(claims_step, 'services')} between "
            f"{_date(e.get('first_service'))} and {_date(e.get('last_service'))}. "
            f"{capfirst(entity_label(winner, names))} has the largest weighted charge, "
            f"{dollars(winner['weighted_cents'])} "
            "(1 × first alignment year + 2 × second alignment year)."
        )
        if len(competitors) > 1:
            runner = competitors[1]
            if runner["weighted_cents"] == winner["weighted_cents"]:
                sentences.append(
                    f"{capfirst(entity_label(runner, names))} tied at {dollars(runner['weighted_cents'])}; "
                    "the tie went to "
                    f"the entity with the latest qualifying service ({_date(winner['last_service'])}), then the "
                    "smallest key."
                )
            else:
                sentences.append(
                    f"The next closest is {entity_label(runner, names)} at {dollars(runner['weighted_cents'])}."
                )
    elif row["alignment_type"] == "voluntary":
        sentences.append("The beneficiary had no qualifying services in the two alignment years.")
    if row["alignment_type"] == "claims":
        unit = "CCN" if row.get("unit_kind") == "ccn" else "TIN"
        npi = f" and NPI {row['npi']}" if row.get("npi") else ""
        sentences.append(f"Inside the ACO, {unit} {row['tin']}{npi} billed the most: the aligning unit.")
    if row.get("added_midyear"):
        sentences.append(f"Added mid-year (Hybrid approach), aligned from {_date(row.get('effective_from'))}.")
    return sentences
