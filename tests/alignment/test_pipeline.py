"""Alignment from the database: claims loaded through the CCLF loader, lists and voluntary
alignments as the portal stores them, computed by ``run_pipeline`` and written by
``export_alignment`` (the command line of docs/bundles.md)."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.acos.models import ACO, Election, ParticipantTIN
from apps.alignment import services
from apps.alignment.models import AlignedBeneficiary, AlignmentRun, HighNeedsHistory
from apps.claims.models import VoluntaryAlignment
from tests.claims.cclf_builders import NPI, beneficiary, dme, ingest, mbi, part_b, write_package

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
    # M1 rents a hospital bed (E0260, frailty DME) on 2026-03-01: inside the High Needs window of a run as of
    # 2027-01-01 (2026-01-01..2026-12-31), outside that of a run as of 2027-07-01 (2026-07-01..2027-06-30).
    frailty = [dme(9, "D9", BENE_MBI_ID=mbi(1), CLM_LINE_FROM_DT="2026-03-01", CLM_LINE_HCPCS_CD="E0260")]
    assert (
        ingest(
            write_package(tmp_path / "pkg", {"CCLF8": benes, "CCLF5": lines, "CCLF6": frailty})["CCLF0"].parent
        ).status
        == "succeeded"
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
    assert run.counts["acos"] == {"L0001": {"claims": 1, "voluntary": 1, "high_needs": 1, "added_midyear": 0}}
    # Both names and birth dates come from the CCLF8 record (the builders' defaults).
    assert AlignedBeneficiary.objects.filter(run=run).exclude(last_name="").count() == 2
    assert dict(AlignedBeneficiary.objects.values_list("mbi", "cohort")) == {
        mbi(1): "high_needs",
        mbi(2): "aged_disabled",
    }
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


def test_once_high_needs_always_and_hybrid_midyear_additions(loaded: ACO) -> None:
    # Run 1, prospective (as of 2027-01-01): M1's hospital bed makes them High Needs; the history keeps it.
    first = services.alignment_run_execute(run_id=services.alignment_run_create(performance_year=2027).pk)
    m1 = AlignedBeneficiary.objects.get(run=first, mbi=mbi(1))
    assert (m1.high_needs, m1.high_needs_criteria, m1.cohort) == (True, ["frailty_dme"], "high_needs")
    assert HighNeedsHistory.objects.get(mbi=mbi(1)).first_run == first

    # L0001 elects Hybrid; M3 (aligned nowhere at the start of the year) designates its Participant TIN on
    # 2027-03-15: a mid-year run as of 2027-07-01 adds M3 from the first of the next month, 2027-04-01.
    Election.objects.create(aco=loaded, performance_year=2027, alignment_approach="hybrid")
    VoluntaryAlignment.objects.create(
        mbi=mbi(3), aco=loaded, tin=PARTICIPANT, npi=NPI, signed_date=datetime.date(2027, 3, 15), channel="sva_form"
    )
    second = services.alignment_run_execute(
        run_id=services.alignment_run_create(performance_year=2027, as_of=datetime.date(2027, 7, 1)).pk
    )
    assert second.status == AlignmentRun.Status.SUCCEEDED, second.message
    rows = {r.mbi: r for r in AlignedBeneficiary.objects.filter(run=second)}
    assert set(rows) == {mbi(1), mbi(2), mbi(3)}  # nobody dropped, M3 added
    m3 = rows[mbi(3)]
    assert (m3.alignment_type, m3.added_midyear, m3.effective_from) == ("voluntary", True, datetime.date(2027, 4, 1))
    assert (rows[mbi(1)].effective_from, rows[mbi(1)].added_midyear) == (datetime.date(2027, 1, 1), False)
    # The bed is outside this run's window, but once High Needs, always High Needs.
    assert rows[mbi(1)].high_needs and rows[mbi(1)].high_needs_criteria == ["previously_high_needs"]
    assert second.counts["acos"]["L0001"]["added_midyear"] == 1


def test_the_stored_explanation_is_the_engines() -> None:
    """The hand-built JSON of a stored explanation holds exactly the engine's Explanation fields."""
    import dataclasses
    import json

    from apps.alignment import engine
    from apps.alignment.services import _explanation

    e = engine.Explanation(
        step="voluntary",
        claims_step="1",
        competitors=(engine.Competitor("L0001", "aco", 20000, datetime.date(2025, 8, 1)),),
        service_count=2,
        first_service=datetime.date(2024, 9, 1),
        last_service=datetime.date(2025, 8, 1),
        voluntary=engine.VoluntaryRecord("L0001", "L0002", PARTICIPANT, NPI, datetime.date(2026, 10, 1)),
    )
    expected = json.loads(json.dumps(dataclasses.asdict(e), default=str)) | {"high_needs": {"snf_days": 3}}
    assert json.loads(_explanation(e, {"snf_days": 3})) == expected
