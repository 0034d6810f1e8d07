import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.management.guards import require_debug
from apps.acos import selectors, services


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = (
        "Show the demo's date (the date the portal acts as if it were today, set by manage.py demo), "
        "set another, or go back to the real date. PORTAL_TODAY, when set, wins over it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--set", metavar="YYYY-MM-DD", help="Make this date the portal's today.")
        group.add_argument("--clear", action="store_true", help="Back to the real date.")
        parser.add_argument("--performance-year", type=int, help="With --set: the performance year pages open on.")

    def handle(self, *args: object, **options: object) -> None:
        if options["set"] or options["clear"]:
            require_debug("demo_clock", "it moves the date every deadline and date rule of the portal follows")
        if options["clear"]:
            services.demo_clock_clear()
        elif options["set"]:
            year = options.get("performance_year")
            services.demo_clock_set(
                today=_date(str(options["set"])),
                performance_year=int(str(year)) if year is not None else None,
                reason="set with manage.py demo_clock",
            )
        clock = selectors.demo_clock()
        today = selectors.portal_today().isoformat()
        if clock is not None:
            opens = f"; pages open on PY{clock.performance_year}" if clock.performance_year else ""
            self.stdout.write(f"Demo: as of {today} ({clock.reason or 'no reason given'}){opens}.")
        elif settings.PORTAL_TODAY:
            self.stdout.write(f"PORTAL_TODAY is set and wins over any demo date: the portal runs as of {today}.")
        else:
            self.stdout.write(f"No demo date: the portal runs on the real date ({today}).")
