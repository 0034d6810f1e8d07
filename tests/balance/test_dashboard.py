"""The GLP-1 dashboard over hand-made runs: the ACO's page and API (headline figures, funnel, persistence by product,
cost, spending before and after, TINs, statuses with reasons), CMS's page, CSV and API over every ACO, and who may
see what. Every figure below is worked out by hand.

ACO ``A``'s five beneficiaries in run ``R`` (as of 2027-06-30, adherence threshold 0.80):

- ``L1`` (TIN 111000001) and ``L2`` (TIN 111000002): likely eligible;
- ``C1`` (TIN 111000001): needs clinical confirmation ("uncontrolled" hypertension);
- ``T1`` (TIN 111000001): Wegovy from 2027-01-01 (180 days before the as-of date: observed 90 and 180 days), never
  stopped; PDC 0.90, first 90 days 0.95, first 180 days 0.85 (adherent at both); 6 months supplied: drug cost
  $1,470.00, copay $300.00; Part A/B $6,000.00 over 6 months before, $3,000.00 over 5 months after;
- ``T2`` (TIN 111000002): Zepbound from 2027-03-01 (121 days before: observed 90 days, not 180), stopped 2027-04-15
  (45 days after start); PDC 0.50, first 90 days 0.60 (not adherent); 2 months: $490.00, copay $100.00; spending
  $4,000.00 over 6 months before, none after (not in the before/after comparison).

So: aligned 5, likely 2, confirm 1, started 2 (40% of the 5 eligible), adherent at 90 days 1 of 2, at 180 days
1 of 1, mean PDC 70%; drug cost $1,960.00 ($980.00 per treated), copays $400.00 ($200.00 per treated); spending per
beneficiary-month $1,000.00 before and $600.00 after (T1 alone).

Persistence (Kaplan–Meier, "share (at risk)"): T1 is censored on day 180 (no stop by the as-of date), T2 stops on
day 45. Wegovy 100% (1) on days 0–180, no estimate from 210 (nobody followed that long); Zepbound 100% (1) on days
0 and 30, then 0% (0 at risk: its one starter stopped) from day 60 on; all products 100% (2) on days 0 and 30,
then 1 − 1/2 = 50% (1) on days 60–180 (the stop on day 45 with both followed), none from 210. The old "on therapy of
observed" share went back up to 100% on days 150 and 180, when only T1 had started that long ago.

ACO ``B`` has one treated beneficiary with figures no one else has (TIN 999000009, drug cost $99,999.00).

Adherence by lifestyle participation (``lifestyle`` below) adds ``T3``: treated from 2027-05-01 (60 days before the
as-of date: not observed at 90 days), PDC 0.70. ``T1`` is in manufacturer coaching (4 sessions), ``T2`` was in
nutrition counselling (2 sessions, ended), ``T3`` in nothing of ``A``'s. So in a programme: 2 treated, mean PDC
(0.90 + 0.50) / 2 = 70%, adherent at 90 days 1 of 2 (50%), sessions per participant (4 + 2) / 2 = 3; not in one:
1 treated, mean PDC 70%, 0 of 0 observed at 90 days. ``B``'s enrolments of ``T1`` and ``T3`` (and ``A``'s of a
beneficiary not treated, ``L1``) never count."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.accounts.models import User
from apps.acos.models import ACO, Membership
from apps.balance import charts
from apps.balance import selectors_dashboard as dash
from apps.balance.models import EligibilityStatus, Glp1Beneficiary, Glp1Run, LifestyleEnrolment, LifestyleSession
from tests.factories import ACOFactory, MembershipFactory, alignment_run

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User | None], Client]
PY = 2027
AS_OF = dt.date(2027, 6, 30)
PARAMETERS = {
    "adherence_threshold": 0.8,
    "gap_days": 30,
    "spending_window_months": 6,
    "net_price_monthly_cents": 24_500,
    "copay_monthly_cents": 5_000,
}
S = EligibilityStatus
D = dt.date
DAY = dt.timedelta(days=1)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def make_run(**fields: Any) -> Glp1Run:
    fields.setdefault("status", Glp1Run.Status.SUCCEEDED)
    fields.setdefault("finished_at", timezone.now())
    fields.setdefault("as_of", AS_OF)
    fields.setdefault("through", AS_OF)
    fields.setdefault("parameters", PARAMETERS)
    return Glp1Run.objects.create(performance_year=PY, alignment_run=alignment_run(PY), **fields)


def bene(run: Glp1Run, aco: ACO, mbi: str, status: str, **fields: Any) -> Glp1Beneficiary:
    fields.setdefault("tin", "111000001")
    return Glp1Beneficiary.objects.create(run=run, aco=aco, mbi=mbi, status=status, **fields)


def treated(run: Glp1Run, aco: ACO, mbi: str, **fields: Any) -> Glp1Beneficiary:
    return bene(run, aco, mbi, S.TREATED, criterion="BMI 35 or more", **fields)


@pytest.fixture
def world(aco: ACO, other_aco: ACO) -> Glp1Run:
    run = make_run()
    bene(run, aco, "1AA0AA0AA01", S.LIKELY)
    bene(run, aco, "1AA0AA0AA02", S.LIKELY, tin="111000002")
    bene(run, aco, "1AA0AA0AA03", S.CONFIRM, reason_keys=["confirm_hypertension"])
    treated(
        run, aco, "1AA0AA0AA04", product="Wegovy", therapy_start=D(2027, 1, 1), pdc=0.9, pdc_90=0.95, pdc_180=0.85,
        months_supplied=6, drug_cost_cents=147_000, copay_cents=30_000, patient_paid_cents=30_000,
        spend_before_cents=600_000, months_before=6, spend_after_cents=300_000, months_after=5,
    )  # fmt: skip
    treated(
        run, aco, "1AA0AA0AA05", tin="111000002", product="Zepbound", therapy_start=D(2027, 3, 1),
        discontinued_on=D(2027, 4, 15), pdc=0.5, pdc_90=0.6, months_supplied=2, drug_cost_cents=49_000,
        copay_cents=10_000, patient_paid_cents=10_000, spend_before_cents=400_000, months_before=6,
    )  # fmt: skip
    treated(
        run, other_aco, "1AA0AA0AA06", tin="999000009", product="Wegovy", therapy_start=D(2026, 9, 1), pdc=0.99,
        pdc_90=1.0, pdc_180=1.0, drug_cost_cents=9_999_900, copay_cents=7_700,
    )  # fmt: skip
    return run


def enrol(aco: ACO, mbi: str, programme: str, sessions: int, *, ended_on: dt.date | None = None) -> None:
    """An enrolment from 2027-01-15 with ``sessions`` weekly sessions from 2027-01-20."""
    enrolment = LifestyleEnrolment.objects.create(
        aco=aco, mbi=mbi, programme=programme, enrolled_on=D(2027, 1, 15), ended_on=ended_on
    )
    for week in range(sessions):
        LifestyleSession.objects.create(enrolment=enrolment, session_date=D(2027, 1, 20) + dt.timedelta(weeks=week))


@pytest.fixture
def lifestyle(world: Glp1Run, aco: ACO, other_aco: ACO) -> Glp1Run:
    treated(world, aco, "1AA0AA0AA07", product="Wegovy", therapy_start=D(2027, 5, 1), pdc=0.7, pdc_90=1.0)
    enrol(aco, "1AA0AA0AA04", "coaching", 4)
    enrol(aco, "1AA0AA0AA05", "nutrition", 2, ended_on=D(2027, 4, 1))
    enrol(aco, "1AA0AA0AA01", "coaching", 7)  # likely eligible, not treated: not in the table
    enrol(other_aco, "1AA0AA0AA07", "coaching", 5)  # another ACO's enrolments never count
    enrol(other_aco, "1AA0AA0AA04", "nutrition", 10)
    return world


# --- the figures -------------------------------------------------------------------------------------------


def test_the_headline_figures_are_the_hand_counts(world: Glp1Run, aco: ACO) -> None:
    h = dash.aco_headline(run=world, aco_id=aco.pk)
    assert (h.aligned, h.likely, h.confirm, h.not_eligible, h.part_d, h.treated) == (5, 2, 1, 0, 0, 2)
    assert (h.eligible, h.share_treated) == (5, 40.0)
    assert (h.observed_90, h.adherent_90, h.observed_180, h.adherent_180) == (2, 1, 1, 1)
    assert h.mean_pdc == pytest.approx(0.7)
    assert (h.drug_cost_cents, h.copay_cents) == (196_000, 40_000)
    stages = dash.funnel(h)
    assert [(s.key, s.beneficiaries, s.of) for s in stages] == [
        ("aligned", 5, 5),
        ("eligible", 5, 5),
        ("started", 2, 5),
        ("adherent_90", 1, 2),
        ("adherent_180", 1, 1),
    ]


def test_the_threshold_is_the_runs_own(world: Glp1Run, aco: ACO) -> None:
    """At a threshold of 0.5 T2's 0.60 over the first 90 days is adherent too."""
    world.parameters = {**PARAMETERS, "adherence_threshold": 0.5}
    world.save()
    h = dash.aco_headline(run=world, aco_id=aco.pk)
    assert (h.adherent_90, h.observed_90) == (2, 2)


