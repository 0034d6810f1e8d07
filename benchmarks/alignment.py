"""The alignment step on PostgreSQL, next to the same rule written as one DuckDB query over Parquet.

    .venv/bin/python benchmarks/alignment.py [--beneficiaries N] [--bundle DIR] [--keep-db NAME] [--rule-only]

1. A bundle of N beneficiaries (default 100,000) from ``manage.py generate_cclf`` (with the run-out
   package), in a temporary folder, or in --bundle DIR (kept; reused when it already holds a bundle).
2. A database of its own on the PostgreSQL server (--server), migrated and loaded with
   ``manage.py load_dataset``, and dropped at the end; with --keep-db NAME that database is kept, and
   reused as it is when it already holds a loaded bundle (to iterate without reloading).
3. The portal: ``alignment_run_execute`` for the PY in a child process of its own, so its peak resident
   memory is that of the alignment step alone; the run records the split (inputs, engine, cohorts, store).
   With --rule-only the child times ``load_inputs`` + ``engine.align`` only and hands back the engine's
   answer (nothing stored).
4. DuckDB: the netted claims, beneficiaries, lists, voluntary records and MBI map exported to Parquet
   (psql COPY to CSV, then DuckDB; not timed), and docs/alignment.md rules 1–10 (the prospective result:
   claims steps 1 and 2 with the tie-breaks, the aligning unit and NPI, voluntary precedence) as ONE SQL
   query over those files, timed; its (mbi, aco_id, step) answer is compared with the one the portal
   stored, and so are the aligning TIN/CCN and NPI.

Prints one summary line on stdout (progress goes to stderr): the whole step against DuckDB, the rule
alone (inputs + engine, what the DuckDB query does) against DuckDB, and the columnar alternative for the
inputs: DuckDB reading the same Part B candidates from the Parquet copy into numpy columns. Needs
requirements-dev.txt (duckdb) and psql. A 100,000-beneficiary bundle takes about a minute to generate
and several to load: keep both (--bundle, --keep-db) to iterate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lead_portal.settings.test")

from apps.alignment import engine  # noqa: E402 - pure numpy, no Django setup needed

PYTHON = sys.executable


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# Bundle and database
# ---------------------------------------------------------------------------------------------------
def manage(*args: str, database_url: str | None = None) -> None:
    env = dict(os.environ)
    if database_url:
        env["DATABASE_URL"] = database_url
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)  # noqa: S603


def ensure_bundle(folder: Path, args: argparse.Namespace) -> None:
    if (folder / "acos.csv").exists():
        say(f"Reusing the bundle in {folder}")
        return
    say(f"Generating {args.beneficiaries:,} beneficiaries into {folder}")
    started = time.perf_counter()
    manage(
        "generate_cclf",
        "--skip-checks",
        f"--out={folder}",
        f"--beneficiaries={args.beneficiaries}",
        f"--acos={args.acos}",
        f"--seed={args.seed}",
        f"--performance-year={args.performance_year}",
        *(["--runout"] if args.runout else []),
    )
    say(f"  generated in {time.perf_counter() - started:.0f} s")


def admin(server: str, command: str, name: str) -> None:
    """Drop (if it exists) or create the database ``name``."""
    import psycopg
    from psycopg import sql

    statement = {"drop": "DROP DATABASE IF EXISTS {}", "create": "CREATE DATABASE {}"}[command]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(name)))


def child_json(
    script: str, url: str, args: list[str], timeout: float, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``script`` (a benchmark's own ``--step`` mode) in a fresh interpreter on database ``url`` (with
    ``env`` added) and return the JSON object its last line of output prints."""
    done = subprocess.run(  # noqa: S603 - a benchmark script of this folder, with fixed arguments
        [PYTHON, script, *args],
        check=True,
        env=dict(os.environ, DATABASE_URL=url, **(env or {})),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def loaded_beneficiaries(url: str) -> int:
    """Beneficiaries in the database, or 0 when it does not exist or holds no loaded bundle."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM claims_beneficiary").fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return 0


def prepare_database(server: str, name: str, bundle: Path, reuse: bool) -> str:
    url = f"{server}/{name}"
    if reuse and (n := loaded_beneficiaries(url)):
        say(f"Reusing database {name} ({n:,} beneficiaries)")
        manage("migrate", "--skip-checks", "-v0", database_url=url)  # tables added since it was loaded
        return url
    admin(server, "drop", name)
    admin(server, "create", name)
    manage("migrate", "--skip-checks", "-v0", database_url=url)
    say(f"Loading {bundle} into {name}")
    started = time.perf_counter()
    manage("load_dataset", "--skip-checks", str(bundle), database_url=url)
    say(f"  loaded in {time.perf_counter() - started:.0f} s")
    return url


# ---------------------------------------------------------------------------------------------------
# The portal's alignment step (child process)
# ---------------------------------------------------------------------------------------------------
def step(performance_year: int, rule_only: Path | None) -> None:
    """Run in a fresh interpreter: one alignment run (or, with ``rule_only``, only ``load_inputs`` and
    ``engine.align``, whose answer goes to that file); prints a JSON line with time, split and memory."""
    import django

    django.setup()
    from apps.alignment import services
    from apps.alignment.inputs import load_inputs

    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if rule_only is not None:
        inputs = load_inputs(performance_year)
        read = time.perf_counter()
        results = engine.align(performance_year, *inputs)
        seconds = time.perf_counter() - started
        rule_only.write_text("".join(f"{r.mbi},{r.aco_id},{r.step},{r.tin or ''},{r.npi or ''}\n" for r in results))
        summary: dict[str, Any] = {
            "run": None,
            "status": "succeeded",
            "timings": {"inputs": read - started, "engine": seconds - (read - started)},
            "counts": {"beneficiaries": len(inputs[0].mbi), "service_lines": len(inputs[1].mbi)},
        }
    else:
        run = services.alignment_run_create(performance_year=performance_year)
        run = services.alignment_run_execute(run_id=run.pk)
        seconds = time.perf_counter() - started
        counts = {k: v for k, v in run.counts.items() if k in ("beneficiaries", "service_lines", "aligned")}
        timings = getattr(run, "timings", None) or {}
        summary = {"run": run.pk, "status": run.status, "message": run.message, "timings": timings, "counts": counts}
    summary |= {
        "seconds": seconds,
        "before_mb": before_mb,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(summary))


def run_portal(url: str, performance_year: int, rule_only: Path | None, timeout: float) -> dict[str, Any]:
    env = dict(os.environ, DATABASE_URL=url)
    extra = [f"--answer={rule_only}"] if rule_only else []
    done = subprocess.run(  # noqa: S603 - this very script, with fixed arguments
        [PYTHON, __file__, "--step", f"--performance-year={performance_year}", *extra],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] != "succeeded":
        sys.exit(f"alignment run failed: {result['message']} (--rule-only measures load_inputs + engine.align)")
    return result


def portal_answer(url: str, run_id: int | None, answer_file: Path) -> dict[str, tuple[str, str, str, str]]:
    """The stored result of the run, or (rule only) the engine's result the child wrote."""
    import psycopg

    if run_id is None:
        return {m: (a, s, t, n) for m, a, s, t, n in (line.split(",") for line in answer_file.read_text().splitlines())}

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT b.mbi, a.aco_id, b.step, b.tin, b.npi FROM alignment_alignedbeneficiary b "
            "JOIN acos_aco a ON a.id = b.aco_id WHERE b.run_id = %s",
            [run_id],
        ).fetchall()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


