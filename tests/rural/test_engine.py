"""The rural add-on rule, worked by hand (docs/rural.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.rural import engine
from apps.rural.reference import ruca_primary, zip_state

D = dt.date
RUCA = {"20606": 3, "21601": 4, "21201": 1, "26601": 10, "21620": 7, "21613": 6}


def test_the_reference_table_reads_the_usda_file() -> None:
    codes = ruca_primary()
    assert codes["21201"] == 1  # Baltimore
    assert codes["20606"] == 3 and codes["21601"] == 4  # the boundary pair used below, from the file
    assert codes["26601"] == 10
    assert "zip" not in codes  # the header is not a ZIP
    assert all(1 <= code <= 10 for code in codes.values())  # 99 (not coded) is skipped
    assert zip_state()["21201"] == "MD"


@pytest.mark.parametrize(
    ("facility", "zip_code", "rural", "ruca", "rule"),
    [
        ("", "20606", False, 3, "practice ZIP 20606 is urban (RUCA 3)"),  # RUCA 3: still urban
        ("", "21601", True, 4, "practice ZIP 21601 is rural (RUCA 4)"),  # RUCA 4: rural
        ("RHC", "26601", True, 10, "RHC in a rural ZIP 26601 (RUCA 10)"),
        ("RHC", "21201", False, 1, "RHC, but ZIP 21201 is urban (RUCA 1)"),  # a clinic in a city is not rural
        ("CAH", "20606", False, 3, "CAH, but ZIP 20606 is urban (RUCA 3)"),
        ("FQHC", "99999", None, None, "ZIP 99999 is not in the USDA RUCA table"),  # reported, not urban
        ("", "99999", None, None, "ZIP 99999 is not in the USDA RUCA table"),
    ],
)
def test_tin_rurality(facility: str, zip_code: str, rural: bool | None, ruca: int | None, rule: str) -> None:
    assert engine.tin_rurality(facility, zip_code, RUCA) == engine.Rurality(rural, ruca, rule)


def test_beneficiary_categories() -> None:
    cat = engine.beneficiary_category
    assert [cat(z, RUCA) for z in ("21201", "20606", "21601", "21613", "21620", "26601", "99999", "")] == [
        "metropolitan",
        "metropolitan",
        "micropolitan",
        "micropolitan",
        "small town",
        "rural",
        "unknown",
        "unknown",
    ]


def test_eligibility() -> None:
    ok, reason = engine.eligibility([], newly_entering=True, any_new_to_aco=True)
    assert not ok and "No Participant TIN is rural" in reason
    ok, reason = engine.eligibility(["111000001"], newly_entering=False, any_new_to_aco=False)
    assert (
        not ok
        and reason == "1 rural Participant TIN, but the ACO is neither newly entering nor has providers new to ACOs."
    )
    ok, reason = engine.eligibility(["111000001", "111000002"], newly_entering=True, any_new_to_aco=False)
    assert ok and reason == "Qualifies: 2 rural Participant TINs and the ACO is newly entering."
    ok, reason = engine.eligibility(["111000001"], newly_entering=False, any_new_to_aco=True)
    assert ok and reason.endswith("has providers new to ACOs.")


def _amounts(lines: list[engine.Month]) -> list[Decimal]:
    return [line.amount for line in lines]


def test_all_year_is_twelve_member_months_at_eight_dollars() -> None:
    lines = engine.schedule([(None, None)], Decimal("8.00"), 2027, None)
    assert [line.month for line in lines] == [D(2027, m, 1) for m in range(1, 13)]
    assert all(line.member_months == 1 and line.amount == Decimal("8.00") for line in lines)
    assert all(line.kind == "actual" for line in lines)
    total = engine.totals(lines)
    assert (total.member_months, total.amount) == (12, Decimal("96.00"))
    # An effective date of 1 January is the same as none.
    assert engine.totals(engine.schedule([(D(2027, 1, 1), None)], Decimal("8.00"), 2027, None)).amount == Decimal(
        "96.00"
    )


def test_a_death_on_15_may_ends_after_may() -> None:
    lines = engine.schedule([(D(2027, 1, 1), D(2027, 5, 15))], Decimal("8.00"), 2027, None)
    assert [line.member_months for line in lines] == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    total = engine.totals(lines)
    assert (total.member_months, total.amount) == (5, Decimal("40.00"))


def test_a_midyear_addition_counts_from_its_effective_month() -> None:
    lines = engine.schedule([(D(2027, 7, 1), None)], Decimal("8.00"), 2027, None)
    assert [line.member_months for line in lines] == [0] * 6 + [1] * 6
    assert engine.totals(lines).member_months == 6
    assert engine.totals(lines).amount == Decimal("48.00")


def test_actual_and_projected_split_at_actual_through() -> None:
    rows = [(None, None), (None, D(2027, 9, 10)), (D(2027, 4, 1), None)]
    lines = engine.schedule(rows, Decimal("8.00"), 2027, D(2027, 6, 30))
    assert [line.kind for line in lines] == ["actual"] * 6 + ["projected"] * 6
    # Jan–Mar 2 each, Apr–Jun 3, Jul–Sep 3 (the death on 10 Sep still ends them), Oct–Dec 2.
    assert [line.member_months for line in lines] == [2, 2, 2, 3, 3, 3, 3, 3, 3, 2, 2, 2]
    total = engine.totals(lines)
    assert total.actual_amount == Decimal("120.00")  # 15 member-months × $8
    assert total.projected_amount == Decimal("120.00")  # 15 member-months × $8
    assert total.amount == Decimal("240.00")
    # A cut-off inside a month leaves that month projected.
    mid = engine.schedule(rows, Decimal("8.00"), 2027, D(2027, 6, 15))
    assert [line.kind for line in mid].count("actual") == 5


def test_the_rate_of_each_year_applies() -> None:
    py2027 = engine.totals(engine.schedule([(None, None)], Decimal("8.00"), 2027, None))
    py2028 = engine.totals(engine.schedule([(None, None)], Decimal("10.00"), 2028, None))
    assert (py2027.amount, py2028.amount) == (Decimal("96.00"), Decimal("120.00"))
    assert engine.schedule([(None, None)], Decimal("10.00"), 2028, None)[0].month == D(2028, 1, 1)
