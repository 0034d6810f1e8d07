"""Fuzz the API for longer than CI does: schemathesis against the OpenAPI schema with an ACO
administrator's token, in this process, on a world of two ACOs with data in every area.

    .venv/bin/python scripts/fuzz_api.py [--examples N] [--seconds S] [--seed N] [--details]

The same harness as the CI test (tests/fuzz/harness.py, which says what is generated and counted), with
more cases: ``--examples`` per operation, generation mode (valid and invalid values) and path flavour
(the ACO's own rows, and generated values); the default 50 makes about 20,000 requests (some twenty
minutes on two cores). The world (tests/leaks/world.py) is built in a scratch SQLite database of its own,
removed at the end; Celery runs eagerly and nothing outside this process is touched.

Prints one summary line on stdout: requests, operations, 5xx, schema mismatches, time. ``--details``
(stderr) lists every 5xx with its request, and the mismatches by operation and check. Exit status 1 if
any answer was a 5xx.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=50, help="cases per operation, mode and path flavour")
    parser.add_argument("--seconds", type=float, default=3600, help="stop starting operations after this long")
    parser.add_argument("--details", action="store_true", help="list the 5xx and the mismatches on stderr")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="lead-fuzz-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'fuzz.sqlite3'}"
    os.environ["REDIS_URL"] = ""  # eager Celery, an in-process cache: nothing outside this process
    os.environ["DJANGO_SETTINGS_MODULE"] = "lead_portal.settings.test"
    sys.path.insert(0, str(ROOT))
    try:
        return _run(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(args: argparse.Namespace, scratch: Path) -> int:
    import io
    import logging

    import django

    django.setup()
    logging.disable(logging.CRITICAL)  # a 4xx per case would fill the terminal; 5xx are counted here
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment
    from drf_spectacular.generators import SchemaGenerator

    from tests.factories import PASSWORD
    from tests.fuzz.harness import fuzz, own_path_values
    from tests.leaks.world import TODAY, build

    setup_test_environment()  # the test client's host, e-mail kept in memory
    say = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    with override_settings(PORTAL_TODAY=TODAY):
        say(f"Migrating a scratch database in {scratch} ...")
        call_command("migrate", verbosity=0, stdout=io.StringIO())
        say("Building the world (two ACOs, data in every area) ...")
        world = build(scratch / "bundle")
        response = Client().post("/api/auth/token/", {"username": world.a.admin.username, "password": PASSWORD})
        if response.status_code != 200:
            say(f"Could not get an API token: {response.status_code} {response.content[:200]!r}")
            return 2
        token = response.json()["token"]

        say(f"Fuzzing as {world.a.admin.username} ({world.a.aco.aco_id}), {args.examples} examples each ...")
        report = fuzz(
            app=WSGIHandler(),
            schema_document=SchemaGenerator().get_schema(request=None, public=True),
            headers={"Authorization": f"Token {token}"},
            path_values=own_path_values(world.a.aco),
            examples=args.examples,
            time_budget=args.seconds,
            progress=say if args.details else None,
        )
    if args.details:
        say(report.details(limit=200))
    print(report.line())
    return 1 if report.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
