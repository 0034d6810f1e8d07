"""CCLF loads on PostgreSQL: the COPY path (``parsing.copy_text`` + ``loader.copy_lead`` + COPY)
loads what the staged path loads on SQLite (tests/claims/test_loader.py has the same
expectations), netting and MBI chains give the same outcome, a rejected package leaves nothing
behind after a real rollback, and a large load drops and rebuilds the table's indexes
(``loader.bulk_mode``) and still nets correctly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Sum

from apps.claims import loader, models
from apps.claims.layouts import DATA_FILE_TYPES, layout
from apps.claims.models import Beneficiary, CCLFFile, IngestRun, MBIMap
from tests.claims.cclf_builders import (
    DAY,
    FIELDS,
    LATER,
    MODELS,
    beneficiary,
    errors_of,
    ingest,
    mbi,
    part_a_header,
    part_a_line,
    part_b,
    part_d,
    row_counts,
    splice,
    write_package,
    written,
    xref,
)
from tests.claims.facts_check import assert_facts_match_wide_rows
from tests.claims.test_agreement import check_agreement

pytestmark = pytest.mark.integration

ADJUST: dict[str, Any] = {"CLM_ADJSMT_TYPE_CD": "2"}
CANCEL: dict[str, Any] = {"CLM_ADJSMT_TYPE_CD": "1"}


@pytest.fixture(autouse=True)
def facts_follow_wide_rows() -> Iterator[None]:
    """After every load of these tests, the narrow claim facts (cut by numpy on the COPY path) agree with
    the wide rows."""
    yield
    assert_facts_match_wide_rows()


@pytest.fixture
def paths_taken(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Which way each file went into its table: COPY of split columns, or the staging table."""
    taken: dict[str, list[Any]] = {"copy": [], "staged": []}
    copy_rows, insert_from_stage = loader.copy_rows, loader.insert_from_stage

    def spy_copy(cursor: CursorWrapper, file_type: str, columns: list[str], data: bytes, latin1: bool = True) -> None:
        taken["copy"].append(file_type)
        copy_rows(cursor, file_type, columns, data, latin1)

    def spy_stage(cursor: CursorWrapper, file_type: str, file_id: int, ascii_only: bool = False) -> int:
        taken["staged"].append((file_type, ascii_only))
        return insert_from_stage(cursor, file_type, file_id, ascii_only)

    monkeypatch.setattr(loader, "copy_rows", spy_copy)
    monkeypatch.setattr(loader, "insert_from_stage", spy_stage)
    return taken


def current(model: type[models.NettedRow], *fields: str) -> list[tuple[Any, ...]]:
    return sorted(model._default_manager.filter(is_current=True).values_list(*fields))


# --- the COPY path loads every field as written --------------------------------------------------


@pytest.mark.django_db
def test_every_field_loads_the_same_through_copy(tmp_path: Path, paths_taken: dict[str, list[Any]]) -> None:
    assert connection.vendor == "postgresql"
    write_package(tmp_path / "pkg", {t: [written(t)] for t in FIELDS})
    run = ingest(tmp_path / "pkg")
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    # Every file went through COPY, none through the staging table (files load CCLF9 and CCLF8 first).
    assert paths_taken == {
        "copy": ["CCLF9", "CCLF8", "CCLF1", "CCLF2", "CCLF3", "CCLF4", "CCLFA", "CCLF5", "CCLF6", "CCLFB", "CCLF7"],
        "staged": [],
    }
    for file_type, rows in FIELDS.items():
        row = MODELS[file_type]._default_manager.get()
        for f, _, expected in rows:
            assert getattr(row, f.lower()) == expected, f"{file_type}.{f}"
    assert MODELS["CCLF5"]._default_manager.get().current_mbi == mbi(1)
    assert models.MBIXref.objects.get().current_mbi == mbi(9)
    assert models.DMELine.objects.get().is_denied and not models.PartBLine.objects.get().is_denied
    assert Beneficiary.objects.get().last_name == "MUÑOZ"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fact_partitions_get_statistics_once_before_a_step_reads_them(tmp_path: Path) -> None:
    write_package(tmp_path / "pkg", {t: [written(t)] for t in FIELDS})
    assert ingest(tmp_path / "pkg").status == IngestRun.Status.SUCCEEDED
    partitions = sorted(
        f"claims_claimfact_y{y}" for y in models.ClaimFact.objects.values_list("service_year", flat=True).distinct()
    )
    with connection.cursor() as cursor:
        stale = loader.refresh_fact_statistics(cursor)
        assert set(partitions) <= set(stale)  # loaded, never analysed
        cursor.execute(
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname = ANY(%s) AND last_analyze IS NOT NULL",
            [partitions],
        )
        assert cursor.fetchone()[0] == len(partitions)
        assert loader.refresh_fact_statistics(cursor) == []  # nothing changed since


