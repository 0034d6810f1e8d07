"""Alignment from the database: claims loaded through the CCLF loader, lists and voluntary
alignments as the portal stores them, computed by ``run_pipeline`` and written by
``export_alignment`` (DESIGN.md's command-line contract)."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.acos.models import ACO, ParticipantTIN
from apps.alignment.models import AlignedBeneficiary, AlignmentRun
from apps.claims.models import VoluntaryAlignment
from tests.claims.cclf_builders import NPI, beneficiary, ingest, mbi, part_b, write_package

pytestmark = pytest.mark.django_db

PARTICIPANT, OUTSIDER_TIN = "111000001", "999000001"
ENTITLED = {"BENE_PART_A_ENRLMT_BGN_DT": "2015-03-01", "BENE_PART_B_ENRLMT_BGN_DT": "2015-03-01"}


@pytest.fixture
def loaded(tmp_path: Path) -> ACO:
    aco = ACO.objects.create(aco_id="L0001", legal_name="Harbor ACO", states=["MD"])
    ParticipantTIN.objects.create(
        aco=aco, performance_year=2027, tin=PARTICIPANT, legal_name="Harbor Family Medicine", practice_zip="21201"
    )
    lines = [
        # M1, PY2027 (AY1 = 2024-07-01..2025-06-30, AY2 = 2025-07-01..2026-06-30):
        # the ACO: 2 × 100.00 (AY2) = 20000 cents; the outside TIN: 1 × 150.00 (AY1) = 15000 → the ACO.
        part_b(
            1,
            "C1",
            BENE_MBI_ID=mbi(1),
            CLM_LINE_FROM_DT="2025-08-01",
            CLM_LINE_HCPCS_CD="99213",
            CLM_PRVDR_SPCLTY_CD="08",
            CLM_RNDRG_PRVDR_TAX_NUM=PARTICIPANT,
            CLM_LINE_ALOWD_CHRG_AMT="100.00",
        ),
        part_b(
            2,
            "C2",
            BENE_MBI_ID=mbi(1),
            CLM_LINE_FROM_DT="2024-09-01",
            CLM_LINE_HCPCS_CD="99213",
            CLM_PRVDR_SPCLTY_CD="08",
            CLM_RNDRG_PRVDR_TAX_NUM=OUTSIDER_TIN,
            CLM_LINE_ALOWD_CHRG_AMT="150.00",
        ),
        # M2: the only visit was denied, so it counts for nothing; M2 is aligned only voluntarily.
        part_b(
            3,
            "C3",
            BENE_MBI_ID=mbi(2),
            CLM_LINE_FROM_DT="2025-08-01",
            CLM_LINE_HCPCS_CD="99213",
            CLM_PRVDR_SPCLTY_CD="08",
            CLM_RNDRG_PRVDR_TAX_NUM=PARTICIPANT,
            CLM_LINE_ALOWD_CHRG_AMT="100.00",
            CLM_CARR_PMT_DNL_CD="0",
        ),
        # M3: only the outside TIN → not aligned.
        part_b(
            4,
            "C4",
            BENE_MBI_ID=mbi(3),
            CLM_LINE_FROM_DT="2025-08-01",
            CLM_LINE_HCPCS_CD="99213",
            CLM_PRVDR_SPCLTY_CD="08",
            CLM_RNDRG_PRVDR_TAX_NUM=OUTSIDER_TIN,
            CLM_LINE_ALOWD_CHRG_AMT="100.00",
        ),
    ]
    benes = [beneficiary(mbi(n), **ENTITLED) for n in (1, 2, 3)]
    assert (
        ingest(write_package(tmp_path / "pkg", {"CCLF8": benes, "CCLF5": lines})["CCLF0"].parent).status == "succeeded"
    )
    # Signed before Oct 31 of PY−1 for a Participant TIN: valid.
    VoluntaryAlignment.objects.create(
        mbi=mbi(2), aco=aco, tin=PARTICIPANT, npi=NPI, signed_date=datetime.date(2026, 10, 1), channel="medicare_gov"
    )
    return aco


def test_run_pipeline_and_export_alignment(loaded: ACO, tmp_path: Path) -> None:
    call_command("run_pipeline", performance_year=2027)
    run = AlignmentRun.objects.get()
    assert run.status == AlignmentRun.Status.SUCCEEDED
    assert run.counts["acos"] == {"L0001": {"claims": 1, "voluntary": 1, "high_needs": 0, "added_midyear": 0}}
    # Both names and birth dates come from the CCLF8 record (the builders' defaults).
    assert AlignedBeneficiary.objects.filter(run=run).exclude(last_name="").count() == 2
    assert set(AlignedBeneficiary.objects.values_list("cohort", flat=True)) == {"aged_disabled"}
    out = tmp_path / "alignment.csv"
    call_command("export_alignment", aco="L0001", performance_year=2027, out=str(out))
    rows = list(csv.reader(out.open()))
    assert rows == [
        ["mbi", "aco_id", "alignment_type", "step", "tin", "npi"],
        [mbi(1), "L0001", "claims", "1", PARTICIPANT, NPI],
        [mbi(2), "L0001", "voluntary", "voluntary", PARTICIPANT, NPI],
    ]
    explanation = AlignedBeneficiary.objects.get(mbi=mbi(1)).explanation
    assert [(c["key"], c["weighted_cents"]) for c in explanation["competitors"]] == [
        ("L0001", 20000),
        (OUTSIDER_TIN, 15000),
    ]


def test_export_needs_a_computed_year(loaded: ACO, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="run manage.py run_pipeline first"):
        call_command("export_alignment", aco="L0001", performance_year=2027, out=str(tmp_path / "x.csv"))
