"""The GLP-1 step's inputs, read set-based (docs/balance.md, "Inputs") for the beneficiaries one alignment
run aligned, as numpy columns for ``engine.evaluate``:

- **people**: the aligned beneficiaries with their CCLF8 birth and death dates (``Beneficiary``);
- **diagnoses**: the Z68 and comorbidity codes of netted claims (``is_current``: replaced and cancelled
  versions left out) dated within the window, from CCLF4 (``PartADiagnosis``, dated by the claim's through
  date) and from the CCLF5 lines that are not denied (``ClaimFact.diagnoses``: the line's code and the
  claim's twelve, dated by the line's from date); one row per (MBI, code, date) with the latest claim;
- **Part D**: each aligned MBI's latest current CCLF7 fill of any drug within the lookback, and the fills
  of the reference table's GLP-1 NDCs (``products.by_ndc``), both on or before the date of interest;
- **spending** before and after therapy start, on the money step's basis (current Part A headers of
  claim types 10–61 by from date, and current Part B and DME lines not denied by line from date).
Codes are compared as the loader stores them (trimmed), with or without the dot, by prefix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.db import connection

from apps.alignment.models import AlignedBeneficiary
from apps.claims.models import Beneficiary, ClaimFact, PartADiagnosis, PartDEvent

from . import engine

FACTS = ClaimFact._meta.db_table
PART_A_DX = PartADiagnosis._meta.db_table
PART_D = PartDEvent._meta.db_table
ALIGNED = AlignedBeneficiary._meta.db_table
BENES = Beneficiary._meta.db_table
PART_A_TYPES = (10, 20, 30, 40, 50, 60, 61)
FETCH = 50_000


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def patterns() -> list[str]:
    """LIKE patterns of every code the rules read, as CMS sends them and with a dot after the category."""
    out: set[str] = set()
    for prefix in (engine.BMI_PREFIX, *engine.CONDITION_PREFIXES):
        out.add(f"{prefix}%")
        out.add(f"{prefix[:3]}.{prefix[3:]}%" if len(prefix) > 3 else f"{prefix}.%")
    return sorted(out)


def _like_any(expr: str, params: list[Any]) -> str:
    """SQL: ``expr`` matches one of ``patterns()`` (an array bound once on PostgreSQL)."""
    if _postgres():
        params.append(patterns())
        return f"{expr} LIKE ANY(%s)"
    clauses = []
    for pattern in patterns():
        params.append(pattern)
        clauses.append(f"{expr} LIKE %s")
    return "(" + " OR ".join(clauses) + ")"


def _split(column: str) -> tuple[str, str]:
    """SQL: a join giving one row per code of a comma-separated text, and the code."""
    if _postgres():
        return f"CROSS JOIN LATERAL unnest(string_to_array({column}, ',')) AS d(code)", "d.code"
    return f"""JOIN json_each('["' || REPLACE({column}, ',', '","') || '"]') AS d""", "d.value"


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        while chunk := cursor.fetchmany(FETCH):
            out += chunk
    return out


def _date(value: Any) -> dt.date | None:
    """A date from a raw cursor (SQLite returns dates and their aggregates as text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _days(values: Iterable[Any]) -> np.ndarray:
    return np.array([_date(v) if v is not None else None for v in values], dtype="datetime64[D]")


def aligned(alignment_run_id: int) -> list[tuple[Any, ...]]:
    """(MBI, ACO pk, TIN, NPI, first name, last name, birth date, death date) of each aligned beneficiary."""
    return [
        (r[0], r[1], r[2], r[3], r[4], r[5], _date(r[6]), _date(r[7]))
        for r in _rows(
            f"SELECT ab.mbi, ab.aco_id, ab.tin, ab.npi, ab.first_name, ab.last_name, "  # noqa: S608
            f"COALESCE(b.birth_date, ab.birth_date), b.death_date "
            f"FROM {ALIGNED} ab LEFT JOIN {BENES} b ON b.mbi = ab.mbi WHERE ab.run_id = %s ORDER BY ab.mbi",
            [alignment_run_id],
        )
    ]


def diagnoses(alignment_run_id: int, first: dt.date, last: dt.date) -> engine.Diagnoses:
    """The codes the rules read on the aligned beneficiaries' netted claims dated ``first``–``last``."""
    part_a_params: list[Any] = [alignment_run_id, first, last]
    part_a = f"""
        SELECT dg.current_mbi, REPLACE(TRIM(dg.clm_dgns_cd), '.', ''), COALESCE(dg.clm_thru_dt, dg.clm_from_dt),
               MAX(dg.cur_clm_uniq_id), 4
        FROM {PART_A_DX} dg JOIN {ALIGNED} ab ON ab.run_id = %s AND ab.mbi = dg.current_mbi
        WHERE dg.is_current AND COALESCE(dg.clm_thru_dt, dg.clm_from_dt) BETWEEN %s AND %s
          AND {_like_any("dg.clm_dgns_cd", part_a_params)}
        GROUP BY 1, 2, 3
    """  # noqa: S608 (table and column names from the models and this module; values are bound)
    join, code = _split("l.diagnoses")
    part_b_params: list[Any] = [alignment_run_id, first.year, last.year, first, last]
    lines = f"""
        SELECT f.current_mbi, f.diagnoses, f.from_date, MAX(f.claim_id) AS claim_id
        FROM {FACTS} f JOIN {ALIGNED} ab ON ab.run_id = %s AND ab.mbi = f.current_mbi
        WHERE f.source = 5 AND f.is_current AND NOT f.is_denied AND f.diagnoses <> ''
          AND f.service_year BETWEEN %s AND %s AND f.from_date BETWEEN %s AND %s
        GROUP BY f.current_mbi, f.diagnoses, f.from_date
    """  # noqa: S608 (as above)
    part_b = f"""
        SELECT l.current_mbi, REPLACE({code}, '.', ''), l.from_date, MAX(l.claim_id), 5
        FROM ({lines}) l {join}
        WHERE {_like_any(code, part_b_params)}
        GROUP BY 1, 2, 3
    """  # noqa: S608 (as above)
    rows = _rows(part_a, part_a_params) + _rows(part_b, part_b_params)
    if not rows:
        return engine.Diagnoses(
            mbi=np.zeros(0, dtype="U11"),
            code=np.zeros(0, dtype="U7"),
            service_date=np.zeros(0, dtype="datetime64[D]"),
            claim_id=np.zeros(0, dtype=np.int64),
            source=np.zeros(0, dtype=np.int16),
        )
    mbi, codes, days, claims, sources = zip(*rows, strict=True)
    return engine.Diagnoses(
        mbi=np.array([m.strip() for m in mbi], dtype="U11"),
        code=np.array([engine.clean_code(c) for c in codes], dtype="U7"),
        service_date=_days(days),
        claim_id=np.array([c or 0 for c in claims], dtype=np.int64),
        source=np.array(sources, dtype=np.int16),
    )


def part_d_last_fill(alignment_run_id: int, first: dt.date, last: dt.date) -> dict[str, dt.date]:
    """Each aligned MBI's latest current Part D fill (any drug) dated ``first``–``last``."""
    rows = _rows(
        f"SELECT e.current_mbi, MAX(e.clm_line_from_dt) FROM {PART_D} e "  # noqa: S608
        f"JOIN {ALIGNED} ab ON ab.run_id = %s AND ab.mbi = e.current_mbi "
        f"WHERE e.is_current AND e.clm_line_from_dt BETWEEN %s AND %s GROUP BY e.current_mbi",
        [alignment_run_id, first, last],
    )
    return {m.strip(): d for m, day in rows if (d := _date(day)) is not None}


def part_d_through(last: dt.date) -> dt.date | None:
    """The latest current Part D fill date of anyone on or before ``last`` (the Part D run-through)."""
    rows = _rows(f"SELECT MAX(clm_line_from_dt) FROM {PART_D} WHERE is_current AND clm_line_from_dt <= %s", [last])  # noqa: S608
    return _date(rows[0][0]) if rows else None


def glp1_fills(alignment_run_id: int, ndcs: Sequence[str], first: dt.date, last: dt.date) -> engine.Fills:
    """The aligned beneficiaries' current CCLF7 fills of ``ndcs`` dated ``first``–``last``."""
    params: list[Any] = [alignment_run_id, first, last]
    if _postgres():
        params.append(list(ndcs))
        among = "TRIM(e.clm_line_ndc_cd) = ANY(%s)"
    else:
        params += list(ndcs)
        among = f"TRIM(e.clm_line_ndc_cd) IN ({', '.join(['%s'] * len(ndcs))})"
    rows = _rows(
        f"SELECT e.current_mbi, TRIM(e.clm_line_ndc_cd), e.clm_line_from_dt, e.clm_line_days_suply_qty, "  # noqa: S608
        f"e.cur_clm_uniq_id, e.clm_line_bene_pmt_amt FROM {PART_D} e "
        f"JOIN {ALIGNED} ab ON ab.run_id = %s AND ab.mbi = e.current_mbi "
        f"WHERE e.is_current AND e.clm_line_from_dt BETWEEN %s AND %s AND {among} "
        f"ORDER BY e.current_mbi, e.clm_line_from_dt, e.cur_clm_uniq_id",
        params,
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    return engine.Fills(
        mbi=np.array([m.strip() for m in columns[0]], dtype="U11"),
        ndc=np.array(columns[1], dtype="U11"),
        fill_date=_days(columns[2]),
        days_supply=np.array([int(round(float(v or 0))) for v in columns[3]], dtype=np.int64),
        claim_id=np.array([v or 0 for v in columns[4]], dtype=np.int64),
        patient_paid_cents=np.array([int(round(float(v or 0) * 100)) for v in columns[5]], dtype=np.int64),
    )


def spending(windows: Sequence[tuple[str, dt.date, dt.date, dt.date, dt.date]]) -> dict[str, tuple[int, int]]:
    """Part A/B paid cents of each MBI in its two windows ``(mbi, before_first, before_last, after_first,
    after_last)``: {mbi: (before cents, after cents)}, on the money step's basis. One statement over a
    table of the windows (a temporary table; a few thousand treated beneficiaries)."""
    if not windows:
        return {}
    first = min(min(w[1], w[3]) for w in windows)
    last = max(max(w[2], w[4]) for w in windows)
    types = ", ".join(str(t) for t in PART_A_TYPES)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS glp1_windows")
        cursor.execute(
            "CREATE TEMPORARY TABLE glp1_windows (mbi varchar(11) PRIMARY KEY, b0 date, b1 date, a0 date, a1 date)"
        )
        cursor.executemany("INSERT INTO glp1_windows VALUES (%s, %s, %s, %s, %s)", [tuple(w) for w in windows])
        cursor.execute(
            f"""
            SELECT w.mbi,
                   SUM(CASE WHEN f.from_date BETWEEN w.b0 AND w.b1 THEN f.paid_cents ELSE 0 END),
                   SUM(CASE WHEN f.from_date BETWEEN w.a0 AND w.a1 THEN f.paid_cents ELSE 0 END)
            FROM glp1_windows w JOIN {FACTS} f ON f.current_mbi = w.mbi
            WHERE f.service_year BETWEEN %s AND %s AND f.is_current AND f.paid_cents IS NOT NULL
              AND f.from_date BETWEEN %s AND %s
              AND ((f.source = 1 AND f.claim_type IN ({types})) OR (f.source IN (5, 6) AND NOT f.is_denied))
            GROUP BY w.mbi
            """,  # noqa: S608 (table and column names from the models and this module; values are bound)
            [first.year, last.year, first, last],
        )
        out = {m: (int(b or 0), int(a or 0)) for m, b, a in cursor.fetchall()}
        cursor.execute("DROP TABLE IF EXISTS glp1_windows")
    return out
