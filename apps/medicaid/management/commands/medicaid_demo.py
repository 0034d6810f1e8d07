from django.core.management.base import BaseCommand, CommandError

from apps.accounts.management.guards import require_debug
from apps.medicaid.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the Medicaid integration demo: partner states (OH selected, MD and VA under consideration, WV "
        "and PA interested), planning milestones, Ohio's framework document, an approved L0001 arrangement and "
        "two opt-outs. Safe to run again; needs the demo accounts (manage.py demo) for its CMS admin."
    )

    def handle(self, *args: object, **options: object) -> None:
        require_debug(
            "medicaid_demo",
            "it loads made-up Medicaid partner states, arrangements and opt-outs under the demo accounts",
        )
        try:
            counts = demo_load()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

        def n(count: int, noun: str) -> str:
            return f"{count} {noun}{'' if count == 1 else 's'}"

        self.stdout.write(
            f"Medicaid demo: {n(counts.states, 'state')}, {n(counts.milestones, 'milestone')}, "
            f"{n(counts.documents, 'framework document')}, {n(counts.arrangements, 'partnership arrangement')}, "
            f"{n(counts.opt_outs, 'data-sharing opt-out')}."
        )
