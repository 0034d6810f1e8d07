"""The risk engine's inputs, read set-based (docs/risk.md, "Diagnoses" and "Demographics"), as numpy
columns: one SQL read for the Part A diagnoses of every service year, two for the Part B lines (the
service years split in two), run at once where they can be (``DiagnosisReads``), split by year afterwards.

Diagnoses of netted claims only (``is_current``: replaced and cancelled versions left out), under the
current MBI, from risk-adjustment-eligible services:
- CCLF4 (``PartADiagnosis``) rows of Part A claims whose current header (the CCLF1 claim fact) is
  inpatient (type 60), RHC/FQHC (type 40, bill type 71x/77x), or outpatient (type 40) with a current
  revenue line (CCLF2 claim fact) whose HCPCS is on CMS's eligible list of the line's year (a line without
  a date: the latest list read); the service date is the claim's through date (its from date when empty);
- CCLF5 lines, not denied, whose HCPCS is on the eligible list of the line's year: the line diagnosis and
  the claim's twelve diagnosis codes, read from the Part B claim facts, which carry them as one text
  (``ClaimFact.diagnoses``); the service date is the line's from date.
Only codes that map to a condition category of either model leave the database (no other code can
enter a score), compared as the loader stores them (trimmed), without a dot as CMS sends them or with one
after the category; they leave without the dot. The eligible lists and the mapped codes are bound to the
statements as arrays (JSON text on SQLite), which PostgreSQL hashes and its parallel workers share.
Each (MBI, code, year) leaves the database once, with the service date and claim the engine would pick
to support it (``_best``): a claim's diagnoses repeat on each of its lines, and a chronic condition on
most visits, so this is a fraction of the rows.

Demographics come from ``Beneficiary`` (the latest CCLF8 record of each current MBI) and, for the
original reason for entitlement, which ``Beneficiary`` does not keep, that record itself
(``BeneficiarySnapshot``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from django.db import connection, transaction

from apps.claims.models import Beneficiary, ClaimFact, PartADiagnosis
from lead_portal.jobs import Background

from . import engine
from .parameters import Parameters

FACTS = ClaimFact._meta.db_table
PART_A_DX = PartADiagnosis._meta.db_table
RHC_FQHC_BILL_TYPES = ("71", "77")
FETCH = 100_000


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _year_of(expr: str) -> str:
    """SQL: the calendar year of a date expression (``%%``: the statements are run with parameters)."""
    if _postgres():
        return f"CAST(EXTRACT(YEAR FROM {expr}) AS INTEGER)"
    return f"CAST(strftime('%%Y', {expr}) AS INTEGER)"


class _Params:
    """Bound parameters in the order the SQL names them; a list of codes is one parameter: an array on
    PostgreSQL (``= ANY``, which it hashes, and which its parallel workers can read, unlike a temporary
    table), JSON text read with ``json_each`` on SQLite."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def value(self, v: Any) -> str:
        self.values.append(v)
        return "%s"

    def among(self, expr: str, codes: Sequence[str]) -> str:
        if _postgres():
            self.values.append(list(codes))
            return f"{expr} = ANY(%s)"
        self.values.append(json.dumps(list(codes)))
        return f"{expr} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (an expression of this module)

    def eligible(self, hcpcs: str, day: str, years: Sequence[int], *, year_given: bool = False) -> str:
        """SQL: ``hcpcs`` is on the eligible list of the year of ``day`` (``year_given``: ``day`` is the
        year already; any other year, 0 for a line without a date, takes the latest year's list)."""
        branches = " ".join(f"WHEN {y} THEN {self.among(hcpcs, sorted(engine.eligible_hcpcs(y)))}" for y in years)
        otherwise = self.among(hcpcs, sorted(engine.eligible_hcpcs(years[-1])))
        return f"(CASE {day if year_given else _year_of(day)} {branches} ELSE {otherwise} END)"


def stored_forms(codes: Iterable[str]) -> list[str]:
    """The ways a code may be written on a claim: as CMS sends it (no dot) and with the dot after the
    category (E11.22). Comparing stored text with these needs no function on each claim's value."""
    forms = set()
    for code in codes:
        forms.add(code)
        if len(code) > 3:
            forms.add(f"{code[:3]}.{code[3:]}")
    return sorted(forms)


