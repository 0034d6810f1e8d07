"""Reading the alignment engine's inputs from the database (apps/alignment/inputs.py).

PY = 2027 throughout: AY1 = 2024-07-01 – 2025-06-30, AY2 = 2025-07-01 – 2026-06-30 (docs/alignment.md rule 1).
The SQL filters must hand the engine exactly the candidate lines of rule 3 (and nothing it would keep
that SQL drops); the PostgreSQL fast path must read the same columns as the portable one.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.db import connection

from apps.acos.models import ACO, ParticipantTIN
from apps.alignment import engine, inputs
from apps.claims.models import VoluntaryAlignment
from tests.claims.cclf_builders import (
    NPI,
    beneficiary,
    ingest,
    mbi,
    part_a_header,
    part_a_line,
    part_b,
    write_package,
    xref,
)

PY = 2027
TIN = "111000001"
CCN = "341234"
ENTITLED = {"BENE_PART_A_ENRLMT_BGN_DT": "2015-03-01", "BENE_PART_B_ENRLMT_BGN_DT": "2015-03-01"}
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")


# --- the PQEM list SQL filters on -----------------------------------------------------------------
def test_pqem_codes_are_exactly_the_engines_list() -> None:
    # The PQEM ranges of docs/alignment.md:
    # 2 + 15 + 15 + 22 + 10 + 2 + 3 + 1 + 1 + 1 + 1 + 3 + 3 + 2 + 2 = 83 numeric codes,
    # and 14 G-codes, each also with a lower-case g (the engine accepts it): 83 + 28 = 111.
    codes = inputs.pqem_codes()
    assert len(codes) == len(set(codes)) == 111
    assert {"96160", "99215", "99304", "99498", "G0402", "g2214"} <= set(codes)
    # Every five-digit code, and every G-code: the engine says PQEM exactly when the list has it.
    numeric = np.array([f"{n:05d}" for n in range(100_000)])
    g_codes = np.array([f"G{n:04d}" for n in range(10_000)] + [f"g{n:04d}" for n in range(10_000)])
    for candidates in (numeric, g_codes):
        listed = np.isin(candidates, np.array(codes))
        assert (engine.is_pqem_array(candidates) == listed).all()


# --- cutting COPY records (no database) --------------------------------------------------------------
FIELDS = (
    inputs.Field("code", "text", 5),
    inputs.Field("name", "text", 6),
    inputs.Field("kind", "text", 1),
    inputs.Field("day", "day"),
    inputs.Field("cents", "cents"),
)
# Sends code, name, day and cents; "kind" is a constant of the source.
SOURCE = inputs.Source(
    table="t", exprs={"code": "", "name": "", "day": "", "cents": ""}, where="", constants={"kind": "B"}
)


def _records(*records: tuple[str, ...]) -> bytes:
    """What ``string_agg(concat_ws(chr(31), ...), chr(31))`` sends: fields and records split by 0x1F."""
    return "\x1f".join("\x1f".join(r) for r in records).encode()


def test_records_are_cut_into_text_days_and_cents() -> None:
    columns = inputs.Columns(FIELDS)
    # 2025-08-01 is day 20301 since 1970-01-01 (55 years: 20075 days + 14 leap days = 20089, + 212 to Aug 1).
    columns.add_records(SOURCE, _records(("99213", "A B", "20301", "-1250"), ("", "XYZ", "-2147483648", "0")), 2)
    columns.add_records(SOURCE, _records(("G0439", "ABCDEF", "-1", "10000000000")), 1)
    cols = columns.arrays()
    assert cols["code"].tolist() == ["99213", "", "G0439"]
    assert cols["code"].dtype == np.dtype("U5")
    assert cols["name"].tolist() == ["A B", "XYZ", "ABCDEF"]  # an inner blank stays
    assert cols["kind"].tolist() == ["B", "B", "B"]
    # -2147483648 is NULL; day -1 is 1969-12-31.
    assert cols["day"].tolist() == [datetime.date(2025, 8, 1), None, datetime.date(1969, 12, 31)]
    assert cols["cents"].tolist() == [-1250, 0, 10_000_000_000]


@pytest.mark.parametrize(
    "record",
    [
        ("99213", "ABCDEFG", "1", "1"),  # 7 characters in a 6-wide column
        ("99213", "NPÉ", "1", "1"),  # a non-ASCII character (2 bytes in UTF-8)
        ("99213", "A\x1fB", "1", "1"),  # a separator inside a value
        ("99213", "A", "2025-08-01", "1"),  # a day that is not a number
        ("99213", "A", "1", ""),  # no digits
        ("99213", "A", "1", "-"),  # a minus without digits
        ("99213", "A", "1", "12-5"),  # a minus inside
    ],
)
def test_records_that_cannot_be_cut_exactly_are_refused(record: tuple[str, ...]) -> None:
    with pytest.raises(inputs.NotRepresentable):
        inputs.Columns(FIELDS).add_records(SOURCE, _records(record), 1)


# --- the database -----------------------------------------------------------------------------------
def _line(n: int, **kw: Any) -> str:
    """A paid PQEM office visit (99213) by the participant TIN, specialty 08, in AY2."""
    values = {
        "BENE_MBI_ID": mbi(1),
        "CLM_LINE_FROM_DT": "2025-08-01",
        "CLM_LINE_HCPCS_CD": "99213",
        "CLM_PRVDR_SPCLTY_CD": "08",
        "CLM_POS_CD": "11",
        "CLM_RNDRG_PRVDR_TAX_NUM": TIN,
        "CLM_LINE_ALOWD_CHRG_AMT": "100.00",
    }
    return part_b(n, f"C{n}", **(values | kw))


@pytest.fixture
def loaded(tmp_path: Path) -> ACO:
    aco = ACO.objects.create(aco_id="L0001", legal_name="Harbor ACO", states=["MD"])
    ParticipantTIN.objects.create(
        aco=aco,
        performance_year=PY,
        tin=TIN,
        legal_name="Harbor Family Medicine",
        practice_zip="21201",
        ccns=[CCN],
    )
    part_b_lines = [
        _line(1, CLM_LINE_ALOWD_CHRG_AMT="75.10"),  # kept: 7510 cents
        _line(2, CLM_LINE_HCPCS_CD="G0439", CLM_PRVDR_SPCLTY_CD="39", CLM_LINE_FROM_DT="2024-07-01"),  # kept: step 2
        _line(3, CLM_LINE_HCPCS_CD="99304", CLM_POS_CD="31"),  # kept: the SNF exclusion is the engine's
        _line(4, CLM_LINE_HCPCS_CD="99216"),  # dropped: not PQEM (99201-99215 ends at 15)
        _line(5, CLM_PRVDR_SPCLTY_CD="02"),  # dropped: neither a step-1 nor a step-2 specialty
        _line(6, CLM_CARR_PMT_DNL_CD="0"),  # dropped: denied
        _line(7, CLM_LINE_FROM_DT="2024-06-30"),  # dropped: the day before AY1
        _line(8, CLM_LINE_FROM_DT="2026-07-01"),  # dropped: the day after AY2
    ]
    rhc = {"CLM_TYPE_CD": 40, "CLM_BILL_FAC_TYPE_CD": "7", "CLM_BILL_CLSFCTN_CD": "1", "PRVDR_OSCAR_NUM": CCN}
    headers = [
        part_a_header(101, **rhc),
        part_a_header(102, **(rhc | {"CLM_BILL_CLSFCTN_CD": "3", "CLM_FROM_DT": "2026-03-02"})),  # 73x: no
        part_a_header(103, **(rhc | {"CLM_TYPE_CD": 60, "CLM_FROM_DT": "2026-03-03"})),  # inpatient: no
    ]
    a_line = {"CLM_TYPE_CD": 40, "PRVDR_OSCAR_NUM": CCN, "CLM_LINE_FROM_DT": "2026-03-01"}
    rev_lines = [
        part_a_line(101, 1, **(a_line | {"CLM_LINE_PROD_REV_CTR_CD": "0521", "CLM_LINE_CVRD_PD_AMT": "80.25"})),
        part_a_line(101, 2, **(a_line | {"CLM_LINE_PROD_REV_CTR_CD": "0300", "CLM_LINE_HCPCS_CD": "G0463"})),
        part_a_line(101, 3, **(a_line | {"CLM_LINE_PROD_REV_CTR_CD": "0300", "CLM_LINE_HCPCS_CD": "80053"})),  # no
        part_a_line(102, 1, **(a_line | {"CLM_LINE_PROD_REV_CTR_CD": "0521"})),  # bill type 73x: no
        part_a_line(103, 1, **(a_line | {"CLM_LINE_PROD_REV_CTR_CD": "0521"})),  # claim type 60: no
    ]
    benes = [
        beneficiary(mbi(1), **ENTITLED),
        beneficiary(mbi(2), BENE_DEATH_DT="2026-12-01", GEO_USPS_STATE_CD="PR", **ENTITLED),
        beneficiary(mbi(5), BENE_PART_B_ENRLMT_BGN_DT="", BENE_PART_A_ENRLMT_BGN_DT="2015-03-01"),
    ]
    # mbi(9) was retired for mbi(5); mbi(7) and mbi(8) point at each other (a broken chain).
    links = [xref(mbi(9), mbi(5)), xref(mbi(7), mbi(8)), xref(mbi(8), mbi(7))]
    files = {"CCLF1": headers, "CCLF2": rev_lines, "CCLF5": part_b_lines, "CCLF8": benes, "CCLF9": links}
    assert ingest(write_package(tmp_path / "pkg", files)["CCLF0"].parent).status == "succeeded"
    for filed_under in (mbi(9), mbi(7)):
        VoluntaryAlignment.objects.create(
            mbi=filed_under,
            aco=aco,
            tin=TIN,
            npi=NPI,
            signed_date=datetime.date(2026, 10, 1),
            channel="medicare_gov",
        )
    return aco


def _services_table(services: engine.Services) -> list[tuple[Any, ...]]:
    rows = zip(
        services.kind.tolist(),
        services.hcpcs.tolist(),
        services.pos.tolist(),
        services.specialty.tolist(),
        services.tin.tolist(),
        services.npi.tolist(),
        services.ccn.tolist(),
        services.from_date.tolist(),
        services.charge_cents.tolist(),
        services.mbi.tolist(),
        strict=True,
    )
    return sorted(rows)


@pytest.mark.django_db
def test_only_rule_3_candidates_leave_the_database(loaded: ACO) -> None:
    services = inputs.load_services(PY)
    d = datetime.date
    assert _services_table(services) == [
        ("B", "99213", "11", "08", TIN, NPI, "", d(2025, 8, 1), 7510, mbi(1)),
        ("B", "99304", "31", "08", TIN, NPI, "", d(2025, 8, 1), 10000, mbi(1)),
        ("B", "G0439", "11", "39", TIN, NPI, "", d(2024, 7, 1), 10000, mbi(1)),
        # 3b: revenue centre 0521 (the builder's default HCPCS is blank), and a PQEM HCPCS under 0300;
        # CLM_LINE_CVRD_PD_AMT is the charge (100.00 is the builder's default).
        ("R", "", "", "", "", "", CCN, d(2026, 3, 1), 8025, mbi(1)),
        ("R", "G0463", "", "", "", "", CCN, d(2026, 3, 1), 10000, mbi(1)),
    ]
    assert services.mbi.dtype == np.dtype("U11") and services.hcpcs.dtype == np.dtype("U5")


@pytest.mark.django_db
def test_beneficiaries_one_row_per_current_mbi(loaded: ACO) -> None:
    benes = inputs.load_beneficiaries()
    order = np.argsort(benes.mbi)
    assert benes.mbi[order].tolist() == [mbi(1), mbi(2), mbi(5)]
    assert benes.state[order].tolist() == ["MD", "PR", "MD"]
    assert benes.death_date[order].tolist() == [None, datetime.date(2026, 12, 1), None]
    assert benes.part_b_start[order].tolist() == [datetime.date(2015, 3, 1)] * 2 + [None]


@pytest.mark.django_db
def test_voluntary_record_under_a_retired_mbi_counts(loaded: ACO) -> None:
    voluntary = inputs.load_voluntary()
    # mbi(9) -> mbi(5) by CCLF9; mbi(7) is in a cycle, has no current MBI, and so matches no one.
    assert sorted(voluntary.mbi.tolist()) == ["", mbi(5)]
    # Hand the engine a beneficiary row for mbi(5) that is eligible (the loaded one has no Part B date),
    # and mbi(1): the record filed under mbi(9) aligns mbi(5) voluntarily; mbi(1) by claims.
    benes = engine.Beneficiaries(
        mbi=np.array([mbi(1), mbi(5)]),
        death_date=np.array([None, None], dtype="datetime64[D]"),
        part_a_start=np.array(["2015-03-01"] * 2, dtype="datetime64[D]"),
        part_b_start=np.array(["2015-03-01"] * 2, dtype="datetime64[D]"),
        state=np.array(["MD", "MD"]),
    )
    results = engine.align(PY, benes, inputs.load_services(PY), inputs.load_entities(PY), voluntary)
    assert [(r.mbi, r.aco_id, r.step) for r in results] == [(mbi(1), "L0001", "1"), (mbi(5), "L0001", "voluntary")]
    assert results[1].explanation.voluntary is not None
    assert results[1].explanation.voluntary.signed_date == datetime.date(2026, 10, 1)


@pytest.mark.django_db
def test_the_whole_input_aligns_as_hand_worked(loaded: ACO) -> None:
    # mbi(1): step-1 lines 99213 (7510) and 99304 at POS 31 (an SNF visit: excluded by the engine), the
    # RHC lines 8025 + 10000 under CCN 341234, which TIN 111000001 lists: one entity, ACO L0001. The
    # step-2 G0439 line does not count (mbi(1) has step-1 services). Weighted (all in AY2, × 2):
    # (7510 + 8025 + 10000) × 2 = 51070 cents. Units: TIN 7510 × 2 = 15020, CCN 18025 × 2 = 36050 -> the CCN.
    # mbi(2) died 2026-12-01 (before Jan 1 PY): ineligible. mbi(5) has no Part B date: ineligible, so the
    # voluntary record (filed under mbi(9)) cannot align it.
    results = engine.align(PY, *inputs.load_inputs(PY))
    assert [(r.mbi, r.aco_id, r.step, r.tin, r.unit_kind, r.npi) for r in results] == [
        (mbi(1), "L0001", "1", CCN, "ccn", None)
    ]
    assert [(c.key, c.weighted_cents) for c in results[0].explanation.competitors] == [("L0001", 51070)]
    assert results[0].explanation.service_count == 3


@postgres_only
@pytest.mark.django_db
def test_copy_path_reads_what_the_portable_path_reads(loaded: ACO) -> None:
    for fields, sources in (
        (inputs.SERVICES, inputs.service_sources(PY)),
        (inputs.BENEFICIARIES, [inputs.beneficiary_source()]),
    ):
        fast = inputs._read_copy(fields, sources)
        portable = inputs._read_rows(fields, sources)
        for name, column in portable.items():
            assert fast[name].dtype == column.dtype, name
            assert sorted(fast[name].tolist(), key=str) == sorted(column.tolist(), key=str), name


@postgres_only
@pytest.mark.django_db
def test_a_year_without_claim_partitions_reads_no_lines(loaded: ACO) -> None:
    # No facts partition holds PY 2031's alignment years (2029–2030): no line, no empty COPY statement.
    fast = inputs._read_copy(inputs.SERVICES, inputs.service_sources(2031))
    assert all(len(column) == 0 for column in fast.values())
    assert len(inputs.load_services(2031).mbi) == 0


@postgres_only
@pytest.mark.django_db
def test_non_ascii_text_falls_back_to_the_portable_path(loaded: ACO) -> None:
    # "É" is two bytes in UTF-8: byte and character positions differ, so the COPY records are not cut
    # and the portable path reads everything instead, with the same answer.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claimfact SET npi = 'NPÉ' WHERE source = 5 AND hcpcs = 'G0439'")
    with pytest.raises(inputs.NotRepresentable):
        inputs._read_copy(inputs.SERVICES, inputs.service_sources(PY))
    services = inputs.load_services(PY)
    assert sorted(services.npi.tolist()) == ["", "", NPI, NPI, "NPÉ"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
@pytest.mark.django_db
def test_sqlite_joins_lines_to_their_header_facts_by_index() -> None:
    # Without the index SQLite searched every revenue line for each header (minutes for the demo).
    sql = inputs.service_sources(PY)[1]
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN QUERY PLAN SELECT {sql.select_sql(inputs.SERVICES)} FROM {sql.table} t {sql.joins} "  # noqa: S608
            f"WHERE ({sql.where}) AND ({sql.late})",
            list(sql.params),
        )
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "claims_claimfact_claim" in plan, plan
