"""The whole performance pipeline on PostgreSQL: alignment → quality → money → one summary per ACO.

    .venv/bin/python benchmarks/pipeline.py [--beneficiaries N] [--bundle DIR] [--keep-db NAME]

1. A bundle of N beneficiaries (default 100,000) from ``manage.py generate_cclf`` (with the run-out
   package), in a temporary folder, or in --bundle DIR (kept; reused when it already holds a bundle).
2. A database of its own on the PostgreSQL server (--server), migrated and loaded with
   ``manage.py load_dataset``, and dropped at the end; with --keep-db NAME it is kept and reused.
3. One ``PipelineRun`` of the PY, every step in a child process of its own (``pipeline_run_execute``: the
   same step functions the Celery tasks call, one after the other), so the peak resident memory is the
   pipeline's alone. Wall time from creating the run to the last summary written; per-step seconds and
   rows from the run's steps.

Targets: 60 s and 2 GB at 100,000 beneficiaries. Prints one summary line on stdout.
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

from benchmarks.alignment import admin, child_json, ensure_bundle, prepare_database, say  # noqa: E402

PYTHON = sys.executable
TARGET_SECONDS = 60.0
TARGET_MB = 2048.0


def step(performance_year: int) -> None:
    """Run in a fresh interpreter: one pipeline run, inline; prints a JSON line."""
    import django

    django.setup()
    from apps.performance import services
    from apps.performance.models import PipelineRun

    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    run = services.pipeline_run_execute(run_id=services.pipeline_run_create(performance_year=performance_year).pk)
    seconds = time.perf_counter() - started
    run = PipelineRun.objects.select_related("alignment_run", "quality_run").get(pk=run.pk)
    steps = {s.name: {"seconds": s.seconds, "rows": s.rows, "message": s.message} for s in run.steps.all()}
    summary: dict[str, Any] = {
        "run": run.pk,
        "status": run.status,
        "message": run.message,
        "steps": steps,
        "aligned": run.alignment_run.counts.get("aligned", 0) if run.alignment_run else 0,
        "alignment_timings": run.alignment_run.timings if run.alignment_run else {},
        "quality_timings": run.quality_run.timings if run.quality_run else {},
        "summaries": run.summaries.count(),
        "seconds": seconds,
        "before_mb": before_mb,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(summary))


def child(url: str, performance_year: int, timeout: float) -> dict[str, Any]:
    result = child_json(__file__, url, ["--step", f"--performance-year={performance_year}"], timeout)
    if result["status"] != "succeeded":
        sys.exit(f"pipeline run {result['run']} failed: {result.get('message', '')}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    parser.add_argument("--timeout", type=float, default=1800, help="seconds the pipeline may take")
    parser.add_argument("--step", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.step:
        step(args.performance_year)
        return
    scratch = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    bundle = args.bundle or scratch / "bundle"
    db_name = args.keep_db or f"lead_bench_pipeline_{os.getpid()}"
    server = args.server.rstrip("/")
    try:
        ensure_bundle(bundle, args)
        url = prepare_database(server, db_name, bundle, reuse=bool(args.keep_db))
        say("Running the pipeline")
        r = child(url, args.performance_year, args.timeout)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep_db:
            admin(server, "drop", db_name)

    split = ", ".join(f"{name} {s['seconds'] or 0:.1f} s" for name, s in r["steps"].items())
    within = r["seconds"] <= TARGET_SECONDS and r["peak_mb"] <= TARGET_MB
    print(
        f"pipeline {args.beneficiaries:,} beneficiaries ({r['aligned']:,} aligned, {r['summaries']} ACO summaries): "
        f"{r['seconds']:.1f} s ({split}); peak {r['peak_mb']:,.0f} MB; "
        f"{'within' if within else 'OVER'} the {TARGET_SECONDS:.0f} s / {TARGET_MB:,.0f} MB target; "
        f"money: {r['steps']['money']['message']}"
    )


if __name__ == "__main__":
    main()