# ---------------------------------------------------------------------------------------------------
# Parquet export and the DuckDB query
# ---------------------------------------------------------------------------------------------------
V, D, M, N = "VARCHAR", "DATE", "DECIMAL(19,2)", "BIGINT"
# name: (PostgreSQL query, DuckDB column types). Claims are the loader's netted rows (is_current), Part B
# without denied lines (the loader flags them): the same starting point as the portal's inputs.
EXPORTS: dict[str, tuple[str, dict[str, str]]] = {
    "beneficiaries": (
        "SELECT mbi, state, death_date, part_a_start, part_b_start FROM claims_beneficiary",
        {"mbi": V, "state": V, "death_date": D, "part_a_start": D, "part_b_start": D},
    ),
    "part_b": (
        "SELECT current_mbi, clm_line_from_dt, clm_line_hcpcs_cd, clm_pos_cd, clm_prvdr_spclty_cd, "
        "clm_rndrg_prvdr_tax_num, rndrg_prvdr_npi_num, clm_line_alowd_chrg_amt "
        "FROM claims_partbline WHERE is_current AND NOT is_denied",
        {
            "mbi": V,
            "from_dt": D,
            "hcpcs": V,
            "pos": V,
            "specialty": V,
            "tin": V,
            "npi": V,
            "allowed": M,
        },
    ),
    "revenue_lines": (
        "SELECT current_mbi, cur_clm_uniq_id, clm_line_from_dt, clm_line_prod_rev_ctr_cd, clm_line_hcpcs_cd, "
        "clm_line_cvrd_pd_amt FROM claims_partarevenueline WHERE is_current",
        {"mbi": V, "claim_id": N, "from_dt": D, "revenue_center": V, "hcpcs": V, "paid": M},
    ),
    "part_a_claims": (
        "SELECT cur_clm_uniq_id, clm_type_cd, clm_bill_fac_type_cd, clm_bill_clsfctn_cd, prvdr_oscar_num "
        "FROM claims_partaclaim WHERE is_current",
        {"claim_id": N, "claim_type": N, "facility_type": V, "classification": V, "ccn": V},
    ),
    "participant_tins": (
        "SELECT p.tin, a.aco_id FROM acos_participanttin p JOIN acos_aco a ON a.id = p.aco_id "
        "WHERE p.performance_year = {py}",
        {"tin": V, "aco_id": V},
    ),
    "participant_ccns": (
        "SELECT jsonb_array_elements_text(p.ccns::jsonb), a.aco_id FROM acos_participanttin p "
        "JOIN acos_aco a ON a.id = p.aco_id WHERE p.performance_year = {py}",
        {"ccn": V, "aco_id": V},
    ),
    "voluntary": (
        "SELECT v.mbi, a.aco_id, v.tin, v.npi, v.signed_date FROM claims_voluntaryalignment v "
        "JOIN acos_aco a ON a.id = v.aco_id",
        {"mbi": V, "aco_id": V, "tin": V, "npi": V, "signed_date": D},
    ),
    "mbi_map": ("SELECT mbi, current_mbi FROM claims_mbimap", {"mbi": V, "current_mbi": V}),
}