def points(curve: dash.Curve) -> list[tuple[float | None, int]]:
    return [(p.share, p.at_risk) for p in curve.points]


def test_persistence_is_the_kaplan_meier_estimate_of_the_run() -> None:
    """The run's two starters (see the module docstring): T1 censored on day 180, T2 stops on day 45."""
    starts = [("Wegovy", D(2027, 1, 1), None), ("Zepbound", D(2027, 3, 1), D(2027, 4, 15))]
    curves = {c.product: c for c in dash.persistence_curves(starts, as_of=AS_OF)}
    assert list(curves) == ["Wegovy", "Zepbound", dash.ALL_PRODUCTS]
    assert [c.starters for c in curves.values()] == [1, 1, 2]

    none = [(None, 0)] * 6  # days 210–360: nobody followed that long
    assert points(curves["Wegovy"]) == [(100.0, 1)] * 7 + none
    assert points(curves["Zepbound"]) == [(100.0, 1), (100.0, 1)] + [(0.0, 0)] * 11
    assert points(curves[dash.ALL_PRODUCTS]) == [(100.0, 2), (100.0, 2)] + [(50.0, 1)] * 5 + none
    # Stopping on the day itself counts as off therapy that day; the day before, still on.
    edge = dash.persistence_curves([("Wegovy", D(2027, 1, 1), D(2027, 1, 31))], as_of=AS_OF, days=(29, 30, 31))
    assert points(edge[0]) == [(100.0, 1), (0.0, 1), (0.0, 0)]
    # A discontinuation after the as-of date is not known yet: censored at the as-of date (50 days).
    later = dash.persistence_curves([("Wegovy", AS_OF - DAY * 50, AS_OF + DAY * 5)], as_of=AS_OF, days=(30, 50, 60))
    assert points(later[0]) == [(100.0, 1), (100.0, 1), (None, 0)]


