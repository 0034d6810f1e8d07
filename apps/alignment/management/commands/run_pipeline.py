from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.acos.models import ACO
from apps.alignment import services


class Command(BaseCommand):
    help = (
        "Compute everything for a performance year over the claims loaded so far. Today: alignment "
        "(claims-based and voluntary) across all ACOs. --aco limits the summary printed, not the computation "
        "(alignment is a competition between all ACOs and every other provider)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--performance-year", type=int, required=True)
        parser.add_argument("--aco", help="LEAD ACO id to summarise")

    def handle(self, *args: object, **options: object) -> None:
        aco_id = options.get("aco")
        if aco_id and not ACO.objects.filter(aco_id=aco_id).exists():
            raise CommandError(f"No ACO {aco_id}")
        py = int(str(options["performance_year"]))
        run = services.alignment_run_execute(run_id=services.alignment_run_create(performance_year=py).pk)
        if run.status != run.Status.SUCCEEDED:
            raise CommandError(f"Alignment run {run.pk} failed: {run.message}")
        self.stdout.write(f"Alignment run {run.pk} (PY{py}): {run.message}")
        for aco, counts in sorted(run.counts.get("acos", {}).items()):
            if not aco_id or aco == aco_id:
                self.stdout.write(f"  {aco}: {counts['claims']:,} by claims, {counts['voluntary']:,} voluntary")
