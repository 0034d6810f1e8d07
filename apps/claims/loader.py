"""Loading checked CCLF records into the database, and the set-based steps after a load.

Every file goes through a staging table holding raw lines: on PostgreSQL the lines arrive by
``COPY`` (psycopg 3), on SQLite by batched inserts. One ``INSERT … SELECT`` per file then cuts the
fields out with ``substr`` and converts them, so no Python code touches a row. After the files:

1. the MBI map is rebuilt from CCLF9 (chains followed, cycles reported, never guessed);
2. ``current_mbi`` is set on new rows and on old rows whose MBI gained a newer one;
3. claims are netted (docs/claims.md) for every natural key the load touched; CCLF2/3/4 and CCLFA
   rows follow their CCLF1 header, CCLFB rows their CCLF5/CCLF6 line;
4. the current beneficiary table is rebuilt from the latest CCLF8 record per current MBI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from django.db.backends.utils import CursorWrapper

from . import models
from .layouts import Field, Layout, layout
from .parsing import MISSING_DATES, TRIMMED_FIELDS

TABLES: dict[str, type[models.CCLFRow]] = {
    "CCLF1": models.PartAClaim,
    "CCLF2": models.PartARevenueLine,
    "CCLF3": models.PartAProcedure,
    "CCLF4": models.PartADiagnosis,
    "CCLF5": models.PartBLine,
    "CCLF6": models.DMELine,
    "CCLF7": models.PartDEvent,
    "CCLF8": models.BeneficiarySnapshot,
    "CCLF9": models.MBIXref,
    "CCLFA": models.PartABenefitCodes,
    "CCLFB": models.PartBBenefitCodes,
}
MBI_FIELD = {"CCLF9": "PRVS_NUM"}
STAGE = "cclf_stage"
SQLITE_BATCH = 5000


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _expr(f: Field, ascii_only: bool = False, file_type: str = "") -> str:
    """The SQL reading one field of a staged line, exactly as ``parsing.copy_text`` does."""
    raw = _raw(f, ascii_only)
    if f.kind == "text":
        return f"trim({raw})" if f.name in TRIMMED_FIELDS.get(file_type, set()) else f"rtrim({raw})"
    trimmed = f"NULLIF(trim({raw}), '')"
    if f.kind == "date":
        for missing in MISSING_DATES:
            trimmed = f"NULLIF({trimmed}, '{missing}')"
    if _postgres():
        return {"int": f"{trimmed}::bigint", "date": f"{trimmed}::date", "decimal": f"{trimmed}::numeric"}[f.kind]
    return {"int": f"CAST({trimmed} AS INTEGER)", "date": trimmed, "decimal": f"CAST({trimmed} AS NUMERIC)"}[f.kind]


def create_stage(cursor: CursorWrapper) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    if _postgres():
        cursor.execute(f"CREATE TEMP TABLE {STAGE} (line text) ON COMMIT DROP")
    else:
        cursor.execute(f"CREATE TEMP TABLE {STAGE} (line text)")


def stage_lines(cursor: CursorWrapper, data: bytes) -> None:
    """Append newline-separated raw records to the staging table."""
    if not data:
        return
    if _postgres():
        # CSV with delimiter and quote characters that never occur in CCLF text: each line is one
        # value, spaces kept, no escape processing.
        sql = f"COPY {STAGE} (line) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e', ENCODING 'LATIN1')"
        with cursor.copy(sql) as copy:
            copy.write(data)
        return
    lines = data.decode("latin-1").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for i in range(0, len(lines), SQLITE_BATCH):
        cursor.executemany(f"INSERT INTO {STAGE} (line) VALUES (%s)", [(x,) for x in lines[i : i + SQLITE_BATCH]])


def copy_columns(file_type: str, with_ids: bool = False) -> list[str]:
    """Columns of a ``copy_rows`` row: the derived columns of ``copy_lead``, then the layout's."""
    model = TABLES[file_type]
    columns = ["id"] if with_ids else []
    columns += ["file_id", "current_mbi"]
    if issubclass(model, models.NettedRow):
        columns.append("is_current")
    if model in (models.PartBLine, models.DMELine):
        columns.append("is_denied")
    return columns + [f.name.lower() for f in layout(file_type).fields]


def current_mbis(matrix: np.ndarray, file_type: str, mbi_map: dict[bytes, bytes]) -> np.ndarray:
    """Each record's current MBI (``S11``) through the MBI map; empty when the MBI's chain is broken."""
    source = layout(file_type).field(MBI_FIELD.get(file_type, "BENE_MBI_ID"))
    mbis = np.ascontiguousarray(matrix[:, source.slice]).view(f"S{source.length}").ravel()
    if mbi_map:
        uniques, inverse = np.unique(mbis, return_inverse=True)
        mapped = np.array([mbi_map.get(u.rstrip(), u.rstrip()) for u in uniques], dtype="S11")
        return mapped[inverse]
    return np.char.rstrip(mbis).astype("S11")


def starts_current(matrix: np.ndarray, file_type: str) -> np.ndarray:
    """Whether each record starts out current: everything but cancellations (netting later demotes the
    superseded versions)."""
    file_layout = layout(file_type)
    if "CLM_ADJSMT_TYPE_CD" not in file_layout.names:
        return np.ones(matrix.shape[0], dtype=bool)
    col = matrix[:, file_layout.field("CLM_ADJSMT_TYPE_CD").slice]
    cancel = ((col[:, 0] == ord("1")) & (col[:, 1] == 32)) | ((col[:, 0] == 32) & (col[:, 1] == ord("1")))
    return ~cancel


