"""The alignment engine's inputs, read set-based from the database: beneficiaries (one CCLF8 row
per current MBI), netted qualifying service lines of the two alignment years, the Participant TIN and
CCN map of the performance year, and voluntary alignment records, as numpy columns.

What SQL already does (so only candidate lines leave the database):
- Part B (CCLF5): current, not denied, line from-date in AY1–AY2, HCPCS on the PQEM list
  (``pqem_codes``), specialty a step-1 or step-2 one (lines of any other specialty take part in no
  step); the SNF place-of-service exclusion stays with the engine;
- RHC/FQHC (CCLF2 under a current type-40, bill type 71x/77x CCLF1 header): current, from-date in
  AY1–AY2, revenue centre 0521/0522/0524/0525 or a PQEM HCPCS (rule 3b);
- text is trimmed, dates become days and amounts integer cents (CAST(ROUND(amount × 100))).
Exact-match filters compare the stored (right-trimmed) codes without trimming them first: a code
with leading blanks is shorter once trimmed, so it could not equal any code of the lists anyway.

On PostgreSQL the rows travel as fixed-width binary records: each record is its text fields padded
to their column widths followed by the big-endian day and cents integers, and the records of each
range of heap pages are concatenated server-side (``string_agg`` over a TID range scan) so one
``COPY … TO STDOUT (FORMAT binary)`` row carries thousands of lines; numpy splits them with
``frombuffer``, no Python code per line. Per-line COPY rows would cost about 2 µs each in the client,
20 s for 10 million lines. A record that is not exactly its width in bytes (a non-ASCII character
somewhere) makes the whole read fall back to the portable path, which is what SQLite always uses:
the same SELECT, fetched row by row.

Voluntary records are read under the beneficiary's current MBI (the MBI map built from CCLF9), so a
record filed under a retired MBI still counts; a record under an MBI whose CCLF9 chain is broken (a
cycle, no current MBI) is ignored, as that MBI's claims are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Trim

from apps.acos.models import ParticipantTIN
from apps.claims.models import Beneficiary, MBIMap, PartAClaim, PartARevenueLine, PartBLine, VoluntaryAlignment

from . import engine

Array = npt.NDArray[Any]

RHC_FQHC_REVENUE_CENTERS = ("0521", "0522", "0524", "0525")
# Lines of any other specialty are in neither step (rules 6 and 7).
STEP_SPECIALTIES = tuple(sorted(engine.STEP1_SPECIALTIES | engine.STEP2_SPECIALTIES))
# NULL dates travel as this day number (no real date is 5.9 million years before 1970).
_NULL_DAY = np.iinfo(np.int32).min
# Heap pages per COPY row: 4096 pages (32 MB of table) yield at most a few MB of records.
PAGES_PER_CHUNK = 4096


def pqem_codes() -> tuple[str, ...]:
    """Every HCPCS text the engine counts as PQEM: the numeric ranges spelled out and the G-codes,
    with a lower-case g as well (the engine accepts it)."""
    numeric = [f"{n:05d}" for lo, hi in engine.PQEM_RANGES for n in range(lo, hi + 1)]
    g_codes = sorted(engine.PQEM_G_CODES)
    return tuple(numeric + g_codes + [c.lower() for c in g_codes])


# ---------------------------------------------------------------------------------------------------
# Fixed-width records
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One column of a record: ``text`` (trimmed, at most ``width`` characters), ``day`` (a date) or
    ``cents`` (an amount)."""

    name: str
    kind: str
    width: int = 0


