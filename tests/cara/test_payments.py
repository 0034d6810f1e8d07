"""CARA money: CMS's page, CSV and API of every reconciliation; the money page's CARA line; the pipeline's
reconciliation after the episodes step.

The hand-made reconciliations (amount: positive, CMS pays the Preferred Provider; negative, it repays):

- ACO ``L0901`` "Harbor ACO", EBRA with "Bone & Joint Group" (NPI 1234567893), active, PY2027, effective Jan 1
  to Dec 31, 2027 (quarterly: 4 periods in all):
  Q1 +$9,000.00 final (12 episodes), Q2 −$3,000.00 provisional (5 episodes, 2 open).
  Paid $9,000.00, repaid −$3,000.00, net +$6,000.00: 1 EBRA, 2 periods, 17 episodes.
- ACO ``L0902`` "Bay ACO", EBRA with "=HYPERLINK(…)" (a name that would be a formula), terminated on
  Mar 31, 2027 (1 period in all): Q1 −$1,500.00 final (4 episodes). Net −$1,500.00.
- ``L0901`` also has an approved (not yet active) EBRA with a stale +$50,000.00 row: not reconciled, left out.

Overall: paid $9,000.00, repaid −$4,500.00, net +$4,500.00; 3 periods of 2 EBRAs.

The money line, by the Portal rule (what CMS pays a Preferred Provider is charged to the ACO's settlement, a
repayment credited to it): Harbor's reconciliations sum to +$9,000.00 − $3,000.00 = +$6,000.00 paid to its
Preferred Provider on balance, so its settlement is *charged* $6,000.00: the line is −$6,000.00, and a
settlement of $100,000.00 before CARA becomes $94,000.00. Status provisional: Q2 is not final and Q3–Q4 are
not reconciled yet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.models import User
from apps.acos.models import ACO, Election, Membership, PreferredProvider
from apps.cara import payments
from apps.cara import services as cara_services
from apps.cara.models import (
    Arrangement,
    ArrangementStatus,
    ArrangementTerm,
    DesignProposal,
    EpisodeDefinition,
    EpisodeParameters,
    Reconciliation,
)
from apps.performance import engine, reports, snapshot
from apps.performance import services as performance_services
from apps.performance.models import Cohort, PerformanceSummary, PipelineRun
from lead_portal.formatting import when
from tests.cara.world import PY, SURGEON, load_world
from tests.factories import (
    ACOFactory,
    MembershipFactory,
    PreferredProviderFactory,
    ReviewCaseFactory,
    UserFactory,
    pipeline_run,
)
from tests.performance.test_reports import pdf_text, xlsx_parts

pytestmark = pytest.mark.django_db

D = dt.date


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&").replace("&#x27;", "'")


def ebra(aco: ACO, provider: PreferredProvider, status: str, **fields: Any) -> Arrangement:
    fields.setdefault("effective_start", D(PY, 1, 1))
    fields.setdefault("effective_end", D(PY, 12, 31))
    return Arrangement.objects.create(
        aco=aco,
        preferred_provider=provider,
        performance_year=PY,
        status=status,
        created_by=UserFactory.create(),
        **fields,
    )


def period(arrangement: Arrangement, quarter: int, amount_cents: int, **fields: Any) -> Reconciliation:
    start = D(PY, 3 * quarter - 2, 1)
    end = D(PY, 3 * quarter + 1, 1) - dt.timedelta(days=1) if quarter < 4 else D(PY, 12, 31)
    fields.setdefault("episodes", 1)
    fields.setdefault("target_cents", 0)
    fields.setdefault("actual_cents", 0)
    return Reconciliation.objects.create(
        arrangement=arrangement, period_start=start, period_end=end, amount_cents=amount_cents, **fields
    )


@pytest.fixture
def books() -> dict[str, Any]:
    harbor = ACO.objects.create(aco_id="L0901", legal_name="Harbor ACO", states=["MD"])
    bay = ACO.objects.create(aco_id="L0902", legal_name="Bay ACO", states=["MD"])
    bone = PreferredProviderFactory.create(aco=harbor, name="Bone & Joint Group", npi=SURGEON)
    formula = PreferredProviderFactory.create(aco=bay, name='=HYPERLINK("http://x.example","y")', npi="1245319599")
    active = ebra(harbor, bone, ArrangementStatus.ACTIVE)
    period(active, 1, 900_000, episodes=12, target_cents=30_000_000, actual_cents=28_800_000, final=True,
           quality_points=75.0, adjustment_factor=Decimal("0.750000"))  # fmt: skip
    period(active, 2, -300_000, episodes=5, open_episodes=2, target_cents=12_500_000, actual_cents=13_100_000)
    stale = ebra(harbor, bone, ArrangementStatus.APPROVED)
    period(stale, 1, 5_000_000, final=True)
    ended = ebra(bay, formula, ArrangementStatus.TERMINATED, terminated_on=D(PY, 3, 31))
    period(ended, 1, -150_000, episodes=4, final=True, capped=True)
    return {"harbor": harbor, "bay": bay, "active": active, "ended": ended, "stale": stale}


# --- the ACO's settlement line ------------------------------------------------------------------------------


def test_the_settlement_line_sums_the_active_and_terminated_ebras_only(books: dict[str, Any]) -> None:
    line = payments.aco_settlement_line(aco=books["harbor"], performance_year=PY)
    # The approved EBRA's +$50,000.00 is not counted: it is not active.
    assert [a.arrangement_id for a in line.arrangements] == [books["active"].pk]
    assert (line.amount_cents, line.amount, line.periods) == (600_000, Decimal("6000"), 2)
    # Q2 is provisional and Q3–Q4 are not reconciled: of 4 periods, 1 final.
    assert (line.arrangements[0].expected_periods, line.arrangements[0].final_periods, line.final) == (4, 1, False)
    bay = payments.aco_settlement_line(aco=books["bay"], performance_year=PY)
    # Terminated on Mar 31: one period in all, reconciled and final.
    assert (bay.amount_cents, bay.arrangements[0].expected_periods, bay.final) == (-150_000, 1, True)
    nobody = payments.aco_settlement_line(aco=ACOFactory.create(), performance_year=PY)
    assert not nobody.has_arrangements and nobody.amount_cents == 0


def params(**fields: Any) -> engine.Parameters:
    """No withhold, no sequestration, Global bands: the settlement is the gross savings while under 15%."""
    corridors = engine.bands_from([[0, 15, 100], [15, 35, 50], [35, 50, 25], [50, None, 10]])
    return engine.Parameters(
        performance_year=PY, risk_option="global", corridors=corridors, withhold_pct=Decimal(0),
        sequestration_pct=Decimal(0), **fields,
    )  # fmt: skip


# 1,000 member-months at a published $1,000.00 PBPM: benchmark $1,000,000.00; expenditure $900,000.00: gross
# savings $100,000.00 (10% of the benchmark, shared at 100%), sequestration 0: settlement $100,000.00.
COHORT = engine.CohortInput("aged_disabled", 1000, Decimal("900000"), published_pbpm=Decimal("1000"))


def test_a_net_payment_to_preferred_providers_is_charged_to_the_settlement() -> None:
    # +$9,000.00 paid, −$3,000.00 repaid: +$6,000.00 paid on balance → a charge of $6,000.00.
    s = engine.settle([COHORT], params(cara_payments=Decimal("6000")), tqs=None)
    assert (s.settlement_before_cara, s.cara_change, s.settlement) == (
        Decimal("100000.00"),
        Decimal("-6000.00"),
        Decimal("94000.00"),
    )
    lines = [(line.key, line.amount, line.kind) for line in s.lines()][-3:]
    assert lines == [
        ("before_cara", Decimal("100000.00"), "total"),
        ("cara", Decimal("-6000.00"), "step"),
        ("settlement", Decimal("94000.00"), "total"),
    ]


def test_a_net_repayment_is_credited_and_no_ebra_draws_no_line() -> None:
    # −$1,500.00: the Preferred Provider repaid on balance → a credit: $100,000.00 + $1,500.00.
    credited = engine.settle([COHORT], params(cara_payments=Decimal("-1500")), tqs=None)
    assert (credited.cara_change, credited.settlement) == (Decimal("1500.00"), Decimal("101500.00"))
    plain = engine.settle([COHORT], params(), tqs=None)
    assert plain.settlement == Decimal("100000.00") and plain.cara_change is None
    assert "cara" not in {line.key for line in plain.lines()}


def summary_for(aco: ACO, *, cara: Decimal | None, line: payments.SettlementLine) -> PerformanceSummary:
    """The ACO's snapshot as the summaries step writes it, on the $100,000.00 settlement above."""
    run = pipeline_run(PY)
    settlement = engine.settle([COHORT], params(cara_payments=cara), tqs=None)
    data = snapshot.build(
        performance_year=PY,
        generated_at="2027-12-31T00:00:00+00:00",
        aco={
            "aco_id": aco.aco_id,
            "name": aco.legal_name,
            "risk_option": "global",
            "risk_option_label": "Global",
            "capitation": "none",
            "capitation_label": "None",
            "newly_entering": False,
        },  # fmt: skip
        vintage={"pipeline_run": run.pk, "files": [], "claims_through": f"{PY}-12"},
        alignment={"total": 84, "claims": 84, "voluntary": 0, "high_needs": 0, "minimum": {}},
        settlement=settlement,
        months=[],
        categories=[],
        quality={"tqs": None, "scored_measures": 0, "withhold_pct": 0.0, "measures": []},
        parameters={"risk_option": "global", "sequestration_pct": 0.0},
        cohort_labels={c.value: str(c.label) for c in Cohort},
        cara=[
            snapshot.CaraEBRA(
                a.arrangement_id,
                a.preferred_provider,
                a.npi,
                a.status,
                a.periods,
                a.final_periods,
                a.expected_periods,
                a.amount_cents,
            )
            for a in line.arrangements
        ],  # fmt: skip
    )
    return PerformanceSummary.objects.create(run=run, aco=aco, performance_year=PY, data=data)


