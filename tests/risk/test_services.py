"""Computing and storing a risk run (apps/risk/services.py) over the world of tests/risk/world.py, and the
selectors the High Needs criteria and the pages read it with."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hccinfhir import calculate_raf

from apps.accounts.models import User
from apps.risk import selectors, services
from apps.risk.models import RiskHCC, RiskParameters, RiskRun, RiskScore
from apps.risk.parameters import DEFAULT_PARAMETERS
from tests.risk.world import DIALYSIS, WOMAN, load_world

pytestmark = pytest.mark.django_db
PY = 2027


@pytest.fixture
def world(tmp_path: Path) -> None:
    load_world(tmp_path / "package")


def test_a_run_scores_every_beneficiary_for_every_score_year(world: None) -> None:
    run = services.risk_run_compute(performance_year=PY)
    assert run.status == RiskRun.Status.SUCCEEDED, run.message
    assert run.score_years == (2024, 2025, 2026, 2027)
    years = {(m, y) for m, y in RiskScore.objects.filter(run=run).values_list("mbi", "score_year")}
    # Both were entitled before 2024 (DIALYSIS since 2019): four years each.
    assert years == {(m, y) for m in (WOMAN, DIALYSIS) for y in (2024, 2025, 2026, 2027)}
    assert run.parameters["model"] == "CMS-HCC Model V28"
    assert run.parameters["library"] == "hccinfhir 0.4.0"
    assert run.counts["years"]["2026"]["scored"] == 2
    assert set(run.timings) == {"inputs", "engine", "gaps", "store"}
    assert run.counts["recapture_gaps"] == run.gaps.count()


def test_the_stored_2026_score_is_the_librarys_for_the_2025_diagnoses(world: None) -> None:
    run = services.risk_run_compute(performance_year=PY)
    score = RiskScore.objects.get(run=run, mbi=WOMAN, score_year=2026)
    # The diagnoses tests/risk/test_inputs.py reads for 2025; female, 75 on 2026-02-01, dual 02, OREC 0.
    oracle = calculate_raf(["I5030", "E1122", "G35", "J449", "E1165"], age=75, sex="2", dual_elgbl_cd="02", orec="0")
    assert (score.model, score.segment, score.age, score.esrd, score.new_enrollee) == (
        "CMS-HCC Model V28",
        "CFA",
        75,
        False,
        False,
    )
    assert score.raw_score == pytest.approx(oracle.risk_score, abs=1e-9)
    assert score.normalized_score == pytest.approx(oracle.risk_score / 1.067 * (1 - 0.059), abs=1e-9)
    assert score.hccs == ";".join(sorted(oracle.hcc_list))
    # E11.65 maps to HCC 38, which HCC 37 (E11.22) drops: it did not enter the model.
    assert score.diagnoses == "E1122;G35;I5030;J449"
    terms = {k: v for k, v in oracle.coefficients.items() if k not in oracle.hcc_list}
    assert score.demographic_terms | score.interactions == terms
    hccs = {h.hcc: h for h in selectors.beneficiary_hccs(run=run, mbi=WOMAN, score_year=2026)}
    heart = hccs["226"]
    assert (heart.status, heart.diagnosis, heart.service_date, heart.claim_id, heart.source) == (
        RiskHCC.Status.COUNTED,
        "I5030",
        dt.date(2025, 3, 5),
        101,
        4,
    )
    assert heart.label == "Heart Failure, Except End-Stage and Acute"
    assert heart.coefficient == pytest.approx(oracle.coefficients["226"])
    lower = hccs["38"]
    assert (lower.status, lower.dropped_by, lower.diagnosis, lower.claim_id, lower.source) == (
        RiskHCC.Status.HIERARCHY,
        "37",
        "E1165",
        204,
        5,
    )


def test_the_esrd_beneficiary_is_scored_with_the_dialysis_model(world: None) -> None:
    run = services.risk_run_compute(performance_year=PY)
    score = RiskScore.objects.get(run=run, mbi=DIALYSIS, score_year=2027)
    # Male, 67 on 2027-02-01, ESRD, OREC 2, not dual, no diagnoses: DI_M65_69 + DI_Originally_ESRD_Male.
    oracle = calculate_raf([], model_name="CMS-HCC ESRD Model V24", age=67, sex="1", orec="2", prefix_override="DI_")
    assert (score.model, score.segment, score.esrd, score.hccs) == ("CMS-HCC ESRD Model V24", "DI", True, "")
    assert score.raw_score == pytest.approx(oracle.risk_score, abs=1e-9)
    assert set(score.demographic_terms) == {"M65_69", "Originally_ESRD_Male"}
    assert score.normalized_score == pytest.approx(oracle.risk_score * (1 - 0.059), abs=1e-9)  # ESRD factor 1


def test_the_first_base_year_is_scored_on_demographics_only(world: None) -> None:
    """PY2027's CCLF goes back to 2024 only: WOMAN's 2023 G35 (multiple sclerosis, an HCC) must not enter
    her 2024 score, which is the model's demographic score alone: female, 73 on 2024-02-01, dual 02, OREC 0."""
    run = services.risk_run_compute(performance_year=PY)
    assert run.demographic_only_years == (2024,)
    assert run.counts["years"]["2024"]["diagnoses_in_cclf"] is False
    assert run.counts["years"]["2025"]["diagnoses_in_cclf"] is True
    score = RiskScore.objects.get(run=run, mbi=WOMAN, score_year=2024)
    oracle = calculate_raf([], age=73, sex="2", dual_elgbl_cd="02", orec="0")
    assert (score.hccs, score.diagnoses) == ("", "")
    assert score.raw_score == pytest.approx(oracle.risk_score, abs=1e-9)
    # The 2024 diagnosis (I50.84, through 2024-12-31) is inside the CCLF: it counts for 2025.
    assert "I5084" in RiskScore.objects.get(run=run, mbi=WOMAN, score_year=2025).diagnoses


