"""The cohort reader on the database: a CCLF package loaded through the loader (netting, denials, the
CCLF9 crosswalk), read back by ``load_cohort_inputs`` as of 2027-01-01 (window 2026-01-01..2026-12-31)."""

from __future__ import annotations

import datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from apps.alignment import cohorts, runs
from apps.alignment.cohort_inputs import build_cohort_inputs, fetch_cohort_rows, load_cohort_inputs
from tests.claims.cclf_builders import (
    beneficiary,
    diagnosis,
    dme,
    ingest,
    mbi,
    part_a_header,
    part_b,
    write_package,
    xref,
)

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2027, 1, 1)
M1, M2, M3, M4, M5, M6, OLD5, NOBODY = (mbi(n) for n in (1, 2, 3, 4, 5, 6, 9, 99))


def b_line(uniq: int, cntl: str, who: str, thru: str, **kw: Any) -> str:
    """A CCLF5 line whose claim and line dates are all ``thru``."""
    dates: dict[str, Any] = {
        "CLM_FROM_DT": thru,
        "CLM_THRU_DT": thru,
        "CLM_LINE_FROM_DT": thru,
        "CLM_LINE_THRU_DT": thru,
    }
    return part_b(uniq, cntl, BENE_MBI_ID=who, **(dates | kw))


def header(uniq: int, who: str, claim_type: int, frm: str, thru: str, **kw: object) -> str:
    return part_a_header(uniq, BENE_MBI_ID=who, CLM_TYPE_CD=claim_type, CLM_FROM_DT=frm, CLM_THRU_DT=thru, **kw)


@pytest.fixture
def loaded(tmp_path: Path) -> None:
    files = {
        "CCLF8": [
            beneficiary(M1, BENE_MDCR_STUS_CD="10"),
            beneficiary(M2, BENE_MDCR_STUS_CD="21"),
            beneficiary(M3, BENE_MDCR_STUS_CD="10"),
            beneficiary(M4, BENE_MDCR_STUS_CD="20"),
            beneficiary(M5, BENE_MDCR_STUS_CD="31"),
            beneficiary(M6, BENE_MDCR_STUS_CD="10"),
        ],
        "CCLF9": [xref(OLD5, M5)],
        "CCLF1": [
            # M2: an emergency admission, current.
            header(10, M2, 60, "2026-03-01", "2026-03-05", CLM_ADMSN_TYPE_CD="1", CLM_BILL_FREQ_CD="1"),
            # M2: an admission then cancelled (same natural key, adjustment type 1, later effective date).
            header(11, M2, 60, "2026-08-01", "2026-08-04", PRVDR_OSCAR_NUM="210002", CLM_EFCTV_DT="2026-08-10"),
            header(
                12,
                M2,
                60,
                "2026-08-01",
                "2026-08-04",
                PRVDR_OSCAR_NUM="210002",
                CLM_ADJSMT_TYPE_CD="1",
                CLM_EFCTV_DT="2026-08-20",
            ),
            # M4: a SNF stay, an outpatient claim (type 40: not read), a stay that ended before the
            # window (not read) and one that overlaps its start (read).
            header(20, M4, 20, "2026-04-01", "2026-05-20", PRVDR_OSCAR_NUM="215001", BENE_PTNT_STUS_CD="01"),
            header(21, M4, 40, "2026-06-01", "2026-06-01"),
            header(22, M4, 60, "2025-11-01", "2025-12-31", CLM_ADMSN_TYPE_CD="1"),
            header(23, M4, 60, "2025-12-28", "2026-01-02", CLM_ADMSN_TYPE_CD="2", CLM_BILL_FREQ_CD="1"),
        ],
        "CCLF4": [
            diagnosis(10, 1, BENE_MBI_ID=M2, CLM_DGNS_CD="Z993", CLM_FROM_DT="2026-03-01", CLM_THRU_DT="2026-03-05"),
            diagnosis(10, 2, BENE_MBI_ID=M2, CLM_DGNS_CD="I5020", CLM_FROM_DT="2026-03-01", CLM_THRU_DT="2026-03-05"),
            # On the cancelled claim: not current.
            diagnosis(11, 1, BENE_MBI_ID=M2, CLM_DGNS_CD="G35", CLM_FROM_DT="2026-08-01", CLM_THRU_DT="2026-08-04"),
        ],
        "CCLF5": [
            # M1: a mobility code in the third claim diagnosis; I10 beside it is not read back.
            b_line(1, "C1", M1, "2026-05-02", CLM_DGNS_1_CD="I10", CLM_DGNS_3_CD="G8220"),
            # M1: denied (denial code 0): counts for nothing.
            b_line(2, "C2", M1, "2026-06-01", CLM_LINE_DGNS_CD="G35", CLM_CARR_PMT_DNL_CD="0"),
            # M1: the day before the window.
            b_line(3, "C3", M1, "2025-12-31", CLM_DGNS_1_CD="G8191"),
            # M1: a line later cancelled.
            b_line(4, "C4", M1, "2026-07-01", CLM_DGNS_1_CD="Z993", CLM_EFCTV_DT="2026-07-05"),
            b_line(5, "C4", M1, "2026-07-01", CLM_DGNS_1_CD="Z993", CLM_ADJSMT_TYPE_CD="1", CLM_EFCTV_DT="2026-07-20"),
            # M1: an I69 code that is not paralysis: the reader's category filter lets it through, the
            # engine's exact list does not count it.
            b_line(6, "C6", M1, "2026-09-09", CLM_LINE_DGNS_CD="I69391"),
            # M5 under its previous MBI: read back under the current one.
            b_line(7, "C7", OLD5, "2026-02-01", CLM_DGNS_2_CD="G35"),
            # M6: not asked for.
            b_line(8, "C8", M6, "2026-02-01", CLM_DGNS_1_CD="G35"),
        ],
        "CCLF6": [
            dme(30, "D1", BENE_MBI_ID=M3, CLM_LINE_FROM_DT="2026-06-01", CLM_LINE_HCPCS_CD="E0260"),
            dme(30, "D1", 2, BENE_MBI_ID=M3, CLM_LINE_FROM_DT="2026-06-01", CLM_LINE_HCPCS_CD="K0001"),
            dme(
                31,
                "D2",
                BENE_MBI_ID=M3,
                CLM_LINE_FROM_DT="2026-07-01",
                CLM_LINE_HCPCS_CD="E0630",
                CLM_CARR_PMT_DNL_CD="0",
            ),
            dme(32, "D3", BENE_MBI_ID=M3, CLM_LINE_FROM_DT="2025-12-31", CLM_LINE_HCPCS_CD="E0630"),
        ],
    }
    assert ingest(write_package(tmp_path / "pkg", files)["CCLF0"].parent).status == "succeeded"


