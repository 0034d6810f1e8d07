from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.alignment import selectors
from apps.alignment.models import AlignedBeneficiary
from lead_portal.exports import csv_writer

COLUMNS = ["mbi", "aco_id", "alignment_type", "step", "tin", "npi"]


class Command(BaseCommand):
    help = (
        "Write an ACO's aligned beneficiaries from the latest alignment run: CSV mbi,aco_id,alignment_type,step,tin,npi"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--aco", required=True)
        parser.add_argument("--performance-year", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: object, **options: object) -> None:
        py = int(str(options["performance_year"]))
        run = selectors.latest_run(performance_year=py)
        if run is None:
            raise CommandError(f"No alignment has been computed for PY{py}: run manage.py run_pipeline first.")
        rows = (
            AlignedBeneficiary.objects.filter(run=run, aco__aco_id=options["aco"])
            .order_by("mbi")
            .values_list("mbi", "aco__aco_id", "alignment_type", "step", "tin", "npi")
        )
        out = Path(str(options["out"]))
        with open(out, "w", newline="") as fh:
            writer = csv_writer(fh)
            writer.writerow(COLUMNS)
            count = 0
            for row in rows.iterator():
                writer.writerow(row)
                count += 1
        self.stdout.write(f"Wrote {count:,} beneficiaries aligned to {options['aco']} (run {run.pk}) to {out}")
