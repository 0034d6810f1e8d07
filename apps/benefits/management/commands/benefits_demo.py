from django.core.management.base import BaseCommand, CommandError

from apps.accounts.management.guards import require_debug
from apps.benefits.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the BE/BEI demo: each generated demo ACO selects the Benefit Enhancements its claims carry "
        "(L0001: 3-day SNF rule waiver, telehealth, post-discharge home visits; L0002: telehealth, care "
        "management home visits), writes and submits a plan for each, and a CMS reviewer approves it; a few "
        "deliveries are logged. Safe to run again; needs the demo accounts (manage.py demo)."
    )

    def handle(self, *args: object, **options: object) -> None:
        require_debug(
            "benefits_demo",
            "it approves made-up BE/BEI implementation plans and logs made-up deliveries under the demo accounts",
        )
        try:
            counts = demo_load()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        plans = f"{counts.approved_plans} approved implementation plan{'' if counts.approved_plans == 1 else 's'}"
        self.stdout.write(f"BE/BEI demo: {plans}, {counts.deliveries} deliveries logged now.")
        for note in counts.notes:
            self.stdout.write(note)
