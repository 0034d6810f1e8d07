"""The dual run through real rows (tests/medicaid/conftest.py ``dual_world``), worked by hand, and the
dashboard's selector.

The world, PY2027, no as-of date. Counted claims (current, not denied, in each window):
- DUAL_FULL (02, all year): inpatient 2027-03-02 $10,000 (its replaced version $9,000 is not
  current); outpatient 05-10 $500 with revenue center 0450 (ED); outpatient 07-01 $200 (0510, not ED);
  Part B 02-01 $100 (the $80 denied line does not count); DME 08-15 $50 (the 2026 line is outside the
  year). Spending $10,850.00; 1 admission (last 2027-03-02); 1 ED visit.
- DUAL_PARTIAL (01, no effective date: all year): Part B 09-20 $300; outpatient 10-05 $400 whose only
  ED line (0456) is a replaced one. Spending $700.00; no admission; no ED visit.
- NOT_DUAL (NA, died 2027-06-15): inpatient 06-01 $20,000; outpatient 06-10 $1,000 with two ED lines
  (0450, 0451): one visit. Spending $21,000.00; 1 admission; 1 ED visit.
- DUAL_FULL_LATE (08, effective 2027-04-01): the Part B line of 03-10 is before the effective date and
  the one of 2028-01-05 after the year; SNF 11-20 $5,000 (type 20: spending, not an admission).
  Spending $5,000.00.
The latest counted claim is 2027-11-20, so the run-through is 2027-11-30. Member-months (alive on the
first of the month, from the effective month, through November): DUAL_FULL 11, DUAL_PARTIAL 11,
NOT_DUAL 6 (January–June), DUAL_FULL_LATE 8 (April–November).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from apps.acos.models import ACO
from apps.medicaid.duals import selectors, services
from apps.medicaid.models import DualBeneficiary, DualRun
from tests.factories import DUAL_FULL, DUAL_FULL_LATE, DUAL_PARTIAL, NOT_DUAL, OTHER_ACO_DUAL, claim_facts

pytestmark = pytest.mark.django_db


def rows(run: DualRun) -> dict[str, tuple[Any, ...]]:
    return {
        r[0]: r[1:]
        for r in DualBeneficiary.objects.filter(run=run).values_list(
            "mbi", "aco__aco_id", "dual_code", "dual_group", "member_months", "spending", "admissions", "ed_visits",
            "last_admission",
        )
    }  # fmt: skip


def test_each_beneficiary_hand_worked(dual_world: Any, aco: ACO, other_aco: ACO) -> None:
    run = services.dual_run_execute(alignment_run=dual_world)
    assert run.status == DualRun.Status.SUCCEEDED and run.finished_at is not None
    assert run.performance_year == 2027 and run.through == dt.date(2027, 11, 30)
    a, o = aco.aco_id, other_aco.aco_id
    assert rows(run) == {
        DUAL_FULL: (a, "02", "full", 11, Decimal("10850.00"), 1, 1, dt.date(2027, 3, 2)),
        DUAL_PARTIAL: (a, "01", "partial", 11, Decimal("700.00"), 0, 0, None),
        NOT_DUAL: (a, "NA", "none", 6, Decimal("21000.00"), 1, 1, dt.date(2027, 6, 1)),
        DUAL_FULL_LATE: (a, "08", "full", 8, Decimal("5000.00"), 0, 0, None),
        OTHER_ACO_DUAL: (o, "04", "full", 11, Decimal("40.00"), 0, 0, None),
    }
    assert run.counts == {
        "beneficiaries": 5, "acos": 2, "full": 3, "partial": 1, "none": 1, "claims_through": "2027-11-30",
    }  # fmt: skip


def test_as_of_ends_the_window_and_the_member_months(dual_world: Any) -> None:
    # Through June 30: DUAL_FULL keeps the stay, the ED visit and the Part B line ($10,600; the 07-01
    # clinic visit and the 08-15 DME line fall after); NOT_DUAL keeps everything; member-months end in June.
    run = services.dual_run_execute(alignment_run=dual_world, as_of=dt.date(2027, 6, 30))
    assert run.through == dt.date(2027, 6, 30)
    found = rows(run)
    assert found[DUAL_FULL][3:6] == (6, Decimal("10600.00"), 1)
    assert found[DUAL_PARTIAL][3:5] == (6, Decimal("0.00"))
    assert found[NOT_DUAL][3:7] == (6, Decimal("21000.00"), 1, 1)
    assert found[DUAL_FULL_LATE][3:5] == (3, Decimal("0.00"))  # April–June, the SNF stay is in November


def test_a_mid_year_alignment_runs_as_of_is_the_default(dual_world: Any) -> None:
    dual_world.as_of = dt.date(2027, 5, 31)
    dual_world.save(update_fields=["as_of"])
    run = services.dual_run_execute(alignment_run=dual_world)
    assert run.through == dt.date(2027, 5, 31)
    assert rows(run)[DUAL_FULL][3:5] == (5, Decimal("10600.00"))


def test_no_claims_yet_means_no_member_months(aco: ACO) -> None:
    from tests.factories import aligned, alignment_run, cclf8_beneficiary

    run = alignment_run(2027)
    aligned(run, aco, DUAL_FULL)
    cclf8_beneficiary(DUAL_FULL, dual_status="04")
    dual = services.dual_run_execute(alignment_run=run)
    assert dual.through is None
    assert rows(dual)[DUAL_FULL][1:5] == ("04", "full", 0, Decimal("0.00"))
    assert "no claims of the year yet" in dual.message


def test_an_aligned_beneficiary_without_a_cclf8_record_is_not_dual(aco: ACO) -> None:
    from tests.factories import aligned, alignment_run

    run = alignment_run(2027)
    aligned(run, aco, DUAL_FULL)
    dual = services.dual_run_execute(alignment_run=run)
    assert rows(dual)[DUAL_FULL][1:3] == ("", "none")


def test_a_rerun_is_a_new_run_and_the_latest_is_read(dual_world: Any, aco: ACO) -> None:
    from apps.claims.models import PartBLine

    first = services.dual_run_execute(alignment_run=dual_world)
    line = PartBLine.objects.filter(current_mbi=DUAL_PARTIAL).first()
    assert line is not None
    PartBLine.objects.create(
        file_id=line.file_id, current_mbi=DUAL_PARTIAL, is_current=True, clm_line_from_dt=dt.date(2027, 9, 21),
        clm_line_cvrd_pd_amt=Decimal("44.00"),
    )  # fmt: skip
    claim_facts()  # as a load would
    second = services.dual_run_execute(alignment_run=dual_world)
    assert second.pk != first.pk
    assert rows(first)[DUAL_PARTIAL][4] == Decimal("700.00")  # the first run is left as it was
    assert rows(second)[DUAL_PARTIAL][4] == Decimal("744.00")
    assert DualBeneficiary.objects.filter(run=first).count() == DualBeneficiary.objects.filter(run=second).count() == 5
    assert selectors.latest_run(performance_year=2027) == second
    summary = selectors.dual_summary(aco=aco, performance_year=2027)
    assert summary.groups["partial"].spending == Decimal("744.00")


def test_a_failed_run_keeps_the_reason_and_raises(dual_world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("claims table missing")

    monkeypatch.setattr(services, "_claims", broken)
    with pytest.raises(RuntimeError):
        services.dual_run_execute(alignment_run=dual_world)
    run = DualRun.objects.get()
    assert run.status == DualRun.Status.FAILED and "claims table missing" in run.message
    assert not DualBeneficiary.objects.exists()
    assert selectors.latest_run(performance_year=2027) is None


def test_the_summary_by_group_hand_worked(dual_world: Any, aco: ACO) -> None:
    services.dual_run_execute(alignment_run=dual_world)
    s = selectors.dual_summary(aco=aco, performance_year=2027)
    full, partial, none, duals = s.groups["full"], s.groups["partial"], s.groups["none"], s.duals
    # Full: DUAL_FULL + DUAL_FULL_LATE (the other ACO's dual is not ours): 19 member-months,
    # $15,850.00 → $834.21 PBPM; 1 admission and 1 ED visit → 1 / 19 × 12,000 = 631.6 each.
    assert (full.beneficiaries, full.member_months, full.spending) == (2, 19, Decimal("15850.00"))
    assert (full.pbpm, full.admissions_per_1000, full.ed_visits_per_1000) == (
        Decimal("834.21"), Decimal("631.6"), Decimal("631.6"),
    )  # fmt: skip
    # Partial: $700.00 over 11 → $63.64; no admissions, no ED visits.
    assert (partial.beneficiaries, partial.pbpm, partial.admissions_per_1000) == (1, Decimal("63.64"), Decimal("0.0"))
    # Not dual: $21,000 over 6 → $3,500.00; 1 stay and 1 visit over 6 months → 2,000 per 1,000.
    assert (none.pbpm, none.admissions_per_1000, none.ed_visits_per_1000) == (
        Decimal("3500.00"), Decimal("2000.0"), Decimal("2000.0"),
    )  # fmt: skip
    # All duals: 3, 30 member-months, $16,550 → $551.67; 1 stay over 30 → 400.0 per 1,000.
    assert (duals.beneficiaries, duals.member_months, duals.pbpm, duals.admissions_per_1000) == (
        3, 30, Decimal("551.67"), Decimal("400.0"),
    )  # fmt: skip
    assert s.aligned.beneficiaries == 4 and s.dual_share == Decimal("75.0")
    counts = {c.code: c.beneficiaries for c in s.codes}
    assert counts == {
        "": 0, "NA": 1, "00": 0, "01": 1, "02": 1, "03": 0, "04": 0, "05": 0, "06": 0, "08": 1, "09": 0, "10": 0,
        "99": 0,
    }  # fmt: skip


def test_the_summary_without_a_run_is_empty(aco: ACO) -> None:
    s = selectors.dual_summary(aco=aco, performance_year=2027)
    assert s.run is None and s.aligned.beneficiaries == 0 and s.dual_share is None
    assert len(s.codes) == 13 and all(c.beneficiaries == 0 for c in s.codes)


def test_the_full_list_is_the_acos_full_duals_sorted_and_searched(dual_world: Any, aco: ACO) -> None:
    services.dual_run_execute(alignment_run=dual_world)
    found = selectors.full_dual_list(aco=aco, performance_year=2027)
    assert [r.mbi for r in found.rows] == [DUAL_FULL, DUAL_FULL_LATE]  # Full, Late (by last name)
    assert found.suppressed == 0
    by_spending = selectors.full_dual_list(aco=aco, performance_year=2027, sort="-spending")
    assert [r.mbi for r in by_spending.rows] == [DUAL_FULL, DUAL_FULL_LATE]
    assert [r.mbi for r in selectors.full_dual_list(aco=aco, performance_year=2027, sort="spending").rows] == [
        DUAL_FULL_LATE, DUAL_FULL,
    ]  # fmt: skip
    late = selectors.full_dual_list(aco=aco, performance_year=2027, q="late").rows
    # Name and cohort are annotations from the alignment run.
    assert [(r.mbi, vars(r)["first_name"], vars(r)["cohort"]) for r in late] == [(DUAL_FULL_LATE, "Dee", "high_needs")]
    assert [r.mbi for r in selectors.full_dual_list(aco=aco, performance_year=2027, q="1eg4").rows] == [DUAL_FULL]
