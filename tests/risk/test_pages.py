"""The beneficiary page's risk scores by year, over the world of tests/risk/world.py: the first base year
says it is demographic only, and counted condition categories read as HCCs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from apps.risk import services
from tests.factories import aligned, alignment_run
from tests.risk.world import WOMAN, load_world

pytestmark = pytest.mark.django_db


def test_the_risk_years_table_names_hccs_and_the_demographic_only_year(
    tmp_path: Path, aco: Any, admin: Any, client_for: Any
) -> None:
    load_world(tmp_path / "package")
    services.risk_run_compute(performance_year=2027)
    aligned(alignment_run(2027), aco, WOMAN)
    html = client_for(admin).get(f"/acos/{aco.aco_id}/beneficiaries/{WOMAN}/?py=2027").content.decode()
    table = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[html.index('id="risk-years"') :].split("</table>")[0]))
    # 2024: her 2023 G35 is before the CCLF, so no HCC; 2026: E11.22 counts as HCC 37 (diabetes with
    # chronic complications), among others.
    first = "2024 CMS-HCC Model V28, community, full-benefit dual, aged; demographic factors only"
    assert f"{first} (no 2023 claims in the CCLF) none" in table
    row_2026 = table[table.index("2026") : table.index("2027")]
    assert "HCC 37" in row_2026