@dataclass(frozen=True)
class Layout:
    """A record: the text fields first (padded to their widths), then a big-endian int32 per day
    and an int64 per amount in cents."""

    fields: tuple[Field, ...]

    @property
    def text(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind == "text")

    @property
    def numbers(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind != "text")

    @property
    def text_width(self) -> int:
        return sum(f.width for f in self.text)

    @property
    def dtype(self) -> np.dtype[Any]:
        parts: list[tuple[str, Any]] = [("__text", (np.uint8, (self.text_width,)))]
        parts += [(f.name, ">i4" if f.kind == "day" else ">i8") for f in self.numbers]
        return np.dtype(parts)

    def record_sql(self, exprs: dict[str, str]) -> str:
        """PostgreSQL bytea expression of one record, from the value expression of each field."""
        text = " || ".join(f"rpad({exprs[f.name]}, {f.width})" for f in self.text)
        out = [f"convert_to({text}, 'UTF8')"]
        for f in self.numbers:
            if f.kind == "day":
                out.append(f"int4send(COALESCE({exprs[f.name]} - DATE '1970-01-01', {_NULL_DAY}))")
            else:
                out.append(f"int8send({_cents_sql(exprs[f.name])})")
        return " || ".join(out)

    def select_sql(self, exprs: dict[str, str]) -> str:
        """Portable select list: trimmed text, raw dates, integer cents."""
        return ", ".join(
            _cents_sql(exprs[f.name]) if f.kind == "cents" else exprs[f.name] + f" AS {f.name}" for f in self.fields
        )


def _cents_sql(amount: str) -> str:
    return f"CAST(ROUND(COALESCE({amount}, 0) * 100) AS BIGINT)"


class Columns:
    """Column-wise accumulation of decoded records; ``arrays()`` gives text as ``U<width>``, days as
    ``datetime64[D]`` (NaT for NULL) and cents as int64."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.parts: dict[str, list[Array]] = {f.name: [] for f in layout.fields}

    def add_records(self, data: bytes) -> None:
        """Decode a buffer of whole records (``len(data)`` a multiple of the record size)."""
        records = np.frombuffer(data, dtype=self.layout.dtype)
        text = records["__text"]
        offset = 0
        for f in self.layout.text:
            chars = np.array(text[:, offset : offset + f.width])  # a contiguous copy
            offset += f.width
            # The padding is exactly the trailing blanks (values were trimmed): make it NUL, which numpy
            # strings drop, so "ABC  " reads "ABC" while an inner blank stays.
            trailing = np.logical_and.accumulate(chars[:, ::-1] == 32, axis=1)[:, ::-1]
            chars[trailing] = 0
            self.parts[f.name].append(chars)
        for f in self.layout.numbers:
            self.parts[f.name].append(records[f.name].astype(np.int64))

    def add_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of the portable select list (text may be None, dates date objects or ISO text)."""
        for i, f in enumerate(self.layout.fields):
            values = [r[i] for r in rows]
            if f.kind == "text":
                self.parts[f.name].append(np.array([v or "" for v in values], dtype=f"U{f.width}"))
            elif f.kind == "day":
                days = np.array(values, dtype="datetime64[D]").astype(np.int64)
                days[days == np.iinfo(np.int64).min] = _NULL_DAY
                self.parts[f.name].append(days)
            else:
                self.parts[f.name].append(np.array([int(v or 0) for v in values], dtype=np.int64))

    def arrays(self) -> dict[str, Array]:
        out: dict[str, Array] = {}
        for f in self.layout.fields:
            parts = self.parts.pop(f.name)
            if f.kind == "text":
                out[f.name] = _unicode(parts, f.width)
            else:
                days_or_cents = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
                if f.kind == "day":
                    days_or_cents[days_or_cents == _NULL_DAY] = np.iinfo(np.int64).min
                    days_or_cents = days_or_cents.view("datetime64[D]")
                out[f.name] = days_or_cents
        return out


def _unicode(parts: list[Array], width: int) -> Array:
    """Concatenate text parts: ``U<width>`` arrays (portable path) or (n, width) matrices of ASCII bytes
    (COPY path), which become ``U<width>`` by widening each byte to a code point (NUL pads, as numpy's)."""
    if not parts:
        return np.zeros(0, dtype=f"U{width}")
    if parts[0].dtype == np.uint8:
        chars = np.concatenate(parts).astype(np.uint32)
        return chars.view(f"U{width}").reshape(-1)
    return np.concatenate(parts).astype(f"U{width}")


