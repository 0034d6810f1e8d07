"""The GLP-1 access rules of a performance year (docs/balance.md, "Parameters"): the Medicare GLP-1 Bridge's
dates, the access criteria's thresholds, and the windows the portal measures therapy over. A PY without a
``Glp1Parameters`` row uses ``DEFAULT_PARAMETERS``; the Bridge's net price and copay per month are the PY's
model parameters (``ModelParameters.glp1_net_price_monthly``, ``glp1_copay_monthly``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Parameters:
    """Defaults: the Bridge as CMS announced it (2026-07-01 to 2027-12-31) and its access criteria (DOMAIN
    §9: age ≥ 18 and BMI ≥ 35, or ≥ 30 with a major comorbidity, or ≥ 27 with another); the windows are the
    portal's assumptions, stated on the pages."""

    bridge_start: dt.date = dt.date(2026, 7, 1)
    bridge_end: dt.date = dt.date(2027, 12, 31)
    minimum_age: int = 18
    bmi_alone: int = 35
    bmi_with_major: int = 30
    bmi_with_other: int = 27
    comorbidity_lookback_months: int = 12
    part_d_lookback_months: int = 12
    gap_days: int = 30
    adherence_threshold: float = 0.80
    spending_window_months: int = 6
    net_price_monthly_cents: int = 24_500
    copay_monthly_cents: int = 5_000

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["bridge_start"] = self.bridge_start.isoformat()
        data["bridge_end"] = self.bridge_end.isoformat()
        return data


DEFAULT_PARAMETERS = Parameters()
