"""``manage.py export_episodes --performance-year PY --out FILE`` (docs/cara.md, "Export"): every episode
of a beneficiary aligned in the PY, from the PY's latest successful episode run."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.cara import selectors
from apps.cara.models import Episode, EpisodeDefinition
from lead_portal.exports import csv_writer

COLUMNS = [
    "episode_id", "mbi", "episode_type", "definition", "trigger_claim", "start_date", "end_date", "attributed_npi",
    "cost_cents",
]  # fmt: skip


def definition_label(design: str, pk: int) -> str:
    """``default`` for CMS's definition of the type, ``flexible-<id>`` for an ACO's variant."""
    return "default" if design == EpisodeDefinition.Design.DEFAULT else f"flexible-{pk}"


class Command(BaseCommand):
    help = (
        "Write every episode of the beneficiaries aligned for the PY: CSV "
        "episode_id,mbi,episode_type,definition,trigger_claim,start_date,end_date,attributed_npi,cost_cents"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--performance-year", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: object, **options: object) -> None:
        py = int(str(options["performance_year"]))
        run = selectors.latest_run(performance_year=py)
        if run is None:
            raise CommandError(f"No episodes have been computed for PY{py}: run manage.py run_pipeline first.")
        rows = (
            Episode.objects.filter(run=run, aco__isnull=False)
            .order_by("mbi", "start_date", "pk")
            .values_list(
                "pk", "mbi", "definition__code", "definition__design", "definition_id", "trigger_claim_id",
                "start_date", "end_date", "attributed_npi", "index_cents", "readmission_cents", "post_acute_cents",
                "professional_cents", "other_cents",
            )
        )  # fmt: skip
        out = Path(str(options["out"]))
        count = 0
        with open(out, "w", newline="") as fh:
            writer = csv_writer(fh)
            writer.writerow(COLUMNS)
            for pk, mbi, code, design, definition, claim, start, end, npi, *parts in rows.iterator(chunk_size=20_000):
                writer.writerow(
                    [pk, mbi, code, definition_label(design, definition), claim, start.isoformat(), end.isoformat(),
                     npi, sum(parts)]
                )  # fmt: skip
                count += 1
        self.stdout.write(f"Wrote {count:,} episodes of aligned beneficiaries (episode run {run.pk}) to {out}")
