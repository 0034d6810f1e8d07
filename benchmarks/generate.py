"""Benchmark the synthetic CCLF generator: time, lines per second and peak memory.

    python benchmarks/generate.py [BENEFICIARIES] [--acos K] [--workers W] [--keep DIR]

Generates a full bundle (with the run-out package) into a temporary folder, removes it again
(unless ``--keep``), and prints one summary line: beneficiaries, lines per file type, seconds,
lines per second and the peak resident memory of the main process and of the workers.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lead_portal.settings.test")

from apps.claims.generator import Options, default_workers, generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("beneficiaries", nargs="?", type=int, default=100_000)
    parser.add_argument("--acos", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--performance-year", type=int, default=2027)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--keep", type=Path, help="write here and keep the bundle")
    args = parser.parse_args()
    out = args.keep or Path(tempfile.mkdtemp(prefix="cclf-bench-"))
    try:
        started = time.perf_counter()
        summary = generate(
            Options(
                out=out,
                beneficiaries=args.beneficiaries,
                acos=args.acos,
                seed=args.seed,
                performance_year=args.performance_year,
                runout=True,
                workers=args.workers,
            )
        )
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in out.iterdir())
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    total = summary.total_lines
    per_file = " ".join(f"{f}={n}" for f, n in sorted(summary.counts.items()))
    runout = sum(summary.runout_counts.values())
    print(
        f"generate: beneficiaries={args.beneficiaries} workers={args.workers} lines={total} "
        f"[{per_file} runout={runout}] "
        f"bytes={size / 1e9:.2f}GB seconds={seconds:.1f} lines/s={total / seconds:,.0f} "
        f"peak_rss_mb main={own:.0f} worker={workers:.0f}"
    )


if __name__ == "__main__":
    main()