def export_parquet(url: str, folder: Path, performance_year: int) -> int:
    """Every table of EXPORTS as Parquet in ``folder``; returns the Part B lines exported."""
    import duckdb

    psql = shutil.which("psql")
    if psql is None:
        sys.exit("psql is needed for the Parquet export")
    con = duckdb.connect()
    part_b_lines = 0
    for name, (query, types) in EXPORTS.items():
        csv_path = folder / f"{name}.csv"
        sql = query.format(py=int(performance_year))
        subprocess.run(  # noqa: S603 - psql with a fixed query
            [psql, "-X", "-q", "-d", url, "-c", f"\\copy ({sql}) TO '{csv_path}' WITH (FORMAT csv)"], check=True
        )
        columns = ", ".join(f"coalesce({c}, '') AS {c}" if t == V else c for c, t in types.items())
        source = f"read_csv('{csv_path}', header = false, columns = {types!r})"
        select = f"SELECT {columns} FROM {source}"  # noqa: S608 - this script's own file paths and columns
        con.execute(f"COPY ({select}) TO '{folder / name}.parquet' (FORMAT parquet)")
        if name == "part_b":
            counted = con.execute(f"SELECT count(*) FROM '{folder / name}.parquet'").fetchone()  # noqa: S608
            part_b_lines = int(counted[0]) if counted else 0
        csv_path.unlink()
    return part_b_lines


def _text_list(values: Any) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