def dx_rows(inputs: cohorts.CohortInputs) -> set[tuple[str, str, str]]:
    d = inputs.diagnoses
    return {(str(m), str(t), str(c)) for m, t, c in zip(d.mbi, d.date, d.code, strict=True)}


def test_reader_returns_current_rows_of_the_window_for_the_given_mbis(loaded: None) -> None:
    inputs = load_cohort_inputs(np.array([M5, M3, M1, M2, M4, NOBODY], dtype=object), as_of=AS_OF)

    benes = inputs.beneficiaries
    assert dict(zip(benes.mbi.tolist(), benes.medicare_status.tolist(), strict=True)) == {
        M1: "10",
        M2: "21",
        M3: "10",
        M4: "20",
        M5: "31",
        NOBODY: "",  # asked for, no CCLF8 record
    }
    assert dx_rows(inputs) == {
        (M1, "2026-05-02", "G8220"),
        (M1, "2026-09-09", "I69391"),
        (M2, "2026-03-05", "Z993"),
        (M5, "2026-02-01", "G35"),
    }
    e = inputs.dme
    assert list(zip(e.mbi.tolist(), e.date.astype(str).tolist(), e.hcpcs.tolist(), strict=True)) == [
        (M3, "2026-06-01", "E0260")
    ]
    f = inputs.facility
    claims = sorted(
        zip(
            f.mbi.tolist(),
            f.claim_type.tolist(),
            f.from_date.astype(str).tolist(),
            f.thru_date.astype(str).tolist(),
            f.admission_type.tolist(),
            f.bill_frequency.tolist(),
            f.patient_status.tolist(),
            strict=True,
        )
    )
    assert claims == [
        (M2, 60, "2026-03-01", "2026-03-05", "1", "1", ""),
        (M4, 20, "2026-04-01", "2026-05-20", "", "", "01"),
        (M4, 60, "2025-12-28", "2026-01-02", "2", "1", ""),
    ]


