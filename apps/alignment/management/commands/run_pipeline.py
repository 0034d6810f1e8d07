import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.acos.models import ACO
from apps.alignment import services


class Command(BaseCommand):
    help = (
        "Compute everything for a performance year over the claims loaded so far. Today: alignment "
        "(claims-based and voluntary, cohorts and High Needs) across all ACOs. --aco limits the summary printed, "
        "not the computation (alignment is a competition between all ACOs and every other provider). "
        "--as-of runs the mid-year (Hybrid) additions as of a date in the performance year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--performance-year", type=int, required=True)
        parser.add_argument("--aco", help="LEAD ACO id to summarise")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="YYYY-MM-DD: a mid-year run's date")

    def handle(self, *args: object, **options: object) -> None:
        aco_id = options.get("aco")
        if aco_id and not ACO.objects.filter(aco_id=aco_id).exists():
            raise CommandError(f"No ACO {aco_id}")
        py = int(str(options["performance_year"]))
        as_of = options.get("as_of")
        try:
            created = services.alignment_run_create(
                performance_year=py, as_of=as_of if isinstance(as_of, dt.date) else None
            )
        except Exception as exc:  # validation errors name the field
            raise CommandError(str(exc)) from exc
        run = services.alignment_run_execute(run_id=created.pk)
        if run.status != run.Status.SUCCEEDED:
            raise CommandError(f"Alignment run {run.pk} failed: {run.message}")
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in run.timings.items())
        self.stdout.write(f"Alignment run {run.pk} (PY{py}, {run.kind_label}): {run.message} [{timings}]")
        for aco, counts in sorted(run.counts.get("acos", {}).items()):
            if not aco_id or aco == aco_id:
                self.stdout.write(
                    f"  {aco}: {counts['claims']:,} by claims, {counts['voluntary']:,} voluntary, "
                    f"{counts.get('high_needs', 0):,} High Needs"
                    + (f", {counts['added_midyear']:,} added mid-year" if counts.get("added_midyear") else "")
                )