@pytest.mark.django_db
def test_the_staged_path_on_postgresql_loads_the_same(tmp_path: Path, paths_taken: dict[str, list[Any]]) -> None:
    files = {t: [written(t)] for t in FIELDS}
    # A backslash cannot travel in COPY text format: these two files take the staging table, the
    # CCLF5 one by byte offsets (all ASCII), the CCLF8 one by characters (it holds an Ñ).
    files["CCLF5"] = [splice(files["CCLF5"][0], "CCLF5", "HCPCS_5_MDFR_CD", "\\")]
    files["CCLF8"] = [splice(files["CCLF8"][0], "CCLF8", "BENE_LINE_6_ADR", "C\\O")]
    write_package(tmp_path / "pkg", files)
    run = ingest(tmp_path / "pkg")
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert paths_taken["staged"] == [("CCLF8", False), ("CCLF5", True)]
    assert sorted(paths_taken["copy"]) == [
        "CCLF1",
        "CCLF2",
        "CCLF3",
        "CCLF4",
        "CCLF6",
        "CCLF7",
        "CCLF9",
        "CCLFA",
        "CCLFB",
    ]
    changed = {("CCLF5", "HCPCS_5_MDFR_CD"): "\\", ("CCLF8", "BENE_LINE_6_ADR"): "C\\O"}
    for file_type in ("CCLF5", "CCLF8"):
        row = MODELS[file_type]._default_manager.get()
        for f, _, expected in FIELDS[file_type]:
            assert getattr(row, f.lower()) == changed.get((file_type, f), expected), f"{file_type}.{f}"
    assert models.PartBLine.objects.get().current_mbi == mbi(1)


@pytest.mark.django_db
def test_wide_amounts_are_lossless(tmp_path: Path) -> None:
    # -9(18).99 and -9(18).9999 fields at (nearly) full width: more digits than a float holds.
    write_package(
        tmp_path / "pkg",
        {
            "CCLF1": [part_a_header(43, CLM_OPRTNL_IME_AMT="-123456789012345678.99")],
            "CCLF2": [part_a_line(43, 1, CLM_LINE_SRVC_UNIT_QTY="12345678901234567.1234")],
        },
    )
    run = ingest(tmp_path / "pkg")
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert models.PartAClaim.objects.get().clm_oprtnl_ime_amt == Decimal("-123456789012345678.99")
    assert models.PartARevenueLine.objects.get().clm_line_srvc_unit_qty == Decimal("12345678901234567.1234")


# --- netting and MBI chains on the COPY path -----------------------------------------------------