def test_kaplan_meier_by_hand_with_ties_and_censoring() -> None:
    """Seven starters' (days followed, stopped): stops on days 10, 10, 45 and 100; censored on days 20, 45, 70.

    - day 10: 7 followed (all times ≥ 10), 2 stop: S = 5/7;
    - day 45: followed are those with a time ≥ 45 (45 stopped, 45 censored, 70, 100): 4, 1 stops: S = 5/7 × 3/4
      = 15/28 (a censoring on the stop day still counts as followed that day);
    - day 100: 1 followed, 1 stops: S = 0.

    So day 0: 100% (7 at risk); day 30: 5/7 = 71.4% (4: 45, 45, 70, 100); day 60: 15/28 = 53.6% (2: 70, 100);
    day 90: 53.6% (1); day 120: 0% (0 at risk: the last one followed stopped, so the curve stays at 0)."""
    times = [(10, True), (10, True), (20, False), (45, True), (45, False), (70, False), (100, True)]
    assert points(dash.Curve("x", 7, dash.kaplan_meier(times, (0, 30, 60, 90, 120)))) == [
        (100.0, 7),
        (71.4, 4),
        (53.6, 2),
        (53.6, 1),
        (0.0, 0),
    ]
    # The same through persistence_curves, from dates.
    starts = [
        ("Wegovy", AS_OF - DAY * (t if not stopped else 200), (AS_OF - DAY * 200 + DAY * t) if stopped else None)
        for t, stopped in times
    ]
    (wegovy, _everyone) = dash.persistence_curves(starts, as_of=AS_OF, days=(0, 30, 60, 90, 120))
    assert points(wegovy) == [(100.0, 7), (71.4, 4), (53.6, 2), (53.6, 1), (0.0, 0)]


