"""Loading CCLF packages into the database (on SQLite, the staged INSERT … SELECT path): every
field of every file, lineage, netting (docs/claims.md), MBI chains, all-or-nothing rejection,
idempotent reloads, zip and CRLF input.

Expected values are worked out by hand from the layout (reference/cclf/layouts.csv) and the
Portal rules, never read back from the code.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.accounts.models import User
from apps.claims import models, services
from apps.claims.layouts import layout
from apps.claims.models import Beneficiary, CCLFFile, IngestError, IngestRun, MBIMap
from apps.claims.services import PROGRESS_KEY
from tests.claims.cclf_builders import (
    DAY,
    FIELDS,
    LATER,
    MODELS,
    beneficiary,
    benefit_a,
    benefit_b,
    diagnosis,
    dme,
    errors_of,
    file_name,
    ingest,
    mbi,
    part_a_header,
    part_a_line,
    part_b,
    part_d,
    procedure,
    row_counts,
    splice,
    write_package,
    written,
    xref,
    zip_folder,
)
from tests.claims.facts_check import assert_facts_match_wide_rows

pytestmark = pytest.mark.django_db

D = datetime.date
M1 = mbi(1)
AT = datetime.datetime(2027, 1, 15, 12, 30, 45, 600_000)  # D270115.T1230456
ADJUST: dict[str, Any] = {"CLM_ADJSMT_TYPE_CD": "2"}
CANCEL: dict[str, Any] = {"CLM_ADJSMT_TYPE_CD": "1"}


@pytest.fixture(autouse=True)
def facts_follow_wide_rows() -> Any:
    """After every load of these tests, the narrow claim facts agree with the wide rows."""
    yield
    assert_facts_match_wide_rows()


def aware(at: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(at)


def current(model: type[models.NettedRow], *fields: str) -> list[tuple[Any, ...]]:
    return sorted(model._default_manager.filter(is_current=True).values_list(*fields))


# --- every field of every file ------------------------------------------------------------------


@pytest.fixture
def one_of_each(tmp_path: Path) -> tuple[IngestRun, dict[str, Path]]:
    paths = write_package(tmp_path / "pkg", {t: [written(t)] for t in FIELDS}, produced_at=AT)
    return ingest(tmp_path / "pkg"), paths


def test_the_table_covers_every_field_of_every_layout() -> None:
    for file_type, rows in FIELDS.items():
        assert [f for f, _, _ in rows] == layout(file_type).names, file_type


@pytest.mark.parametrize("file_type", list(FIELDS))
def test_every_field_is_loaded_as_written(file_type: str, one_of_each: tuple[IngestRun, dict[str, Path]]) -> None:
    run, _ = one_of_each
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    row = MODELS[file_type]._default_manager.get()
    for f, _, expected in FIELDS[file_type]:
        assert getattr(row, f.lower()) == expected, f"{file_type}.{f}"


@pytest.mark.parametrize("file_type", list(FIELDS))
def test_every_row_keeps_its_lineage(file_type: str, one_of_each: tuple[IngestRun, dict[str, Path]]) -> None:
    run, _ = one_of_each
    row = MODELS[file_type]._default_manager.select_related("file__run").get()
    number = file_type.removeprefix("CCLF")
    assert row.file.name == f"P.L9001.ACO.ZC{number}Y27.D270115.T1230456"
    assert row.file.file_type == file_type
    # The file date comes from D270115.T1230456, in the portal's time zone.
    assert row.file.produced_at == aware(AT)
    assert row.file.performance_year == 2027
    assert row.file.run == run
    assert row.file.records == 1


def test_derived_columns_of_the_single_package(one_of_each: tuple[IngestRun, dict[str, Path]]) -> None:
    run, paths = one_of_each
    # No CCLF9 link for mbi(1): its rows keep it; the CCLF9 row itself maps its previous MBI.
    for file_type in ("CCLF1", "CCLF2", "CCLF3", "CCLF4", "CCLF5", "CCLF6", "CCLF7", "CCLF8", "CCLFA", "CCLFB"):
        assert MODELS[file_type]._default_manager.get().current_mbi == M1, file_type
    assert models.MBIXref.objects.get().current_mbi == mbi(9)
    assert list(MBIMap.objects.values_list("mbi", "current_mbi", "hops", "problem")) == [(mbi(8), mbi(9), 1, "")]
    # One version of each claim: all current (CCLFA follows claim 42, CCLFB line 7001/3). Denial
    # code 1 (written right-justified) is paid, 0 denied.
    for file_type in ("CCLF1", "CCLF2", "CCLF3", "CCLF4", "CCLF5", "CCLF6", "CCLF7", "CCLFA", "CCLFB"):
        assert MODELS[file_type]._default_manager.get().is_current, file_type  # type: ignore[attr-defined]
    assert not models.PartBLine.objects.get().is_denied
    assert models.DMELine.objects.get().is_denied
    beneficiary_row = Beneficiary.objects.get()
    assert (
        beneficiary_row.mbi,
        beneficiary_row.first_name,
        beneficiary_row.last_name,
        beneficiary_row.birth_date,
        beneficiary_row.sex,
        beneficiary_row.zip_code,
        beneficiary_row.state,
        beneficiary_row.death_date,
        beneficiary_row.medicare_status,
        beneficiary_row.dual_status,
        beneficiary_row.part_a_start,
        beneficiary_row.part_b_start,
        beneficiary_row.as_of,
    ) == (
        M1,
        "MARY",
        "MUÑOZ",
        D(1950, 6, 15),
        "2",
        "21201",
        "MD",
        None,
        "10",
        "NA",
        D(2015, 6, 1),
        D(2016, 1, 1),
        aware(AT),
    )
    assert beneficiary_row.snapshot == models.BeneficiarySnapshot.objects.get()
    # The run's report: one record expected, checked and loaded per file.
    names = {paths[t].name for t in FIELDS}
    assert run.progress == {name: {"expected": 1, "parsed": 1, "loaded": 1} for name in names}
    assert run.error_count == 0
    assert run.message == "Loaded 11 files, 11 records, from 1 package: 1 monthly."
    assert set(CCLFFile.objects.values_list("name", flat=True)) == names


# --- netting -----------------------------------------------------------------------------------


def test_part_b_versions_are_netted_by_control_number_and_line(tmp_path: Path) -> None:

    def b(uniq: int, cntl: str, efctv: str, amount: str, line: int = 1, **kw: Any) -> str:
        return part_b(uniq, cntl, line, CLM_EFCTV_DT=efctv, CLM_LINE_CVRD_PD_AMT=amount, **kw)

    lines = [
        # C1: cancel after original -> void.
        b(100, "C1", "2026-04-10", "50.00"),
        b(101, "C1", "2026-04-20", "-50.00", **CANCEL),
        # C2: original -> adjustment -> adjustment, written last first: the last (effective 04-20) wins.
        b(202, "C2", "2026-04-20", "70.00", **ADJUST),
        b(200, "C2", "2026-04-10", "50.00"),
        b(201, "C2", "2026-04-15", "60.00", **ADJUST),
        # C3: cancel of an adjustment -> void.
        b(300, "C3", "2026-04-10", "50.00"),
        b(301, "C3", "2026-04-15", "65.00", **ADJUST),
        b(302, "C3", "2026-04-20", "-65.00", **CANCEL),
        # C4: exact tie on (effective date, claim id): the later-loaded record wins.
        b(400, "C4", "2026-04-10", "10.00"),
        b(400, "C4", "2026-04-10", "11.00"),
        # C5: the effective date ranks before the claim id.
        b(501, "C5", "2026-04-10", "10.00"),
        b(500, "C5", "2026-04-15", "12.00", **ADJUST),
        # C6: same effective date: the greater claim id wins, wherever it is in the file.
        b(601, "C6", "2026-04-10", "16.00", **ADJUST),
        b(600, "C6", "2026-04-10", "15.00"),
        # C7: two lines of one claim are two keys; line 2 is denied.
        b(700, "C7", "2026-04-10", "50.00"),
        b(700, "C7", "2026-04-10", "0.00", line=2, CLM_CARR_PMT_DNL_CD="0"),
        # C8: a cancellation with no original in the data -> nothing current.
        b(800, "C8", "2026-04-10", "-20.00", **CANCEL),
        # C9: only line 1 adjusted; line 2 stays as it was.
        b(900, "C9", "2026-04-10", "30.00"),
        b(900, "C9", "2026-04-10", "40.00", line=2),
        b(901, "C9", "2026-04-15", "35.00", **ADJUST),
    ]
    dme_lines = [
        dme(50, "D1", CLM_EFCTV_DT="2026-04-10", CLM_LINE_CVRD_PD_AMT="85.00"),
        dme(51, "D1", CLM_EFCTV_DT="2026-04-12", CLM_LINE_CVRD_PD_AMT="90.00", **ADJUST),
        dme(60, "D2", CLM_EFCTV_DT="2026-04-10"),
        dme(61, "D2", CLM_EFCTV_DT="2026-04-12", **CANCEL),
    ]
    run = ingest(_package(tmp_path, {"CCLF5": lines, "CCLF6": dme_lines}))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert current(models.PartBLine, "clm_cntl_num", "clm_line_num", "cur_clm_uniq_id", "clm_line_cvrd_pd_amt") == [
        ("C2", 1, 202, Decimal("70")),
        ("C4", 1, 400, Decimal("11")),
        ("C5", 1, 500, Decimal("12")),
        ("C6", 1, 601, Decimal("16")),
        ("C7", 1, 700, Decimal("50")),
        ("C7", 2, 700, Decimal("0")),
        ("C9", 1, 901, Decimal("35")),
        ("C9", 2, 900, Decimal("40")),
    ]
    assert models.PartBLine.objects.count() == len(lines)  # superseded versions are kept
    assert list(models.PartBLine.objects.filter(is_denied=True).values_list("clm_cntl_num", "clm_line_num")) == [
        ("C7", 2)
    ]
    assert current(models.DMELine, "clm_cntl_num", "cur_clm_uniq_id", "clm_line_cvrd_pd_amt") == [
        ("D1", 51, Decimal("90"))
    ]


def test_part_a_versions_are_netted_by_beneficiary_provider_dates_and_type(tmp_path: Path) -> None:
    k2 = {"CLM_FROM_DT": "2026-04-01", "CLM_THRU_DT": "2026-04-03"}
    k6 = {"CLM_FROM_DT": "2026-05-01", "CLM_THRU_DT": "2026-05-03"}
    headers = [
        # K1 (mbi 1, 210001, 03-01..03-05, type 60): original -> adjustment -> adjustment.
        part_a_header(1000, CLM_EFCTV_DT="2026-03-10", CLM_PMT_AMT="1000.00"),
        part_a_header(1002, CLM_EFCTV_DT="2026-03-30", CLM_PMT_AMT="1300.00", **ADJUST),
        part_a_header(1001, CLM_EFCTV_DT="2026-03-20", CLM_PMT_AMT="1200.00", **ADJUST),
        # K2: original then cancellation -> void.
        part_a_header(1100, CLM_EFCTV_DT="2026-04-10", **k2),
        part_a_header(1101, CLM_EFCTV_DT="2026-04-12", **k2, **CANCEL),
        # K1's dates and provider but outpatient (type 40), another beneficiary, another provider:
        # three more claims, each current on its own.
        part_a_header(1200, CLM_TYPE_CD=40, CLM_EFCTV_DT="2026-03-11"),
        part_a_header(1300, BENE_MBI_ID=mbi(2), CLM_EFCTV_DT="2026-03-11"),
        part_a_header(1500, PRVDR_OSCAR_NUM="210002", CLM_EFCTV_DT="2026-03-11"),
        # K6: original -> adjustment -> cancellation of the adjustment -> void.
        part_a_header(1400, CLM_EFCTV_DT="2026-05-05", **k6),
        part_a_header(1401, CLM_EFCTV_DT="2026-05-07", **k6, **ADJUST),
        part_a_header(1402, CLM_EFCTV_DT="2026-05-09", **k6, **CANCEL),
    ]
    revenue = [
        part_a_line(1000, 1, CLM_LINE_CVRD_PD_AMT="600.00"),
        part_a_line(1000, 2, CLM_LINE_CVRD_PD_AMT="400.00"),
        part_a_line(1001, 1, CLM_LINE_CVRD_PD_AMT="700.00"),
        part_a_line(1001, 2, CLM_LINE_CVRD_PD_AMT="500.00"),
        part_a_line(1002, 1, CLM_LINE_CVRD_PD_AMT="800.00"),
        part_a_line(1002, 2, CLM_LINE_CVRD_PD_AMT="500.00"),
        part_a_line(1100, 1),
        part_a_line(1101, 1),
        part_a_line(1200, 1),
        part_a_line(1401, 1),
    ]
    procedures = [procedure(1000), procedure(1001), procedure(1002), procedure(1401)]
    diagnoses = [diagnosis(1000, 1), diagnosis(1000, 2), diagnosis(1002, 1), diagnosis(1101, 1), diagnosis(1300, 1)]
    files = {"CCLF1": headers, "CCLF2": revenue, "CCLF3": procedures, "CCLF4": diagnoses}
    run = ingest(_package(tmp_path, files))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert current(models.PartAClaim, "cur_clm_uniq_id", "clm_pmt_amt") == [
        (1002, Decimal("1300")),
        (1200, Decimal("1000")),
        (1300, Decimal("1000")),
        (1500, Decimal("1000")),
    ]
    # The lines, procedures and diagnoses follow their header's claim id.
    assert current(models.PartARevenueLine, "cur_clm_uniq_id", "clm_line_num", "clm_line_cvrd_pd_amt") == [
        (1002, 1, Decimal("800")),
        (1002, 2, Decimal("500")),
        (1200, 1, Decimal("100")),
    ]
    assert current(models.PartAProcedure, "cur_clm_uniq_id") == [(1002,)]
    assert current(models.PartADiagnosis, "cur_clm_uniq_id", "clm_val_sqnc_num") == [(1002, 1), (1300, 1)]


def test_part_d_events_are_netted_by_pharmacy_prescription_date_and_fill(tmp_path: Path) -> None:
    events = [
        # Rx 5001 fill 1: original then adjustment.
        part_d(3000, 5001, CLM_EFCTV_DT="2026-05-02", CLM_LINE_BENE_PMT_AMT="25.00"),
        part_d(3001, 5001, CLM_EFCTV_DT="2026-05-09", CLM_LINE_BENE_PMT_AMT="20.00", **ADJUST),
        # Rx 5001 fill 2, and fill 1 at another pharmacy, and fill 1 on another date: other keys.
        part_d(3002, 5001, CLM_LINE_RX_FILL_NUM="2", CLM_LINE_FROM_DT="2026-05-31"),
        part_d(3200, 5001, CLM_SRVC_PRVDR_GNRC_ID_NUM="1999999992"),
        part_d(3300, 5001, CLM_LINE_FROM_DT="2026-06-01"),
        # Rx 5002: original, adjustment, cancellation of the adjustment -> void.
        part_d(3100, 5002, CLM_EFCTV_DT="2026-05-02"),
        part_d(3101, 5002, CLM_EFCTV_DT="2026-05-03", **ADJUST),
        part_d(3102, 5002, CLM_EFCTV_DT="2026-05-04", **CANCEL),
    ]
    run = ingest(_package(tmp_path, {"CCLF7": events}))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert current(models.PartDEvent, "cur_clm_uniq_id", "clm_line_bene_pmt_amt") == [
        (3001, Decimal("20")),
        (3002, Decimal("25")),
        (3200, Decimal("25")),
        (3300, Decimal("25")),
    ]


@pytest.mark.parametrize("together", [True, False], ids=["one-run", "two-runs"])
def test_a_run_out_package_repeating_claims_is_not_double_counted(tmp_path: Path, together: bool) -> None:
    first = {
        "CCLF1": [part_a_header(2000, CLM_PMT_AMT="500.00")],
        "CCLF2": [
            part_a_line(2000, 1, CLM_LINE_CVRD_PD_AMT="300.00"),
            part_a_line(2000, 2, CLM_LINE_CVRD_PD_AMT="200.00"),
        ],
        "CCLF4": [diagnosis(2000, 1)],
        "CCLF5": [part_b(1000, "C10", CLM_LINE_CVRD_PD_AMT="50.00"), part_b(1100, "C11", CLM_LINE_CVRD_PD_AMT="20.00")],
        "CCLF7": [part_d(4000, 6001)],
    }
    # The run-out package, dated a month later, sends claim C10, the Part A claim (header, lines,
    # diagnosis) and the Part D event again record for record, adjusts C11, and adds claims of its
    # own (so no file is the same bytes as one already loaded).
    second = {
        "CCLF1": [*first["CCLF1"], part_a_header(2100, CLM_FROM_DT="2026-06-01", CLM_THRU_DT="2026-06-02")],
        "CCLF2": [*first["CCLF2"], part_a_line(2100, 1)],
        "CCLF4": [*first["CCLF4"], diagnosis(2100, 1)],
        "CCLF5": [
            first["CCLF5"][0],
            part_b(1101, "C11", CLM_EFCTV_DT="2026-05-10", CLM_LINE_CVRD_PD_AMT="25.00", **ADJUST),
        ],
        "CCLF7": [*first["CCLF7"], part_d(4100, 6002)],
    }
    folder = tmp_path / "delivery"
    write_package(folder / ("a" if together else "first"), first, produced_at=DAY)
    write_package(folder / ("b" if together else "second"), second, produced_at=LATER)
    if together:
        runs = [ingest(folder)]
    else:
        runs = [ingest(folder / "first"), ingest(folder / "second")]
    assert [r.status for r in runs] == [IngestRun.Status.SUCCEEDED] * len(runs), [errors_of(r) for r in runs]
    assert models.PartBLine.objects.count() == 4  # every version kept
    assert current(models.PartBLine, "clm_cntl_num", "cur_clm_uniq_id", "clm_line_cvrd_pd_amt") == [
        ("C10", 1000, Decimal("50")),
        ("C11", 1101, Decimal("25")),
    ]
    assert models.PartAClaim.objects.count() == 3
    assert current(models.PartAClaim, "cur_clm_uniq_id", "clm_pmt_amt") == [
        (2000, Decimal("500")),
        (2100, Decimal("1000")),
    ]
    # One current copy of each revenue line: the claim's 500.00, not 1,000.00 and not nothing.
    assert current(models.PartARevenueLine, "cur_clm_uniq_id", "clm_line_num", "clm_line_cvrd_pd_amt") == [
        (2000, 1, Decimal("300")),
        (2000, 2, Decimal("200")),
        (2100, 1, Decimal("100")),
    ]
    assert current(models.PartADiagnosis, "cur_clm_uniq_id", "clm_val_sqnc_num") == [(2000, 1), (2100, 1)]
    assert current(models.PartDEvent, "cur_clm_uniq_id") == [(4000,), (4100,)]


# --- MBI chains --------------------------------------------------------------------------------


def test_a_three_hop_chain_brings_every_mbi_to_the_newest(tmp_path: Path) -> None:
    a, b, c, d = mbi(11), mbi(12), mbi(13), mbi(14)
    files = {
        # A -> B -> C -> D, written out of order.
        "CCLF9": [xref(c, d), xref(a, b), xref(b, c)],
        "CCLF8": [beneficiary(c, BENE_1ST_NAME="JUNE")],
        # The same stay filed under A (original) and C (adjustment): one Part A claim once both
        # MBIs are replaced by D.
        "CCLF1": [
            part_a_header(7000, BENE_MBI_ID=a, CLM_EFCTV_DT="2026-03-10", CLM_PMT_AMT="1000.00"),
            part_a_header(
                7001, BENE_MBI_ID=c, CLM_EFCTV_DT="2026-03-20", CLM_PMT_AMT="1100.00", CLM_ADJSMT_TYPE_CD="2"
            ),
        ],
        "CCLF5": [part_b(1, "H1", BENE_MBI_ID=a), part_b(2, "H2", BENE_MBI_ID=b), part_b(3, "H3", BENE_MBI_ID=c)]
        + [part_b(4, "H4", BENE_MBI_ID=d)],
    }
    run = ingest(_package(tmp_path, files))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert sorted(MBIMap.objects.values_list("mbi", "current_mbi", "hops", "problem")) == [
        (a, d, 3, ""),
        (b, d, 2, ""),
        (c, d, 1, ""),
    ]
    assert sorted(models.PartBLine.objects.values_list("bene_mbi_id", "current_mbi")) == [
        (a, d),
        (b, d),
        (c, d),
        (d, d),
    ]
    assert set(models.MBIXref.objects.values_list("current_mbi", flat=True)) == {d}
    assert current(models.PartAClaim, "cur_clm_uniq_id", "current_mbi") == [(7001, d)]
    assert list(Beneficiary.objects.values_list("mbi", "first_name")) == [(d, "JUNE")]


def test_a_cycle_is_reported_and_its_mbis_are_not_guessed(tmp_path: Path) -> None:
    x, y, z = mbi(21), mbi(22), mbi(23)
    files = {
        "CCLF9": [xref(x, y), xref(y, x)],
        "CCLF8": [beneficiary(x), beneficiary(z)],
        "CCLF5": [part_b(1, "X1", BENE_MBI_ID=x), part_b(2, "Y1", BENE_MBI_ID=y), part_b(3, "Z1", BENE_MBI_ID=z)],
    }
    run = ingest(_package(tmp_path, files))
    # A cycle is a data error for those beneficiaries, not for the package.
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert "2 MBI(s) could not be resolved" in run.message
    assert f"{x}: CCLF9 links form a cycle" in run.message and f"{y}: CCLF9 links form a cycle" in run.message
    assert sorted(models.PartBLine.objects.values_list("clm_cntl_num", "current_mbi")) == [
        ("X1", ""),
        ("Y1", ""),
        ("Z1", z),
    ]
    assert sorted(MBIMap.objects.values_list("mbi", "current_mbi")) == [(x, ""), (y, "")]
    assert all("cycle" in p for p in MBIMap.objects.values_list("problem", flat=True))
    assert list(Beneficiary.objects.values_list("mbi", flat=True)) == [z]


def test_a_later_link_moves_rows_already_loaded_and_nets_part_a_again(tmp_path: Path) -> None:
    p, q = mbi(31), mbi(32)
    first = {
        "CCLF8": [beneficiary(p, BENE_1ST_NAME="ANNA")],
        "CCLF1": [part_a_header(8000, BENE_MBI_ID=p, CLM_EFCTV_DT="2026-03-10", CLM_PMT_AMT="1000.00")],
        "CCLF2": [part_a_line(8000, 1, BENE_MBI_ID=p)],
        "CCLF5": [part_b(1, "P1", BENE_MBI_ID=p)],
    }
    run1 = ingest(_package(tmp_path / "first", first))
    assert run1.status == IngestRun.Status.SUCCEEDED, errors_of(run1)
    assert current(models.PartAClaim, "cur_clm_uniq_id", "current_mbi") == [(8000, p)]
    assert list(Beneficiary.objects.values_list("mbi", flat=True)) == [p]

    # A month later: P is replaced by Q, and the stay comes back adjusted under Q. No CCLF8.
    second = {
        "CCLF9": [xref(p, q)],
        "CCLF1": [
            part_a_header(8001, BENE_MBI_ID=q, CLM_EFCTV_DT="2026-03-20", CLM_PMT_AMT="1100.00", CLM_ADJSMT_TYPE_CD="2")
        ],
        "CCLF2": [part_a_line(8001, 1, BENE_MBI_ID=q)],
    }
    run2 = ingest(_package(tmp_path / "second", second, produced_at=LATER))
    assert run2.status == IngestRun.Status.SUCCEEDED, errors_of(run2)
    assert list(models.PartBLine.objects.values_list("current_mbi", flat=True)) == [q]
    assert sorted(models.PartAClaim.objects.values_list("cur_clm_uniq_id", "current_mbi", "is_current")) == [
        (8000, q, False),
        (8001, q, True),
    ]
    assert current(models.PartARevenueLine, "cur_clm_uniq_id") == [(8001,)]
    assert models.BeneficiarySnapshot.objects.get().current_mbi == q
    # The beneficiary is now known by Q, from the snapshot loaded under P.
    assert list(Beneficiary.objects.values_list("mbi", "first_name")) == [(q, "ANNA")]


def test_a_chain_extended_later_moves_rows_two_links_back(tmp_path: Path) -> None:
    a, b, c = mbi(41), mbi(42), mbi(43)
    run1 = ingest(_package(tmp_path / "jan", {"CCLF9": [xref(a, b)], "CCLF5": [part_b(1, "E1", BENE_MBI_ID=a)]}))
    assert run1.status == IngestRun.Status.SUCCEEDED, errors_of(run1)
    assert models.PartBLine.objects.get().current_mbi == b
    # February: B is replaced by C. The row filed under A (current B until now) follows to C.
    files = {"CCLF9": [xref(b, c)], "CCLF5": [part_b(2, "E2", BENE_MBI_ID=b)]}
    run2 = ingest(_package(tmp_path / "feb", files, produced_at=LATER))
    assert run2.status == IngestRun.Status.SUCCEEDED, errors_of(run2)
    assert sorted(models.PartBLine.objects.values_list("clm_cntl_num", "current_mbi")) == [("E1", c), ("E2", c)]
    assert sorted(MBIMap.objects.values_list("mbi", "current_mbi", "hops")) == [(a, c, 2), (b, c, 1)]


# --- bad input: rejected whole, with file, line, field, value and reason -------------------------


def _package(folder: Path, files: dict[str, list[str]], **kw: Any) -> Path:
    write_package(folder, files, **kw)
    return folder


def _good_files() -> dict[str, list[str]]:
    return {
        "CCLF9": [xref(mbi(8), mbi(9))],
        "CCLF8": [beneficiary(mbi(1))],
        "CCLF1": [part_a_header(42)],
        "CCLF2": [part_a_line(42, 1)],
        "CCLF5": [part_b(1, "B1"), part_b(2, "B2")],
        "CCLF7": [part_d(9001, 123456)],
    }


def _set(files: dict[str, list[str]], file_type: str, index: int, field: str, raw: str) -> None:
    files[file_type][index] = splice(files[file_type][index], file_type, field, raw)


def _wrong_length(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    files["CCLF5"][1] += "X"


def _bad_date(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    _set(files, "CCLF5", 0, "CLM_LINE_FROM_DT", "2025-02-30")


def _bad_amount(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    _set(files, "CCLF1", 0, "CLM_PMT_AMT", "12,50")


def _bad_whole_number(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    _set(files, "CCLF2", 0, "CLM_LINE_NUM", "00000000A1")


def _unknown_adjustment(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    _set(files, "CCLF7", 0, "CLM_ADJSMT_TYPE_CD", "7")


def _unknown_sex(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    _set(files, "CCLF8", 0, "BENE_SEX_CD", "9")


def _unknown_claim_type(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    _set(files, "CCLF1", 0, "CLM_TYPE_CD", "71")


def _missing_key(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    _set(files, "CCLF5", 1, "CLM_CNTL_NUM", "")


def _count_mismatch(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    kw["counts"] = {t: len(lines) for t, lines in files.items()} | {"CCLF5": 3}


def _listed_but_missing(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    kw["counts"] = {t: len(lines) for t, lines in files.items()} | {"CCLF6": 1}


def _not_listed(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    kw["counts"] = {t: len(lines) for t, lines in files.items() if t != "CCLF7"}


def _no_cclf0(files: dict[str, list[str]], kw: dict[str, Any]) -> None:
    kw["cclf0"] = False


N0, N1, N2, N5, N7, N8 = (file_name(t) for t in ("CCLF0", "CCLF1", "CCLF2", "CCLF5", "CCLF7", "CCLF8"))


def stands(file_type: str, field: str, raw: str) -> str:
    """A value as it stands in the record: what ``splice`` wrote, padded to the field's width."""
    return raw.ljust(layout(file_type).field(field).length)


