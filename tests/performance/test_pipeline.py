"""The money step's inputs and the pipeline run around them, on claims loaded through the CCLF loader.

The dataset, PY2027 (every figure below is worked out by hand from docs/money.md and the docstring of
apps/performance/inputs.py):

- M1, aligned to L0001 (Aged & Disabled) from 2027-01-01, alive, Part A from 2025-03-10 and Part B from
  2025-01-01: entitled from April 2025 (the later start, mid-month → the next month).
  - inpatient stay 2027-03-01, original $10,000 replaced by its adjustment at $12,000 → inpatient $12,000
  - SNF 2027-03-06 $3,000; outpatient 2027-06-10 $500
  - Part B 2027-02-01 $100 paid; Part B 2027-02-02 $80 denied (left out)
  - DME 2027-04-01 $250
  - base year: Part B 2025-05-01 $300
- M2, aligned to L0001 (ESRD) from 2027-07-01 (a mid-year addition), died 2027-09-15; no entitlement dates
  (entitled all along).
  - Part B 2027-05-01 $400: before the alignment took effect, left out; Part B 2027-08-01 $600 counted
  - base year: Part A home health 2026-02-01 $1,200
- M3, aligned to L0002 (Aged & Disabled) from 2027-01-01: hospice 2027-01-15 $2,000.
- M4, aligned to nobody: Part B 2027-03-03 $999 (left out).

Claims run through August 2027 (M2's line of 2027-08-01 is the last PY claim), so PY member-months end there:
M1 Jan–Aug = 8, M2 Jul–Aug = 2, M3 Jan–Aug = 8.
Base years: M1 2024: 0 (not entitled), 2025: Apr–Dec = 9, 2026: 12; M2 and M3: 12 a year.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from apps.acos.models import ACO, Election
from apps.alignment.models import AlignedBeneficiary
from apps.performance import inputs, services
from apps.performance.models import CostFact, MemberMonthFact, PerformanceSummary, PipelineRun, PipelineStep
from tests.claims.cclf_builders import beneficiary, dme, ingest, mbi, part_a_paid, part_b_paid, write_package
from tests.factories import alignment_run

PY = 2027
M1, M2, M3, M4 = mbi(1), mbi(2), mbi(3), mbi(4)
D = dt.date


@pytest.fixture
def loaded(tmp_path: Path, db: None) -> tuple[ACO, ACO]:
    files = {
        "CCLF8": [
            beneficiary(M1, BENE_PART_A_ENRLMT_BGN_DT="2025-03-10", BENE_PART_B_ENRLMT_BGN_DT="2025-01-01"),
            beneficiary(M2, BENE_DEATH_DT="2027-09-15", BENE_MDCR_STUS_CD="11"),
            beneficiary(M3),
            beneficiary(M4),
        ],
        "CCLF1": [
            part_a_paid(101, M1, 60, "2027-03-01", "10000.00", CLM_EFCTV_DT="2027-03-10"),
            part_a_paid(102, M1, 60, "2027-03-01", "12000.00", CLM_ADJSMT_TYPE_CD="2", CLM_EFCTV_DT="2027-03-20"),
            part_a_paid(103, M1, 20, "2027-03-06", "3000.00", PRVDR_OSCAR_NUM="215001"),
            part_a_paid(104, M1, 40, "2027-06-10", "500.00", PRVDR_OSCAR_NUM="210002"),
            part_a_paid(105, M2, 10, "2026-02-01", "1200.00", PRVDR_OSCAR_NUM="217001"),
            part_a_paid(106, M3, 50, "2027-01-15", "2000.00", PRVDR_OSCAR_NUM="211501"),
        ],
        "CCLF5": [
            part_b_paid(1, "B1", M1, "2027-02-01", "100.00"),
            part_b_paid(2, "B2", M1, "2027-02-02", "80.00", CLM_CARR_PMT_DNL_CD="0"),
            part_b_paid(3, "B3", M1, "2025-05-01", "300.00"),
            part_b_paid(4, "B4", M2, "2027-05-01", "400.00"),
            part_b_paid(5, "B5", M2, "2027-08-01", "600.00"),
            part_b_paid(6, "B6", M4, "2027-03-03", "999.00"),
        ],
        "CCLF6": [dme(7, "D1", BENE_MBI_ID=M1, CLM_LINE_FROM_DT="2027-04-01", CLM_LINE_CVRD_PD_AMT="250.00")],
    }
    run = ingest(write_package(tmp_path / "pkg", files)["CCLF0"].parent)
    assert run.status == "succeeded", run.message
    first = ACO.objects.create(aco_id="L0001", legal_name="Harbor ACO", states=["MD"])
    second = ACO.objects.create(aco_id="L0002", legal_name="Bay ACO", states=["MD"])
    Election.objects.create(aco=first, performance_year=PY, risk_option="global")
    Election.objects.create(aco=second, performance_year=PY, risk_option="professional")
    return first, second


def align(first: ACO, second: ACO) -> Any:
    run = alignment_run(PY)
    jan1 = D(PY, 1, 1)
    AlignedBeneficiary.objects.bulk_create(
        [
            AlignedBeneficiary(run=run, mbi=M1, aco=first, alignment_type="claims", step="1", effective_from=jan1),
            AlignedBeneficiary(
                run=run,
                mbi=M2,
                aco=first,
                alignment_type="voluntary",
                step="voluntary",
                effective_from=D(PY, 7, 1),
                added_midyear=True,
                cohort="esrd",
            ),
            AlignedBeneficiary(run=run, mbi=M3, aco=second, alignment_type="claims", step="1", effective_from=jan1),
        ]
    )
    return run


def facts(
    pipeline: PipelineRun,
) -> tuple[dict[tuple[str, str, int, int, str], Decimal], dict[tuple[str, str, int], int]]:
    cost = {
        (f.aco.aco_id, f.cohort, f.year, f.month, f.category): f.amount
        for f in CostFact.objects.filter(run=pipeline).select_related("aco")
    }
    months: dict[tuple[str, str, int], int] = {}
    for f in MemberMonthFact.objects.filter(run=pipeline).select_related("aco"):
        key = (f.aco.aco_id, f.cohort, f.year)
        months[key] = months.get(key, 0) + f.members
    return cost, months


def test_money_facts_worked_by_hand(loaded: tuple[ACO, ACO]) -> None:
    run = align(*loaded)
    pipeline = services.pipeline_run_create(performance_year=PY)
    counts = inputs.write_facts(run_id=pipeline.pk, alignment_run_id=run.pk, performance_year=PY, as_of=None)
    assert counts["claims_through"] == "2027-08-31"
    cost, months = facts(pipeline)
    assert cost == {
        ("L0001", "aged_disabled", 2027, 3, "inpatient"): Decimal("12000.00"),
        ("L0001", "aged_disabled", 2027, 3, "snf"): Decimal("3000.00"),
        ("L0001", "aged_disabled", 2027, 6, "outpatient"): Decimal("500.00"),
        ("L0001", "aged_disabled", 2027, 2, "professional"): Decimal("100.00"),
        ("L0001", "aged_disabled", 2027, 4, "dme"): Decimal("250.00"),
        ("L0001", "aged_disabled", 2025, 5, "professional"): Decimal("300.00"),
        ("L0001", "esrd", 2027, 8, "professional"): Decimal("600.00"),
        ("L0001", "esrd", 2026, 2, "home_health"): Decimal("1200.00"),
        ("L0002", "aged_disabled", 2027, 1, "hospice"): Decimal("2000.00"),
    }
    assert months == {
        ("L0001", "aged_disabled", 2025): 9,
        ("L0001", "aged_disabled", 2026): 12,
        ("L0001", "aged_disabled", 2027): 8,
        ("L0001", "esrd", 2024): 12,
        ("L0001", "esrd", 2025): 12,
        ("L0001", "esrd", 2026): 12,
        ("L0001", "esrd", 2027): 2,
        ("L0002", "aged_disabled", 2024): 12,
        ("L0002", "aged_disabled", 2025): 12,
        ("L0002", "aged_disabled", 2026): 12,
        ("L0002", "aged_disabled", 2027): 8,
    }
    # The M2 months of the PY are July and August only.
    assert sorted(
        MemberMonthFact.objects.filter(run=pipeline, cohort="esrd", year=PY).values_list("month", flat=True)
    ) == [7, 8]


def test_as_of_ends_claims_and_member_months(loaded: tuple[ACO, ACO]) -> None:
    # As of 2027-03-31: the June outpatient visit, the April DME line and M2's August line fall after it.
    # M1 counts Jan-Mar (3 months); M2 is not aligned yet in any month through March.
    run = align(*loaded)
    pipeline = services.pipeline_run_create(performance_year=PY, as_of=D(PY, 3, 31))
    inputs.write_facts(run_id=pipeline.pk, alignment_run_id=run.pk, performance_year=PY, as_of=D(PY, 3, 31))
    cost, months = facts(pipeline)
    assert sum(v for k, v in cost.items() if k[0] == "L0001" and k[2] == PY) == Decimal("15100.00")
    assert months[("L0001", "aged_disabled", 2027)] == 3
    assert ("L0001", "esrd", 2027) not in months


def test_pipeline_summary_settles_the_worked_case(loaded: tuple[ACO, ACO]) -> None:
    """The whole chain on the facts above, L0001 (Global, not newly entering, no capitation), trend 3%:

    A&D base PBPMs: 2025 $300 / 9 = $33.333…; 2026 $0 / 12 = $0; 2024 has no months and drops out, the other
    two weigh 1/2 each. Trended: 33.333… x 1.03^2 = 35.3633…; 0 x 1.03 = 0 → mean 17.6817 → $17.68.
    ESRD: 2024 $0, 2025 $0, 2026 $1,200 / 12 = $100 x 1.03 = $103 → (0 + 0 + 103) / 3 = $34.33.
    Higher-spending? L0001's base PBPM = ($300 + $1,200) / (9 + 12 + 36) = $26.32; the portal's adds L0002's
    36 months at $0: $1,500 / 93 = $16.13 → L0001 spends more: discount 1.75%.
    A&D 17.68 x 0.9825 = 17.3706 → $17.37; ESRD 34.33 x 0.9825 = 33.7292… → $33.73.
    Benchmark dollars: 17.37 x 8 + 33.73 x 2 = 138.96 + 67.46 = $206.42 (before discount 17.68 x 8 + 34.33 x 2 =
    141.44 + 68.66 = $210.10; discount $3.68).
    Expenditure: 12,000 + 3,000 + 500 + 100 + 250 + 600 = $16,450. Withhold 3% of 206.42 = $6.19; no scored
    quality measure (no quality results in this data) → nothing earned back.
    Gross = 206.42 - 6.19 - 16,450 = -$16,249.77, a loss of 7,872% of the benchmark: Global bands 15% at 100%
    (-30.963), 20% at 50% (-20.642), 15% at 25% (-7.74075), the rest (7,822.14%) at 10% (-1,614.66…).
    """
    first, _ = loaded
    run = align(*loaded)
    pipeline = services.pipeline_run_create(performance_year=PY)
    PipelineRun.objects.filter(pk=pipeline.pk).update(alignment_run=run)
    for name in ("money", "summaries"):
        assert services.pipeline_step_execute(run_id=pipeline.pk, name=name, inline=True) == "succeeded"
    data = PerformanceSummary.objects.get(run=pipeline, aco=first).data
    cohorts = {c["cohort"]: c for c in data["cohorts"]}
    assert cohorts["aged_disabled"]["benchmark_before_discount"] == 17.68
    assert cohorts["aged_disabled"]["benchmark_pbpm"] == 17.37
    assert cohorts["esrd"]["benchmark_before_discount"] == 34.33
    assert cohorts["esrd"]["benchmark_pbpm"] == 33.73
    assert [b["year"] for b in cohorts["aged_disabled"]["base_years"]] == [2025, 2026]
    s = data["settlement"]
    assert (s["benchmark_before_discount"], s["discount"], s["benchmark"]) == (210.10, 3.68, 206.42)
    assert (s["expenditure"], s["member_months"], s["withhold"], s["earned_back"]) == (16450.0, 10, 6.19, 0.0)
    assert s["gross_savings"] == -16249.77
    assert data["parameters"]["higher_spending"] is True
    # Monthly and category views of the same money.
    assert {m["month"]: m["expenditure"] for m in data["months"]}["2027-03"] == 15000.0
    assert {c["category"]: c["expenditure"] for c in data["categories"]} == {
        "inpatient": 12000.0,
        "outpatient": 500.0,
        "snf": 3000.0,
        "home_health": 0.0,
        "hospice": 0.0,
        "professional": 700.0,
        "dme": 250.0,
    }
    assert data["vintage"]["claims_through"] == "2027-08"
    assert data["estimate"] is True


def test_the_summary_keeps_each_categorys_base_year_spending_and_claims(loaded: tuple[ACO, ACO]) -> None:
    """L0001's base-year member-months, both cohorts: 2024 ESRD 12 (M1 not entitled); 2025 9 + 12 = 21;
    2026 12 + 12 = 24. Professional: M1's $300 line of 2025 → $300 / 21 = $14.29 PBPM, 1 line; home health:
    M2's $1,200 of 2026 → $1,200 / 24 = $50.00, 1 claim; every other base-year figure $0. PY claims: the
    inpatient stay once (its replaced version does not count), M1's paid line and M2's August line."""
    first, _ = loaded
    run = align(*loaded)
    pipeline = services.pipeline_run_create(performance_year=PY)
    PipelineRun.objects.filter(pk=pipeline.pk).update(alignment_run=run)
    for name in ("money", "summaries"):
        assert services.pipeline_step_execute(run_id=pipeline.pk, name=name, inline=True) == "succeeded"
    categories = {c["category"]: c for c in PerformanceSummary.objects.get(run=pipeline, aco=first).data["categories"]}
    assert categories["professional"]["base_years"] == [
        {"year": 2024, "member_months": 12, "expenditure": 0.0, "pbpm": 0.0, "claims": 0},
        {"year": 2025, "member_months": 21, "expenditure": 300.0, "pbpm": 14.29, "claims": 1},
        {"year": 2026, "member_months": 24, "expenditure": 0.0, "pbpm": 0.0, "claims": 0},
    ]
    assert [(b["year"], b["pbpm"], b["claims"]) for b in categories["home_health"]["base_years"]] == [
        (2024, 0.0, 0),
        (2025, 0.0, 0),
        (2026, 50.0, 1),
    ]
    assert {k: c["claims"] for k, c in categories.items()} == {
        "inpatient": 1,
        "outpatient": 1,
        "snf": 1,
        "home_health": 0,
        "hospice": 0,
        "professional": 2,
        "dme": 1,
    }


def test_run_pipeline_command_runs_every_step_and_prints_the_money(loaded: tuple[ACO, ACO]) -> None:
    out = io.StringIO()
    call_command("run_pipeline", performance_year=PY, stdout=out)
    run = PipelineRun.objects.get()
    assert run.status == PipelineRun.Status.SUCCEEDED and run.percent == 100
    assert [(s.name, s.status, s.attempts) for s in run.steps.all()] == [
        ("risk", "succeeded", 1),
        ("alignment", "succeeded", 1),
        ("quality", "succeeded", 1),
        ("rural", "succeeded", 1),
        ("duals", "succeeded", 1),
        ("episodes", "succeeded", 1),
        ("glp1", "succeeded", 1),
        ("money", "succeeded", 1),
        ("summaries", "succeeded", 1),
    ]
    # Risk first: the alignment run evaluated the High Needs risk-score criteria with the pipeline's scores.
    assert run.risk_run is not None and run.risk_run.status == "succeeded"
    assert run.alignment_run is not None and run.alignment_run.risk_run_id == run.risk_run_id
    assert run.alignment_run.counts["high_needs_not_evaluated"] == []
    # The duals step read every aligned beneficiary of the run's alignment into its own dual run.
    assert run.dual_run is not None and run.dual_run.alignment_run_id == run.alignment_run_id
    assert run.dual_run.status == "succeeded"
    assert run.dual_run.beneficiaries.count() == run.alignment_run.aligned.count()
    # The episodes step built the PY's episodes over the same alignment.
    assert run.episode_run is not None and run.episode_run.alignment_run_id == run.alignment_run_id
    assert run.episode_run.status == "succeeded" and run.episode_run.risk_run_id == run.risk_run_id
    summaries = run.steps.get(name="summaries")
    assert (summaries.shards_total, summaries.shards_done) == (2, 2)  # both ACOs have an election
    assert set(run.summaries.values_list("aco__aco_id", flat=True)) == {"L0001", "L0002"}
    text = out.getvalue()
    assert "Money (estimates):" in text and f"Pipeline run {run.pk} (PY2027)" in text


def test_a_failed_step_keeps_its_reason_and_resume_redoes_it_without_double_counting(
    loaded: tuple[ACO, ACO], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The money step fails on its first attempt after writing its rows (inside its transaction).
    monkeypatch.setenv("PIPELINE_FAULT", "money:raise")
    run = services.pipeline_run_execute(run_id=services.pipeline_run_create(performance_year=PY).pk)
    assert run.status == PipelineRun.Status.FAILED
    assert "Money inputs failed: fault injected into the money step (attempt 1)" in run.message
    money = run.steps.get(name="money")
    assert (money.status, money.attempts) == (PipelineStep.Status.FAILED, 1)
    assert not CostFact.objects.filter(run=run).exists()  # rolled back with the failure
    alignment_before = run.alignment_run_id
    # Resume: alignment and quality stay done (same runs); money runs again (attempt 2) and succeeds.
    services.pipeline_run_resume(run_id=run.pk)
    run = services.pipeline_run_execute(run_id=run.pk)
    assert run.status == PipelineRun.Status.SUCCEEDED, run.message
    assert run.alignment_run_id == alignment_before
    assert [(s.name, s.attempts) for s in run.steps.all()] == [
        ("risk", 1),
        ("alignment", 1),
        ("quality", 1),
        ("rural", 1),
        ("duals", 1),
        ("episodes", 1),
        ("glp1", 1),
        ("money", 2),
        ("summaries", 1),
    ]
    # Redoing the money step again replaces its rows: the same totals, nothing doubled.
    total = sum(CostFact.objects.filter(run=run).values_list("amount", flat=True))
    assert run.alignment_run_id is not None
    inputs.write_facts(run_id=run.pk, alignment_run_id=run.alignment_run_id, performance_year=PY, as_of=None)
    assert sum(CostFact.objects.filter(run=run).values_list("amount", flat=True)) == total


def test_a_redelivered_step_message_takes_over_a_step_its_worker_left_running(loaded: tuple[ACO, ACO]) -> None:
    run = services.pipeline_run_create(performance_year=PY)
    # A worker took the alignment step (task "t-1") and died: the step is left running under "t-1".
    PipelineStep.objects.filter(run=run, name="alignment").update(status="running", task_id="t-1", attempts=1)
    # Another task id finds it running and leaves it alone; the same message redelivered takes it over.
    assert services.pipeline_step_execute(run_id=run.pk, name="alignment", task_id="t-2", inline=True) == "skipped"
    assert services.pipeline_step_execute(run_id=run.pk, name="alignment", task_id="t-1", inline=True) == "succeeded"
    step = run.steps.get(name="alignment")
    assert (step.status, step.attempts, step.task_id) == ("succeeded", 2, "t-1")
    # A finished step delivered again does nothing more.
    assert services.pipeline_step_execute(run_id=run.pk, name="alignment", task_id="t-3", inline=True) == "succeeded"
    assert run.steps.get(name="alignment").attempts == 2


def test_an_interrupted_alignment_run_is_replaced_not_reused(loaded: tuple[ACO, ACO]) -> None:
    run = services.pipeline_run_create(performance_year=PY)
    stale = alignment_run(PY, status="running", finished_at=None)
    PipelineRun.objects.filter(pk=run.pk).update(alignment_run=stale)
    assert services.pipeline_step_execute(run_id=run.pk, name="alignment", inline=True) == "succeeded"
    run.refresh_from_db()
    stale.refresh_from_db()
    assert run.alignment_run_id != stale.pk
    assert stale.status == "failed" and "Interrupted" in stale.message


def test_a_claims_load_starts_the_pipeline(
    tmp_path: Path, db: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.PIPELINE_AFTER_INGEST = True
    ACO.objects.create(aco_id="L0001", legal_name="Harbor ACO", states=["MD"])
    files = {"CCLF8": [beneficiary(M1)], "CCLF5": [part_b_paid(1, "B1", M1, "2027-02-01", "100.00")]}
    with django_capture_on_commit_callbacks(execute=True):
        load = ingest(write_package(tmp_path / "pkg", files)["CCLF0"].parent)
    assert load.status == "succeeded"
    run = PipelineRun.objects.get()  # eager Celery: the whole chain ran
    assert (run.trigger, run.performance_year, run.status) == ("ingest", PY, "succeeded")
    # Loading the same bytes again changes nothing and starts nothing.
    with django_capture_on_commit_callbacks(execute=True):
        again = ingest(write_package(tmp_path / "pkg2", files)["CCLF0"].parent)
    assert again.status == "unchanged"
    assert PipelineRun.objects.count() == 1


def test_only_cms_admins_start_runs_and_the_year_must_be_known(db: None) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from apps.accounts.models import User
    from tests.factories import CMSUserFactory

    with pytest.raises(PermissionDenied):
        services.pipeline_run_create(performance_year=PY, acting_user=CMSUserFactory.create())
    admin = CMSUserFactory.create(cms_role=User.CMSRole.ADMIN)
    assert services.pipeline_run_create(performance_year=PY, acting_user=admin).created_by == admin
    with pytest.raises(ValidationError):
        services.pipeline_run_create(performance_year=1999)
    with pytest.raises(ValidationError):
        services.pipeline_run_create(performance_year=PY, as_of=D(2026, 12, 31))


def test_the_rural_step_adds_the_add_on_beside_the_settlement_never_in_it(loaded: tuple[ACO, ACO]) -> None:
    """L0001 gets a rural Participant TIN (ZIP 24801, RUCA 7) of providers new to ACOs, so it qualifies.
    M1 is aligned through it all year (12 months) and M2 from July until it died on 2027-09-15 (July,
    August, September: 3 months): 15 member-months x $8.00 = $120.00. The settlement is the same figure as
    without the add-on (worked in the test above: the add-on is shown beside it)."""
    from apps.acos.models import ParticipantTIN

    first, _ = loaded
    run = align(*loaded)
    ParticipantTIN.objects.create(
        aco=first, performance_year=PY, tin="111000001", legal_name="Mountain Clinic", practice_zip="24801",
        new_to_aco=True,
    )  # fmt: skip
    AlignedBeneficiary.objects.filter(run=run, aco=first).update(tin="111000001", unit_kind="tin")
    pipeline = services.pipeline_run_create(performance_year=PY)
    PipelineRun.objects.filter(pk=pipeline.pk).update(alignment_run=run)
    for name in ("rural", "duals", "money", "summaries"):
        assert services.pipeline_step_execute(run_id=pipeline.pk, name=name, inline=True) == "succeeded"
    s = PerformanceSummary.objects.get(run=pipeline, aco=first).data["settlement"]
    assert s["rural_addon"] == 120.0
    assert "rural" not in {line["key"] for line in s["lines"]}
    assert s["gross_savings"] == -16249.77  # as without the add-on
    assert PerformanceSummary.objects.get(run=pipeline, aco=loaded[1]).data["settlement"]["rural_addon"] is None