def test_the_money_page_csv_and_reports_show_the_same_cara_line(books: dict[str, Any], client_for: Any) -> None:
    harbor = books["harbor"]
    line = payments.aco_settlement_line(aco=harbor, performance_year=PY)
    summary_for(harbor, cara=line.amount, line=line)
    analyst = MembershipFactory.create(aco=harbor, role=Membership.Role.ANALYST).user
    client = client_for(analyst)
    body = text(client.get(f"/acos/L0901/money/?py={PY}").content.decode())
    assert "Estimated settlement before CARA $100,000.00" in body
    assert (
        "CARA reconciliation with Preferred Providers (a charge; 1 EBRA, 2 periods reconciled; provisional) "
        "\u2212$6,000.00" in body
    )
    assert "Estimated settlement after CARA $94,000.00" in body
    assert "$94,000.00 estimated settlement" in body  # the card at the top
    assert "$6,000.00 charged to the settlement" in body and "L0901's CARA page" in body
    assert f'href="/acos/L0901/cara/?py={PY}"' in client.get(f"/acos/L0901/money/?py={PY}").content.decode()
    # The EBRA's row: 2 periods, 1 of 4 final; +$6,000.00 paid, −$6,000.00 to the settlement.
    assert (
        f"EBRA {books['active'].pk} Bone & Joint Group (NPI {SURGEON}) 2 Provisional: 1 of 4 periods final "
        "$6,000.00 \u2212$6,000.00" in body
    )

    settlement_csv = client.get(f"/acos/L0901/money/data/settlement.csv?py={PY}").content.decode()
    rows = list(csv.reader(io.StringIO(settlement_csv)))
    assert rows[-3:] == [
        ["Estimated settlement before CARA", "100000.00", "Total"],
        ["CARA reconciliation with Preferred Providers", "-6000.00", "Change"],
        ["Estimated settlement", "94000.00", "Total"],
    ]
    cara_csv = list(csv.reader(io.StringIO(client.get(f"/acos/L0901/money/data/cara.csv?py={PY}").content.decode())))
    assert cara_csv[0] == [
        "EBRA",
        "Preferred Provider (NPI)",
        "Periods reconciled",
        "Status",
        "Paid to (repaid by) the Preferred Provider ($)",
        "Change to the settlement ($)",
    ]
    assert cara_csv[-2] == [
        "CARA reconciliation with Preferred Providers (1 EBRA)",
        "",
        "2",
        "Provisional",
        "6000.00",
        "-6000.00",
    ]
    assert cara_csv[-1][-1] == "94000.00"

    data = PerformanceSummary.objects.get(aco=harbor).data
    facts = list(csv.DictReader(io.StringIO(reports.build_csv(data).decode())))
    key = {f["item"]: f["value"] for f in facts if f["table"] == "Key figures"}
    assert key["Estimated settlement before CARA"] == "100000.00"
    assert key["CARA reconciliation with Preferred Providers (charge -, credit +; provisional)"] == "-6000.00"
    assert key["Estimated settlement"] == "94000.00"
    cara_facts = {f["item"]: f["value"] for f in facts if f["table"] == "CARA reconciliation with Preferred Providers"}
    assert (cara_facts["EBRAs reconciled"], cara_facts["Periods reconciled"], cara_facts["Status"]) == (
        "1",
        "2",
        "provisional",
    )
    pdf = pdf_text(reports.build_pdf(data))
    assert "CARA reconciliation with Preferred Providers" in pdf and "94,000.00" in pdf
    sheets = " ".join(xlsx_parts(reports.build_xlsx(data)).values())
    assert "CARA reconciliation with Preferred Providers" in sheets and "-6000" in sheets


