"""Hand-worked cases for the quality measure engine (docs/quality.md).

Every expected answer below was worked out by hand from docs/quality.md and the choices the engine's module
docstring lists; the arithmetic is in the comments. PY = 2027 throughout: the chronic condition lookback is
2026-01-01 – 2026-12-31, ACR index discharges 2027-01-01 – 2027-12-01, 365 days in the year.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from apps.quality.engine import (
    GAP_INDEX_STAY,
    GAP_READMISSION,
    GAP_TFU_MISSED,
    GAP_TFU_OPEN,
    MEASURE_ACR,
    MEASURE_DAH,
    MEASURE_TFU,
    MEASURE_UAMCC,
    NO_CLAIM,
    Diagnoses,
    EDVisits,
    Followups,
    InpatientStays,
    Population,
    QualityInputs,
    QualityParameters,
    QualityResult,
    SNFStays,
    aco_points,
    age_on,
    compute_measures,
    condition_group_of,
    decile_band,
    score_measure,
    total_quality_score,
    withhold_earned,
)

PY = 2027
A, B = "A0001", "A0002"
M = [f"1AA0AA0AA{i:02d}" for i in range(40)]

# Two chronic condition groups in 2026 make a beneficiary MCC: diabetes (E11) and CKD (N18).
MCC_DX = ("E119", "N184")


def bene(
    mbi: str,
    aco: str = A,
    *,
    birth: str = "1950-06-01",
    sex: str = "1",
    dual: str = "00",
    death: str | None = None,
    high_needs: bool = False,
    aligned_from: str = "2027-01-01",
) -> dict[str, Any]:
    return {
        "mbi": mbi,
        "aco": aco,
        "birth": birth,
        "sex": sex,
        "dual": dual,
        "death": death,
        "hn": high_needs,
        "from": aligned_from,
    }


def stay(
    claim: int, mbi: str, admit: str, disch: str, *, status: str = "01", adm_type: str = "1", pdx: str = "R0789"
) -> tuple[Any, ...]:
    return (claim, mbi, admit, disch, status, adm_type, pdx)


def mcc(mbi: str, date: str = "2026-06-01") -> list[tuple[str, str, str]]:
    return [(mbi, code, date) for code in MCC_DX]


def make(
    benes: list[dict[str, Any]],
    *,
    dx: list[tuple[str, str, str]] | None = None,
    stays: list[tuple[Any, ...]] | None = None,
    snf: list[tuple[int, str, str, str]] | None = None,
    ed: list[tuple[int, str, str, str]] | None = None,
    followups: list[tuple[str, str]] | None = None,
) -> QualityInputs:
    """dx: (mbi, code, date); stays: `stay`; snf: (claim, mbi, from, thru); ed: (claim, mbi, date, pdx);
    followups: (mbi, date)."""

    def cols(rows: list[tuple[Any, ...]] | None, width: int) -> list[list[Any]]:
        return [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]

    def dates(values: list[Any]) -> np.ndarray:
        return np.array(values, dtype="datetime64[D]")

    def ints(values: list[Any]) -> np.ndarray:
        return np.array(values, dtype=np.int64)

    def text(values: list[Any]) -> np.ndarray:
        return np.array(values, dtype=str)

    d, s, n, e, f = cols(dx, 3), cols(stays, 7), cols(snf, 4), cols(ed, 4), cols(followups, 2)
    return QualityInputs(
        population=Population(
            mbi=text([b["mbi"] for b in benes]),
            aco_id=text([b["aco"] for b in benes]),
            birth_date=dates([b["birth"] for b in benes]),
            sex=text([b["sex"] for b in benes]),
            dual_status=text([b["dual"] for b in benes]),
            death_date=dates([b["death"] or "NaT" for b in benes]),
            high_needs=np.array([b["hn"] for b in benes], dtype=bool),
            aligned_from=dates([b["from"] for b in benes]),
        ),
        diagnoses=Diagnoses(mbi=text(d[0]), code=text(d[1]), date=dates(d[2])),
        inpatient=InpatientStays(
            claim_id=ints(s[0]),
            mbi=text(s[1]),
            admit_date=dates(s[2]),
            discharge_date=dates(s[3]),
            patient_status=text(s[4]),
            admission_type=text(s[5]),
            principal_dx=text(s[6]),
        ),
        snf=SNFStays(claim_id=ints(n[0]), mbi=text(n[1]), from_date=dates(n[2]), thru_date=dates(n[3])),
        ed=EDVisits(claim_id=ints(e[0]), mbi=text(e[1]), date=dates(e[2]), principal_dx=text(e[3])),
        followups=Followups(mbi=text(f[0]), date=dates(f[1])),
    )


def rows(result: QualityResult, measure: str, role: str) -> list[tuple[str, int, int, str, float]]:
    """(mbi, claim, related claim, date, value) of the membership rows of one measure and role, sorted."""
    m = result.members
    sel = np.flatnonzero((m.measure == measure) & (m.role == role))
    return sorted(
        (str(m.mbi[i]), int(m.claim_id[i]), int(m.related_claim_id[i]), str(m.date[i]), float(m.value[i])) for i in sel
    )


def gaps(result: QualityResult) -> list[tuple[str, str, int, str, str]]:
    g = result.gaps
    return sorted(
        (str(g.gap_type[i]), str(g.mbi[i]), int(g.claim_id[i]), str(g.opened_on[i]), str(g.due_date[i]))
        for i in range(len(g))
    )


# ---------------------------------------------------------------------------------------------------
# Chronic conditions and MCC
# ---------------------------------------------------------------------------------------------------
def test_condition_groups_by_prefix() -> None:
    groups = [name for name, _ in QualityParameters().chronic_condition_groups]
    got = condition_group_of(["I5022", "i509", "J441", "F0390", "G459", "E785", "I5", "", "N18.3"])
    # I50 heart failure (also lower case); J44 COPD; F03 dementia; G45 stroke/TIA; E78 is in no group;
    # "I5" and "" are too short for a three-character prefix; "N18.3" still starts with N18.
    names = [groups[g] if g >= 0 else None for g in got.tolist()]
    assert names == [
        "heart_failure",
        "heart_failure",
        "copd_asthma",
        "dementia",
        "stroke_tia",
        None,
        None,
        None,
        "ckd",
    ]


def test_mcc_needs_two_distinct_groups_in_the_year_before() -> None:
    benes = [bene(M[i], birth="1950-01-01") for i in range(5)]
    dx = [
        # M0: diabetes (E11) + heart failure (I50) in 2026: 2 groups → MCC.
        (M[0], "E119", "2026-03-01"),
        (M[0], "I509", "2026-11-30"),
        # M1: E11 and E13 are both diabetes: 1 group → not MCC.
        (M[1], "E119", "2026-03-01"),
        (M[1], "E139", "2026-04-01"),
        # M2: the heart failure code is dated 2025-12-31, before the lookback: 1 group → not MCC.
        (M[2], "E119", "2026-03-01"),
        (M[2], "I509", "2025-12-31"),
        # M3: the second group is dated 2027-01-01, inside the PY: 1 group → not MCC.
        (M[3], "E119", "2026-12-31"),
        (M[3], "J449", "2027-01-01"),
        # M4: three groups on the lookback's first and last days → MCC.
        (M[4], "E119", "2026-01-01"),
        (M[4], "F329", "2026-12-31"),
        (M[4], "I480", "2026-07-04"),
    ]
    result = compute_measures(PY, make(benes, dx=dx))
    b = result.beneficiaries
    assert b.mcc.tolist() == [True, False, False, False, True]
    assert b.condition_count.tolist() == [2, 1, 1, 1, 3]
    assert b.conditions(0) == ["diabetes", "heart_failure"]
    assert b.conditions(4) == ["atrial_fibrillation", "depression", "diabetes"]


def test_dual_codes_and_ages() -> None:
    benes = [bene(M[i], dual=code) for i, code in enumerate(["01", "02", "08", "00", "", "NA", "09", "10", "99"])]
    result = compute_measures(PY, make(benes))
    # 01–06 and 08 are dual; 00, blank, NA, 09 (no Medicaid coverage), 10 (non-dual), 99 (unknown) are not.
    assert result.beneficiaries.dual.tolist() == [True, True, True, False, False, False, False, False, False]

    birth = np.array(["1962-01-01", "1962-01-02", "1960-02-29", "1960-02-29", "NaT"], dtype="datetime64[D]")
    ref = np.array(["2027-01-01", "2027-01-01", "2027-02-28", "2027-03-01", "2027-01-01"], dtype="datetime64[D]")
    # Born 1962-01-01: 65 on 2027-01-01. Born a day later: still 64. A Feb 29 birthday passes on Mar 1:
    # 66 on 2027-02-28, 67 on 2027-03-01. No birth date: −1.
    assert age_on(birth.astype(np.int64), ref.astype(np.int64)).tolist() == [65, 64, 66, 67, -1]


# ---------------------------------------------------------------------------------------------------
# ACR
# ---------------------------------------------------------------------------------------------------
def test_readmission_on_day_30_counts_and_day_31_does_not() -> None:
    benes = [bene(M[0]), bene(M[1]), bene(M[2])]
    stays = [
        # M0: discharged Mar 1, readmitted Mar 31 = day 30 → readmitted.
        stay(101, M[0], "2027-02-25", "2027-03-01"),
        stay(102, M[0], "2027-03-31", "2027-12-05"),  # discharged after Dec 1: not an index stay itself
        # M1: discharged Mar 1, readmitted Apr 1 = day 31 → not readmitted.
        stay(201, M[1], "2027-02-25", "2027-03-01"),
        stay(202, M[1], "2027-04-01", "2027-12-05"),
        # M2: discharged Mar 1, readmitted Mar 2 = day 1 → readmitted.
        stay(301, M[2], "2027-02-25", "2027-03-01"),
        stay(302, M[2], "2027-03-02", "2027-12-05"),
    ]
    result = compute_measures(PY, make(benes, stays=stays))
    acr = result.result(A, MEASURE_ACR)
    # 3 index stays (101, 201, 301), 2 readmitted (by 102 on day 30 and by 302 on day 1): 2/3 = 66.67 %.
    assert (acr.numerator, acr.denominator) == (2, 3)
    assert acr.rate == pytest.approx(200 / 3)
    assert [r[1] for r in rows(result, MEASURE_ACR, "denominator")] == [101, 201, 301]
    assert rows(result, MEASURE_ACR, "numerator") == [
        (M[0], 102, 101, "2027-03-31", 30.0),
        (M[2], 302, 301, "2027-03-02", 1.0),
    ]


def test_index_discharge_window_is_jan_1_to_dec_1() -> None:
    benes = [bene(M[0])]
    stays = [
        stay(1, M[0], "2026-12-28", "2026-12-31"),  # discharged in PY−1: not an index stay
        stay(2, M[0], "2027-01-01", "2027-01-01"),  # Jan 1: index
        stay(3, M[0], "2027-11-20", "2027-12-01"),  # Dec 1: index
        stay(4, M[0], "2027-12-01", "2027-12-02"),  # Dec 2: not index; it starts on stay 3's discharge day,
        # so it continues stay 3 (a same-day transfer) and is no readmission.
    ]
    result = compute_measures(PY, make(benes, stays=stays))
    assert [r[1] for r in rows(result, MEASURE_ACR, "denominator")] == [2, 3]
    assert rows(result, MEASURE_ACR, "numerator") == []


def test_elective_readmission_is_skipped_for_the_next_unplanned_one() -> None:
    benes = [bene(M[0]), bene(M[1])]
    stays = [
        stay(1, M[0], "2027-02-20", "2027-03-01"),
        stay(2, M[0], "2027-03-10", "2027-12-10", adm_type="3"),  # elective, day 9: not a readmission
        stay(11, M[1], "2027-02-20", "2027-03-01"),
        stay(12, M[1], "2027-03-10", "2027-03-12", adm_type="03"),  # elective, zero-padded code
        stay(13, M[1], "2027-03-20", "2027-12-10", adm_type="2"),  # urgent, day 19: the readmission
    ]
    result = compute_measures(PY, make(benes, stays=stays))
    # Index stays: 1, 11 and 12 (discharged Mar 12; 2 and 13 end after Dec 1). 12 is readmitted by 13 on
    # day 8 (Mar 12 → Mar 20) and 11 by 13 on day 19: 2 of 3.
    assert [r[1] for r in rows(result, MEASURE_ACR, "denominator")] == [1, 11, 12]
    assert rows(result, MEASURE_ACR, "numerator") == [
        (M[1], 13, 11, "2027-03-20", 19.0),
        (M[1], 13, 12, "2027-03-20", 8.0),
    ]


def test_transfer_and_death_discharges_are_not_index_stays() -> None:
    benes = [bene(M[0]), bene(M[1], death="2027-05-01")]
    stays = [
        # M0: transferred (02) on Mar 5 to another hospital (the receiving claim starts Mar 5), discharged
        # home Mar 10, readmitted Mar 20.
        stay(1, M[0], "2027-03-01", "2027-03-05", status="02"),
        stay(2, M[0], "2027-03-05", "2027-03-10"),
        stay(3, M[0], "2027-03-20", "2027-12-10"),
        # M1: died in hospital (20) on May 1.
        stay(11, M[1], "2027-04-25", "2027-05-01", status="20"),
    ]
    result = compute_measures(PY, make(benes, stays=stays))
    # Only claim 2 is an index stay (1 is a transfer, 11 a death, 3 ends after Dec 1); the receiving claim 2
    # is no readmission of claim 1 (day 0, and a continuation of the stay); claim 3 readmits claim 2 on day 10.
    assert [r[1] for r in rows(result, MEASURE_ACR, "denominator")] == [2]
    assert rows(result, MEASURE_ACR, "numerator") == [(M[0], 3, 2, "2027-03-20", 10.0)]


def test_risk_standardization_with_two_strata() -> None:
    """Stratum X = 65–74, male, not dual; stratum Y = 85+, female, dual.

    Index stays (discharged Nov 10; each readmission is admitted Nov 25 = day 15 and discharged Dec 3, after
    Dec 1, so it is not an index stay itself):
        ACO A: X × 2 (1 readmitted), Y × 1 (1 readmitted)  → 3 index, 2 readmitted
        ACO B: X × 2 (0 readmitted), Y × 3 (1 readmitted)  → 5 index, 1 readmitted
    Portal-wide: X 1/4 = 0.25, Y 2/4 = 0.50, all 3/8 = 0.375.
    A: observed 2/3 = 66.67 %; expected = 2 × 0.25 + 1 × 0.50 = 1.0; RSR = 2 / 1.0 × 0.375 = 75 %.
    B: observed 1/5 = 20 %; expected = 2 × 0.25 + 3 × 0.50 = 2.0; RSR = 1 / 2.0 × 0.375 = 18.75 %.
    """
    x: dict[str, Any] = {
        "birth": "1955-11-20",
        "sex": "1",
        "dual": "00",
    }  # 71 on 2027-11-10 (birthday Nov 20 not reached)
    y: dict[str, Any] = {"birth": "1942-01-01", "sex": "2", "dual": "02"}
    plan = [  # (aco, stratum, readmitted)
        (A, x, True),
        (A, x, False),
        (A, y, True),
        (B, x, False),
        (B, x, False),
        (B, y, True),
        (B, y, False),
        (B, y, False),
    ]
    benes, stays = [], []
    for i, (aco, stratum, readmitted) in enumerate(plan):
        benes.append(bene(M[i], aco, **stratum))
        stays.append(stay(100 + i, M[i], "2027-11-01", "2027-11-10"))
        if readmitted:
            stays.append(stay(200 + i, M[i], "2027-11-25", "2027-12-03"))
    result = compute_measures(PY, make(benes, stays=stays))

    assert result.portal_acr_rate == pytest.approx(37.5)
    strata = {(s.age_band, s.sex, s.dual): (s.index_stays, s.readmissions, s.rate) for s in result.acr_strata}
    assert strata == {("65-74", "male", False): (4, 1, 25.0), ("85+", "female", True): (4, 2, 50.0)}

    a, b = result.result(A, MEASURE_ACR), result.result(B, MEASURE_ACR)
    assert (a.numerator, a.denominator) == (2, 3)
    assert a.rate == pytest.approx(200 / 3)
    assert a.expected == pytest.approx(1.0)
    assert a.expected_rate == pytest.approx(100 / 3)
    assert a.risk_standardized_rate == pytest.approx(75.0)
    assert a.score_rate == pytest.approx(75.0)
    assert (b.numerator, b.denominator) == (1, 5)
    assert b.rate == pytest.approx(20.0)
    assert b.expected == pytest.approx(2.0)
    assert b.risk_standardized_rate == pytest.approx(18.75)
    # Each denominator row carries its stratum's portal-wide rate: A's are 25, 25, 50 (%).
    a_rows = [r for r in rows(result, MEASURE_ACR, "denominator") if r[0] in M[:3]]
    assert [r[4] for r in a_rows] == [25.0, 25.0, 50.0]


def test_acr_age_band_is_taken_on_the_discharge_day_and_under_65_is_its_own_band() -> None:
    # Born 1952-11-10: 74 on Jan 1 2027 but 75 on the discharge day 2027-11-10 → band 75–84.
    # Born 1970-01-01: 57 → band "<65". Sex "0" → unknown.
    benes = [bene(M[0], birth="1952-11-10"), bene(M[1], birth="1970-01-01", sex="0")]
    stays = [stay(1, M[0], "2027-11-01", "2027-11-10"), stay(2, M[1], "2027-11-01", "2027-11-10")]
    result = compute_measures(PY, make(benes, stays=stays))
    assert sorted((s.age_band, s.sex, s.dual, s.index_stays) for s in result.acr_strata) == [
        ("75-84", "male", False, 1),
        ("<65", "unknown", False, 1),
    ]
    # No readmission anywhere: expected 0, observed 0, risk-standardized 0.
    acr = result.result(A, MEASURE_ACR)
    assert (acr.numerator, acr.denominator, acr.expected, acr.risk_standardized_rate) == (0, 2, 0.0, 0.0)


def test_acr_index_stays_fall_in_the_aligned_period() -> None:
    # Aligned from Jul 1 (a Hybrid addition): the stay discharged Jun 30, before alignment, is not an index
    # stay of the ACO (so the Jul 10 admission, day 10, readmits nothing); the Jul 10 stay is one.
    benes = [bene(M[0], aligned_from="2027-07-01")]
    stays = [stay(1, M[0], "2027-06-20", "2027-06-30"), stay(2, M[0], "2027-07-10", "2027-07-15")]
    result = compute_measures(PY, make(benes, stays=stays))
    assert [r[1] for r in rows(result, MEASURE_ACR, "denominator")] == [2]
    assert rows(result, MEASURE_ACR, "numerator") == []


def test_no_index_stays_leaves_acr_undefined() -> None:
    result = compute_measures(PY, make([bene(M[0])]))
    acr = result.result(A, MEASURE_ACR)
    assert acr.denominator == 0
    assert math.isnan(acr.rate) and math.isnan(acr.risk_standardized_rate or math.nan)
    assert math.isnan(result.portal_acr_rate)


# ---------------------------------------------------------------------------------------------------
# UAMCC
# ---------------------------------------------------------------------------------------------------
def test_uamcc_person_years_for_partial_years() -> None:
    benes = [
        bene(M[0], birth="1950-01-01"),  # all year: 12 months
        bene(M[1], birth="1950-01-01", aligned_from="2027-07-01"),  # Jul–Dec: 6 months
        bene(M[2], birth="1950-01-01", death="2027-03-15"),  # Jan–Mar (Mar has days alive): 3 months
        bene(M[3], birth="1950-01-01", aligned_from="2027-07-01", death="2027-09-10"),  # Jul–Sep: 3 months
        bene(M[4], birth="1950-01-01", aligned_from="2027-07-01", death="2027-06-30"),  # never alive and aligned
        bene(M[5], birth="1962-01-01"),  # 65 on Jan 1 PY: in
        bene(M[6], birth="1962-01-02"),  # 64 on Jan 1 PY: out
    ]
    dx = [row for i in range(7) for row in mcc(M[i])]
    stays = [
        stay(1, M[0], "2027-02-01", "2027-02-05", adm_type="1"),  # emergency: counts
        stay(2, M[0], "2027-05-01", "2027-05-03", adm_type="3"),  # elective: no
        stay(3, M[1], "2027-03-01", "2027-03-04", adm_type="2"),  # before alignment (Jul 1): no
        stay(4, M[1], "2027-08-01", "2027-08-04", adm_type="2"),  # urgent while aligned: counts
        stay(5, M[2], "2027-03-15", "2027-03-15", adm_type="1", status="20"),  # on the day of death: counts
        stay(6, M[2], "2026-12-20", "2026-12-28", adm_type="1"),  # PY−1: no
        stay(7, M[6], "2027-04-01", "2027-04-02", adm_type="1"),  # M6 is not in the denominator
    ]
    result = compute_measures(PY, make(benes, dx=dx, stays=stays))
    u = result.result(A, MEASURE_UAMCC)
    # Denominator: M0, M1, M2, M3, M5 (M4 has no period, M6 is 64). Person-years = (12 + 6 + 3 + 3 + 12) / 12
    # = 36 / 12 = 3.0. Admissions: 1, 4, 5 = 3. Rate = 3 / 3.0 × 100 = 100 per 100 person-years.
    assert (u.numerator, u.denominator) == (3, 5)
    assert u.person_years == pytest.approx(3.0)
    assert u.rate == pytest.approx(100.0)
    assert result.beneficiaries.months.tolist() == [12, 6, 3, 3, 0, 12, 12]
    assert [r[1] for r in rows(result, MEASURE_UAMCC, "numerator")] == [1, 4, 5]
    assert [(r[0], r[4]) for r in rows(result, MEASURE_UAMCC, "denominator")] == [
        (M[0], 1.0),
        (M[1], 0.5),
        (M[2], 0.25),
        (M[3], 0.25),
        (M[5], 1.0),
    ]


def test_uamcc_counts_a_transfer_and_an_interim_bill_once() -> None:
    benes = [bene(M[0], birth="1950-01-01")]
    stays = [
        stay(1, M[0], "2027-03-01", "2027-03-05", status="02"),  # transferred out...
        stay(2, M[0], "2027-03-05", "2027-03-09", adm_type="1"),  # ...and in, same day: the same stay
        stay(3, M[0], "2027-06-01", "2027-06-30", status="30"),  # interim bill (still a patient)...
        stay(4, M[0], "2027-07-01", "2027-07-10", adm_type="1"),  # ...continued the next day: the same stay
    ]
    result = compute_measures(PY, make(benes, dx=mcc(M[0]), stays=stays))
    # Two admissions (claims 1 and 3) over 1 person-year: 200 per 100 person-years. Claim 4 is no readmission
    # of interim claim 3 either.
    assert [r[1] for r in rows(result, MEASURE_UAMCC, "numerator")] == [1, 3]
    assert result.result(A, MEASURE_UAMCC).rate == pytest.approx(200.0)
    assert rows(result, MEASURE_ACR, "numerator") == []


# ---------------------------------------------------------------------------------------------------
# DAH
# ---------------------------------------------------------------------------------------------------
def test_days_at_home_counts_overlapping_stays_once() -> None:
    benes = [
        bene(M[0], high_needs=True),
        bene(M[1], aligned_from="2027-07-01"),  # MCC (diagnoses below)
        bene(M[2]),  # neither High Needs nor MCC: not in DAH
    ]
    stays = [
        stay(1, M[0], "2027-03-01", "2027-03-05"),  # Mar 1–5: 5 days
        stay(2, M[1], "2027-06-25", "2027-07-03"),  # clipped to Jul 1–3: 3 days
        stay(3, M[2], "2027-03-01", "2027-03-05"),
    ]
    snf = [(10, M[0], "2027-03-05", "2027-03-20")]  # Mar 5–20, Mar 5 already counted: 15 more days
    ed = [
        (20, M[0], "2027-03-10", "R079"),  # inside the SNF stay: 0 more days
        (21, M[0], "2027-04-01", "R079"),  # 1 day
    ]
    result = compute_measures(PY, make(benes, dx=mcc(M[1]), stays=stays, snf=snf, ed=ed))
    # M0: 365 days − (5 + 15 + 1) = 344. M1: Jul 1 – Dec 31 = 184 days − 3 = 181. Mean (344 + 181) / 2 = 262.5.
    dah = result.result(A, MEASURE_DAH)
    assert (dah.numerator, dah.denominator) == (525, 2)
    assert dah.rate == pytest.approx(262.5)
    assert result.beneficiaries.facility_days.tolist()[:2] == [21, 3]
    assert result.beneficiaries.in_dah.tolist() == [True, True, False]
    assert rows(result, MEASURE_DAH, "event") == [
        (M[0], 1, NO_CLAIM, "2027-03-01", 5.0),
        (M[0], 10, NO_CLAIM, "2027-03-06", 15.0),
        (M[0], 21, NO_CLAIM, "2027-04-01", 1.0),
        (M[1], 2, NO_CLAIM, "2027-07-01", 3.0),
    ]


def test_days_at_home_ends_at_death() -> None:
    # Died Jan 31 in hospital (admitted Jan 25): 31 days alive, 7 in hospital (Jan 25–31) → 24 at home.
    benes = [bene(M[0], high_needs=True, death="2027-01-31")]
    stays = [stay(1, M[0], "2027-01-25", "2027-01-31", status="20")]
    result = compute_measures(PY, make(benes, stays=stays))
    assert result.beneficiaries.days_alive_aligned.tolist() == [31]
    assert result.result(A, MEASURE_DAH).rate == pytest.approx(24.0)


# ---------------------------------------------------------------------------------------------------
# TFU
# ---------------------------------------------------------------------------------------------------
def test_follow_up_within_7_days_for_heart_failure_and_14_for_copd() -> None:
    cases = [  # (principal dx, follow-up date) after a Mar 1 discharge
        ("I5022", "2027-03-08"),  # heart failure, day 7: met
        ("I5022", "2027-03-09"),  # heart failure, day 8: missed
        ("I5022", "2027-03-01"),  # heart failure, the discharge day itself (day 0): missed
        ("J441", "2027-03-09"),  # COPD, day 8: met
        ("J441", "2027-03-15"),  # COPD, day 14: met
        ("J441", "2027-03-16"),  # COPD, day 15: missed
    ]
    benes = [bene(M[i]) for i in range(len(cases) + 2)]
    dx = [row for i in range(len(cases) + 1) for row in mcc(M[i])]
    stays = [stay(10 + i, M[i], "2027-02-25", "2027-03-01", pdx=pdx) for i, (pdx, _) in enumerate(cases)]
    followups = [(M[i], date) for i, (_, date) in enumerate(cases)]
    n = len(cases)
    stays += [
        stay(90, M[n], "2027-04-01", "2027-04-03", pdx="S7200"),  # MCC, but a hip fracture: no event
        stay(91, M[n + 1], "2027-04-01", "2027-04-03", pdx="I509"),  # heart failure, but not MCC: no event
    ]
    result = compute_measures(PY, make(benes, dx=dx, stays=stays, followups=followups))
    tfu = result.result(A, MEASURE_TFU)
    # 6 events, met: day 7 (HF), day 8 and day 14 (COPD) = 3 → 50 %.
    assert (tfu.numerator, tfu.denominator) == (3, 6)
    assert tfu.rate == pytest.approx(50.0)
    assert [(r[2], r[3], r[4]) for r in rows(result, MEASURE_TFU, "numerator")] == [
        (10, "2027-03-08", 7.0),
        (13, "2027-03-09", 8.0),
        (14, "2027-03-15", 14.0),
    ]
    # Windows: 7 days for heart failure, 14 for the others.
    assert [r[4] for r in rows(result, MEASURE_TFU, "denominator")] == [7.0, 7.0, 7.0, 14.0, 14.0, 14.0]
    assert sorted(g[2] for g in gaps(result) if g[0] == GAP_TFU_MISSED) == [11, 12, 15]


def test_ed_visits_are_events_unless_during_an_inpatient_stay() -> None:
    benes = [bene(M[0])]
    stays = [stay(1, M[0], "2027-05-01", "2027-05-04", pdx="R0789")]  # no chronic principal dx: no event
    ed = [
        (20, M[0], "2027-02-01", "J45909"),  # asthma ED visit: an event (14 days)
        (21, M[0], "2027-05-04", "I509"),  # during the stay (its discharge day): not an event
        (22, M[0], "2027-06-01", "K359"),  # appendicitis: not a chronic group
        (23, M[0], "2027-08-01", "I110"),  # I11 is not I50: not an event
    ]
    followups = [(M[0], "2027-02-10")]  # day 9 after the Feb 1 visit: met
    result = compute_measures(PY, make(benes, dx=mcc(M[0]), stays=stays, ed=ed, followups=followups))
    assert rows(result, MEASURE_TFU, "denominator") == [(M[0], 20, NO_CLAIM, "2027-02-01", 14.0)]
    assert result.result(A, MEASURE_TFU).rate == pytest.approx(100.0)


def test_tfu_event_with_death_in_the_window_is_not_scored() -> None:
    benes = [bene(M[0], death="2027-03-05"), bene(M[1], death="2027-03-20")]
    dx = mcc(M[0]) + mcc(M[1])
    stays = [
        stay(1, M[0], "2027-02-25", "2027-03-01", pdx="I509"),  # died day 4 of 7 with no follow-up: not scored
        stay(2, M[1], "2027-02-25", "2027-03-01", pdx="I509"),  # died day 19, window closed on day 7: missed
    ]
    result = compute_measures(PY, make(benes, dx=dx, stays=stays))
    tfu = result.result(A, MEASURE_TFU)
    assert (tfu.numerator, tfu.denominator) == (0, 1)
    assert [r[1] for r in rows(result, MEASURE_TFU, "event")] == [1]
    assert gaps(result) == [(GAP_TFU_MISSED, M[1], 2, "2027-03-01", "2027-03-08")]


# ---------------------------------------------------------------------------------------------------
# as_of and care gaps
# ---------------------------------------------------------------------------------------------------
def test_care_gaps_as_of_a_date_inside_the_year() -> None:
    benes = [bene(M[0]), bene(M[1]), bene(M[2])]
    dx = mcc(M[0]) + mcc(M[1]) + mcc(M[2])
    stays = [
        # M0: heart failure discharge Jun 25; as of Jun 30 the 7-day window (to Jul 2) is open, no follow-up.
        stay(1, M[0], "2027-06-20", "2027-06-25", pdx="I509"),
        # M1: COPD discharge Jun 1, window to Jun 15 closed without follow-up: missed. Readmitted Jun 20
        # (day 19, unplanned): a recent readmission (within 30 days of Jun 30).
        stay(2, M[1], "2027-05-28", "2027-06-01", pdx="J449"),
        stay(3, M[1], "2027-06-20", "2027-06-28", pdx="R0789"),
        # M2: COPD discharge Jun 26 followed up Jun 28 (day 2): met although its window is still open.
        stay(4, M[2], "2027-06-24", "2027-06-26", pdx="J449"),
    ]
    followups = [(M[2], "2027-06-28")]
    result = compute_measures(PY, make(benes, dx=dx, stays=stays, followups=followups), as_of=dt.date(2027, 6, 30))
    assert result.period_end == dt.date(2027, 6, 30)
    assert gaps(result) == [
        # Index stays 1, 3, 4 have 30-day windows that end after Jun 30 and no readmission yet.
        (GAP_INDEX_STAY, M[0], 1, "2027-06-25", "2027-07-25"),
        (GAP_INDEX_STAY, M[1], 3, "2027-06-28", "2027-07-28"),
        (GAP_INDEX_STAY, M[2], 4, "2027-06-26", "2027-07-26"),
        (GAP_READMISSION, M[1], 3, "2027-06-20", "NaT"),
        (GAP_TFU_MISSED, M[1], 2, "2027-06-01", "2027-06-15"),
        (GAP_TFU_OPEN, M[0], 1, "2027-06-25", "2027-07-02"),
    ]
    # TFU scored: M1 (missed) and M2 (met); M0's event waits: 1/2 = 50 %.
    tfu = result.result(A, MEASURE_TFU)
    assert (tfu.numerator, tfu.denominator) == (1, 2)
    # ACR scored: only stay 2 (readmitted); the open ones wait. Days alive and aligned end at Jun 30: 181.
    acr = result.result(A, MEASURE_ACR)
    assert (acr.numerator, acr.denominator) == (1, 1)
    assert result.beneficiaries.days_alive_aligned.tolist() == [181, 181, 181]

    # The complete year: every window closed; no open gaps, the old readmission is no longer recent.
    final = compute_measures(PY, make(benes, dx=dx, stays=stays, followups=followups))
    assert [g[0] for g in gaps(final)] == [GAP_TFU_MISSED, GAP_TFU_MISSED]
    assert (final.result(A, MEASURE_TFU).numerator, final.result(A, MEASURE_TFU).denominator) == (1, 3)


def test_claims_of_beneficiaries_outside_the_population_are_ignored() -> None:
    stays = [stay(1, "9ZZ9ZZ9ZZ99", "2027-03-01", "2027-03-05"), stay(2, M[0], "2027-03-01", "2027-03-05")]
    result = compute_measures(PY, make([bene(M[0])], stays=stays))
    assert [r[1] for r in rows(result, MEASURE_ACR, "denominator")] == [2]


def test_object_columns_and_mbis_outside_the_key_alphabet_give_the_same_answer() -> None:
    # Lower-case MBIs cannot become integer keys: the engine compares strings instead. Object arrays (as
    # read from a database) are converted. Both must give the DAH of the plain case: 365 − 3 = 362.
    def case(mbi: str, as_object: bool) -> float:
        inputs = make([bene(mbi, high_needs=True)], stays=[stay(1, mbi, "2027-01-01", "2027-01-03")])
        if as_object:
            pop = dataclasses.replace(
                inputs.population,
                mbi=inputs.population.mbi.astype(object),
                aco_id=inputs.population.aco_id.astype(object),
            )
            inp = dataclasses.replace(inputs.inpatient, mbi=inputs.inpatient.mbi.astype(object))
            inputs = dataclasses.replace(inputs, population=pop, inpatient=inp)
        return compute_measures(PY, inputs).result(A, MEASURE_DAH).rate

    assert case(M[0], False) == case(M[0].lower(), False) == case(M[0], True) == case(M[0].lower(), True) == 362.0


def test_population_must_hold_one_row_per_mbi() -> None:
    with pytest.raises(ValueError, match="one row per MBI"):
        compute_measures(PY, make([bene(M[0]), bene(M[0], B)]))


# ---------------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------------
DECILES = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0]


@pytest.mark.parametrize(
    ("rate", "higher", "points"),
    [
        # Higher is better: band = 1 + cut points ≤ rate; reaching a cut point earns the upper band.
        (90.0, True, 100.0),
        (89.99, True, 90.0),
        (10.0, True, 20.0),
        (9.99, True, 10.0),
        (55.0, True, 60.0),
        # Lower is better: band = 1 + cut points ≥ rate.
        (10.0, False, 100.0),
        (9.0, False, 100.0),
        (10.01, False, 90.0),
        (90.0, False, 20.0),
        (90.01, False, 10.0),
        (55.0, False, 50.0),
    ],
)
def test_score_at_decile_edges(rate: float, higher: bool, points: float) -> None:
    assert score_measure(rate, DECILES, higher_is_better=higher) == pytest.approx(points)


def test_unscored_rate_and_bad_tables() -> None:
    assert math.isnan(score_measure(math.nan, DECILES, higher_is_better=True))
    assert decile_band(math.nan, DECILES, higher_is_better=False) is None
    with pytest.raises(ValueError):
        score_measure(1.0, [3.0, 2.0], higher_is_better=True)
    with pytest.raises(ValueError):
        score_measure(1.0, [], higher_is_better=True)


def test_total_quality_score_and_withhold() -> None:
    # Mean of the scored measures: (100 + 50 + 60) / 3 = 70; a NaN / None measure is not scored.
    tqs = total_quality_score([100.0, 50.0, math.nan, None, 60.0])
    assert tqs == pytest.approx(70.0)
    assert total_quality_score([]) == 0.0
    # 3 % withhold of a $40,000,000 benchmark = $1,200,000; 70 % earned back = $840,000.00.
    assert withhold_earned(Decimal("1200000"), tqs) == Decimal("840000.00")
    # 2/3 of 100 points: $1,000 × 66.666…/100 = $666.666… → $666.67.
    assert withhold_earned(1000, total_quality_score([100.0, 100.0, 0.0])) == Decimal("666.67")
    assert withhold_earned("1000", 120.0) == Decimal("1000.00")  # the TQS cannot pass 100


def test_aco_points_score_acr_on_the_risk_standardized_rate() -> None:
    x: dict[str, Any] = {"birth": "1955-11-20"}
    benes = [bene(M[0], A, **x), bene(M[1], B, **x)]
    stays = [
        stay(1, M[0], "2027-11-01", "2027-11-10"),
        stay(2, M[0], "2027-11-25", "2027-12-03"),  # A readmitted on day 15
        stay(3, M[1], "2027-11-01", "2027-11-10"),
    ]
    result = compute_measures(PY, make(benes, stays=stays))
    # One stratum: portal 1/2 = 0.5. A: expected 0.5, RSR = 1/0.5 × 0.5 = 100 %; B: RSR 0 %.
    acr_deciles = [13.43, 14.01, 14.42, 14.74, 15.07, 15.38, 15.74, 16.12, 16.71]
    points = aco_points(result.results, {MEASURE_ACR: acr_deciles})
    # Lower is better: 100 % is above every cut point → band 1 (10 points); 0 % is below all → 100 points.
    assert points == {A: {MEASURE_ACR: 10.0}, B: {MEASURE_ACR: 100.0}}


# ---------------------------------------------------------------------------------------------------
# Vectorisation sanity: the order of input rows changes nothing
# ---------------------------------------------------------------------------------------------------
def _synthetic(seed: int, n: int = 300) -> QualityInputs:
    r = np.random.default_rng(seed)
    mbi = np.array([f"1AA0AA0A{i:03d}" for i in range(n)])
    jan1 = np.datetime64("2027-01-01")

    def days(lo: str, hi: str, size: int) -> np.ndarray:
        a, b = np.datetime64(lo), np.datetime64(hi)
        return a + r.integers(0, int((b - a).astype(int)) + 1, size).astype("timedelta64[D]")

    death = np.where(r.random(n) < 0.1, days("2027-01-01", "2027-12-31", n), np.datetime64("NaT", "D"))
    aligned = np.where(r.random(n) < 0.2, jan1 + np.timedelta64(182, "D"), jan1)
    pop = Population(
        mbi=mbi,
        aco_id=np.array(["A0001", "A0002", "A0003"])[r.integers(0, 3, n)],
        birth_date=days("1930-01-01", "1965-12-31", n),
        sex=np.array(["1", "2", "0"])[r.integers(0, 3, n)],
        dual_status=np.array(["00", "02", "NA"])[r.integers(0, 3, n)],
        death_date=death.astype("datetime64[D]"),
        high_needs=r.random(n) < 0.2,
        aligned_from=aligned.astype("datetime64[D]"),
    )
    codes = np.array(["E119", "I509", "J449", "N184", "F329", "Z000", "I480"])
    k = 4 * n
    dx = Diagnoses(
        mbi=mbi[r.integers(0, n, k)], code=codes[r.integers(0, 7, k)], date=days("2026-01-01", "2027-03-01", k)
    )
    k = 3 * n
    admit = days("2026-12-01", "2027-12-20", k)
    pdx = np.array(["I509", "J441", "R0789", "E119"])
    inpatient = InpatientStays(
        claim_id=np.arange(1, k + 1, dtype=np.int64),
        mbi=mbi[r.integers(0, n, k)],
        admit_date=admit,
        discharge_date=admit + r.integers(0, 8, k).astype("timedelta64[D]"),
        patient_status=np.array(["01", "02", "20", "30", "03"])[r.integers(0, 5, k)],
        admission_type=np.array(["1", "2", "3"])[r.integers(0, 3, k)],
        principal_dx=pdx[r.integers(0, 4, k)],
    )
    frm = days("2027-01-01", "2027-12-20", n)
    snf = SNFStays(
        claim_id=np.arange(10_000, 10_000 + n, dtype=np.int64),
        mbi=mbi[r.integers(0, n, n)],
        from_date=frm,
        thru_date=frm + r.integers(0, 30, n).astype("timedelta64[D]"),
    )
    k = 2 * n
    ed = EDVisits(
        claim_id=np.arange(20_000, 20_000 + k, dtype=np.int64),
        mbi=mbi[r.integers(0, n, k)],
        date=days("2027-01-01", "2027-12-31", k),
        principal_dx=pdx[r.integers(0, 4, k)],
    )
    k = 10 * n
    fu = Followups(mbi=mbi[r.integers(0, n, k)], date=days("2027-01-01", "2028-01-15", k))
    return QualityInputs(pop, dx, inpatient, snf, ed, fu)


def _shuffled(inputs: QualityInputs, seed: int) -> QualityInputs:
    r = np.random.default_rng(seed)

    def shuffle(obj: Any) -> Any:
        cols = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        perm = r.permutation(len(next(iter(cols.values()))))
        return type(obj)(**{name: np.asarray(col)[perm] for name, col in cols.items()})

    return QualityInputs(*(shuffle(getattr(inputs, f.name)) for f in dataclasses.fields(inputs)))


def _same(a: Any, b: Any) -> None:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=f.name)
        else:
            assert x == y, f.name


@pytest.mark.parametrize("as_of", [None, dt.date(2027, 9, 15)])
def test_shuffling_input_rows_changes_nothing(as_of: dt.date | None) -> None:
    inputs = _synthetic(7)
    base = compute_measures(PY, inputs, as_of=as_of)
    other = compute_measures(PY, _shuffled(inputs, 11), as_of=as_of)
    assert len(base.members) > 1000 and len(base.gaps) > 10  # the data exercises every measure
    assert {r.measure for r in base.results if r.denominator > 0} == {
        MEASURE_ACR,
        MEASURE_UAMCC,
        MEASURE_DAH,
        MEASURE_TFU,
    }
    for x, y in zip(base.results, other.results, strict=True):
        assert x.aco_id == y.aco_id and x.measure == y.measure
        assert (x.numerator, x.denominator) == (y.numerator, y.denominator)
        for name in ("rate", "person_years", "expected", "risk_standardized_rate"):
            u, v = getattr(x, name), getattr(y, name)
            assert (u is None and v is None) or u == pytest.approx(v, nan_ok=True), name
    assert base.acr_strata == other.acr_strata
    _same(base.members, other.members)
    _same(base.gaps, other.gaps)
    _same(base.beneficiaries, other.beneficiaries)
