"""``manage.py generate_cclf``: write a realistic, deterministic synthetic dataset bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.claims.generator import CONVENTIONS, Options, default_workers, generate

EPILOG = (
    "The bundle: a CCLF package (CCLF0 and the eleven data files CCLF1-CCLF9, CCLFA, CCLFB, with "
    "CMS file names), acos.csv, participants.csv, preferred_providers.csv, voluntary_alignments.csv "
    "and quality_submissions.csv (docs/bundles.md). The same seed gives the same bytes, whatever --workers. "
    "--with-errors appends two malformed records at the end of CCLF5 (CCLF0 counts them): the "
    "second-to-last line is one character too long (389 instead of 388) and the last has "
    "CLM_LINE_FROM_DT = PY-02-30; every other line is exactly what the run without the option "
    "writes. --runout also writes a run-out package (ZC<n>R<yy>, produced 2 April PY+1) repeating "
    "late-PY claims of the first: identical records, adjustments and cancellations with later "
    "effective dates, with their CCLFA/CCLFB rows. " + " ".join(CONVENTIONS.split())
)


class Command(BaseCommand):
    help = "Write a synthetic CCLF dataset bundle (CCLF package, ACOs, lists, voluntary alignments, quality files)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = EPILOG
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="Folder to write the bundle into (created).")
        parser.add_argument("--beneficiaries", required=True, type=int, help="Number of beneficiaries.")
        parser.add_argument("--acos", required=True, type=int, help="Number of ACOs (ids L0001...).")
        parser.add_argument("--seed", required=True, type=int, help="Random seed: the same seed gives the same bytes.")
        parser.add_argument("--performance-year", required=True, type=int, help="Performance year, e.g. 2027.")
        parser.add_argument(
            "--with-errors",
            action="store_true",
            help="Append two malformed CCLF5 records (one a character too long, one with the date PY-02-30).",
        )
        parser.add_argument(
            "--runout", action="store_true", help="Also write a run-out package that repeats and revises claims."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Worker processes (default: up to 2); the output does not depend on it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["beneficiaries"] < 1:
            raise CommandError("--beneficiaries must be at least 1")
        if options["acos"] < 1:
            raise CommandError("--acos must be at least 1")
        if not 2000 <= options["performance_year"] <= 2100:
            raise CommandError("--performance-year must be a year such as 2027")
        if options["seed"] < 0:
            raise CommandError("--seed must not be negative")
        summary = generate(
            Options(
                out=options["out"],
                beneficiaries=options["beneficiaries"],
                acos=options["acos"],
                seed=options["seed"],
                performance_year=options["performance_year"],
                with_errors=options["with_errors"],
                runout=options["runout"],
                workers=max(1, options["workers"]),
            ),
            progress=self._progress if options["verbosity"] >= 2 else None,
        )
        counts = ", ".join(f"{f} {n}" for f, n in sorted(summary.counts.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {len(summary.files)} files to {options['out']} in {summary.seconds:.1f} s: {counts}"
                + (f"; run-out {sum(summary.runout_counts.values())} records" if summary.runout_counts else "")
            )
        )

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"chunk {done}/{total}")