def _part_a(years: Sequence[int], codes: Sequence[str]) -> tuple[str, list[Any]]:
    """CCLF4 diagnoses of eligible Part A claims: inpatient and RHC/FQHC claims, and outpatient claims
    with an eligible revenue line."""
    p = _Params()
    day = "COALESCE(h.thru_date, h.from_date)"
    first, last = dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)
    # A claim through in a year began in it or the year before (service year 0: no from date), and so did
    # its revenue lines.
    rhc = ", ".join(f"'{b}'" for b in RHC_FQHC_BILL_TYPES)
    # Parameters are taken in the order the text names them: the pieces are built in that order.

    def lines() -> str:  # the claims with an eligible revenue line
        return f"""
            SELECT DISTINCT r.claim_id FROM {FACTS} r
            WHERE r.source = 2 AND r.is_current
              AND (r.service_year BETWEEN {p.value(years[0] - 1)} AND {p.value(years[-1])} OR r.service_year = 0)
              AND {p.eligible("r.hcpcs", "r.service_year", [years[0] - 1, *years], year_given=True)}
        """  # noqa: S608 (table and column names from the models and this module; values are bound)

    def where() -> str:
        return f"""
            WHERE h.source = 1 AND h.is_current
              AND (h.service_year BETWEEN {p.value(years[0] - 1)} AND {p.value(years[-1])} OR h.service_year = 0)
              AND {day} BETWEEN {p.value(first)} AND {p.value(last)}
        """

    if _postgres():
        # A hash join its parallel workers share (IN (subquery) is a subplan, twice as slow here).
        joined = f"LEFT JOIN ({lines()}) e ON e.claim_id = h.claim_id"
        head, eligible_line = f"FROM {FACTS} h {joined} {where()}", "e.claim_id IS NOT NULL"
    else:
        # SQLite indexes an IN (subquery) once; it ran the LEFT JOIN as a loop over every header (minutes).
        head = f"FROM {FACTS} h {where()}"
        eligible_line = f"h.claim_id IN ({lines()})"
    claims = f"""
        SELECT h.claim_id, {day} AS day {head}
          AND (h.claim_type = 60 OR (h.claim_type = 40 AND (h.bill_type IN ({rhc}) OR {eligible_line})))
    """  # noqa: S608 (as above)
    sql = f"""
        SELECT {_bytes("TRIM(dg.current_mbi)")}, {_clean("dg.clm_dgns_cd")}, MAX({_best("c.day", "c.claim_id")})
        FROM {PART_A_DX} dg
        JOIN ({claims}) c ON c.claim_id = dg.cur_clm_uniq_id
        WHERE dg.is_current AND dg.current_mbi <> '' AND {p.among("dg.clm_dgns_cd", codes)}
        GROUP BY 1, 2, {_year_of("c.day")}
    """  # noqa: S608 (table and column names from the models and this module; values are bound)
    return sql, p.values


def split_codes(column: str) -> tuple[str, str]:
    """SQL: a join giving one row per code of a fact's comma-separated ``diagnoses`` text, and the code."""
    if _postgres():
        return f"CROSS JOIN LATERAL unnest(string_to_array({column}, ',')) AS d(code)", "d.code"
    return f"""JOIN json_each('["' || REPLACE({column}, ',', '","') || '"]') AS d""", "d.value"


def _part_b(years: Sequence[int], codes: Sequence[str]) -> tuple[str, list[Any]]:
    """CCLF5 line and claim diagnoses of current, paid lines with an eligible HCPCS, from the Part B
    claim facts (``ClaimFact.diagnoses``): the years' partitions only, and no wide row read. The lines
    of a beneficiary and year with the same codes (a claim's twelve repeat on each of its lines, a chronic
    condition on most visits) are reduced to one, with the evidence the engine would pick among them,
    before their codes are split: a fifth of the lines."""
    p = _Params()
    join, value = split_codes("l.diagnoses")
    first, last = dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)
    lines = f"""
        SELECT f.current_mbi, f.service_year, f.diagnoses, MAX({_best("f.from_date", "f.claim_id")}) AS best
        FROM {FACTS} f
        WHERE f.source = 5 AND f.is_current AND NOT f.is_denied AND f.current_mbi <> '' AND f.diagnoses <> ''
          AND f.service_year BETWEEN {p.value(years[0])} AND {p.value(years[-1])}
          AND f.from_date BETWEEN {p.value(first)} AND {p.value(last)}
          AND {p.eligible("f.hcpcs", "f.service_year", years, year_given=True)}
        GROUP BY f.current_mbi, f.service_year, f.diagnoses
    """  # noqa: S608 (table and column names from the models and this module; values are bound)
    sql = f"""
        SELECT {_bytes("TRIM(l.current_mbi)")}, {_clean(value)}, MAX(l.best)
        FROM ({lines}) l
        {join}
        WHERE {p.among(value, codes)}
        GROUP BY 1, 2, l.service_year
    """  # noqa: S608 (as above)
    return sql, p.values


