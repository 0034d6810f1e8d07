"""The checker accepts exactly what the loader reads, and the loader stores what the checker
understood: every field of every layout, on SQLite (the staged INSERT … SELECT path). The same
cases run through PostgreSQL's COPY path in tests/integration/test_claims_postgres.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from apps.claims.layouts import DATA_FILE_TYPES, layout
from apps.claims.models import IngestRun
from apps.claims.parsing import check_matrix
from tests.claims.agreement import cases, record_with
from tests.claims.cclf_builders import MODELS, errors_of, file_name, ingest, write_package

pytestmark = pytest.mark.django_db


def _checker_accepts(file_type: str, line: str) -> bool:
    matrix = np.frombuffer(line.encode("latin-1"), dtype=np.uint8).reshape(1, -1)
    good, _, _ = check_matrix(matrix, layout(file_type), 1)
    return bool(good.all())


def check_agreement(tmp_path: Path, file_type: str) -> None:
    accepted, rejected = cases(file_type)
    lines = [record_with(file_type, field, raw) for field, raw, _ in accepted]
    for (field, raw, _), line in zip(accepted, lines, strict=True):
        assert _checker_accepts(file_type, line), f"the checker refuses {field}={raw!r}"
    run = ingest(_write(tmp_path / "accepted", file_type, lines))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)[:5]
    rows = list(MODELS[file_type]._default_manager.order_by("id"))
    assert len(rows) == len(accepted)
    for row, (field, raw, value) in zip(rows, accepted, strict=True):
        assert getattr(row, field.lower()) == value, (
            f"{file_type}.{field}: {raw!r} loaded as {getattr(row, field.lower())!r}"
        )

    if not rejected:
        return
    bad_lines = [record_with(file_type, field, raw) for field, raw in rejected]
    for (field, raw), line in zip(rejected, bad_lines, strict=True):
        assert not _checker_accepts(file_type, line), f"the checker accepts {field}={raw!r}"
    run = ingest(_write(tmp_path / "rejected", file_type, bad_lines))
    assert run.status == IngestRun.Status.FAILED
    name = file_name(file_type)
    width = {f.name: f.length for f in layout(file_type).fields}
    got = {(e[0], e[1], e[2], e[3]) for e in errors_of(run)}
    for line_no, (field, raw) in enumerate(rejected, start=1):
        assert (name, line_no, field, raw.ljust(width[field])) in got, (field, raw)


def _write(folder: Path, file_type: str, lines: list[str]) -> Path:
    write_package(folder, {file_type: lines})
    return folder


@pytest.mark.parametrize("file_type", DATA_FILE_TYPES)
def test_checker_and_loader_agree_on_every_field(tmp_path: Path, file_type: str) -> None:
    check_agreement(tmp_path, file_type)
