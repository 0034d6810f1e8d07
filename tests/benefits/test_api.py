"""The BE/BEI REST API for the ACO's admin, its analyst, an outsider and CMS reviewers. The rules
themselves are tested in test_services.py; here: every endpoint answers, is scoped, and hands the
services' refusals back as 400/403. (Tenancy of every URL: tests/test_tenancy_matrix.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO, RiskOption
from apps.benefits.models import BenefitSelection, Delivery
from apps.reviews.models import ReviewState
from tests.benefits.builders import FULL_PLAN, approved_plan, draft_plan, submitted_plan
from tests.factories import ElectionFactory, aligned, alignment_run

pytestmark = pytest.mark.django_db

API = Callable[[User], APIClient]
S = ReviewState
MBI = "1EG4TE5MK73"


@pytest.fixture
def api() -> API:
    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def base(aco: ACO) -> str:
    return f"/api/acos/{aco.aco_id}/benefits"


# --- catalogue and selections ------------------------------------------------------------------


def test_catalogue_lists_every_item_with_why_not(aco: ACO, analyst: User, api: API) -> None:
    ElectionFactory.create(aco=aco, performance_year=2027, risk_option=RiskOption.PROFESSIONAL)
    response = api(analyst).get(f"{base(aco)}/catalogue/?py=2027")
    assert response.status_code == 200
    rows = {r["item"]["code"]: r for r in response.json()}
    assert len(rows) == 12
    assert rows["medical_nutrition_therapy"]["selectable"] is False
    assert "Global" in rows["medical_nutrition_therapy"]["reason"]
    assert rows["substance_access"]["item"]["plan_fields"][3:6] == ["products", "dosing", "frequency"]
    assert rows["telehealth"]["selection_id"] is None


def test_admin_chooses_an_item_and_gets_a_draft_plan(aco: ACO, admin: User, api: API) -> None:
    response = api(admin).post(f"{base(aco)}/selections/", {"item_code": "telehealth", "performance_year": 2027})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["item_code"] == "telehealth" and body["plan_id"] is not None
    listed = api(admin).get(f"{base(aco)}/selections/?py=2027").json()
    assert [s["item_code"] for s in listed] == ["telehealth"]


def test_choosing_a_refused_item_answers_400_with_the_reason(aco: ACO, admin: User, api: API) -> None:
    response = api(admin).post(
        f"{base(aco)}/selections/", {"item_code": "part_d_premium_buydown", "performance_year": 2027}
    )
    assert response.status_code == 400
    assert "offered from PY2029" in response.json()["item_code"][0]


def test_analyst_and_cms_cannot_choose(aco: ACO, analyst: User, cms_reviewer: User, api: API) -> None:
    for user in (analyst, cms_reviewer):
        response = api(user).post(f"{base(aco)}/selections/", {"item_code": "telehealth", "performance_year": 2027})
        assert response.status_code == 403
    assert not BenefitSelection.objects.exists()


# --- plans ------------------------------------------------------------------------------------


def test_plans_list_and_detail(aco: ACO, admin: User, analyst: User, api: API) -> None:
    plan = draft_plan(aco, admin)
    listed = api(analyst).get(f"{base(aco)}/plans/").json()
    assert [(p["id"], p["state"], p["item_code"]) for p in listed] == [(plan.pk, "draft", "telehealth")]
    detail = api(analyst).get(f"{base(aco)}/plans/{plan.pk}/").json()
    assert detail["content"] == FULL_PLAN and detail["missing_fields"] == []
    assert "products" not in detail["fields_required"]


def test_autosave_patch(aco: ACO, admin: User, api: API) -> None:
    plan = draft_plan(aco, admin, content={})
    url = f"{base(aco)}/plans/{plan.pk}/"
    response = api(admin).patch(url, {"content": {"services": "Video visits"}}, format="json")
    assert response.status_code == 200
    assert response.json()["content"] == {"services": "Video visits"}
    response = api(admin).patch(url, {"content": {"start_date": "soon"}}, format="json")
    assert response.status_code == 400 and "start_date" in response.json()
    response = api(admin).patch(url, {"content": {"start_date": "2020-01-01"}}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "start_date": ["The start date must fall in PY2027 (2027-01-01 to 2027-12-31); 2020-01-01 does not."]
    }


def test_autosave_refused_to_analyst_and_cms(
    aco: ACO, admin: User, analyst: User, cms_reviewer: User, api: API
) -> None:
    plan = draft_plan(aco, admin)
    for user in (analyst, cms_reviewer):
        response = api(user).patch(f"{base(aco)}/plans/{plan.pk}/", {"content": {"services": "x"}}, format="json")
        assert response.status_code == 403
    plan.review.refresh_from_db()
    assert plan.review.content["services"] == FULL_PLAN["services"]


def test_outsider_gets_404_everywhere(aco: ACO, admin: User, outsider: User, other_aco: ACO, api: API) -> None:
    plan = draft_plan(aco, admin)
    client = api(outsider)
    for path in ("catalogue/", "selections/", "plans/", f"plans/{plan.pk}/", f"plans/{plan.pk}/comments/"):
        assert client.get(f"{base(aco)}/{path}").status_code == 404
    assert client.post(f"{base(aco)}/plans/{plan.pk}/transitions/", {"action": "submit"}).status_code == 404
    # Their own ACO's URL with the victim's plan id: 404 too.
    assert client.get(f"{base(other_aco)}/plans/{plan.pk}/").status_code == 404
    plan.review.refresh_from_db()
    assert plan.review.state == S.DRAFT


def test_transitions_by_role(aco: ACO, admin: User, analyst: User, cms_reviewer: User, api: API) -> None:
    plan = draft_plan(aco, admin)
    url = f"{base(aco)}/plans/{plan.pk}/transitions/"
    assert api(analyst).post(url, {"action": "submit"}).status_code == 403
    assert api(cms_reviewer).post(url, {"action": "submit"}).status_code == 403
    response = api(admin).post(url, {"action": "submit"})
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    assert api(admin).post(url, {"action": "approve", "reason": "Self-approval"}).status_code == 403
    assert api(cms_reviewer).post(url, {"action": "start_review"}).json()["state"] == "in_review"
    assert api(cms_reviewer).post(url, {"action": "request_changes"}).status_code == 400  # no reason
    response = api(cms_reviewer).post(url, {"action": "request_changes", "reason": "Name the nurses."})
    assert response.json()["state"] == "changes_requested"
    api(admin).post(url, {"action": "submit"})
    response = api(cms_reviewer).post(url, {"action": "deny", "reason": "No funding."})
    body = response.json()
    assert body["state"] == "denied" and body["decision_reason"] == "No funding."
    assert [v["number"] for v in body["versions"]] == [1, 2]
    assert [t["to_state"] for t in body["transitions"]] == [
        "submitted",
        "in_review",
        "changes_requested",
        "submitted",
        "in_review",  # deciding straight from submitted records the implied step
        "denied",
    ]
    assert api(admin).post(url, {"action": "withdraw"}).status_code == 400  # denied is final


def test_submit_incomplete_plan_answers_400_per_field(aco: ACO, admin: User, api: API) -> None:
    plan = draft_plan(aco, admin, content={"services": "Visits"})
    response = api(admin).post(f"{base(aco)}/plans/{plan.pk}/transitions/", {"action": "submit"})
    assert response.status_code == 400
    assert "target_population" in response.json() and "services" not in response.json()


def test_unknown_transition_answers_400(aco: ACO, admin: User, api: API) -> None:
    plan = draft_plan(aco, admin)
    assert api(admin).post(f"{base(aco)}/plans/{plan.pk}/transitions/", {"action": "publish"}).status_code == 400


def test_comments(aco: ACO, admin: User, analyst: User, cms_reviewer: User, api: API) -> None:
    plan = submitted_plan(aco, admin)
    url = f"{base(aco)}/plans/{plan.pk}/comments/"
    response = api(cms_reviewer).post(url, {"body": "Who pays?", "section": "funding_source"})
    assert response.status_code == 201 and response.json()["version"] == 1
    assert api(admin).post(url, {"body": "Savings reserve."}).status_code == 201
    assert api(analyst).post(url, {"body": "Me too"}).status_code == 403
    listed = api(analyst).get(url).json()
    assert [(c["author"], c["section"]) for c in listed] == [("cms.reviewer", "funding_source"), ("aco.admin", "")]


# --- deliveries -------------------------------------------------------------------------------


def test_deliveries(aco: ACO, admin: User, analyst: User, cms_reviewer: User, api: API, settings: Settings) -> None:
    settings.PORTAL_TODAY = "2027-06-30"
    aligned(alignment_run(2027), aco, MBI)
    plan = approved_plan(aco, admin, cms_reviewer, "substance_access")
    url = f"{base(aco)}/plans/{plan.pk}/deliveries/"
    row = {"mbi": MBI, "delivered_on": "2027-03-01", "amount": "400.00"}
    response = api(admin).post(url, row)
    assert response.status_code == 201 and response.json()["amount"] == "400.00"
    # $500.00 - $400.00 = $100.00 left: $150.00 is refused.
    response = api(admin).post(url, dict(row, amount="150.00"))
    assert response.status_code == 400
    assert "$100.00 left" in response.json()["amount"][0]
    assert api(analyst).post(url, dict(row, amount="1.00")).status_code == 403
    assert api(cms_reviewer).post(url, dict(row, amount="1.00")).status_code == 403
    listed = api(analyst).get(url).json()
    assert [(d["mbi"], d["amount"]) for d in listed] == [(MBI, "400.00")]
    assert Delivery.objects.count() == 1
    assert AccessLog.objects.filter(object_type="benefit_deliveries", aco_code=aco.aco_id).count() >= 2


def test_deliveries_refused_before_approval(aco: ACO, admin: User, api: API, settings: Settings) -> None:
    settings.PORTAL_TODAY = "2027-06-30"
    aligned(alignment_run(2027), aco, MBI)
    plan = submitted_plan(aco, admin)
    response = api(admin).post(
        f"{base(aco)}/plans/{plan.pk}/deliveries/", {"mbi": MBI, "delivered_on": "2027-03-01", "amount": "0"}
    )
    assert response.status_code == 400 and "approved plan" in response.json()["non_field_errors"][0]


# --- the CMS review queue ---------------------------------------------------------------------


def test_review_queue_for_cms_reviewers_only(
    aco: ACO, other_aco: ACO, admin: User, outsider: User, cms_reviewer: User, api: API
) -> None:
    mine = submitted_plan(aco, admin, "telehealth")
    theirs = submitted_plan(other_aco, outsider, "snf_3day_waiver")
    draft_plan(aco, admin, "concurrent_care_hospice")
    response = api(cms_reviewer).get("/api/benefits/review-queue/")
    assert response.status_code == 200
    body = response.json()
    results = body["results"] if isinstance(body, dict) else body
    assert [r["id"] for r in results] == [mine.pk, theirs.pk]
    filtered = api(cms_reviewer).get(f"/api/benefits/review-queue/?aco={other_aco.aco_id}").json()
    filtered = filtered["results"] if isinstance(filtered, dict) else filtered
    assert [r["aco_id"] for r in filtered] == [other_aco.aco_id]
    assert api(admin).get("/api/benefits/review-queue/").status_code == 404