def test_persistence_does_not_rise_when_long_followed_starters_stayed_on() -> None:
    """A and B started 100 days before the as-of date; A stopped on day 40, B has not stopped (censored on day
    100). C started 300 days before and has not stopped (censored on day 300).

    The old share among the starters observed d days: day 60, 2 of 3 (66.7%); day 120, only C observed, 1 of 1
    (100%): the curve went back up. Kaplan–Meier: day 30, S = 1 (3 at risk); the stop on day 40 with all three
    followed: S = 2/3, so day 60 66.7% (2 at risk: B, C), day 120 66.7% (1: C), … day 300 66.7% (1), and from day
    330 no estimate (nobody followed that long)."""
    start_ab, start_c = AS_OF - DAY * 100, AS_OF - DAY * 300
    starts = [("Wegovy", start_ab, start_ab + DAY * 40), ("Wegovy", start_ab, None), ("Wegovy", start_c, None)]
    wegovy = dash.persistence_curves(starts, as_of=AS_OF)[0]
    assert points(wegovy) == [(100.0, 3), (100.0, 3), (66.7, 2), (66.7, 2)] + [(66.7, 1)] * 7 + [(None, 0)] * 2


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Wegovy", "Zepbound", ""]),
            st.integers(min_value=0, max_value=400),  # days before the as-of date
            st.none() | st.integers(min_value=-5, max_value=450),  # days from start to the stop
        ),
        min_size=1,
        max_size=40,
    )
)
def test_persistence_never_rises(rows: list[tuple[str, int, int | None]]) -> None:
    """Over any starters: every curve is non-increasing, between 0% and 100%, its at-risk counts never grow, and
    once a day has no estimate no later day has one."""
    starts = [
        (product, AS_OF - DAY * before, None if stop is None else AS_OF - DAY * before + DAY * stop)
        for product, before, stop in rows
    ]
    for curve in dash.persistence_curves(starts, as_of=AS_OF):
        shares = [p.share for p in curve.points]
        known = [s for s in shares if s is not None]
        assert known == sorted(known, reverse=True), curve
        assert all(0.0 <= s <= 100.0 for s in known)
        assert shares[: len(known)] == known  # the Nones, if any, come last
        at_risk = [p.at_risk for p in curve.points]
        assert at_risk == sorted(at_risk, reverse=True)
        assert all(p.share is not None for p in curve.points if p.at_risk)


def test_the_dashboard_puts_the_pieces_together(world: Glp1Run, aco: ACO) -> None:
    d = dash.aco_dashboard(aco_id=aco.pk, performance_year=PY)
    assert d.run == world and d.threshold == 0.8
    assert [c.product for c in d.curves] == ["Wegovy", "Zepbound", dash.ALL_PRODUCTS]
    assert (d.cost.treated, d.cost.per_treated(d.cost.drug_cost_cents), d.cost.per_treated(d.cost.copay_cents)) == (
        2,
        98_000,
        20_000,
    )
    assert d.cost.net_of_copay_cents == 156_000 and d.cost.patient_paid_cents == 40_000
    s = d.spending
    assert (s.beneficiaries, s.per_month_before_cents, s.per_month_after_cents) == (1, 100_000, 60_000)
    assert [(t.tin, t.aligned, t.eligible, t.treated, t.share_treated, t.mean_pdc) for t in d.tins] == [
        ("111000001", 3, 3, 1, 33.3, 0.9),
        ("111000002", 2, 2, 1, 50.0, 0.5),
    ]
    assert {r.status: r.beneficiaries for r in d.statuses.rows} == {
        "likely": 2,
        "confirm": 1,
        "not_eligible": 0,
        "treated": 2,
        "part_d": 0,
    }


def test_the_reasons_for_not_eligible_are_grouped(world: Glp1Run, aco: ACO) -> None:
    # Grouped by kind (the sentences carry each beneficiary's own codes and dates).
    bene(
        world,
        aco,
        "1AA0AA0AA11",
        S.NOT_ELIGIBLE,
        reasons=["No BMI code (Z68) on claims … 2027-06-30."],
        reason_keys=["no_bmi"],
    )
    bene(
        world,
        aco,
        "1AA0AA0AA12",
        S.NOT_ELIGIBLE,
        reasons=["No BMI code (Z68) on claims … 2027-06-29."],
        reason_keys=["no_bmi"],
    )
    bene(world, aco, "1AA0AA0AA14", S.CONFIRM, reason_keys=["confirm_pad", "confirm_part_d"])
    bene(world, aco, "1AA0AA0AA13", S.NOT_ELIGIBLE, reasons=[])
    reasons = dash.aco_statuses(run=world, aco_id=aco.pk).reasons
    assert [(r.status, r.reason, r.beneficiaries) for r in reasons] == [
        ("not_eligible", "No BMI code (Z68) on claims", 2),
        ("not_eligible", dash.NO_REASON, 1),
        ("confirm", "Hypertension: confirm it is uncontrolled", 1),
        ("confirm", "Part D enrolment: no Part D fill on claims", 1),
        ("confirm", "Peripheral artery disease: confirm it is symptomatic", 1),
    ]  # fmt: skip