BAD_INPUT = {
    "wrong-length": (
        _wrong_length,
        (N5, 2, "record length", "389 characters", "a CCLF5 record is 388 characters long"),
    ),
    "bad-date": (_bad_date, (N5, 1, "CLM_LINE_FROM_DT", "2025-02-30", "is not a date (YYYY-MM-DD)")),
    "bad-amount": (_bad_amount, (N1, 1, "CLM_PMT_AMT", stands("CCLF1", "CLM_PMT_AMT", "12,50"), "is not a number")),
    "bad-whole-number": (_bad_whole_number, (N2, 1, "CLM_LINE_NUM", "00000000A1", "is not a whole number")),
    # In CCLF7, the last file loaded: everything before it must be rolled back.
    "unknown-adjustment-code": (
        _unknown_adjustment,
        (N7, 1, "CLM_ADJSMT_TYPE_CD", "7 ", "is not a known code (0, 1, 2)"),
    ),
    "unknown-sex-code": (_unknown_sex, (N8, 1, "BENE_SEX_CD", "9", "is not a known code (0, 1, 2)")),
    "unknown-claim-type": (
        _unknown_claim_type,
        (N1, 1, "CLM_TYPE_CD", "71", "is not a known code (10, 20, 30, 40, 50, 60, 61)"),
    ),
    "missing-key": (_missing_key, (N5, 2, "CLM_CNTL_NUM", " " * 40, "is required")),
    "count-mismatch": (_count_mismatch, (N5, None, "record count", "2", "CCLF0 says 3 records; the file has 2")),
    # A right-justified code is code 7 all the same: the value is shown as it stands.
    "right-justified-unknown-code": (
        lambda files, kw: _set(files, "CCLF7", 0, "CLM_ADJSMT_TYPE_CD", " 7"),
        (N7, 1, "CLM_ADJSMT_TYPE_CD", " 7", "is not a known code (0, 1, 2)"),
    ),
    "hicn-indicator-blank": (
        lambda files, kw: _set(files, "CCLF9", 0, "HICN_MBI_XREF_IND", " "),
        (file_name("CCLF9"), 1, "HICN_MBI_XREF_IND", " ", "is not a known code (H, M)"),
    ),
    "listed-but-missing": (
        _listed_but_missing,
        (N0, None, "file", "CCLF6", "is listed in CCLF0 but not in the package"),
    ),
    "not-listed": (_not_listed, (N7, None, "file", "CCLF7", "is not listed in CCLF0")),
    "no-cclf0": (_no_cclf0, ("P.L9001.ACO.ZC*Y27.D270115", None, "CCLF0", "", "the package has no CCLF0 summary file")),
}


