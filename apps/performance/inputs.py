"""The money step's inputs, set-based: netted paid amounts and member-months of the beneficiaries an
alignment run aligned, summed by ACO, cohort, alignment type (claims or voluntary: benchmarks are set for
each separately), month (and service category) for the performance year and its three base years,
written as ``CostFact`` and ``MemberMonthFact`` rows of the pipeline run; and their average risk scores
(``CohortRiskFact``) for the risk-adjusted benchmark.

- Expenditure (docs/money.md): current (netted) Part A headers' ``CLM_PMT_AMT`` by claim type (10 home
  health, 20/30 SNF, 40 outpatient incl. RHC/FQHC, 50 hospice, 60/61 inpatient), current, not denied
  Part B (CCLF5, professional) and DME (CCLF6) lines' ``CLM_LINE_CVRD_PD_AMT``, dated by the claim's
  (line's) from-date. In the performance year only services on or after the beneficiary's alignment
  effective date count (a mid-year addition is the ACO's from then on), and none after the run's
  as-of date. Read from the narrow claim facts (``ClaimFact``, which carry those same dates, amounts in
  cents, claim types and flags), one GROUP BY per source joined to the run's aligned beneficiaries: the
  database does the summing over the service years' partitions only, a few thousand rows come back.
- Member-months: a month counts when the beneficiary is alive on its first day (the month of death
  counts) and, in the performance year, aligned (from the effective date's month) and within the
  claims run-through; in a base year, entitled (from the later of the Part A and Part B start dates).
  Counted with numpy over one read of the aligned beneficiaries (one row each).
- Capitation reductions (``CapitationReductionFact``): CCLFA/CCLFB ``CLM_PBP_RDCTN_AMT``, what CMS
  withheld from a fee-for-service payment because the provider's capitation covers the service. A
  current CCLFA row is summed through its current CCLF1 header (by CUR_CLM_UNIQ_ID), a current CCLFB row
  through its current CCLF5 or CCLF6 line (by CUR_CLM_UNIQ_ID and CLM_LINE_NUM): the service date,
  the beneficiary and every restriction are the claim's, under the very filter expenditure uses
  (``_claim_filter``), so the reductions are those of exactly the claims expenditure sums (whose paid
  amounts are already net of them). *Choice*: performance-year services only (from the alignment
  effective date, through the month member-months end); no cut at death, as expenditure has none.
  Rows without a reduction (the amount empty or zero) are left out early: most claims have none; a
  CCLFA/CCLFB row whose claim was never sent (the loader keeps it current) has no service date and no
  expenditure, so it counts nowhere.
- Spending per beneficiary (``BeneficiarySpendingFact``): the performance year's expenditure again, under
  the same claim filter and dates, grouped by beneficiary and category instead of month, one row per
  aligned beneficiary (zeros without claims). One ``INSERT … SELECT``: nothing comes back to Python. An
  ACO's rows add up to its PY ``CostFact`` rows, by cohort and by category, which is what lets the
  high-cost list reconcile with the money page.
- Average risk (``CohortRiskFact``, when the pipeline has a risk run): per ACO, cohort, alignment type and
  score year (the PY and each base year), the aligned beneficiaries' ``RiskScore.normalized_score`` of
  the risk run, each weighted by their member-months of that year, counted in SQL exactly as
  ``member_month_rows`` counts them (before any PY claims, the PY through December). One aggregate
  joining the aligned beneficiaries with the risk run's scores: a few rows come back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from django.db import connection

from apps.alignment.models import AlignedBeneficiary
from apps.alignment.runs import copy_rows
from apps.claims.models import (
    Beneficiary,
    ClaimFact,
    DMELine,
    PartABenefitCodes,
    PartAClaim,
    PartBBenefitCodes,
    PartBLine,
)
from apps.risk import parameters as risk_parameters
from apps.risk.models import RiskScore

from .models import (
    BeneficiarySpendingFact,
    CapitationReductionFact,
    Category,
    CohortRiskFact,
    CostFact,
    MemberMonthFact,
)

PART_A_CATEGORIES = {
    10: "home_health",
    20: "snf",
    30: "snf",
    40: "outpatient",
    50: "hospice",
    60: "inpatient",
    61: "inpatient",
}
BASE_YEARS = 3
RISK_PLACES = Decimal("0.000001")  # average risk scores are kept to 6 decimals


def _year_month(column: str) -> tuple[str, str]:
    if connection.vendor == "postgresql":
        return f"EXTRACT(YEAR FROM {column})::int", f"EXTRACT(MONTH FROM {column})::int"
    return f"CAST(strftime('%%Y', {column}) AS INTEGER)", f"CAST(strftime('%%m', {column}) AS INTEGER)"


def _claim_filter(*, date: str, amount: str, where: str) -> str:
    """The claims (``t``, joined to the aligned beneficiary ``ab``) expenditure counts; parameters: first
    day, last day, first day of the PY (before it, a base year: no alignment date applies)."""
    return (
        f"t.is_current AND t.{date} BETWEEN %s AND %s AND t.{amount} IS NOT NULL AND {where} "
        f"AND (t.{date} < %s OR ab.effective_from IS NULL OR t.{date} >= ab.effective_from)"
    )


def _cost_query(*, table: str, date: str, amount: str, category_sql: str, where: str) -> str:
    year, month = _year_month(f"t.{date}")
    aligned = AlignedBeneficiary._meta.db_table
    return (
        f"SELECT ab.aco_id, ab.cohort, {year} AS y, {month} AS m, {category_sql} AS category, "  # noqa: S608
        f"SUM(t.{amount}), COUNT(*) "
        f"FROM {table} t JOIN {aligned} ab ON ab.run_id = %s AND ab.mbi = t.current_mbi "
        f"WHERE {_claim_filter(date=date, amount=amount, where=where)} "
        "GROUP BY 1, 2, 3, 4, 5"
    )


def _reduction_query(
    *, codes: str, keys: tuple[str, ...], table: str, date: str, amount: str, category_sql: str, where: str
) -> str:
    """The reduction amounts of current CCLFA/CCLFB rows (``codes``) whose claim (``table``, joined by
    ``keys``) is one expenditure counts, summed like ``_cost_query``."""
    year, month = _year_month(f"t.{date}")
    aligned = AlignedBeneficiary._meta.db_table
    on = " AND ".join(f"t.{k} = c.{k}" for k in keys)
    return (
        f"SELECT ab.aco_id, ab.cohort, {year} AS y, {month} AS m, {category_sql} AS category, "  # noqa: S608
        "SUM(c.clm_pbp_rdctn_amt), COUNT(*) "
        f"FROM {codes} c JOIN {table} t ON {on} "
        f"JOIN {aligned} ab ON ab.run_id = %s AND ab.mbi = t.current_mbi "
        "WHERE c.is_current AND c.clm_pbp_rdctn_amt IS NOT NULL AND c.clm_pbp_rdctn_amt <> 0 "
        f"AND {_claim_filter(date=date, amount=amount, where=where)} "
        "GROUP BY 1, 2, 3, 4, 5"
    )


def _part_a_category() -> tuple[str, str]:
    """(CASE expression naming a CCLF1 claim type's category, the claim types counted)."""
    case = " ".join(f"WHEN {code} THEN '{cat}'" for code, cat in PART_A_CATEGORIES.items())
    codes = ", ".join(str(code) for code in PART_A_CATEGORIES)
    return f"CASE t.clm_type_cd {case} END", f"t.clm_type_cd IN ({codes})"


def _hash_groups(cursor: Any) -> None:
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # The claims tables carry no planner statistics right after a load (loads do not ANALYZE:
        # see the loader), so PostgreSQL guesses a few thousand rows and sorts millions of joined
        # lines on disk to group them. The groups are few (ACO x cohort x month x category): hash
        # them. JIT compiling costs more than it saves on these scans.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL jit = off")


def _claim_sources() -> list[dict[str, str]]:
    """The claims that are expenditure, one entry per table: Part A headers (CCLF1, by claim type),
    Part B lines (CCLF5) and DME lines (CCLF6), not denied."""
    category, types = _part_a_category()
    return [
        {
            "table": PartAClaim._meta.db_table,
            "date": "clm_from_dt",
            "amount": "clm_pmt_amt",
            "category_sql": category,
            "where": types,
        },
        {
            "table": PartBLine._meta.db_table,
            "date": "clm_line_from_dt",
            "amount": "clm_line_cvrd_pd_amt",
            "category_sql": "'professional'",
            "where": "NOT t.is_denied",
        },
        {
            "table": DMELine._meta.db_table,
            "date": "clm_line_from_dt",
            "amount": "clm_line_cvrd_pd_amt",
            "category_sql": "'dme'",
            "where": "NOT t.is_denied",
        },
    ]


def _run_queries(queries: list[str], params: list[Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        _hash_groups(cursor)
        for sql in queries:
            cursor.execute(sql, params)
            out.extend(cursor.fetchall())
    return out


def _fact_sources(first_year: int, last_year: int) -> list[dict[str, str]]:
    """The expenditure of ``_claim_sources`` read from the narrow claim facts (``ClaimFact``), which carry
    the same dates (the header's from-date, the line's), paid amounts (in cents, NULL when CMS sent none),
    claim types and flags: one entry per source, restricted to the service years' partitions."""
    category, types = _part_a_category()
    years = f"t.service_year BETWEEN {int(first_year)} AND {int(last_year)}"
    return [
        {"source": "1", "category_sql": category.replace("t.clm_type_cd", "t.claim_type"),
         "where": f"t.source = 1 AND {years} AND {types.replace('t.clm_type_cd', 't.claim_type')}"},
        {"source": "5", "category_sql": "'professional'", "where": f"t.source = 5 AND {years} AND NOT t.is_denied"},
        {"source": "6", "category_sql": "'dme'", "where": f"t.source = 6 AND {years} AND NOT t.is_denied"},
    ]  # fmt: skip


def _fact_cost_query(*, source: str, category_sql: str, where: str) -> str:
    """``_cost_query`` over the claim facts: amounts in cents."""
    year, month = _year_month("t.from_date")
    aligned = AlignedBeneficiary._meta.db_table
    return (
        f"SELECT ab.aco_id, ab.cohort, {year} AS y, {month} AS m, {category_sql} AS category, "  # noqa: S608
        "SUM(t.paid_cents), COUNT(*), ab.alignment_type "
        f"FROM {ClaimFact._meta.db_table} t JOIN {aligned} ab ON ab.run_id = %s AND ab.mbi = t.current_mbi "
        f"WHERE {_claim_filter(date='from_date', amount='paid_cents', where=where)} "
        "GROUP BY 1, 2, 3, 4, 5, 8"
    )


def cost_rows(*, alignment_run_id: int, performance_year: int, through: dt.date) -> list[tuple[Any, ...]]:
    """(aco pk, cohort, year, month, category, amount, count, alignment type) over the base years and the
    PY, from the claim facts."""
    start = dt.date(performance_year - BASE_YEARS, 1, 1)
    py_start = dt.date(performance_year, 1, 1)
    queries = [_fact_cost_query(**source) for source in _fact_sources(start.year, through.year)]
    rows = _run_queries(queries, [alignment_run_id, start, through, py_start])
    return [
        (aco, cohort, y, m, cat, ClaimFact.dollars(cents), n, kind) for aco, cohort, y, m, cat, cents, n, kind in rows
    ]


def reduction_rows(*, alignment_run_id: int, performance_year: int, through: dt.date) -> list[tuple[Any, ...]]:
    """(aco pk, cohort, year, month, category, amount withheld, count) of the PY's services through
    ``through``: CCLFA rows by their CCLF1 header, CCLFB rows by their CCLF5 or CCLF6 line."""
    py_start = dt.date(performance_year, 1, 1)
    part_a, part_b, dme = _claim_sources()
    queries = [
        _reduction_query(codes=PartABenefitCodes._meta.db_table, keys=("cur_clm_uniq_id",), **part_a),
        *(
            _reduction_query(codes=PartBBenefitCodes._meta.db_table, keys=("cur_clm_uniq_id", "clm_line_num"), **src)
            for src in (part_b, dme)
        ),
    ]
    return _run_queries(queries, [alignment_run_id, py_start, through, py_start])


def _beneficiary_spending_query(performance_year: int, through_year: int) -> str:
    """INSERT … SELECT of ``BeneficiarySpendingFact`` rows: every aligned beneficiary of the alignment run
    with their PY expenditure by category. Parameters: the pipeline run id, then per claims table the
    ``_cost_query`` parameters (alignment run, first day, last day, first day of the PY), then the
    alignment run again."""
    aligned = AlignedBeneficiary._meta.db_table
    parts = []
    for source in _fact_sources(performance_year, through_year):
        filt = _claim_filter(date="from_date", amount="paid_cents", where=source["where"])
        parts.append(
            f"SELECT t.current_mbi AS mbi, {source['category_sql']} AS category, "  # noqa: S608
            "SUM(t.paid_cents) AS cents, COUNT(*) AS n "
            f"FROM {ClaimFact._meta.db_table} t JOIN {aligned} ab ON ab.run_id = %s AND ab.mbi = t.current_mbi "
            f"WHERE {filt} GROUP BY 1, 2"
        )
    columns = [c.value for c in Category]
    # Cents to dollars once per sum: exact on PostgreSQL (numeric), as the wide tables' sums were.
    hundred = "100" if connection.vendor == "postgresql" else "100.0"
    by_category = ", ".join(
        f"COALESCE(SUM(CASE WHEN s.category = '{c}' THEN s.cents END), 0) / {hundred}" for c in columns
    )
    names = ["run_id", "aco_id", "mbi", "cohort", "tin", "unit_kind", "last_name", "first_name", *columns]
    return (
        f"INSERT INTO {BeneficiarySpendingFact._meta.db_table} ({', '.join(names)}, total, claims) "  # noqa: S608
        "SELECT %s, ab.aco_id, ab.mbi, ab.cohort, ab.tin, ab.unit_kind, ab.last_name, ab.first_name, "
        f"{by_category}, COALESCE(SUM(s.cents), 0) / {hundred}, COALESCE(SUM(s.n), 0) "
        f"FROM {aligned} ab LEFT JOIN ({' UNION ALL '.join(parts)}) s ON s.mbi = ab.mbi "
        "WHERE ab.run_id = %s "
        "GROUP BY ab.aco_id, ab.mbi, ab.cohort, ab.tin, ab.unit_kind, ab.last_name, ab.first_name"
    )


def write_beneficiary_spending(*, run_id: int, alignment_run_id: int, performance_year: int, through: dt.date) -> int:
    """Replace the run's ``BeneficiarySpendingFact`` rows: PY services through ``through`` (the money
    step's last day). Returns the number of rows (the run's aligned beneficiaries)."""
    BeneficiarySpendingFact.objects.filter(run_id=run_id).delete()
    py_start = dt.date(performance_year, 1, 1)
    per_table: list[int | dt.date] = [alignment_run_id, py_start, through, py_start]
    params: list[int | dt.date] = [run_id, *(per_table * len(_claim_sources())), alignment_run_id]
    with connection.cursor() as cursor:
        _hash_groups(cursor)
        cursor.execute(_beneficiary_spending_query(performance_year, through.year), params)
        return max(cursor.rowcount, 0)


# One beneficiary's counted claims, for the page that shows them: per claims table, the columns in the
# order of CLAIM_COLUMNS (NULLs typed, so PostgreSQL can put the three tables under one UNION).
CLAIM_COLUMNS = (
    "source", "category", "from_date", "thru_date", "claim", "line", "ccn", "tin", "npi", "code", "diagnosis",
    "specialty", "adjustment", "amount",
)  # fmt: skip
_CLAIM_SELECTS = (
    "'part_a', {category}, t.clm_from_dt, t.clm_thru_dt, CAST(t.cur_clm_uniq_id AS VARCHAR(40)), "
    "CAST(NULL AS BIGINT), t.prvdr_oscar_num, '', t.fac_prvdr_npi_num, t.dgns_drg_cd, t.prncpl_dgns_cd, '', "
    "t.clm_adjsmt_type_cd, t.clm_pmt_amt",
    "'part_b', {category}, t.clm_line_from_dt, t.clm_line_thru_dt, t.clm_cntl_num, t.clm_line_num, '', "
    "t.clm_rndrg_prvdr_tax_num, t.rndrg_prvdr_npi_num, t.clm_line_hcpcs_cd, t.clm_line_dgns_cd, "
    "t.clm_prvdr_spclty_cd, t.clm_adjsmt_type_cd, t.clm_line_cvrd_pd_amt",
    "'dme', {category}, t.clm_line_from_dt, t.clm_line_thru_dt, t.clm_cntl_num, t.clm_line_num, '', '', "
    "t.payto_prvdr_npi_num, t.clm_line_hcpcs_cd, '', '', t.clm_adjsmt_type_cd, t.clm_line_cvrd_pd_amt",
)


def beneficiary_claims(
    *, alignment_run_id: int, mbi: str, performance_year: int, through: dt.date
) -> list[tuple[Any, ...]]:
    """One aligned beneficiary's claims that the money step counts in the performance year through
    ``through`` (the claim filter of ``cost_rows``, for this MBI only), as tuples in the order of
    ``CLAIM_COLUMNS``, by date."""
    aligned = AlignedBeneficiary._meta.db_table
    py_start = dt.date(performance_year, 1, 1)
    parts = []
    for source, columns in zip(_claim_sources(), _CLAIM_SELECTS, strict=True):
        filt = _claim_filter(date=source["date"], amount=source["amount"], where=source["where"])
        parts.append(
            f"SELECT {columns.format(category=source['category_sql'])} "  # noqa: S608
            f"FROM {source['table']} t JOIN {aligned} ab ON ab.run_id = %s AND ab.mbi = t.current_mbi "
            f"WHERE t.current_mbi = %s AND {filt}"
        )
    sql = " UNION ALL ".join(parts) + " ORDER BY 3, 5, 6"
    params: list[int | str | dt.date] = [alignment_run_id, mbi, py_start, through, py_start] * len(parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def claims_left_out(
    *, mbi: str, performance_year: int, through: dt.date, effective_from: dt.date | None
) -> dict[str, int]:
    """How many of the beneficiary's claim rows of the same PY window the money step leaves out, and
    why: ``replaced`` (a version an adjustment replaced, or a cancelled claim), ``denied`` (current Part B
    or DME lines denied) and ``before_alignment`` (current services before the alignment took effect)."""
    py_start = dt.date(performance_year, 1, 1)
    starts = effective_from if effective_from is not None and effective_from > py_start else py_start
    out = {"replaced": 0, "denied": 0, "before_alignment": 0}
    with connection.cursor() as cursor:
        for source in _claim_sources():
            date, table = source["date"], source["table"]
            denied = "t.is_denied" if "is_denied" in source["where"] else "1 = 0"
            types = "" if "is_denied" in source["where"] else f" AND {source['where']}"
            cursor.execute(
                f"SELECT SUM(CASE WHEN NOT t.is_current THEN 1 ELSE 0 END), "  # noqa: S608
                f"SUM(CASE WHEN t.is_current AND {denied} THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN t.is_current AND NOT ({denied}) AND t.{date} < %s THEN 1 ELSE 0 END) "
                f"FROM {table} t WHERE t.current_mbi = %s AND t.{date} BETWEEN %s AND %s{types}",
                [starts, mbi, py_start, through],
            )
            replaced, denied_n, before = cursor.fetchone() or (0, 0, 0)
            out["replaced"] += int(replaced or 0)
            out["denied"] += int(denied_n or 0)
            out["before_alignment"] += int(before or 0)
    return out


def _month_index(dates: np.ndarray) -> np.ndarray:
    """datetime64[D] → months since year 0 (NaT stays NaT-like: the caller masks it)."""
    months = dates.astype("datetime64[M]").astype(np.int64)
    return months + 1970 * 12


def member_month_rows(
    *, alignment_run_id: int, performance_year: int, through: dt.date | None
) -> list[tuple[int, str, int, int, int, str]]:
    """(aco pk, cohort, year, month, members, alignment type) for the base years and the PY through
    ``through``."""
    aligned = AlignedBeneficiary._meta.db_table
    benes = Beneficiary._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ab.aco_id, ab.cohort || '/' || ab.alignment_type, ab.effective_from, b.death_date, "  # noqa: S608
            f"b.part_a_start, b.part_b_start FROM {aligned} ab LEFT JOIN {benes} b ON b.mbi = ab.mbi "
            "WHERE ab.run_id = %s",
            [alignment_run_id],
        )
        rows = cursor.fetchall()
    if not rows:
        return []

    def dates(i: int) -> np.ndarray:
        return np.array([r[i] if r[i] is not None else np.datetime64("NaT", "D") for r in rows], dtype="datetime64[D]")

    aco = np.array([r[0] for r in rows], dtype=np.int64)
    # A group is (cohort, alignment type), read as one "cohort/type" key.
    cohorts = sorted({r[1] for r in rows})
    cohort = np.array([cohorts.index(r[1]) for r in rows], dtype=np.int64)
    effective, death, a_start, b_start = dates(2), dates(3), dates(4), dates(5)

    first = (performance_year - BASE_YEARS) * 12  # month index of January of the first base year
    py_first = performance_year * 12
    last_py = performance_year * 12 + 11 if through is None else through.year * 12 + through.month - 1
    horizon = performance_year * 12 + 12 - first  # months covered, base years and PY

    big = np.int64(10**9)
    death_m = np.where(np.isnat(death), big, _month_index(death))
    entitled = np.fmax(a_start, b_start)  # the later start; NaT when both are missing
    ent_m = np.where(np.isnat(entitled), -big, _month_index(entitled))
    # An entitlement starting mid-month counts from the next month (alive and entitled on the 1st).
    ent_m = ent_m + np.where(
        np.isnat(entitled),
        0,
        (entitled.astype("datetime64[D]") != entitled.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64),
    )
    eff_m = np.where(np.isnat(effective), py_first, _month_index(effective))
    eff_m = np.maximum(eff_m, py_first)

    groups_aco, groups = np.unique(np.stack([aco, cohort], axis=1), axis=0, return_inverse=True)
    groups = groups.reshape(-1)
    counts = np.zeros((len(groups_aco), horizon + 1), dtype=np.int64)

    def add(lo: np.ndarray, hi: np.ndarray) -> None:
        """+1 on months lo..hi (inclusive, absolute indices) per beneficiary, where lo <= hi."""
        ok = lo <= hi
        np.add.at(counts, (groups[ok], lo[ok] - first), 1)
        np.add.at(counts, (groups[ok], hi[ok] - first + 1), -1)

    base_lo = np.maximum(ent_m, first)
    base_hi = np.minimum(death_m, py_first - 1)
    add(base_lo, base_hi)
    py_lo = np.maximum(eff_m, np.maximum(ent_m, py_first))
    py_hi = np.minimum(death_m, last_py)
    add(py_lo, py_hi)
    members = np.cumsum(counts, axis=1)[:, :horizon]
    out = []
    for g, (aco_pk, c) in enumerate(groups_aco):
        cohort_key, kind = cohorts[int(c)].split("/")
        for offset in np.nonzero(members[g])[0]:
            absolute = first + int(offset)
            out.append((int(aco_pk), cohort_key, absolute // 12, absolute % 12 + 1, int(members[g, offset]), kind))
    return out


# A month index (year × 12 + month − 1) beyond any date: "never died" (and, negated, "entitled all along"),
# as ``member_month_rows`` uses it.
_NEVER = 10**9


def _month_sql(column: str) -> str:
    """The month index (year × 12 + month − 1) of a date column; NULL stays NULL."""
    year, month = _year_month(column)
    return f"({year} * 12 + {month} - 1)"


def _day_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(DAY FROM {column})::int"
    return f"CAST(strftime('%%d', {column}) AS INTEGER)"


def _greatest(*terms: str) -> str:
    return ("GREATEST" if connection.vendor == "postgresql" else "MAX") + f"({', '.join(terms)})"


def _least(*terms: str) -> str:
    return ("LEAST" if connection.vendor == "postgresql" else "MIN") + f"({', '.join(terms)})"


def _risk_query(performance_year: int, last_py_month: int) -> str:
    """Per (ACO, cohort, alignment type, score year with diagnoses in the CCLF): beneficiaries with
    member-months, those of them with a score, their member-months, the scored ones' member-months and
    Σ score × member-months. Each
    aligned beneficiary's member-months of each score year are counted as ``member_month_rows`` counts
    them (alive on the 1st, the month of death counting; entitled from the later of the Part A and Part B
    starts, a mid-month start counting from the next month; in the PY from the alignment's effective
    month through ``last_py_month``), in SQL. Parameters: the alignment run, the risk run."""
    aligned = AlignedBeneficiary._meta.db_table
    benes = Beneficiary._meta.db_table
    scores = RiskScore._meta.db_table
    py = int(performance_year)
    # Only score years whose diagnoses lie within the CCLF (not the first base year: docs/risk.md): a
    # base year without an average keeps a risk ratio of 1.
    years = " UNION ALL ".join(
        f"SELECT {y} AS year" for y in range(py - BASE_YEARS, py + 1) if risk_parameters.diagnoses_in_cclf(y, py)
    )
    # Each beneficiary's dates: the later entitlement start (NULL when both are missing).
    dates = (
        "SELECT ab.mbi, ab.aco_id, ab.cohort, ab.alignment_type, ab.effective_from, b.death_date, "  # noqa: S608
        "CASE WHEN b.part_a_start IS NULL THEN b.part_b_start "
        "WHEN b.part_b_start IS NULL OR b.part_a_start > b.part_b_start THEN b.part_a_start "
        "ELSE b.part_b_start END AS entitled "
        f"FROM {aligned} ab LEFT JOIN {benes} b ON b.mbi = ab.mbi WHERE ab.run_id = %s"
    )
    # ... as month indices: the first month aligned (PY), the first entitled, the last alive.
    months = (
        f"SELECT d.mbi, d.aco_id, d.cohort, d.alignment_type, "  # noqa: S608
        f"COALESCE({_month_sql('d.effective_from')}, {py * 12}) AS eff_m, "
        f"COALESCE({_month_sql('d.death_date')}, {_NEVER}) AS death_m, "
        f"COALESCE({_month_sql('d.entitled')} + CASE WHEN {_day_sql('d.entitled')} <> 1 THEN 1 ELSE 0 END, "
        f"{-_NEVER}) AS ent_m "
        f"FROM ({dates}) d"
    )
    first = _greatest("p.ent_m", "y.year * 12", f"CASE WHEN y.year = {py} THEN p.eff_m ELSE {-_NEVER} END")
    last = _least("p.death_m", f"CASE WHEN y.year = {py} THEN {int(last_py_month)} ELSE y.year * 12 + 11 END")
    per_year = (
        f"SELECT p.aco_id, p.cohort, p.alignment_type, y.year, rs.normalized_score AS score, "  # noqa: S608
        f"{_greatest('0', f'{last} - {first} + 1')} AS mm "
        f"FROM ({months}) p CROSS JOIN ({years}) y "
        f"LEFT JOIN {scores} rs ON rs.run_id = %s AND rs.score_year = y.year AND rs.mbi = p.mbi"
    )
    return (
        "SELECT t.aco_id, t.cohort, t.alignment_type, t.year, "  # noqa: S608
        "SUM(CASE WHEN t.mm > 0 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN t.mm > 0 AND t.score IS NOT NULL THEN 1 ELSE 0 END), "
        "SUM(t.mm), SUM(CASE WHEN t.score IS NOT NULL THEN t.mm ELSE 0 END), "
        "SUM(CASE WHEN t.score IS NOT NULL THEN t.score * t.mm ELSE 0 END) "
        f"FROM ({per_year}) t GROUP BY 1, 2, 3, 4"
    )


def risk_rows(
    *, alignment_run_id: int, risk_run_id: int, performance_year: int, through: dt.date | None
) -> list[tuple[int, str, str, int, int, int, int, int, Decimal | None]]:
    """(aco pk, cohort, alignment type, score year, beneficiaries, scored, member-months, scored
    member-months, average risk) of the alignment run's beneficiaries, from the risk run's scores: one
    SQL aggregate. The average is member-month-weighted, to 6 decimals (None: nobody with member-months
    has a score). PY months end with ``through`` (None: no PY claims yet, so through December)."""
    last = performance_year * 12 + 11 if through is None else through.year * 12 + through.month - 1
    with connection.cursor() as cursor:
        _hash_groups(cursor)
        cursor.execute(_risk_query(performance_year, last), [alignment_run_id, risk_run_id])
        rows = cursor.fetchall()
    out = []
    for aco, cohort, kind, year, benes, scored, mm, scored_mm, weighted in rows:
        average = None
        if scored_mm:
            average = (Decimal(str(weighted)) / Decimal(int(scored_mm))).quantize(RISK_PLACES, rounding=ROUND_HALF_UP)
        out.append(
            (int(aco), cohort, kind, int(year), int(benes), int(scored), int(mm or 0), int(scored_mm or 0), average)
        )
    return out


def claims_through(cost: list[tuple[Any, ...]], performance_year: int, as_of: dt.date | None) -> dt.date | None:
    """The last day of the last PY month with any claims (or the as-of date): member-months stop there."""
    if as_of is not None:
        return as_of
    months = [(int(r[2]), int(r[3])) for r in cost if int(r[2]) == performance_year]
    if not months:
        return None
    year, month = max(months)
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    return next_first - dt.timedelta(days=1)


def write_facts(
    *, run_id: int, alignment_run_id: int, performance_year: int, as_of: dt.date | None, risk_run_id: int | None = None
) -> dict[str, Any]:
    """Replace the run's facts (so a retried step counts nothing twice). Call inside a transaction.
    Without a risk run, no ``CohortRiskFact`` rows: the benchmark estimate is not risk-adjusted."""
    CostFact.objects.filter(run_id=run_id).delete()
    MemberMonthFact.objects.filter(run_id=run_id).delete()
    CapitationReductionFact.objects.filter(run_id=run_id).delete()
    CohortRiskFact.objects.filter(run_id=run_id).delete()
    end = as_of or dt.date(performance_year, 12, 31)
    cost = cost_rows(alignment_run_id=alignment_run_id, performance_year=performance_year, through=end)
    beneficiaries = write_beneficiary_spending(
        run_id=run_id, alignment_run_id=alignment_run_id, performance_year=performance_year, through=end
    )
    through = claims_through(cost, performance_year, as_of)
    months = member_month_rows(alignment_run_id=alignment_run_id, performance_year=performance_year, through=through)
    if through is None:
        months = [m for m in months if m[2] != performance_year]
    # No PY claims (through is None) means no reduced PY claims either.
    withheld = (
        reduction_rows(alignment_run_id=alignment_run_id, performance_year=performance_year, through=through)
        if through is not None
        else []
    )

    risk = []
    if risk_run_id is not None:
        risk = risk_rows(
            alignment_run_id=alignment_run_id,
            risk_run_id=risk_run_id,
            performance_year=performance_year,
            through=through,
        )

    def cost_out() -> Iterator[tuple[Any, ...]]:
        for aco_pk, cohort, year, month, category, amount, count, kind in cost:
            yield (run_id, aco_pk, cohort, kind, int(year), int(month), category, Decimal(amount), int(count))

    copy_rows(
        CostFact,
        ["run_id", "aco_id", "cohort", "alignment_type", "year", "month", "category", "amount", "claims"],
        list(cost_out()),
    )
    copy_rows(
        CohortRiskFact,
        [
            "run_id", "aco_id", "cohort", "alignment_type", "year", "beneficiaries", "scored", "member_months",
            "scored_member_months", "average_risk",
        ],
        [(run_id, *r) for r in risk],
    )  # fmt: skip
    copy_rows(
        CapitationReductionFact,
        ["run_id", "aco_id", "cohort", "year", "month", "category", "amount", "claims"],
        [(run_id, a, c, int(y), int(m), cat, Decimal(amount), int(n)) for a, c, y, m, cat, amount, n in withheld],
    )
    copy_rows(
        MemberMonthFact,
        ["run_id", "aco_id", "cohort", "year", "month", "members", "alignment_type"],
        [(run_id, *m) for m in months],
    )
    return {
        "cost_rows": len(cost),
        "member_month_rows": len(months),
        "reduction_rows": len(withheld),
        "risk_rows": len(risk),
        "beneficiary_rows": beneficiaries,
        "claims_through": through.isoformat() if through else None,
    }
