"""EBRA arithmetic and reconciliation, worked by hand from docs/cara.md ("Target prices", "Reconciliation").

The factor: a = performance adjustment share, q = quality points / 100 (no result: 0);
savings (Σ(target − actual) ≥ 0) × ((1 − a) + a·q), losses × ((1 − a) + a·(1 − q)); a repayment is at most the
repayment limit × the period's total target price."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.alignment.models import AlignmentRun
from apps.cara import arrangements
from apps.cara import reconcile as m
from apps.cara.models import Arrangement, ArrangementStatus, Reconciliation
from apps.quality.models import MeasureDefinition, MeasureMember, QualityRun
from tests.cara.ebra_world import PY, World, make_world


def test_target_price_is_the_baseline_less_the_discount_or_plus_the_premium_in_whole_cents() -> None:
    assert m.target_cents(2_000_000, "discount", "10") == 1_800_000
    assert m.target_cents(1_500_000, "premium", "5") == 1_575_000
    # $12,345.67 less 3% = $11,975.2999 → $11,975.30
    assert m.target_cents(1_234_567, "discount", "3") == 1_197_530


def test_periods_are_blocks_of_months_from_the_effective_start_cut_at_the_end() -> None:
    d = dt.date
    assert m.periods(d(2027, 1, 1), d(2027, 12, 31), 3) == [
        (d(2027, 1, 1), d(2027, 3, 31)),
        (d(2027, 4, 1), d(2027, 6, 30)),
        (d(2027, 7, 1), d(2027, 9, 30)),
        (d(2027, 10, 1), d(2027, 12, 31)),
    ]
    assert m.periods(d(2027, 1, 1), d(2027, 5, 15), 3) == [
        (d(2027, 1, 1), d(2027, 3, 31)),
        (d(2027, 4, 1), d(2027, 5, 15)),
    ]
    assert m.periods(d(2027, 2, 1), d(2027, 3, 31), 6) == [(d(2027, 2, 1), d(2027, 3, 31))]


def lines(*actual: int, target: int = 2_000_000) -> list[m.Line]:
    return [m.Line(target, a) for a in actual]


def test_losses_with_good_quality_repay_less_and_the_repayment_limit_caps_them() -> None:
    # Targets 3 × $20,000 = $60,000; actual $15,000 + $25,000 + $30,000 = $70,000: −$10,000.
    # a = 50%, q = 0.8: losses × (0.5 + 0.5 × 0.2) = 0.6 → −$6,000; cap 20% × $60,000 = $12,000: not reached.
    out = m.reconcile(lines(1_500_000, 2_500_000, 3_000_000), adjustment_pct="50", points=80, repayment_limit_pct="20")
    assert (out.target_cents, out.actual_cents, out.difference_cents) == (6_000_000, 7_000_000, -1_000_000)
    assert out.factor == Decimal("0.600000")
    assert (out.adjusted_cents, out.repayment_cap_cents, out.capped, out.amount_cents) == (
        -600_000,
        1_200_000,
        False,
        -600_000,
    )
    # A 5% limit: cap $3,000 < $6,000: the Preferred Provider repays $3,000.
    out = m.reconcile(lines(1_500_000, 2_500_000, 3_000_000), adjustment_pct="50", points=80, repayment_limit_pct="5")
    assert (out.adjusted_cents, out.repayment_cap_cents, out.capped, out.amount_cents) == (
        -600_000,
        300_000,
        True,
        -300_000,
    )


def test_savings_with_good_quality_keep_more_and_no_quality_result_keeps_only_the_unadjusted_share() -> None:
    # $60,000 target, $50,000 actual: +$10,000. q = 0.8: × (0.5 + 0.4) = 0.9 → +$9,000.
    out = m.reconcile(lines(1_500_000, 1_500_000, 2_000_000), adjustment_pct="50", points=80, repayment_limit_pct="20")
    assert (out.difference_cents, out.factor, out.amount_cents) == (1_000_000, Decimal("0.900000"), 900_000)
    # No result counts as q = 0: × 0.5 → +$5,000; with a = 100% nothing is paid.
    assert (
        m.reconcile(
            lines(1_500_000, 1_500_000, 2_000_000), adjustment_pct="50", points=None, repayment_limit_pct="20"
        ).amount_cents
        == 500_000
    )
    assert (
        m.reconcile(
            lines(1_500_000, 1_500_000, 2_000_000), adjustment_pct="100", points=None, repayment_limit_pct="20"
        ).amount_cents
        == 0
    )
    # Losses with no result are repaid whole (a = 100%: × (0 + 1 × 1)).
    assert (
        m.reconcile(lines(2_500_000), adjustment_pct="100", points=None, repayment_limit_pct="50").amount_cents
        == -500_000
    )
    # a = 30%, 70 points, savings: 0.7 + 0.3 × 0.7 = 0.91.
    assert m.adjustment_factor(1, "30", 70.0) == Decimal("0.910000")
    # An empty period owes nothing.
    assert m.reconcile([], adjustment_pct="50", points=80, repayment_limit_pct="20").amount_cents == 0


# --- from the episodes of a run ------------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


def active_ebra(w: World, settings: Any, **overrides: Any) -> Arrangement:
    """Draft → offered → accepted → submitted → approved, and active at once (the portal's date is past the start)."""
    settings.PORTAL_TODAY = "2027-10-15"
    a = arrangements.arrangement_create(aco=w.aco, acting_user=w.admin, performance_year=PY, data=w.terms(**overrides))
    for action, user in (("offer", w.admin), ("accept", w.pp_user), ("submit", w.admin), ("approve", w.reviewer)):
        a = arrangements.arrangement_act(arrangement=a, acting_user=user, action=action, reason="Fine.")
    a.refresh_from_db()
    assert a.status == ArrangementStatus.ACTIVE
    return a


def quarter_world(w: World) -> None:
    """The Preferred Provider's hip/knee episodes: Q1 closed $15,000 and $24,000 and one open $10,000; Q2 closed
    $17,000. Not counted: its heart-failure episode (not an EBRA type), another provider's hip episode, one that
    does not count for payment, and one starting in Q4 (after the claims' run-through)."""
    w.episode(1_500_000, "2027-01-10", mbi="1EG4TE5MK71")
    w.episode(2_400_000, "2027-02-01", mbi="1EG4TE5MK72")
    w.episode(1_000_000, "2027-03-20", closed=False, mbi="1EG4TE5MK73")
    w.episode(1_700_000, "2027-04-15", mbi="1EG4TE5MK74")
    w.episode(9_900_000, "2027-02-02", definition=w.hf)
    w.episode(9_900_000, "2027-02-03", pp=w.npcc_pp)
    w.episode(9_900_000, "2027-02-04", payment=False)
    w.episode(9_900_000, "2027-10-02", closed=False)


@pytest.mark.django_db
def test_each_begun_period_is_reconciled_from_its_closed_episodes(settings: Any) -> None:
    w = make_world()
    quarter_world(w)
    # Target: $20,000 less 10% = $18,000. No quality run: q = 0.
    a = active_ebra(w, settings, terms=[{"definition": w.hip.pk, "adjustment": "discount", "rate_pct": "10"}])
    rows = list(Reconciliation.objects.filter(arrangement=a).order_by("period_start"))
    assert [(r.period_start.isoformat(), r.period_end.isoformat()) for r in rows] == [
        ("2027-01-01", "2027-03-31"),
        ("2027-04-01", "2027-06-30"),
        ("2027-07-01", "2027-09-30"),
    ]
    q1, q2, q3 = rows
    # Q1: 2 × $18,000 − ($15,000 + $24,000) = −$3,000; losses × (0.5 + 0.5 × 1) = −$3,000; cap 20% × $36,000.
    assert (q1.episodes, q1.open_episodes, q1.target_cents, q1.actual_cents) == (2, 1, 3_600_000, 3_900_000)
    assert (q1.difference_cents, q1.amount_cents, q1.repayment_cap_cents, q1.final) == (
        -300_000,
        -300_000,
        720_000,
        False,
    )
    assert q1.quality_points is None
    assert sorted(line["mbi"] for line in q1.lines) == ["1EG4TE5MK71", "1EG4TE5MK72"]
    # Q2: $18,000 − $17,000 = +$1,000; savings × (0.5 + 0) = +$500.
    assert (q2.episodes, q2.difference_cents, q2.adjustment_factor, q2.amount_cents, q2.final) == (
        1,
        100_000,
        Decimal("0.500000"),
        50_000,
        True,
    )
    assert (q3.episodes, q3.amount_cents, q3.final) == (0, 0, True)

    # Terminated on May 15: the second period ends that day; the third is gone.
    arrangements.arrangement_act(
        arrangement=a, acting_user=w.admin, action="terminate", on="2027-05-15", reason="Closing."
    )
    rows = list(Reconciliation.objects.filter(arrangement=a).order_by("period_start"))
    assert [(r.period_end.isoformat(), r.amount_cents) for r in rows] == [
        ("2027-03-31", -300_000),
        ("2027-05-15", 50_000),
    ]


@pytest.mark.django_db
def test_the_quality_measure_is_uamcc_over_the_preferred_providers_attributed_beneficiaries(settings: Any) -> None:
    w = make_world()
    quarter_world(w)
    quality = QualityRun.objects.create(
        alignment_run=AlignmentRun.objects.get(), performance_year=PY, status="succeeded", finished_at=timezone.now()
    )
    MeasureDefinition.objects.update_or_create(
        performance_year=PY, code="uamcc",
        defaults={"name": "UAMCC", "direction": "lower", "data_source": "claims", "unit": "per 100 person-years",
                  "deciles": [10, 20, 30, 40, 50, 60, 70, 80, 90]},
    )  # fmt: skip
    member = {"run": quality, "aco": w.aco, "measure": "uamcc"}
    # Two of the provider's beneficiaries, one person-year each, one unplanned admission: 50 per 100 person-years.
    # Five cut points are at or above 50, so band 6 of 10: 60 points, q = 0.6. A third beneficiary's
    # admission (no episode of this provider) does not count.
    MeasureMember.objects.bulk_create(
        [
            MeasureMember(**member, mbi="1EG4TE5MK71", role="denominator", value=1.0),
            MeasureMember(**member, mbi="1EG4TE5MK72", role="denominator", value=1.0),
            MeasureMember(**member, mbi="1EG4TE5MK72", role="numerator"),
            MeasureMember(**member, mbi="9ZZ9ZZ9ZZ99", role="denominator", value=1.0),
            MeasureMember(**member, mbi="9ZZ9ZZ9ZZ99", role="numerator"),
        ]
    )
    a = active_ebra(w, settings, terms=[{"definition": w.hip.pk, "adjustment": "discount", "rate_pct": "10"}])
    q1, q2, _ = Reconciliation.objects.filter(arrangement=a).order_by("period_start")
    assert (q1.measure_rate, q1.measure_denominator, q1.quality_points) == (50.0, 2.0, 60.0)
    # Q1 losses −$3,000 × (0.5 + 0.5 × 0.4) = −$2,100; Q2 savings +$1,000 × (0.5 + 0.5 × 0.6) = +$800.
    assert (q1.adjustment_factor, q1.amount_cents) == (Decimal("0.700000"), -210_000)
    assert (q2.adjustment_factor, q2.amount_cents) == (Decimal("0.800000"), 80_000)