def assert_nothing_loaded(run: IngestRun) -> None:
    assert run.status == IngestRun.Status.FAILED
    assert set(row_counts().values()) == {0}, row_counts()
    plural = "s" if run.error_count != 1 else ""
    assert run.message.startswith(f"Rejected: {run.error_count} problem{plural} found; nothing was loaded.")
    assert IngestError.objects.filter(run=run).count() == run.error_count > 0
    assert cache.get(PROGRESS_KEY.format(run.pk)) is None


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_rejected_whole_with_where_and_why(tmp_path: Path, case: str) -> None:
    change, expected = BAD_INPUT[case]
    files, kw = _good_files(), dict[str, Any]()
    change(files, kw)
    run = ingest(_package(tmp_path / "pkg", files, **kw))
    assert errors_of(run) == [expected]
    assert_nothing_loaded(run)


def test_a_wrong_record_length_in_cclf0_is_an_error(tmp_path: Path) -> None:
    paths = write_package(tmp_path / "pkg", _good_files())
    # CCLF5 records are 388 characters; this CCLF0 says 389.
    paths["CCLF0"].write_text(paths["CCLF0"].read_text().replace("|  388\n", "|  389\n"))
    run = ingest(tmp_path / "pkg")
    reason = (
        "CCLF0 gives CCLF5 records of 389 characters; the current CCLF5 layout is 388 characters long "
        "(another layout version?)"
    )
    assert errors_of(run) == [(N0, None, "RecordLength", "389", reason)]
    assert_nothing_loaded(run)


