from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.claims import services
from apps.claims.selectors import ingest_run_lines


class Command(BaseCommand):
    help = "Load a CCLF package (a folder or a zip; several packages load in file-date order). All or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--no-pipeline",
            action="store_true",
            help="Do not start the performance pipeline after the load (run_pipeline does it later).",
        )

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["path"]))
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        run = services.ingest_run_create(source=str(path), acting_user=None, queue=False)
        run = services.ingest_run_execute(run_id=run.pk, path=path, announce=not options["no_pipeline"])
        for error in run.errors.all()[:50]:
            where = f"{error.file_name}" + (f" line {error.line}" if error.line else "")
            self.stderr.write(f"{where}: {error.field} {error.value!r} {error.reason}")
        if run.error_count > 50:
            self.stderr.write(f"... and {run.error_count - 50:,} more (see ingest run {run.pk})")
        if run.status == run.Status.FAILED:
            raise CommandError(f"Ingest run {run.pk}: {run.message}")
        self.stdout.write(f"Ingest run {run.pk}: {run.message}")
        self.stdout.write("\n".join(ingest_run_lines(run=run)))
