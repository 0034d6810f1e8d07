"""The performance report and the money page say things in words and units: measures by their
catalogue names, rates to two decimals with their unit, whole points, the risk corridors as bands,
model parameters by name, and the times in the portal's zone, named (never UTC)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from apps.acos.models import ACO
from apps.performance import charts, reports
from apps.performance.models import PerformanceSummary
from tests.factories import performance_summary
from tests.performance.test_reports import csv_rows, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(aco: ACO) -> dict[str, Any]:
    summary: PerformanceSummary = performance_summary(aco)
    data = copy.deepcopy(summary.data)
    # As a snapshot of the demo holds them: keys for labels, rates to many decimals, corridors as lists.
    data["quality"]["measures"] = [
        {"measure": "acr", "label": "ACR", "rate": 10.078387458006718, "points": 100.0, "scored": True},
        {"measure": "bp_control", "label": "bp control", "rate": 61.48, "points": 40.0, "scored": False},
        {
            "measure": "uamcc",
            "label": "UAMCC",
            "unit": "admissions per 100 person-years",
            "rate": 32.08556149732621,
            "points": 80.0,
            "scored": True,
        },
    ]
    data["parameters"] = {
        "risk_option": "global",
        "quality_withhold_pct": 3.0,
        "corridors": [[0, 15, 100], [15, 35, 50], [35, 50, 25], [50, None, 10]],
    }
    data["generated_at"] = "2026-12-05T23:28:59+00:00"
    return data


def fact(rows: list[dict[str, str]], section: str, table: str, item: str, measure: str = "Value") -> str:
    (row,) = [r for r in rows if (r["section"], r["table"], r["item"], r["measure"]) == (section, table, item, measure)]
    return row["value"]


def test_a_report_is_stamped_in_the_portal_zone() -> None:
    assert reports.built_at_text(dt.datetime(2026, 12, 5, 19, 3, tzinfo=dt.UTC)) == "5 Dec 2026 14:03 EST"


def test_the_csv_names_measures_and_parameters_in_words(data: dict[str, Any]) -> None:
    rows = csv_rows(reports.build_csv(data, built_at="5 Dec 2026 14:03 EST"))
    blood_pressure = "Controlling high blood pressure (<140/90)"
    assert fact(rows, "Quality", "Measures", blood_pressure, "Rate") == "61.48"
    assert fact(rows, "Quality", "Measures", "All-condition readmission (ACR)", "Rate") == "10.08"
    assert fact(rows, "Quality", "Measures", "All-condition readmission (ACR)", "Points") == "100"
    uamcc = "Unplanned admissions for patients with multiple chronic conditions (UAMCC)"
    assert fact(rows, "Quality", "Measures", uamcc, "Unit") == "admissions per 100 person-years"
    assert not [r for r in rows if r["item"] in ("bp control", "ACR", "UAMCC")]
    # The parameters as the money page lists them.
    params = "Model parameters used"
    assert fact(rows, "Parameters", params, "Risk option") == "Global"
    assert fact(rows, "Parameters", params, "Quality withhold (% of benchmark)") == "3%"
    corridors = fact(rows, "Parameters", params, "Risk corridors (band of gross savings or losses: ACO share)")
    assert corridors == "0–15%: 100%; 15–35%: 50%; 35–50%: 25%; 50% and above: 10%"
    assert not [r for r in rows if r["section"] == "Parameters" and "_" in r["item"]]
    assert fact(rows, "Vintage", "Data vintage", "Summary computed") == "5 Dec 2026 18:28 EST"
    assert fact(rows, "Vintage", "Data vintage", "Report built") == "5 Dec 2026 14:03 EST"


def test_the_pdf_shows_no_raw_codes_lists_or_long_decimals(data: dict[str, Any]) -> None:
    text = pdf_text(reports.build_pdf(data, built_at="5 Dec 2026 14:03 EST"))
    assert "Controlling high blood pressure" in text and "bp control" not in text
    assert "0–15%: 100%; 15–35%: 50%" in text and "[[" not in text
    assert "10.08" in text and "10.0783" not in text
    assert "100.0000" not in text and "quality_withhold_pct" not in text
    assert "UTC" not in text and "built 5 Dec 2026 14:03 EST" in text


def test_the_money_pages_measures_table_reads_in_words(data: dict[str, Any]) -> None:
    table = charts.data_table(data, "measures")
    assert table.header == ["Measure", "Rate", "Unit of the rate", "Points", "Counts in the score"]
    assert table.display_rows() == [
        ["All-condition readmission (ACR)", "10.08", "—", "100", "Yes"],
        ["Controlling high blood pressure (<140/90)", "61.48", "—", "40", "No"],
        [
            "Unplanned admissions for patients with multiple chronic conditions (UAMCC)",
            "32.09",
            "admissions per 100 person-years",
            "80",
            "Yes",
        ],
    ]


def test_the_report_says_why_the_estimate_is_a_saving(data: dict[str, Any]) -> None:
    """The money page's explanation, in the key figures. Inpatient (the factory's $1,285,714.29 over 12,240
    member-months = $105.04 PBPM) against 2026's $120.00 trended by the 3% parameter: $123.60, −$18.56, with
    a plain hyphen in the report; 60 claims over 12,000 member-months in 2026 = 60 per 1,000 a year, none in
    2027."""
    data["parameters"]["benchmark_trend_pct"] = 3.0
    inpatient = next(c for c in data["categories"] if c["category"] == "inpatient")
    inpatient["base_years"] = [
        {"year": 2026, "member_months": 12_000, "expenditure": 1_440_000.0, "pbpm": 120.0, "claims": 60}
    ]
    why = fact(csv_rows(reports.build_csv(data, built_at="")), "Summary", "Key figures", "Why the estimate is a saving")
    assert why.startswith(
        "The aligned beneficiaries cost $735.29 per beneficiary per month (PBPM) against a benchmark of $1,137.25 "
        "PBPM: gross savings of $4,836,480.00 (34.7% of the benchmark), after $83,520.00 of quality withhold not "
        "earned back. Aged & Disabled contributes most: "
    )
    assert why.endswith(
        "Inpatient fell most: $105.04 PBPM against $123.60 (-$18.56 PBPM; 60 inpatient claims per 1,000 "
        "beneficiaries a year in 2026, 0 in 2027)."
    )
    text = pdf_text(reports.build_pdf(data, built_at=""))
    assert "Why the estimate is a saving" in text and "\u2212" not in text
