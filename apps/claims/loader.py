"""Loading checked CCLF records into the database, and the set-based steps after a load.

Every file goes through a staging table holding raw lines: on PostgreSQL the lines arrive by
``COPY`` (psycopg 3), on SQLite by batched inserts. One ``INSERT … SELECT`` per file then cuts the
fields out with ``substr`` and converts them, so no Python code touches a row. After the files:

1. the MBI map is rebuilt from CCLF9 (chains followed, cycles reported, never guessed);
2. ``current_mbi`` is set on new rows and on old rows whose MBI gained a newer one;
3. claims are netted (DOMAIN.md §2) for every natural key the load touched;
4. the current beneficiary table is rebuilt from the latest CCLF8 record per current MBI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection
from django.db.backends.utils import CursorWrapper

from . import models
from .layouts import Field, Layout, layout

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
}
MBI_FIELD = {"CCLF9": "PRVS_NUM"}
STAGE = "cclf_stage"
SQLITE_BATCH = 5000


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _expr(f: Field) -> str:
    raw = f"substr(line, {f.start}, {f.length})"
    if f.kind == "text":
        return f"rtrim({raw})"
    trimmed = f"NULLIF(trim({raw}), '')"
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
        sql = f"COPY {STAGE} (line) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e')"
        with cursor.copy(sql) as copy:
            copy.write(data)
        return
    lines = data.decode("latin-1").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for i in range(0, len(lines), SQLITE_BATCH):
        cursor.executemany(f"INSERT INTO {STAGE} (line) VALUES (%s)", [(x,) for x in lines[i : i + SQLITE_BATCH]])


def insert_from_stage(cursor: CursorWrapper, file_type: str, file_id: int) -> int:
    """Convert the staged lines of one file into rows of its table. Returns the row count."""
    model = TABLES[file_type]
    file_layout: Layout = layout(file_type)
    columns = ["file_id", "current_mbi"]
    exprs = [str(int(file_id)), "''"]
    if issubclass(model, models.NettedRow):
        columns.append("is_current")
        exprs.append("false" if _postgres() else "0")
    if model in (models.PartBLine, models.DMELine):
        columns.append("is_denied")
        exprs.append(f"(rtrim({_raw(file_layout.field('CLM_CARR_PMT_DNL_CD'))}) = '0')")
    for f in file_layout.fields:
        columns.append(f.name.lower())
        exprs.append(_expr(f))
    table = model._meta.db_table
    cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(exprs)} FROM {STAGE}")
    count = cursor.rowcount
    clear_stage(cursor)
    return int(count)


def clear_stage(cursor: CursorWrapper) -> None:
    cursor.execute(f"DELETE FROM {STAGE}")


def _raw(f: Field) -> str:
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


def rebuild_mbi_map(cursor: CursorWrapper) -> dict[str, str]:
    """Rebuild the MBI map from every CCLF9 row loaded. Returns the problems found."""
    cursor.execute(f"SELECT prvs_num, crnt_num FROM {models.MBIXref._meta.db_table} ORDER BY id")
    resolved, problems = resolve_chains((p, c) for p, c in cursor.fetchall())
    table = models.MBIMap._meta.db_table
    cursor.execute(f"DELETE FROM {table}")
    rows = [(m, cur, hops, "") for m, (cur, hops) in resolved.items()]
    rows += [(m, "", 0, problem[:255]) for m, problem in problems.items()]
    for i in range(0, len(rows), SQLITE_BATCH):
        cursor.executemany(
            f"INSERT INTO {table} (mbi, current_mbi, hops, problem) VALUES (%s, %s, %s, %s)", rows[i : i + SQLITE_BATCH]
        )
    return problems


def refresh_current_mbi(cursor: CursorWrapper) -> None:
    """Set ``current_mbi`` on every row from the MBI map (rows whose MBI has no newer one keep
    their own). Only rows whose value changes are written."""
    mbimap = models.MBIMap._meta.db_table
    for file_type, model in TABLES.items():
        table = model._meta.db_table
        source = MBI_FIELD.get(file_type, "BENE_MBI_ID").lower()
        cursor.execute(
            f"UPDATE {table} SET current_mbi = COALESCE("
            f"(SELECT m.current_mbi FROM {mbimap} m WHERE m.mbi = {table}.{source}), {table}.{source}) "
            f"WHERE current_mbi IS DISTINCT FROM COALESCE("
            f"(SELECT m.current_mbi FROM {mbimap} m WHERE m.mbi = {table}.{source}), {table}.{source})"
            if _postgres()
            else f"UPDATE {table} SET current_mbi = COALESCE("
            f"(SELECT m.current_mbi FROM {mbimap} m WHERE m.mbi = {table}.{source}), {table}.{source}) "
            f"WHERE current_mbi IS NOT COALESCE("
            f"(SELECT m.current_mbi FROM {mbimap} m WHERE m.mbi = {table}.{source}), {table}.{source})"
        )


NATURAL_KEYS = {
    "CCLF1": ["current_mbi", "prvdr_oscar_num", "clm_from_dt", "clm_thru_dt", "clm_type_cd"],
    "CCLF5": ["clm_cntl_num", "clm_line_num"],
    "CCLF6": ["clm_cntl_num", "clm_line_num"],
    "CCLF7": ["clm_srvc_prvdr_gnrc_id_num", "clm_line_rx_srvc_rfrnc_num", "clm_line_from_dt", "clm_line_rx_fill_num"],
}


def net_claims(cursor: CursorWrapper) -> None:
    """DOMAIN.md §2: per natural key the record with the greatest (CLM_EFCTV_DT, CUR_CLM_UNIQ_ID)
    wins (later-loaded rows break an exact tie); a winning cancellation voids the claim.
    CCLF2/3/4 rows are current when their CCLF1 header is."""
    true = "true" if _postgres() else "1"
    for file_type, key in NATURAL_KEYS.items():
        table = TABLES[file_type]._meta.db_table
        partition = ", ".join(key)
        cursor.execute(
            f"""
            WITH ranked AS (
                SELECT id, clm_adjsmt_type_cd AS adj,
                       ROW_NUMBER() OVER (PARTITION BY {partition}
                                          ORDER BY clm_efctv_dt DESC, cur_clm_uniq_id DESC, id DESC) AS rn
                FROM {table}
            )
            UPDATE {table} SET is_current = (ranked.rn = 1 AND ranked.adj <> '1')
            FROM ranked
            WHERE {table}.id = ranked.id AND {table}.is_current <> (ranked.rn = 1 AND ranked.adj <> '1')
            """
        )
    header = models.PartAClaim._meta.db_table
    for file_type in ("CCLF2", "CCLF3", "CCLF4"):
        table = TABLES[file_type]._meta.db_table
        current = (
            f"EXISTS (SELECT 1 FROM {header} h "
            f"WHERE h.cur_clm_uniq_id = {table}.cur_clm_uniq_id AND h.is_current = {true})"
        )
        cursor.execute(f"UPDATE {table} SET is_current = {current} WHERE is_current <> {current}")


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


def after_load(cursor: CursorWrapper, step: Callable[[str], None] | None = None) -> dict[str, str]:
    """Everything that follows the files of a load. Returns MBI problems (mbi → what)."""
    say = step or (lambda _: None)
    say("Resolving MBI changes")
    problems = rebuild_mbi_map(cursor)
    refresh_current_mbi(cursor)
    say("Netting claim versions")
    net_claims(cursor)
    say("Updating beneficiaries")
    rebuild_beneficiaries(cursor)
    return problems