# Each (MBI, code, year) leaves the database once, with the row that would support it (the engine's
# evidence: the latest service date, then the smallest claim id): as one integer, the maximum of
# day × 2^47 + (2^47 − 1 − claim id) (CUR_CLM_UNIQ_ID has 13 digits, less than 2^47), which parallel
# workers aggregate by parts.
CLAIM_BITS = 47
CLAIM_MASK = (1 << CLAIM_BITS) - 1


def _best(day: str, claim: str) -> str:
    days = f"({day} - DATE '1970-01-01')" if _postgres() else f"CAST(julianday({day}) - 2440587.5 AS INTEGER)"
    return f"(CAST({days} AS BIGINT) * {1 << CLAIM_BITS} + ({CLAIM_MASK} - COALESCE({claim}, 0)))"


def _unpack(best: Any) -> tuple[Any, Any]:
    """(service dates, claim ids) of ``_best`` values."""
    best = np.asarray(best, dtype=np.int64)
    return (best >> CLAIM_BITS).astype("datetime64[D]"), CLAIM_MASK - (best & CLAIM_MASK)


def _clean(expr: str) -> str:
    """SQL: a matched code without its dot (only rows already matched pay for the function)."""
    return _bytes(f"REPLACE({expr}, '.', '')")


def _bytes(expr: str) -> str:
    """SQL: text grouped by its bytes (PostgreSQL: the "C" collation; a language's rules cost seconds
    when millions of rows are sorted)."""
    return f'{expr} COLLATE "C"' if _postgres() else expr


# On PostgreSQL the rows travel as fixed-width text records (the MBI and the code padded with blanks, the
# evidence integer as 19 digits), concatenated server-side into a few hundred texts of thousands of
# records, which numpy cuts into columns: no Python object per value (a fetched row per diagnosis costs
# seconds for millions of them).
RECORD = (("mbi", 11), ("code", 7), ("best", 19))
RECORD_WIDTH = sum(w for _, w in RECORD)
BUCKETS = 256


class NotRepresentable(Exception):
    """The records cannot be cut exactly (a character of more than one byte, a value wider than its
    field): the rows are fetched one by one instead."""


def _fetch(sql: str, params: Sequence[Any], source: int) -> engine.Diagnoses:
    """The rows (MBI, code, evidence) of ``sql`` as columns."""
    columns: tuple[Any, Any, Any] | None = None
    if _postgres():
        try:
            columns = _fetch_records(sql, params)
        except NotRepresentable:
            pass
    mbi, code, best = columns or _fetch_rows(sql, params)
    day, claim = _unpack(best)
    return engine.Diagnoses(
        mbi=mbi, code=code, service_date=day, claim_id=claim, source=np.full(len(mbi), source, dtype=np.int16)
    )


def _fetch_records(sql: str, params: Sequence[Any]) -> tuple[Any, Any, Any]:
    records = f"""
        SELECT string_agg(rpad(x.mbi, 11) || rpad(x.code, 7) || lpad(x.best::text, 19, '0'), '')
        FROM ({sql}) AS x (mbi, code, best)
        GROUP BY mod(x.best, {BUCKETS})
    """  # noqa: S608 (the statement is this module's; values are bound)
    with connection.cursor() as cursor:
        cursor.execute(records, list(params))
        texts = [text for (text,) in cursor.fetchall()]
    try:
        data = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError as exc:
        raise NotRepresentable from exc
    if data.size % RECORD_WIDTH:
        raise NotRepresentable
    chars = data.reshape(-1, RECORD_WIDTH).copy()
    chars[chars == ord(" ")] = 0  # blank padding becomes numpy's own (trailing NULs)
    cut = chars.view(np.dtype([(name, f"S{width}") for name, width in RECORD])).reshape(-1)
    try:
        best = cut["best"].astype(np.int64)
    except ValueError as exc:
        raise NotRepresentable from exc
    return cut["mbi"].astype("U11"), cut["code"].astype("U7"), best


def _fetch_rows(sql: str, params: Sequence[Any]) -> tuple[Any, Any, Any]:
    mbi: list[str] = []
    code: list[str] = []
    best: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        while rows := cursor.fetchmany(FETCH):
            m, c, b = zip(*rows, strict=True)
            mbi += m
            code += c
            best += b
    return np.array(mbi, dtype="U11"), np.array(code, dtype="U7"), np.array(best, dtype=np.int64)