@pytest.mark.django_db
def test_netting_and_mbi_chains_give_the_same_outcome(tmp_path: Path, paths_taken: dict[str, list[Any]]) -> None:
    a, b, c, d = mbi(11), mbi(12), mbi(13), mbi(14)
    x, y = mbi(21), mbi(22)

    def pb(uniq: int, cntl: str, efctv: str, amount: str, line: int = 1, **kw: Any) -> str:
        return part_b(uniq, cntl, line, CLM_EFCTV_DT=efctv, CLM_LINE_CVRD_PD_AMT=amount, **kw)

    first = {
        # A -> B -> C -> D (out of order), and the cycle X -> Y -> X.
        "CCLF9": [xref(c, d), xref(a, b), xref(b, c), xref(x, y), xref(y, x)],
        "CCLF8": [beneficiary(c, BENE_1ST_NAME="JUNE"), beneficiary(x)],
        # One stay filed under A (original) and C (adjustment): one claim under D.
        "CCLF1": [
            part_a_header(2000, BENE_MBI_ID=a, CLM_EFCTV_DT="2026-03-10", CLM_PMT_AMT="1000.00"),
            part_a_header(2001, BENE_MBI_ID=c, CLM_EFCTV_DT="2026-03-20", CLM_PMT_AMT="1100.00", **ADJUST),
        ],
        "CCLF2": [
            part_a_line(2000, 1, BENE_MBI_ID=a, CLM_LINE_CVRD_PD_AMT="1000.00"),
            part_a_line(2001, 1, BENE_MBI_ID=c, CLM_LINE_CVRD_PD_AMT="1100.00"),
        ],
        "CCLF5": [
            pb(100, "C1", "2026-04-10", "50.00"),  # cancelled after the original
            pb(101, "C1", "2026-04-20", "-50.00", **CANCEL),
            pb(202, "C2", "2026-04-20", "70.00", **ADJUST),  # original -> adj -> adj, last wins
            pb(200, "C2", "2026-04-10", "50.00"),
            pb(201, "C2", "2026-04-15", "60.00", **ADJUST),
            pb(300, "C3", "2026-04-10", "50.00"),  # cancel of an adjustment
            pb(301, "C3", "2026-04-15", "65.00", **ADJUST),
            pb(302, "C3", "2026-04-20", "-65.00", **CANCEL),
            pb(400, "C4", "2026-04-10", "10.00"),  # exact tie: the later-loaded one
            pb(400, "C4", "2026-04-10", "11.00"),
            pb(700, "C7", "2026-04-10", "50.00"),
            pb(700, "C7", "2026-04-10", "0.00", line=2, CLM_CARR_PMT_DNL_CD="0"),  # denied
            pb(800, "X1", "2026-04-10", "20.00", BENE_MBI_ID=x),
        ],
        "CCLF7": [
            part_d(3000, 5001, CLM_EFCTV_DT="2026-05-02", CLM_LINE_BENE_PMT_AMT="25.00"),
            part_d(3001, 5001, CLM_EFCTV_DT="2026-05-09", CLM_LINE_BENE_PMT_AMT="20.00", **ADJUST),
        ],
    }
    # The run-out package repeats C2's winner, the Part A adjustment and its line, and adds its own.
    second = {
        "CCLF1": [
            first["CCLF1"][1],
            part_a_header(2100, BENE_MBI_ID=d, CLM_FROM_DT="2026-06-01", CLM_THRU_DT="2026-06-02"),
        ],
        "CCLF2": [first["CCLF2"][1], part_a_line(2100, 1, BENE_MBI_ID=d)],
        "CCLF5": [first["CCLF5"][2], pb(900, "C9", "2026-05-01", "30.00")],
    }
    write_package(tmp_path / "d" / "jan", first, produced_at=DAY)
    write_package(tmp_path / "d" / "feb", second, produced_at=LATER)
    run = ingest(tmp_path / "d")
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert paths_taken["staged"] == []
    assert "2 MBI(s) could not be resolved" in run.message

    assert current(models.PartBLine, "clm_cntl_num", "clm_line_num", "cur_clm_uniq_id", "clm_line_cvrd_pd_amt") == [
        ("C2", 1, 202, Decimal("70")),
        ("C4", 1, 400, Decimal("11")),
        ("C7", 1, 700, Decimal("50")),
        ("C7", 2, 700, Decimal("0")),
        ("C9", 1, 900, Decimal("30")),
        ("X1", 1, 800, Decimal("20")),
    ]
    assert list(models.PartBLine.objects.filter(is_denied=True).values_list("clm_cntl_num", "clm_line_num")) == [
        ("C7", 2)
    ]
    assert models.PartBLine.objects.get(clm_cntl_num="X1").current_mbi == ""
    assert current(models.PartAClaim, "cur_clm_uniq_id", "current_mbi", "clm_pmt_amt") == [
        (2001, d, Decimal("1100")),
        (2100, d, Decimal("1000")),
    ]
    assert current(models.PartARevenueLine, "cur_clm_uniq_id", "clm_line_cvrd_pd_amt") == [
        (2001, Decimal("1100")),
        (2100, Decimal("100")),
    ]
    assert current(models.PartDEvent, "cur_clm_uniq_id") == [(3001,)]
    assert sorted(MBIMap.objects.values_list("mbi", "current_mbi", "hops")) == [
        (a, d, 3),
        (b, d, 2),
        (c, d, 1),
        (x, "", 0),
        (y, "", 0),
    ]
    assert list(Beneficiary.objects.values_list("mbi", "first_name")) == [(d, "JUNE")]