def duckdb_query(folder: Path, py: int) -> str:
    """docs/alignment.md rules 1–10 (prospective), one query: eligibility, qualifying services, entities,
    weighted plurality per step with the tie-breaks, aligning unit and NPI, voluntary precedence."""
    (ay1_start, ay1_end), (_, ay2_end) = engine.alignment_years(py)
    pqem = [f"{n:05d}" for lo, hi in engine.PQEM_RANGES for n in range(lo, hi + 1)] + sorted(engine.PQEM_G_CODES)
    step1, step2 = _text_list(engine.STEP1_SPECIALTIES), _text_list(engine.STEP2_SPECIALTIES)

    def f(name: str) -> str:
        return f"read_parquet('{folder / name}.parquet')"

    return f"""
    WITH
    bene AS (  -- rule 2
        SELECT trim(mbi) AS mbi FROM {f("beneficiaries")}
        WHERE (death_date IS NULL OR death_date >= DATE '{py}-01-01')
          AND part_a_start <= DATE '{py}-01-01' AND part_b_start <= DATE '{py}-01-01'
          AND upper(trim(state)) IN ({_text_list(engine.ELIGIBLE_STATES)})
    ),
    tins AS (SELECT tin, aco_id FROM {f("participant_tins")}),
    ccns AS (SELECT ccn, aco_id FROM {f("participant_ccns")}),
    services AS (  -- rules 1 and 3; cls: 1 = primary care (step 1), 2 = step-2 specialty
        SELECT mbi, from_dt AS day, 'tin' AS unit_kind, tin AS unit, npi,
               CASE WHEN specialty IN ({step1}) THEN 1 ELSE 2 END AS cls,
               CAST(round(coalesce(allowed, 0) * 100) AS BIGINT) AS cents
        FROM {f("part_b")}
        WHERE from_dt BETWEEN DATE '{ay1_start}' AND DATE '{ay2_end}'
          AND upper(hcpcs) IN ({_text_list(pqem)})
          AND NOT (hcpcs BETWEEN '99304' AND '99318' AND pos = '31')
          AND specialty IN ({step1}, {step2}) AND tin <> ''
        UNION ALL
        SELECT l.mbi, l.from_dt, 'ccn', c.ccn, '', 1, CAST(round(coalesce(l.paid, 0) * 100) AS BIGINT)
        FROM {f("revenue_lines")} l JOIN {f("part_a_claims")} c ON c.claim_id = l.claim_id
        WHERE c.claim_type = 40 AND c.facility_type = '7' AND c.classification IN ('1', '7')
          AND l.from_dt BETWEEN DATE '{ay1_start}' AND DATE '{ay2_end}'
          AND (l.revenue_center IN ('0521', '0522', '0524', '0525') OR upper(l.hcpcs) IN ({_text_list(pqem)}))
          AND c.ccn <> ''
    ),
    lines AS (  -- rules 4 and 5: entity of each line, 1 x AY1 + 2 x AY2 cents
        SELECT s.mbi, s.day, s.unit_kind, s.unit, s.npi, s.cls,
               s.cents * CASE WHEN s.day <= DATE '{ay1_end}' THEN 1 ELSE 2 END AS weighted,
               CASE WHEN coalesce(t.aco_id, c.aco_id) IS NULL THEN s.unit_kind ELSE 'aco' END AS ent_kind,
               coalesce(t.aco_id, c.aco_id, s.unit) AS ent_key
        FROM services s SEMI JOIN bene b ON b.mbi = s.mbi
        LEFT JOIN tins t ON s.unit_kind = 'tin' AND t.tin = s.unit
        LEFT JOIN ccns c ON s.unit_kind = 'ccn' AND c.ccn = s.unit
    ),
    stepped AS (  -- rules 6 and 7: step 1 if the beneficiary has any primary-care service
        SELECT * FROM lines QUALIFY cls = min(cls) OVER (PARTITION BY mbi)
    ),
    entities AS (
        SELECT mbi, cls AS step, ent_kind, ent_key, sum(weighted) AS w, max(day) AS last
        FROM stepped GROUP BY ALL
    ),
    claims AS (  -- rule 8 ties: latest service, then smallest key as text; rule 9: an ACO wins
        SELECT mbi, ent_key AS aco_id, step FROM entities
        QUALIFY row_number() OVER (PARTITION BY mbi ORDER BY w DESC, last DESC, ent_key, ent_kind) = 1
        AND ent_kind = 'aco'
    ),
    unit_sums AS (  -- rule 9: the aligning TIN or CCN inside the winning ACO
        SELECT s.mbi, s.unit_kind, s.unit, sum(s.weighted) AS w, max(s.day) AS last
        FROM stepped s JOIN claims c ON c.mbi = s.mbi AND s.ent_kind = 'aco' AND s.ent_key = c.aco_id
        GROUP BY s.mbi, s.unit_kind, s.unit
    ),
    units AS (
        SELECT * FROM unit_sums
        QUALIFY row_number() OVER (PARTITION BY mbi ORDER BY w DESC, last DESC, unit, unit_kind) = 1
    ),
    npi_sums AS (  -- the aligning NPI under the unit: largest charge, then smallest NPI
        SELECT s.mbi, s.npi, sum(s.weighted) AS w
        FROM stepped s JOIN units u ON u.mbi = s.mbi AND u.unit_kind = s.unit_kind AND u.unit = s.unit
        WHERE s.unit_kind = 'tin' AND s.npi <> ''
        GROUP BY s.mbi, s.npi
    ),
    npis AS (
        SELECT * FROM npi_sums QUALIFY row_number() OVER (PARTITION BY mbi ORDER BY w DESC, npi) = 1
    ),
    voluntary AS (  -- rule 10: latest valid record (signed by Oct 31 PY-1, a Participant TIN), by current MBI
        SELECT coalesce(m.current_mbi, trim(v.mbi)) AS mbi, t.aco_id, trim(v.tin) AS tin, trim(v.npi) AS npi
        FROM {f("voluntary")} v
        LEFT JOIN {f("mbi_map")} m ON m.mbi = trim(v.mbi)
        JOIN tins t ON t.tin = trim(v.tin)
        WHERE v.signed_date <= DATE '{py - 1}-10-31'
        QUALIFY row_number() OVER (
            PARTITION BY coalesce(m.current_mbi, trim(v.mbi))
            ORDER BY v.signed_date DESC, t.aco_id, trim(v.tin), trim(v.npi), v.aco_id
        ) = 1
    )
    SELECT b.mbi,
           coalesce(v.aco_id, c.aco_id) AS aco_id,
           CASE WHEN v.mbi IS NOT NULL THEN 'voluntary' ELSE CAST(c.step AS VARCHAR) END AS step,
           CASE WHEN v.mbi IS NOT NULL THEN v.tin ELSE u.unit END AS tin,
           CASE WHEN v.mbi IS NOT NULL THEN v.npi ELSE coalesce(n.npi, '') END AS npi
    FROM bene b
    LEFT JOIN voluntary v ON v.mbi = b.mbi
    LEFT JOIN claims c ON c.mbi = b.mbi
    LEFT JOIN units u ON u.mbi = b.mbi
    LEFT JOIN npis n ON n.mbi = b.mbi
    WHERE v.mbi IS NOT NULL OR c.mbi IS NOT NULL
    """  # noqa: S608 - the rule's constants and this script's file paths only