def test_every_error_of_every_file_is_reported(tmp_path: Path) -> None:
    files = _good_files()
    _bad_date(files, {})
    _unknown_adjustment(files, {})
    _set(files, "CCLF5", 1, "CLM_LINE_CVRD_PD_AMT", "abc")
    run = ingest(_package(tmp_path / "pkg", files))
    assert errors_of(run) == [
        (N5, 1, "CLM_LINE_FROM_DT", "2025-02-30", "is not a date (YYYY-MM-DD)"),
        (N5, 2, "CLM_LINE_CVRD_PD_AMT", stands("CCLF5", "CLM_LINE_CVRD_PD_AMT", "abc"), "is not a number"),
        (N7, 1, "CLM_ADJSMT_TYPE_CD", "7 ", "is not a known code (0, 1, 2)"),
    ]
    assert_nothing_loaded(run)


def test_a_folder_without_cclf_files_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "readme.txt").write_text("nothing here\n")
    run = ingest(folder)
    reason = "no CCLF files were found (names like P.<ACO>.ACO.ZC5Y27.D270115.T1200000, or ZC5R26 for a run-out file)"
    assert errors_of(run) == [(str(folder), None, "file", "", reason)]
    assert run.report["skipped"] == [
        {
            "name": "readme.txt",
            "reason": "not a CCLF file name (P.<ACO>.ACO.ZC<n>Y<yy>.D<yymmdd>.T<hhmmsst>, or ZC<n>R<yy> for a "
            "run-out file)",
        }
    ]
    assert "1 file of the upload was not loaded (listed with the reason)." in run.message
    assert_nothing_loaded(run)