def test_reader_without_mbis_reads_every_beneficiary(loaded: None) -> None:
    inputs = load_cohort_inputs(None, as_of=AS_OF)
    assert inputs.beneficiaries.mbi.tolist() == [M1, M2, M3, M4, M5, M6]
    assert (M6, "2026-02-01", "G35") in dx_rows(inputs)


def test_reader_feeds_the_engine(loaded: None) -> None:
    result = cohorts.high_needs(load_cohort_inputs(np.array([M1, M2, M3, M4, M5, NOBODY]), as_of=AS_OF), as_of=AS_OF)
    cohort = dict(zip(result.mbi.tolist(), result.cohort.tolist(), strict=True))
    assert cohort == {
        M1: "high_needs",  # G82.20 paraplegia
        M2: "esrd",  # status 21, though also High Needs (Z99.3)
        M3: "high_needs",  # hospital bed
        M4: "high_needs",  # SNF Apr 1 → May 20: 30 + 19 = 49 days
        M5: "esrd",  # status 31
        NOBODY: "aged_disabled",
    }
    assert result.criteria_lists() == [
        [cohorts.CRITERION_MOBILITY],
        [cohorts.CRITERION_MOBILITY],
        [cohorts.CRITERION_FRAILTY_DME],
        [cohorts.CRITERION_SNF_DAYS],
        [cohorts.CRITERION_MOBILITY],
        [],
    ]
    assert result.snf_days.tolist() == [0, 0, 0, 49, 0, 0]
    # M2's emergency admission of Mar 1; M4's Dec 28, 2025 admission is before the window.
    assert result.unplanned_admissions.tolist() == [0, 1, 0, 0, 0, 0]


def test_reader_on_empty_tables() -> None:
    inputs = load_cohort_inputs(np.array([M1], dtype=object), as_of=AS_OF)
    assert inputs.beneficiaries.mbi.tolist() == [M1]
    assert inputs.beneficiaries.medicare_status.tolist() == [""]
    assert inputs.diagnoses.mbi.shape == inputs.dme.mbi.shape == inputs.facility.mbi.shape == (0,)
    result = cohorts.high_needs(inputs, as_of=AS_OF)
    assert result.cohort.tolist() == ["aged_disabled"]


def test_inside_a_transaction_the_background_read_runs_on_this_connection(loaded: None) -> None:
    # The test runs inside a transaction (and the fast suite on SQLite): a second connection would not
    # see these rows, so the read waits for result() and runs here.
    read = runs.Background(partial(fetch_cohort_rows, as_of=AS_OF))
    assert not read.concurrent
    mbis = np.array([M5, M3, M1, M2, M4, NOBODY], dtype=object)
    assert dx_rows(build_cohort_inputs(read.result(), mbis)) == dx_rows(load_cohort_inputs(mbis, as_of=AS_OF))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_background_read_uses_its_own_connection_and_reads_the_same(loaded: None) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the concurrent read is for PostgreSQL")
    mbis = np.array([M5, M3, M1, M2, M4, NOBODY], dtype=object)
    read = runs.Background(partial(fetch_cohort_rows, as_of=AS_OF))
    assert read.concurrent
    fetched = build_cohort_inputs(read.result(), mbis)
    direct = load_cohort_inputs(mbis, as_of=AS_OF)
    assert dx_rows(fetched) == dx_rows(direct) and len(dx_rows(direct)) > 0
    assert fetched.dme.mbi.tolist() == direct.dme.mbi.tolist()
    assert fetched.facility.mbi.tolist() == direct.facility.mbi.tolist()
    assert fetched.beneficiaries.medicare_status.tolist() == direct.beneficiaries.medicare_status.tolist()


def test_a_failed_background_read_raises_in_the_caller() -> None:
    def broken() -> None:
        raise LookupError("no such table")

    read = runs.Background(broken)
    with pytest.raises(LookupError, match="no such table"):
        read.result()