def test_computing_a_run_again_replaces_its_rows(world: None) -> None:
    run = services.risk_run_compute(performance_year=PY)
    before = RiskScore.objects.filter(run=run).count(), RiskHCC.objects.filter(run=run).count()
    RiskRun.objects.filter(pk=run.pk).update(status=RiskRun.Status.REQUESTED)
    again = services.risk_run_execute(run_id=run.pk)
    assert again.status == RiskRun.Status.SUCCEEDED
    assert (RiskScore.objects.filter(run=run).count(), RiskHCC.objects.filter(run=run).count()) == before
    # A run that is not waiting is left alone (a redelivered task).
    assert services.risk_run_execute(run_id=run.pk).finished_at == again.finished_at


def test_a_failing_run_says_why_and_keeps_no_rows(world: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from apps.risk import engine

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the tables are unreadable")

    monkeypatch.setattr(engine, "score", broken)
    run = services.risk_run_compute(performance_year=PY)
    assert (run.status, run.message) == (RiskRun.Status.FAILED, "RuntimeError: the tables are unreadable")
    assert not RiskScore.objects.filter(run=run).exists()


def test_per_py_parameters_are_used_when_set(world: None) -> None:
    assert selectors.parameters_for(performance_year=PY) == DEFAULT_PARAMETERS
    RiskParameters.objects.create(
        performance_year=PY, normalization_factor=Decimal("1.1"), coding_adjustment_pct=Decimal("2.5")
    )
    run = services.risk_run_compute(performance_year=PY)
    score = RiskScore.objects.get(run=run, mbi=WOMAN, score_year=2026)
    assert score.normalized_score == pytest.approx(score.raw_score / 1.1 * 0.975)
    assert run.parameters["coding_adjustment"] == pytest.approx(0.025)


def test_only_cms_administrators_start_runs_and_only_for_known_years(cms_admin: User, admin: User) -> None:
    with pytest.raises(PermissionDenied):
        services.risk_run_create(performance_year=PY, acting_user=admin)
    with pytest.raises(ValidationError):
        services.risk_run_create(performance_year=1999, acting_user=cms_admin)
    assert services.risk_run_create(performance_year=PY, acting_user=cms_admin).created_by == cms_admin


def test_selectors_for_high_needs_read_the_latest_successful_run(world: None) -> None:
    assert selectors.latest_scores(performance_year=PY) == {}
    services.risk_run_compute(performance_year=PY)
    run = services.risk_run_compute(performance_year=PY)
    RiskRun.objects.create(performance_year=PY, status=RiskRun.Status.FAILED)
    assert selectors.latest_run(performance_year=PY) == run
    scores = selectors.latest_scores(performance_year=PY)
    assert set(scores) == {WOMAN, DIALYSIS}
    assert scores[DIALYSIS].esrd and scores[DIALYSIS].segment == "DI"
    stored = RiskScore.objects.get(run=run, mbi=WOMAN, score_year=PY)
    assert scores[WOMAN].score == stored.normalized_score and scores[WOMAN].raw == stored.raw_score
    only = selectors.scores_for(run=run, score_year=2026, mbis=[WOMAN, "9ZZ9ZZ9ZZ99"])
    assert list(only) == [WOMAN]
    columns = selectors.score_columns(run=run, score_year=2026)
    assert columns.mbi.tolist() == [WOMAN, DIALYSIS] and columns.esrd.tolist() == [False, True]
    assert [s.score_year for s in selectors.beneficiary_scores(run=run, mbi=WOMAN)] == [2024, 2025, 2026, 2027]


def test_stale_running_runs_are_failed_by_the_sweep(world: None) -> None:
    from django.utils import timezone

    old = timezone.now() - dt.timedelta(hours=3)
    stale = RiskRun.objects.create(performance_year=PY, status=RiskRun.Status.RUNNING, started_at=old, heartbeat_at=old)
    fresh = RiskRun.objects.create(
        performance_year=PY, status=RiskRun.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    assert services.risk_runs_take_over() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (RiskRun.Status.FAILED, RiskRun.Status.RUNNING)
    assert stale.message.startswith("The worker computing this run stopped")
