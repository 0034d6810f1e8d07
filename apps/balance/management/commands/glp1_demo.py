from django.core.management.base import BaseCommand

from apps.accounts.management.guards import require_debug
from apps.balance.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the GLP-1 demo: outreach on L0001's GLP-1 worklist and lifestyle programmes with sessions for some "
        "of its beneficiaries treated under the Bridge, on the latest PY2027 GLP-1 run. Safe to run again; needs "
        "the demo accounts and claims (manage.py demo)."
    )

    def handle(self, *args: object, **options: object) -> None:
        require_debug("glp1_demo", "it writes demo records as the demo administrator")
        for note in demo_load().notes:
            self.stdout.write(note)
