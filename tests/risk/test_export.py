"""``manage.py export_risk_scores`` (the command-line contract): the scores of every beneficiary aligned in
the PY's latest alignment run, one row per score year."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.acos.models import ACO
from apps.risk import services
from apps.risk.models import RiskScore
from tests.factories import aligned, alignment_run
from tests.risk.world import DIALYSIS, WOMAN, load_world

pytestmark = pytest.mark.django_db
PY = 2027


def export(tmp_path: Path) -> tuple[list[list[str]], str]:
    out = tmp_path / "risk.csv"
    stdout = io.StringIO()
    call_command("export_risk_scores", "--performance-year", str(PY), "--out", str(out), stdout=stdout)
    with open(out, newline="") as fh:
        return list(csv.reader(fh)), stdout.getvalue()


def test_export_writes_each_score_year_of_each_aligned_beneficiary(tmp_path: Path, aco: ACO) -> None:
    load_world(tmp_path / "package")
    run = services.risk_run_compute(performance_year=PY)
    alignment_run(PY, status="failed")  # not successful: not used
    aligned(alignment_run(PY), aco, WOMAN)  # DIALYSIS is not aligned
    rows, said = export(tmp_path)
    assert rows[0] == ["mbi", "score_year", "model", "segment", "hccs", "raw_score", "normalized_score", "diagnoses"]
    assert [(r[0], r[1]) for r in rows[1:]] == [(WOMAN, str(y)) for y in (2024, 2025, 2026, 2027)]
    by_year = {r[1]: r for r in rows[1:]}
    stored = RiskScore.objects.get(run=run, mbi=WOMAN, score_year=2026)
    assert by_year["2026"] == [
        WOMAN,
        "2026",
        "CMS-HCC Model V28",
        "CFA",
        stored.hccs,
        f"{stored.raw_score:.3f}",
        f"{stored.normalized_score:.3f}",
        "E1122;G35;I5030;J449",  # not E11.65: its HCC 38 is dropped by HCC 37
    ]
    assert by_year["2026"][4] == ";".join(sorted(stored.hccs.split(";")))
    # 2025 (from 2024's diagnoses): I50.84, end-stage heart failure (HCC 222).
    assert (by_year["2025"][4], by_year["2025"][7]) == ("222", "I5084")
    assert (by_year["2024"][4], by_year["2024"][7]) == ("", "")
    assert DIALYSIS not in {r[0] for r in rows}
    assert "Wrote 4 scores of 1 aligned beneficiaries" in said


def test_export_without_scores_or_alignment_is_an_error(tmp_path: Path, aco: ACO) -> None:
    with pytest.raises(CommandError, match="No risk scores have been computed for PY2027"):
        export(tmp_path)
    load_world(tmp_path / "package")
    services.risk_run_compute(performance_year=PY)
    with pytest.raises(CommandError, match="No alignment has been computed for PY2027"):
        export(tmp_path)
