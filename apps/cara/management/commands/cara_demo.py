import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from apps.accounts.management.guards import require_debug
from apps.acos.demo import DEMO_PASSWORD_DEFAULT
from apps.cara.demo import PY, demo_load


class Command(BaseCommand):
    help = (
        "Load the CARA demo: PY2027 episodes count for payment from Jan 1, 2027; L0001 has an active EBRA with "
        "its busiest Preferred Provider (reconciled each quarter), an offer waiting for the Preferred Provider "
        "user provider.user, and an EBRA waiting for CMS; then the pipeline runs again so the money pages carry "
        "the CARA line. Safe to run again; needs the demo accounts and claims (manage.py demo)."
    )

    def handle(self, *args: object, **options: object) -> None:
        require_debug("cara_demo", "it creates Preferred Provider accounts with the published demo password")
        outcome = demo_load(password=os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT))
        for note in outcome.notes:
            self.stdout.write(note)
        if outcome.arrangements:
            # By name: the pipeline lives in the app above this one.
            call_command("run_pipeline", performance_year=PY, stdout=self.stdout)
