"""Claims that used a Benefit Enhancement: the selector on hand-worked claims (every count below was
worked out by hand from the rows in ``world``), the pages, the CSV and the API, for the ACO's admin,
its analyst and an outsider."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO
from apps.benefits import selectors, services
from apps.benefits.models import CLAIMS_INDICATORS, BenefitItem, ImplementationPlan
from apps.claims.models import PartABenefitCodes, PartBBenefitCodes
from tests.benefits.builders import ClaimsRows, approved_plan, draft_plan
from tests.factories import aligned, alignment_run

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User | None], Client]

SNF, TELE, PDV, CMHV = "snf_3day_waiver", "telehealth", "post_discharge_home_visits", "care_management_home_visits"
ANN = "1EG4TE5MK73"  # aligned to the ACO
BEN = "2EG4TE5MK74"  # aligned to the ACO
LATE = "3EG4TE5MK75"  # aligned to the ACO from 2027-04-01 (voluntary, mid-year)
ELSE = "4EG4TE5MK76"  # aligned to the other ACO in the latest run (to the ACO in an older one)
NOBODY = "5EG4TE5MK77"  # aligned to nobody in the latest run (to the ACO in a later, failed one)


@dataclass
class World:
    aco: ACO
    other_aco: ACO
    telehealth_plan: ImplementationPlan


@pytest.fixture
def world(aco: ACO, other_aco: ACO, admin: User, cms_reviewer: User, settings: Settings) -> World:
    settings.PORTAL_TODAY = "2027-12-31"
    older = alignment_run(2027, finished_at=timezone.now() - dt.timedelta(days=30))
    aligned(older, aco, ELSE)
    run = alignment_run(2027)
    aligned(run, aco, ANN)
    aligned(run, aco, BEN)
    aligned(run, aco, LATE, alignment_type="voluntary", step="voluntary", effective_from=dt.date(2027, 4, 1))
    aligned(run, other_aco, ELSE)
    failed = alignment_run(2027, status="failed", finished_at=timezone.now() + dt.timedelta(days=1))
    aligned(failed, aco, NOBODY)

    rows = ClaimsRows(2027)
    # ANN
    rows.part_a(100, ANN, "2027-02-10", {SNF: "Y"}, current=False)  # the stay's first version, replaced
    rows.part_a(101, ANN, "2027-02-10", {SNF: "Y"})  # SNF Feb: Part A 1
    rows.part_a(104, ANN, "2027-02-20", {SNF: "Y", TELE: "Y", PDV: "N"})  # SNF Feb: 2 claims; telehealth Feb: 1
    rows.part_a(102, ANN, "2027-03-05", {PDV: "Y", TELE: "N"})  # post-discharge Mar: 1
    rows.part_b(201, 1, ANN, "2027-03-15", {TELE: "Y"})  # telehealth Mar: one claim of two lines
    rows.part_b(201, 2, ANN, "2027-03-15", {TELE: "Y"})
    rows.part_b(202, 1, ANN, "2027-01-20", {TELE: "N"})  # "N": nothing
    rows.part_b(203, 1, ANN, "2026-12-30", {TELE: "Y"})  # before the PY: nothing
    rows.part_b(204, 1, ANN, "2027-04-28", {TELE: "Y"})  # telehealth Apr: once, in its first line's month
    rows.part_b(204, 2, ANN, "2027-05-02", {TELE: "Y"})
    rows.part_a(105, ANN, "2028-01-03", {SNF: "Y"})  # after the PY: nothing
    # BEN
    rows.part_b(301, 1, BEN, "2027-03-20", {CMHV: "Y"}, dme=True)  # care management Mar: DME 1
    rows.part_a(103, BEN, "2027-03-25", {CMHV: "Y"})  # care management Mar: Part A 1 (same beneficiary)
    rows.part_b(205, 1, BEN, "2027-03-02", {TELE: "Y"})  # telehealth Mar: 2nd claim, 2nd beneficiary
    rows.part_b(206, 1, BEN, "2027-06-01", {TELE: "Y"}, denied=True)  # denied: nothing
    rows.part_b(207, 1, BEN, "2027-07-07", {TELE: "Y"}, current=False)  # replaced version: nothing
    rows.part_b(207, 2, BEN, "2027-07-07", {TELE: ""})  # its current version has no indicator
    # LATE: the ACO's from April
    rows.part_b(220, 1, LATE, "2027-03-10", {TELE: "Y"})  # before alignment took effect: nothing
    rows.part_b(221, 1, LATE, "2027-04-10", {TELE: "Y"}, dme=True)  # telehealth Apr: 2nd claim, 2nd beneficiary
    # The other ACO's beneficiary and an unaligned one: never the ACO's.
    rows.part_a(110, ELSE, "2027-02-11", {SNF: "Y"})
    rows.part_b(210, 1, ELSE, "2027-03-03", {TELE: "Y"})
    rows.part_a(120, NOBODY, "2027-02-01", {SNF: "Y"})

    plan = approved_plan(aco, admin, cms_reviewer, TELE)
    for mbi, day, quantity in ((ANN, "2027-03-16", 1), (BEN, "2027-03-20", 2), (ANN, "2027-05-01", 1)):
        services.delivery_record(plan=plan, mbi=mbi, delivered_on=day, amount="0", quantity=quantity, acting_user=admin)
    return World(aco=aco, other_aco=other_aco, telehealth_plan=plan)


def nonzero(found: selectors.ClaimsUsage) -> dict[tuple[str, int], tuple[int, int, int, int]]:
    """{(code, month): (Part A claims, Part B/DME claims, beneficiaries, deliveries)} of the months with any."""
    return {
        (u.item.code, m.month.month): (m.part_a_claims, m.part_b_claims, m.beneficiaries, m.deliveries)
        for u in found.items
        for m in u.months
        if m.month is not None and (m.claims or m.beneficiaries or m.deliveries)
    }


def totals(found: selectors.ClaimsUsage) -> dict[str, tuple[int, int, int, int]]:
    return {
        u.item.code: (u.total.part_a_claims, u.total.part_b_claims, u.total.beneficiaries, u.total.deliveries)
        for u in found.items
    }


# --- the mapping -------------------------------------------------------------------------------


def test_every_indicator_column_is_a_field_of_the_benefit_enhancement_files() -> None:
    a_fields = {f.name for f in PartABenefitCodes._meta.get_fields()}
    b_fields = {f.name for f in PartBBenefitCodes._meta.get_fields()}
    for indicator in CLAIMS_INDICATORS.values():
        assert indicator.part_a in a_fields
        assert indicator.part_b in b_fields


def test_only_the_four_flagged_enhancements_have_an_indicator(db: None) -> None:
    flagged = {i.code for i in BenefitItem.objects.filter(performance_year=2027) if i.claims_indicator is not None}
    assert flagged == {SNF, TELE, PDV, CMHV}
    assert BenefitItem.objects.get(performance_year=2027, code="medical_nutrition_therapy").claims_indicator is None


# --- the selector ------------------------------------------------------------------------------


def test_monthly_counts_match_the_hand_worked_figures(world: World) -> None:
    found = selectors.claims_usage(aco=world.aco, performance_year=2027)
    assert found.run is not None and found.files_loaded
    assert [u.item.code for u in found.items] == [SNF, CMHV, PDV, TELE]  # catalogue order (by name)
    assert all(len(u.months) == 12 for u in found.items)
    assert nonzero(found) == {
        (SNF, 2): (2, 0, 1, 0),  # claims 101 and 104 of ANN; 100 was replaced
        (TELE, 2): (1, 0, 1, 0),  # claim 104
        (TELE, 3): (0, 2, 2, 3),  # 201 (two lines, one claim) and 205; deliveries 1 + 2
        (TELE, 4): (0, 2, 2, 0),  # 204 (first line in April) and LATE's DME 221
        (TELE, 5): (0, 0, 0, 1),  # 204's second line is not counted again; one delivery
        (PDV, 3): (1, 0, 1, 0),  # claim 102
        (CMHV, 3): (1, 1, 1, 0),  # BEN's Part A 103 and DME 301
    }
    assert totals(found) == {
        SNF: (2, 0, 1, 0),
        TELE: (1, 4, 3, 4),  # ANN, BEN and LATE
        PDV: (1, 0, 1, 0),
        CMHV: (1, 1, 1, 0),
    }
    tele = found.get(TELE)
    assert tele is not None and tele.approved and tele.plan == world.telehealth_plan and tele.total.claims == 5
    snf = found.get(SNF)
    assert snf is not None and snf.plan is None and not snf.approved


def test_another_acos_beneficiaries_count_only_for_that_aco(world: World) -> None:
    found = selectors.claims_usage(aco=world.other_aco, performance_year=2027)
    assert nonzero(found) == {(SNF, 2): (1, 0, 1, 0), (TELE, 3): (0, 1, 1, 0)}
    assert all(u.plan is None for u in found.items)  # the ACO's plan is not the other ACO's


def test_other_performance_years_see_none_of_it(world: World) -> None:
    found = selectors.claims_usage(aco=world.aco, performance_year=2028)
    assert found.run is None and found.items and all(u.months == [] for u in found.items)
    assert all(u.total.claims == 0 for u in found.items)


def test_without_an_alignment_run_nothing_is_counted(aco: ACO) -> None:
    rows = ClaimsRows(2027)
    rows.part_a(1, ANN, "2027-02-10", {SNF: "Y"})
    found = selectors.claims_usage(aco=aco, performance_year=2027)
    assert found.run is None and found.files_loaded
    assert all(u.months == [] and u.total.claims == 0 for u in found.items)


def test_no_benefit_enhancement_files_yet(aco: ACO) -> None:
    aligned(alignment_run(2027), aco, ANN)
    found = selectors.claims_usage(aco=aco, performance_year=2027)
    assert found.run is not None and not found.files_loaded and nonzero(found) == {}


# --- pages ---------------------------------------------------------------------------------------


def usage_url(aco: ACO, name: str = "claims_usage") -> str:
    return reverse(f"benefits:{name}", kwargs={"aco_id": aco.aco_id}) + "?py=2027"


def plan_url(plan: ImplementationPlan) -> str:
    return reverse("benefits:plan_detail", kwargs={"aco_id": plan.selection.aco.aco_id, "plan_id": plan.pk})


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_members_see_each_enhancements_claims_beside_the_plan(
    world: World, who: str, request: pytest.FixtureRequest, client_for: ClientFor
) -> None:
    user = request.getfixturevalue(who)
    response = client_for(user).get(usage_url(world.aco))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="be-claims-telehealth-months"' in page
    # Telehealth, March: 0 Part A, 2 Part B, 2 claims, 2 beneficiaries, 3 deliveries.
    assert (
        '<tr><th scope="row">March 2027</th><td class="ds-u-text-align--right">0</td>'
        '<td class="ds-u-text-align--right">2</td><td class="ds-u-text-align--right">2</td>'
        '<td class="ds-u-text-align--right">2</td><td class="ds-u-text-align--right">3</td></tr>'
    ) in page
    assert "Plan approved" in page and "4 deliveries logged in PY2027" in page
    assert "No approved plan</strong>: " in page  # the three enhancements without a plan
    assert 'data-figure="figure-be-claims-telehealth"' in page
    for mbi in (ANN, BEN, LATE, ELSE):
        assert mbi not in page  # counts only
    assert world.other_aco.aco_id not in page
    assert not AccessLog.objects.exists()  # no beneficiary-level data shown


def test_outsider_gets_404_for_the_page_and_the_csv(world: World, outsider: User, client_for: ClientFor) -> None:
    client = client_for(outsider)
    assert client.get(usage_url(world.aco)).status_code == 404
    assert client.get(usage_url(world.aco, "claims_usage_export")).status_code == 404


def test_plan_page_shows_its_enhancements_claims_and_deliveries(
    world: World, analyst: User, client_for: ClientFor
) -> None:
    page = client_for(analyst).get(plan_url(world.telehealth_plan)).content.decode()
    assert '<h2 id="claims">Claims that used it</h2>' in page
    assert 'id="be-claims-telehealth-months"' in page
    assert 'id="be-claims-snf-3day-waiver-months"' not in page  # only this plan's enhancement
    assert "vendor/plotly/" in page


def test_plan_of_an_item_without_indicator_has_no_claims_section(
    world: World, admin: User, client_for: ClientFor
) -> None:
    plan = draft_plan(world.aco, admin, "chronic_disease_prevention_reward")
    page = client_for(admin).get(plan_url(plan)).content.decode()
    assert "Claims that used it" not in page and "vendor/plotly/" not in page


def test_draft_plan_says_it_is_not_approved_yet(aco: ACO, admin: User, client_for: ClientFor) -> None:
    aligned(alignment_run(2027), aco, ANN)
    plan = draft_plan(aco, admin, SNF)
    page = client_for(admin).get(plan_url(plan)).content.decode()
    assert "No approved plan yet</strong>: the" in page and "is draft" in page
    assert "No claims of" in page and "no Benefit Enhancement files (CCLFA, CCLFB) of PY2027" in page


def test_page_says_when_no_alignment_run_has_finished(aco: ACO, analyst: User, client_for: ClientFor) -> None:
    page = client_for(analyst).get(usage_url(aco)).content.decode()
    assert 'id="be-claims-no-run"' in page
    assert "be-claims-telehealth-months" not in page
    assert page.count("No alignment run has finished") == 1  # said once, not per enhancement


def test_catalogue_summarises_each_enhancements_claims(world: World, admin: User, client_for: ClientFor) -> None:
    page = client_for(admin).get(reverse("benefits:catalogue", kwargs={"aco_id": world.aco.aco_id}) + "?py=2027")
    text = page.content.decode()
    assert 'id="be-claims-summary"' in text
    # Telehealth: 5 claims, 3 beneficiaries, 4 deliveries, plan approved.
    assert (
        '<tr><th scope="row">Telehealth</th><td class="ds-u-text-align--right">5</td>'
        '<td class="ds-u-text-align--right">3</td><td class="ds-u-text-align--right">4</td>'
    ) in text


# --- CSV and API: the same numbers --------------------------------------------------------------


def test_csv_and_api_give_the_pages_numbers(world: World, analyst: User, client_for: ClientFor) -> None:
    response = client_for(analyst).get(usage_url(world.aco, "claims_usage_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'"{world.aco.aco_id}-PY2027-be-claims.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 4 * 13
    by_key = {(r["item"], r["month"]): r for r in rows}
    assert {r["aco_id"] for r in rows} == {world.aco.aco_id}
    march = by_key[(TELE, "2027-03")]
    assert (march["part_a_claims"], march["part_b_claims"], march["claims"]) == ("0", "2", "2")
    assert (march["beneficiaries"], march["deliveries_logged"], march["plan_state"]) == ("2", "3", "approved")
    total = by_key[(TELE, "total")]
    assert (total["claims"], total["beneficiaries"], total["deliveries_logged"]) == ("5", "3", "4")

    api = APIClient()
    api.force_authenticate(analyst)
    body = api.get(f"/api/acos/{world.aco.aco_id}/benefits/claims-usage/?py=2027").json()
    assert body["aco_id"] == world.aco.aco_id and body["alignment_run"] == int(rows[0]["alignment_run"])
    for item in body["items"]:
        for m in [*item["months"], item["total"]]:
            row = by_key[(item["item_code"], m["month"] or "total")]
            assert [
                m["part_a_claims"], m["part_b_claims"], m["claims"], m["beneficiaries"], m["deliveries"]
            ] == [
                int(row["part_a_claims"]), int(row["part_b_claims"]), int(row["claims"]), int(row["beneficiaries"]),
                int(row["deliveries_logged"]),
            ]  # fmt: skip
            assert (item["plan_state"] or "") == row["plan_state"]
    assert sum(len(i["months"]) + 1 for i in body["items"]) == len(rows)


def test_api_filters_by_item_and_scopes_to_the_aco(world: World, analyst: User, outsider: User) -> None:
    api = APIClient()
    api.force_authenticate(analyst)
    url = f"/api/acos/{world.aco.aco_id}/benefits/claims-usage/?py=2027"
    body = api.get(f"{url}&item={CMHV}").json()
    assert [i["item_code"] for i in body["items"]] == [CMHV]
    assert body["items"][0]["total"] == {
        "month": None, "part_a_claims": 1, "part_b_claims": 1, "claims": 2, "beneficiaries": 1, "deliveries": 0,
    }  # fmt: skip
    api.force_authenticate(outsider)
    assert api.get(url).status_code == 404


def test_api_without_alignment_run(aco: ACO, admin: User) -> None:
    api = APIClient()
    api.force_authenticate(admin)
    body = api.get(f"/api/acos/{aco.aco_id}/benefits/claims-usage/?py=2027").json()
    assert body["alignment_run"] is None and body["files_loaded"] is False
    assert {i["item_code"] for i in body["items"]} == {SNF, TELE, PDV, CMHV}
    assert all(i["months"] == [] and i["total"]["claims"] == 0 for i in body["items"])