@pytest.mark.django_db
def test_a_later_link_moves_rows_loaded_by_copy(tmp_path: Path) -> None:
    p, q = mbi(31), mbi(32)
    write_package(
        tmp_path / "jan",
        {
            "CCLF8": [beneficiary(p, BENE_1ST_NAME="ANNA")],
            "CCLF1": [part_a_header(8000, BENE_MBI_ID=p, CLM_EFCTV_DT="2026-03-10")],
            "CCLF2": [part_a_line(8000, 1, BENE_MBI_ID=p)],
            "CCLF5": [part_b(1, "P1", BENE_MBI_ID=p)],
        },
    )
    write_package(
        tmp_path / "feb",
        {
            "CCLF9": [xref(p, q)],
            "CCLF1": [part_a_header(8001, BENE_MBI_ID=q, CLM_EFCTV_DT="2026-03-20", **ADJUST)],
            "CCLF2": [part_a_line(8001, 1, BENE_MBI_ID=q)],
        },
        produced_at=LATER,
    )
    assert ingest(tmp_path / "jan").status == IngestRun.Status.SUCCEEDED
    run = ingest(tmp_path / "feb")
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert list(models.PartBLine.objects.values_list("current_mbi", flat=True)) == [q]
    assert sorted(models.PartAClaim.objects.values_list("cur_clm_uniq_id", "current_mbi", "is_current")) == [
        (8000, q, False),
        (8001, q, True),
    ]
    assert current(models.PartARevenueLine, "cur_clm_uniq_id") == [(8001,)]
    assert list(Beneficiary.objects.values_list("mbi", "first_name")) == [(q, "ANNA")]


# --- all or nothing, with real transactions ---------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rejected_package_is_rolled_back_on_postgresql(tmp_path: Path) -> None:
    good = {
        "CCLF9": [xref(mbi(8), mbi(9))],
        "CCLF8": [beneficiary(mbi(1))],
        "CCLF1": [part_a_header(42)],
        "CCLF5": [part_b(1, "B1")],
        "CCLF7": [part_d(9001, 123456)],
    }
    write_package(tmp_path / "jan", good)
    assert ingest(tmp_path / "jan").status == IngestRun.Status.SUCCEEDED
    before = row_counts()
    assert before["CCLF5"] == 1 and before["files"] == 5

    # A month later: good records in every file, but one unknown code in CCLF7, the last file
    # loaded, after CCLF9, CCLF8, CCLF1 and CCLF5 were already in their tables.
    feb = {
        "CCLF9": [xref(mbi(1), mbi(2))],
        "CCLF8": [beneficiary(mbi(2))],
        "CCLF1": [part_a_header(43, CLM_EFCTV_DT="2026-03-20", **ADJUST)],
        "CCLF5": [part_b(2, "B2"), part_b(3, "B1", CLM_EFCTV_DT="2026-05-01", **CANCEL)],
        "CCLF7": [splice(part_d(9002, 123457), "CCLF7", "CLM_ADJSMT_TYPE_CD", "7")],
    }
    write_package(tmp_path / "feb", feb, produced_at=LATER)
    rejected = ingest(tmp_path / "feb")
    assert rejected.status == IngestRun.Status.FAILED
    assert [(e[2], e[3]) for e in errors_of(rejected)] == [("CLM_ADJSMT_TYPE_CD", "7 ")]
    assert row_counts() == before
    # Nothing of February's MBI change or netting survived: B1 is still current, under mbi(1).
    assert current(models.PartBLine, "clm_cntl_num", "current_mbi") == [("B1", mbi(1))]
    assert current(models.PartAClaim, "cur_clm_uniq_id") == [(42,)]
    assert list(Beneficiary.objects.values_list("mbi", flat=True)) == [mbi(1)]

    # Corrected, the same package loads (the rollback left no file hash and no staging table).
    feb["CCLF7"] = [part_d(9002, 123457)]
    write_package(tmp_path / "feb", feb, produced_at=LATER)
    run = ingest(tmp_path / "feb")
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert CCLFFile.objects.count() == 10
    assert current(models.PartBLine, "clm_cntl_num", "current_mbi") == [("B2", mbi(2))]
    assert current(models.PartAClaim, "cur_clm_uniq_id", "current_mbi") == [(43, mbi(2))]
    assert list(Beneficiary.objects.values_list("mbi", flat=True)) == [mbi(2)]


# --- a large load: indexes dropped and rebuilt ----------------------------------------------------

ORIGINALS, ADJUSTED, CANCELLED = 100_000, 1_000, 500


def _column(matrix: np.ndarray, field: str, values: list[str]) -> None:
    f = layout("CCLF5").field(field)
    assert all(len(v) <= f.length for v in values[:1])
    cells = np.array([v.ljust(f.length) for v in values], dtype=f"S{f.length}")
    matrix[:, f.slice] = cells.view(np.uint8).reshape(len(values), f.length)