def test_a_bad_package_rolls_back_a_good_one_loaded_with_it(tmp_path: Path) -> None:
    write_package(tmp_path / "all" / "jan", _good_files(), produced_at=DAY)
    bad = _good_files()
    _missing_key(bad, {})
    write_package(tmp_path / "all" / "feb", bad, produced_at=LATER)
    run = ingest(tmp_path / "all")
    assert errors_of(run) == [(file_name("CCLF5", LATER), 2, "CLM_CNTL_NUM", " " * 40, "is required")]
    assert_nothing_loaded(run)


def test_after_a_rejection_the_corrected_package_loads(tmp_path: Path) -> None:
    files = _good_files()
    _bad_date(files, {})
    rejected = ingest(_package(tmp_path / "bad", files))
    assert rejected.status == IngestRun.Status.FAILED
    # The good files of the rejected package left no file hash behind: the same bytes load now.
    run = ingest(_package(tmp_path / "good", _good_files()))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert models.PartBLine.objects.count() == 2
    assert IngestError.objects.filter(run=rejected).count() == 1  # the first run's report is kept


# --- reloading, zip, CRLF ----------------------------------------------------------------------


def test_a_run_already_claimed_is_not_loaded_twice(tmp_path: Path) -> None:
    folder = _package(tmp_path / "pkg", _good_files())
    run = ingest(folder)
    counts = row_counts()
    # A redelivered task for the same run finds it claimed and does nothing.
    again = services.ingest_run_execute(run_id=run.pk, path=folder)
    assert (again.pk, again.status) == (run.pk, IngestRun.Status.SUCCEEDED)
    assert row_counts() == counts