def copy_lead(
    matrix: np.ndarray, file_type: str, file_id: int, current: np.ndarray, first_id: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The derived columns of each record, tab-terminated, as a byte matrix and keep-mask: the row id
    (``first_id`` onwards, when ids were reserved); file id; current MBI (``current_mbis``); whether the
    row starts out current (``starts_current``); and, for Part B, whether the line was denied."""
    n = matrix.shape[0]
    model = TABLES[file_type]
    parts: list[np.ndarray] = []
    keeps: list[np.ndarray] = []

    def const(text: bytes) -> None:
        parts.append(np.broadcast_to(np.frombuffer(text, dtype=np.uint8), (n, len(text))))
        keeps.append(np.ones((n, len(text)), dtype=bool))

    def flag(values: np.ndarray) -> None:
        col = np.empty((n, 2), dtype=np.uint8)
        col[:, 0] = np.where(values, ord("t"), ord("f"))
        col[:, 1] = 9
        parts.append(col)
        keeps.append(np.ones((n, 2), dtype=bool))

    if first_id is not None:
        ids = np.empty((n, 20), dtype=np.uint8)
        ids[:, :19] = _digits(first_id + np.arange(n, dtype=np.int64), 19)
        ids[:, 19] = 9
        parts.append(ids)
        keeps.append(np.ones((n, 20), dtype=bool))
    const(f"{int(file_id)}\t".encode())
    mbi_col = np.full((n, 12), 32, dtype=np.uint8)
    mbi_col[:, :11] = np.frombuffer(current.astype("S11").tobytes(), dtype=np.uint8).reshape(n, 11)
    mbi_col[:, 11] = 9
    mbi_keep = np.zeros((n, 12), dtype=bool)
    mbi_keep[:, :11] = mbi_col[:, :11] != 0  # unused bytes of a shorter value are NUL after astype
    mbi_keep[:, 11] = True
    mbi_col[:, :11][~mbi_keep[:, :11]] = 32
    parts.append(mbi_col)
    keeps.append(mbi_keep)
    if issubclass(model, models.NettedRow):
        flag(starts_current(matrix, file_type))
    if model in (models.PartBLine, models.DMELine):
        flag(_denied(matrix, file_type))
    return np.concatenate(parts, axis=1), np.concatenate(keeps, axis=1)


@contextmanager
def bulk_mode(cursor: CursorWrapper, file_type: str, new_rows: int) -> Iterator[bool]:
    """For a load that is large next to what the table holds (the first load, a yearly refresh),
    drop the table's secondary indexes and build them again afterwards: one sorted build is far
    cheaper than millions of random index insertions. Holds the table's lock until commit, which
    an ingest transaction does anyway. PostgreSQL only; yields whether indexes were dropped."""
    if not _postgres():
        yield False
        return
    table = TABLES[file_type]._meta.db_table
    cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
    row = cursor.fetchone()
    existing = max(int(row[0]) if row else 0, 0)
    if new_rows < 100_000 or new_rows < existing:
        yield False
        return
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
        [table, "%_pkey"],
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield True
    finally:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cursor.execute(definition)


def copy_rows(cursor: CursorWrapper, file_type: str, columns: list[str], data: bytes, latin1: bool = True) -> None:
    """COPY rows already split into columns (``parsing.copy_text``) straight into the table.
    ASCII data goes in as it is; other bytes are read as Latin-1 (converting costs a pass)."""
    if not data:
        return
    table = TABLES[file_type]._meta.db_table
    encoding = ", ENCODING 'LATIN1'" if latin1 else ""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text{encoding})"
    with cursor.copy(sql) as copy:
        copy.write(data)


def insert_from_stage(cursor: CursorWrapper, file_type: str, file_id: int, ascii_only: bool = False) -> int:
    """Convert the staged lines of one file into rows of its table (the path for SQLite, and for
    PostgreSQL records the COPY path cannot carry). Derived columns as in ``copy_lead``."""
    model = TABLES[file_type]
    file_layout: Layout = layout(file_type)
    source = _raw(file_layout.field(MBI_FIELD.get(file_type, "BENE_MBI_ID")), ascii_only)
    mbimap = models.MBIMap._meta.db_table
    columns = ["file_id", "current_mbi"]
    exprs = [
        str(int(file_id)),
        f"COALESCE((SELECT m.current_mbi FROM {mbimap} m WHERE m.mbi = rtrim({source})), rtrim({source}))",
    ]
    if issubclass(model, models.NettedRow):
        columns.append("is_current")
        if "CLM_ADJSMT_TYPE_CD" in file_layout.names:
            exprs.append(f"(trim({_raw(file_layout.field('CLM_ADJSMT_TYPE_CD'), ascii_only)}) <> '1')")
        else:
            exprs.append("true" if _postgres() else "1")
    if model in (models.PartBLine, models.DMELine):
        columns.append("is_denied")
        exprs.append(f"(trim({_raw(file_layout.field('CLM_CARR_PMT_DNL_CD'), ascii_only)}) = '0')")
    for f in file_layout.fields:
        columns.append(f.name.lower())
        exprs.append(_expr(f, ascii_only, file_type))
    table = model._meta.db_table
    stage = f"(SELECT convert_to(line, 'UTF8') AS b FROM {STAGE}) s" if ascii_only and _postgres() else STAGE
    cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(exprs)} FROM {stage}")
    count = cursor.rowcount
    clear_stage(cursor)
    return int(count)


def clear_stage(cursor: CursorWrapper) -> None:
    cursor.execute(f"DELETE FROM {STAGE}")


def _raw(f: Field, ascii_only: bool = False) -> str:
    """The field's text. On PostgreSQL ``substr`` on text walks the characters of a UTF-8 string
    from the start each time; for an all-ASCII file the line is read once as bytes and cut by
    byte offsets instead, which is many times faster."""
    if ascii_only and _postgres():
        return f"convert_from(substring(b from {f.start} for {f.length}), 'UTF8')"
    return f"substr(line, {f.start}, {f.length})"


# --- after the files ---------------------------------------------------------------------------


def resolve_chains(links: Iterable[tuple[str, str]]) -> tuple[dict[str, tuple[str, int]], dict[str, str]]:
    """Follow PRVS → CRNT links to the MBI with no newer one.

    Returns ``{mbi: (current, hops)}`` for every MBI that has a newer one, and
    ``{mbi: problem}`` for MBIs whose chain loops (a data error: reported, not guessed) or that
    point to two different newer MBIs.
    """
    newer: dict[str, str] = {}
    problems: dict[str, str] = {}
    for previous, current in links:
        if previous == current:
            continue
        if previous in newer and newer[previous] != current:
            problems[previous] = f"CCLF9 links {previous} to both {newer[previous]} and {current}"
            continue
        newer[previous] = current
    resolved: dict[str, tuple[str, int]] = {}
    for start in newer:
        if start in problems:
            continue
        seen = [start]
        mbi = start
        while mbi in newer:
            mbi = newer[mbi]
            if mbi in seen:
                cycle = " → ".join([*seen[seen.index(mbi) :], mbi])
                for m in seen:
                    problems.setdefault(m, f"CCLF9 links form a cycle: {cycle}")
                break
            seen.append(mbi)
        else:
            resolved[start] = (mbi, len(seen) - 1)
    return resolved, problems


@dataclass
class MBIState:
    """The MBI map as bytes for the COPY path, the problems found, and the MBIs whose current MBI
    changed in this load (old current → new current), which older rows must follow."""

    mapping: dict[bytes, bytes]
    problems: dict[str, str]
    changed: dict[str, tuple[str, str]]


def rebuild_mbi_map(cursor: CursorWrapper) -> MBIState:
    """Rebuild the MBI map from every CCLF9 row loaded so far. Only MBI rows (indicator M) link
    beneficiaries; HICN rows (H) are kept with their lineage but never merge anyone."""
    table = models.MBIMap._meta.db_table
    cursor.execute(f"SELECT mbi, current_mbi FROM {table}")
    before = dict(cursor.fetchall())
    cursor.execute(
        f"SELECT prvs_num, crnt_num FROM {models.MBIXref._meta.db_table} WHERE hicn_mbi_xref_ind = 'M' ORDER BY id"
    )
    resolved, problems = resolve_chains((p, c) for p, c in cursor.fetchall())
    cursor.execute(f"DELETE FROM {table}")
    rows = [(m, cur, hops, "") for m, (cur, hops) in resolved.items()]
    rows += [(m, "", 0, problem[:255]) for m, problem in problems.items()]
    for i in range(0, len(rows), SQLITE_BATCH):
        cursor.executemany(
            f"INSERT INTO {table} (mbi, current_mbi, hops, problem) VALUES (%s, %s, %s, %s)", rows[i : i + SQLITE_BATCH]
        )
    after = {m: cur for m, cur, _, _ in rows}
    changed = {m: (before.get(m, m), cur) for m, cur in after.items() if before.get(m, m) != cur}
    changed.update({m: (old, m) for m, old in before.items() if m not in after})
    mapping = {m.encode(): cur.encode() for m, cur in after.items()}
    return MBIState(mapping, problems, changed)


def count_hicn_links(cursor: CursorWrapper, file_id: int) -> int:
    """CCLF9 rows of a file that link an old HICN (indicator H): kept, never used to link MBIs."""
    cursor.execute(
        f"SELECT count(*) FROM {models.MBIXref._meta.db_table} WHERE file_id = %s AND hicn_mbi_xref_ind = 'H'",
        [file_id],
    )
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def refresh_current_mbi(cursor: CursorWrapper, changed: dict[str, tuple[str, str]]) -> list[str]:
    """Rows loaded earlier follow MBI changes: a row whose source MBI now maps elsewhere gets the
    new current MBI (found through the ``current_mbi`` index on its old value). Returns every
    current MBI touched (their Part A claims need netting again)."""
    if not changed:
        return []
    cursor.execute("DROP TABLE IF EXISTS cclf_mbi_changes")
    cursor.execute("CREATE TEMP TABLE cclf_mbi_changes (mbi varchar(11), old varchar(11), new varchar(11))")
    rows = [(m, old, new) for m, (old, new) in changed.items()]
    for i in range(0, len(rows), SQLITE_BATCH):
        cursor.executemany(
            "INSERT INTO cclf_mbi_changes (mbi, old, new) VALUES (%s, %s, %s)", rows[i : i + SQLITE_BATCH]
        )
    for file_type, model in TABLES.items():
        table = model._meta.db_table
        source = MBI_FIELD.get(file_type, "BENE_MBI_ID").lower()
        tracked_update(
            cursor,
            file_type,
            f"UPDATE {table} SET current_mbi = c.new FROM cclf_mbi_changes c "
            f"WHERE {table}.current_mbi = c.old AND {table}.{source} = c.mbi AND {table}.current_mbi <> c.new",
        )
    cursor.execute("DROP TABLE cclf_mbi_changes")
    return sorted(({old for old, _ in changed.values()} | {new for _, new in changed.values()}) - {""})


NATURAL_KEYS = {
    "CCLF1": ["current_mbi", "prvdr_oscar_num", "clm_from_dt", "clm_thru_dt", "clm_type_cd"],
    "CCLF5": ["clm_cntl_num", "clm_line_num"],
    "CCLF6": ["clm_cntl_num", "clm_line_num"],
    "CCLF7": ["clm_srvc_prvdr_gnrc_id_num", "clm_line_rx_srvc_rfrnc_num", "clm_line_from_dt", "clm_line_rx_fill_num"],
}


def net_claims(
    cursor: CursorWrapper, file_ids: list[int], touched_mbis: list[str], already_netted: set[int] | None = None
) -> None:
    """docs/claims.md: per natural key the record with the greatest (CLM_EFCTV_DT, CUR_CLM_UNIQ_ID)
    wins (the later-loaded row breaks an exact tie); a winning cancellation voids the claim.

    Rows arrive current unless they are cancellations, so only keys with more than one version
    among those this load touched are ranked and rewritten: a load writes the few superseded rows,
    not the whole table. Files netted already during a bulk load (``already_netted``) are not
    ranked again. CCLF2/3/4 rows then follow their CCLF1 header."""
    if not file_ids:
        return
    pending = [f for f in file_ids if f not in (already_netted or set())]
    for file_type in NATURAL_KEYS:
        mbis = touched_mbis if file_type == "CCLF1" else []
        if pending or mbis:
            net_table(cursor, file_type, pending, mbis)
    _follow_headers(cursor, ", ".join(str(int(i)) for i in file_ids), touched_mbis)
    _follow_lines(cursor)


def _follow_lines(cursor: CursorWrapper) -> None:
    """CCLFB rows follow their Part B or DME line by (CUR_CLM_UNIQ_ID, CLM_LINE_NUM): a row is
    current when some copy of its line is current (or the line was never sent) and the row comes
    from the latest file that sent that line's codes (a run-out package may repeat them). The
    CCLFB table is small next to the claim lines, so every row is looked at: one pass over the
    lines' three columns, and nothing at all while no CCLFB row exists."""
    codes = models.PartBBenefitCodes._meta.db_table
    cursor.execute(f"SELECT 1 FROM {codes} LIMIT 1")
    if cursor.fetchone() is None:
        return
    lines = " UNION ALL ".join(
        f"SELECT cur_clm_uniq_id, clm_line_num, CASE WHEN is_current THEN 1 ELSE 0 END AS cur FROM {t}"
        for t in (models.PartBLine._meta.db_table, models.DMELine._meta.db_table)
    )
    cursor.execute(
        f"""
        UPDATE {codes} SET is_current = x.cur
        FROM (
            SELECT b.id, (b.file_id = m.last_file AND COALESCE(l.cur, 1) = 1) AS cur
            FROM {codes} b
            JOIN (SELECT cur_clm_uniq_id, clm_line_num, max(file_id) AS last_file FROM {codes}
                  GROUP BY cur_clm_uniq_id, clm_line_num) m
              ON m.cur_clm_uniq_id = b.cur_clm_uniq_id AND m.clm_line_num = b.clm_line_num
            LEFT JOIN (SELECT a.cur_clm_uniq_id, a.clm_line_num, max(a.cur) AS cur FROM ({lines}) a
                       JOIN (SELECT DISTINCT cur_clm_uniq_id FROM {codes}) k ON k.cur_clm_uniq_id = a.cur_clm_uniq_id
                       GROUP BY a.cur_clm_uniq_id, a.clm_line_num) l
              ON l.cur_clm_uniq_id = b.cur_clm_uniq_id AND l.clm_line_num = b.clm_line_num
        ) x
        WHERE {codes}.id = x.id AND {codes}.is_current <> x.cur
        """
    )


def net_table(cursor: CursorWrapper, file_type: str, file_ids: list[int], touched_mbis: list[str]) -> None:
    """Net one claims table for the natural keys of the given files (and, for Part A, of the
    given current MBIs)."""
    if _postgres():
        cursor.execute("SET LOCAL work_mem = '256MB'")
    key = NATURAL_KEYS[file_type]
    table = TABLES[file_type]._meta.db_table
    cols = ", ".join(key)
    touched = f"file_id IN ({', '.join(str(int(i)) for i in file_ids) or 'NULL'})"
    params: list[str] = []
    if touched_mbis:
        touched += " OR current_mbi IN (" + ", ".join(["%s"] * len(touched_mbis)) + ")"
        params += touched_mbis
    join = " AND ".join(f"t.{k} = m.{k}" for k in key)
    cursor.execute(
        f"SELECT count(*) FILTER (WHERE {touched}), count(*) FROM {table}"
        if _postgres()
        else f"SELECT sum(CASE WHEN {touched} THEN 1 ELSE 0 END), count(*) FROM {table}",
        params,
    )
    new, total = cursor.fetchone() or (0, 0)
    if not new:
        return
    # When most rows are new, grouping the whole table is cheaper than finding the touched keys.
    scope = "" if new * 2 >= total else f"WHERE ({cols}) IN (SELECT {cols} FROM {table} WHERE {touched})"
    tracked_update(
        cursor,
        file_type,
        f"""
        WITH multi AS (
            SELECT {cols} FROM {table}
            {scope}
            GROUP BY {cols} HAVING count(*) > 1
        ),
        ranked AS (
            SELECT t.id, t.clm_adjsmt_type_cd AS adj,
                   ROW_NUMBER() OVER (PARTITION BY {", ".join(f"t.{k}" for k in key)}
                                      ORDER BY t.clm_efctv_dt DESC, t.cur_clm_uniq_id DESC, t.id DESC) AS rn
            FROM {table} t JOIN multi m ON {join}
        )
        UPDATE {table} SET is_current = (ranked.rn = 1 AND ranked.adj <> '1')
        FROM ranked
        WHERE {table}.id = ranked.id AND {table}.is_current <> (ranked.rn = 1 AND ranked.adj <> '1')
        """,
        params if scope else [],
    )


def _follow_headers(cursor: CursorWrapper, ids: str, touched_mbis: list[str]) -> None:
    """CCLF2/3/4 and CCLFA rows follow their CCLF1 header by CUR_CLM_UNIQ_ID. A claim id can be loaded more
    than once (a run-out package repeats a claim version byte for byte), so a row is current when
    some header copy of its claim id is current (or the claim has no header) and the row comes from
    the latest file that sent rows for that claim id: a resent claim's rows replace the earlier
    copies instead of counting twice. Only claim ids this load touched are looked at: those of
    the new rows, and those of headers in the natural-key groups the netting above ranked."""
    header = models.PartAClaim._meta.db_table
    key = ", ".join(NATURAL_KEYS["CCLF1"])
    touched = f"file_id IN ({ids})"
    if touched_mbis:
        touched += " OR current_mbi IN (" + ", ".join(["%s"] * len(touched_mbis)) + ")"
    line_tables = [TABLES[t]._meta.db_table for t in ("CCLF2", "CCLF3", "CCLF4", "CCLFA")]
    cursor.execute("DROP TABLE IF EXISTS cclf_touched_claims")
    cursor.execute("CREATE TEMP TABLE cclf_touched_claims (cur_clm_uniq_id bigint)")
    cursor.execute(
        f"INSERT INTO cclf_touched_claims SELECT cur_clm_uniq_id FROM {header} "
        f"WHERE ({key}) IN (SELECT {key} FROM {header} WHERE {touched})",
        touched_mbis,
    )
    for table in line_tables:
        cursor.execute(f"INSERT INTO cclf_touched_claims SELECT cur_clm_uniq_id FROM {table} WHERE file_id IN ({ids})")
    if _postgres():
        cursor.execute("ANALYZE cclf_touched_claims")
    claims = "cur_clm_uniq_id IN (SELECT cur_clm_uniq_id FROM cclf_touched_claims)"
    for file_type, table in zip(("CCLF2", "CCLF3", "CCLF4", "CCLFA"), line_tables, strict=True):
        tracked_update(
            cursor,
            file_type,
            f"""
            UPDATE {table} SET is_current = x.cur
            FROM (
                SELECT l.id, (l.file_id = m.last_file AND COALESCE(h.cur, 1) = 1) AS cur
                FROM {table} l
                JOIN (SELECT cur_clm_uniq_id, max(file_id) AS last_file FROM {table} WHERE {claims}
                      GROUP BY cur_clm_uniq_id) m ON m.cur_clm_uniq_id = l.cur_clm_uniq_id
                LEFT JOIN (SELECT cur_clm_uniq_id, max(CASE WHEN is_current THEN 1 ELSE 0 END) AS cur
                           FROM {header} WHERE {claims}
                           GROUP BY cur_clm_uniq_id) h ON h.cur_clm_uniq_id = l.cur_clm_uniq_id
            ) x
            WHERE {table}.id = x.id AND {table}.is_current <> x.cur
            """,
        )
    cursor.execute("DROP TABLE cclf_touched_claims")


def rebuild_beneficiaries(cursor: CursorWrapper) -> int:
    """The current beneficiary table: the most recent CCLF8 record (file date, then load order)
    of each current MBI."""
    snapshots = models.BeneficiarySnapshot._meta.db_table
    files = models.CCLFFile._meta.db_table
    table = models.Beneficiary._meta.db_table
    cursor.execute(f"DELETE FROM {table}")
    cursor.execute(
        f"""
        INSERT INTO {table} (mbi, snapshot_id, first_name, last_name, birth_date, sex, zip_code, state, death_date,
                             medicare_status, dual_status, part_a_start, part_b_start, as_of)
        SELECT current_mbi, id, bene_1st_name, bene_last_name, bene_dob, bene_sex_cd,
               CASE WHEN bene_zip_cd <> '' THEN substr(bene_zip_cd, 1, 5) ELSE geo_zip5_cd END,
               geo_usps_state_cd, bene_death_dt, bene_mdcr_stus_cd, bene_dual_stus_cd,
               bene_part_a_enrlmt_bgn_dt, bene_part_b_enrlmt_bgn_dt, produced_at
        FROM (
            SELECT s.*, f.produced_at,
                   ROW_NUMBER() OVER (PARTITION BY s.current_mbi ORDER BY f.produced_at DESC, s.id DESC) AS rn
            FROM {snapshots} s JOIN {files} f ON f.id = s.file_id
            WHERE s.current_mbi <> ''
        ) latest
        WHERE rn = 1
        """
    )
    return int(cursor.rowcount)


def after_load(
    cursor: CursorWrapper,
    file_ids: list[int],
    mbi: MBIState | None,
    step: Callable[[str], None] | None = None,
    already_netted: set[int] | None = None,
) -> None:
    """Everything that follows the files of a load."""
    say = step or (lambda _: None)
    touched: list[str] = []
    if mbi is not None and mbi.changed:
        say("Following MBI changes")
        touched = refresh_current_mbi(cursor, mbi.changed)
    say("Netting claim versions")
    net_claims(cursor, file_ids, touched, already_netted)
    say("Updating claim facts")
    sync_facts(cursor)
    say("Updating beneficiaries")
    rebuild_beneficiaries(cursor)


# --- narrow claim facts ------------------------------------------------------------------------
#
# ``ClaimFact`` rows are cut from the same records as the wide rows, in the same load: on the COPY path
# from the block's byte matrix (numpy, in the preparing thread), with the wide rows' ids reserved from
# their sequence beforehand so both carry the same id; on the staged path (SQLite, and records COPY
# cannot carry) by one INSERT … SELECT from the wide rows just written. Whatever later changes a wide
# row's ``is_current`` or ``current_mbi`` (netting, headers followed, MBI changes) records the row in
# ``cclf_changed``, and ``sync_facts`` copies the two columns over at the end of the load.

FACT_SOURCES = {"CCLF1": 1, "CCLF2": 2, "CCLF5": 5, "CCLF6": 6}
FACTS = models.ClaimFact._meta.db_table
CHANGED = "cclf_changed"
FACT_TEXT = {  # fact column -> width (char(n) on PostgreSQL)
    "current_mbi": 11,
    "tin": 10,
    "ccn": 6,
    "npi": 10,
    "specialty": 2,
    "hcpcs": 5,
    "pos": 2,
    "revenue_center": 4,
    "bill_type": 2,
}
FACT_COLUMNS = (
    "source",
    "row_id",
    "service_year",
    "claim_id",
    "current_mbi",
    "from_date",
    "thru_date",
    "claim_type",
    *[c for c in FACT_TEXT if c != "current_mbi"],
    "allowed_cents",
    "paid_cents",
    "is_current",
    "is_denied",
    "diagnoses",
)
# The CCLF5 diagnosis codes a Part B fact carries in ``diagnoses`` (the line's, then the claim's twelve).
FACT_DIAGNOSES = {"CCLF5": ("CLM_LINE_DGNS_CD", *(f"CLM_DGNS_{i}_CD" for i in range(1, 13)))}
DIAGNOSIS_SEPARATOR = ","
# Per source, the CCLF field each fact column is cut from (bill_type: two one-character fields).
FACT_FIELDS: dict[str, dict[str, str | tuple[str, ...]]] = {
    "CCLF1": {
        "claim_id": "CUR_CLM_UNIQ_ID",
        "from_date": "CLM_FROM_DT",
        "thru_date": "CLM_THRU_DT",
        "claim_type": "CLM_TYPE_CD",
        "ccn": "PRVDR_OSCAR_NUM",
        "npi": "ATNDG_PRVDR_NPI_NUM",
        "bill_type": ("CLM_BILL_FAC_TYPE_CD", "CLM_BILL_CLSFCTN_CD"),
        "paid_cents": "CLM_PMT_AMT",
    },
    "CCLF2": {
        "claim_id": "CUR_CLM_UNIQ_ID",
        "from_date": "CLM_LINE_FROM_DT",
        "thru_date": "CLM_LINE_THRU_DT",
        "claim_type": "CLM_TYPE_CD",
        "ccn": "PRVDR_OSCAR_NUM",
        "hcpcs": "CLM_LINE_HCPCS_CD",
        "revenue_center": "CLM_LINE_PROD_REV_CTR_CD",
        "paid_cents": "CLM_LINE_CVRD_PD_AMT",
    },
    "CCLF5": {
        "claim_id": "CUR_CLM_UNIQ_ID",
        "from_date": "CLM_LINE_FROM_DT",
        "thru_date": "CLM_LINE_THRU_DT",
        "claim_type": "CLM_TYPE_CD",
        "tin": "CLM_RNDRG_PRVDR_TAX_NUM",
        "npi": "RNDRG_PRVDR_NPI_NUM",
        "specialty": "CLM_PRVDR_SPCLTY_CD",
        "hcpcs": "CLM_LINE_HCPCS_CD",
        "pos": "CLM_POS_CD",
        "allowed_cents": "CLM_LINE_ALOWD_CHRG_AMT",
        "paid_cents": "CLM_LINE_CVRD_PD_AMT",
    },
    "CCLF6": {
        "claim_id": "CUR_CLM_UNIQ_ID",
        "from_date": "CLM_LINE_FROM_DT",
        "thru_date": "CLM_LINE_THRU_DT",
        "claim_type": "CLM_TYPE_CD",
        "npi": "PAYTO_PRVDR_NPI_NUM",
        "hcpcs": "CLM_LINE_HCPCS_CD",
        "pos": "CLM_POS_CD",
        "allowed_cents": "CLM_LINE_ALOWD_CHRG_AMT",
        "paid_cents": "CLM_LINE_CVRD_PD_AMT",
    },
}


def has_facts(file_type: str) -> bool:
    return file_type in FACT_SOURCES


def create_changed(cursor: CursorWrapper) -> None:
    """The rows of fact sources whose current flag or current MBI a load changes after writing them."""
    cursor.execute(f"DROP TABLE IF EXISTS {CHANGED}")
    suffix = " ON COMMIT DROP" if _postgres() else ""
    cursor.execute(f"CREATE TEMP TABLE {CHANGED} (source smallint, row_id bigint){suffix}")


def tracked_update(cursor: CursorWrapper, file_type: str, sql: str, params: Iterable[Any] = ()) -> None:
    """Run an UPDATE of ``file_type``'s table (it must not end in RETURNING), recording the rows it
    changed in ``cclf_changed`` when the table feeds claim facts."""
    params = list(params)
    if not has_facts(file_type):
        cursor.execute(sql, params)
        return
    table = TABLES[file_type]._meta.db_table
    source = FACT_SOURCES[file_type]
    if _postgres():
        cursor.execute(
            f"WITH u AS ({sql} RETURNING {table}.id) INSERT INTO {CHANGED} (source, row_id) SELECT {source}, id FROM u",
            params,
        )
        return
    cursor.execute(f"{sql} RETURNING {table}.id", params)
    ids = [(source, row[0]) for row in cursor.fetchall()]
    for i in range(0, len(ids), SQLITE_BATCH):
        cursor.executemany(f"INSERT INTO {CHANGED} (source, row_id) VALUES (%s, %s)", ids[i : i + SQLITE_BATCH])


def sync_facts(cursor: CursorWrapper) -> int:
    """Copy ``is_current`` and ``current_mbi`` of the changed wide rows onto their facts."""
    total = 0
    for file_type, source in FACT_SOURCES.items():
        table = TABLES[file_type]._meta.db_table
        cursor.execute(
            f"""
            UPDATE {FACTS} SET is_current = w.is_current, current_mbi = w.current_mbi
            FROM (SELECT DISTINCT row_id FROM {CHANGED} WHERE source = {source}) c
            JOIN {table} w ON w.id = c.row_id
            WHERE {FACTS}.source = {source} AND {FACTS}.row_id = c.row_id
              AND ({FACTS}.is_current <> w.is_current OR {FACTS}.current_mbi <> w.current_mbi)
            """
        )
        total += max(cursor.rowcount, 0)
    cursor.execute(f"DELETE FROM {CHANGED}")
    summarize_fact_index(cursor)
    return total


# The facts' BRIN index on source (migration 0011): summarised by the loader, not left to autovacuum, so the
# steps that follow a load skip the pages of other sources at once.
SOURCE_INDEX = "claims_claimfact_source_brin"


def summarize_fact_index(cursor: CursorWrapper) -> None:
    """PostgreSQL: summarise the pages the load added to each partition's part of the facts' BRIN index
    (pages not summarised are read by every scan that uses it)."""
    if not _postgres():
        return
    cursor.execute(
        "SELECT brin_summarize_new_values(p.relid) FROM pg_partition_tree(to_regclass(%s)) p WHERE p.isleaf",
        [SOURCE_INDEX],
    )


def ensure_partitions(cursor: CursorWrapper, years: Iterable[int]) -> None:
    """PostgreSQL: one partition of the facts per service year (0: no date), created when first needed."""
    if not _postgres():
        return
    for year in sorted({int(y) for y in years}):
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {FACTS}_y{year} PARTITION OF {FACTS} FOR VALUES IN ({year})")


# A fact partition that grew by more than this share since its last ANALYZE gets a new one.
STALE_STATISTICS = 0.1


def refresh_fact_statistics(cursor: CursorWrapper) -> list[str]:
    """PostgreSQL: ANALYZE the facts' partitions never analysed, or grown by more than ``STALE_STATISTICS``
    since (their size on disk against the pages ANALYZE last counted, both read at once: the activity
    counters of a load that just committed can lag by seconds); returns their names. Loads do not analyse
    (autovacuum may be off, and runs late anyway): a step that reads facts calls this first, so the planner
    knows millions of rows are there (without it, it guesses one row, aggregates in the leader instead of in
    its parallel workers, and picks nested loops over millions of rows). About 2 s for 12 million facts,
    nothing when they are fresh. Netting rewrites rows in place, which grows the table too."""
    if not _postgres():
        return []
    cursor.execute(
        "SELECT c.relname FROM pg_partition_tree(%s::regclass) p JOIN pg_class c ON c.oid = p.relid "
        "WHERE p.isleaf AND (c.reltuples < 0 OR pg_relation_size(c.oid) > "
        "(1 + %s) * GREATEST(c.relpages, 1) * current_setting('block_size')::bigint) ORDER BY 1",
        [FACTS, STALE_STATISTICS],
    )
    stale = [name for (name,) in cursor.fetchall()]
    for name in stale:
        cursor.execute(f"ANALYZE {name}")
    return stale


def reserve_ids(cursor: CursorWrapper, file_type: str, count: int) -> int:
    """PostgreSQL: lock the file type's table against other writers until commit and take ``count`` ids
    from its sequence; returns the first. The COPY path writes these ids into the wide rows and their
    facts, so both are known without reading anything back."""
    table = TABLES[file_type]._meta.db_table
    cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute("SELECT s, nextval(s) FROM (SELECT pg_get_serial_sequence(%s, 'id') AS s) q", [table])
    sequence, first = cursor.fetchone() or ("", 0)
    first = int(first)
    if count > 1:
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def insert_facts(cursor: CursorWrapper, file_type: str, file_id: int, min_id: int = 0) -> int:
    """The facts of a file's wide rows (those with id >= ``min_id``), by INSERT … SELECT: the staged path."""
    if not has_facts(file_type):
        return 0
    table = TABLES[file_type]._meta.db_table
    fields = FACT_FIELDS[file_type]
    date = f"t.{str(fields['from_date']).lower()}"
    year = (
        f"COALESCE(EXTRACT(YEAR FROM {date})::int, 0)"
        if _postgres()
        else f"COALESCE(CAST(strftime('%%Y', {date}) AS INTEGER), 0)"
    )
    where = "t.file_id = %s AND t.id >= %s"
    if _postgres():
        cursor.execute(f"SELECT DISTINCT {year} FROM {table} t WHERE {where}", [file_id, min_id])
        ensure_partitions(cursor, [r[0] for r in cursor.fetchall()])
    exprs: list[str] = []
    for column in FACT_COLUMNS:
        spec = fields.get(column)
        if column == "source":
            exprs.append(str(FACT_SOURCES[file_type]))
        elif column == "row_id":
            exprs.append("t.id")
        elif column == "service_year":
            exprs.append(year)
        elif column == "current_mbi":
            exprs.append("t.current_mbi")
        elif column in ("is_current",):
            exprs.append("t.is_current")
        elif column == "is_denied":
            exprs.append("t.is_denied" if model_has(file_type, "is_denied") else ("false" if _postgres() else "0"))
        elif column == "diagnoses":
            exprs.append(diagnoses_sql(file_type, "t"))
        elif column in FACT_TEXT:
            if spec is None:
                exprs.append("''")
            elif isinstance(spec, tuple):
                exprs.append(" || ".join(f"TRIM(COALESCE(t.{s.lower()}, ''))" for s in spec))
            else:
                exprs.append(f"TRIM(COALESCE(t.{spec.lower()}, ''))")
        elif column == "allowed_cents":
            exprs.append(f"CAST(ROUND(COALESCE(t.{str(spec).lower()}, 0) * 100) AS BIGINT)" if spec else "0")
        elif column == "paid_cents":
            exprs.append(f"CAST(ROUND(t.{str(spec).lower()} * 100) AS BIGINT)" if spec else "NULL")
        else:  # claim_id, from_date, thru_date, claim_type
            exprs.append(f"t.{str(spec).lower()}" if spec else "NULL")
    cursor.execute(
        f"INSERT INTO {FACTS} ({', '.join(FACT_COLUMNS)}) SELECT {', '.join(exprs)} FROM {table} t WHERE {where}",
        [file_id, min_id],
    )
    return int(cursor.rowcount)


def diagnoses_sql(file_type: str, alias: str) -> str:
    """SQL: the ``diagnoses`` text of a fact from its wide row ``alias`` (the staged path, and the
    migration that added the column): each non-blank code trimmed, preceded by the separator, the
    first separator cut off."""
    names = FACT_DIAGNOSES.get(file_type)
    if not names:
        return "''"
    sep = DIAGNOSIS_SEPARATOR
    pieces = []
    for name in names:
        code = f"TRIM(COALESCE({alias}.{name.lower()}, ''))"
        pieces.append(f"(CASE WHEN {code} <> '' THEN '{sep}' || {code} ELSE '' END)")
    return f"SUBSTR({' || '.join(pieces)}, 2)"


def model_has(file_type: str, name: str) -> bool:
    return any(f.name == name for f in TABLES[file_type]._meta.get_fields())


def rebuild_facts(cursor: CursorWrapper) -> int:
    """Every fact again from the wide rows (the migration that introduced them, and repairs)."""
    cursor.execute(f"DELETE FROM {FACTS}")
    total = 0
    for file_type in FACT_SOURCES:
        cursor.execute(f"SELECT id FROM {models.CCLFFile._meta.db_table} WHERE file_type = %s", [file_type])
        for (file_id,) in cursor.fetchall():
            total += insert_facts(cursor, file_type, file_id)
    return total


# The COPY path: fact rows cut from a block's byte matrix. Every column is laid out at a fixed width
# (char(n) columns padded, numbers zero-padded, which PostgreSQL's input functions accept); only a NULL
# (``\N``) is shorter, so one boolean mask drops its padding.
_TAB, _NL, _SPACE = 9, 10, 32
_NULL = np.frombuffer(b"\\N", dtype=np.uint8)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as (n, width) zero-padded ASCII digits."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10 + ord("0")).astype(np.uint8)


def _signed(values: np.ndarray, width: int = 19) -> np.ndarray:
    out = np.empty((values.shape[0], width + 1), dtype=np.uint8)
    out[:, 0] = np.where(values < 0, ord("-"), ord("+"))
    out[:, 1:] = _digits(np.abs(values), width)
    return out


def cents(col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Checked decimal text (``parsing._decimals_ok``: spaces around, an optional leading minus,
    digits, at most one point) as whole cents, rounded half away from zero beyond two decimals
    (as ``ROUND(x * 100)``); returns (cents, blank)."""
    n, width = col.shape
    digit = (col >= ord("0")) & (col <= ord("9"))
    blank = ~digit.any(axis=1)
    dot = col == ord(".")
    has_dot = dot.any(axis=1)
    dot_at = np.where(has_dot, np.argmax(dot, axis=1), width)
    pos = np.arange(width)
    after = digit & (pos > dot_at[:, None])
    decimals = after.sum(axis=1)
    value = np.zeros(n, dtype=np.int64)
    for i in range(width):  # a loop over character positions, not over records
        d = digit[:, i]
        value = np.where(d, value * 10 + (col[:, i].astype(np.int64) - ord("0")), value)
    scale = decimals - 2
    up = 10 ** np.clip(-scale, 0, 18)
    down = 10 ** np.clip(scale, 0, 18)
    rounded = np.where(scale > 0, (value + down // 2) // down, value * up)
    negative = (col == ord("-")).any(axis=1)
    return np.where(negative, -rounded, rounded), blank


def _text_rows(columns: list[tuple[np.ndarray, np.ndarray | None]]) -> bytes:
    """(n, w) byte matrices (with a keep mask where some bytes are dropped) as tab-separated COPY rows."""
    n = columns[0][0].shape[0]
    parts: list[np.ndarray] = []
    keeps: list[np.ndarray] = []
    masked = any(k is not None for _, k in columns)
    for i, (matrix, keep) in enumerate(columns):
        sep = np.full((n, 1), _NL if i == len(columns) - 1 else _TAB, dtype=np.uint8)
        parts += [matrix, sep]
        if masked:
            keeps += [keep if keep is not None else np.ones(matrix.shape, dtype=bool), np.ones((n, 1), dtype=bool)]
    out = np.concatenate(parts, axis=1)
    if masked:
        return out[np.concatenate(keeps, axis=1)].tobytes()
    return out.tobytes()


def _nullable(col: np.ndarray, null: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A column whose rows in ``null`` become ``\\N``."""
    col = col.copy()
    keep = np.ones(col.shape, dtype=bool)
    if null.any():
        col[null, :2] = _NULL
        keep[null, 2:] = False
    return col, keep


def _text_column(matrix: np.ndarray, names: str | tuple[str, ...], file_layout: Layout, width: int) -> np.ndarray:
    """A trimmed code (or two trimmed one-character codes, joined), left-aligned in ``width`` bytes."""
    parts = []
    for name in (names,) if isinstance(names, str) else names:
        f = file_layout.field(name)
        parts.append(np.strings.strip(np.ascontiguousarray(matrix[:, f.slice]).view(f"S{f.length}").ravel()))
    values = parts[0] if len(parts) == 1 else np.strings.add(parts[0], parts[1])
    padded = np.strings.ljust(values.astype(f"S{width}"), width, b" ")
    return np.frombuffer(padded.astype(f"S{width}").tobytes(), dtype=np.uint8).reshape(-1, width)


def fact_rows(
    matrix: np.ndarray, file_type: str, first_id: int, current_mbi: np.ndarray, is_current: np.ndarray
) -> tuple[bytes, set[int]]:
    """COPY text rows of ``ClaimFact`` for a block of checked records whose wide rows get the ids
    ``first_id``, ``first_id + 1``, …; returns the rows and the service years they fall in."""
    from .parsing import _missing_dates  # the checker's reading of CMS's missing-date placeholders

    n = matrix.shape[0]
    file_layout = layout(file_type)
    fields = FACT_FIELDS[file_type]
    columns: list[tuple[np.ndarray, np.ndarray | None]] = []
    years_out: set[int] = set()
    date_col = {}
    for name in ("from_date", "thru_date"):
        col = matrix[:, file_layout.field(str(fields[name])).slice]
        null = ~(col != _SPACE).any(axis=1) | _missing_dates(col)
        date_col[name] = (col, null)
    from_col, from_null = date_col["from_date"]
    year = (from_col[:, :4].astype(np.int64) - ord("0")) @ np.array([1000, 100, 10, 1], dtype=np.int64)
    year = np.where(from_null, 0, year)
    years_out.update(np.unique(year).tolist())
    for column in FACT_COLUMNS:
        spec = fields.get(column)
        if column == "source":
            columns.append((np.full((n, 1), ord(str(FACT_SOURCES[file_type])), dtype=np.uint8), None))
        elif column == "row_id":
            columns.append((_digits(first_id + np.arange(n, dtype=np.int64), 19), None))
        elif column == "service_year":
            columns.append((_digits(year, 4), None))
        elif column == "current_mbi":
            padded = np.strings.ljust(current_mbi.astype("S11"), 11, b" ")
            columns.append((np.frombuffer(padded.astype("S11").tobytes(), dtype=np.uint8).reshape(n, 11), None))
        elif column in ("from_date", "thru_date"):
            columns.append(_nullable(*date_col[column]))
        elif column in ("claim_id", "claim_type"):
            col = matrix[:, file_layout.field(str(spec)).slice]
            columns.append(_nullable(col, ~(col != _SPACE).any(axis=1)))
        elif column in FACT_TEXT:
            width = FACT_TEXT[column]
            if spec is None:
                columns.append((np.full((n, width), _SPACE, dtype=np.uint8), None))
            else:
                columns.append((_text_column(matrix, spec, file_layout, width), None))
        elif column in ("allowed_cents", "paid_cents"):
            if spec is None:
                columns.append((np.full((n, 1), ord("0"), dtype=np.uint8), None))
                continue
            amounts, blank = cents(matrix[:, file_layout.field(str(spec)).slice])
            text = _signed(amounts)
            columns.append(_nullable(text, blank) if column == "paid_cents" else (text, None))
        elif column == "is_current":
            columns.append((np.where(is_current, ord("t"), ord("f")).astype(np.uint8)[:, None], None))
        elif column == "is_denied":
            denied = _denied(matrix, file_type) if model_has(file_type, "is_denied") else np.zeros(n, dtype=bool)
            columns.append((np.where(denied, ord("t"), ord("f")).astype(np.uint8)[:, None], None))
        elif column == "diagnoses":
            columns.append(_diagnoses_column(matrix, file_type, file_layout))
    return _text_rows(columns), years_out


def _diagnoses_column(matrix: np.ndarray, file_type: str, file_layout: Layout) -> tuple[np.ndarray, np.ndarray | None]:
    """The ``diagnoses`` text of each record: the code fields' bytes as they stand, each followed by the
    separator, with a keep mask that trims every code (blanks before and after), and drops the blank
    codes and the separator after the last code. Whole-block array operations: one gather of the code
    bytes, (records × codes × bytes) masks."""
    names = FACT_DIAGNOSES.get(file_type, ())
    n = matrix.shape[0]
    if not names:
        return np.zeros((n, 0), dtype=np.uint8), None
    fields = [file_layout.field(name) for name in names]
    width = fields[0].length
    if any(f.length != width for f in fields):
        raise ValueError(f"{file_type}: the diagnosis code fields differ in width")
    runs: list[list[int]] = []  # fields that follow one another are copied as one slice
    for f in fields:
        if runs and runs[-1][1] == f.slice.start:
            runs[-1][1] = f.slice.stop
        else:
            runs.append([f.slice.start, f.slice.stop])
    codes = np.concatenate([matrix[:, a:b] for a, b in runs], axis=1).reshape(n, len(fields), width)
    filled = codes != _SPACE
    # Between the first and the last non-blank byte of each code (an empty code keeps nothing): a loop
    # over byte positions, not over records.
    after_first, before_last = filled.copy(), filled.copy()
    for i in range(1, width):
        after_first[:, :, i] |= after_first[:, :, i - 1]
        before_last[:, :, width - 1 - i] |= before_last[:, :, width - i]
    inside = after_first & before_last
    present = after_first[:, :, -1]
    # Every present code but the last of its record is followed by the separator.
    last = len(fields) - 1 - np.argmax(present[:, ::-1], axis=1)
    separated = present & (np.arange(len(fields)) != last[:, None])
    cells = np.empty((n, len(fields), width + 1), dtype=np.uint8)
    cells[:, :, :width] = codes
    cells[:, :, width] = ord(DIAGNOSIS_SEPARATOR)
    keep = np.empty(cells.shape, dtype=bool)
    keep[:, :, :width] = inside
    keep[:, :, width] = separated
    return cells.reshape(n, -1), keep.reshape(n, -1)


def _denied(matrix: np.ndarray, file_type: str) -> np.ndarray:
    """The denial code is 0, left- or right-justified (as the checker reads codes)."""
    dnl = matrix[:, layout(file_type).field("CLM_CARR_PMT_DNL_CD").slice]  # X(02)
    left, right = dnl[:, 0], dnl[:, 1]
    return ((left == ord("0")) & (right == _SPACE)) | ((left == _SPACE) & (right == ord("0")))


def copy_facts(cursor: CursorWrapper, data: bytes) -> None:
    if not data:
        return
    with cursor.copy(f"COPY {FACTS} ({', '.join(FACT_COLUMNS)}) FROM STDIN WITH (FORMAT text)") as copy:
        copy.write(data)