def test_an_aco_without_an_ebra_is_told_so_not_shown_zeros(client_for: Any) -> None:
    aco = ACOFactory.create()
    summary_for(aco, cara=None, line=payments.SettlementLine())
    admin = MembershipFactory.create(aco=aco, role=Membership.Role.ADMIN).user
    client = client_for(admin)
    body = text(client.get(f"/acos/{aco.aco_id}/money/?py={PY}").content.decode())
    assert "No CARA arrangement: the ACO has no active or terminated EBRA in PY2027" in body
    assert "Estimated settlement before CARA" not in body and "$100,000.00 estimated settlement" in body
    rows = list(csv.reader(io.StringIO(client.get(f"/acos/{aco.aco_id}/money/data/cara.csv?py={PY}").content.decode())))
    assert len(rows) == 2 and rows[1][0].startswith("No CARA arrangement") and rows[1][2:] == ["", "", "", ""]
    facts = list(csv.DictReader(io.StringIO(reports.build_csv(PerformanceSummary.objects.get(aco=aco).data).decode())))
    key = {f["item"]: f["value"] for f in facts if f["table"] == "Key figures"}
    assert key["CARA reconciliation with Preferred Providers"].startswith("No active or terminated EBRA")


# --- CMS's pages, CSV and API --------------------------------------------------------------------------------