def _large_cclf5() -> list[str]:
    """100,000 originals (claim K000000000 … K000099999, one line each, every tenth denied), then
    adjustments of the first 1,000 claims and cancellations of the next 500."""
    n = ORIGINALS + ADJUSTED + CANCELLED
    keys = np.concatenate([np.arange(ORIGINALS), np.arange(ADJUSTED), ADJUSTED + np.arange(CANCELLED)])
    template = np.frombuffer(part_b(0, "K", CLM_LINE_CVRD_PD_AMT="50.00").encode(), dtype=np.uint8)
    matrix = np.tile(template, (n, 1))
    _column(matrix, "CUR_CLM_UNIQ_ID", [f"{i + 1:013d}" for i in range(n)])
    _column(matrix, "CLM_CNTL_NUM", [f"K{k:09d}" for k in keys])
    kind = ["0"] * ORIGINALS + ["2"] * ADJUSTED + ["1"] * CANCELLED
    _column(matrix, "CLM_ADJSMT_TYPE_CD", [k.ljust(2) for k in kind])
    later = ["2026-04-10"] * ORIGINALS + ["2026-04-20"] * (ADJUSTED + CANCELLED)
    _column(matrix, "CLM_EFCTV_DT", later)
    amounts = ["50.00"] * ORIGINALS + ["60.00"] * ADJUSTED + ["-50.00"] * CANCELLED
    _column(matrix, "CLM_LINE_CVRD_PD_AMT", [a.rjust(15) for a in amounts])
    denied = ["0 " if i < ORIGINALS and keys[i] % 10 == 0 else "1 " for i in range(n)]
    _column(matrix, "CLM_CARR_PMT_DNL_CD", denied)
    return [line.decode() for line in matrix.view(f"S{matrix.shape[1]}").ravel()]


def _indexes(table: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return set(cursor.fetchall())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_large_load_rebuilds_the_indexes_and_nets_correctly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = models.PartBLine._meta.db_table
    indexes = _indexes(table)
    assert len(indexes) >= 3  # primary key, current_mbi, (clm_cntl_num, clm_line_num)
    used: list[tuple[str, int, bool]] = []
    bulk_mode = loader.bulk_mode

    @contextmanager
    def spy(cursor: CursorWrapper, file_type: str, new_rows: int) -> Iterator[bool]:
        with bulk_mode(cursor, file_type, new_rows) as dropped:
            used.append((file_type, new_rows, dropped))
            yield dropped

    monkeypatch.setattr(loader, "bulk_mode", spy)
    lines = _large_cclf5()
    assert len(lines) == 101_500 and len(lines[0]) == 388
    write_package(tmp_path / "big", {"CCLF5": lines})
    run = ingest(tmp_path / "big")
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert used == [("CCLF5", 101_500, True)]
    assert _indexes(table) == indexes

    rows = models.PartBLine.objects
    assert rows.count() == 101_500
    # Claims 0-999: the adjustment (60.00) is current; 1,000-1,499: cancelled, void; the other
    # 98,500 keep their original (50.00). 1,000 * 60 + 98,500 * 50 = 4,985,000.
    live = rows.filter(is_current=True)
    assert live.count() == 99_500
    assert live.filter(clm_adjsmt_type_cd="2").count() == 1_000
    assert not rows.filter(is_current=True, clm_cntl_num__in=[f"K{k:09d}" for k in range(1_000, 1_500)]).exists()
    assert live.aggregate(total=Sum("clm_line_cvrd_pd_amt"))["total"] == Decimal("4985000")
    # Every tenth original is denied (10,000 lines); of those, the ones still current are the
    # multiples of 10 from 1,500 to 99,990: 9,850.
    assert rows.filter(is_denied=True).count() == 10_000
    assert live.filter(is_denied=True).count() == 9_850

    # A small run-out afterwards adjusts claim 5,000 against the rebuilt index: no bulk mode.
    write_package(
        tmp_path / "runout",
        {"CCLF5": [part_b(999_999, "K000005000", CLM_EFCTV_DT="2026-05-01", CLM_LINE_CVRD_PD_AMT="55.00", **ADJUST)]},
        produced_at=LATER,
    )
    run = ingest(tmp_path / "runout")
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert used[-1] == ("CCLF5", 1, False)
    assert list(rows.filter(clm_cntl_num="K000005000", is_current=True).values_list("cur_clm_uniq_id", flat=True)) == [
        999_999
    ]
    assert rows.filter(is_current=True).count() == 99_500


# --- the checker and the COPY path read every field the same way ------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("file_type", DATA_FILE_TYPES)
def test_checker_and_copy_path_agree_on_every_field(
    tmp_path: Path, paths_taken: dict[str, list[Any]], file_type: str
) -> None:
    check_agreement(tmp_path, file_type)
    assert file_type in paths_taken["copy"]  # the accepted records went through COPY
