"""The alignment engine's inputs, read set-based from the database: beneficiaries (one CCLF8 row
per current MBI), netted qualifying service lines of the two alignment years (the narrow claim facts,
``ClaimFact``), the Participant TIN and
CCN map of the performance year, and voluntary alignment records, as numpy columns.

What SQL already does (so only candidate lines leave the database):
- Part B (CCLF5): current, not denied, line from-date in AY1–AY2, HCPCS on the PQEM list
  (``pqem_codes``), specialty a step-1 or step-2 one (lines of any other specialty take part in no
  step); the SNF place-of-service exclusion stays with the engine;
- RHC/FQHC (CCLF2 under a current type-40, bill type 71x/77x CCLF1 header): current, from-date in
  AY1–AY2, revenue centre 0521/0522/0524/0525 or a PQEM HCPCS (rule 3b);
- text is trimmed, dates become day numbers and amounts integer cents.
Exact-match filters compare the stored (right-trimmed) codes without trimming them first: a code
with leading blanks is shorter once trimmed, so it could not equal any code of the lists anyway.

On PostgreSQL the rows travel as text records, ``concat_ws`` of the fields with the unit separator
(0x1F) between fields and records, ``string_agg``-ed server-side per range of heap pages, so one
``COPY … TO STDOUT (FORMAT binary)`` row carries thousands of lines; numpy finds the separators and
cuts the fields out (text into fixed-width arrays, integers from their digits): no Python code per
line. Per-line COPY rows would cost about 2 µs each in the client (psycopg), and padding fields to fixed
widths in SQL about 2 µs each in the server. The page ranges are branches of one UNION ALL, so
PostgreSQL's parallel workers share them (Parallel Append). Data the cut cannot represent exactly (a
non-ASCII byte, a separator inside a value, a value longer than its column) makes the whole read fall
back to the portable path, which is what SQLite always uses: the same SELECT, fetched row by row.

Voluntary records are read under the beneficiary's current MBI (the MBI map built from CCLF9), so a
record filed under a retired MBI still counts; a record under an MBI whose CCLF9 chain is broken (a
cycle, no current MBI) is ignored, as that MBI's claims are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Trim

from apps.acos.models import ParticipantTIN
from apps.claims.models import Beneficiary, ClaimFact, MBIMap, PartAClaim, PartBLine, VoluntaryAlignment
from apps.claims.shards import Shard, condition

from . import engine

Array = npt.NDArray[Any]

FACTS = ClaimFact._meta.db_table
RHC_FQHC_REVENUE_CENTERS = ("0521", "0522", "0524", "0525")
# Lines of any other specialty are in neither step (rules 6 and 7).
STEP_SPECIALTIES = tuple(sorted(engine.STEP1_SPECIALTIES | engine.STEP2_SPECIALTIES))
# NULL dates travel as this day number (no real date is 5.9 million years before 1970).
NULL_DAY = int(np.iinfo(np.int32).min)
# Heap pages per COPY row: 4096 pages (32 MB of table) yield at most a few MB of records.
PAGES_PER_CHUNK = 4096
SEPARATOR = 0x1F  # ASCII unit separator, between fields and between records


def pqem_codes() -> tuple[str, ...]:
    """Every HCPCS text the engine counts as PQEM: the numeric ranges spelled out and the G-codes,
    with a lower-case g as well (the engine accepts it)."""
    numeric = [f"{n:05d}" for lo, hi in engine.PQEM_RANGES for n in range(lo, hi + 1)]
    g_codes = sorted(engine.PQEM_G_CODES)
    return tuple(numeric + g_codes + [c.lower() for c in g_codes])


# ---------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One column: ``text`` (trimmed, at most ``width`` characters), ``day`` (a date), ``cents`` (an
    amount, read as whole cents) or ``int`` (a whole number, such as cents already)."""

    name: str
    kind: str
    width: int = 0


class NotRepresentable(Exception):
    """The COPY records cannot be cut exactly: the portable path reads the data instead."""


