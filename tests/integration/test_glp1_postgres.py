"""The GLP-1 step on PostgreSQL (COPY-loaded facts, the evidence read by category against a hashed array, the
treated beneficiaries' windows as unnested arrays joined to the fact partitions, one pass over Part D): the
hand-worked world of tests/balance/test_step.py gives the same answers as on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from apps.acos.models import ACO
from tests.balance import test_step as on_sqlite

pytestmark = pytest.mark.integration


@pytest.mark.django_db
def test_the_glp1_step_on_postgresql(tmp_path: Path, aco: ACO, other_aco: ACO) -> None:
    assert connection.vendor == "postgresql"
    world = on_sqlite.load_world(tmp_path / "package", aco, other_aco)
    on_sqlite.test_the_step_over_loaded_claims(world, aco, other_aco)
