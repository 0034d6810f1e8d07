"""An alignment run in parts on the real stack: two worker processes (prefork, concurrency 2) on the
compute queue share the parts of one run on PostgreSQL, and what they store equals the run computed in
one piece in this process: every row, the run's figures and the High Needs history."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from apps.accounts.models import User
from apps.alignment import services
from apps.alignment.models import AlignedBeneficiary, AlignmentRun, AlignmentShard, HighNeedsHistory
from apps.claims.models import Beneficiary

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COLUMNS = [f.attname for f in AlignedBeneficiary._meta.concrete_fields if f.attname not in ("id", "run_id")]


def stored(run: AlignmentRun) -> set[tuple[str, ...]]:
    return {tuple(repr(v) for v in row) for row in AlignedBeneficiary.objects.filter(run=run).values_list(*COLUMNS)}


def history() -> set[tuple[str, str]]:
    return {(m, repr(c)) for m, c in HighNeedsHistory.objects.values_list("mbi", "criteria")}


def test_the_postgres_shard_function_splits_mbis_evenly() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lead_shard(m, 4), count(*) FROM (SELECT 'MBI' || lpad(g::text, 8, '0') AS m "
            "FROM generate_series(1, 40000) g) s GROUP BY 1 ORDER BY 1"
        )
        parts = dict(cursor.fetchall())
        cursor.execute("SELECT lead_shard('1EG4TE5MK73', 4) = lead_shard(' 1EG4TE5MK73  ', 4)")
        same = cursor.fetchone()[0]
    assert set(parts) == {0, 1, 2, 3} and all(9000 < n < 11000 for n in parts.values()), parts
    assert same


@pytest.mark.worker(pool="prefork", concurrency=2)
def test_two_workers_compute_a_run_in_parts_equal_to_one_piece(
    celery_worker: Any, cms_admin: User, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    call_command("generate_cclf", out=str(bundle), beneficiaries=600, acos=3, seed=5, performance_year=2027, workers=1)
    call_command("load_dataset", str(bundle))

    # The whole run in this process: its reads happen outside any transaction (so its progress shows at
    # once and the cohort claims are read on a second connection while the engine runs).
    in_transaction: list[bool] = []
    real_load = services.load_inputs

    def load(*args: Any, **kwargs: Any) -> Any:
        in_transaction.append(connection.in_atomic_block)
        return real_load(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "load_inputs", load)
        whole = services.alignment_run_execute(run_id=services.alignment_run_create(performance_year=2027).pk)
    assert whole.status == AlignmentRun.Status.SUCCEEDED, whole.message
    assert in_transaction == [False]
    expected, expected_history = stored(whole), history()
    assert len(expected) > 250 and expected_history
    HighNeedsHistory.objects.all().delete()  # the parted run as the first one too

    with transaction.atomic():
        run = services.alignment_run_request(performance_year=2027, acting_user=cms_admin, shards=4)
    deadline = time.monotonic() + 180
    while not AlignmentRun.objects.get(pk=run.pk).is_finished:
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.3)
    run.refresh_from_db()
    assert run.status == AlignmentRun.Status.SUCCEEDED, (run.message, celery_worker.log())
    assert stored(run) == expected
    assert history() == expected_history
    counts = dict(run.counts)
    assert counts.pop("parts") == 4 and counts == whole.counts
    parts = list(AlignmentShard.objects.filter(run=run))
    assert [p.status for p in parts] == [AlignmentShard.Status.SUCCEEDED] * 4
    assert sum(p.counts["beneficiaries"] for p in parts) == Beneficiary.objects.count()
    # Both worker processes took parts: the run's own task and the other process shared them.
    assert len({p.worker for p in parts}) == 2, [p.worker for p in parts]