class DiagnosisReads:
    """The diagnoses of eligible services of each of ``service_years``, by service year, read while the
    caller goes on (``result()`` waits for them).

    On PostgreSQL, outside a transaction, three statements run at once, each on a connection of its own
    (``lead_portal.jobs.Background``): the Part A diagnoses, and the Part B lines split into two reads by
    service year. Each statement's last stages (merging its parallel workers' groups, splitting the
    codes) run on one core; three at once keep both cores busy. Elsewhere they run one after the other
    when ``result()`` is called. Each read runs with the settings alignment's reads use (no JIT; no nested
    loops over tables without statistics, except where the Part B codes are split)."""

    def __init__(self, service_years: Sequence[int], parameters: Parameters) -> None:
        self.years = sorted(set(service_years))
        codes = stored_forms(engine.mapped_codes(parameters)) if self.years else []
        half = len(self.years) // 2
        part_b_years = [self.years[:half], self.years[half:]] if half else [self.years]
        self._reads = [
            Background(partial(_read, _part_a, self.years, codes, engine.SOURCE_CCLF4, nested_loops=False)),
            *(
                Background(partial(_read, _part_b, years, codes, engine.SOURCE_CCLF5, nested_loops=True))
                for years in part_b_years
            ),
        ] if self.years else []  # fmt: skip

    def result(self) -> dict[int, engine.Diagnoses]:
        parts = [read.result() for read in self._reads]
        if not parts:
            return {}
        years = self.years
        both = engine.Diagnoses(
            mbi=np.concatenate([p.mbi for p in parts]),
            code=np.concatenate([p.code for p in parts]),
            service_date=np.concatenate([p.service_date for p in parts]),
            claim_id=np.concatenate([p.claim_id for p in parts]),
            source=np.concatenate([p.source for p in parts]),
        )
        year_of = both.service_date.astype("datetime64[Y]").astype(np.int64) + 1970
        order = np.argsort(year_of, kind="stable")
        bounds = np.searchsorted(year_of[order], [*years, years[-1] + 1])
        return {year: both.select(order[bounds[i] : bounds[i + 1]]) for i, year in enumerate(years)}


def load_diagnoses(service_years: Sequence[int], parameters: Parameters) -> dict[int, engine.Diagnoses]:
    """Diagnoses of eligible services of each of ``service_years``, by service year (``DiagnosisReads``)."""
    return DiagnosisReads(service_years, parameters).result()


def _read(
    query: Callable[[Sequence[int], Sequence[str]], tuple[str, list[Any]]],
    years: Sequence[int],
    codes: Sequence[str],
    source: int,
    *,
    nested_loops: bool,
) -> engine.Diagnoses:
    with transaction.atomic():
        if _postgres():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                # Splitting each line's codes is a nested loop over a function, not over a table; with
                # nested loops off the planner gives up its parallel plan for it.
                cursor.execute(f"SET LOCAL enable_nestloop = {'on' if nested_loops else 'off'}")
                # The Part B lines' aggregates are hashed in memory (about 100 MB for 100,000 beneficiaries
                # over two years) rather than sorted on disk.
                cursor.execute("SET LOCAL work_mem = '256MB'")
        return _fetch(*query(years, codes), source)


@dataclass(frozen=True)
class People:
    """Every beneficiary's CCLF8 columns the model reads (one row per current MBI)."""

    mbi: Any
    birth_date: Any
    sex: Any
    death_date: Any
    medicare_status: Any
    dual_status: Any
    orec: Any
    part_a_start: Any
    part_b_start: Any

    def for_year(self, year: int) -> tuple[engine.Demographics, dict[str, int]]:
        """The model's demographics for score year ``year`` (``engine.demographics_for``)."""
        return engine.demographics_for(
            year,
            mbi=self.mbi,
            birth_date=self.birth_date,
            sex=self.sex,
            death_date=self.death_date,
            medicare_status=self.medicare_status,
            dual_status=self.dual_status,
            orec=self.orec,
            part_a_start=self.part_a_start,
            part_b_start=self.part_b_start,
        )


def load_people() -> People:
    rows = list(
        Beneficiary.objects.order_by("mbi")
        .values_list(
            "mbi",
            "birth_date",
            "sex",
            "death_date",
            "medicare_status",
            "dual_status",
            "snapshot__bene_orgnl_entlmt_rsn_cd",
            "part_a_start",
            "part_b_start",
        )
        .iterator(chunk_size=20_000)
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * 9
    text = lambda values: np.array([(v or "").strip() for v in values], dtype=str)  # noqa: E731
    day = lambda values: np.array(values, dtype="datetime64[D]")  # noqa: E731
    return People(
        mbi=text(columns[0]),
        birth_date=day(columns[1]),
        sex=text(columns[2]),
        death_date=day(columns[3]),
        medicare_status=text(columns[4]),
        dual_status=text(columns[5]),
        orec=text(columns[6]),
        part_a_start=day(columns[7]),
        part_b_start=day(columns[8]),
    )
