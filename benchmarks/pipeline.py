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

With --workers N, a second run of the same PY goes through N live Celery workers (one process each, on
the default and compute queues, ``ALIGNMENT_SHARDS=N``: the alignment step in N parts), queued as a page
queues it; its wall time is from the request to the last summary, its peak memory the largest worker's.
Its results are compared with the first run's: every aligned beneficiary (all stored columns), the
High Needs flags, the quality results, and the money facts (expenditure, member-months, capitation
reductions, spending per beneficiary) must be equal. Needs Redis (--redis).

Targets: 20 s and 1 GB at 100,000 beneficiaries. Prints one summary line on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
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

PYTHON = sys.executable
TARGET_SECONDS = 20.0
TARGET_MB = 1024.0

# What two runs must have computed alike: per table, the columns compared (the run's own ids left out).
COMPARED = {
    "alignment_alignedbeneficiary": (
        "run_id",
        "mbi, aco_id, alignment_type, step, tin, unit_kind, npi, effective_from, added_midyear, cohort, high_needs, "
        "high_needs_criteria::text, first_name, last_name, birth_date, sex, explanation::text",
    ),
    "quality_measureresult": ("run_id", "aco_id, measure, numerator, denominator, rate, points"),
    "performance_costfact": ("run_id", "aco_id, cohort, year, month, category, amount, claims"),
    "performance_membermonthfact": ("run_id", "aco_id, cohort, year, month, members"),
    "performance_capitationreductionfact": ("run_id", "aco_id, cohort, year, month, category, amount, claims"),
    "performance_beneficiaryspendingfact": ("run_id", "aco_id, mbi, cohort, total, claims"),
}


def step(performance_year: int, *, queued: bool = False) -> None:
    """Run in a fresh interpreter: one pipeline run, inline (or, ``queued``, requested for the workers and
    waited for); prints a JSON line."""
    import django

    django.setup()
    from django.db import transaction

    from apps.performance import services
    from apps.performance.models import PipelineRun

    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    peaks: dict[str, float] = {}
    if queued:
        with transaction.atomic():
            run = services.pipeline_run_request(performance_year=performance_year)
        while PipelineRun.objects.get(pk=run.pk).status not in ("succeeded", "failed"):
            time.sleep(0.1)
    else:
        # pipeline_run_execute, a step at a time: the process's peak memory after each step (the peak so
        # far, so a step's figure is the largest any step up to it needed).
        run = services.pipeline_run_create(performance_year=performance_year)
        for name in services.STEPS:
            if services.pipeline_step_execute(run_id=run.pk, name=name, inline=True) != "succeeded":
                break
            peaks[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seconds = time.perf_counter() - started
    run = PipelineRun.objects.select_related("alignment_run", "quality_run").get(pk=run.pk)
    steps = {
        s.name: {"seconds": s.seconds, "rows": s.rows, "message": s.message, "peak_mb": peaks.get(s.name)}
        for s in run.steps.all()
    }
    summary: dict[str, Any] = {
        "run": run.pk,
        "status": run.status,
        "message": run.message,
        "steps": steps,
        "aligned": run.alignment_run.counts.get("aligned", 0) if run.alignment_run else 0,
        "alignment_timings": run.alignment_run.timings if run.alignment_run else {},
        "quality_timings": run.quality_run.timings if run.quality_run else {},
        "summaries": run.summaries.count(),
        "runs": {"pipeline": run.pk, "alignment": run.alignment_run_id, "quality": run.quality_run_id},
        "seconds": seconds,
        "before_mb": before_mb,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(summary))


def fingerprints(url: str, runs: dict[str, int]) -> dict[str, tuple[int, str]]:
    """(rows, md5 of the sorted rows) per compared table for the run ids of ``runs`` (alignment, quality,
    pipeline): equal fingerprints, equal results."""
    import psycopg

    owner = {
        "alignment_alignedbeneficiary": runs["alignment"],
        "quality_measureresult": runs["quality"],
    }
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url) as conn:
        for table, (key, columns) in COMPARED.items():
            run_id = owner.get(table, runs["pipeline"])
            row = conn.execute(
                f"SELECT count(*), md5(COALESCE(string_agg(r, chr(10) ORDER BY r), '')) "  # noqa: S608
                f"FROM (SELECT concat_ws('|', {columns}) AS r FROM {table} WHERE {key} = %s) q",
                [run_id],
            ).fetchone()
            out[table] = (int(row[0]), str(row[1])) if row else (0, "")
    return out


