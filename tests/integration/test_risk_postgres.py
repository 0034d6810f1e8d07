"""The risk engine's inputs on PostgreSQL: the package of tests/risk/world.py loaded through the COPY
path (numpy cuts each Part B fact's diagnosis codes) and read with PostgreSQL's SQL (codes split with
``unnest``, bound arrays, the fixed-width records) gives exactly the hand-worked diagnoses of
tests/risk/test_inputs.py, and the facts agree with their wide rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from tests.claims.facts_check import assert_facts_match_wide_rows
from tests.risk import test_inputs as on_sqlite
from tests.risk.world import load_world

pytestmark = pytest.mark.integration


@pytest.mark.django_db
def test_diagnoses_of_netted_eligible_services_on_postgresql(tmp_path: Path) -> None:
    assert connection.vendor == "postgresql"
    load_world(tmp_path / "package")
    assert_facts_match_wide_rows()
    on_sqlite.test_only_diagnoses_of_netted_eligible_services_are_read(None)
