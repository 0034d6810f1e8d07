"""The what-if planner's alignment preview on PostgreSQL, for the largest ACO of a generated world.

    .venv/bin/python benchmarks/planning.py [--beneficiaries N] [--acos K] [--bundle DIR] [--keep-db NAME]

1. A bundle and a loaded database as in benchmarks/alignment.py (default 100,000 beneficiaries in 2 ACOs, so
   the largest ACO has about 20,000 aligned beneficiaries); when the database has no successful alignment
   run for the PY, one is computed first, untimed.
2. In a child process: the largest ACO and three list changes a planner weighs, each previewed three times
   (``alignment_preview``, the service the page calls) from the run's kept inputs, the slowest of the three
   kept, then three times more with the kept inputs removed (the database read, filtered in SQL), whose
   answers must be the same (a run without kept inputs is recomputed first, untimed):
   - remove its Participant TIN with the most aligned beneficiaries;
   - add the other ACO's TIN with the most aligned beneficiaries (it would move, with its CCNs);
   - add the no one's TIN with the most candidate lines, and remove the ACO's second TIN.
   Target: 3 s for an ACO of 20,000 beneficiaries.
3. The reference, in the same run: what a preview without the filtered reads would cost, the whole
   alignment rule over everyone (``load_inputs`` + ``engine.align``), timed once.

Prints one summary line on stdout (progress goes to stderr).
"""

from __future__ import annotations

import json
import os
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

TARGET_SECONDS = 3.0
REPEATS = 3


def step(performance_year: int) -> None:
    """In a fresh interpreter: the previews and the reference; prints one JSON line."""
    import django

    django.setup()
    from django.db.models import Count

    from apps.acos.models import ACO
    from apps.alignment import engine, inputs, selectors, snapshot
    from apps.alignment import services as alignment_services
    from apps.alignment.models import AlignedBeneficiary
    from apps.planning.preview import Changes, alignment_preview

    py = performance_year
    run = selectors.latest_run(performance_year=py)
    if run is None or snapshot.load(run) is None:
        say("No alignment run with kept inputs yet: computing one (untimed)")
        run = alignment_services.alignment_run_execute(
            run_id=alignment_services.alignment_run_create(performance_year=py).pk
        )
    kept_seconds = run.timings.get("inputs")
    sizes = AlignedBeneficiary.objects.filter(run=run).values("aco__aco_id").annotate(n=Count("id")).order_by("-n")
    biggest = sizes[0]["aco__aco_id"]
    aco = ACO.objects.get(aco_id=biggest)
    by_tin = list(
        AlignedBeneficiary.objects.filter(run=run, unit_kind="tin")
        .values("aco__aco_id", "tin")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    mine = [r["tin"] for r in by_tin if r["aco__aco_id"] == biggest]
    theirs = [r["tin"] for r in by_tin if r["aco__aco_id"] != biggest]
    entities = inputs.load_entities(py)
    services = inputs.load_services(py)
    import numpy as np

    tins, counts = np.unique(np.asarray(services.tin)[np.asarray(services.kind) == "B"], return_counts=True)
    nobody = [t for t, _ in sorted(zip(tins.tolist(), counts.tolist(), strict=True), key=lambda x: -x[1])
              if t and t not in entities.tin_to_aco]  # fmt: skip
    del services
    scenarios = {
        "remove the largest TIN": Changes(remove_tins=frozenset(mine[:1])),
        "add a competitor's largest TIN": Changes(add_tins=frozenset(theirs[:1])),
        "add a no one's TIN, remove the second": Changes(
            add_tins=frozenset(nobody[:1]), remove_tins=frozenset(mine[1:2])
        ),
    }

    def timed(changes: Changes) -> dict[str, Any]:
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            result = alignment_preview(performance_year=py, aco=aco, changes=changes)
            times.append(time.perf_counter() - started)
        return {
            "seconds": max(times),
            "best": min(times),
            "affected": result.affected,
            "gained": result.gained_count,
            "lost": result.lost_count,
            "split": result.seconds,
        }

    results = {name: timed(changes) for name, changes in scenarios.items()}
    # The same previews without the kept inputs: the database read, filtered in SQL.
    snapshot.forget(run)
    database = {name: timed(changes) for name, changes in scenarios.items()}
    for name in scenarios:
        same = {k: database[name][k] for k in ("affected", "gained", "lost")} == {
            k: results[name][k] for k in ("affected", "gained", "lost")
        }
        results[name]["same_from_database"] = same
    started = time.perf_counter()
    b, s, e, v = inputs.load_inputs(py)
    engine.align(py, b, s, e, v)
    reference = time.perf_counter() - started
    print(
        json.dumps(
            {
                "aco": biggest,
                "aligned": sizes[0]["n"],
                "beneficiaries": int(np.asarray(b.mbi).size),
                "results": results,
                "database": {k: v["seconds"] for k, v in database.items()},
                "inputs_seconds": kept_seconds,  # the run's read (and keeping) of its inputs
                "reference": reference,
            }
        )
    )


def main() -> None:
    parser = bundle_parser(__doc__.splitlines()[0])
    parser.set_defaults(acos=2)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds the child may take")
    parser.add_argument("--step", action="store_true", help="(internal) the child process")
    args = parser.parse_args()
    if args.step:
        step(args.performance_year)
        return
    scratch = Path(tempfile.mkdtemp(prefix="bench-planning-"))
    bundle = args.bundle or scratch / "bundle"
    db_name = args.keep_db or f"lead_bench_planning_{os.getpid()}"
    server = args.server.rstrip("/")
    try:
        ensure_bundle(bundle, args)
        url = prepare_database(server, db_name, bundle, reuse=bool(args.keep_db))
        say("Previewing three changes of the largest ACO")
        r: dict[str, Any] = child_json(
            __file__, url, ["--step", f"--performance-year={args.performance_year}"], args.timeout
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep_db:
            admin(server, "drop", db_name)
    worst = max(x["seconds"] for x in r["results"].values())
    from_db = max(r["database"].values())
    agree = all(x["same_from_database"] for x in r["results"].values())
    parts = "; ".join(
        f"{name}: {x['seconds']:.2f} s (best {x['best']:.2f}), {x['affected']:,} re-run, "
        f"+{x['gained']:,}/-{x['lost']:,}"
        for name, x in r["results"].items()
    )
    verdict = "within" if worst <= TARGET_SECONDS else "OVER"
    slowest = max(r["results"].values(), key=lambda x: x["seconds"])
    split = ", ".join(f"{k} {v:.2f}" for k, v in slowest["split"].items() if v >= 0.01)
    print(
        f"planning preview, {r['aco']} with {r['aligned']:,} aligned of {r['beneficiaries']:,} beneficiaries: "
        f"slowest {worst:.2f} s from the run's kept inputs, {verdict} the {TARGET_SECONDS:.0f} s target ({parts}; "
        f"the slowest's split: {split}); the run's inputs lap (read and kept) {r['inputs_seconds']:.1f} s; "
        f"from the database instead (filtered SQL) slowest {from_db:.2f} s, "
        f"{'the same' if agree else 'DIFFERENT'} answers; reference: the whole rule over everyone "
        f"(inputs + engine) {r['reference']:.1f} s"
    )


if __name__ == "__main__":
    main()