def test_cms_sees_every_reconciliation_with_totals_per_aco(books: dict[str, Any], client_for: Any, cms_reviewer: User):
    client = client_for(cms_reviewer)
    page = client.get(f"/cara/payments/?py={PY}")
    assert page.status_code == 200
    body = text(page.content.decode())
    assert (
        "3 periods of 2 EBRAs: $9,000.00 paid to Preferred Providers, \u2212$4,500.00 repaid by them, net $4,500.00"
        in body
    )
    assert "L0901: 2 periods of 1 EBRA; net $6,000.00" in body
    assert "L0902: 1 period of 1 EBRA; net \u2212$1,500.00" in body
    # Harbor's Q1: 12 episodes, Σ target $300,000.00, Σ actual $288,000.00, 75 points, factor 0.7500.
    assert (
        f"Bone & Joint Group ({SURGEON}) EBRA {books['active'].pk} (active) Jan 1, 2027 to Mar 31, 2027 12 "
        "$300,000.00 $288,000.00 75 0.7500 $9,000.00: payment to the preferred provider Final" in body
    )
    assert "5 closed, 2 open" in body and "$50,000.00" not in body  # the approved EBRA's row is left out
    assert "\u2212$1,500.00: repayment by the preferred provider (repayment limit) Final" in body
    # The chart's data table: per ACO and overall.
    assert "L0901 Harbor ACO 1 2 17 $9,000.00 \u2212$3,000.00 $6,000.00" in body
    assert "L0902 Bay ACO 1 1 4 $0.00 \u2212$1,500.00 \u2212$1,500.00" in body
    assert "All ACOs 2 3 21 $9,000.00 \u2212$4,500.00 $4,500.00" in body

    repayments = text(client.get(f"/cara/payments/?py={PY}&direction=repayment").content.decode())
    assert "2 periods of 2 EBRAs: $0.00 paid to Preferred Providers, \u2212$4,500.00 repaid by them" in repayments
    only_bay = text(client.get(f"/cara/payments/?py={PY}&aco=L0902").content.decode())
    assert "L0901" not in only_bay.split("Show", 1)[1] and "net \u2212$1,500.00" in only_bay


