"""An alignment run in parts by beneficiary (``AlignmentRun.shards``) stores exactly what the run in one
piece stores: the same rows, figures and High Needs history, whatever the number of parts. Here on
SQLite with eager Celery (the parts' tasks run as they are queued); tests/integration/test_shards_worker.py
has the same with live workers on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from apps.alignment import services
from apps.alignment.models import AlignedBeneficiary, AlignmentRun, AlignmentShard, HighNeedsHistory
from apps.claims.models import Beneficiary
from apps.claims.shards import Shard, sqlite_shard

pytestmark = pytest.mark.django_db

COLUMNS = [f.attname for f in AlignedBeneficiary._meta.concrete_fields if f.attname not in ("id", "run_id")]


def stored(run: AlignmentRun) -> set[tuple[Any, ...]]:
    rows = AlignedBeneficiary.objects.filter(run=run).values_list(*COLUMNS)
    return {tuple(repr(v) for v in row) for row in rows}


@pytest.fixture
def world(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    call_command("generate_cclf", out=str(bundle), beneficiaries=400, acos=3, seed=11, performance_year=2027, workers=1)
    call_command("load_dataset", str(bundle))


def test_parts_cover_every_beneficiary_once() -> None:
    """The SQL function and the shard condition split MBIs into disjoint parts that cover them all."""
    mbis = [f"1EG4TE5MK{n:02d}" for n in range(100)]
    for count in (1, 2, 3, 7):
        parts = Counter(sqlite_shard(m, count) for m in mbis)
        assert sum(parts.values()) == 100 and set(parts) <= set(range(count))
    assert sqlite_shard(" 1EG4TE5MK73 ", 5) == sqlite_shard("1EG4TE5MK73", 5)  # trimmed first
    with connection.cursor() as cursor:
        cursor.execute("SELECT lead_shard(%s, 4)", ["1EG4TE5MK73"])
        assert cursor.fetchone()[0] == sqlite_shard("1EG4TE5MK73", 4)
    with pytest.raises(ValueError):
        Shard(3, 3)


def test_a_run_in_parts_equals_the_run_in_one_piece(world: None) -> None:
    whole = services.alignment_run_execute(run_id=services.alignment_run_create(performance_year=2027).pk)
    assert whole.status == AlignmentRun.Status.SUCCEEDED, whole.message
    history = {(m, repr(c)) for m, c in HighNeedsHistory.objects.values_list("mbi", "criteria")}
    expected = stored(whole)
    assert len(expected) > 150 and history

    for count in (2, 5):
        # Each run as the first: with the history of an earlier run, "once High Needs, always" would add
        # a criterion to every High Needs beneficiary.
        HighNeedsHistory.objects.all().delete()
        run = services.alignment_run_execute(
            run_id=services.alignment_run_create(performance_year=2027, shards=count).pk
        )
        assert run.status == AlignmentRun.Status.SUCCEEDED, run.message
        assert stored(run) == expected
        counts = dict(run.counts)
        assert counts.pop("parts") == count
        assert counts == whole.counts
        parts = AlignmentShard.objects.filter(run=run)
        assert parts.count() == count and {p.status for p in parts} == {AlignmentShard.Status.SUCCEEDED}
        # Each part read only its own beneficiaries: together, every beneficiary once.
        assert sum(p.counts["beneficiaries"] for p in parts) == Beneficiary.objects.count()
        assert all(p.counts["aligned"] > 0 for p in parts)
        assert f"Computed in {count} parts" in run.message
        # The parts found the same High Needs beneficiaries as the whole.
        assert {(m, repr(c)) for m, c in HighNeedsHistory.objects.values_list("mbi", "criteria")} == history


def test_the_run_page_lists_its_parts(cms_admin: Any, client_for: Any, world: None) -> None:
    client = client_for(cms_admin)
    run = services.alignment_run_execute(run_id=services.alignment_run_create(performance_year=2027, shards=2).pk)
    page = client.get(f"/alignment/runs/{run.pk}/").content.decode()
    assert "Computed in 2 parts." in page and 'id="run-parts"' in page
    for part in AlignmentShard.objects.filter(run=run):
        assert f"{part.index + 1} of 2</th><td>Done</td><td>{part.counts['beneficiaries']:,}</td>" in page
    whole = services.alignment_run_execute(run_id=services.alignment_run_create(performance_year=2027).pk)
    assert 'id="run-parts"' not in client.get(f"/alignment/runs/{whole.pk}/").content.decode()


def test_a_failed_part_fails_the_run_and_keeps_nothing(world: None, monkeypatch: pytest.MonkeyPatch) -> None:
    real = services._store_part

    def broken(run: AlignmentRun, aligned: Any, shard: Shard | None) -> Any:
        part = real(run, aligned, shard)  # rows written, then the part fails: they roll back
        if shard is not None and shard.index == 1:
            raise OSError("disk full")
        return part

    monkeypatch.setattr(services, "_store_part", broken)
    run = services.alignment_run_execute(run_id=services.alignment_run_create(performance_year=2027, shards=3).pk)
    assert run.status == AlignmentRun.Status.FAILED
    assert run.message == "RuntimeError: part 2 of 3 failed: OSError: disk full"
    assert not AlignedBeneficiary.objects.filter(run=run).exists()


def test_the_number_of_parts_is_checked() -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.alignment_run_create(performance_year=2027, shards=0)


def test_a_part_of_a_run_that_ended_keeps_nothing(world: None) -> None:
    run = services.alignment_run_create(performance_year=2027, shards=2)
    AlignmentRun.objects.filter(pk=run.pk).update(status=AlignmentRun.Status.RUNNING)
    AlignmentShard.objects.bulk_create([AlignmentShard(run=run, index=k) for k in range(2)])
    real = services._store_part

    def ended_meanwhile(*args: Any, **kwargs: Any) -> Any:
        part = real(*args, **kwargs)
        # As the sweep would, from another process: the part sees it before it commits.
        AlignmentRun.objects.filter(pk=run.pk).update(status=AlignmentRun.Status.FAILED)
        return part

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_store_part", ended_meanwhile)
        assert services.alignment_shard_execute(run_id=run.pk, index=0) == AlignmentShard.Status.FAILED
    part = AlignmentShard.objects.get(run=run, index=0)
    assert part.message == "RuntimeError: the run ended while this part ran"
    assert not AlignedBeneficiary.objects.filter(run=run).exists()
    # A part of a run that is no longer running does not start at all. (The update above was the part's
    # own transaction, rolled back with it; here the run ended for good.)
    AlignmentRun.objects.filter(pk=run.pk).update(status=AlignmentRun.Status.FAILED)
    assert services.alignment_shard_execute(run_id=run.pk, index=1) == AlignmentShard.Status.FAILED
    assert AlignmentShard.objects.get(run=run, index=1).message == "RuntimeError: the run is failed"
