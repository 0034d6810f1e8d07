"""The episode rule's inputs, read set-based (docs/cara.md, "Inputs"), and the costs of the episodes it
chose, summed by the database.

- Triggers: current inpatient stays (CCLF1 claim type 60; the wide header, which carries the MS-DRG,
  the principal diagnosis and the operating and attending NPIs, the claim-level field when the
  header-level one is empty) whose MS-DRG is a trigger code, and current, paid Part B lines (the claim
  facts) whose HCPCS is one, starting in the years asked.
- Costs: every current, paid claim fact (CCLF1 headers, CCLF5 and CCLF6 lines) of the beneficiary
  whose from-date lies in an episode's window, summed per episode and claim category in one query that
  joins the facts to a temporary table of the windows.
- Per episode, the ACO its beneficiary is aligned to in the alignment run, and the beneficiary's risk
  score of the episode's start year in the risk run, in one query on the same table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import connection

from apps.alignment.models import AlignedBeneficiary
from apps.claims.models import ClaimFact, PartAClaim
from apps.risk.models import RiskScore

from . import engine

FACTS = ClaimFact._meta.db_table
HEADERS = PartAClaim._meta.db_table
WINDOWS_PREFIX = "cara_episode_window"


def _windows() -> str:
    """The episode windows' table of this step. On PostgreSQL an unlogged table of this session's own (named
    after the server process, so two steps at once never share one), not a temporary table: a query that
    reads a temporary table never runs in parallel, and the costs join scans every fact of the years, which
    two workers do in half the time. Created inside the step's transaction, so a failed step leaves none."""
    if _postgres():
        return f"{WINDOWS_PREFIX}_{connection.connection.info.backend_pid}"
    return WINDOWS_PREFIX


INPATIENT_TYPE = 60
# The claim category of a fact (CCLF1 headers by claim type; CCLF5 and CCLF6 lines), and of the trigger's
# own claim ("index").
CATEGORY_SQL = """CASE
    WHEN f.source = 1 AND f.claim_type = 60 AND e.kind = 0 AND f.claim_id = e.claim_id THEN 'index'
    WHEN f.source = 5 AND e.kind = 1 AND f.claim_id = e.claim_id THEN 'index'
    WHEN f.source = 1 AND f.claim_type = 60 THEN 'inpatient'
    WHEN f.source = 1 AND f.claim_type IN (20, 30) THEN 'snf'
    WHEN f.source = 1 AND f.claim_type = 10 THEN 'home_health'
    WHEN f.source = 1 AND f.claim_type = 40 THEN 'outpatient'
    WHEN f.source = 1 AND f.claim_type = 50 THEN 'hospice'
    WHEN f.source = 5 THEN 'professional'
    WHEN f.source = 6 THEN 'dme'
END"""


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def drg(code: str) -> str:
    """An MS-DRG as compared: without blanks or leading zeros (CMS writes 470, 0470 or 065)."""
    return code.strip().lstrip("0") or "0"


def _npi(column: str) -> str:
    """SQL: the header-level NPI, or the claim-level twin when it is empty."""
    return f"COALESCE(NULLIF(TRIM(h.{column}), ''), TRIM(COALESCE(h.clm_{column}, '')))"


def load_triggers(years: Sequence[int], definitions: Sequence[engine.Definition]) -> engine.Triggers:
    """Candidate triggers starting in ``years`` (the rule then matches them to definitions)."""
    drgs = sorted({drg(c) for d in definitions if d.kind == engine.INPATIENT for c in d.codes})
    hcpcs = sorted({c for d in definitions if d.kind == engine.PROCEDURE for c in d.codes})
    first, last = dt.date(min(years), 1, 1), dt.date(max(years), 12, 31)
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if drgs:
            marks = ", ".join(["%s"] * len(drgs))
            cursor.execute(
                f"""
                SELECT TRIM(h.current_mbi), h.cur_clm_uniq_id, 0, LTRIM(TRIM(h.dgns_drg_cd), '0'),
                       REPLACE(TRIM(COALESCE(h.prncpl_dgns_cd, '')), '.', ''), h.clm_from_dt,
                       COALESCE(h.clm_thru_dt, h.clm_from_dt),
                       {_npi("oprtg_prvdr_npi_num")}, {_npi("atndg_prvdr_npi_num")}, ''
                FROM {HEADERS} h
                WHERE h.is_current AND h.clm_type_cd = {INPATIENT_TYPE} AND h.current_mbi <> ''
                  AND h.clm_from_dt BETWEEN %s AND %s AND LTRIM(TRIM(h.dgns_drg_cd), '0') IN ({marks})
                """,  # noqa: S608 (table and column names from the models and this module; values are bound)
                [first, last, *drgs],
            )
            rows += cursor.fetchall()
        if hcpcs:
            marks = ", ".join(["%s"] * len(hcpcs))
            years_sql = f"f.service_year BETWEEN {int(min(years))} AND {int(max(years))}"
            cursor.execute(
                f"""
                SELECT TRIM(f.current_mbi), f.claim_id, 1, TRIM(f.hcpcs), '', f.from_date, f.from_date, '', '',
                       TRIM(f.npi)
                FROM {FACTS} f
                WHERE f.source = 5 AND {years_sql} AND f.is_current AND NOT f.is_denied AND f.current_mbi <> ''
                  AND f.from_date BETWEEN %s AND %s AND f.hcpcs IN ({marks})
                """,  # noqa: S608 (as above)
                [first, last, *hcpcs],
            )
            rows += cursor.fetchall()
    if not rows:
        return engine.Triggers.empty()
    cols = list(zip(*rows, strict=True))
    text = lambda values, width: np.array([v or "" for v in values], dtype=f"U{width}")  # noqa: E731
    day = lambda values: np.array([_date(v) for v in values], dtype="datetime64[D]")  # noqa: E731
    return engine.Triggers(
        mbi=text(cols[0], 11),
        claim_id=np.array(cols[1], dtype=np.int64),
        kind=np.array(cols[2], dtype=np.int8),
        code=text(cols[3], 5),
        principal_dx=text(cols[4], 7),
        start=day(cols[5]),
        anchor_end=day(cols[6]),
        operating_npi=text(cols[7], 10),
        attending_npi=text(cols[8], 10),
        rendering_npi=text(cols[9], 10),
    )