class NotFixedWidth(Exception):
    """A record was not exactly its width in bytes: the portable path reads the data instead."""


@dataclass(frozen=True)
class Source:
    """One SELECT feeding a layout: ``FROM <table> t <joins> WHERE <where> AND <late>``, with the value
    expression of every field.

    On PostgreSQL ``late`` (no parameters) is tested in the aggregates' FILTER, after ``where`` chose the
    rows: a scan condition on a column far to the right of a wide row (``is_denied`` is the 56th of CCLF5)
    would make PostgreSQL decode every column of every row. A ``chunked`` source is read in ranges of
    heap pages (a big table, read by parallel workers); otherwise in one piece."""

    table: str
    exprs: dict[str, str]
    where: str
    params: tuple[Any, ...] = ()
    late: str = "1 = 1"
    joins: str = ""
    chunked: bool = False


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def read(layout: Layout, sources: Sequence[Source]) -> dict[str, Array]:
    """The rows of every source, as columns (see ``Columns.arrays``)."""
    if _postgres():
        try:
            return _read_copy(layout, sources)
        except NotFixedWidth:
            pass
    return _read_rows(layout, sources)


def _read_rows(layout: Layout, sources: Sequence[Source]) -> dict[str, Array]:
    columns = Columns(layout)
    for s in sources:
        sql = f"SELECT {layout.select_sql(s.exprs)} FROM {s.table} t {s.joins} WHERE ({s.where}) AND ({s.late})"
        with connection.cursor() as cursor:
            cursor.execute(sql, list(s.params))
            while rows := cursor.fetchmany(100_000):
                columns.add_rows(rows)
    return columns.arrays()


def _page_ranges(cursor: Any, table: str) -> list[tuple[int, int | None]]:
    """[start, end) page ranges of ``PAGES_PER_CHUNK`` covering the table (its largest partition if it is
    partitioned: a TID range applies to each partition); the last range is open, for pages added since."""
    cursor.execute(
        "SELECT COALESCE(max(pg_relation_size(relid)), pg_relation_size(%s::regclass)) "
        "/ current_setting('block_size')::bigint FROM pg_partition_tree(%s::regclass)",
        [table, table],
    )
    row = cursor.fetchone()
    starts = list(range(0, max(int(row[0] if row else 0), 1), PAGES_PER_CHUNK))
    return [(start, start + PAGES_PER_CHUNK) for start in starts[:-1]] + [(starts[-1], None)]


def _read_copy(layout: Layout, sources: Sequence[Source]) -> dict[str, Array]:
    """One COPY whose rows are (count of records, the records concatenated), one row per source or per
    range of ``PAGES_PER_CHUNK`` heap pages of a chunked source's table (a TID range scan). The ranges are
    branches of one UNION ALL, which PostgreSQL hands out to parallel workers (Parallel Append)."""
    columns = Columns(layout)
    size = layout.dtype.itemsize
    with transaction.atomic(), connection.cursor() as cursor:
        # Compiling the many expressions would cost more than it saves (about 0.6 s on 100,000 beneficiaries).
        cursor.execute("SET LOCAL jit = off")
        selects: list[str] = []
        params: list[Any] = []
        for s in sources:
            assert "%s" not in s.late  # noqa: S101 - FILTER clauses precede the WHERE: no parameters there
            head = (
                f"SELECT count(*) FILTER (WHERE {s.late}) AS n, "
                f"string_agg({layout.record_sql(s.exprs)}, ''::bytea) FILTER (WHERE {s.late}) AS data "
                f"FROM {s.table} t {s.joins} WHERE "
            )
            ranges = _page_ranges(cursor, s.table) if s.chunked else [(0, None)]
            for start, end in ranges:
                tids = f"t.ctid >= '({start},0)'::tid AND " if s.chunked else ""
                tids += f"t.ctid < '({end},0)'::tid AND " if end is not None else ""
                selects.append(f"{head}{tids}({s.where})")
                params += s.params
        sql = f"COPY ({' UNION ALL '.join(selects)}) TO STDOUT (FORMAT binary)"
        with cursor.copy(sql, params) as copy:
            copy.set_types(["int8", "bytea"])
            for n, data in copy.rows():
                if not n:
                    continue
                if data is None or len(data) != n * size:
                    raise NotFixedWidth
                columns.add_records(data)
    return columns.arrays()


