"""Time to build one ACO's PDF performance report from its summary, through the real build path.

    .venv/bin/python benchmarks/report_pdf.py [--builds N]

1. A temporary database made the way Django's test runner makes one (in memory with the default SQLite
   settings; ``test_<name>`` on the server when ``DATABASE_URL`` names PostgreSQL), migrated, and dropped
   at the end; files go to a temporary MEDIA_ROOT.
2. One ``PerformanceSummary`` built the way the pipeline builds one (``tests.factories.performance_summary``:
   the money engine and the snapshot over a full year of 12 months, 7 service categories, 2 cohorts).
3. ``--builds`` reports (default 5): each a ``PerformanceReport`` row in "requested" and then
   ``reports.report_build`` — what the Celery task runs: claim the row, build the PDF (ReportLab, three
   charts, every table), store the file, record status and seconds. The XLSX and CSV builds are timed
   once each for comparison.

Target: a PDF report in at most 3 s. Prints one summary line on stdout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lead_portal.settings.test")

TARGET_SECONDS = 3.0


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--builds", type=int, default=5, help="PDF reports to build (default 5)")
    args = parser.parse_args()

    import django
    from django.conf import settings

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    media = Path(tempfile.mkdtemp(prefix="bench-report-media-"))
    settings.MEDIA_ROOT = str(media)
    setup_test_environment()
    say("Creating a temporary database")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from apps.performance import reports
        from apps.performance.models import PerformanceReport
        from tests.factories import ACOFactory, performance_summary

        summary = performance_summary(ACOFactory.create())
        aco = summary.aco

        def build(fmt: str) -> tuple[float, PerformanceReport]:
            row = PerformanceReport.objects.create(
                summary=summary, aco=aco, performance_year=summary.performance_year, format=fmt
            )
            started = time.perf_counter()
            report = reports.report_build(report_id=row.pk)
            seconds = time.perf_counter() - started
            assert report is not None and report.status == "ready", report and report.message
            return seconds, report

        build("pdf")  # warm-up: imports ReportLab and its fonts once, as a long-lived worker has
        times = []
        last = None
        for _ in range(args.builds):
            seconds, last = build("pdf")
            times.append(seconds)
        assert last is not None
        content = last.file.open("rb").read()
        pages = content.count(b"/Type /Page\n") or content.count(b"/Type /Page ")
        xlsx_s, _ = build("xlsx")
        csv_s, _ = build("csv")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        shutil.rmtree(media, ignore_errors=True)

    median = statistics.median(times)
    verdict = "within" if max(times) <= TARGET_SECONDS else "OVER"
    print(
        f"report_pdf {aco.aco_id} PY{summary.performance_year} (pipeline run {summary.run_id}): PDF built and stored "
        f"in {median:.2f} s median (min {min(times):.2f}, max {max(times):.2f} over {len(times)} builds; "
        f"{len(content) / 1024:.0f} KB, {pages} pages, 3 charts), {verdict} the {TARGET_SECONDS:.0f} s target; "
        f"XLSX {xlsx_s:.2f} s, CSV {csv_s:.3f} s; database {connection.vendor}"
    )


if __name__ == "__main__":
    main()