@dataclass(frozen=True)
class Source:
    """One SELECT feeding some columns: ``FROM <table> t <joins> WHERE <where> AND <late>``, with the
    value expression of each field it sends and the constant text of each field it does not.

    On PostgreSQL ``late`` (no parameters) is tested in the aggregates' FILTER, after ``where`` chose the
    rows: a scan condition on a column far to the right of a wide row (``is_denied`` is the 56th of CCLF5)
    would make PostgreSQL decode every column of every row. A ``chunked`` source is read in ranges of
    heap pages (a big table); otherwise in one piece."""

    table: str
    exprs: dict[str, str]
    where: str
    params: tuple[Any, ...] = ()
    constants: dict[str, str] = field(default_factory=dict)
    late: str = "1 = 1"
    joins: str = ""
    chunked: bool = False
    years: tuple[int, int] | None = None  # a chunked read of the claim facts: the partitions read

    def sent(self, fields: Sequence[Field]) -> list[Field]:
        return [f for f in fields if f.name in self.exprs]

    def record_sql(self, fields: Sequence[Field]) -> str:
        """PostgreSQL: the fields this source sends, as one text, separated by 0x1F. NULLs become '' or
        NULL_DAY (``concat_ws`` would skip them); cents are exact (numeric(…, 2) × 100 is whole)."""
        parts = []
        for f in self.sent(fields):
            expr = self.exprs[f.name]
            if f.kind == "text":
                parts.append(f"COALESCE({expr}, '')")
            elif f.kind == "day":
                parts.append(f"COALESCE(({expr}) - DATE '1970-01-01', {NULL_DAY})")
            elif f.kind == "int":
                parts.append(f"COALESCE({expr}, 0)")
            else:
                parts.append(f"CAST(COALESCE({expr}, 0) * 100 AS BIGINT)")
        return f"concat_ws(chr({SEPARATOR}), {', '.join(parts)})"

    def select_sql(self, fields: Sequence[Field]) -> str:
        """Portable select list: text, raw dates, integer cents."""
        return ", ".join(
            f"CAST(ROUND(COALESCE({self.exprs[f.name]}, 0) * 100) AS BIGINT)"
            if f.kind == "cents"
            else f"COALESCE({self.exprs[f.name]}, 0)"
            if f.kind == "int"
            else f"{self.exprs[f.name]} AS {f.name}"
            for f in self.sent(fields)
        )


def _cut(buf: Array, starts: Array, lengths: Array, width: int) -> Array:
    """(n, width) bytes: each value left-aligned, NUL after its end (int32 positions: a chunk is < 1 GB)."""
    span = np.arange(width, dtype=np.int32)
    chars = np.take(buf, starts.astype(np.int32)[:, None] + span, mode="clip")
    chars *= span < lengths[:, None]
    return chars


_POW10 = 10 ** np.arange(19, dtype=np.int64)


def _integers(buf: Array, starts: Array, lengths: Array) -> Array:
    """Decimal integers (optional leading minus) from their digits; NotRepresentable on anything else."""
    width = int(lengths.max(initial=1))
    if width > 19 or (lengths == 0).any():
        raise NotRepresentable
    chars = _cut(buf, starts, lengths, width)
    minus = chars[:, 0] == ord("-")
    if (minus & (lengths == 1)).any():
        raise NotRepresentable
    digits = chars - np.uint8(ord("0"))  # wraps below "0": NUL and "-" become large
    is_digit = digits <= 9
    inside = np.arange(width) < lengths[:, None]
    if not (is_digit | ~inside).all(axis=1)[~minus].all() or not (is_digit[:, 1:] | ~inside[:, 1:]).all():
        raise NotRepresentable
    # Right-aligned place values: the last character of each value is the units.
    exponent = np.clip(lengths[:, None] - 1 - np.arange(width), 0, 18)
    values = (np.where(is_digit & inside, digits, 0).astype(np.int64) * _POW10[exponent]).sum(axis=1)
    return np.where(minus, -values, values)


