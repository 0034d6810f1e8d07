from django.core.management.base import BaseCommand

from apps.accounts.management.guards import require_debug
from apps.planning.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the what-if planner demo: one scenario of L0001 for PY2027 in two versions, with their previews. "
        "Safe to run again; needs the demo accounts and an alignment run (manage.py demo)."
    )

    def handle(self, *args: object, **options: object) -> None:
        require_debug("planning_demo", "it writes a scenario as the demo administrator")
        for note in demo_load():
            self.stdout.write(note)
