import base64
import binascii
import datetime as dt
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.accounts.management.guards import require_debug
from apps.acos.demo import DEMO_PASSWORD_DEFAULT, demo_load
from apps.acos.selectors import demo_clock, portal_today
from apps.acos.services import demo_clock_set
from apps.claims.models import CCLFFile, IngestRun

# Enough people that each demo ACO meets the newly entering alignment minimums (1,000 aligned, 600
# by claims; about 1,700 and 2,000 are aligned) and that a year's spending of an ACO's beneficiaries
# is steady enough to show its performance rather than chance; about two minutes to build.
DEMO_BENEFICIARIES = 10_000


class Command(BaseCommand):
    help = (
        "The demo: generate a small synthetic dataset bundle (two ACOs, their lists and claims), load "
        "it, set the portal's date to the day after its last claims package, compute it, then create the "
        "demo accounts and print them. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password", help=f"Password for new demo accounts (default {DEMO_PASSWORD_DEFAULT!r} or $DEMO_PASSWORD)"
        )
        parser.add_argument(
            "--beneficiaries", type=int, default=DEMO_BENEFICIARIES, help="Size of the generated bundle."
        )
        parser.add_argument("--no-claims", action="store_true", help="Accounts, ACOs and lists only.")

    def handle(self, *args: object, **options: object) -> None:
        require_debug(
            "demo", "it creates accounts with the published demo password and prints their second-factor keys"
        )
        if not options["no_claims"]:
            self._claims(int(str(options["beneficiaries"])))
        password = str(options.get("password") or os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT))
        accounts = demo_load(password=password)
        # By name, like the pipeline: Medicaid integration lives in an app above this one. Its demo
        # needs the accounts (the CMS admin, the L0001 administrator) and the dual run.
        call_command("medicaid_demo", stdout=self.stdout)
        call_command("benefits_demo", stdout=self.stdout)
        call_command("care_gaps_demo", stdout=self.stdout)  # needs the accounts and the quality run
        call_command("cara_demo", stdout=self.stdout)  # needs the accounts and the episode run
        call_command("glp1_demo", stdout=self.stdout)  # needs the accounts and the GLP-1 run
        call_command("planning_demo", stdout=self.stdout)  # needs the accounts and the alignment run
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("LEAD Portal demo is ready at http://127.0.0.1:8000"))
        clock = demo_clock()
        if clock is not None:
            out.write(
                f"Demo: as of {clock.today.isoformat()}, {clock.reason}: the portal acts as if today were that date."
            )
        out.write(f"Every demo account's password: {password}")
        out.write(f"{'user name':<18} {'role':<26} ACOs")
        for a in accounts:
            out.write(f"{a.username:<18} {a.role:<26} {a.acos}")
        out.write(f"{'provider.user':<18} {'Preferred Provider user':<26} its EBRAs with L0001 (CARA)")
        for a in accounts:
            if a.totp_key_hex:
                secret = base64.b32encode(binascii.unhexlify(a.totp_key_hex)).decode()
                out.write(
                    f"{a.username}: second factor key {secret} (add it to an authenticator app, "
                    f"or run `manage.py totp_code {a.username}` in this demo)"
                )
        out.write("")

    def _claims(self, beneficiaries: int) -> None:
        if IngestRun.objects.filter(status=IngestRun.Status.SUCCEEDED).exists():
            self.stdout.write("Demo claims are already loaded.")
            self._clock()
            return
        folder = Path(settings.BASE_DIR) / "var" / "demo-bundle"
        shutil.rmtree(folder, ignore_errors=True)
        call_command(
            "generate_cclf",
            out=str(folder),
            beneficiaries=beneficiaries,
            acos=2,
            seed=2027,
            performance_year=2027,
            runout=True,
            stdout=self.stdout,
        )
        try:
            call_command("load_dataset", str(folder), no_pipeline=True, stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            raise CommandError(f"The demo bundle did not load: {exc}") from exc
        # The clock first: the pipeline's date rules (the rural add-on's actual months) read it.
        self._clock()
        # Computed by name: the pipeline lives in apps above this one.
        call_command("run_pipeline", performance_year=2027, stdout=self.stdout)

    def _clock(self) -> None:
        """The demo is one moment: the day after the last claims package loaded (for the generated
        bundle, the day after PY2027's run-out package of April 2, 2028), with pages opening on that
        package's performance year. Persisted, so the server started after this command agrees."""
        latest = CCLFFile.objects.filter(run__status=IngestRun.Status.SUCCEEDED).order_by("-produced_at", "-pk").first()
        if latest is None:
            return
        produced = timezone.localdate(latest.produced_at)
        kind = "run-out" if latest.runout else "monthly"
        clock = demo_clock_set(
            today=produced + dt.timedelta(days=1),
            performance_year=latest.performance_year,
            reason=f"the day after the PY{latest.performance_year} {kind} claims package of {produced.isoformat()}",
        )
        self.stdout.write(f"The portal's date is now {clock.today.isoformat()}: {clock.reason}.")
        if portal_today() != clock.today:
            self.stdout.write(f"PORTAL_TODAY is set and wins: the portal runs as of {portal_today().isoformat()}.")
