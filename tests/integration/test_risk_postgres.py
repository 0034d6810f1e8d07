"""The risk engine's inputs on PostgreSQL: the package of tests/risk/world.py loaded through the COPY
path (numpy cuts each Part B fact's diagnosis codes) and read with PostgreSQL's SQL (codes split with
``unnest``, bound arrays, the fixed-width records) gives exactly the hand-worked diagnoses of
tests/risk/test_inputs.py, and the facts agree with their wide rows. Outside a transaction the reads run
at once on connections of their own and the run writes from its writer thread: the same answers, and a
run that fails late keeps nothing. The facts' BRIN index on source is on every partition, summarised."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection, transaction

from apps.claims import loader
from apps.risk import engine, inputs, services
from apps.risk.models import RiskHCC, RiskRun, RiskScore
from apps.risk.parameters import DEFAULT_PARAMETERS
from tests.claims.facts_check import assert_facts_match_wide_rows
from tests.risk import test_inputs as on_sqlite
from tests.risk import test_services as on_services
from tests.risk.world import load_world

pytestmark = pytest.mark.integration


@pytest.mark.django_db
def test_diagnoses_of_netted_eligible_services_on_postgresql(tmp_path: Path) -> None:
    assert connection.vendor == "postgresql"
    load_world(tmp_path / "package")
    assert_facts_match_wide_rows()
    on_sqlite.test_only_diagnoses_of_netted_eligible_services_are_read(None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_three_reads_run_at_once_and_read_the_same(tmp_path: Path) -> None:
    load_world(tmp_path / "package")
    reads = inputs.DiagnosisReads([2024, 2025], DEFAULT_PARAMETERS)
    # Part A, and Part B split by service year (2024; 2025), each on a connection of its own.
    assert [read.concurrent for read in reads._reads] == [True, True, True]
    by_year = reads.result()
    assert {year: on_sqlite.table(d) for year, d in by_year.items()} == {
        year: on_sqlite.table(d) for year, d in _read_one_after_another([2024, 2025]).items()
    }
    on_sqlite.test_only_diagnoses_of_netted_eligible_services_are_read(None)  # the hand-worked rows


def _read_one_after_another(years: list[int]) -> dict[int, engine.Diagnoses]:
    with transaction.atomic():  # inside a transaction the reads run here, in turn
        reads = inputs.DiagnosisReads(years, DEFAULT_PARAMETERS)
        assert not any(read.concurrent for read in reads._reads)
        return reads.result()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_run_writes_from_its_writer_thread_and_keeps_nothing_when_it_fails_late(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_world(tmp_path / "package")
    on_services.test_the_stored_2026_score_is_the_librarys_for_the_2025_diagnoses(None)
    assert RiskScore.objects.count() == 8  # two beneficiaries, four score years

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the gaps could not be found")

    # Every score year's rows were handed to the writer before the gaps failed: none is kept.
    monkeypatch.setattr(services, "_open_gaps", broken)
    run = services.risk_run_compute(performance_year=on_services.PY)
    assert (run.status, run.message) == (RiskRun.Status.FAILED, "RuntimeError: the gaps could not be found")
    assert not RiskScore.objects.filter(run=run).exists() and not RiskHCC.objects.filter(run=run).exists()


@pytest.mark.django_db
def test_each_fact_partition_has_the_source_index_summarised_by_the_load(tmp_path: Path) -> None:
    load_world(tmp_path / "package")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.relname FROM pg_partition_tree('claims_claimfact') p "
            "JOIN pg_class c ON c.oid = p.relid "
            "LEFT JOIN pg_index x ON x.indrelid = c.oid "
            "LEFT JOIN pg_class i ON i.oid = x.indexrelid "
            "LEFT JOIN pg_am a ON a.oid = i.relam AND a.amname = 'brin' "
            "WHERE p.isleaf AND a.oid IS NOT NULL"
        )
        indexed = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM pg_partition_tree('claims_claimfact') WHERE isleaf")
        (partitions,) = cursor.fetchone()
        # Nothing left to summarise: the load did it.
        cursor.execute(
            "SELECT sum(brin_summarize_new_values(p.relid)) FROM pg_partition_tree(%s) p WHERE p.isleaf",
            [loader.SOURCE_INDEX],
        )
        (left,) = cursor.fetchone()
    assert partitions > 0 and len(indexed) == partitions
    assert left == 0
