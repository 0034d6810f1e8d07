"""The quality step on PostgreSQL: read the aligned beneficiaries and their claims, compute, score, store.

    .venv/bin/python benchmarks/quality.py [--beneficiaries N] [--bundle DIR] [--keep-db NAME]

1. A bundle of N beneficiaries (default 100,000) from ``manage.py generate_cclf`` (with the run-out
   package), in a temporary folder, or in --bundle DIR (kept; reused when it already holds a bundle).
2. A database of its own on the PostgreSQL server (--server), migrated and loaded with
   ``manage.py load_dataset``, and dropped at the end; with --keep-db NAME that database is kept, and
   reused as it is when it already holds a loaded bundle (to iterate without reloading).
3. Alignment, when the database has no successful alignment run for the PY yet (not timed: it is the
   quality step's input).
4. The quality step: ``quality_run_create`` + ``quality_run_execute`` in a child process of its own, so its
   peak resident memory is that of the quality step alone; the run records the split (inputs, engine,
   scoring, store). Target: 15 s for 100,000 beneficiaries.

Prints one summary line on stdout (progress goes to stderr). Steps 1–2 are those of benchmarks/alignment.py.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lead_portal.settings.test")

from benchmarks.alignment import admin, bundle_parser, child_json, ensure_bundle, prepare_database, say  # noqa: E402

PYTHON = sys.executable
TARGET_SECONDS = 15.0


def step(performance_year: int, align: bool) -> None:
    """Run in a fresh interpreter. With ``align``: an alignment run unless the PY has a successful one.
    Otherwise one quality run; prints a JSON line with time, split, counts and memory."""
    import django

    django.setup()
    from apps.alignment import selectors, services
    from apps.quality import pipeline

    if align:
        started = time.perf_counter()
        run = selectors.latest_run(performance_year=performance_year)
        if run is None:
            run = services.alignment_run_execute(
                run_id=services.alignment_run_create(performance_year=performance_year).pk
            )
        print(json.dumps({"run": run.pk, "status": run.status, "seconds": time.perf_counter() - started}))
        return
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    q = pipeline.quality_run_execute(run_id=pipeline.quality_run_create(performance_year=performance_year).pk)
    seconds = time.perf_counter() - started
    summary: dict[str, Any] = {
        "run": q.pk,
        "status": q.status,
        "message": q.message,
        "timings": q.timings,
        "counts": {k: v for k, v in q.counts.items() if k != "acos"},
        "tqs": {aco: s["tqs"] for aco, s in q.counts.get("acos", {}).items()},
        "seconds": seconds,
        "before_mb": before_mb,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(summary))


def child(url: str, performance_year: int, *, align: bool, timeout: float) -> dict[str, Any]:
    args = ["--step", f"--performance-year={performance_year}", *(["--align"] if align else [])]
    result = child_json(__file__, url, args, timeout)
    if result["status"] != "succeeded":
        sys.exit(f"{'alignment' if align else 'quality'} run {result['run']} failed: {result.get('message', '')}")
    return result


def main() -> None:
    parser = bundle_parser(__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a step may take")
    parser.add_argument("--step", action="store_true", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--align", action="store_true", help=argparse.SUPPRESS)  # the child: alignment first
    args = parser.parse_args()
    if args.step:
        step(args.performance_year, args.align)
        return
    py = args.performance_year
    scratch = Path(tempfile.mkdtemp(prefix="bench-quality-"))
    bundle = args.bundle or scratch / "bundle"
    db_name = args.keep_db or f"lead_bench_quality_{os.getpid()}"
    server = args.server.rstrip("/")
    try:
        ensure_bundle(bundle, args)
        url = prepare_database(server, db_name, bundle, reuse=bool(args.keep_db))
        say("Alignment (when the year has no successful run yet)")
        aligned = child(url, py, align=True, timeout=args.timeout)
        say(f"  alignment run {aligned['run']} ready in {aligned['seconds']:.0f} s")
        say("Running the portal's quality step")
        q = child(url, py, align=False, timeout=args.timeout)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep_db:
            admin(server, "drop", db_name)

    c, t = q["counts"], q["timings"]
    split = ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
    verdict = "within" if q["seconds"] <= TARGET_SECONDS else "OVER"
    print(
        f"quality {c['beneficiaries']:,} aligned benes ({c['diagnoses']:,} diagnoses, {c['inpatient_claims']:,} "
        f"inpatient, {c['snf_claims']:,} SNF, {c['ed_visits']:,} ED visits, {c['followups']:,} follow-ups): "
        f"{q['seconds']:.1f} s ({split}), {verdict} the {TARGET_SECONDS:.0f} s target; peak {q['peak_mb']:,.0f} MB "
        f"({q['before_mb']:,.0f} MB before the step); stored {c['members']:,} membership rows, "
        f"{c['gaps']:,} care gaps; "
        f"TQS {', '.join(f'{a} {s:.1f}' for a, s in sorted(q['tqs'].items()))}"
    )


if __name__ == "__main__":
    main()
