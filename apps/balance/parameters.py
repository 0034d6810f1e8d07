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

# Each reason a beneficiary is not eligible, or what a clinician must confirm, as a key the pages group by
# (the sentences in ``Result.reasons`` carry the beneficiary's own codes and dates).
REASON_LABELS: dict[str, str] = {
    "died": "Died",
    "age": "Under the minimum age",
    "no_bmi": "No BMI code (Z68) on claims",
    "bmi_low": "BMI under the lowest threshold (27)",
    "bmi_27_alone": "BMI 27–29.9 without prediabetes, prior MI, prior stroke or PAD on claims",
    "bmi_30_alone": "BMI 30–34.9 without a qualifying comorbidity on claims",
    "part_d_glp1": "On a GLP-1 under Part D for another indication",
    "confirm_hypertension": "Hypertension: confirm it is uncontrolled",
    "confirm_pad": "Peripheral artery disease: confirm it is symptomatic",
    "confirm_part_d": "Part D enrolment: no Part D fill on claims",
}
