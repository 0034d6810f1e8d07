"""``manage.py export_risk_scores --performance-year PY --out FILE`` (docs/risk.md, "Export").

The beneficiaries are those aligned in the PY's latest successful alignment run. Alignment sits above
risk in the apps' order, so this command does not import it: it finds the alignment tables through the
app registry at run time and reads the aligned MBIs with one SQL statement."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from apps.risk import selectors
from apps.risk.models import RiskScore
from lead_portal.exports import csv_writer

COLUMNS = ["mbi", "score_year", "model", "segment", "hccs", "raw_score", "normalized_score", "diagnoses"]


def aligned_mbis(performance_year: int) -> tuple[int, list[str]] | None:
    """(alignment run id, its aligned MBIs in order) of the PY's latest successful alignment run, as
    alignment's own ``latest_run`` picks it (latest finished, then highest id); None when there is none."""
    run_table = apps.get_model("alignment", "AlignmentRun")._meta.db_table
    aligned_table = apps.get_model("alignment", "AlignedBeneficiary")._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {run_table} WHERE performance_year = %s AND status = %s "  # noqa: S608 (table names from the registry)
            "ORDER BY finished_at DESC, id DESC",
            [performance_year, "succeeded"],
        )
        found = cursor.fetchone()
        if found is None:
            return None
        cursor.execute(f"SELECT DISTINCT mbi FROM {aligned_table} WHERE run_id = %s ORDER BY mbi", [found[0]])  # noqa: S608
        return int(found[0]), [row[0] for row in cursor.fetchall()]


class Command(BaseCommand):
    help = (
        "Write the risk scores of every beneficiary aligned for the PY, for each score year: CSV "
        "mbi,score_year,model,segment,hccs,raw_score,normalized_score,diagnoses"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--performance-year", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: object, **options: object) -> None:
        py = int(str(options["performance_year"]))
        run = selectors.latest_run(performance_year=py)
        if run is None:
            raise CommandError(f"No risk scores have been computed for PY{py}: run manage.py run_pipeline first.")
        aligned = aligned_mbis(py)
        if aligned is None:
            raise CommandError(f"No alignment has been computed for PY{py}: run manage.py run_pipeline first.")
        alignment_run, mbis = aligned
        wanted = set(mbis)
        rows = (
            RiskScore.objects.filter(run=run)
            .order_by("mbi", "score_year")
            .values_list("mbi", "score_year", "model", "segment", "hccs", "raw_score", "normalized_score", "diagnoses")
        )
        out = Path(str(options["out"]))
        count = 0
        people: set[str] = set()
        with open(out, "w", newline="") as fh:
            writer = csv_writer(fh)
            writer.writerow(COLUMNS)
            for mbi, year, model, segment, hccs, raw, normalized, diagnoses in rows.iterator(chunk_size=20_000):
                if mbi not in wanted:
                    continue
                writer.writerow([mbi, year, model, segment, hccs, f"{raw:.3f}", f"{normalized:.3f}", diagnoses])
                count += 1
                people.add(mbi)
        self.stdout.write(
            f"Wrote {count:,} scores of {len(people):,} aligned beneficiaries (risk run {run.pk}, alignment run "
            f"{alignment_run}) to {out}"
        )
