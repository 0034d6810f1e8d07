"""A small claims world for the risk tests, loaded as CMS sends it (a CCLF package through the loader, so
netting and the claim facts are the loader's own): one beneficiary with diagnoses on every kind of
service, eligible and not, and a second one with an ESRD status and nothing but demographics.

Beneficiary ``WOMAN`` (female, born 1950-06-15, dual 02, OREC 0, Part A/B since 2015): in 2025
- inpatient claim 101 (through 2025-03-05): I50.30 → counts (CCLF4);
- outpatient claim 102 with an eligible revenue line (99214): E11.22 → counts;
- outpatient claim 103 whose only line is a lab test (80053, not eligible): D66 → does not count;
- RHC claim 104 (bill type 71x, revenue centre 0521, no HCPCS): G35 → counts;
- SNF claim 105 (type 20): N18.4 → does not count;
- inpatient claim 106, cancelled by 107: C34.90 → does not count;
- Part B line 201 (99214): J44.9 as line and claim diagnosis, I10 (maps to nothing) → J449 counts once;
- Part B line 202 (80053, not eligible): F20.0 → does not count;
- Part B line 203 (99213, denied): N18.5 → does not count;
- Part B line 204 (99214): E11.65 written with a dot → counts as E1165;
and in 2024, inpatient claim 108 through 2024-12-31: I50.84 (a 2025 score); and in 2023, before the CCLF
of PY2027 (its claims go back to 2024), Part B line 205 (99214): G35, which no PY2027 score counts.
Beneficiary ``DIALYSIS``: Medicare status 31 (ESRD only), male, born 1960-01-10, OREC 2.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tests.claims.cclf_builders import (
    beneficiary,
    diagnosis,
    ingest,
    mbi,
    part_a_header,
    part_a_line,
    part_b,
    write_package,
)

WOMAN = mbi(1)
DIALYSIS = mbi(2)
PACKAGE_DAY = dt.datetime(2026, 3, 15, 12, 0, 0)


def _header(uniq: int, kind: int, start: str, end: str, **kw: object) -> str:
    return part_a_header(uniq, CLM_TYPE_CD=kind, CLM_FROM_DT=start, CLM_THRU_DT=end, CLM_EFCTV_DT=end, **kw)


def _dx(uniq: int, kind: int, code: str, seq: int = 1) -> str:
    return diagnosis(uniq, seq, CLM_TYPE_CD=kind, CLM_DGNS_CD=code)


def _line(uniq: int, cntl: str, day: str, hcpcs: str, **kw: Any) -> str:
    dates = {"CLM_FROM_DT": day, "CLM_THRU_DT": day, "CLM_LINE_FROM_DT": day, "CLM_LINE_THRU_DT": day}
    return part_b(uniq, cntl, CLM_LINE_HCPCS_CD=hcpcs, CLM_EFCTV_DT=day, **(dates | kw))


def load_world(folder: Path) -> None:
    outpatient = {"CLM_BILL_FAC_TYPE_CD": "1", "CLM_BILL_CLSFCTN_CD": "3"}
    rhc = {"CLM_BILL_FAC_TYPE_CD": "7", "CLM_BILL_CLSFCTN_CD": "1"}
    headers = [
        _header(101, 60, "2025-03-01", "2025-03-05"),
        _header(102, 40, "2025-04-10", "2025-04-10", **outpatient),
        _header(103, 40, "2025-04-11", "2025-04-11", **outpatient),
        _header(104, 40, "2025-05-01", "2025-05-01", **rhc),
        _header(105, 20, "2025-06-01", "2025-06-20"),
        _header(106, 60, "2025-07-01", "2025-07-03"),
        part_a_header(
            107,
            CLM_TYPE_CD=60,
            CLM_FROM_DT="2025-07-01",
            CLM_THRU_DT="2025-07-03",
            CLM_ADJSMT_TYPE_CD="1",
            CLM_EFCTV_DT="2025-08-01",
        ),
        _header(108, 60, "2024-12-28", "2024-12-31"),
    ]
    revenue = [
        part_a_line(102, 1, CLM_TYPE_CD=40, CLM_LINE_HCPCS_CD="99214", CLM_LINE_PROD_REV_CTR_CD="0510"),
        part_a_line(103, 1, CLM_TYPE_CD=40, CLM_LINE_HCPCS_CD="80053", CLM_LINE_PROD_REV_CTR_CD="0300"),
        part_a_line(104, 1, CLM_TYPE_CD=40, CLM_LINE_PROD_REV_CTR_CD="0521"),
    ]
    part_a_dx = [
        _dx(101, 60, "I5030"),
        _dx(102, 40, "E1122"),
        _dx(103, 40, "D66"),
        _dx(104, 40, "G35"),
        _dx(105, 20, "N184"),
        _dx(106, 60, "C3490"),
        _dx(107, 60, "C3490"),
        _dx(108, 60, "I5084"),
    ]
    lines = [
        _line(201, "C1", "2025-02-02", "99214", CLM_LINE_DGNS_CD="J449", CLM_DGNS_1_CD="J449", CLM_DGNS_2_CD="I10"),
        _line(202, "C2", "2025-02-03", "80053", CLM_LINE_DGNS_CD="F200"),
        _line(203, "C3", "2025-02-04", "99213", CLM_LINE_DGNS_CD="N185", CLM_CARR_PMT_DNL_CD="0"),
        _line(204, "C4", "2025-02-05", "99214", CLM_DGNS_3_CD="E11.65", CLM_DGNS_12_CD="E785"),
        _line(205, "C5", "2023-11-20", "99214", CLM_LINE_DGNS_CD="G35", CLM_DGNS_1_CD="G35"),
    ]
    people = [
        beneficiary(
            WOMAN,
            BENE_DOB="1950-06-15",
            BENE_SEX_CD="2",
            BENE_DUAL_STUS_CD="02",
            BENE_ORGNL_ENTLMT_RSN_CD="0",
            BENE_PART_A_ENRLMT_BGN_DT="2015-06-01",
            BENE_PART_B_ENRLMT_BGN_DT="2015-06-01",
        ),
        beneficiary(
            DIALYSIS,
            BENE_DOB="1960-01-10",
            BENE_SEX_CD="1",
            BENE_MDCR_STUS_CD="31",
            BENE_ORGNL_ENTLMT_RSN_CD="2",
            BENE_PART_A_ENRLMT_BGN_DT="2019-04-01",
            BENE_PART_B_ENRLMT_BGN_DT="2019-04-01",
        ),
    ]
    files = {"CCLF1": headers, "CCLF2": revenue, "CCLF4": part_a_dx, "CCLF5": lines, "CCLF8": people}
    run = ingest(write_package(folder, files, produced_at=PACKAGE_DAY, year=2026)["CCLF0"].parent)
    assert run.status == "succeeded", run.message
