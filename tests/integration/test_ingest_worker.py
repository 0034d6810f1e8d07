"""An uploaded CCLF package is loaded by a live Celery worker on the compute queue: the web
process only records the run and queues it; the worker claims the run, loads the package into
PostgreSQL and reports back through the run row."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from apps.accounts.models import User
from apps.claims import services
from apps.claims.models import CCLFFile, IngestRun, PartBLine

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def zipped_package(folder: Path) -> SimpleUploadedFile:
    out = folder / "bundle"
    call_command("generate_cclf", out=str(out), beneficiaries=30, acos=1, seed=5, performance_year=2027, workers=1)
    target = folder / "package.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(out.iterdir()):
            if path.name.startswith("P."):
                archive.write(path, path.name)
    return SimpleUploadedFile("package.zip", target.read_bytes(), content_type="application/zip")


def test_the_worker_loads_an_uploaded_package(celery_worker: Any, cms_admin: User, tmp_path: Path) -> None:
    upload = zipped_package(tmp_path)
    with transaction.atomic():
        run = services.ingest_run_create(source="package.zip", acting_user=cms_admin, upload=upload)
    # The request is over: nothing has been loaded in this process.
    assert IngestRun.objects.get(pk=run.pk).status in (IngestRun.Status.REQUESTED, IngestRun.Status.RUNNING)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.5)
    assert run.status == IngestRun.Status.SUCCEEDED, (run.message, celery_worker.log())
    assert CCLFFile.objects.filter(run=run).count() == 11  # CCLF1-CCLF9, CCLFA, CCLFB
    expected = CCLFFile.objects.get(run=run, file_type="CCLF5").records
    assert expected > 0
    assert PartBLine.objects.count() == expected
    # A redelivered task finds the run claimed and does nothing twice.
    services.ingest_run_execute(run_id=run.pk)
    assert PartBLine.objects.count() == expected