def worker_env(url: str, redis: str, workers: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lead_portal.settings.base",
        "DJANGO_SECRET_KEY": "benchmark-worker-key-not-a-secret-0123456789abcdef",
        "DATABASE_URL": url,
        "REDIS_URL": redis,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "ALIGNMENT_SHARDS": str(workers),
        "PIPELINE_AFTER_INGEST": "false",
        "PYTHONWARNINGS": "ignore",
    }


def through_workers(url: str, redis: str, workers: int, performance_year: int, timeout: float) -> dict[str, Any]:
    """A pipeline run queued for ``workers`` live Celery workers (solo pool, one process each); returns
    its wall time, steps, run ids and the largest worker's peak memory."""
    env = worker_env(url, redis, workers)
    purge = [PYTHON, "-m", "celery", "-A", "lead_portal", "purge", "-f", "-Q", "default,compute"]
    subprocess.run(purge, env=env, cwd=ROOT, check=True, capture_output=True)  # noqa: S603
    procs = [
        subprocess.Popen(  # noqa: S603 - celery with fixed arguments
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "lead_portal",
                "worker",
                "-Q",
                "default,compute",
                "--pool=solo",
                "-n",
                f"bench{k}-{os.getpid()}@localhost",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "warning",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for k in range(workers)
    ]
    try:
        time.sleep(3)  # the workers connect
        result = child_json(
            __file__,
            url,
            ["--step", f"--performance-year={performance_year}", "--queued"],
            timeout,
            env={"REDIS_URL": redis, "CELERY_TASK_ALWAYS_EAGER": "false", "ALIGNMENT_SHARDS": str(workers)},
        )
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def split(steps: dict[str, dict[str, Any]]) -> str:
    """Seconds per step, and the peak memory so far after it when measured."""
    return ", ".join(
        f"{name} {s['seconds'] or 0:.1f} s" + (f" / {s['peak_mb']:,.0f} MB" if s.get("peak_mb") else "")
        for name, s in steps.items()
    )


def child(url: str, performance_year: int, timeout: float) -> dict[str, Any]:
    result = child_json(__file__, url, ["--step", f"--performance-year={performance_year}"], timeout)
    if result["status"] != "succeeded":
        sys.exit(f"pipeline run {result['run']} failed: {result.get('message', '')}")
    return result


def main() -> None:
    parser = bundle_parser(__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1800, help="seconds the pipeline may take")
    parser.add_argument("--workers", type=int, default=0, help="then run again on N live Celery workers, compare")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--step", action="store_true", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--queued", action="store_true", help=argparse.SUPPRESS)  # the child, through workers
    args = parser.parse_args()
    if args.step:
        step(args.performance_year, queued=args.queued)
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
        if args.workers:
            import psycopg

            # The second run starts from the High Needs history the first one did ("once High Needs,
            # always" would otherwise add a criterion to everyone the first run found).
            with psycopg.connect(url) as conn:
                conn.execute("DELETE FROM alignment_highneedshistory WHERE first_run_id = %s", [r["runs"]["alignment"]])
            say(f"Running the pipeline again on {args.workers} Celery workers")
            w = through_workers(url, args.redis, args.workers, args.performance_year, args.timeout)
            if w["status"] != "succeeded":
                sys.exit(f"pipeline run {w['run']} on the workers failed: {w.get('message', '')}")
            one, many = fingerprints(url, r["runs"]), fingerprints(url, w["runs"])
            differ = [t for t in COMPARED if one[t] != many[t]]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep_db:
            admin(server, "drop", db_name)

    within = r["seconds"] <= TARGET_SECONDS and r["peak_mb"] <= TARGET_MB
    print(
        f"pipeline {args.beneficiaries:,} beneficiaries ({r['aligned']:,} aligned, {r['summaries']} ACO summaries): "
        f"{r['seconds']:.1f} s ({split(r['steps'])}); peak {r['peak_mb']:,.0f} MB; "
        f"{'within' if within else 'OVER'} the {TARGET_SECONDS:.0f} s / {TARGET_MB:,.0f} MB target; "
        f"money: {r['steps']['money']['message']}"
        + (
            ""
            if not args.workers
            else f"; on {args.workers} workers: {w['seconds']:.1f} s "
            f"({split(w['steps'])}), "
            f"largest worker {w['peak_mb']:,.0f} MB, results "
            + ("EQUAL" if not differ else f"DIFFER in {', '.join(differ)}")
            + f" ({sum(n for n, _ in one.values()):,} rows compared)"
        )
    )


if __name__ == "__main__":
    main()
