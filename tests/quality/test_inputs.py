"""Reading the quality engine's inputs from the database (apps/quality/inputs.py).

PY = 2027 throughout: the chronic condition lookback is 2026-01-01 – 2026-12-31 (docs/quality.md, "the 12 months
before the PY"); follow-ups can meet a window from 2027-01-02 (day 1 after a Jan 1 event) to 2028-01-14 (day
14 after a Dec 31 event). Claims are loaded through the CCLF loader, so netting (the greatest (CLM_EFCTV_DT,
CUR_CLM_UNIQ_ID) of a natural key wins, a winning cancellation voids the claim) and the CCLF9 crosswalk are
the loader's; the reader must keep only current rows, read them under the current MBI, and leave out denied
Part B lines.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.db import connection, connections

from apps.acos.models import ACO
from apps.alignment import inputs as alignment_inputs
from apps.alignment.models import AlignedBeneficiary, AlignmentRun
from apps.quality import engine, inputs
from tests.claims.cclf_builders import (
    beneficiary,
    diagnosis,
    ingest,
    mbi,
    part_a_header,
    part_a_line,
    part_b,
    write_package,
    xref,
)

PY = 2027
M1, M2, M3 = mbi(1), mbi(2), mbi(3)
OLD_M2 = mbi(8)  # CCLF9: M2's previous MBI, under which some claims were filed
D = datetime.date
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")


def header(uniq: int, mbi_id: str, claim_type: int, from_dt: str, thru_dt: str, **kw: Any) -> str:
    return part_a_header(
        uniq, BENE_MBI_ID=mbi_id, CLM_TYPE_CD=claim_type, CLM_FROM_DT=from_dt, CLM_THRU_DT=thru_dt, **kw
    )


def line(uniq: int, num: int, mbi_id: str, claim_type: int, day: str, revenue: str, **kw: Any) -> str:
    dates = {"CLM_FROM_DT": day, "CLM_THRU_DT": day, "CLM_LINE_FROM_DT": day, "CLM_LINE_THRU_DT": day}
    return part_a_line(
        uniq, num, BENE_MBI_ID=mbi_id, CLM_TYPE_CD=claim_type, CLM_LINE_PROD_REV_CTR_CD=revenue, **(dates | kw)
    )


def visit(uniq: int, cntl: str, mbi_id: str, day: str, hcpcs: str = "99214", **kw: Any) -> str:
    """A Part B line dated ``day`` (claim and line dates alike)."""
    dates = {"CLM_FROM_DT": day, "CLM_THRU_DT": day, "CLM_LINE_FROM_DT": day, "CLM_LINE_THRU_DT": day}
    return part_b(uniq, cntl, BENE_MBI_ID=mbi_id, CLM_LINE_HCPCS_CD=hcpcs, **(dates | kw))


@pytest.fixture
def loaded(tmp_path: Path, db: None) -> AlignmentRun:
    files = {
        "CCLF8": [
            beneficiary(M1, BENE_DOB="1950-06-15", BENE_SEX_CD="2", BENE_DUAL_STUS_CD="02"),
            beneficiary(M2, BENE_DOB="1940-01-31", BENE_SEX_CD="1", BENE_DUAL_STUS_CD="NA", BENE_DEATH_DT="2027-05-01"),
        ],
        "CCLF9": [xref(OLD_M2, M2)],
        "CCLF1": [
            # Inpatient (type 60). 101 is replaced by its adjustment 102 (same stay, later effective date).
            header(101, M1, 60, "2027-03-01", "2027-03-05", BENE_PTNT_STUS_CD="01", CLM_ADMSN_TYPE_CD="1"),
            header(
                102,
                M1,
                60,
                "2027-03-01",
                "2027-03-05",
                BENE_PTNT_STUS_CD="06",
                CLM_ADMSN_TYPE_CD="2",
                PRNCPL_DGNS_CD="I5020",
                CLM_ADJSMT_TYPE_CD="2",
                CLM_EFCTV_DT="2027-03-20",
            ),
            # An interim bill through Dec 31 2026 filed under M2's old MBI: read (a PY claim may continue it).
            header(103, OLD_M2, 60, "2026-12-20", "2026-12-31", BENE_PTNT_STUS_CD="30", CLM_ADMSN_TYPE_CD="1"),
            # Discharged Dec 30 2026: nothing of the PY can continue it.
            header(104, M1, 60, "2026-11-01", "2026-12-30"),
            # A June stay cancelled by 106: void.
            header(105, M1, 60, "2027-06-01", "2027-06-03"),
            header(106, M1, 60, "2027-06-01", "2027-06-03", CLM_ADJSMT_TYPE_CD="1", CLM_EFCTV_DT="2027-06-20"),
            # SNF (20) and swing bed (30) overlapping the PY; a SNF stay of November 2026 does not.
            header(201, M1, 20, "2027-03-06", "2027-03-10"),
            header(202, M2, 30, "2026-12-25", "2027-01-05"),
            header(203, M1, 20, "2026-11-01", "2026-11-30"),
            # Outpatient (40): an ED visit (0450), an observation stay (0762), a clinic visit (0510) and an
            # ED visit of 2026 (outside the PY).
            header(301, M1, 40, "2027-06-10", "2027-06-10", PRNCPL_DGNS_CD="E119"),
            header(302, M1, 40, "2027-07-01", "2027-07-02", PRNCPL_DGNS_CD="J449"),
            header(303, M1, 40, "2027-08-01", "2027-08-01"),
            header(304, M1, 40, "2026-06-01", "2026-06-01"),
            # An RHC visit (bill type 71x) with a 0521 line: a follow-up as alignment counts primary care.
            header(305, M1, 40, "2027-09-01", "2027-09-01", CLM_BILL_FAC_TYPE_CD="7", CLM_BILL_CLSFCTN_CD="1"),
        ],
        "CCLF2": [
            line(301, 1, M1, 40, "2027-06-10", "0450"),
            line(301, 2, M1, 40, "2027-06-10", "0300"),  # a second line of the same claim: still one visit
            line(302, 1, M1, 40, "2027-07-01", "0762", CLM_FROM_DT=""),  # no claim date on the line: kept
            line(303, 1, M1, 40, "2027-08-01", "0510"),
            line(304, 1, M1, 40, "2026-06-01", "0450"),
            line(305, 1, M1, 40, "2027-09-01", "0521"),
        ],
        "CCLF4": [
            # Under the 2026 interim bill (through 2026-12-31): N184 counts, Z0000 is no chronic group.
            diagnosis(
                103, 1, BENE_MBI_ID=OLD_M2, CLM_DGNS_CD="N184", CLM_FROM_DT="2026-12-20", CLM_THRU_DT="2026-12-31"
            ),
            diagnosis(
                103, 2, BENE_MBI_ID=OLD_M2, CLM_DGNS_CD="Z0000", CLM_FROM_DT="2026-12-20", CLM_THRU_DT="2026-12-31"
            ),
            # Under the adjusted 2027 stay: outside the lookback.
            diagnosis(102, 1, BENE_MBI_ID=M1, CLM_DGNS_CD="E119", CLM_FROM_DT="2027-03-01", CLM_THRU_DT="2027-03-05"),
            # Under the replaced version 101: not current.
            diagnosis(101, 1, BENE_MBI_ID=M1, CLM_DGNS_CD="I480", CLM_FROM_DT="2026-03-01", CLM_THRU_DT="2026-03-05"),
        ],
        "CCLF5": [
            # Diagnoses: E119 (diabetes) and F329 (depression) count, I10 is in no group.
            visit(1, "B1", M1, "2026-05-01", CLM_LINE_DGNS_CD="F329", CLM_DGNS_1_CD="E119", CLM_DGNS_2_CD="I10"),
            # The same codes on a later line: grouped with the first, under its (earlier) date.
            visit(14, "B5", M1, "2026-08-01", CLM_LINE_DGNS_CD="F329", CLM_DGNS_1_CD="E119", CLM_DGNS_2_CD="I10"),
            visit(2, "B2", M1, "2026-06-01", CLM_DGNS_1_CD="J449", CLM_CARR_PMT_DNL_CD="0"),  # denied
            visit(3, "B3", M1, "2025-12-31", CLM_DGNS_1_CD="I480"),  # before the lookback
            visit(4, "B4", OLD_M2, "2026-02-01", CLM_DGNS_12_CD="G309"),  # under the old MBI
            # Follow-ups.
            visit(5, "F1", M1, "2027-03-09"),
            visit(6, "F2", M1, "2027-03-10", CLM_CARR_PMT_DNL_CD="0"),  # denied
            visit(7, "F3", M1, "2027-04-01", hcpcs="80053"),  # a lab test: not PQEM
            visit(8, "F4", OLD_M2, "2027-04-20", hcpcs="G0439"),
            visit(9, "F5", M1, "2028-01-14", hcpcs="99213"),  # run-out: the last day a window can reach
            visit(10, "F6", M1, "2028-01-15", hcpcs="99213"),  # one day too late
            visit(11, "F7", M1, "2027-01-01"),  # Jan 1: no event's window starts before Jan 2
            # A visit cancelled by its later version.
            visit(12, "F8", M1, "2027-05-05"),
            visit(13, "F8", M1, "2027-05-05", CLM_ADJSMT_TYPE_CD="1", CLM_EFCTV_DT="2027-05-20"),
        ],
    }
    run = ingest(write_package(tmp_path / "pkg", files)["CCLF0"].parent)
    assert run.status == "succeeded", run.message
    aco = ACO.objects.create(aco_id="L0001", legal_name="Harbor ACO", states=["MD"])
    other = ACO.objects.create(aco_id="L0002", legal_name="Bay ACO", states=["MD"])
    alignment = AlignmentRun.objects.create(performance_year=PY, status=AlignmentRun.Status.SUCCEEDED)
    earlier = AlignmentRun.objects.create(performance_year=PY, status=AlignmentRun.Status.SUCCEEDED)
    jan1 = D(PY, 1, 1)
    AlignedBeneficiary.objects.bulk_create(
        [
            AlignedBeneficiary(
                run=alignment, mbi=M1, aco=aco, alignment_type="claims", step="1", effective_from=jan1, high_needs=True
            ),
            AlignedBeneficiary(
                run=alignment,
                mbi=M2,
                aco=other,
                alignment_type="voluntary",
                step="voluntary",
                effective_from=D(PY, 4, 1),
                added_midyear=True,
            ),
            # No CCLF8 record: blank demographics.
            AlignedBeneficiary(run=alignment, mbi=M3, aco=aco, alignment_type="claims", step="2", effective_from=jan1),
            # Another run's row: not read.
            AlignedBeneficiary(
                run=earlier, mbi=mbi(4), aco=aco, alignment_type="claims", step="1", effective_from=jan1
            ),
        ]
    )
    return alignment


def read(alignment: AlignmentRun) -> engine.QualityInputs:
    return inputs.load_quality_inputs(alignment_run_id=alignment.pk, performance_year=PY)


def rows(*columns: Any) -> list[tuple[Any, ...]]:
    """Columns as sorted tuples of Python values (dates as datetime.date, NaT as None)."""
    values = [np.asarray(c).tolist() for c in columns]
    return sorted(zip(*values, strict=True), key=repr)


# --- windows (no database) ---------------------------------------------------------------------------
def test_windows_of_the_performance_year() -> None:
    w = inputs.Windows.of(PY, engine.QualityParameters())
    assert w.lookback == (D(2026, 1, 1), D(2026, 12, 31))
    assert w.year == (D(2027, 1, 1), D(2027, 12, 31))
    assert w.inpatient_through_from == D(2026, 12, 31)
    # Day 1 after a Jan 1 event; day 14 (the longer window) after a Dec 31 event.
    assert w.followups == (D(2027, 1, 2), D(2028, 1, 14))


def test_condition_prefixes_are_inlined_in_both_cases_and_checked() -> None:
    params = engine.QualityParameters(chronic_condition_groups=(("a", ("I21",)), ("b", ("G4",))))
    assert inputs.condition_sql("c", params) == "(SUBSTR(c, 1, 2) IN ('G4', 'g4') OR SUBSTR(c, 1, 3) IN ('I21', 'i21'))"
    for bad in ("I2'", "I21\n", "I 2"):
        with pytest.raises(ValueError, match="letters and digits"):
            inputs.condition_sql("c", engine.QualityParameters(chronic_condition_groups=(("x", (bad,)),)))


@pytest.mark.parametrize(
    ("groups", "codes"),
    [
        # 3-character prefixes: the lookup table; lower case, a short code and blanks included.
        (engine.CHRONIC_CONDITION_GROUPS, ["E11", "e11", "I50", "Z00", "G3", "", "I50", "N18"]),
        # A 4-character prefix: distinct codes by sorting.
        ((("hf", ("I502",)), ("dm", ("E1",))), ["I502", "I501", "E119", "e1", "Z000", ""]),
        # A character outside ASCII: the text itself.
        (engine.CHRONIC_CONDITION_GROUPS, ["E11", "É11", "I21"]),
    ],
)
def test_code_groups_agree_with_the_engine(groups: Any, codes: list[str]) -> None:
    params = engine.QualityParameters(chronic_condition_groups=groups, heart_failure_group=groups[0][0])
    width = inputs.prefix_width(params)
    text = np.array(codes, dtype=f"U{width}")
    chars = text.view(np.uint32).reshape(-1, width).copy()
    assert inputs._code_groups(chars, params).tolist() == engine.condition_group_of(text, params).tolist()


# --- each input kind ----------------------------------------------------------------------------------
def test_population_is_the_runs_aligned_beneficiaries_with_their_cclf8_record(loaded: AlignmentRun) -> None:
    pop = read(loaded).population
    assert rows(
        pop.mbi, pop.aco_id, pop.birth_date, pop.sex, pop.dual_status, pop.death_date, pop.high_needs, pop.aligned_from
    ) == [
        (M1, "L0001", D(1950, 6, 15), "2", "02", None, True, D(2027, 1, 1)),
        (M2, "L0002", D(1940, 1, 31), "1", "NA", D(2027, 5, 1), False, D(2027, 4, 1)),
        (M3, "L0001", None, "", "", None, False, D(2027, 1, 1)),
    ]


def test_diagnoses_of_the_lookback_year_in_a_condition_group(loaded: AlignmentRun) -> None:
    dx = read(loaded).diagnoses
    # Codes cut to the longest group prefix (3 characters), all the engine looks at.
    assert rows(dx.mbi, dx.code, dx.date) == [
        (M1, "E11", D(2026, 5, 1)),  # CCLF5 claim diagnosis 1 (E119)
        (M1, "F32", D(2026, 5, 1)),  # CCLF5 line diagnosis (F329); I10 of the same line is in no group
        (M2, "G30", D(2026, 2, 1)),  # CCLF5 claim diagnosis 12 (G309), filed under the old MBI
        (M2, "N18", D(2026, 12, 31)),  # CCLF4 (N184), dated by the claim's through date
    ]
    # The cut codes fall in the groups of the full ones.
    names = [name for name, _ in engine.CHRONIC_CONDITION_GROUPS]
    groups = engine.condition_group_of(dx.code).tolist()
    assert sorted((m, names[g]) for m, g in zip(dx.mbi.tolist(), groups, strict=True)) == [
        (M1, "depression"),
        (M1, "diabetes"),
        (M2, "ckd"),
        (M2, "dementia"),
    ]


def test_diagnoses_with_prefixes_of_other_lengths(loaded: AlignmentRun) -> None:
    # Prefixes of 2 to 4 characters: codes are cut to 4 ("E119", "G309"); I10 pads to "I10" and matches nothing,
    # N184 and F329 are in no group of these parameters.
    params = engine.QualityParameters(
        chronic_condition_groups=(("diabetes", ("E11",)), ("dementia", ("G3",)), ("heart_failure", ("I502",))),
        heart_failure_group="heart_failure",
    )
    dx = inputs.load_diagnoses(inputs.Windows.of(PY, params), params)
    assert rows(dx.mbi, dx.code, dx.date) == [(M1, "E119", D(2026, 5, 1)), (M2, "G309", D(2026, 2, 1))]


def test_inpatient_claims_current_and_running_into_the_year(loaded: AlignmentRun) -> None:
    ip = read(loaded).inpatient
    assert ip.claim_id.dtype == np.int64
    assert rows(
        ip.claim_id, ip.mbi, ip.admit_date, ip.discharge_date, ip.patient_status, ip.admission_type, ip.principal_dx
    ) == [
        (102, M1, D(2027, 3, 1), D(2027, 3, 5), "06", "2", "I5020"),  # the adjustment, not 101
        (103, M2, D(2026, 12, 20), D(2026, 12, 31), "30", "1", ""),  # under the current MBI
    ]


def test_snf_and_swing_bed_claims_overlapping_the_year(loaded: AlignmentRun) -> None:
    snf = read(loaded).snf
    assert rows(snf.claim_id, snf.mbi, snf.from_date, snf.thru_date) == [
        (201, M1, D(2027, 3, 6), D(2027, 3, 10)),
        (202, M2, D(2026, 12, 25), D(2027, 1, 5)),
    ]


def test_ed_and_observation_visits_one_per_claim(loaded: AlignmentRun) -> None:
    ed = read(loaded).ed
    assert rows(ed.claim_id, ed.mbi, ed.date, ed.principal_dx) == [
        (301, M1, D(2027, 6, 10), "E119"),
        (302, M1, D(2027, 7, 1), "J449"),
    ]


def test_followups_pqem_and_rhc_visits_with_run_out(loaded: AlignmentRun) -> None:
    fu = read(loaded).followups
    assert rows(fu.mbi, fu.date) == [
        (M1, D(2027, 3, 9)),
        (M1, D(2027, 9, 1)),  # the RHC visit
        (M1, D(2028, 1, 14)),
        (M2, D(2027, 4, 20)),
    ]


@postgres_only
def test_the_copy_path_reads_what_the_portable_path_reads(
    loaded: AlignmentRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    portable = alignment_inputs._read_rows

    def refused(*args: Any) -> Any:
        raise AssertionError("the COPY path fell back to the portable one")

    monkeypatch.setattr(alignment_inputs, "_read_rows", refused)
    fast = read(loaded)
    monkeypatch.setattr(alignment_inputs, "_read_rows", portable)
    monkeypatch.setattr(alignment_inputs, "_postgres", lambda: False)
    slow = read(loaded)
    for kind in ("population", "diagnoses", "inpatient", "snf", "ed", "followups"):
        a, b = getattr(fast, kind), getattr(slow, kind)
        names = list(vars(a))
        assert rows(*(getattr(a, n) for n in names)) == rows(*(getattr(b, n) for n in names)), kind


@postgres_only
def test_reads_with_debug_on(loaded: AlignmentRun, settings: Any) -> None:
    # DEBUG wraps cursors in Django's debug wrapper, whose copy() takes no parameters.
    settings.DEBUG = True
    assert sorted(read(loaded).population.mbi.tolist()) == [M1, M2, M3]
    assert "make_debug_cursor" not in vars(connections["default"])  # the connection's own method again