class Columns:
    """Column-wise accumulation; ``arrays()`` gives text as unicode arrays (``U<width>`` from COPY), days as
    ``datetime64[D]`` (NaT for NULL) and cents as int64."""

    def __init__(self, fields: Sequence[Field]) -> None:
        self.fields = tuple(fields)
        self.parts: dict[str, list[Array]] = {f.name: [] for f in self.fields}

    def add_records(self, source: Source, data: bytes, n: int) -> None:
        """Cut ``n`` records of ``source.record_sql`` (separated by 0x1F) out of ``data``."""
        sent = source.sent(self.fields)
        buf = np.frombuffer(data + bytes([SEPARATOR]), dtype=np.uint8)
        if (buf >= 0x80).any():  # a multi-byte character: widths in bytes and characters differ
            raise NotRepresentable
        separators = np.flatnonzero(buf == SEPARATOR)
        if separators.size != n * len(sent):  # a separator inside a value
            raise NotRepresentable
        ends = separators.reshape(n, len(sent))
        starts = np.empty_like(ends)
        starts[:, 1:] = ends[:, :-1] + 1
        starts[1:, 0] = ends[:-1, -1] + 1
        starts[:1, 0] = 0
        lengths = ends - starts
        for i, f in enumerate(sent):
            if f.kind == "text":
                if lengths[:, i].max(initial=0) > f.width:
                    raise NotRepresentable
                self.parts[f.name].append(_cut(buf, starts[:, i], lengths[:, i], f.width))
            else:
                self.parts[f.name].append(_integers(buf, starts[:, i], lengths[:, i]))
        for f in self.fields:
            if f.name not in source.exprs:
                self.parts[f.name].append(_constant(source.constants[f.name], f.width, n, ascii_bytes=True))

    def add_rows(self, source: Source, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of ``source.select_sql`` (text may be None, dates date objects or ISO text)."""
        sent = source.sent(self.fields)
        for i, f in enumerate(sent):
            values = [r[i] for r in rows]
            if f.kind == "text":
                # Natural width: SQLite does not enforce column lengths, and nothing may be cut off.
                self.parts[f.name].append(np.array([v or "" for v in values], dtype=str))
            elif f.kind == "day":
                days = np.array(values, dtype="datetime64[D]").astype(np.int64)
                days[days == np.iinfo(np.int64).min] = NULL_DAY
                self.parts[f.name].append(days)
            else:
                self.parts[f.name].append(np.array([int(v or 0) for v in values], dtype=np.int64))
        for f in self.fields:
            if f.name not in source.exprs:
                self.parts[f.name].append(_constant(source.constants[f.name], f.width, len(rows), ascii_bytes=False))

    def arrays(self) -> dict[str, Array]:
        out: dict[str, Array] = {}
        for f in self.fields:
            parts = self.parts.pop(f.name)
            if f.kind == "text":
                out[f.name] = _unicode(parts, f.width)
                continue
            values = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            if f.kind == "day":
                values[values == NULL_DAY] = np.iinfo(np.int64).min
                values = values.view("datetime64[D]")
            out[f.name] = values
        return out


def _constant(text: str, width: int, n: int, *, ascii_bytes: bool) -> Array:
    if not ascii_bytes:
        return np.full(n, text, dtype=f"U{width}")
    chars = np.zeros((n, width), dtype=np.uint8)
    chars[:, : len(text)] = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return chars


def _unicode(parts: list[Array], width: int) -> Array:
    """Concatenate text parts: unicode arrays (portable path: as wide as their longest value) or (n, width)
    matrices of ASCII bytes (COPY path), which become ``U<width>`` by widening each byte to a code point
    (NUL pads, as numpy's)."""
    if not parts or parts[0].dtype != np.uint8:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=f"U{width}")
    chars = np.empty((sum(len(p) for p in parts), width), dtype=np.uint32)
    at = 0
    for part in parts:
        chars[at : at + len(part)] = part
        at += len(part)
    return chars.view(f"U{width}").reshape(-1)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def read(fields: Sequence[Field], sources: Sequence[Source]) -> dict[str, Array]:
    """The rows of every source, as columns (see ``Columns.arrays``)."""
    if _postgres():
        try:
            return _read_copy(fields, sources)
        except NotRepresentable:
            pass
    return _read_rows(fields, sources)


def _read_rows(fields: Sequence[Field], sources: Sequence[Source]) -> dict[str, Array]:
    columns = Columns(fields)
    for s in sources:
        sql = f"SELECT {s.select_sql(fields)} FROM {s.table} t {s.joins} WHERE ({s.where}) AND ({s.late})"
        with connection.cursor() as cursor:
            cursor.execute(sql, list(s.params))
            while rows := cursor.fetchmany(100_000):
                columns.add_rows(s, rows)
    return columns.arrays()


def _chunks(cursor: Any, table: str, years: tuple[int, int] | None) -> list[tuple[str, int, int | None]]:
    """(heap, start page, end page) ranges of ``PAGES_PER_CHUNK`` covering the table, or each partition of
    a partitioned one (of the service years ``years`` only, for the claim facts' ``_y<year>`` partitions);
    the last range of each is open, for pages added since."""
    cursor.execute(
        "SELECT c.relname, pg_relation_size(c.oid) / current_setting('block_size')::bigint "
        "FROM pg_partition_tree(%s::regclass) p JOIN pg_class c ON c.oid = p.relid WHERE p.isleaf ORDER BY 1",
        [table],
    )
    heaps = cursor.fetchall()
    if not heaps:  # not partitioned
        cursor.execute(
            "SELECT %s, pg_relation_size(%s::regclass) / current_setting('block_size')::bigint", [table, table]
        )
        heaps = cursor.fetchall()
    out: list[tuple[str, int, int | None]] = []
    for name, pages in heaps:
        suffix = name.rsplit("_y", 1)[-1]
        if years is not None and name != table and suffix.isdigit() and not years[0] <= int(suffix) <= years[1]:
            continue
        starts = list(range(0, max(int(pages), 1), PAGES_PER_CHUNK))
        out += [(name, start, start + PAGES_PER_CHUNK) for start in starts[:-1]] + [(name, starts[-1], None)]
    return out


def _read_copy(fields: Sequence[Field], sources: Sequence[Source]) -> dict[str, Array]:
    """One COPY per source whose rows are (count of records, the records): one row, or one per range of
    ``PAGES_PER_CHUNK`` heap pages of a chunked source's table (a TID range scan). The ranges are branches
    of one UNION ALL, which PostgreSQL hands out to its parallel workers (Parallel Append); a source per
    COPY, as a join in the same UNION ALL made the planner give up the parallel plan. The settings are
    transaction-local: inside a caller's transaction they last until that transaction ends."""
    columns = Columns(fields)
    with transaction.atomic(), connection.cursor() as cursor:
        # Compiling the many expressions would cost more than it saves (about 0.6 s on 100,000 beneficiaries).
        cursor.execute("SET LOCAL jit = off")
        # The leader only forwards the workers' rows: running branches itself, it left them blocked on full
        # queues (6–9 s instead of 5–6 s for the Part B read of 100,000 beneficiaries on 2 cores).
        cursor.execute("SET LOCAL parallel_leader_participation = off")
        # Tables fresh from a load carry no statistics (loads do not ANALYZE): a nested loop the planner
        # would choose on its guess of a few rows runs for minutes over millions of claim facts.
        cursor.execute("SET LOCAL enable_nestloop = off")
        for s in sources:
            if "%s" in s.late:  # FILTER clauses precede the WHERE: parameters there would be misplaced
                raise ValueError("a source's late condition takes no parameters")
            head = (
                f"SELECT count(*) FILTER (WHERE {s.late}) AS n, "
                f"string_agg({s.record_sql(fields)}, chr({SEPARATOR})) FILTER (WHERE {s.late}) AS data "
            )
            selects: list[str] = []
            for heap, start, end in _chunks(cursor, s.table, s.years) if s.chunked else [(s.table, 0, None)]:
                tids = f"t.ctid >= '({start},0)'::tid AND " if s.chunked else ""
                tids += f"t.ctid < '({end},0)'::tid AND " if end is not None else ""
                selects.append(f"{head} FROM {heap} t {s.joins} WHERE {tids}({s.where})")
            if not selects:  # a partitioned table with no partition of the years asked for: no rows
                continue
            sql = f"COPY ({' UNION ALL '.join(selects)}) TO STDOUT (FORMAT binary)"
            # The driver's own cursor: Django's debug wrapper (DEBUG on) takes no COPY parameters.
            with cursor.cursor.copy(sql, list(s.params) * len(selects)) as copy:
                copy.set_types(["int8", "bytea"])  # the text's bytes as they are (UTF-8)
                for n, data in copy.rows():
                    if n:
                        columns.add_records(s, data, n)
    return columns.arrays()


def _marks(values: Iterable[Any]) -> str:
    return ", ".join("%s" for _ in values)


# ---------------------------------------------------------------------------------------------------
# The engine's inputs
# ---------------------------------------------------------------------------------------------------
def _width(model: Any, name: str) -> int:
    return int(model._meta.get_field(name).max_length)


BENEFICIARIES = (
    Field("mbi", "text", _width(Beneficiary, "mbi")),
    Field("state", "text", _width(Beneficiary, "state")),
    Field("death_date", "day"),
    Field("part_a_start", "day"),
    Field("part_b_start", "day"),
)

SERVICES = (
    Field("mbi", "text", _width(PartBLine, "current_mbi")),
    Field("kind", "text", 1),
    Field("hcpcs", "text", _width(PartBLine, "clm_line_hcpcs_cd")),
    Field("pos", "text", _width(PartBLine, "clm_pos_cd")),
    Field("specialty", "text", _width(PartBLine, "clm_prvdr_spclty_cd")),
    Field("tin", "text", _width(PartBLine, "clm_rndrg_prvdr_tax_num")),
    Field("npi", "text", _width(PartBLine, "rndrg_prvdr_npi_num")),
    Field("ccn", "text", _width(PartAClaim, "prvdr_oscar_num")),
    Field("from_date", "day"),
    Field("charge_cents", "int"),  # the facts hold whole cents
)


def within(column: str, values: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
    """A SQL condition: ``column`` is one of ``values`` (one parameter, whatever their number: an array on
    PostgreSQL, a JSON list on SQLite), with its parameters. No values: a condition no row meets."""
    if not values:
        return "1 = 0", ()
    if _postgres():
        return f"{column} = ANY(%s)", (list(values),)
    import json

    return f"{column} IN (SELECT value FROM json_each(%s))", (json.dumps(list(values)),)


def beneficiary_source(shard: Shard | None = None, mbis: Sequence[str] | None = None) -> Source:
    among, params = ("1 = 1", ()) if mbis is None else within("t.mbi", mbis)
    return Source(
        table=Beneficiary._meta.db_table,
        exprs={
            "mbi": "TRIM(t.mbi)",
            "state": "TRIM(t.state)",
            "death_date": "t.death_date",
            "part_a_start": "t.part_a_start",
            "part_b_start": "t.part_b_start",
        },
        where=f"{condition(shard, 't.mbi')} AND {among}",
        params=params,
    )


def service_sources(
    performance_year: int,
    shard: Shard | None = None,
    *,
    mbis: Sequence[str] | None = None,
    tins: Sequence[str] | None = None,
    ccns: Sequence[str] | None = None,
) -> list[Source]:
    """Rule 3 candidates of AY1–AY2, from the narrow claim facts (``ClaimFact``): Part B PQEM lines of a
    step specialty, and RHC/FQHC revenue lines under their claim's header; of one part's beneficiaries
    when ``shard`` is given, of the beneficiaries ``mbis`` only when given, and (``tins``/``ccns`` given)
    only the lines at those TINs (Part B) or CCNs (RHC/FQHC)."""
    part = condition(shard, "t.current_mbi")
    among, among_params = ("1 = 1", ()) if mbis is None else within("t.current_mbi", mbis)
    # The claim's header belongs to the same beneficiary: filtered too, so the join's build side is theirs.
    header_among, header_params = ("1 = 1", ()) if mbis is None else within("h.current_mbi", mbis)
    at_tin, tin_params = ("1 = 1", ()) if tins is None and ccns is None else within("t.tin", tins or ())
    at_ccn, ccn_params = ("1 = 1", ()) if tins is None and ccns is None else within("h.ccn", ccns or ())
    (ay1_start, _), (_, ay2_end) = engine.alignment_years(performance_year)
    pqem = pqem_codes()
    years = f"t.service_year BETWEEN {ay1_start.year} AND {ay2_end.year}"
    part_b = Source(
        table=FACTS,
        exprs={
            "mbi": "TRIM(t.current_mbi)",
            "hcpcs": "CAST(t.hcpcs AS TEXT)",
            "pos": "CAST(t.pos AS TEXT)",
            "specialty": "CAST(t.specialty AS TEXT)",
            "tin": "CAST(t.tin AS TEXT)",
            "npi": "CAST(t.npi AS TEXT)",
            "from_date": "t.from_date",
            "charge_cents": "t.allowed_cents",
        },
        constants={"kind": "B", "ccn": ""},
        where=(
            f"t.source = 5 AND {years} AND t.is_current AND NOT t.is_denied AND t.current_mbi <> '' "
            f"AND t.from_date BETWEEN %s AND %s AND t.hcpcs IN ({_marks(pqem)}) "
            f"AND t.specialty IN ({_marks(STEP_SPECIALTIES)}) AND {part} AND {among} AND {at_tin}"
        ),
        params=(ay1_start, ay2_end, *pqem, *STEP_SPECIALTIES, *among_params, *tin_params),
        chunked=True,
        years=(ay1_start.year, ay2_end.year),
    )
    # 3b: lines of current claims of type 40, bill type 71x (RHC) or 77x (FQHC); the claim's CCN is the
    # provider. Few lines (tens of thousands for 100,000 beneficiaries): read in one piece.
    rural = Source(
        table=FACTS,
        exprs={
            "mbi": "TRIM(t.current_mbi)",
            "hcpcs": "CAST(t.hcpcs AS TEXT)",
            "ccn": "CAST(h.ccn AS TEXT)",
            "from_date": "t.from_date",
            "charge_cents": "t.paid_cents",
        },
        constants={"kind": "R", "pos": "", "specialty": "", "tin": "", "npi": ""},
        where=(
            f"t.source = 2 AND {years} AND t.is_current AND t.current_mbi <> '' AND t.from_date BETWEEN %s AND %s "
            f"AND (t.revenue_center IN ({_marks(RHC_FQHC_REVENUE_CENTERS)}) OR t.hcpcs IN ({_marks(pqem)})) "
            "AND h.source = 1 AND h.is_current AND h.claim_type = 40 AND h.bill_type IN ('71', '77') "
            # The header's from-date is on or before its lines' (so its year is at most AY2's) and an RHC/FQHC
            # claim spans days, not years: the header partitions of AY1's year (less one) to AY2's only.
            f"AND h.service_year BETWEEN {ay1_start.year - 1} AND {ay2_end.year} "
            f"AND {part} AND {among} AND {at_ccn} AND {header_among}"
        ),
        params=(ay1_start, ay2_end, *RHC_FQHC_REVENUE_CENTERS, *pqem, *among_params, *ccn_params, *header_params),
        joins=f"JOIN {FACTS} h ON h.claim_id = t.claim_id",
    )
    return [part_b, rural]


def load_beneficiaries(shard: Shard | None = None, mbis: Sequence[str] | None = None) -> engine.Beneficiaries:
    """One row per current MBI: ``Beneficiary`` is keyed by the current MBI (the latest CCLF8 record)."""
    cols = read(BENEFICIARIES, [beneficiary_source(shard, mbis)])
    return engine.Beneficiaries(
        mbi=cols["mbi"],
        death_date=cols["death_date"],
        part_a_start=cols["part_a_start"],
        part_b_start=cols["part_b_start"],
        state=cols["state"],
    )


def load_services(
    performance_year: int, shard: Shard | None = None, mbis: Sequence[str] | None = None
) -> engine.Services:
    cols = read(SERVICES, service_sources(performance_year, shard, mbis=mbis))
    return engine.Services(**cols)


def mbis_with_services_at(performance_year: int, *, tins: Sequence[str], ccns: Sequence[str]) -> Array:
    """The sorted distinct current MBIs with a rule-3 candidate line of the PY's alignment years at one of
    ``tins`` (Part B) or ``ccns`` (RHC/FQHC): one filtered read of the MBI column only."""
    if not tins and not ccns:
        return np.array([], dtype=str)
    cols = read(SERVICES[:1], service_sources(performance_year, tins=tins, ccns=ccns))
    return np.unique(np.char.strip(cols["mbi"].astype(str)))


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


def load_voluntary(
    shard: Shard | None = None, mbis: Sequence[str] | None = None, tins: Sequence[str] | None = None
) -> engine.Voluntary:
    """Every voluntary record (of one part's beneficiaries, of the beneficiaries ``mbis``, or designating
    one of ``tins``), under the current MBI of the MBI it was filed under."""
    current = MBIMap.objects.filter(mbi=OuterRef("filed_mbi")).values("current_mbi")[:1]
    records = VoluntaryAlignment.objects.annotate(filed_mbi=Trim("mbi")).annotate(
        current_mbi=Coalesce(Subquery(current), F("filed_mbi"))
    )
    if shard is not None:
        records = shard.filter(records, "current_mbi")
    if mbis is not None:
        records = records.filter(current_mbi__in=list(mbis))
    if tins is not None:
        records = records.filter(tin__in=list(tins))
    rows = list(records.values_list("current_mbi", "aco__aco_id", "tin", "npi", "signed_date"))
    return engine.Voluntary(
        mbi=np.array([r[0].strip() for r in rows], dtype=str),
        aco_id=np.array([r[1].strip() for r in rows], dtype=str),
        tin=np.array([r[2].strip() for r in rows], dtype=str),
        npi=np.array([r[3].strip() for r in rows], dtype=str),
        signed_date=np.array([r[4] for r in rows], dtype="datetime64[D]"),
    )


def load_inputs(
    performance_year: int, shard: Shard | None = None
) -> tuple[engine.Beneficiaries, engine.Services, engine.Entities, engine.Voluntary]:
    """The engine's inputs, read set-based. Claims: netted (current) lines of the two alignment
    years; Part B lines that were denied count for nothing and are left out. With ``shard``, only that
    part's beneficiaries, their lines and their voluntary records (the entities are everyone's)."""
    return (
        load_beneficiaries(shard),
        load_services(performance_year, shard),
        load_entities(performance_year),
        load_voluntary(shard),
    )
