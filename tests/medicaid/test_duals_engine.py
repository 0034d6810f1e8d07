"""The dual status mapping (every CCLF8 code) and the rates, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.claims.parsing import CODED_FIELDS
from apps.medicaid import engine

# Hand-listed from the CCLF8 layout: full Medicaid 02, 04, 08; a Medicare Savings Program only 01, 03,
# 05, 06; everything else is not dual.
EXPECTED = {
    "": "none",
    "NA": "none",
    "00": "none",
    "01": "partial",
    "02": "full",
    "03": "partial",
    "04": "full",
    "05": "partial",
    "06": "partial",
    "08": "full",
    "09": "none",
    "10": "none",
    "99": "none",
}


@pytest.mark.parametrize(("code", "group"), sorted(EXPECTED.items()))
def test_every_code_maps_to_its_group(code: str, group: str) -> None:
    assert engine.dual_group(code) == group
    assert engine.DUAL_STATUS_CODES[code][0] == group
    assert engine.code_label(code)  # the pages show what it means


def test_the_table_covers_exactly_the_codes_the_loader_accepts() -> None:
    assert set(engine.DUAL_STATUS_CODES) == set(EXPECTED) == CODED_FIELDS["CCLF8"]["BENE_DUAL_STUS_CD"]


def test_codes_are_read_as_the_loader_leaves_them() -> None:
    assert engine.dual_group(" 02") == "full"
    assert engine.dual_group("na") == "none"
    assert engine.dual_group(None) == "none"
    assert engine.dual_group("07") == "none"  # not in the layout: not counted as dual
    assert "not in the CCLF8 layout" in engine.code_label("07")


def test_the_quality_apps_dual_strata_agree() -> None:
    from apps.quality.engine import QualityParameters

    dual = set(QualityParameters().dual_status_codes)
    assert dual == {c for c, g in EXPECTED.items() if g != "none"}


def test_per_thousand_is_per_1000_beneficiaries_per_year() -> None:
    # 1 admission over 19 member-months: 1 / 19 * 12,000 = 631.578… → 631.6
    assert engine.per_thousand(1, 19) == Decimal("631.6")
    # 1 over 6 member-months: 2,000 per 1,000 per year
    assert engine.per_thousand(1, 6) == Decimal("2000.0")
    assert engine.per_thousand(0, 11) == Decimal("0.0")
    assert engine.per_thousand(3, 0) is None


def test_pbpm_and_ratio() -> None:
    assert engine.pbpm(Decimal("700.00"), 11) == Decimal("63.64")  # 63.636…
    assert engine.pbpm(Decimal("15850.00"), 19) == Decimal("834.21")  # 834.2105…
    assert engine.pbpm(Decimal("10.00"), 0) is None
    assert engine.ratio(Decimal("834.21"), Decimal("3500.00")) == Decimal("0.24")
    assert engine.ratio(Decimal("1"), Decimal("0")) is None
    assert engine.ratio(None, Decimal("1")) is None
    assert engine.share(3, 4) == Decimal("75.0")
    assert engine.share(1, 0) is None


D = dt.date


@pytest.mark.parametrize(
    ("effective", "death", "through", "months"),
    [
        (None, None, D(2027, 11, 30), 11),  # January through November
        (D(2027, 4, 1), None, D(2027, 11, 30), 8),  # April through November
        (D(2027, 4, 15), None, D(2027, 12, 31), 9),  # from the effective date's month
        (D(2027, 1, 1), D(2027, 6, 15), D(2027, 11, 30), 6),  # the month of death counts
        (D(2027, 1, 1), D(2027, 6, 1), D(2027, 11, 30), 6),  # alive on June 1
        (None, D(2026, 12, 31), D(2027, 12, 31), 0),  # died before the year
        (D(2027, 8, 1), D(2027, 7, 20), D(2027, 12, 31), 0),  # died before the effective date
        (None, None, D(2027, 6, 30), 6),  # the run-through ends the months
        (None, None, None, 0),  # no claims of the year yet
        (D(2026, 7, 1), None, D(2028, 3, 31), 12),  # never outside the year
    ],
)
def test_member_months(effective: dt.date | None, death: dt.date | None, through: dt.date | None, months: int) -> None:
    assert (
        engine.member_months(performance_year=2027, effective_from=effective, death_date=death, through=through)
        == months
    )


def test_month_end() -> None:
    assert engine.month_end(D(2027, 11, 20)) == D(2027, 11, 30)
    assert engine.month_end(D(2027, 12, 5)) == D(2027, 12, 31)
    assert engine.month_end(D(2028, 2, 1)) == D(2028, 2, 29)