def test_only_cms_admins_may_request_a_load(cms_reviewer: User, cms_admin: User) -> None:
    with pytest.raises(PermissionDenied):
        services.ingest_run_create(source="x.zip", acting_user=cms_reviewer, queue=False)
    run = services.ingest_run_create(source="x.zip", acting_user=cms_admin, queue=False)
    assert (run.status, run.created_by) == (IngestRun.Status.REQUESTED, cms_admin)


def test_a_zip_that_is_not_a_zip_finds_no_cclf_files(tmp_path: Path) -> None:
    path = tmp_path / "package.zip"
    path.write_bytes(b"not a zip at all")
    run = ingest(path)
    assert [(e[0], e[2], e[4][:24]) for e in errors_of(run)] == [(str(path), "file", "no CCLF files were found")]
    assert_nothing_loaded(run)


def test_loading_the_same_bytes_again_changes_nothing(tmp_path: Path) -> None:
    folder = _package(tmp_path / "pkg", _good_files())
    first = ingest(folder)
    assert first.status == IngestRun.Status.SUCCEEDED, errors_of(first)
    counts = row_counts()
    currents = current(models.PartBLine, "id")
    assert counts["CCLF5"] == 2 and counts["files"] == 6
    again = ingest(folder)
    assert again.status == IngestRun.Status.UNCHANGED
    assert again.message == "These files were already loaded (same bytes); nothing changed."
    assert row_counts() == counts
    assert current(models.PartBLine, "id") == currents
    assert not again.files.exists()


def test_a_package_with_some_files_already_loaded_loads_the_rest(tmp_path: Path) -> None:
    files = _good_files()
    ingest(_package(tmp_path / "first", files))
    files["CCLF5"] = [part_b(3, "B3")]  # a new CCLF5; the other files are the same bytes
    run = ingest(_package(tmp_path / "second", files))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert run.message.startswith("Loaded 1 file, 1 record, from 1 package: 1 monthly.")
    skipped = {s["name"]: s["reason"] for s in run.report["skipped"]}
    assert set(skipped) == {file_name(t) for t in ("CCLF9", "CCLF8", "CCLF1", "CCLF2", "CCLF7")}
    assert skipped[file_name("CCLF8")].startswith(f"already loaded (the same bytes as {file_name('CCLF8')}, load #")
    assert sorted(models.PartBLine.objects.values_list("clm_cntl_num", flat=True)) == ["B1", "B2", "B3"]
    assert models.PartAClaim.objects.count() == 1


def test_a_zip_loads_like_the_folder(tmp_path: Path) -> None:
    folder = _package(tmp_path / "pkg", _good_files())
    archive = zip_folder(folder, tmp_path / "package.zip", prefix="delivery/2027-01/")
    run = ingest(archive)
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    counts = row_counts()
    assert (counts["CCLF5"], counts["CCLF1"], counts["CCLF9"], counts["files"]) == (2, 1, 1, 6)
    # The folders inside the zip are not part of the names.
    assert set(CCLFFile.objects.values_list("name", flat=True)) == {p.name for p in folder.iterdir()} - {N0}


def test_crlf_line_ends_load_the_same_values(tmp_path: Path) -> None:
    files = _good_files()
    # Text up to the end of the record, where a CR would stick.
    files["CCLF9"] = [xref(mbi(8), mbi(9), BENE_RRB_NUM="RRB123456789")]
    files["CCLF5"] = [part_b(1, "B1", CLM_CNTRCTR_NUM="12502"), part_b(2, "B2", CLM_CNTRCTR_NUM="12502")]
    run = ingest(_package(tmp_path / "pkg", files, newline="\r\n"))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    # The last field of each record carries no CR.
    assert models.MBIXref.objects.get().bene_rrb_num == "RRB123456789"
    assert sorted(models.PartBLine.objects.values_list("clm_cntl_num", "clm_cntrctr_num")) == [
        ("B1", "12502"),
        ("B2", "12502"),
    ]
    assert CCLFFile.objects.count() == 6


# --- real-file variation, layout versions, the error report's truth ------------------------------


