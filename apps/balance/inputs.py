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
Codes are compared as the loader stores them (trimmed) by their category, with or without the dot.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.db import connection, transaction

from apps.alignment.models import AlignedBeneficiary
from apps.claims.models import Beneficiary, ClaimFact, PartADiagnosis, PartDEvent
from apps.risk.inputs import split_codes

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


def categories() -> list[str]:
    """The ICD-10 categories (first three characters) of every code the rules read; the rows of these
    categories leave the database and the engine keeps the codes that are the rules' own (I25.2, not
    I25.10)."""
    return sorted({prefix[:3] for prefix in (engine.BMI_PREFIX, *engine.CONDITION_PREFIXES)})


def _in_categories(expr: str, params: list[Any]) -> str:
    """SQL: the category of the code ``expr`` is one of ``categories()``: an equality with an array, which
    PostgreSQL hashes (a LIKE per pattern costs seconds over millions of codes)."""
    if _postgres():
        params.append(categories())
        return f"LEFT({expr}, 3) = ANY(%s)"
    params.append(json.dumps(categories()))
    return f"substr({expr}, 1, 3) IN (SELECT value FROM json_each(%s))"  # noqa: S608 (this module's expression)


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


# Each (MBI, code) leaves the database once, with the evidence the rules would pick among its rows (the
# latest service date, then the latest claim): as one integer, the maximum of day × 2^47 + claim id
# (CUR_CLM_UNIQ_ID has 13 digits, less than 2^47), which parallel workers aggregate by parts.
CLAIM_BITS = 47
CLAIM_MASK = (1 << CLAIM_BITS) - 1


def _best(day: str, claim: str) -> str:
    days = f"({day} - DATE '1970-01-01')" if _postgres() else f"CAST(julianday({day}) - 2440587.5 AS INTEGER)"
    return f"(CAST({days} AS BIGINT) * {1 << CLAIM_BITS} + COALESCE({claim}, 0))"


def diagnoses(alignment_run_id: int, first: dt.date, last: dt.date) -> engine.Diagnoses:
    """The codes the rules read on the aligned beneficiaries' netted claims dated ``first``–``last``: per
    (MBI, code) the latest, with its claim."""
    day_a = "COALESCE(dg.clm_thru_dt, dg.clm_from_dt)"
    part_a_params: list[Any] = [alignment_run_id, first, last]
    part_a = f"""
        SELECT dg.current_mbi, REPLACE(TRIM(dg.clm_dgns_cd), '.', ''), MAX({_best(day_a, "dg.cur_clm_uniq_id")}), 4
        FROM {PART_A_DX} dg JOIN {ALIGNED} ab ON ab.run_id = %s AND ab.mbi = dg.current_mbi
        WHERE dg.is_current AND {day_a} BETWEEN %s AND %s
          AND {_in_categories("dg.clm_dgns_cd", part_a_params)}
        GROUP BY 1, 2
    """  # noqa: S608 (table and column names from the models and this module; values are bound)
    join, code = split_codes("l.diagnoses")
    part_b_params: list[Any] = [alignment_run_id, first.year, last.year, first, last]
    # A claim's diagnoses repeat on each of its lines, and a chronic condition on most visits: the lines of a
    # beneficiary with the same codes are reduced to one, with the evidence the rules would pick, before
    # their codes are split.
    lines = f"""
        SELECT f.current_mbi, f.diagnoses, MAX({_best("f.from_date", "f.claim_id")}) AS best
        FROM {FACTS} f JOIN {ALIGNED} ab ON ab.run_id = %s AND ab.mbi = f.current_mbi
        WHERE f.source = 5 AND f.is_current AND NOT f.is_denied AND f.diagnoses <> ''
          AND f.service_year BETWEEN %s AND %s AND f.from_date BETWEEN %s AND %s
        GROUP BY f.current_mbi, f.diagnoses
    """  # noqa: S608 (as above)
    part_b = f"""
        SELECT l.current_mbi, REPLACE({code}, '.', ''), MAX(l.best), 5
        FROM ({lines}) l {join}
        WHERE {_in_categories(code, part_b_params)}
        GROUP BY 1, 2
    """  # noqa: S608 (as above)
    with transaction.atomic():
        if _postgres():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                # The lines' groups are hashed in memory rather than sorted on disk.
                cursor.execute("SET LOCAL work_mem = '256MB'")
        rows = _rows(part_a, part_a_params) + _rows(part_b, part_b_params)
    return _diagnoses(rows)


