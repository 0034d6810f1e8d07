"""The GLP-1 step on PostgreSQL: every aligned beneficiary's Bridge eligibility, therapy, adherence and cost.

    .venv/bin/python benchmarks/glp1.py [--beneficiaries N] [--bundle DIR] [--keep-db NAME]

1. A bundle and a loaded database as in benchmarks/risk.py (steps 1–2 of benchmarks/alignment.py).
2. When the database has no successful alignment run for the PY, one is computed first, untimed.
3. The portal's GLP-1 step (``glp1_run_execute``) in a child process of its own, so its peak resident memory
   is that of the step alone; the run records the split (people, diagnoses, Part D, rules, spending, write).
   Target: 10 s for 100,000 beneficiaries.
4. The reference, in the same run: the step's costliest read, the aligned beneficiaries' latest adult BMI
   code on or before the date of interest, as one DuckDB query over Parquet copies of the CCLF5 claim facts'
   diagnoses and of the aligned beneficiaries (the export is not timed); the number of beneficiaries with
   a BMI from Part B lines must agree with the portal's inputs read the same way.

Prints one summary line on stdout (progress goes to stderr).
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

from benchmarks.alignment import admin, bundle_parser, child_json, ensure_bundle, prepare_database, say  # noqa: E402

TARGET_SECONDS = 10.0


def step(performance_year: int) -> None:
    """Run in a fresh interpreter: the alignment run the step needs (untimed), then one GLP-1 run; prints
    JSON."""
    import django

    django.setup()
    from apps.alignment import selectors as alignment_selectors
    from apps.alignment import services as alignment_services
    from apps.balance import services

    alignment = alignment_selectors.latest_run(performance_year=performance_year)
    if alignment is None:
        say("  computing an alignment run first (untimed)")
        alignment = alignment_services.alignment_run_execute(
            run_id=alignment_services.alignment_run_create(performance_year=performance_year).pk
        )
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    run = services.glp1_run_execute(alignment_run=alignment)
    seconds = time.perf_counter() - started
    bmi_b = run.beneficiaries.filter(bmi_source=5).count()
    print(
        json.dumps(
            {
                "run": run.pk,
                "alignment_run": alignment.pk,
                "as_of": run.as_of.isoformat(),
                "status": run.status,
                "message": run.message,
                "timings": run.timings,
                "counts": run.counts,
                "bmi_from_part_b": bmi_b,
                "seconds": seconds,
                "before_mb": before_mb,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


LINES = """SELECT current_mbi, from_date, claim_id, diagnoses FROM claims_claimfact WHERE source = 5 AND is_current
AND NOT is_denied AND diagnoses <> '' AND service_year BETWEEN {first} AND {last}
AND from_date BETWEEN '{start}' AND '{end}'"""
ALIGNED = "SELECT mbi FROM alignment_alignedbeneficiary WHERE run_id = {run}"


def reference(url: str, folder: Path, r: dict[str, Any]) -> dict[str, Any]:
    """The latest Z68 code of each aligned beneficiary from the Part B lines, in DuckDB. Which source's code
    wins is the portal's choice (the latest of CCLF4 and CCLF5); here only Part B is read, so the figure
    compared is the number of beneficiaries whose latest code came from a line no later than any CCLF4 one:
    an upper bound is checked (the DuckDB count ≥ the portal's Part B count) and reported."""
    import datetime as dt

    import duckdb

    psql = shutil.which("psql")
    if psql is None:
        sys.exit("psql is needed for the Parquet export")
    as_of = dt.date.fromisoformat(r["as_of"])
    start = dt.date(min(as_of.year, 2026) - 2, 1, 1)
    con = duckdb.connect()
    exports = {
        "lines": (
            LINES.format(first=start.year, last=as_of.year, start=start, end=as_of),
            {"mbi": "VARCHAR", "from_date": "DATE", "claim_id": "BIGINT", "diagnoses": "VARCHAR"},
        ),
        "aligned": (ALIGNED.format(run=int(r["alignment_run"])), {"mbi": "VARCHAR"}),
    }
    for name, (sql, types) in exports.items():
        csv_path = folder / f"{name}.csv"
        subprocess.run(  # noqa: S603 - psql with a fixed query
            [psql, "-X", "-q", "-d", url, "-c", f"\\copy ({' '.join(sql.split())}) TO '{csv_path}' WITH (FORMAT csv)"],
            check=True,
        )
        source = f"read_csv('{csv_path}', header = false, columns = {types!r})"
        con.execute(f"COPY (SELECT * FROM {source}) TO '{folder / name}.parquet' (FORMAT parquet)")  # noqa: S608
        csv_path.unlink()
    started = time.perf_counter()
    row = con.execute(
        f"""
        WITH codes AS (
            SELECT trim(l.mbi) AS mbi, l.from_date, replace(c.code, '.', '') AS code
            FROM read_parquet('{folder / "lines"}.parquet') l,
                 unnest(string_split(l.diagnoses, ',')) AS c(code)
            WHERE c.code LIKE 'Z68%'
        )
        SELECT count(DISTINCT c.mbi) FROM codes c
        JOIN read_parquet('{folder / "aligned"}.parquet') a ON a.mbi = c.mbi
        WHERE c.code SIMILAR TO 'Z68(1|2[0-9]|3[0-9]|4[1-5])'
        """  # noqa: S608 - this script's own file paths
    ).fetchone()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "with_bmi": int(row[0]) if row else 0}


def main() -> None:
    parser = bundle_parser(__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1800, help="seconds the step may take")
    parser.add_argument("--step", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.step:
        step(args.performance_year)
        return
    py = args.performance_year
    scratch = Path(tempfile.mkdtemp(prefix="bench-glp1-"))
    bundle = args.bundle or scratch / "bundle"
    db_name = args.keep_db or f"lead_bench_glp1_{os.getpid()}"
    server = args.server.rstrip("/")
    try:
        ensure_bundle(bundle, args)
        url = prepare_database(server, db_name, bundle, reuse=bool(args.keep_db))
        say("Running the portal's GLP-1 step")
        r = child_json(__file__, url, ["--step", f"--performance-year={py}"], args.timeout)
        if r["status"] != "succeeded":
            sys.exit(f"GLP-1 run {r['run']} failed: {r.get('message', '')}")
        say("The reference: the aligned beneficiaries with a BMI code on Part B lines, in DuckDB")
        ref = reference(url, scratch, r)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep_db:
            admin(server, "drop", db_name)
    c, t = r["counts"], r["timings"]
    split = ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
    verdict = "within" if r["seconds"] <= TARGET_SECONDS else "OVER"
    agrees = "≥" if ref["with_bmi"] >= r["bmi_from_part_b"] else "<"
    print(
        f"glp1 {c['beneficiaries']:,} beneficiaries ({c.get('likely', 0):,} likely eligible, {c.get('confirm', 0):,} "
        f"to confirm, {c.get('treated', 0):,} treated, {c.get('fills', 0):,} GLP-1 fills): {r['seconds']:.1f} s "
        f"({split}), {verdict} the {TARGET_SECONDS:.0f} s target; peak {r['peak_mb']:,.0f} MB "
        f"({r['before_mb']:,.0f} MB before the step); duckdb BMI codes on Part B lines {ref['seconds']:.1f} s for "
        f"{ref['with_bmi']:,} beneficiaries {agrees} the portal's {r['bmi_from_part_b']:,} whose BMI came from one"
    )


if __name__ == "__main__":
    main()
