"""Cohorts and High Needs criteria (docs/alignment.md "High Needs" and "Cohorts"), pure: hand-made claims,
answers worked out by hand. Assessed as of 2027-01-01 unless said otherwise, so the window is
2026-01-01..2026-12-31 (the 12 months ending on the last day of the quarter before the assessment)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from apps.alignment import cohorts
from apps.alignment.cohorts import (
    COHORT_AGED_DISABLED,
    COHORT_ESRD,
    COHORT_HIGH_NEEDS,
    CRITERION_FRAILTY_DME,
    CRITERION_MOBILITY,
    CRITERION_PREVIOUSLY,
    CRITERION_RISK_AND_ADMISSIONS,
    CRITERION_RISK_SCORE,
    CRITERION_SNF_DAYS,
    CohortInputs,
    CohortResult,
)

AS_OF = dt.date(2027, 1, 1)

Claim = tuple[Any, ...]


def snf(mbi: str, frm: str, thru: str, status: str = "01", claim_type: int = 20) -> Claim:
    return (mbi, claim_type, frm, thru, "3", "1", status)


def stay(mbi: str, frm: str, thru: str, admission: str = "1", freq: str = "1") -> Claim:
    """An inpatient claim (type 60); admission type 1 emergency, 2 urgent, 3 elective."""
    return (mbi, 60, frm, thru, admission, freq, "01")


def make(
    benes: dict[str, str],
    dx: list[tuple[str, str, str]] | None = None,
    dme: list[tuple[str, str, str]] | None = None,
    facility: list[Claim] | None = None,
) -> CohortInputs:
    """benes: MBI → BENE_MDCR_STUS_CD; dx: (MBI, date, code); dme: (MBI, date, HCPCS); facility: see above."""

    def cols(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
        return [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]

    d_mbi, d_date, d_code = cols(dx or [], 3)
    e_mbi, e_date, e_hcpcs = cols(dme or [], 3)
    f = cols(facility or [], 7)
    return CohortInputs(
        beneficiaries=cohorts.Beneficiaries(
            mbi=np.array(list(benes), dtype=object), medicare_status=np.array(list(benes.values()), dtype=object)
        ),
        diagnoses=cohorts.Diagnoses(
            mbi=np.array(d_mbi, dtype=object),
            date=np.array(d_date, dtype="datetime64[D]"),
            code=np.array(d_code, dtype=object),
        ),
        dme=cohorts.DMELines(
            mbi=np.array(e_mbi, dtype=object),
            date=np.array(e_date, dtype="datetime64[D]"),
            hcpcs=np.array(e_hcpcs, dtype=object),
        ),
        facility=cohorts.FacilityClaims(
            mbi=np.array(f[0], dtype=object),
            claim_type=np.array(f[1], dtype=np.int64),
            from_date=np.array(f[2], dtype="datetime64[D]"),
            thru_date=np.array(f[3], dtype="datetime64[D]"),
            admission_type=np.array(f[4], dtype=object),
            bill_frequency=np.array(f[5], dtype=object),
            patient_status=np.array(f[6], dtype=object),
        ),
    )


def row(result: CohortResult, mbi: str) -> int:
    i = result.index(mbi)
    assert i is not None, mbi
    return i


def by_mbi(result: CohortResult, column: str) -> dict[str, Any]:
    values = getattr(result, column)
    return {str(m): (v.item() if hasattr(v, "item") else v) for m, v in zip(result.mbi, values, strict=True)}


# --- the window ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "start", "end"),
    [
        # Q1 2027 assessments look at the 12 months ending Dec 31, 2026 (the end of Q4 2026).
        (dt.date(2027, 1, 1), dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        (dt.date(2027, 3, 31), dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        # Q2 2027: the quarter before ends Mar 31, 2027; 12 months back starts Apr 1, 2026.
        (dt.date(2027, 4, 1), dt.date(2026, 4, 1), dt.date(2027, 3, 31)),
        (dt.date(2027, 8, 15), dt.date(2026, 7, 1), dt.date(2027, 6, 30)),
        (dt.date(2027, 12, 31), dt.date(2026, 10, 1), dt.date(2027, 9, 30)),
    ],
)
def test_lookback_window_is_the_twelve_months_ending_with_the_previous_quarter(
    as_of: dt.date, start: dt.date, end: dt.date
) -> None:
    assert cohorts.lookback_window(as_of) == (start, end)


def test_result_carries_its_window() -> None:
    result = cohorts.high_needs(make({"M1": "10"}), as_of=dt.date(2027, 5, 20))
    assert (result.window_start, result.window_end) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))


# --- mobility impairment ---------------------------------------------------------------------------


def test_mobility_diagnosis_counts_only_inside_the_window() -> None:
    inputs = make(
        {"BEFORE": "10", "FIRST": "10", "LAST": "10", "AFTER": "10"},
        dx=[
            ("BEFORE", "2025-12-31", "G8220"),  # one day before the window
            ("FIRST", "2026-01-01", "G8220"),  # first day
            ("LAST", "2026-12-31", "G8220"),  # last day
            ("AFTER", "2027-01-01", "G8220"),  # the assessment day itself is after the window
        ],
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert by_mbi(result, "mobility") == {"AFTER": False, "BEFORE": False, "FIRST": True, "LAST": True}
    assert by_mbi(result, "high_needs") == {"AFTER": False, "BEFORE": False, "FIRST": True, "LAST": True}


@pytest.mark.parametrize(
    ("code", "mobility"),
    [
        ("G8220", True),  # paraplegia, unspecified
        ("G8250", True),  # quadriplegia, unspecified
        ("G8191", True),  # hemiplegia, unspecified, right dominant side
        ("G81.91", True),  # the same with the dot
        ("G35", True),  # multiple sclerosis
        ("G20A1", True),  # Parkinson's disease without dyskinesia (FY2024 code)
        ("Z993", True),  # dependence on wheelchair
        ("G7101", True),  # Duchenne or Becker muscular dystrophy (G71.0 family)
        ("S14109S", True),  # cervical spinal cord injury, sequela
        ("I69351", True),  # hemiplegia following cerebral infarction, right dominant side
        ("I69391", False),  # dysphagia following cerebral infarction: an I69 code that is not paralysis
        ("Z992", False),  # dependence on renal dialysis
        ("G7100", True),  # muscular dystrophy, unspecified (G71.0 family)
        ("G712", False),  # congenital myopathies: G71 outside G71.0 is not on the list
        ("I10", False),  # hypertension
        ("G3", False),  # a truncated code is not G35
        ("", False),
    ],
)
def test_mobility_code_list(code: str, mobility: bool) -> None:
    assert bool(cohorts.is_mobility_dx(np.array([code], dtype=object))[0]) is mobility


def test_non_mobility_diagnoses_do_not_count() -> None:
    inputs = make({"M1": "10"}, dx=[("M1", "2026-05-01", "I10"), ("M1", "2026-06-01", "E119")])
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert not result.mobility[0]
    assert result.cohort[0] == COHORT_AGED_DISABLED


def test_mobility_evidence_is_the_latest_qualifying_diagnosis() -> None:
    inputs = make(
        {"M1": "10"},
        dx=[
            ("M1", "2026-02-01", "G35"),
            ("M1", "2026-09-01", "Z993"),  # latest in the window: the evidence shown
            ("M1", "2026-10-01", "I10"),  # later, but not a mobility diagnosis
            ("M1", "2027-02-01", "G8220"),  # later, but outside the window
        ],
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert (result.mobility_code[0], str(result.mobility_date[0])) == ("Z993", "2026-09-01")


# --- frailty DME -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hcpcs", "frail"),
    [
        ("E0250", True),  # first code of the hospital bed range
        ("E0260", True),  # hospital bed, semi-electric
        ("E0373", True),  # last code of the range
        ("E0249", False),  # just before the range
        ("E0374", False),  # just after
        ("E0630", True),  # patient lift, hydraulic or mechanical
        ("E0621", True),  # sling for a patient lift
        ("E1035", True),  # multi-positional patient transfer system
        ("E0705", True),  # transfer board
        ("K0001", False),  # standard wheelchair: not a REACH frailty item
        ("E0143", False),  # walker
    ],
)
def test_frailty_dme_code_list(hcpcs: str, frail: bool) -> None:
    assert bool(cohorts.is_frailty_dme(np.array([hcpcs], dtype=object))[0]) is frail


def test_frailty_dme_counts_only_inside_the_window() -> None:
    inputs = make(
        {"BEFORE": "10", "FIRST": "20", "LAST": "10", "CHAIR": "10"},
        dme=[
            ("BEFORE", "2025-12-31", "E0260"),
            ("FIRST", "2026-01-01", "E0630"),
            ("LAST", "2026-12-31", "E0260"),
            ("CHAIR", "2026-06-01", "K0001"),
        ],
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert by_mbi(result, "frailty_dme") == {"BEFORE": False, "CHAIR": False, "FIRST": True, "LAST": True}
    assert (result.frailty_hcpcs[row(result, "FIRST")], str(result.frailty_date[row(result, "FIRST")])) == (
        "E0630",
        "2026-01-01",
    )
    assert result.criteria(row(result, "LAST")) == [CRITERION_FRAILTY_DME]


# --- SNF days --------------------------------------------------------------------------------------


def test_snf_days_count_admission_day_not_discharge_day() -> None:
    inputs = make(
        {"D45": "10", "D44": "10"},
        facility=[
            # Mar 1 → Apr 15: March's 31 days + Apr 1..14 = 45 days (Apr 15, the discharge day, not counted).
            snf("D45", "2026-03-01", "2026-04-15"),
            # Mar 1 → Apr 14: 31 + 13 = 44 days.
            snf("D44", "2026-03-01", "2026-04-14"),
        ],
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert by_mbi(result, "snf_days") == {"D44": 44, "D45": 45}
    assert by_mbi(result, "snf") == {"D44": False, "D45": True}
    assert by_mbi(result, "cohort") == {"D44": COHORT_AGED_DISABLED, "D45": COHORT_HIGH_NEEDS}


def test_snf_days_are_clipped_to_the_window() -> None:
    inputs = make(
        {"START": "10", "END": "10", "OUT": "10"},
        facility=[
            # Dec 1, 2025 → Jan 20, 2026: only Jan 1..19 fall in the window = 19 days.
            snf("START", "2025-12-01", "2026-01-20"),
            # Dec 20, 2026 → Jan 15, 2027: Dec 20..31 = 12 days.
            snf("END", "2026-12-20", "2027-01-15"),
            # Nov 1 → Dec 31, 2025: discharged the day before the window opens = 0 days.
            snf("OUT", "2025-11-01", "2026-01-01"),
        ],
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert by_mbi(result, "snf_days") == {"END": 12, "OUT": 0, "START": 19}


def test_snf_days_union_of_overlapping_claims_still_patient_and_swing_beds() -> None:
    inputs = make(
        {"OVERLAP": "10", "INTERIM": "10", "SWING": "10", "SAMEDAY": "10", "HOSPITAL": "10"},
        facility=[
            # Jan 1 → Feb 1 (31 days) and Jan 20 → Feb 20 overlap: union Jan 1..Feb 19 = 31 + 19 = 50.
            snf("OVERLAP", "2026-01-01", "2026-02-01"),
            snf("OVERLAP", "2026-01-20", "2026-02-20"),
            # Interim bills, still a patient (status 30) through Jun 30: Jun 1..30 = 30 days; then the
            # final bill Jul 1 → Jul 16 (discharged): Jul 1..15 = 15 days; total 45.
            snf("INTERIM", "2026-06-01", "2026-06-30", status="30"),
            snf("INTERIM", "2026-07-01", "2026-07-16"),
            # A swing bed (claim type 30) counts as SNF: Aug 1 → Sep 15 = 31 + 14 = 45 days.
            snf("SWING", "2026-08-01", "2026-09-15", claim_type=30),
            # Admitted and discharged the same day: one day.
            snf("SAMEDAY", "2026-05-05", "2026-05-05"),
            # An inpatient hospital stay is not SNF.
            stay("HOSPITAL", "2026-03-01", "2026-05-01"),
        ],
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert by_mbi(result, "snf_days") == {"HOSPITAL": 0, "INTERIM": 45, "OVERLAP": 50, "SAMEDAY": 1, "SWING": 45}
    assert by_mbi(result, "snf") == {
        "HOSPITAL": False,
        "INTERIM": True,
        "OVERLAP": True,
        "SAMEDAY": False,
        "SWING": True,
    }


# --- unplanned admissions (information only) -------------------------------------------------------


def test_unplanned_admissions_count_emergency_and_urgent_stays_in_the_window() -> None:
    inputs = make(
        {"M1": "10", "M2": "10"},
        facility=[
            stay("M1", "2026-02-01", "2026-02-04", admission="1"),  # emergency: 1
            stay("M1", "2026-05-01", "2026-05-03", admission="2"),  # urgent: 2
            stay("M1", "2026-07-01", "2026-07-03", admission="3"),  # elective: not unplanned
            stay("M1", "2026-07-04", "2026-07-08", admission="1"),  # readmitted the day after discharge: 3
            # A transfer: the stay continues at another hospital from the discharge day; one admission: 4.
            stay("M1", "2026-08-01", "2026-08-05", admission="1"),
            stay("M1", "2026-08-05", "2026-08-09", admission="1"),
            # An interim continuing bill (frequency 3) is not a new admission.
            stay("M1", "2026-09-01", "2026-09-30", admission="1", freq="2"),  # 5
            stay("M1", "2026-10-01", "2026-10-10", admission="1", freq="3"),
            stay("M1", "2026-12-31", "2027-01-03", admission="1"),  # admitted on the last day: 6
            # M2: admitted Dec 30, 2025 (before the window), transferred Jan 3: no admission in the window;
            # then admitted on the assessment day, after the window: none either.
            stay("M2", "2025-12-30", "2026-01-03", admission="1"),
            stay("M2", "2026-01-03", "2026-01-09", admission="1"),
            stay("M2", "2027-01-01", "2027-01-04", admission="2"),
        ],
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert by_mbi(result, "unplanned_admissions") == {"M1": 6, "M2": 0}
    # Admissions alone meet nothing: the criterion also needs a risk score, which CCLF lacks.
    assert by_mbi(result, "high_needs") == {"M1": False, "M2": False}


def test_a_transfer_out_of_an_elective_stay_is_not_an_unplanned_admission() -> None:
    inputs = make(
        {"M1": "10"},
        facility=[
            stay("M1", "2026-04-01", "2026-04-03", admission="3"),  # elective knee replacement
            stay("M1", "2026-04-03", "2026-04-07", admission="1"),  # transferred on the discharge day
        ],
    )
    assert cohorts.high_needs(inputs, as_of=AS_OF).unplanned_admissions.tolist() == [0]


# --- cohorts, ESRD precedence, not-evaluated criteria ----------------------------------------------


def test_cohort_esrd_first_then_high_needs_then_aged_disabled() -> None:
    inputs = make(
        {"E11": "11", "E21": "21", "E31": "31", "AGED": "10", "DIS": "20", "HN": "10", "BLANK": ""},
        dx=[("E21", "2026-03-01", "G35"), ("HN", "2026-03-01", "G35")],
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert by_mbi(result, "cohort") == {
        "AGED": COHORT_AGED_DISABLED,
        "BLANK": COHORT_AGED_DISABLED,
        "DIS": COHORT_AGED_DISABLED,
        "E11": COHORT_ESRD,
        "E21": COHORT_ESRD,  # ESRD and High Needs: the cohort is ESRD ...
        "E31": COHORT_ESRD,
        "HN": COHORT_HIGH_NEEDS,
    }
    # ... but the High Needs flag and its criterion are kept.
    assert result.high_needs[row(result, "E21")]
    assert result.criteria(row(result, "E21")) == [CRITERION_MOBILITY]
    assert by_mbi(result, "esrd") == {
        "AGED": False,
        "BLANK": False,
        "DIS": False,
        "E11": True,
        "E21": True,
        "E31": True,
        "HN": False,
    }


def test_risk_score_criteria_are_reported_as_not_evaluated_without_scores() -> None:
    result = cohorts.high_needs(make({"M1": "10"}), as_of=AS_OF)
    assert result.not_evaluated == (CRITERION_RISK_SCORE, CRITERION_RISK_AND_ADMISSIONS)
    explanation = result.explanation(0)
    assert explanation["not_evaluated"] == [CRITERION_RISK_SCORE, CRITERION_RISK_AND_ADMISSIONS]
    assert explanation["criteria"] == []
    assert set(cohorts.CRITERIA_LABELS) >= {CRITERION_RISK_SCORE, CRITERION_RISK_AND_ADMISSIONS}


# --- the risk-score criteria (docs/alignment.md: >= 3.0 A&D, >= 0.35 ESRD; 2.0-3.0 with 2+ unplanned admissions) -


def with_risk(inputs: CohortInputs, scores: dict[str, tuple[float, bool]], year: int = 2027) -> CohortInputs:
    """scores: MBI -> (normalized score, scored with the ESRD model)."""
    return replace(
        inputs,
        risk=cohorts.RiskInput(
            year=year,
            mbi=np.array(list(scores), dtype=object),
            score=np.array([s for s, _ in scores.values()], dtype=float),
            esrd_model=np.array([e for _, e in scores.values()], dtype=bool),
        ),
    )


def test_risk_score_thresholds_by_model() -> None:
    # A&D: 3.0 qualifies, 2.999 does not; ESRD: 0.35 qualifies, 0.349 does not (its own scale).
    inputs = with_risk(
        make({"A30": "10", "A29": "10", "E35": "31", "E34": "31", "NONE": "10"}),
        {"A30": (3.0, False), "A29": (2.999, False), "E35": (0.35, True), "E34": (0.349, True)},
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert by_mbi(result, "high_needs") == {"A29": False, "A30": True, "E34": False, "E35": True, "NONE": False}
    assert result.criteria(row(result, "A30")) == [CRITERION_RISK_SCORE]
    assert result.criteria(row(result, "E35")) == [CRITERION_RISK_SCORE]
    assert result.not_evaluated == ()
    # The cohort: A30 is High Needs by its score alone; E35 stays ESRD (ESRD first).
    assert by_mbi(result, "cohort")["A30"] == COHORT_HIGH_NEEDS
    assert by_mbi(result, "cohort")["E35"] == COHORT_ESRD
    assert result.explanation(row(result, "A30"))["risk"] == {
        "year": 2027, "score": 3.0, "model": "aged_disabled", "threshold": 3.0
    }  # fmt: skip
    assert result.explanation(row(result, "NONE"))["risk"] is None  # no claims in 2026: no score


def test_risk_band_needs_two_unplanned_admissions_in_the_window() -> None:
    two = [stay("B2", "2026-02-01", "2026-02-04"), stay("B2", "2026-06-01", "2026-06-03", admission="2")]
    one = [stay("B1", "2026-02-01", "2026-02-04"), stay("B1", "2026-06-01", "2026-06-03", admission="3")]
    lo = [stay("LO", "2026-02-01", "2026-02-04"), stay("LO", "2026-06-01", "2026-06-03")]
    esrd = [stay("E", "2026-02-01", "2026-02-04"), stay("E", "2026-06-01", "2026-06-03")]
    inputs = with_risk(
        make({"B2": "10", "B1": "10", "LO": "10", "E": "31"}, facility=two + one + lo + esrd),
        # B2: 2.0 with 2 unplanned admissions: met. B1: 2.5 with one (the other is elective): not met.
        # LO: 1.99 with 2: below the band. E: an ESRD score of 2.5 with 2 admissions: the band is A&D's only,
        # but 2.5 >= 0.35 meets the ESRD score criterion itself.
        {"B2": (2.0, False), "B1": (2.5, False), "LO": (1.99, False), "E": (2.5, True)},
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert by_mbi(result, "unplanned_admissions") == {"B1": 1, "B2": 2, "E": 2, "LO": 2}
    assert result.criteria(row(result, "B2")) == [CRITERION_RISK_AND_ADMISSIONS]
    assert result.criteria(row(result, "B1")) == []
    assert result.criteria(row(result, "LO")) == []
    assert result.criteria(row(result, "E")) == [CRITERION_RISK_SCORE]


def test_all_criteria_at_once_and_the_explanation() -> None:
    inputs = make(
        {"M1": "10"},
        dx=[("M1", "2026-03-02", "G8250")],
        dme=[("M1", "2026-04-01", "E0260")],
        facility=[
            snf("M1", "2026-05-01", "2026-06-20"),  # May 1..Jun 19 = 31 + 19 = 50 days
            stay("M1", "2026-04-25", "2026-05-01", admission="1"),
        ],
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert result.criteria(0) == [CRITERION_MOBILITY, CRITERION_FRAILTY_DME, CRITERION_SNF_DAYS]
    assert result.explanation(0) == {
        "window": ["2026-01-01", "2026-12-31"],
        "criteria": [CRITERION_MOBILITY, CRITERION_FRAILTY_DME, CRITERION_SNF_DAYS],
        "mobility_diagnosis": {"code": "G8250", "date": "2026-03-02"},
        "frailty_dme": {"hcpcs": "E0260", "date": "2026-04-01"},
        "snf_days": 50,
        "unplanned_admissions": 1,
        "risk": None,
        "not_evaluated": [CRITERION_RISK_SCORE, CRITERION_RISK_AND_ADMISSIONS],
    }


def test_claims_of_other_mbis_are_ignored_and_rows_are_sorted() -> None:
    inputs = make(
        {"M3": "10", "M1": "10", "M2": "10"},
        dx=[("OTHER", "2026-03-01", "G35")],
        dme=[("OTHER", "2026-03-01", "E0260")],
        facility=[snf("OTHER", "2026-03-01", "2026-06-01")],
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert result.mbi.tolist() == ["M1", "M2", "M3"]
    assert not result.high_needs.any()
    assert result.index("OTHER") is None


def test_a_repeated_beneficiary_keeps_its_first_row() -> None:
    inputs = CohortInputs(
        beneficiaries=cohorts.Beneficiaries(
            mbi=np.array(["M2", "M1", "M2"], dtype=object), medicare_status=np.array(["10", "10", "31"], dtype=object)
        ),
        diagnoses=make({}).diagnoses,
        dme=make({}).dme,
        facility=make({}).facility,
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert by_mbi(result, "esrd") == {"M1": False, "M2": False}


def test_no_beneficiaries_no_rows() -> None:
    result = cohorts.high_needs(make({}, dx=[("M1", "2026-03-01", "G35")]), as_of=AS_OF)
    assert len(result) == 0
    assert result.criteria_lists() == []


# --- once High Needs, always High Needs ------------------------------------------------------------


def test_carry_forward_marks_previous_high_needs() -> None:
    inputs = make(
        {"PREV": "10", "PREV_ESRD": "21", "BOTH": "10", "NEW": "10", "NEVER": "10"},
        dx=[("BOTH", "2026-03-01", "G35"), ("NEW", "2026-03-01", "G35")],
    )
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    carried = cohorts.carry_forward(result, np.array(["PREV", "PREV_ESRD", "BOTH", "GONE"], dtype=object))
    assert by_mbi(carried, "high_needs") == {
        "BOTH": True,
        "NEVER": False,
        "NEW": True,
        "PREV": True,
        "PREV_ESRD": True,
    }
    assert by_mbi(carried, "cohort") == {
        "BOTH": COHORT_HIGH_NEEDS,
        "NEVER": COHORT_AGED_DISABLED,
        "NEW": COHORT_HIGH_NEEDS,
        "PREV": COHORT_HIGH_NEEDS,  # nothing in this window, High Needs from history
        "PREV_ESRD": COHORT_ESRD,  # ESRD still comes first
    }
    assert carried.criteria(row(carried, "PREV")) == [CRITERION_PREVIOUSLY]
    assert carried.criteria(row(carried, "BOTH")) == [CRITERION_MOBILITY, CRITERION_PREVIOUSLY]
    assert carried.criteria(row(carried, "NEW")) == [CRITERION_MOBILITY]
    # The assessment itself is left as it was (the history is the caller's).
    assert by_mbi(result, "cohort")["PREV"] == COHORT_AGED_DISABLED
    assert not result.previously_high_needs.any()


def test_carry_forward_with_an_empty_history_changes_nothing() -> None:
    result = cohorts.high_needs(make({"M1": "10"}, dx=[("M1", "2026-03-01", "G35")]), as_of=AS_OF)
    carried = cohorts.carry_forward(result, np.array([], dtype=object))
    assert carried.criteria_lists() == [[CRITERION_MOBILITY]]
    assert carried.cohort.tolist() == [COHORT_HIGH_NEEDS]
