"""A small claims world for the episode tests, loaded as CMS sends it (a CCLF package through the loader:
netting and the claim facts are the loader's own), for PY2027 (claims history 2024–2027). Every figure
below is worked out by hand from docs/cara.md; the Preferred Provider is ``SURGEON`` (NPI 1234567893).

``HIP`` (aligned to the ACO):
- claim 101, inpatient, MS-DRG 470, 2026-03-01 to 2026-03-04, operating ``SURGEON``, attending
  ``HOSPITALIST``, paid $15,000: a hip/knee episode, window to 2026-03-04 + 90 days = 2026-06-02;
- claim 102, SNF (type 20), 2026-03-05 to 2026-03-20, paid $4,000: post-acute;
- claim 103, outpatient (type 40), 2026-04-01, paid $300: other;
- Part B line 201, 2026-03-10, paid $200: professional;
- claim 104, inpatient, MS-DRG 292 (heart failure), 2026-04-10 to 2026-04-13, paid $8,000: inside the
  window, a readmission of the hip/knee episode, and no heart-failure episode (precedence);
- claim 105, inpatient, MS-DRG 871 (sepsis), 2026-06-10 to 2026-06-15, paid $10,000, operating
  ``OTHER_NPI`` (no Preferred Provider), no attending: after the window, a sepsis episode of its own
  (window to 2026-09-13), attributed to no one;
- Part B line 202, 2026-06-03, paid $50: between the two windows, in neither.
``CANCELLED`` (aligned): claim 111, inpatient, MS-DRG 291, 2025-05-01 to 2025-05-04, cancelled by claim
112: no episode.
``EARLY`` (aligned): claim 121, inpatient, MS-DRG 470, 2023-06-01 to 2023-06-03: before the claims
history of PY2027, no episode; claim 122, inpatient, MS-DRG 190 (COPD), 2027-02-01 to 2027-02-05, paid
$7,000, attending ``SURGEON``, no operating NPI: a COPD episode in the PY, attributed to the attending
Preferred Provider; the latest claim of the world, so its window (to 2027-05-06) is still open.
``FRACTURE`` (aligned): claim 131, MS-DRG 469 with principal diagnosis S72.001A: excluded, no episode.
``OUTSIDER`` (not aligned to any ACO): claim 141, MS-DRG 247 (PCI), 2024-08-01 to 2024-08-02, paid
$12,000: a PCI episode with no ACO.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from apps.acos.models import ACO, PreferredProvider
from apps.alignment.models import AlignedBeneficiary, AlignmentRun
from tests.claims.cclf_builders import beneficiary, ingest, mbi, part_a_header, part_b_paid, write_package
from tests.factories import ACOFactory, PreferredProviderFactory, alignment_run

HIP, CANCELLED, EARLY, FRACTURE, OUTSIDER = mbi(21), mbi(22), mbi(23), mbi(24), mbi(25)
SURGEON = "1234567893"
HOSPITALIST = "1245319599"
OTHER_NPI = "1003000126"
PY = 2027


def _stay(uniq: int, who: str, drg: str, start: str, end: str, paid: str, **kw: Any) -> str:
    values = {"CLM_EFCTV_DT": end} | kw
    return part_a_header(
        uniq, BENE_MBI_ID=who, CLM_TYPE_CD=60, DGNS_DRG_CD=drg, CLM_FROM_DT=start, CLM_THRU_DT=end,
        CLM_PMT_AMT=paid, **values,
    )  # fmt: skip


def _claim(uniq: int, who: str, kind: int, start: str, end: str, paid: str) -> str:
    return part_a_header(
        uniq, BENE_MBI_ID=who, CLM_TYPE_CD=kind, CLM_FROM_DT=start, CLM_THRU_DT=end, CLM_EFCTV_DT=end,
        CLM_PMT_AMT=paid,
    )  # fmt: skip


def load_world(folder: Path) -> tuple[ACO, AlignmentRun, PreferredProvider]:
    headers = [
        _stay(101, HIP, "470", "2026-03-01", "2026-03-04", "15000.00",
              OPRTG_PRVDR_NPI_NUM=SURGEON, ATNDG_PRVDR_NPI_NUM=HOSPITALIST),
        _claim(102, HIP, 20, "2026-03-05", "2026-03-20", "4000.00"),
        _claim(103, HIP, 40, "2026-04-01", "2026-04-01", "300.00"),
        _stay(104, HIP, "292", "2026-04-10", "2026-04-13", "8000.00", OPRTG_PRVDR_NPI_NUM=SURGEON),
        _stay(105, HIP, "871", "2026-06-10", "2026-06-15", "10000.00", OPRTG_PRVDR_NPI_NUM=OTHER_NPI),
        _stay(111, CANCELLED, "291", "2025-05-01", "2025-05-04", "6000.00"),
        _stay(112, CANCELLED, "291", "2025-05-01", "2025-05-04", "6000.00",
              CLM_ADJSMT_TYPE_CD="1", CLM_EFCTV_DT="2025-06-01"),
        _stay(121, EARLY, "470", "2023-06-01", "2023-06-03", "14000.00", OPRTG_PRVDR_NPI_NUM=SURGEON),
        _stay(122, EARLY, "190", "2027-02-01", "2027-02-05", "7000.00", ATNDG_PRVDR_NPI_NUM=SURGEON),
        _stay(131, FRACTURE, "469", "2026-01-10", "2026-01-15", "20000.00", PRNCPL_DGNS_CD="S72001A",
              OPRTG_PRVDR_NPI_NUM=SURGEON),
        _stay(141, OUTSIDER, "247", "2024-08-01", "2024-08-02", "12000.00", OPRTG_PRVDR_NPI_NUM=SURGEON),
    ]  # fmt: skip
    lines = [
        part_b_paid(201, "B201", HIP, "2026-03-10", "200.00"),
        part_b_paid(202, "B202", HIP, "2026-06-03", "50.00"),
    ]
    people = [beneficiary(m) for m in (HIP, CANCELLED, EARLY, FRACTURE, OUTSIDER)]
    files = {"CCLF1": headers, "CCLF5": lines, "CCLF8": people}
    run = ingest(write_package(folder, files, produced_at=dt.datetime(2027, 3, 15, 12), year=PY)["CCLF0"].parent)
    assert run.status == "succeeded", run.message
    aco = ACOFactory.create()
    pp = PreferredProviderFactory.create(aco=aco, performance_year=PY, npi=SURGEON)
    alignment = alignment_run(PY)
    AlignedBeneficiary.objects.bulk_create(
        AlignedBeneficiary(
            run=alignment, mbi=m, aco=aco, alignment_type="claims", step="1", effective_from=dt.date(PY, 1, 1)
        )
        for m in (HIP, CANCELLED, EARLY, FRACTURE)
    )
    return aco, alignment, pp