def _marks(values: Iterable[Any]) -> str:
    return ", ".join("%s" for _ in values)


# ---------------------------------------------------------------------------------------------------
# The engine's inputs
# ---------------------------------------------------------------------------------------------------
def _width(model: Any, name: str) -> int:
    return int(model._meta.get_field(name).max_length)


BENEFICIARIES = Layout(
    (
        Field("mbi", "text", _width(Beneficiary, "mbi")),
        Field("state", "text", _width(Beneficiary, "state")),
        Field("death_date", "day"),
        Field("part_a_start", "day"),
        Field("part_b_start", "day"),
    )
)

SERVICES = Layout(
    (
        Field("mbi", "text", _width(PartBLine, "current_mbi")),
        Field("kind", "text", 1),
        Field("hcpcs", "text", _width(PartBLine, "clm_line_hcpcs_cd")),
        Field("pos", "text", _width(PartBLine, "clm_pos_cd")),
        Field("specialty", "text", _width(PartBLine, "clm_prvdr_spclty_cd")),
        Field("tin", "text", _width(PartBLine, "clm_rndrg_prvdr_tax_num")),
        Field("npi", "text", _width(PartBLine, "rndrg_prvdr_npi_num")),
        Field("ccn", "text", _width(PartAClaim, "prvdr_oscar_num")),
        Field("from_date", "day"),
        Field("charge_cents", "cents"),
    )
)


def beneficiary_source() -> Source:
    return Source(
        table=Beneficiary._meta.db_table,
        exprs={
            "mbi": "TRIM(t.mbi)",
            "state": "TRIM(t.state)",
            "death_date": "t.death_date",
            "part_a_start": "t.part_a_start",
            "part_b_start": "t.part_b_start",
        },
        where="1 = 1",
    )


def service_sources(performance_year: int) -> list[Source]:
    """Rule 3 candidates of AY1–AY2: Part B PQEM lines of a step specialty, and RHC/FQHC lines."""
    (ay1_start, _), (_, ay2_end) = engine.alignment_years(performance_year)
    pqem = pqem_codes()
    part_b = Source(
        table=PartBLine._meta.db_table,
        exprs={
            "mbi": "TRIM(t.current_mbi)",
            "kind": "'B'",
            "hcpcs": "t.clm_line_hcpcs_cd",
            "pos": "TRIM(t.clm_pos_cd)",
            "specialty": "t.clm_prvdr_spclty_cd",
            "tin": "TRIM(t.clm_rndrg_prvdr_tax_num)",
            "npi": "TRIM(t.rndrg_prvdr_npi_num)",
            "ccn": "''",
            "from_date": "t.clm_line_from_dt",
            "charge_cents": "t.clm_line_alowd_chrg_amt",
        },
        where=(
            "t.is_current AND t.current_mbi <> '' AND t.clm_line_from_dt BETWEEN %s AND %s "
            f"AND t.clm_line_hcpcs_cd IN ({_marks(pqem)}) AND t.clm_prvdr_spclty_cd IN ({_marks(STEP_SPECIALTIES)})"
        ),
        params=(ay1_start, ay2_end, *pqem, *STEP_SPECIALTIES),
        late="NOT t.is_denied",
        chunked=True,
    )
    # 3b: lines of current claims of type 40, bill type 71x (RHC) or 77x (FQHC); the claim's CCN is the
    # provider. Few lines (tens of thousands for 100,000 beneficiaries): read in one piece.
    rural = Source(
        table=PartARevenueLine._meta.db_table,
        exprs={
            "mbi": "TRIM(t.current_mbi)",
            "kind": "'R'",
            "hcpcs": "TRIM(t.clm_line_hcpcs_cd)",
            "pos": "''",
            "specialty": "''",
            "tin": "''",
            "npi": "''",
            "ccn": "TRIM(h.prvdr_oscar_num)",
            "from_date": "t.clm_line_from_dt",
            "charge_cents": "t.clm_line_cvrd_pd_amt",
        },
        where=(
            "t.is_current AND t.current_mbi <> '' AND t.clm_line_from_dt BETWEEN %s AND %s "
            f"AND (t.clm_line_prod_rev_ctr_cd IN ({_marks(RHC_FQHC_REVENUE_CENTERS)}) "
            f"OR t.clm_line_hcpcs_cd IN ({_marks(pqem)})) "
            "AND h.is_current AND h.clm_type_cd = 40 AND h.clm_bill_fac_type_cd = '7' "
            "AND h.clm_bill_clsfctn_cd IN ('1', '7')"
        ),
        params=(ay1_start, ay2_end, *RHC_FQHC_REVENUE_CENTERS, *pqem),
        joins=f"JOIN {PartAClaim._meta.db_table} h ON h.cur_clm_uniq_id = t.cur_clm_uniq_id",
    )
    return [part_b, rural]


