"""The cohort and High Needs inputs (`cohorts.CohortInputs`), read set-based from the claims tables.

One query per source, each fetching only the columns needed and only the rows that can matter, so the
database does the filtering (the tables hold tens of millions of lines):
- CCLF8 status: `Beneficiary.medicare_status` (the most recent CCLF8 record of the current MBI);
- diagnoses: CCLF4 rows, and CCLF5 lines (claim diagnoses 1–12 and the line diagnosis), whose code's
  three-character category is one of `cohorts.MOBILITY_DX_CATEGORIES` (the exact prefix match is the
  engine's), claim through date (CCLF5: the line's dates when the claim's is blank) in the window,
  `SELECT DISTINCT` so repeated lines collapse;
- DME: CCLF6 lines whose HCPCS is in `cohorts.FRAILTY_DME_HCPCS`, line from-date in the window;
- facility claims: CCLF1 headers of SNF (20, 30) and inpatient (60) claims overlapping the window.
Only current (netted) rows count, Part B and DME lines that were denied count for nothing, and every row
is keyed by its `current_mbi`. Rows of MBIs not asked for are dropped after the fetch (an `IN` list of
100,000 MBIs would cost more than the few extra rows). The SQL is portable (SQLite and PostgreSQL).

Speed: the CCLF5 query is one sequential scan (no index can serve thirteen diagnosis columns) and takes
most of the time. Measured on PostgreSQL 15 with a synthetic 20-million-line CCLF5 table (5 GB), 3 million
CCLF4 rows, 1 million DME lines, 1.5 million CCLF1 headers and 100,000 MBIs asked for, on 2 shared cores:
about 20 s in all, 12–16 s of it the CCLF5 scan; `cohorts.high_needs` then takes about 1 s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from apps.claims.models import Beneficiary, DMELine, PartAClaim, PartADiagnosis, PartBLine
from apps.claims.shards import Shard, condition

from . import cohorts

# CCLF5 diagnosis columns: the line diagnosis and the claim's diagnoses 1–12.
PART_B_DX_COLUMNS = ("clm_line_dgns_cd", *(f"clm_dgns_{k}_cd" for k in range(1, 13)))


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _matrix(rows: list[tuple[Any, ...]], width: int) -> np.ndarray:
    """Fetched rows as one 2-D object array (one C call, not a Python loop per value)."""
    matrix = np.empty((len(rows), width), dtype=object)
    if rows:
        matrix[:] = rows
    return matrix


_NULL = np.array(None, dtype=object)


def _text(column: np.ndarray) -> np.ndarray:
    """NULL → ''. Values are kept as stored: the loader trims CCLF text."""
    return np.where(np.equal(column, _NULL), "", column).astype(object)


def _dates(column: np.ndarray) -> np.ndarray:
    # PostgreSQL gives dates, SQLite gives dates for plain columns and ISO text for expressions.
    return np.array(column.tolist(), dtype="datetime64[D]")


def _wanted(matrix: np.ndarray, mbis: np.ndarray | None) -> np.ndarray:
    """The rows of the given MBIs (column 0)."""
    return matrix if mbis is None else matrix[np.isin(matrix[:, 0].astype(str), mbis)]


@dataclass(frozen=True)
class CohortRows:
    """What the queries return, before any MBI is picked out."""

    benes: list[tuple[Any, ...]]
    part_a: list[tuple[Any, ...]]
    part_b: list[tuple[Any, ...]]
    dme: list[tuple[Any, ...]]
    facility: list[tuple[Any, ...]]


def load_cohort_inputs(mbis: np.ndarray | None, *, as_of: dt.date) -> cohorts.CohortInputs:
    """The inputs of `cohorts.high_needs` for the given current MBIs (None: every beneficiary), assessed as
    of ``as_of``: claims of `cohorts.lookback_window(as_of)` only. Every given MBI gets a beneficiary row
    (status blank when no CCLF8 record exists)."""
    return build_cohort_inputs(fetch_cohort_rows(as_of=as_of), mbis)


def fetch_cohort_rows(*, as_of: dt.date, shard: Shard | None = None) -> CohortRows:
    """The rows of every beneficiary (of one part, with ``shard``) that can matter for an assessment as of
    ``as_of``."""
    part = condition(shard, "current_mbi")
    start, end = cohorts.lookback_window(as_of)
    categories = list(cohorts.MOBILITY_DX_CATEGORIES)
    dme_codes = list(cohorts.FRAILTY_DME_HCPCS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT mbi, medicare_status FROM {Beneficiary._meta.db_table} WHERE {condition(shard, 'mbi')}"  # noqa: S608 (constants)
        )
        benes = cursor.fetchall()
        # CCLF4: one code a row.
        cursor.execute(
            f"SELECT DISTINCT current_mbi, COALESCE(clm_thru_dt, clm_from_dt), clm_dgns_cd "  # noqa: S608 (constants)
            f"FROM {PartADiagnosis._meta.db_table} "
            f"WHERE is_current AND current_mbi <> '' "
            f"AND COALESCE(clm_thru_dt, clm_from_dt) BETWEEN %s AND %s "
            f"AND SUBSTR(clm_dgns_cd, 1, 3) IN ({_placeholders(categories)}) AND {part}",
            [start, end, *categories],
        )
        part_a = cursor.fetchall()
        # CCLF5: thirteen codes a row; a row qualifies when any of them might.
        any_dx = " OR ".join(f"SUBSTR({c}, 1, 3) IN ({_placeholders(categories)})" for c in PART_B_DX_COLUMNS)
        cursor.execute(
            f"SELECT DISTINCT current_mbi, COALESCE(clm_thru_dt, clm_line_thru_dt, clm_line_from_dt), "  # noqa: S608 (constants)
            f"{', '.join(PART_B_DX_COLUMNS)} "
            f"FROM {PartBLine._meta.db_table} "
            f"WHERE is_current AND NOT is_denied AND current_mbi <> '' "
            f"AND COALESCE(clm_thru_dt, clm_line_thru_dt, clm_line_from_dt) BETWEEN %s AND %s AND ({any_dx}) "
            f"AND {part}",
            [start, end, *(categories * len(PART_B_DX_COLUMNS))],
        )
        part_b = cursor.fetchall()
        cursor.execute(
            f"SELECT DISTINCT current_mbi, clm_line_from_dt, clm_line_hcpcs_cd "  # noqa: S608 (constants)
            f"FROM {DMELine._meta.db_table} "
            f"WHERE is_current AND NOT is_denied AND current_mbi <> '' "
            f"AND clm_line_from_dt BETWEEN %s AND %s AND clm_line_hcpcs_cd IN ({_placeholders(dme_codes)}) "
            f"AND {part}",
            [start, end, *dme_codes],
        )
        dme = cursor.fetchall()
        types = [*cohorts.SNF_CLAIM_TYPES, cohorts.INPATIENT_CLAIM_TYPE]
        cursor.execute(
            f"SELECT current_mbi, clm_type_cd, clm_from_dt, clm_thru_dt, clm_admsn_type_cd, "  # noqa: S608 (constants)
            f"clm_bill_freq_cd, bene_ptnt_stus_cd "
            f"FROM {PartAClaim._meta.db_table} "
            f"WHERE is_current AND current_mbi <> '' AND clm_type_cd IN ({_placeholders(types)}) "
            f"AND clm_from_dt <= %s AND COALESCE(clm_thru_dt, clm_from_dt) >= %s AND {part}",
            [*types, end, start],
        )
        facility = cursor.fetchall()
    return CohortRows(benes=benes, part_a=part_a, part_b=part_b, dme=dme, facility=facility)


def build_cohort_inputs(rows: CohortRows, mbis: np.ndarray | None) -> cohorts.CohortInputs:
    """`cohorts.CohortInputs` for the given MBIs (None: every beneficiary) from the fetched rows."""
    benes, part_a, part_b, dme, facility = rows.benes, rows.part_a, rows.part_b, rows.dme, rows.facility
    wanted = None if mbis is None else np.unique(np.asarray(mbis, dtype=str))

    # Beneficiaries: the given MBIs, with their CCLF8 status where there is one.
    known = _matrix(benes, 2)
    known_mbi, known_status = known[:, 0].astype(str), _text(known[:, 1])
    order = np.argsort(known_mbi, kind="stable")
    known_mbi, known_status = known_mbi[order], known_status[order]
    bene_mbi = known_mbi if wanted is None else wanted
    status = np.full(bene_mbi.shape[0], "", dtype=object)
    if known_mbi.shape[0] and bene_mbi.shape[0]:
        pos = np.minimum(np.searchsorted(known_mbi, bene_mbi), known_mbi.shape[0] - 1)
        found = known_mbi[pos] == bene_mbi
        status[found] = known_status[pos[found]]

    # Diagnoses: CCLF4 codes, then the CCLF5 codes unpivoted (one row per line and column), keeping the
    # codes of a mobility category (the CCLF5 row qualified on any of its thirteen).
    a = _wanted(_matrix(part_a, 3), wanted)
    b = _wanted(_matrix(part_b, 2 + len(PART_B_DX_COLUMNS)), wanted)
    width = len(PART_B_DX_COLUMNS)
    b_code = _text(b[:, 2:].ravel())
    b_keep = np.flatnonzero(np.isin(b_code.astype("U3"), cohorts.MOBILITY_DX_CATEGORIES))
    b_row = b_keep // width
    dx_mbi = np.concatenate([_text(a[:, 0]), _text(b[b_row, 0])])
    dx_date = np.concatenate([_dates(a[:, 1]), _dates(b[b_row, 1])])
    dx_code = np.concatenate([_text(a[:, 2]), b_code[b_keep]])

    d = _wanted(_matrix(dme, 3), wanted)
    f = _wanted(_matrix(facility, 7), wanted)
    return cohorts.CohortInputs(
        beneficiaries=cohorts.Beneficiaries(mbi=bene_mbi.astype(object), medicare_status=status),
        diagnoses=cohorts.Diagnoses(mbi=dx_mbi, date=dx_date, code=dx_code),
        dme=cohorts.DMELines(mbi=_text(d[:, 0]), date=_dates(d[:, 1]), hcpcs=_text(d[:, 2])),
        facility=cohorts.FacilityClaims(
            mbi=_text(f[:, 0]),
            claim_type=f[:, 1].astype(np.int64),
            from_date=_dates(f[:, 2]),
            thru_date=_dates(f[:, 3]),
            admission_type=_text(f[:, 4]),
            bill_frequency=_text(f[:, 5]),
            patient_status=_text(f[:, 6]),
        ),
    )