def test_records_with_stripped_trailing_blanks_are_padded_back_and_counted(tmp_path: Path) -> None:
    files = _good_files()
    # Both CCLF5 records end in blank fields (modifiers, diagnoses, NPIs...): strip them.
    files["CCLF5"] = [line.rstrip() for line in files["CCLF5"]]
    assert all(len(line) < 388 for line in files["CCLF5"])
    files["CCLF9"] = [xref(mbi(8), mbi(9)).rstrip()]  # ends at PRVS_ID_EFCTV_DT (33 characters)
    run = ingest(_package(tmp_path / "pkg", files))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert sorted(models.PartBLine.objects.values_list("clm_cntl_num", "clm_line_cvrd_pd_amt", "clm_cntrctr_num")) == [
        ("B1", Decimal("50"), ""),
        ("B2", Decimal("50"), ""),
    ]
    assert models.MBIXref.objects.get().prvs_id_obslt_dt is None
    assert {
        "file": file_name("CCLF5"),
        "note": "2 records had trailing blanks stripped; padded back to the layout length",
    } in run.report["notes"]
    assert {
        "file": file_name("CCLF9"),
        "note": "1 record had trailing blanks stripped; padded back to the layout length",
    } in run.report["notes"]


def test_crlf_no_final_newline_and_empty_last_lines_are_noted(tmp_path: Path) -> None:
    paths = write_package(tmp_path / "pkg", _good_files(), newline="\r\n")
    paths["CCLF5"].write_bytes(paths["CCLF5"].read_bytes().rstrip(b"\r\n"))  # no line end after the last
    paths["CCLF1"].write_bytes(paths["CCLF1"].read_bytes() + b"\r\n\r\n")  # two empty lines at the end
    run = ingest(tmp_path / "pkg")
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    notes = {(n["file"], n["note"]) for n in run.report["notes"]}
    assert (file_name("CCLF5"), "CRLF line ends (1 record)") in notes
    assert (file_name("CCLF5"), "no newline after the last record") in notes
    assert (file_name("CCLF1"), "2 empty lines at the end, ignored") in notes
    assert models.PartBLine.objects.count() == 2


def test_an_empty_line_between_records_is_an_error(tmp_path: Path) -> None:
    files = _good_files()
    files["CCLF5"].insert(1, "")
    run = ingest(_package(tmp_path / "pkg", files, counts={t: len(v) for t, v in _good_files().items()}))
    assert errors_of(run) == [(N5, 2, "record", "", "is an empty line: no record")]
    assert_nothing_loaded(run)


def test_a_file_in_the_layout_before_2022_is_named_and_not_read(tmp_path: Path) -> None:
    files = _good_files()
    # CCLF1 records of 292 characters, as CMS wrote them before January 2022, with a CCLF0 giving the
    # current length (437): the file is named as the earlier version, its records are not misread.
    files["CCLF1"] = [part_a_header(42)[:292]]
    run = ingest(_package(tmp_path / "pkg", files))
    reason = (
        "every record is 292 characters long: the CCLF1 layout used before January 2022. This portal reads the "
        "current layout (437 characters); the file was not read"
    )
    assert errors_of(run) == [(N1, None, "record length", "292 characters", reason)]
    assert_nothing_loaded(run)


def test_a_cclf0_giving_the_length_before_2022_names_the_version(tmp_path: Path) -> None:
    paths = write_package(tmp_path / "pkg", _good_files())
    paths["CCLF0"].write_text(paths["CCLF0"].read_text().replace("|  437\n", "|  292\n"))
    run = ingest(tmp_path / "pkg")
    reason = (
        "CCLF0 gives CCLF1 records of 292 characters: the layout used before January 2022. This portal reads the "
        "current layout (437 characters, CCLF Information Packet v38); ask for the package in the current layout"
    )
    assert errors_of(run) == [(N0, None, "RecordLength", "292", reason)]
    assert_nothing_loaded(run)


def test_the_report_counts_every_problem_and_lists_the_first_thousand(tmp_path: Path) -> None:
    files = _good_files()
    # 1,200 Part B lines, each with an impossible date and a blank control number: 2,400 problems.
    files["CCLF5"] = [
        splice(splice(part_b(n, f"C{n}"), "CCLF5", "CLM_LINE_FROM_DT", "2026-02-30"), "CCLF5", "CLM_CNTL_NUM", "")
        for n in range(1, 1201)
    ]
    run = ingest(_package(tmp_path / "pkg", files))
    assert run.status == IngestRun.Status.FAILED
    assert run.error_count == 2400
    assert run.errors.count() == 1000
    assert run.message == "Rejected: 2,400 problems found (the first 1,000 are listed); nothing was loaded."
    # The first rows are in file order: line 1's two problems, then line 2's.
    assert [(e[1], e[2]) for e in errors_of(run)[:4]] == [
        (1, "CLM_LINE_FROM_DT"),
        (1, "CLM_CNTL_NUM"),
        (2, "CLM_LINE_FROM_DT"),
        (2, "CLM_CNTL_NUM"),
    ]


def test_hicn_rows_of_the_crosswalk_are_kept_but_link_no_one(tmp_path: Path) -> None:
    files = _good_files()
    # An H row links an old HICN to an MBI; if it were used, claims filed under mbi(5) would move.
    files["CCLF9"] = [xref(mbi(8), mbi(9)), xref(mbi(5), mbi(6), HICN_MBI_XREF_IND="H")]
    files["CCLF5"] = [part_b(1, "B1", BENE_MBI_ID=mbi(5)), part_b(2, "B2", BENE_MBI_ID=mbi(8))]
    run = ingest(_package(tmp_path / "pkg", files))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert models.MBIXref.objects.count() == 2
    assert list(MBIMap.objects.values_list("mbi", "current_mbi")) == [(mbi(8), mbi(9))]
    assert sorted(models.PartBLine.objects.values_list("clm_cntl_num", "current_mbi")) == [
        ("B1", mbi(5)),
        ("B2", mbi(9)),
    ]
    assert {
        "file": file_name("CCLF9"),
        "note": "1 HICN link (indicator H) kept; only MBI links (M) are used to merge beneficiaries",
    } in run.report["notes"]


def test_a_second_file_of_the_same_type_in_a_package_is_listed_not_loaded(tmp_path: Path) -> None:
    paths = write_package(tmp_path / "pkg", _good_files())
    extra = tmp_path / "pkg" / "copy" / paths["CCLF5"].name
    extra.parent.mkdir()
    extra.write_text(part_b(9, "B9") + "\n")
    run = ingest(tmp_path / "pkg")
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert run.report["skipped"] == [
        {
            "name": N5,
            "reason": f"a second CCLF5 in package P.L9001.ACO.ZC*Y27.D270115 (loaded: {N5})",
        }
    ]
    assert "1 file of the upload was not loaded (listed with the reason)." in run.message


# --- run-out packages and the BE/demo code files ---------------------------------------------------