def run_duckdb(folder: Path, py: int) -> tuple[float, int, dict[str, tuple[str, str, str, str]]]:
    import duckdb

    con = duckdb.connect()
    sql = duckdb_query(folder, py)
    started = time.perf_counter()
    rows = con.execute(sql).fetchall()
    seconds = time.perf_counter() - started
    threads = con.execute("SELECT current_setting('threads')").fetchone()
    return seconds, int(threads[0]) if threads else 0, {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def columnar_read(folder: Path, py: int) -> tuple[float, int]:
    """The alternative the design left open, measured: the Part B candidates the portal's inputs read
    (same filter, same columns) read by DuckDB from the Parquet copy into numpy columns, as a step would
    read a columnar copy of the claim facts. Returns (seconds, lines)."""
    import duckdb

    (ay1_start, _), (_, ay2_end) = engine.alignment_years(py)
    pqem = [f"{n:05d}" for lo, hi in engine.PQEM_RANGES for n in range(lo, hi + 1)] + sorted(engine.PQEM_G_CODES)
    specialties = _text_list(engine.STEP1_SPECIALTIES | engine.STEP2_SPECIALTIES)
    con = duckdb.connect()
    started = time.perf_counter()
    columns = con.execute(
        "SELECT mbi, hcpcs, pos, specialty, tin, npi, from_dt, CAST(round(allowed * 100) AS BIGINT) AS cents "  # noqa: S608
        f"FROM read_parquet('{folder / 'part_b'}.parquet') WHERE from_dt BETWEEN DATE '{ay1_start}' "
        f"AND DATE '{ay2_end}' AND hcpcs IN ({_text_list(pqem)}) AND specialty IN ({specialties})"
    ).fetchnumpy()
    return time.perf_counter() - started, len(columns["mbi"])


# ---------------------------------------------------------------------------------------------------
def bundle_parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark on a generated bundle takes: the bundle (size, ACOs, seed, PY, run-out;
    kept in --bundle), the database (kept with --keep-db) and the PostgreSQL server."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--acos", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--performance-year", type=int, default=2027)
    parser.add_argument("--no-runout", dest="runout", action="store_false", help="generate without run-out package")
    parser.add_argument("--bundle", type=Path, help="generate here (or reuse the bundle found here) and keep it")
    parser.add_argument("--keep-db", metavar="NAME", help="load into NAME (or reuse it if loaded) and keep it")
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL without a database name (default: $BENCH_POSTGRES or local trust)",
    )
    return parser


