from django.core.management.base import BaseCommand

from apps.accounts.management.guards import require_debug
from apps.quality.demo import demo_load


class Command(BaseCommand):
    help = (
        "Work a few of each demo ACO's care gaps as its administrator would: one in progress with a note, "
        "one due this week, one closed with a reason. Safe to run again; needs the demo (manage.py demo)."
    )

    def handle(self, *args: object, **options: object) -> None:
        require_debug("care_gaps_demo", "it records made-up care-gap work under the demo accounts")
        lines = demo_load()
        self.stdout.write("Care-gap demo: " + ("; ".join(lines) if lines else "nothing to do."))