def test_bad_filters_are_named_not_a_500(books: dict[str, Any], client_for: Any, cms_reviewer: User) -> None:
    client = client_for(cms_reviewer)
    page = client.get("/cara/payments/?py=1999&aco=ZZZ&direction=sideways")
    assert page.status_code == 200
    body = text(page.content.decode())
    assert "Performance year: “1999” is not one the portal knows" in body
    assert "ACO: there is no ACO “ZZZ”" in body
    assert "Direction: choose payments or repayments, not “sideways”" in body


def test_the_csv_has_the_header_every_row_and_no_live_formula(
    books: dict[str, Any], client_for: Any, cms_reviewer: User
) -> None:
    response = client_for(cms_reviewer).get(f"/cara/payments.csv?py={PY}")
    assert response.status_code == 200 and 'filename="LEAD_CARA_payments_PY2027.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ",".join(rows[0]) == (
        "aco_id,aco_name,preferred_provider,npi,arrangement_id,period_start,period_end,episodes,target_cents,"
        "actual_cents,quality_points,adjustment_factor,amount_cents,final"
    )
    body = rows[1:]
    assert [(r[0], r[5], r[12], r[13]) for r in body] == [
        ("L0901", "2027-01-01", "900000", "true"),
        ("L0901", "2027-04-01", "-300000", "false"),
        ("L0902", "2027-01-01", "-150000", "true"),
    ]
    # Totals per ACO from the file, by hand: L0901 +900,000 − 300,000 = 600,000 cents; L0902 −150,000.
    totals: dict[str, int] = {}
    for r in body:
        totals[r[0]] = totals.get(r[0], 0) + int(r[12])
    assert totals == {"L0901": 600_000, "L0902": -150_000}
    assert body[0][4] == str(books["active"].pk) and body[0][10] == "75.0" and body[0][11] == "0.750000"
    # The Preferred Provider named like a formula is written as text.
    assert body[2][2] == '\'=HYPERLINK("http://x.example","y")'


def test_the_api_gives_cms_the_same_rows_and_totals(books: dict[str, Any], client_for: Any, cms_reviewer: User):
    body = client_for(cms_reviewer).get(f"/api/cara/payments/?py={PY}").json()
    assert body["performance_year"] == PY and body["filter_errors"] == []
    assert body["totals"] == {
        "aco_id": "",
        "aco_name": "",
        "arrangements": 2,
        "periods": 3,
        "episodes": 21,
        "paid_cents": 900_000,
        "repaid_cents": -450_000,
        "net_cents": 450_000,
    }
    assert [(t["aco_id"], t["net_cents"]) for t in body["by_aco"]] == [("L0901", 600_000), ("L0902", -150_000)]
    assert [r["amount_cents"] for r in body["reconciliations"]] == [900_000, -300_000, -150_000]
    assert body["reconciliations"][1]["direction"] == "Repayment by the Preferred Provider"


