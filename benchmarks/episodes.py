"""The CARA episodes step on PostgreSQL: every episode of the PY's claims history, costed and attributed.

    .venv/bin/python benchmarks/episodes.py [--beneficiaries N] [--bundle DIR] [--keep-db NAME]

1. A bundle and a loaded database as in benchmarks/risk.py (steps 1–2 of benchmarks/alignment.py).
2. When the database has no successful alignment run for the PY, one (and a risk run) is computed first,
   untimed: the step attributes episodes through them.
3. The portal's episodes step (``episode_run_execute``) in a child process of its own, so its peak resident
   memory is that of the step alone; the run records the split (inputs, engine, costs, store). Target: 10 s.
4. The reference, in the same run: the step's costliest part, the costs of the chosen windows, as one
   DuckDB query over Parquet copies of the claim facts and of the windows (the export is not timed); every
   episode's total must equal the portal's.

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
    """Run in a fresh interpreter: the runs the step needs (untimed), then one episode run; prints JSON."""
    import django

    django.setup()
    from apps.alignment import selectors as alignment_selectors
    from apps.alignment import services as alignment_services
    from apps.cara import services
    from apps.risk import selectors as risk_selectors
    from apps.risk import services as risk_services

    risk = risk_selectors.latest_run(performance_year=performance_year)
    if risk is None:
        say("  computing a risk run first (untimed)")
        risk = risk_services.risk_run_compute(performance_year=performance_year)
    alignment = alignment_selectors.latest_run(performance_year=performance_year)
    if alignment is None:
        say("  computing an alignment run first (untimed)")
        alignment = alignment_services.alignment_run_execute(
            run_id=alignment_services.alignment_run_create(performance_year=performance_year).pk
        )
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    run = services.episode_run_execute(alignment_run=alignment, risk_run=risk)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "run": run.pk,
                "status": run.status,
                "message": run.message,
                "timings": run.timings,
                "counts": {k: v for k, v in run.counts.items() if k != "baselines"},
                "seconds": seconds,
                "before_mb": before_mb,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


FACTS = """SELECT current_mbi, source, claim_type, claim_id, from_date, COALESCE(paid_cents, 0) AS paid
FROM claims_claimfact WHERE source IN (1, 5, 6) AND service_year BETWEEN {first} AND {last} AND is_current
AND NOT is_denied AND (source <> 1 OR claim_type IN (10, 20, 30, 40, 50, 60))"""
WINDOWS = """SELECT e.id, e.mbi, e.trigger_claim_id, CASE WHEN d.trigger_kind = 'inpatient' THEN 0 ELSE 1 END,
e.start_date, e.end_date, e.index_cents + e.readmission_cents + e.post_acute_cents + e.professional_cents
+ e.other_cents FROM cara_episode e JOIN cara_episodedefinition d ON d.id = e.definition_id WHERE e.run_id = {run}"""


def reference(url: str, folder: Path, run_id: int, performance_year: int) -> dict[str, Any]:
    """The windows' costs in DuckDB (every category counted: the defaults include them all)."""
    import duckdb

    psql = shutil.which("psql")
    if psql is None:
        sys.exit("psql is needed for the Parquet export")
    con = duckdb.connect()
    exports = {
        "facts": (
            FACTS.format(first=performance_year - 3, last=performance_year + 1),
            {"mbi": "VARCHAR", "source": "INTEGER", "claim_type": "INTEGER", "claim_id": "BIGINT",
             "from_date": "DATE", "paid": "BIGINT"},
        ),
        "windows": (
            WINDOWS.format(run=int(run_id)),
            {"id": "BIGINT", "mbi": "VARCHAR", "claim_id": "BIGINT", "kind": "INTEGER", "start_date": "DATE",
             "end_date": "DATE", "total": "BIGINT"},
        ),
    }  # fmt: skip
    for name, (sql, types) in exports.items():
        csv_path = folder / f"{name}.csv"
        subprocess.run(  # noqa: S603 - psql with a fixed query
            [psql, "-X", "-q", "-d", url, "-c", f"\\copy ({' '.join(sql.split())}) TO '{csv_path}' WITH (FORMAT csv)"],
            check=True,
        )
        source = f"read_csv('{csv_path}', header = false, columns = {types!r})"
        select = f"SELECT * FROM {source}"  # noqa: S608 - this script's own file paths and columns
        con.execute(f"COPY ({select}) TO '{folder / name}.parquet' (FORMAT parquet)")
        csv_path.unlink()
    started = time.perf_counter()
    rows = con.execute(
        f"""
        SELECT e.id, e.total, SUM(f.paid) AS cost
        FROM read_parquet('{folder / "windows"}.parquet') e
        JOIN read_parquet('{folder / "facts"}.parquet') f
          ON trim(f.mbi) = e.mbi AND f.from_date BETWEEN e.start_date AND e.end_date
        GROUP BY e.id, e.total
        """  # noqa: S608 - this script's own file paths
    ).fetchall()
    seconds = time.perf_counter() - started
    windows = con.execute(f"SELECT count(*) FROM read_parquet('{folder / 'windows'}.parquet')").fetchone()  # noqa: S608
    equal = sum(1 for _, total, cost in rows if int(total) == int(cost))
    return {"seconds": seconds, "episodes": int(windows[0]) if windows else 0, "equal": equal}


def main() -> None:
    parser = bundle_parser(__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1800, help="seconds the step may take")
    parser.add_argument("--step", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.step:
        step(args.performance_year)
        return
    py = args.performance_year
    scratch = Path(tempfile.mkdtemp(prefix="bench-episodes-"))
    bundle = args.bundle or scratch / "bundle"
    db_name = args.keep_db or f"lead_bench_episodes_{os.getpid()}"
    server = args.server.rstrip("/")
    try:
        ensure_bundle(bundle, args)
        url = prepare_database(server, db_name, bundle, reuse=bool(args.keep_db))
        say("Running the portal's episodes step")
        r = child_json(__file__, url, ["--step", f"--performance-year={py}"], args.timeout)
        if r["status"] != "succeeded":
            sys.exit(f"episode run {r['run']} failed: {r.get('message', '')}")
        say("The reference: the windows' costs in DuckDB")
        ref = reference(url, scratch, r["run"], py)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep_db:
            admin(server, "drop", db_name)
    c, t = r["counts"], r["timings"]
    split = ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
    verdict = "within" if r["seconds"] <= TARGET_SECONDS else "OVER"
    print(
        f"episodes {c['episodes']:,} from {c['triggers']:,} candidate triggers: {r['seconds']:.1f} s ({split}), "
        f"{verdict} the {TARGET_SECONDS:.0f} s target; peak {r['peak_mb']:,.0f} MB ({r['before_mb']:,.0f} MB before "
        f"the step); duckdb costs of the same windows {ref['seconds']:.1f} s; totals equal on "
        f"{ref['equal']:,}/{ref['episodes']:,}"
    )


if __name__ == "__main__":
    main()