def _diagnoses(rows: Sequence[tuple[Any, ...]]) -> engine.Diagnoses:
    """Rows (MBI, code, packed evidence, source) as columns."""
    if not rows:
        return engine.Diagnoses(
            mbi=np.zeros(0, dtype="U11"),
            code=np.zeros(0, dtype="U7"),
            service_date=np.zeros(0, dtype="datetime64[D]"),
            claim_id=np.zeros(0, dtype=np.int64),
            source=np.zeros(0, dtype=np.int16),
        )
    mbi, codes, best, sources = zip(*rows, strict=True)
    packed = np.array(best, dtype=np.int64)
    return engine.Diagnoses(
        mbi=np.array([m.strip() for m in mbi], dtype="U11"),
        code=np.array([engine.clean_code(c) for c in codes], dtype="U7"),
        service_date=(packed >> CLAIM_BITS).astype("datetime64[D]"),
        claim_id=packed & CLAIM_MASK,
        source=np.array(sources, dtype=np.int16),
    )


def concat(*parts: engine.Diagnoses) -> engine.Diagnoses:
    return engine.Diagnoses(
        mbi=np.concatenate([p.mbi for p in parts]),
        code=np.concatenate([p.code for p in parts]),
        service_date=np.concatenate([p.service_date for p in parts]),
        claim_id=np.concatenate([p.claim_id for p in parts]),
        source=np.concatenate([p.source for p in parts]),
    )


def part_d(
    alignment_run_id: int, ndcs: Sequence[str], *, active_from: dt.date, fills_from: dt.date, last: dt.date
) -> tuple[dict[str, dt.date], engine.Fills]:
    """In one pass over the current CCLF7 fills of the aligned beneficiaries dated up to ``last``: each one's
    latest fill of any drug from ``active_from`` on (Part D enrolment seen), and their fills of ``ndcs`` from
    ``fills_from`` on, in date order."""
    params: list[Any] = [active_from]
    if _postgres():
        params.append(list(ndcs))
        among = "TRIM(e.clm_line_ndc_cd) = ANY(%s)"
        rows_of = "json_agg"
    else:
        params.append(json.dumps(list(ndcs)))
        among = "TRIM(e.clm_line_ndc_cd) IN (SELECT value FROM json_each(%s))"
        rows_of = "json_group_array"
    params += [fills_from, alignment_run_id, min(active_from, fills_from), last]
    sql = f"""
        SELECT e.current_mbi,
               MAX(CASE WHEN e.clm_line_from_dt >= %s THEN e.clm_line_from_dt END),
               {rows_of}(json_array(
                   TRIM(e.clm_line_ndc_cd), e.clm_line_from_dt, e.clm_line_days_suply_qty, e.cur_clm_uniq_id,
                   e.clm_line_bene_pmt_amt
               )) FILTER (WHERE {among} AND e.clm_line_from_dt >= %s)
        FROM {PART_D} e JOIN {ALIGNED} ab ON ab.run_id = %s AND ab.mbi = e.current_mbi
        WHERE e.is_current AND e.clm_line_from_dt BETWEEN %s AND %s
        GROUP BY e.current_mbi
    """  # noqa: S608 (table and column names from the models and this module; values are bound)
    if _postgres():
        sql = sql.replace("json_array(", "json_build_array(")
    latest: dict[str, dt.date] = {}
    fills: list[tuple[str, str, dt.date, int, int, int]] = []
    with transaction.atomic():
        if _postgres():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        rows = _rows(sql, params)
    for mbi, day, found in rows:
        mbi = mbi.strip()
        if (d := _date(day)) is not None:
            latest[mbi] = d
        for ndc, when, supply, claim, paid in json.loads(found) if isinstance(found, str) else found or []:
            if (filled := _date(when)) is None:
                continue
            fills.append(
                (
                    mbi,
                    ndc,
                    filled,
                    int(round(float(supply or 0))),
                    int(claim or 0),
                    int(round(float(paid or 0) * 100)),
                )
            )
    fills.sort(key=lambda f: (f[0], f[2], f[4]))
    columns = list(zip(*fills, strict=True)) if fills else [()] * 6
    return latest, engine.Fills(
        mbi=np.array(columns[0], dtype="U11"),
        ndc=np.array(columns[1], dtype="U11"),
        fill_date=_days(columns[2]),
        days_supply=np.array(columns[3], dtype=np.int64),
        claim_id=np.array(columns[4], dtype=np.int64),
        patient_paid_cents=np.array(columns[5], dtype=np.int64),
    )


def _table(name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], params: list[Any]) -> str:
    """SQL: ``rows`` as a table ``t`` with ``columns`` (the first an MBI, the rest dates): arrays unnested on
    PostgreSQL (which its parallel workers read, unlike a temporary table); on SQLite a temporary table
    ``name`` keyed by the MBI (a derived table there is joined row by row, without an index)."""
    if _postgres():
        params += [list(c) for c in zip(*rows, strict=True)]
        types = ", ".join(["%s::varchar[]", *["%s::date[]"] * (len(columns) - 1)])
        return f"unnest({types}) AS t({', '.join(columns)})"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns[0]} text PRIMARY KEY, {', '.join(columns[1:])})")
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", [tuple(r) for r in rows])  # noqa: S608
    return f"{name} AS t"