def main() -> None:
    parser = bundle_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--rule-only",
        action="store_true",
        help="time load_inputs + engine.align only (no cohorts, no store); compare the engine's answer",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds the alignment step may take")
    parser.add_argument("--step", action="store_true", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--answer", type=Path, help=argparse.SUPPRESS)  # the child's rule-only answer file
    args = parser.parse_args()
    if args.step:
        step(args.performance_year, args.answer)
        return
    py = args.performance_year
    scratch = Path(tempfile.mkdtemp(prefix="bench-alignment-"))
    bundle = args.bundle or scratch / "bundle"
    db_name = args.keep_db or f"lead_bench_alignment_{os.getpid()}"
    try:
        ensure_bundle(bundle, args)
        url = prepare_database(args.server.rstrip("/"), db_name, bundle, reuse=bool(args.keep_db))
        say("Running the portal's alignment step")
        answer_file = scratch / "engine_answer.csv"
        portal = run_portal(url, py, answer_file if args.rule_only else None, args.timeout)
        answer = portal_answer(url, portal["run"], answer_file)
        say("Exporting to Parquet")
        part_b_lines = export_parquet(url, scratch, py)
        say("Running the DuckDB query")
        duck_s, threads, duck = run_duckdb(scratch, py)
        read_s, read_lines = columnar_read(scratch, py)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep_db:
            admin(args.server.rstrip("/"), "drop", db_name)

    everyone = answer.keys() | duck.keys()
    agree = sum(1 for m in everyone if m in answer and m in duck and answer[m][:2] == duck[m][:2])
    units_agree = sum(1 for m in everyone if answer.get(m) == duck.get(m))
    t = portal["timings"]
    split = ", ".join(f"{k} {v:.1f} s" for k, v in t.items()) if t else "no split recorded"
    rule_s = float(t.get("inputs", 0)) + float(t.get("engine", 0))
    benes = portal["counts"].get("beneficiaries", args.beneficiaries)
    candidates = portal["counts"].get("service_lines", 0)
    print(
        f"alignment {benes:,} benes, {part_b_lines:,} Part B lines ({candidates:,} candidates read): "
        f"portal {portal['seconds']:.1f} s ({split}), peak {portal['peak_mb']:,.0f} MB "
        f"({portal['before_mb']:,.0f} MB before the step); duckdb {duck_s:.1f} s ({threads} threads); "
        f"ratio {portal['seconds'] / duck_s:.1f}× (rule: inputs + engine {rule_s / duck_s:.1f}×); "
        f"agree {agree:,}/{len(everyone):,} (mismatches {len(everyone) - agree:,}; "
        f"with unit and NPI {units_agree:,}/{len(everyone):,}); "
        f"columnar read of the Part B candidates (DuckDB, Parquet to numpy) {read_s:.2f} s for {read_lines:,} lines "
        f"against the portal's inputs {float(t.get('inputs', 0)):.1f} s"
    )


if __name__ == "__main__":
    main()