def test_aco_people_get_404_on_cms_pages_and_api(books: dict[str, Any], client_for: Any) -> None:
    admin = MembershipFactory.create(aco=books["harbor"], role=Membership.Role.ADMIN).user
    client = client_for(admin)
    for url in ("/cara/payments/", "/cara/payments.csv", "/cara/arrangements/", "/api/cara/payments/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Bone" not in response.content and b"L0902" not in response.content
    assert client_for(None).get("/cara/payments/").status_code == 302  # to the sign-in page
    with pytest.raises(Exception, match="Only CMS staff"):
        payments.cms_payments(user=admin)


def test_the_queue_puts_submitted_ebras_first_and_lists_pending_designs(
    books: dict[str, Any], client_for: Any, cms_reviewer: User
) -> None:
    bay: ACO = books["bay"]
    provider = PreferredProvider.objects.get(aco=bay)
    case = ReviewCaseFactory.create(kind="cara_arrangement", title="EBRA review", state="submitted")
    case.submitted_at = dt.datetime(2027, 3, 4, 15, 0, tzinfo=dt.UTC)
    case.save()
    submitted = ebra(bay, provider, ArrangementStatus.SUBMITTED, review=case)
    cara_services.ensure_catalogue(PY)
    hip = EpisodeDefinition.objects.get(performance_year=PY, code="hip_knee", aco__isnull=True)
    design_case = ReviewCaseFactory.create(kind="cara_design", title="Hip and knee, 60 days", state="in_review")
    DesignProposal.objects.create(aco=bay, performance_year=PY, based_on=hip, review=design_case)
    decided = ReviewCaseFactory.create(kind="cara_design", title="Sepsis, 30 days", state="approved")
    DesignProposal.objects.create(aco=bay, performance_year=PY, based_on=hip, review=decided)

    client = client_for(cms_reviewer)
    html = client.get(f"/cara/arrangements/?py={PY}").content.decode()
    body = text(html)
    assert "1 EBRA submitted to CMS and waiting for a decision" in body
    order = [int(pk) for pk in re.findall(r'<th scope="row">(?:<a [^>]*>)?EBRA (\d+)', html)]
    # The submitted one first, then the rest newest first.
    assert order == [submitted.pk, books["ended"].pk, books["stale"].pk, books["active"].pk]
    assert f"Jan 1, 2027 to Dec 31, 2027 Submitted to CMS {when(case.submitted_at)}" in body  # the portal's zone
    assert "Hip and knee, 60 days L0902 Bay ACO Elective hip or knee replacement PY2027 In review" in body
    assert "Sepsis, 30 days" not in body
    home = text(client.get("/cms/").content.decode())
    assert "CARA arrangements" in home and "CARA payments" in home


# --- the pipeline's reconciliation after the episodes step ---------------------------------------------------


def test_the_episodes_step_reconciles_every_active_ebra_with_the_new_run(tmp_path: Path) -> None:
    """The world's COPD episode (Feb 1, 2027, attending Preferred Provider SURGEON, window to May 6, 2027) is a
    payment episode once the first episode date is Jan 1, 2027; the claims run through Feb 1, 2027, so of
    the EBRA's quarterly periods only Q1 (Jan 1 to Mar 31) has begun: one reconciliation, the episode still
    open (0 closed, 1 open), $0.00, provisional."""
    aco, alignment, pp = load_world(tmp_path / "package")
    Election.objects.create(aco=aco, performance_year=PY, risk_option="global", cara_participation=True)
    EpisodeParameters.objects.update_or_create(performance_year=PY, defaults={"first_episode_date": D(PY, 1, 1)})
    cara_services.ensure_catalogue(PY)
    copd = EpisodeDefinition.objects.get(performance_year=PY, code="copd", aco__isnull=True)
    active = ebra(aco, pp, ArrangementStatus.ACTIVE)
    ArrangementTerm.objects.create(arrangement=active, definition=copd, baseline_cents=700_000, target_cents=700_000)
    draft = ebra(aco, pp, ArrangementStatus.DRAFT)

    run = performance_services.pipeline_run_create(performance_year=PY)
    PipelineRun.objects.filter(pk=run.pk).update(alignment_run=alignment)
    assert performance_services.pipeline_step_execute(run_id=run.pk, name="episodes", inline=True) == "succeeded"
    run.refresh_from_db()
    step = run.steps.get(name="episodes")
    assert step.message.endswith("; 1 EBRA reconciliation period computed"), step.message
    assert run.episode_run is not None and run.episode_run.counts["reconciliations"] == 1
    row = Reconciliation.objects.get(arrangement=active)
    assert (row.period_start, row.period_end, row.episode_run_id) == (D(PY, 1, 1), D(PY, 3, 31), run.episode_run_id)
    assert (row.episodes, row.open_episodes, row.amount_cents, row.final) == (0, 1, 0, False)
    assert not Reconciliation.objects.filter(arrangement=draft).exists()
    # The money and summaries steps then read it into the ACO's settlement: 1 EBRA, 1 period, $0.00 (nothing
    # charged or credited), provisional; the settlement is the one before CARA.
    for name in ("money", "summaries"):
        assert performance_services.pipeline_step_execute(run_id=run.pk, name=name, inline=True) == "succeeded"
    s = PerformanceSummary.objects.get(run=run, aco=aco).data["settlement"]
    cara = s["cara"]
    assert (cara["has_arrangements"], cara["arrangements"], cara["periods"], cara["status"]) == (
        True,
        1,
        1,
        "provisional",
    )
    assert (cara["change"], cara["direction"], cara["settlement_before"]) == (0.0, "none", s["estimated_settlement"])
    assert [line["amount"] for line in s["lines"] if line["key"] == "cara"] == [0.0]
