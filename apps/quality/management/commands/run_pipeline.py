import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.acos.models import ACO
from apps.alignment import services
from apps.quality import pipeline as quality


def _rate(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else "n/a"


class Command(BaseCommand):
    help = (
        "Compute everything for a performance year over the claims loaded so far. Today: alignment "
        "(claims-based and voluntary, cohorts and High Needs) across all ACOs, then the quality measures on "
        "that alignment (ACR, UAMCC, DAH, TFU from claims; CAHPS and eCQMs from the submissions), scored, with "
        "care gaps. --aco limits the summary printed, not the computation (alignment is a competition between "
        "all ACOs and every other provider; ACR is risk-standardized portal-wide). --as-of runs the mid-year "
        "(Hybrid) additions as of a date in the performance year, and the quality measures on claims through it."
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
        as_of_option = options.get("as_of")
        as_of = as_of_option if isinstance(as_of_option, dt.date) else None
        try:
            created = services.alignment_run_create(performance_year=py, as_of=as_of)
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

        # Quality on the beneficiaries of this very alignment run (the alignment's as-of date, if any, is
        # also the last day of claims the quality run counts).
        q_run = quality.quality_run_execute(
            run_id=quality.quality_run_create(performance_year=py, alignment_run=run, as_of=run.as_of).pk
        )
        if q_run.status != q_run.Status.SUCCEEDED:
            raise CommandError(f"Quality run {q_run.pk} failed: {q_run.message}")
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in q_run.timings.items())
        self.stdout.write(f"Quality run {q_run.pk} (PY{py}, alignment run {run.pk}): {q_run.message} [{timings}]")
        for aco, summary in sorted(q_run.counts.get("acos", {}).items()):
            if not aco_id or aco == aco_id:
                rates = " ".join(f"{m}={_rate(v)}" for m, v in summary["rates"].items())
                self.stdout.write(f"  {aco}: TQS {summary['tqs']:.1f} ({summary['scored']} scored) {rates}")