def test_adherence_by_lifestyle_participation_is_the_hand_count(lifestyle: Glp1Run, aco: ACO) -> None:
    rows = dash.aco_dashboard(aco_id=aco.pk, performance_year=PY).lifestyle
    figures = [
        (r.key, r.treated, r.observed_90, r.adherent_90, r.share_adherent_90, r.sessions, r.sessions_per_participant)
        for r in rows
    ]
    assert figures == [
        (dash.IN_PROGRAMME, 2, 2, 1, 50.0, 6, 3.0),
        (dash.NOT_IN_PROGRAMME, 1, 0, 0, None, 0, None),  # T3 started 60 days before: not observed at 90 days
    ]
    assert [r.mean_pdc for r in rows] == [pytest.approx(0.7), pytest.approx(0.7)]
    assert [r.label for r in rows] == ["In a lifestyle programme", "Not in one"]


def test_another_acos_enrolments_never_make_a_participant(world: Glp1Run, aco: ACO, other_aco: ACO) -> None:
    enrol(other_aco, "1AA0AA0AA04", "coaching", 3)
    enrol(other_aco, "1AA0AA0AA05", "nutrition", 1)
    rows = dash.aco_lifestyle(run=world, aco_id=aco.pk)
    assert [(r.key, r.treated, r.sessions) for r in rows] == [
        (dash.IN_PROGRAMME, 0, 0),
        (dash.NOT_IN_PROGRAMME, 2, 0),
    ]
    assert rows[0].sessions_per_participant is None and rows[0].mean_pdc is None
    # And the other ACO's own treated beneficiary is in its programme only for it.
    enrol(other_aco, "1AA0AA0AA06", "coaching", 2)
    theirs = dash.aco_lifestyle(run=world, aco_id=other_aco.pk)
    assert [(r.treated, r.sessions) for r in theirs] == [(1, 2), (0, 0)]


def test_the_lifestyle_split_is_the_funnels_adherence_split() -> None:
    """Pure: the rows from hand-made tuples; a start on the cut-off day is observed, the day after is not."""
    cut = D(2027, 4, 1)
    rows = dash.lifestyle_rows(
        [
            ("A", cut, 0.9, 0.8),  # observed, adherent at the threshold exactly
            ("B", cut + dt.timedelta(days=1), None, 0.95),  # not observed yet; no PDC
            ("C", None, 0.4, None),
        ],
        {"A": 5, "B": 0},
        observed_by=cut,
        threshold=0.8,
    )
    assert [(r.treated, r.mean_pdc, r.observed_90, r.adherent_90, r.sessions) for r in rows] == [
        (2, 0.9, 1, 1, 5),
        (1, 0.4, 0, 0, 0),
    ]
    assert rows[0].sessions_per_participant == 2.5


def test_only_the_latest_successful_run_counts(world: Glp1Run, aco: ACO) -> None:
    make_run(status=Glp1Run.Status.FAILED)
    running = make_run(status=Glp1Run.Status.RUNNING, finished_at=None)
    bene(running, aco, "1AA0AA0AA01", S.LIKELY)
    assert dash.aco_dashboard(aco_id=aco.pk, performance_year=PY).run == world


# --- the ACO's page ----------------------------------------------------------------------------------------