def treated(
    windows: Sequence[tuple[str, dt.date, dt.date, dt.date, dt.date, dt.date, dt.date]],
) -> tuple[engine.Diagnoses, dict[str, tuple[int, int]]]:
    """For the treated beneficiaries, each ``(mbi, first, last, before_first, before_last, after_first,
    after_last)``: the codes of their netted claims dated ``first``–``last`` (the lookback before therapy
    start; per (MBI, code) the latest, with its claim), and their Part A/B paid cents in the two spending
    windows, on the money step's basis: {mbi: (before cents, after cents)}. The claim facts are scanned
    once for both (a materialized set of the treated beneficiaries' facts)."""
    if not windows:
        return _diagnoses([]), {}
    low = min(min(w[1], w[3]) for w in windows)
    high = max(max(w[2], w[6]) for w in windows)
    types = ", ".join(str(t) for t in PART_A_TYPES)
    params: list[Any] = []
    table = _table("glp1_treated", ("mbi", "d0", "d1", "b0", "b1", "a0", "a1"), windows, params)
    params += [low.year, high.year, low, high]
    join, code = split_codes("l.diagnoses")
    paid = "f.paid_cents IS NOT NULL AND ((f.source = 1 AND f.claim_type IN ({types})) OR f.source IN (5, 6))"
    sql = f"""
        WITH f AS MATERIALIZED (
            SELECT t.mbi, t.d0, t.d1, t.b0, t.b1, t.a0, t.a1, x.source, x.claim_type, x.from_date, x.paid_cents,
                   x.claim_id, x.diagnoses
            FROM {table} JOIN {FACTS} x ON x.current_mbi = t.mbi
            WHERE x.service_year BETWEEN %s AND %s AND x.from_date BETWEEN %s AND %s AND x.is_current
              AND NOT x.is_denied AND x.source IN (1, 5, 6)
        )
        SELECT f.mbi, '', SUM(CASE WHEN f.from_date BETWEEN f.b0 AND f.b1 THEN f.paid_cents ELSE 0 END),
               SUM(CASE WHEN f.from_date BETWEEN f.a0 AND f.a1 THEN f.paid_cents ELSE 0 END)
        FROM f WHERE {paid.format(types=types)}
        GROUP BY f.mbi
        UNION ALL
        SELECT l.mbi, REPLACE({code}, '.', ''), MAX(l.best), 5
        FROM (
            SELECT f.mbi, f.diagnoses, MAX({_best("f.from_date", "f.claim_id")}) AS best FROM f
            WHERE f.source = 5 AND f.diagnoses <> '' AND f.from_date BETWEEN f.d0 AND f.d1
            GROUP BY f.mbi, f.diagnoses
        ) l {join}
        WHERE {_in_categories(code, params)}
        GROUP BY 1, 2
    """  # noqa: S608 (table and column names from the models and this module; values are bound)
    day_a = "COALESCE(dg.clm_thru_dt, dg.clm_from_dt)"
    params_a: list[Any] = []
    table_a = _table("glp1_treated_dx", ("mbi", "d0", "d1"), [w[:3] for w in windows], params_a)
    part_a = f"""
        SELECT t.mbi, REPLACE(TRIM(dg.clm_dgns_cd), '.', ''), MAX({_best(day_a, "dg.cur_clm_uniq_id")}), 4
        FROM {table_a} JOIN {PART_A_DX} dg ON dg.current_mbi = t.mbi
        WHERE dg.is_current AND {day_a} BETWEEN t.d0 AND t.d1 AND {_in_categories("dg.clm_dgns_cd", params_a)}
        GROUP BY 1, 2
    """  # noqa: S608 (as above)
    spend: dict[str, tuple[int, int]] = {}
    codes: list[tuple[Any, ...]] = []
    with transaction.atomic():
        if _postgres():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                # One pass over the facts, hashed against the treated beneficiaries: with the larger memory
                # the Part B read sets, the planner sorts the facts instead (three times slower).
                cursor.execute("SET LOCAL work_mem TO DEFAULT")
        for mbi, kind, a, b in _rows(sql, params):
            if kind == "":
                spend[mbi.strip()] = (int(a or 0), int(b or 0))
            else:
                codes.append((mbi, kind, a, b))
        codes += _rows(part_a, params_a)
    return _diagnoses(codes), spend
