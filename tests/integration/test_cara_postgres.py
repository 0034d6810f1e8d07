"""The episodes step on PostgreSQL (COPY-loaded facts, a temporary table of windows joined to the fact
partitions): the hand-worked world of tests/cara/world.py gives the same episodes as on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from tests.cara import test_episodes as on_sqlite
from tests.cara.world import load_world

pytestmark = pytest.mark.integration


@pytest.mark.django_db
def test_episodes_on_postgresql(tmp_path: Path) -> None:
    assert connection.vendor == "postgresql"
    world = load_world(tmp_path / "package")
    on_sqlite.test_triggers_windows_costs_and_attribution(world)
    on_sqlite.test_baselines_are_per_definition_and_base_year_over_closed_episodes(world)