def test_the_aco_page_shows_its_figures_with_a_table_beside_every_chart(
    world: Glp1Run, aco: ACO, analyst: User, client_for: ClientFor
) -> None:
    response = client_for(analyst).get(f"/acos/{aco.aco_id}/glp1/?py={PY}")
    assert response.status_code == 200
    html = response.content.decode()
    body = text(html)
    assert f"GLP-1 run {world.pk}" in body and "as of 30 Jun 2027" in body and "at least 80%" in body
    assert "2 likely eligible" in body and "1 needing clinical confirmation" in body
    assert "2 started on the Bridge" in body
    assert "1 of 2 (50%) adherent at 90 days" in body and "1 of 1 (100%) adherent at 180 days" in body
    assert "Mean PDC of the beneficiaries who started, from their start to the as-of date: 70%" in body
    # The funnel's table.
    assert "Adherent at 90 days 1 2 50% Of the 2 who started at least 90 days before the as-of date." in body
    # Persistence, cost, spending (labelled observational), TINs, statuses with reasons.
    assert "Day 60 100% (1 at risk) 0% (0 at risk) 50% (1 at risk)" in body
    assert "Day 180 100% (1 at risk) 0% (0 at risk) 50% (1 at risk)" in body  # no rise back to 100%
    assert "Day 210 — (none followed that long) 0% (0 at risk) — (none followed that long)" in body
    assert "Kaplan–Meier estimate" in body and "until the as-of date" in body
    assert "Drug cost at the Bridge net price $1,960.00 $980.00" in body
    assert "Beneficiaries' copays $400.00 $200.00" in body
    assert "spending before and after therapy start, 1 treated beneficiary (observational, not causal)" in body
    assert "Before therapy start $6,000.00 6 $1,000.00" in body and "After therapy start $3,000.00 5 $600.00" in body
    assert "111000001 — 3 3 1 33.3% 90%" in body and "111000002 — 2 2 1 50% 50%" in body
    assert "Hypertension: confirm it is uncontrolled 1" in body
    for slug in ("glp1-funnel", "glp1-statuses", "glp1-persistence", "glp1-cost", "glp1-spending", "glp1-tins"):
        assert f'id="chart-{slug}"' in html and f'id="table-{slug}"' in html and f'id="figure-{slug}"' in html
    assert response.context["nav_current"] == "glp1"  # the navigation's GLP-1 area


def test_the_aco_page_shows_no_other_acos_figures(
    world: Glp1Run, aco: ACO, other_aco: ACO, admin: User, client_for: ClientFor
) -> None:
    body = text(client_for(admin).get(f"/acos/{aco.aco_id}/glp1/?py={PY}").content.decode())
    assert "999000009" not in body and "$99,999.00" not in body and "$77.00" not in body
    assert other_aco.aco_id not in body and other_aco.legal_name not in body
    assert "1AA0AA0AA0" not in body  # aggregates only: no beneficiary of anyone


def test_an_outsider_gets_404_and_cms_sees_any_aco(
    world: Glp1Run, aco: ACO, outsider: User, cms_reviewer: User, client_for: ClientFor
) -> None:
    assert client_for(outsider).get(f"/acos/{aco.aco_id}/glp1/?py={PY}").status_code == 404
    assert client_for(outsider).get(f"/api/acos/{aco.aco_id}/glp1/summary/?py={PY}").status_code == 404
    assert client_for(None).get(f"/acos/{aco.aco_id}/glp1/?py={PY}").status_code == 302
    page = client_for(cms_reviewer).get(f"/acos/{aco.aco_id}/glp1/?py={PY}")
    assert page.status_code == 200 and "2 started on the Bridge" in text(page.content.decode())


def test_the_aco_page_shows_adherence_by_lifestyle_participation(
    lifestyle: Glp1Run, aco: ACO, other_aco: ACO, analyst: User, client_for: ClientFor
) -> None:
    html = client_for(analyst).get(f"/acos/{aco.aco_id}/glp1/?py={PY}").content.decode()
    body = text(html)
    assert "Adherence by lifestyle participation" in body
    table = html[html.index('id="table-glp1-lifestyle"') :]
    table = table[: table.index("</table>")]
    assert f'<caption class="ds-c-table__caption">Adherence by lifestyle participation of {aco.aco_id}' in table
    assert '<th scope="col">Mean PDC</th>' in table and '<th scope="row">In a lifestyle programme</th>' in table
    assert "In a lifestyle programme 2 70% 1 of 2 (50%) 3" in text(table)
    assert "Not in one 1 70% 0 of 0 —" in text(table)
    assert "This is observational, not causal" in body
    assert "1AA0AA0AA0" not in body  # aggregates only


def test_without_a_run_the_page_says_so(aco: ACO, admin: User, client_for: ClientFor) -> None:
    body = text(client_for(admin).get(f"/acos/{aco.aco_id}/glp1/?py={PY}").content.decode())
    assert "No GLP-1 figures for PY2027 yet" in body


