from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.claims.bundle import dataset_load
from apps.claims.selectors import ingest_run_lines


class Command(BaseCommand):
    help = (
        "Load a dataset bundle folder: acos.csv, participants.csv, preferred_providers.csv, "
        "voluntary_alignments.csv, quality_submissions.csv and the CCLF package(s)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--no-claims", action="store_true", help="Load the CSV files only.")
        parser.add_argument(
            "--no-pipeline",
            action="store_true",
            help="Do not start the performance pipeline after the claims load (run_pipeline does it later).",
        )

    def handle(self, *args: object, **options: object) -> None:
        folder = Path(str(options["folder"]))
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        outcome = dataset_load(folder=folder, with_claims=not options["no_claims"], announce=not options["no_pipeline"])
        for name, error in outcome.errors[:100]:
            where = name + (f" line {error.line}" if error.line else "")
            self.stderr.write(f"{where}: {error.field} {error.value!r} {error.reason}")
        if outcome.errors:
            raise CommandError(f"{len(outcome.errors)} problem(s) in the bundle; nothing was loaded.")
        self.stdout.write("Loaded " + ", ".join(f"{k}: {v:,}" for k, v in outcome.counts.items()) + ".")
        run = outcome.ingest_run
        if run is not None:
            for problem in run.errors.all()[:100]:
                where = problem.file_name + (f" line {problem.line}" if problem.line else "")
                self.stderr.write(f"{where}: {problem.field} {problem.value!r} {problem.reason}")
            if run.status == run.Status.FAILED:
                raise CommandError(f"Claims rejected (ingest run {run.pk}): {run.message}")
            self.stdout.write(f"Claims (ingest run {run.pk}): {run.message}")
            self.stdout.write("\n".join(ingest_run_lines(run=run)))