def test_a_run_out_package_is_recognised_loaded_and_netted_with_the_year(tmp_path: Path) -> None:
    monthly = {"CCLF5": [part_b(100, "C1", CLM_LINE_CVRD_PD_AMT="50.00"), part_b(200, "C2")]}
    # The run-out of PY2027, sent in April 2028: C1 adjusted, C2 cancelled, a late claim C3.
    runout = {
        "CCLF5": [
            part_b(101, "C1", CLM_EFCTV_DT="2027-02-01", CLM_LINE_CVRD_PD_AMT="55.00", **ADJUST),
            part_b(201, "C2", CLM_EFCTV_DT="2027-02-01", CLM_LINE_CVRD_PD_AMT="-50.00", **CANCEL),
            part_b(300, "C3", CLM_FROM_DT="2027-12-30", CLM_LINE_FROM_DT="2027-12-30"),
        ]
    }
    april = datetime.datetime(2028, 4, 2, 4, 15, 30)
    write_package(tmp_path / "d" / "monthly", monthly, produced_at=DAY)
    paths = write_package(tmp_path / "d" / "runout", runout, produced_at=april, runout=True)
    assert paths["CCLF5"].name == "P.L9001.ACO.ZC5R27.D280402.T0415300"
    run = ingest(tmp_path / "d")
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert current(models.PartBLine, "clm_cntl_num", "cur_clm_uniq_id", "clm_line_cvrd_pd_amt") == [
        ("C1", 101, Decimal("55")),
        ("C3", 300, Decimal("50")),
    ]
    assert sorted(CCLFFile.objects.values_list("name", "runout", "package", "performance_year")) == [
        ("P.L9001.ACO.ZC5R27.D280402.T0415300", True, "P.L9001.ACO.ZC*R27.D280402", 2027),
        ("P.L9001.ACO.ZC5Y27.D270115.T1200000", False, "P.L9001.ACO.ZC*Y27.D270115", 2027),
    ]
    assert [(p["label"], p["runout"], p["performance_year"]) for p in run.report["packages"]] == [
        ("P.L9001.ACO.ZC*Y27.D270115", False, 2027),
        ("P.L9001.ACO.ZC*R27.D280402", True, 2027),
    ]
    assert (
        run.message
        == "Loaded 2 files, 5 records, from 2 packages: 1 monthly and 1 run-out (P.L9001.ACO.ZC*R27.D280402)."
    )


def test_be_and_demo_codes_follow_their_claims_versions(tmp_path: Path) -> None:
    first = {
        "CCLF1": [part_a_header(1000, CLM_EFCTV_DT="2026-03-10")],
        "CCLFA": [benefit_a(1000, CLM_NGACO_SNF_WVR_SW="Y", CLM_PBP_RDCTN_AMT="100.00")],
        "CCLF5": [part_b(10, "T1", CLM_EFCTV_DT="2026-04-10"), part_b(20, "T2")],
        "CCLF6": [dme(30, "D1")],
        "CCLFB": [
            benefit_b(10, CLM_LINE_NGACO_TLHLTH_SW="Y", CLM_PBP_RDCTN_AMT="5.00"),
            benefit_b(20, CLM_LINE_NGACO_TLHLTH_SW="Y"),
            benefit_b(30, CLM_TYPE_CD=82, CLM_PBP_RDCTN_AMT="2.00"),
        ],
    }
    run1 = ingest(_package(tmp_path / "jan", first))
    assert run1.status == IngestRun.Status.SUCCEEDED, errors_of(run1)
    assert current(models.PartABenefitCodes, "cur_clm_uniq_id") == [(1000,)]
    assert current(models.PartBBenefitCodes, "cur_clm_uniq_id", "clm_line_num") == [(10, 1), (20, 1), (30, 1)]
    # A month later: the Part A claim and T1 are adjusted (new claim ids, new codes rows), T2's codes
    # are sent again byte for byte with a repeat of its line, D1 is cancelled.
    second = {
        "CCLF1": [part_a_header(1001, CLM_EFCTV_DT="2026-03-20", **ADJUST)],
        "CCLFA": [benefit_a(1001, CLM_NGACO_SNF_WVR_SW="Y", CLM_PBP_RDCTN_AMT="120.00")],
        "CCLF5": [part_b(11, "T1", CLM_EFCTV_DT="2026-04-20", **ADJUST), part_b(20, "T2")],
        "CCLF6": [dme(31, "D1", CLM_EFCTV_DT="2026-04-20", **CANCEL)],
        "CCLFB": [benefit_b(11, CLM_LINE_NGACO_TLHLTH_SW="Y", CLM_PBP_RDCTN_AMT="6.00"), first["CCLFB"][1]],
    }
    run2 = ingest(_package(tmp_path / "feb", second, produced_at=LATER))
    assert run2.status == IngestRun.Status.SUCCEEDED, errors_of(run2)
    assert current(models.PartABenefitCodes, "cur_clm_uniq_id", "clm_pbp_rdctn_amt") == [(1001, Decimal("120"))]
    # T1's old codes follow its superseded line; T2 counts once (the later copy); D1 is void.
    assert current(models.PartBBenefitCodes, "cur_clm_uniq_id", "clm_pbp_rdctn_amt") == [
        (11, Decimal("6")),
        (20, None),
    ]
    assert models.PartBBenefitCodes.objects.filter(cur_clm_uniq_id=20, is_current=True).get().file.run == run2
    assert models.PartBBenefitCodes.objects.count() == 5


# --- a Part B fact's diagnosis codes --------------------------------------------------------------


def test_a_part_b_fact_carries_its_codes_in_file_order_without_blanks() -> None:
    """The COPY path's numpy cut of ``ClaimFact.diagnoses`` on records written by hand: blanks between
    codes, a code written right-justified, a code with its dot, a record with no code at all."""
    import numpy as np

    from apps.claims import loader

    first = part_b(1, "C1", CLM_LINE_DGNS_CD="J449", CLM_DGNS_1_CD="J449", CLM_DGNS_3_CD="E11.65", CLM_DGNS_12_CD="I10")
    first = splice(first, "CCLF5", "CLM_DGNS_5_CD", "  N184")  # right-justified: trimmed
    blank = part_b(2, "C2")
    for name in loader.FACT_DIAGNOSES["CCLF5"]:
        blank = splice(blank, "CCLF5", name, "")
    matrix = np.frombuffer((first + blank).encode("ascii"), dtype=np.uint8).reshape(2, -1)
    cells, keep = loader._diagnoses_column(matrix, "CCLF5", layout("CCLF5"))
    assert keep is not None
    got = [cells[i][keep[i]].tobytes().decode() for i in range(2)]
    assert got == ["J449,J449,E11.65,N184,I10", ""]
