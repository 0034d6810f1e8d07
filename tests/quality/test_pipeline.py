"""The quality step end to end: claims loaded through the CCLF loader, alignment computed by ``run_pipeline``,
then the quality run reads, computes, scores and stores (apps/quality/pipeline.py).

PY = 2027. Three beneficiaries, aligned voluntarily (signed 2026-10-01, before Oct 31 PY−1, for a Participant
TIN): M1 and M2 to L0001, M3 to L0002. M1 (born 1950-06-15, female, not dual) has diabetes (E119) and CKD
(N184) on a 2026 claim: MCC. Her PY claims:
- inpatient 101: 2027-03-01 – 03-05, status 01, emergency, principal diagnosis I5020 (heart failure);
- SNF 201: 2027-03-06 – 03-10;
- inpatient 102: 2027-03-17 – 03-20, status 01, emergency, principal diagnosis R0789 (no chronic group);
- ED visit 301 (outpatient, revenue line 0450): 2027-06-10, principal diagnosis E119;
- an office visit (99214) on 2027-03-09; another on 2027-06-15, denied.

Worked by hand (docs/quality.md and the engine's documented choices):
- ACR: index stays 101 and 102 (discharged in Jan 1 – Dec 1, status 01); 102 is admitted 12 days after 101's
  discharge (1–30, not elective): 1 readmission of 2 = 50% observed. One stratum (75–84, female, not dual)
  holds both stays portal-wide: stratum rate 1/2; expected = 2 × 0.5 = 1; risk-standardized = 1 ÷ 1 × 50% =
  50%. Lower is better and every cut point (13.43 … 16.71) is below 50: decile 1, 10 points.
- UAMCC: M1 is MCC and 76 on Jan 1: 2 emergency admissions (101, 102) over 12 months = 1 person-year:
  200 per 100 person-years; every cut point (27.49 … 47.58) is below: decile 1, 10 points.
- DAH: 365 days minus the union of Mar 1–5 (5), Mar 6–10 (5), Mar 17–20 (4) and Jun 10 (1) = 350 days; all
  nine cut points (331 … 349) are ≤ 350: decile 10, 100 points.
- TFU: events 101 (heart failure: days 1–7, Mar 6–12) met by the Mar 9 visit, and the ED visit (diabetes:
  days 1–14, Jun 11–24) whose only visit was denied: 1 of 2 = 50%; below the first cut point (56): decile 1,
  10 points. The missed ED follow-up is a care gap due Jun 24. 102 has no chronic principal diagnosis.
- CAHPS 81.0 (cut points 77.0, 78.5, 79.5, 80.3, 81.0 reached): decile 6, 60 points. HbA1c poor control 20/100
  = 20.00% (lower is better; 7 cut points ≥ 20: 23.02 … 94.35): decile 8, 80 points, but PY2027's eCQM phase
  is optional: not in the score. No blood pressure result.
- L0001's TQS = (10 + 10 + 100 + 10 + 60) ÷ 5 = 38.0; with eCQMs paid for performance (+80) = 270 ÷ 6 = 45.0.
- L0002 (M3: no claims, no MCC): no claims measure has a denominator; CAHPS 77.0 reaches the first cut point:
  decile 2, 20 points; TQS 20.0.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from apps.accounts.models import User
from apps.acos.models import ACO, ModelParameters, ParticipantTIN
from apps.alignment.models import AlignmentRun
from apps.claims.models import VoluntaryAlignment
from apps.performance.models import PerformanceSummary
from apps.quality import pipeline
from apps.quality.models import CareGap, MeasureMember, MeasureResult, QualityRun, QualityScore, QualitySubmission
from tests.claims.cclf_builders import NPI, beneficiary, ingest, mbi, part_a_header, part_a_line, part_b, write_package
from tests.factories import CMSUserFactory

pytestmark = pytest.mark.django_db

PY = 2027
TIN_1, TIN_2 = "111000001", "222000001"
M1, M2, M3 = mbi(1), mbi(2), mbi(3)
ENTITLED = {"BENE_PART_A_ENRLMT_BGN_DT": "2015-03-01", "BENE_PART_B_ENRLMT_BGN_DT": "2015-03-01"}
D = datetime.date


def stay(uniq: int, claim_type: int, from_dt: str, thru_dt: str, **kw: Any) -> str:
    return part_a_header(uniq, BENE_MBI_ID=M1, CLM_TYPE_CD=claim_type, CLM_FROM_DT=from_dt, CLM_THRU_DT=thru_dt, **kw)


def visit(uniq: int, cntl: str, day: str, **kw: Any) -> str:
    dates = {"CLM_FROM_DT": day, "CLM_THRU_DT": day, "CLM_LINE_FROM_DT": day, "CLM_LINE_THRU_DT": day}
    return part_b(uniq, cntl, BENE_MBI_ID=M1, **(dates | kw))


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[ACO, ACO]:
    first = ACO.objects.create(aco_id="L0001", legal_name="Harbor ACO", states=["MD"])
    second = ACO.objects.create(aco_id="L0002", legal_name="Bay ACO", states=["MD"])
    for aco, tin in ((first, TIN_1), (second, TIN_2)):
        ParticipantTIN.objects.create(
            aco=aco, performance_year=PY, tin=tin, legal_name=f"{aco.legal_name} clinic", practice_zip="21201"
        )
    files = {
        "CCLF8": [
            beneficiary(M1, BENE_1ST_NAME="ROSA", BENE_LAST_NAME="PARKS", **ENTITLED),
            beneficiary(M2, **ENTITLED),
            beneficiary(M3, **ENTITLED),
        ],
        "CCLF1": [
            stay(
                101,
                60,
                "2027-03-01",
                "2027-03-05",
                BENE_PTNT_STUS_CD="01",
                CLM_ADMSN_TYPE_CD="1",
                PRNCPL_DGNS_CD="I5020",
            ),
            stay(201, 20, "2027-03-06", "2027-03-10"),
            stay(
                102,
                60,
                "2027-03-17",
                "2027-03-20",
                BENE_PTNT_STUS_CD="01",
                CLM_ADMSN_TYPE_CD="1",
                PRNCPL_DGNS_CD="R0789",
            ),
            stay(301, 40, "2027-06-10", "2027-06-10", PRNCPL_DGNS_CD="E119"),
        ],
        "CCLF2": [
            part_a_line(
                301,
                1,
                BENE_MBI_ID=M1,
                CLM_TYPE_CD=40,
                CLM_FROM_DT="2027-06-10",
                CLM_THRU_DT="2027-06-10",
                CLM_LINE_FROM_DT="2027-06-10",
                CLM_LINE_PROD_REV_CTR_CD="0450",
            )
        ],
        "CCLF5": [
            visit(1, "B1", "2026-05-01", CLM_DGNS_1_CD="E119", CLM_DGNS_2_CD="N184"),
            visit(2, "B2", "2027-03-09"),
            visit(3, "B3", "2027-06-15", CLM_CARR_PMT_DNL_CD="0"),
        ],
    }
    assert ingest(write_package(tmp_path / "pkg", files)["CCLF0"].parent).status == "succeeded"
    for m, aco, tin in ((M1, first, TIN_1), (M2, first, TIN_1), (M3, second, TIN_2)):
        VoluntaryAlignment.objects.create(
            mbi=m, aco=aco, tin=tin, npi=NPI, signed_date=D(2026, 10, 1), channel="medicare_gov"
        )
    stamp = datetime.datetime(2027, 2, 1, tzinfo=datetime.UTC)
    QualitySubmission.objects.create(
        aco=first, performance_year=PY, measure="cahps", score=Decimal("50"), superseded_at=stamp
    )
    QualitySubmission.objects.create(aco=first, performance_year=PY, measure="cahps", score=Decimal("81.0"))
    QualitySubmission.objects.create(
        aco=first, performance_year=PY, measure="hba1c_poor_control", numerator=20, denominator=100
    )
    QualitySubmission.objects.create(aco=second, performance_year=PY, measure="cahps", score=Decimal("77.0"))
    return first, second


def results(run: QualityRun, aco: str) -> dict[str, MeasureResult]:
    return {r.measure: r for r in MeasureResult.objects.filter(run=run, aco__aco_id=aco)}


def run_quality() -> QualityRun:
    call_command("run_pipeline", performance_year=PY, stdout=io.StringIO())
    return QualityRun.objects.get()


def test_run_pipeline_runs_alignment_then_quality_and_prints_both(loaded: tuple[ACO, ACO]) -> None:
    out = io.StringIO()
    call_command("run_pipeline", performance_year=PY, stdout=out)
    lines = out.getvalue().splitlines()
    alignment, quality = AlignmentRun.objects.get(), QualityRun.objects.get()
    assert quality.status == QualityRun.Status.SUCCEEDED, quality.message
    assert quality.alignment_run == alignment
    assert lines[0].startswith(f"Alignment run {alignment.pk} (PY2027, prospective): 3 beneficiaries aligned")
    assert lines[1:3] == [
        "  L0001: 0 by claims, 2 voluntary, 0 High Needs",
        "  L0002: 0 by claims, 1 voluntary, 0 High Needs",
    ]
    assert lines[3].startswith(
        f"Quality run {quality.pk} (PY2027, alignment run {alignment.pk}): Quality measures for 3"
    )
    assert lines[4:6] == [
        "  L0001: TQS 38.0 (5 scored) acr=50.00 bp_control=n/a cahps=81.00 dah=350.00 hba1c_poor_control=20.00 "
        "tfu=50.00 uamcc=200.00",
        "  L0002: TQS 20.0 (1 scored) acr=n/a bp_control=n/a cahps=77.00 dah=n/a hba1c_poor_control=n/a tfu=n/a "
        "uamcc=n/a",
    ]
    # --aco narrows the summary lines only.
    out = io.StringIO()
    call_command("run_pipeline", performance_year=PY, aco="L0002", stdout=out)
    summaries = [line for line in out.getvalue().splitlines() if line.startswith("  ")]
    assert summaries[:2] == [
        "  L0002: 0 by claims, 1 voluntary, 0 High Needs",
        "  L0002: TQS 20.0 (1 scored) acr=n/a bp_control=n/a cahps=77.00 dah=n/a hba1c_poor_control=n/a tfu=n/a "
        "uamcc=n/a",
    ]
    assert len(summaries) == 3 and summaries[2].startswith("  L0002: ")


def test_claims_measures_scores_and_tqs_worked_by_hand(loaded: tuple[ACO, ACO]) -> None:
    run = run_quality()
    r = results(run, "L0001")
    acr = r["acr"]
    assert (acr.numerator, acr.denominator, acr.rate, acr.expected, acr.expected_rate) == (1, 2, 50.0, 1.0, 50.0)
    assert (acr.risk_standardized_rate, acr.score_rate, acr.decile, acr.points, acr.scored) == (
        50.0,
        50.0,
        1,
        10.0,
        True,
    )
    assert (r["uamcc"].numerator, r["uamcc"].denominator, r["uamcc"].person_years, r["uamcc"].rate) == (
        2,
        1,
        1.0,
        200.0,
    )
    assert (r["uamcc"].decile, r["uamcc"].points) == (1, 10.0)
    assert (r["dah"].numerator, r["dah"].denominator, r["dah"].rate, r["dah"].decile, r["dah"].points) == (
        350,
        1,
        350.0,
        10,
        100.0,
    )
    assert (r["tfu"].numerator, r["tfu"].denominator, r["tfu"].rate, r["tfu"].decile, r["tfu"].points) == (
        1,
        2,
        50.0,
        1,
        10.0,
    )
    assert {m: x.source for m, x in r.items()} == {
        "acr": "claims",
        "uamcc": "claims",
        "dah": "claims",
        "tfu": "claims",
        "cahps": "submission",
        "hba1c_poor_control": "submission",
        "bp_control": "submission",
    }
    # The current CAHPS result, not the superseded 50.
    assert (r["cahps"].rate, r["cahps"].decile, r["cahps"].points, r["cahps"].scored) == (81.0, 6, 60.0, True)
    hba1c = r["hba1c_poor_control"]
    assert (hba1c.numerator, hba1c.denominator, hba1c.rate, hba1c.decile, hba1c.points) == (20, 100, 20.0, 8, 80.0)
    assert not hba1c.scored and hba1c.note == "Not in the Total Quality Score: eCQMs are optional in PY2027."
    assert (r["bp_control"].rate, r["bp_control"].scored, r["bp_control"].note) == (
        None,
        False,
        "Not scored: no result submitted.",
    )

    r2 = results(run, "L0002")
    assert {m: x.rate for m, x in r2.items() if x.source == "claims"} == {
        "acr": None,
        "uamcc": None,
        "dah": None,
        "tfu": None,
    }
    assert r2["acr"].note == "Not scored: no index stays." and not r2["acr"].scored
    assert (r2["cahps"].decile, r2["cahps"].points) == (2, 20.0)

    scores = {s.aco.aco_id: s for s in QualityScore.objects.filter(run=run).select_related("aco")}
    assert {a: (s.total_quality_score, s.scored_measures) for a, s in scores.items()} == {
        "L0001": (38.0, 5),
        "L0002": (20.0, 1),
    }
    # PY2027's default withhold: 3% of the benchmark. The quality step knows no benchmark; the money step
    # that follows it in the pipeline fills in the dollars: 3% of the ACO's benchmark dollars, and the
    # earned-back part TQS/100 of it (38.0 for L0001).
    first = scores["L0001"]
    assert first.withhold_rate == Decimal("0.0300")
    settlement = PerformanceSummary.objects.get(aco__aco_id="L0001").data["settlement"]
    assert settlement["benchmark"] > 0
    assert first.withhold_dollars == (Decimal(str(settlement["benchmark"])) * Decimal("0.03")).quantize(Decimal("0.01"))
    assert first.earned_back_dollars == (first.withhold_dollars * Decimal("0.38")).quantize(Decimal("0.01"))
    assert first.note.startswith("estimate: withhold 3.00% of the benchmark, $")
    assert run.portal_acr_rate == 50.0
    assert run.acr_strata == [
        {"age_band": "75-84", "sex": "female", "dual": False, "index_stays": 2, "readmissions": 1, "rate": 50.0}
    ]
    assert set(run.timings) == {"inputs", "engine", "scoring", "store"}


def test_ecqms_count_when_paid_for_performance(loaded: tuple[ACO, ACO]) -> None:
    ModelParameters.objects.filter(performance_year=PY).update(ecqm_phase="performance")
    run = run_quality()
    assert results(run, "L0001")["hba1c_poor_control"].scored
    score = QualityScore.objects.get(run=run, aco__aco_id="L0001")
    assert (score.total_quality_score, score.scored_measures) == (45.0, 6)


def test_members_trace_each_figure_to_its_claim(loaded: tuple[ACO, ACO]) -> None:
    run = run_quality()
    members = set(
        MeasureMember.objects.filter(run=run).values_list(
            "aco__aco_id", "measure", "mbi", "role", "source", "claim_id", "related_claim_id", "event_date", "value"
        )
    )
    assert members == {
        # ACR: each index stay with its stratum's portal-wide rate; the readmission with its days after discharge.
        ("L0001", "acr", M1, "denominator", "inpatient", 101, None, D(2027, 3, 5), 50.0),
        ("L0001", "acr", M1, "denominator", "inpatient", 102, None, D(2027, 3, 20), 50.0),
        ("L0001", "acr", M1, "numerator", "inpatient", 102, 101, D(2027, 3, 17), 12.0),
        # UAMCC: the beneficiary (1 person-year) and each admission.
        ("L0001", "uamcc", M1, "denominator", "", None, None, D(2027, 1, 1), 1.0),
        ("L0001", "uamcc", M1, "numerator", "inpatient", 101, None, D(2027, 3, 1), None),
        ("L0001", "uamcc", M1, "numerator", "inpatient", 102, None, D(2027, 3, 17), None),
        # DAH: the beneficiary's days at home, and the days each claim took away.
        ("L0001", "dah", M1, "denominator", "", None, None, D(2027, 1, 1), 350.0),
        ("L0001", "dah", M1, "event", "inpatient", 101, None, D(2027, 3, 1), 5.0),
        ("L0001", "dah", M1, "event", "snf", 201, None, D(2027, 3, 6), 5.0),
        ("L0001", "dah", M1, "event", "inpatient", 102, None, D(2027, 3, 17), 4.0),
        ("L0001", "dah", M1, "event", "ed_visit", 301, None, D(2027, 6, 10), 1.0),
        # TFU: both events with their window; the follow-up 4 days after the heart failure discharge.
        ("L0001", "tfu", M1, "denominator", "inpatient", 101, None, D(2027, 3, 5), 7.0),
        ("L0001", "tfu", M1, "denominator", "ed_visit", 301, None, D(2027, 6, 10), 14.0),
        ("L0001", "tfu", M1, "numerator", "pqem", None, 101, D(2027, 3, 9), 4.0),
    }
    gaps = list(
        CareGap.objects.filter(run=run).values_list(
            "aco__aco_id",
            "mbi",
            "gap_type",
            "measure",
            "claim_id",
            "opened_on",
            "due_date",
            "tin",
            "first_name",
            "last_name",
        )
    )
    # The aligning TIN and the name come from the alignment run's row.
    assert gaps == [("L0001", M1, "tfu_missed", "tfu", 301, D(2027, 6, 10), D(2027, 6, 24), TIN_1, "ROSA", "PARKS")]


def test_a_redelivered_run_does_nothing_twice(loaded: tuple[ACO, ACO]) -> None:
    run = run_quality()
    before = (MeasureResult.objects.count(), MeasureMember.objects.count(), CareGap.objects.count(), run.finished_at)
    again = pipeline.quality_run_execute(run_id=run.pk)
    assert again.status == QualityRun.Status.SUCCEEDED
    assert (
        MeasureResult.objects.count(),
        MeasureMember.objects.count(),
        CareGap.objects.count(),
        again.finished_at,
    ) == before
    # 7 measures × 2 ACOs; 14 membership rows; 1 gap.
    assert before[:3] == (14, 14, 1)


def test_a_run_needs_a_successful_alignment_of_the_year(loaded: tuple[ACO, ACO]) -> None:
    with pytest.raises(ValidationError, match="No alignment has been computed for PY2027"):
        pipeline.quality_run_create(performance_year=PY)
    failed = AlignmentRun.objects.create(performance_year=PY, status=AlignmentRun.Status.FAILED)
    with pytest.raises(ValidationError, match="has not succeeded"):
        pipeline.quality_run_create(performance_year=PY, alignment_run=failed)
    with pytest.raises(ValidationError, match="must fall in 2027"):
        pipeline.quality_run_create(performance_year=PY, as_of=D(2026, 12, 31))


def test_only_cms_administrators_start_runs(loaded: tuple[ACO, ACO]) -> None:
    call_command("run_pipeline", performance_year=PY, stdout=io.StringIO())
    with pytest.raises(PermissionDenied):
        pipeline.quality_run_create(performance_year=PY, acting_user=CMSUserFactory.create())  # a reviewer
    admin = CMSUserFactory.create(cms_role=User.CMSRole.ADMIN)
    assert pipeline.quality_run_create(performance_year=PY, acting_user=admin).created_by == admin


def test_the_latest_successful_alignment_is_the_default(loaded: tuple[ACO, ACO]) -> None:
    call_command("run_pipeline", performance_year=PY, stdout=io.StringIO())
    call_command("run_pipeline", performance_year=PY, stdout=io.StringIO())
    latest = AlignmentRun.objects.order_by("-finished_at", "-id").first()
    run = pipeline.quality_run_execute(run_id=pipeline.quality_run_create(performance_year=PY).pk)
    assert run.alignment_run == latest and run.status == QualityRun.Status.SUCCEEDED