def _date(value: Any) -> dt.date:
    """A date from a raw cursor (SQLite returns computed dates as text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def create_windows(rows: Sequence[tuple[Any, ...]]) -> None:
    """The table of episode windows (k, MBI, claim id, kind, start, end, year) the cost and context queries
    join; ``drop_windows`` removes it (on PostgreSQL a rolled-back step's transaction does too)."""
    with connection.cursor() as cursor:
        windows = _windows()
        cursor.execute(f"DROP TABLE IF EXISTS {windows}")
        mbi = "char(11)" if _postgres() else "text"
        kind = "UNLOGGED TABLE" if _postgres() else "TEMP TABLE"
        cursor.execute(
            f"CREATE {kind} {windows} (k integer, mbi {mbi}, claim_id bigint, kind smallint, "
            "start_date date, end_date date, year integer)"
        )
        if _postgres():
            with cursor.copy(f"COPY {windows} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {windows} VALUES (%s, %s, %s, %s, %s, %s, %s)", list(rows))  # noqa: S608
        if _postgres():
            cursor.execute(f"ANALYZE {windows}")


def drop_windows() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_windows()}")


def costs(years: Sequence[int]) -> list[tuple[int, str, int, int]]:
    """(k, category, paid cents, claims) of every window: current, paid facts of the beneficiary that began
    in the window (the years: those the windows cover, for partition pruning)."""
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves on this one-off join
        cursor.execute(
            f"""
            SELECT e.k, {CATEGORY_SQL} AS category, SUM(COALESCE(f.paid_cents, 0)), COUNT(*)
            FROM {_windows()} e
            JOIN {FACTS} f ON f.current_mbi = e.mbi AND f.from_date BETWEEN e.start_date AND e.end_date
            WHERE f.source IN (1, 5, 6) AND f.service_year BETWEEN %s AND %s AND f.is_current AND NOT f.is_denied
              AND (f.source <> 1 OR f.claim_type IN (10, 20, 30, 40, 50, 60))
            GROUP BY e.k, category
            """,  # noqa: S608 (table and column names from the models and this module; values are bound)
            [int(min(years)), int(max(years))],
        )
        return [(int(k), str(c), int(cents or 0), int(n)) for k, c, cents, n in cursor.fetchall() if c is not None]


def context(alignment_run_id: int, risk_run_id: int | None) -> list[tuple[int, int | None, float | None]]:
    """(k, aligned ACO pk or None, risk score of the start year or None) of every window."""
    aligned = AlignedBeneficiary._meta.db_table
    scores = RiskScore._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT e.k, ab.aco_id, rs.normalized_score
            FROM {_windows()} e
            LEFT JOIN {aligned} ab ON ab.run_id = %s AND ab.mbi = e.mbi
            LEFT JOIN {scores} rs ON rs.run_id = %s AND rs.mbi = e.mbi AND rs.score_year = e.year
            """,  # noqa: S608 (as above)
            [alignment_run_id, risk_run_id or 0],
        )
        return [(int(k), aco, score) for k, aco, score in cursor.fetchall()]


def claims_through(performance_year: int) -> dt.date | None:
    """The latest from-date of a current claim fact up to the end of the PY: episodes whose window ends
    after it are still open."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(f.from_date) FROM {FACTS} f WHERE f.service_year BETWEEN %s AND %s AND f.is_current",  # noqa: S608
            [performance_year - 1, performance_year],
        )
        row = cursor.fetchone()
    return _date(row[0]) if row and row[0] is not None else None