def load_beneficiaries() -> engine.Beneficiaries:
    """One row per current MBI: ``Beneficiary`` is keyed by the current MBI (the latest CCLF8 record)."""
    cols = read(BENEFICIARIES, [beneficiary_source()])
    return engine.Beneficiaries(
        mbi=cols["mbi"],
        death_date=cols["death_date"],
        part_a_start=cols["part_a_start"],
        part_b_start=cols["part_b_start"],
        state=cols["state"],
    )


def load_services(performance_year: int) -> engine.Services:
    cols = read(SERVICES, service_sources(performance_year))
    return engine.Services(**cols)


def load_entities(performance_year: int) -> engine.Entities:
    tin_to_aco: dict[str, str] = {}
    ccn_to_aco: dict[str, str] = {}
    for tin, ccns, aco_id in ParticipantTIN.objects.filter(performance_year=performance_year).values_list(
        "tin", "ccns", "aco__aco_id"
    ):
        tin_to_aco[tin] = aco_id
        for ccn in ccns or []:
            ccn_to_aco[ccn] = aco_id
    return engine.Entities(tin_to_aco, ccn_to_aco)


def load_voluntary() -> engine.Voluntary:
    """Every voluntary record, under the current MBI of the MBI it was filed under."""
    current = MBIMap.objects.filter(mbi=OuterRef("filed_mbi")).values("current_mbi")[:1]
    rows = list(
        VoluntaryAlignment.objects.annotate(filed_mbi=Trim("mbi"))
        .annotate(current_mbi=Coalesce(Subquery(current), F("filed_mbi")))
        .values_list("current_mbi", "aco__aco_id", "tin", "npi", "signed_date")
    )
    return engine.Voluntary(
        mbi=np.array([r[0].strip() for r in rows], dtype="U11"),
        aco_id=np.array([r[1].strip() for r in rows], dtype=str),
        tin=np.array([r[2].strip() for r in rows], dtype=str),
        npi=np.array([r[3].strip() for r in rows], dtype=str),
        signed_date=np.array([r[4] for r in rows], dtype="datetime64[D]"),
    )


def load_inputs(
    performance_year: int,
) -> tuple[engine.Beneficiaries, engine.Services, engine.Entities, engine.Voluntary]:
    """The engine's inputs, read set-based. Claims: netted (current) lines of the two alignment
    years; Part B lines that were denied count for nothing and are left out."""
    return (
        load_beneficiaries(),
        load_services(performance_year),
        load_entities(performance_year),
        load_voluntary(),
    )
