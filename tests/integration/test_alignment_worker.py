"""Alignment on the real stack: a live Celery worker on the compute queue computes an alignment run
on PostgreSQL (results written with COPY) from a generated bundle, then builds an ALR export. The
stored result must be exactly what the engine gives in this process for the same inputs."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.alignment import engine, services
from apps.alignment.inputs import load_inputs
from apps.alignment.models import AlignedBeneficiary, AlignmentExport, AlignmentRun

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def wait_for(check: Callable[[], bool], worker: Any, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out; worker log:\n{worker.log()}")


def test_the_worker_aligns_and_exports(celery_worker: Any, cms_admin: User, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    call_command("generate_cclf", out=str(bundle), beneficiaries=300, acos=2, seed=7, performance_year=2027, workers=1)
    call_command("load_dataset", str(bundle))

    with transaction.atomic():
        run = services.alignment_run_request(performance_year=2027, acting_user=cms_admin)
    wait_for(lambda: AlignmentRun.objects.get(pk=run.pk).is_finished, celery_worker)
    run.refresh_from_db()
    assert run.status == AlignmentRun.Status.SUCCEEDED, (run.message, celery_worker.log())
    assert run.percent == 100 and set(run.timings) == {"inputs", "engine", "cohorts", "store"}

    expected = {
        (a.mbi, a.aco_id, a.alignment_type, a.step, a.tin or "", a.npi or "")
        for a in engine.align(2027, *load_inputs(2027))
    }
    stored = set(
        AlignedBeneficiary.objects.filter(run=run).values_list(
            "mbi", "aco__aco_id", "alignment_type", "step", "tin", "npi"
        )
    )
    assert stored == expected and len(stored) > 100
    # Names and birth dates were copied from the beneficiary table; JSON explanations survived COPY.
    sample = AlignedBeneficiary.objects.filter(run=run, alignment_type="claims").first()
    assert sample is not None and sample.last_name and sample.birth_date
    assert sample.explanation["competitors"][0]["kind"] == "aco"

    aco = ACO.objects.get(aco_id="L0001")
    with transaction.atomic():
        export = services.alignment_export_request(aco=aco, run=run, fmt="xlsx", acting_user=cms_admin)
    wait_for(lambda: AlignmentExport.objects.get(pk=export.pk).status in ("ready", "failed"), celery_worker)
    export.refresh_from_db()
    assert export.status == "ready", export.message
    assert export.row_count == AlignedBeneficiary.objects.filter(run=run, aco=aco).count()
    assert export.file.open("rb").read(2) == b"PK"  # an XLSX is a zip

    # A redelivered task finds the run claimed and does nothing twice.
    services.alignment_run_execute(run_id=run.pk)
    assert AlignedBeneficiary.objects.filter(run=run).count() == len(stored)
