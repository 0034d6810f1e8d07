"""API fuzzing in CI, bounded: schemathesis against the OpenAPI schema (tests/fuzz/harness.py) with
the token of ACO A's administrator, on the leak scanner's world (two ACOs with data in every area),
in this process. No answer may be a 5xx. Answers the schema does not describe are counted and shown
(``-s``), not failed on: the schema's responses are being completed in one central place.

The budget: ``FUZZ_EXAMPLES`` cases per operation, generation mode and path flavour (default 4: about
1,500 requests) within ``FUZZ_SECONDS`` (default 240). ``scripts/fuzz_api.py`` runs the same for longer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client

from tests.factories import PASSWORD
from tests.fuzz.harness import fuzz, own_path_values
from tests.leaks.world import LeakWorld, world_in_transaction

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
SECONDS = float(os.environ.get("FUZZ_SECONDS", "240"))


@pytest.fixture(scope="module")
def fuzz_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LeakWorld]:
    with django_db_blocker.unblock(), world_in_transaction(Path(tmp_path_factory.mktemp("fuzz-bundle"))) as world:
        yield world


def api_token(username: str, password: str = PASSWORD) -> str:
    """A token the way an API client gets one (``POST /api/auth/token/``)."""
    response = Client().post("/api/auth/token/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def schema_document() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    document: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return document


def test_no_generated_request_gets_a_server_error(fuzz_world: LeakWorld) -> None:
    report = fuzz(
        app=WSGIHandler(),
        schema_document=schema_document(),
        headers={"Authorization": f"Token {api_token(fuzz_world.a.admin.username)}"},
        path_values=own_path_values(fuzz_world.a.aco),
        examples=EXAMPLES,
        time_budget=SECONDS,
    )
    print(report.details())
    assert report.operations > 50 and report.requests > 5 * report.operations, report.line()
    assert not report.server_errors, report.details()