def test_without_treated_beneficiaries_the_page_says_so(aco: ACO, admin: User, client_for: ClientFor) -> None:
    run = make_run()
    bene(run, aco, "1AA0AA0AA01", S.LIKELY)
    html = client_for(admin).get(f"/acos/{aco.aco_id}/glp1/?py={PY}").content.decode()
    body = text(html)
    assert "has started GLP-1 therapy under the Bridge by 30 Jun 2027" in body
    assert "0 of 0 adherent at 90 days" in body
    assert 'id="chart-glp1-funnel"' in html and 'id="chart-glp1-persistence"' not in html
    assert "there is no adherence to compare by lifestyle participation" in body
    assert 'id="table-glp1-lifestyle"' not in html
    api = client_for(admin).get(f"/api/acos/{aco.aco_id}/glp1/summary/?py={PY}").json()
    assert api["lifestyle"]["rows"] == [] and "not causal" in api["lifestyle"]["note"]


def test_an_aco_missing_from_the_run_is_told_so(world: Glp1Run, admin: User, client_for: ClientFor) -> None:
    lonely = ACOFactory.create()
    MembershipFactory.create(aco=lonely, user=admin, role=Membership.Role.ADMIN)
    body = text(client_for(admin).get(f"/acos/{lonely.aco_id}/glp1/?py={PY}").content.decode())
    assert f"None of {lonely.aco_id}'s beneficiaries is in this run" in body


# --- the ACO's API -----------------------------------------------------------------------------------------


def test_the_api_answers_the_pages_figures(world: Glp1Run, aco: ACO, analyst: User, client_for: ClientFor) -> None:
    response = client_for(analyst).get(f"/api/acos/{aco.aco_id}/glp1/summary/?py={PY}")
    assert response.status_code == 200
    body = response.json()
    assert body["aco_id"] == aco.aco_id and body["run"]["id"] == world.pk
    assert body["run"]["adherence_threshold"] == 0.8 and body["run"]["as_of"] == "2027-06-30"
    h = body["headline"]
    assert (h["aligned"], h["likely"], h["confirm"], h["treated"], h["eligible"], h["share_treated"]) == (
        5, 2, 1, 2, 5, 40.0,
    )  # fmt: skip
    assert (h["adherent_90"], h["observed_90"], h["adherent_180"], h["observed_180"]) == (1, 2, 1, 1)
    assert h["drug_cost_cents"] == 196_000 and h["mean_pdc"] == pytest.approx(0.7)
    assert [(f["key"], f["beneficiaries"], f["of"]) for f in body["funnel"]][-2:] == [
        ("adherent_90", 1, 2),
        ("adherent_180", 1, 1),
    ]
    zep = next(c for c in body["persistence"] if c["product"] == "Zepbound")
    assert [(p["day"], p["at_risk"], p["share"]) for p in zep["points"][:4]] == [
        (0, 1, 100.0), (30, 1, 100.0), (60, 0, 0.0), (90, 0, 0.0),
    ]  # fmt: skip
    everyone = next(c for c in body["persistence"] if c["product"] == "All products")
    assert [p["share"] for p in everyone["points"]] == [100.0, 100.0] + [50.0] * 5 + [None] * 6
    assert set(zep["points"][0]) == {"day", "at_risk", "share"}
    assert body["cost"]["drug_cost_per_treated_cents"] == 98_000 and body["cost"]["copay_per_treated_cents"] == 20_000
    assert body["spending"]["per_month_before_cents"] == 100_000 and body["spending"]["per_month_after_cents"] == 60_000
    assert "not causal" in body["spending"]["note"]
    assert [t["tin"] for t in body["tins"]] == ["111000001", "111000002"]
    assert "999000009" not in response.content.decode()


def test_the_api_answers_adherence_by_lifestyle_participation(
    lifestyle: Glp1Run, aco: ACO, analyst: User, client_for: ClientFor
) -> None:
    body = client_for(analyst).get(f"/api/acos/{aco.aco_id}/glp1/summary/?py={PY}").json()["lifestyle"]
    assert "not causal" in body["note"]
    assert [
        (r["key"], r["treated"], r["observed_90"], r["adherent_90"], r["share_adherent_90"], r["sessions"])
        for r in body["rows"]
    ] == [("in_programme", 2, 2, 1, 50.0, 6), ("not_in_programme", 1, 0, 0, None, 0)]
    assert [r["sessions_per_participant"] for r in body["rows"]] == [3.0, None]
    assert [r["mean_pdc"] for r in body["rows"]] == [pytest.approx(0.7), pytest.approx(0.7)]


