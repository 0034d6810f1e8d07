"""Reading the risk engine's inputs (apps/risk/inputs.py) from a CCLF package loaded as CMS sends it
(tests/risk/world.py): only diagnoses of netted, eligible services of each year leave the database, and
demographics come from the latest CCLF8 record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from apps.risk import engine, inputs
from apps.risk.parameters import DEFAULT_PARAMETERS
from tests.risk.world import DIALYSIS, WOMAN, load_world


@pytest.fixture
def world(db: None, tmp_path: Path) -> None:
    load_world(tmp_path / "package")


def table(d: engine.Diagnoses) -> list[tuple[Any, ...]]:
    return sorted(
        zip(
            d.mbi.tolist(),
            d.code.tolist(),
            d.service_date.tolist(),
            d.claim_id.tolist(),
            d.source.tolist(),
            strict=True,
        )
    )


def test_only_diagnoses_of_netted_eligible_services_are_read(world: None) -> None:
    by_year = inputs.load_diagnoses([2024, 2025], DEFAULT_PARAMETERS)
    day = dt.date
    assert table(by_year[2025]) == [
        (WOMAN, "E1122", day(2025, 4, 10), 102, 4),  # outpatient with an eligible revenue line
        (WOMAN, "E1165", day(2025, 2, 5), 204, 5),  # written E11.65 on the claim
        (WOMAN, "G35", day(2025, 5, 1), 104, 4),  # RHC (bill type 71x)
        (WOMAN, "I5030", day(2025, 3, 5), 101, 4),  # inpatient: the through date
        (WOMAN, "J449", day(2025, 2, 2), 201, 5),  # line and claim diagnosis: one row
    ]
    # Not read: D66 (outpatient lab only), N18.4 (SNF), C34.90 (cancelled claim), F20.0 (lab line),
    # N18.5 (denied line), I10 and E78.5 (map to no category).
    assert table(by_year[2024]) == [(WOMAN, "I5084", day(2024, 12, 31), 108, 4)]


def test_codes_are_matched_as_stored_with_or_without_the_dot() -> None:
    assert inputs.stored_forms(["E1122", "G35", "Z21"]) == ["E11.22", "E1122", "G35", "Z21"]


def test_people_come_from_the_latest_cclf8_record(world: None) -> None:
    people = inputs.load_people()
    assert people.mbi.tolist() == [WOMAN, DIALYSIS]
    assert people.orec.tolist() == ["0", "2"]  # from the CCLF8 record itself
    demographics, left_out = people.for_year(2026)
    assert demographics.age.tolist() == [75, 66]
    assert demographics.esrd.tolist() == [False, True]
    assert demographics.dual_status.tolist() == ["02", "NA"]
    assert demographics.new_enrollee.tolist() == [False, False]
    assert left_out == {"no_birth_date_or_sex": 0, "died_before_the_year": 0, "not_yet_entitled": 0}
    assert np.array_equal(demographics.sex, ["2", "1"])
