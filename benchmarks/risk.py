"""The risk step on PostgreSQL: CMS-HCC scores of every beneficiary for the PY and its base years.

    .venv/bin/python benchmarks/risk.py [--beneficiaries N] [--bundle DIR] [--keep-db NAME]

1. A bundle of N beneficiaries (default 100,000) from ``manage.py generate_cclf`` (with the run-out
   package), in a temporary folder, or in --bundle DIR (kept; reused when it already holds a bundle).
2. A database of its own on the PostgreSQL server (--server), migrated and loaded with
   ``manage.py load_dataset``, and dropped at the end; with --keep-db NAME that database is kept, and
   reused as it is when it already holds a loaded bundle (to iterate without reloading).
3. The portal's risk step (``risk_run_compute``) in a child process of its own, so its peak resident memory
   is that of the step alone; the run records the split (inputs, engine, store). Target: 15 s.
4. The reference, in the same run: the library's own per-beneficiary path (``hccinfhir.calculate_raf``)
   on a sample of the same beneficiaries of the PY with the diagnoses and demographics the portal used,
   timed and scaled to all score rows; its scores must equal the portal's on the sample.

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

TARGET_SECONDS = 15.0
SAMPLE = 2000


def step(performance_year: int) -> None:
    """Run in a fresh interpreter: one risk run, then the library's per-beneficiary reference on a sample
    (after the run: it does not count in the run's time or memory); prints a JSON line."""
    import django

    django.setup()
    from apps.risk import services

    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    run = services.risk_run_compute(performance_year=performance_year)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary: dict[str, Any] = {
        "run": run.pk,
        "status": run.status,
        "message": run.message,
        "timings": run.timings,
        "counts": run.counts,
        "seconds": seconds,
        "before_mb": before_mb,
        "peak_mb": peak_mb,
    }
    if run.status == "succeeded":
        summary["reference"] = reference(run, performance_year)
    print(json.dumps(summary))


def reference(run: Any, performance_year: int) -> dict[str, Any]:
    """``calculate_raf`` once per beneficiary of a sample of the PY's scores, with the stored inputs (the
    diagnoses that entered the model are not enough: the call gets every diagnosis the step read for the
    beneficiary, from the stored HCC evidence of all statuses, and the stored demographics)."""
    from hccinfhir.model_calculate import calculate_raf

    from apps.risk.models import RiskHCC, RiskScore

    sample = list(
        RiskScore.objects.filter(run=run, score_year=performance_year, esrd=False, new_enrollee=False)
        .order_by("mbi")
        .values("mbi", "model", "segment", "raw_score", "demographic_terms")[:SAMPLE]
    )
    mbis = [s["mbi"] for s in sample]
    dx: dict[str, list[str]] = {}
    for mbi, code in RiskHCC.objects.filter(run=run, score_year=performance_year, mbi__in=mbis).values_list(
        "mbi", "diagnosis"
    ):
        dx.setdefault(mbi, []).append(code)
    people = reference_people(mbis, performance_year)
    started = time.perf_counter()
    equal = 0
    for s in sample:
        age, sex, orec, dual = people[s["mbi"]]
        result = calculate_raf(
            sorted(set(dx.get(s["mbi"], []))), model_name=s["model"], age=age, sex=sex, orec=orec,
            dual_elgbl_cd=dual,
        )  # fmt: skip
        equal += abs(float(result.risk_score) - float(s["raw_score"])) < 1e-6
    per_score = (time.perf_counter() - started) / max(len(sample), 1)
    scores = int(run.counts.get("scores", 0))
    return {"sample": len(sample), "equal": equal, "per_score_ms": per_score * 1000, "all_seconds": per_score * scores}


def reference_people(mbis: list[str], performance_year: int) -> dict[str, tuple[int, str, str, str]]:
    """(age, sex, OREC, dual status) as the step used them, from its own reader."""
    from apps.risk import inputs

    people = inputs.load_people()
    demographics, _ = people.for_year(performance_year)
    index = {m: i for i, m in enumerate(demographics.mbi.tolist())}
    out = {}
    for mbi in mbis:
        i = index[mbi]
        out[mbi] = (
            int(demographics.age[i]),
            str(demographics.sex[i]),
            str(demographics.orec[i]),
            str(demographics.dual_status[i]),
        )
    return out


def main() -> None:
    parser = bundle_parser(__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1800, help="seconds the step may take")
    parser.add_argument("--step", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.step:
        step(args.performance_year)
        return
    py = args.performance_year
    scratch = Path(tempfile.mkdtemp(prefix="bench-risk-"))
    bundle = args.bundle or scratch / "bundle"
    db_name = args.keep_db or f"lead_bench_risk_{os.getpid()}"
    server = args.server.rstrip("/")
    try:
        ensure_bundle(bundle, args)
        url = prepare_database(server, db_name, bundle, reuse=bool(args.keep_db))
        say("Running the portal's risk step, then the library's per-beneficiary reference on a sample")
        r = child_json(__file__, url, ["--step", f"--performance-year={py}"], args.timeout)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep_db:
            admin(server, "drop", db_name)
    if r["status"] != "succeeded":
        sys.exit(f"risk run {r['run']} failed: {r.get('message', '')}")
    c, t, ref = r["counts"], r["timings"], r["reference"]
    split = ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
    verdict = "within" if r["seconds"] <= TARGET_SECONDS else "OVER"
    print(
        f"risk {c['beneficiaries']:,} beneficiaries, {c['scores']:,} scores ({len(c['years'])} score years): "
        f"{r['seconds']:.1f} s ({split}), {verdict} the {TARGET_SECONDS:.0f} s target; peak {r['peak_mb']:,.0f} MB "
        f"({r['before_mb']:,.0f} MB before the step); hccinfhir.calculate_raf per beneficiary "
        f"{ref['per_score_ms']:.2f} ms = {ref['all_seconds']:.0f} s for all scores "
        f"({ref['all_seconds'] / max(r['seconds'], 1e-9):.1f}× the step); equal on {ref['equal']:,}/{ref['sample']:,}"
    )


if __name__ == "__main__":
    main()
