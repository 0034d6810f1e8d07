import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.acos.models import ACO
from apps.performance import services
from apps.performance.models import PerformanceSummary, PipelineRun


def _rate(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else "n/a"


def _money(value: object) -> str:
    return f"${value:,.0f}" if isinstance(value, int | float) else "n/a"


class Command(BaseCommand):
    help = (
        "Compute everything for a performance year over the claims loaded so far, as one pipeline run: "
        "alignment (claims-based and voluntary, cohorts and High Needs) across all ACOs, the quality measures "
        "on it, the money inputs, and a performance summary per ACO with its settlement estimate. The steps run "
        "here, in this process (--queue hands the run to the Celery workers instead and returns). --aco limits "
        "the summary printed, not the computation (alignment is a competition between all ACOs and every "
        "other provider; ACR is risk-standardized portal-wide). --as-of runs the mid-year (Hybrid) additions as "
        "of a date in the performance year, and counts claims through it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--performance-year", type=int, required=True)
        parser.add_argument("--aco", help="LEAD ACO id to summarise")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="YYYY-MM-DD: a mid-year run's date")
        parser.add_argument("--queue", action="store_true", help="Queue the run for the workers and return")

    def handle(self, *args: object, **options: object) -> None:
        aco_id = options.get("aco")
        if aco_id and not ACO.objects.filter(aco_id=aco_id).exists():
            raise CommandError(f"No ACO {aco_id}")
        py = int(str(options["performance_year"]))
        as_of_option = options.get("as_of")
        as_of = as_of_option if isinstance(as_of_option, dt.date) else None
        try:
            if options.get("queue"):
                run = services.pipeline_run_request(
                    performance_year=py, as_of=as_of, trigger=PipelineRun.Trigger.COMMAND
                )
                self.stdout.write(f"Pipeline run {run.pk} (PY{py}) queued for the workers.")
                return
            run = services.pipeline_run_create(performance_year=py, as_of=as_of)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        run = services.pipeline_run_execute(run_id=run.pk)
        if run.status != PipelineRun.Status.SUCCEEDED:
            for step in run.steps.all():
                self.stderr.write(f"  {step.get_name_display()}: {step.get_status_display()} {step.message}")
            raise CommandError(f"Pipeline run {run.pk} failed: {run.message}")
        self._alignment(run, aco_id)
        self._quality(run, aco_id)
        steps = {step.name: step for step in run.steps.all()}
        money = steps["money"]
        self.stdout.write(f"Money (estimates): {money.message} [{money.seconds or 0:.1f} s]")
        for summary in PerformanceSummary.objects.filter(run=run).select_related("aco").order_by("aco__aco_id"):
            if aco_id and summary.aco.aco_id != aco_id:
                continue
            s = summary.data["settlement"]
            self.stdout.write(
                f"  {summary.aco.aco_id}: {s['member_months']:,} member-months, PBPM {_money(s['pbpm'])} vs benchmark "
                f"{_money(s['benchmark_pbpm'])}, estimated settlement {_money(s['estimated_settlement'])}, "
                f"withheld for capitation {_money((s.get('capitation_reduction') or {}).get('amount'))}"
            )
        timings = ", ".join(f"{step.name} {step.seconds or 0:.1f} s" for step in steps.values())
        self.stdout.write(f"Pipeline run {run.pk} (PY{py}): {run.message} [{timings}]")

    def _alignment(self, run: PipelineRun, aco_id: object) -> None:
        align = run.alignment_run
        if align is None:
            return
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in align.timings.items())
        self.stdout.write(
            f"Alignment run {align.pk} (PY{align.performance_year}, {align.kind_label}): {align.message} [{timings}]"
        )
        for aco, counts in sorted(align.counts.get("acos", {}).items()):
            if not aco_id or aco == aco_id:
                self.stdout.write(
                    f"  {aco}: {counts['claims']:,} by claims, {counts['voluntary']:,} voluntary, "
                    f"{counts.get('high_needs', 0):,} High Needs"
                    + (f", {counts['added_midyear']:,} added mid-year" if counts.get("added_midyear") else "")
                )

    def _quality(self, run: PipelineRun, aco_id: object) -> None:
        q_run = run.quality_run
        if q_run is None:
            return
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in q_run.timings.items())
        self.stdout.write(
            f"Quality run {q_run.pk} (PY{q_run.performance_year}, alignment run {q_run.alignment_run_id}): "
            f"{q_run.message} [{timings}]"
        )
        for aco, summary in sorted(q_run.counts.get("acos", {}).items()):
            if not aco_id or aco == aco_id:
                rates = " ".join(f"{m}={_rate(v)}" for m, v in summary["rates"].items())
                self.stdout.write(f"  {aco}: TQS {summary['tqs']:.1f} ({summary['scored']} scored) {rates}")