def test_the_api_without_a_run_answers_empty_figures(aco: ACO, admin: User, client_for: ClientFor) -> None:
    body = client_for(admin).get(f"/api/acos/{aco.aco_id}/glp1/summary/?py={PY}").json()
    assert body["run"] is None and body["headline"]["aligned"] == 0 and body["persistence"] == []


# --- CMS ---------------------------------------------------------------------------------------------------


def test_cms_sees_every_aco_side_by_side(
    world: Glp1Run, aco: ACO, other_aco: ACO, cms_reviewer: User, client_for: ClientFor
) -> None:
    response = client_for(cms_reviewer).get(f"/glp1/?py={PY}")
    assert response.status_code == 200
    html = response.content.decode()
    body = text(html)
    assert f"{aco.aco_id} {aco.legal_name} 5 2 1 0 2 (40%) 1 of 2 (50%) 1 of 1 (100%) 70% $1,960.00 ($400.00)" in body
    assert f"{other_aco.aco_id} {other_aco.legal_name} 1 0 0 0 1 (100%) 1 of 1 (100%) 1 of 1 (100%) 99%" in body
    assert "All ACOs 6 2 1 0 3 (50%) 2 of 3 (66.7%) 2 of 2 (100%)" in body
    assert 'id="chart-glp1-acos"' in html and 'id="figure-glp1-acos"' in html


def test_the_cms_csv_is_the_table_and_formula_safe(
    world: Glp1Run, aco: ACO, other_aco: ACO, cms_reviewer: User, client_for: ClientFor
) -> None:
    other_aco.legal_name = '=HYPERLINK("http://evil.example/","x")'
    other_aco.save()
    response = client_for(cms_reviewer).get(f"/glp1/acos.csv?py={PY}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"LEAD_GLP1_by_ACO_PY{PY}_run{world.pk}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["aco_id", "legal_name", "aligned"]
    mine = next(r for r in rows if r[0] == aco.aco_id)
    assert mine[2:13] == ["5", "2", "1", "0", "0", "2", "40.0", "2", "1", "1", "1"]
    assert mine[-2:] == ["1960.00", "400.00"]
    theirs = next(r for r in rows if r[0] == other_aco.aco_id)
    assert theirs[1].startswith("'=")  # shown as text, never run as a formula
    assert all(len(r) == len(rows[0]) for r in rows)


def test_the_cms_pages_and_api_are_cms_only(
    world: Glp1Run, admin: User, cms_reviewer: User, client_for: ClientFor
) -> None:
    aco_user = client_for(admin)
    for url in ("/glp1/", "/glp1/acos.csv", "/api/glp1/acos/"):
        assert aco_user.get(url).status_code == 404, url
    body = client_for(cms_reviewer).get(f"/api/glp1/acos/?py={PY}").json()
    assert body["run"]["id"] == world.pk and len(body["acos"]) == 2
    assert body["totals"]["treated"] == 3 and body["totals"]["drug_cost_cents"] == 196_000 + 9_999_900


def test_the_cms_page_without_a_run_says_so(cms_reviewer: User, client_for: ClientFor) -> None:
    body = text(client_for(cms_reviewer).get(f"/glp1/?py={PY}").content.decode())
    assert "No GLP-1 figures for PY2027 yet" in body


# --- charts --------------------------------------------------------------------------------------------------


def test_every_chart_names_its_axes() -> None:
    figures = [
        charts.funnel_figure(["Aligned"], [5], [""]),
        charts.persistence_figure([0, 30], {"Wegovy": [100.0, None]}),
        charts.money_bars_figure(["a"], [1.0], y_title="US$", x_title="Amount"),
        charts.tin_figure(["111000001"], [3], [1]),
        charts.status_figure(["Likely eligible"], [2]),
        charts.aco_comparison_figure(["L0101"], [40.0], [None]),
    ]
    for figure in figures:
        layout = figure["layout"]
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]
        assert layout["xaxis"]["automargin"] and layout["yaxis"]["title"]["standoff"]


def test_the_persistence_chart_says_what_it_shows() -> None:
    """A short y-axis title (it fits the chart's 360 px height), and the starters still followed in the hover."""
    figure = charts.persistence_figure([0, 30], {"Wegovy": [100.0, None]}, {"Wegovy": [3, 0]})
    assert figure["layout"]["yaxis"]["title"]["text"] == "Still on therapy (%)"
    trace = figure["data"][0]
    assert "Kaplan–Meier" in trace["hovertemplate"] and "at risk" in trace["hovertemplate"]
    assert list(trace["customdata"]) == [3, 0]
