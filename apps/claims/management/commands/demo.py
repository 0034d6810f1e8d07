import base64
import binascii
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.management.guards import require_debug
from apps.acos.demo import DEMO_PASSWORD_DEFAULT, demo_load
from apps.claims.models import IngestRun


class Command(BaseCommand):
    help = (
        "The demo: generate a small synthetic dataset bundle (two ACOs, their lists and claims), load "
        "it, then create the demo accounts and print them. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password", help=f"Password for new demo accounts (default {DEMO_PASSWORD_DEFAULT!r} or $DEMO_PASSWORD)"
        )
        parser.add_argument("--beneficiaries", type=int, default=1000, help="Size of the generated bundle.")
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
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("LEAD Portal demo is ready at http://127.0.0.1:8000"))
        out.write(f"Every demo account's password: {password}")
        out.write(f"{'user name':<18} {'role':<26} ACOs")
        for a in accounts:
            out.write(f"{a.username:<18} {a.role:<26} {a.acos}")
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
        # Computed by name: the pipeline lives in apps above this one.
        call_command("run_pipeline", performance_year=2027, stdout=self.stdout)
