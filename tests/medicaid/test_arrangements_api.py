"""The arrangements API: the same services as the pages, scoped the same way (outsider 404,
read-only analyst 403 on every write, CMS reviewers only on review and comments)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.medicaid.models import MedicaidState, PartnershipArrangement
from apps.reviews.models import ReviewState

pytestmark = pytest.mark.django_db
S = ReviewState
ClientFor = Callable[[User | None], Client]
Make = Callable[..., PartnershipArrangement]


def base(aco: ACO) -> str:
    return f"/api/acos/{aco.aco_id}/medicaid/arrangements/"


def detail(arrangement: PartnershipArrangement, tail: str = "") -> str:
    return f"{base(arrangement.aco)}{arrangement.pk}/{tail}"


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, body, content_type="application/json")


def state_of(arrangement: PartnershipArrangement) -> str:
    return PartnershipArrangement.objects.select_related("review").get(pk=arrangement.pk).review.state


def test_admin_creates_fills_submits_through_the_api(
    aco: ACO, admin: User, maryland: MedicaidState, full_arrangement: dict[str, Any], client_for: ClientFor
) -> None:
    client = client_for(admin)
    response = post(client, base(aco), {"state": "md", "partner_type": "state_agency", "partner_name": "MDH"})
    assert response.status_code == 201
    body = response.json()
    assert body["state_code"] == "MD" and body["status"] == "draft" and body["partner_name"] == "MDH"
    assert body["content"] == {"partner_type": "state_agency", "partner_name": "MDH", "agreement_status": "planned"}
    arrangement = PartnershipArrangement.objects.get(pk=body["id"])
    response = patch(client, detail(arrangement), {"content": full_arrangement})
    assert response.status_code == 200
    assert response.json()["content"] == full_arrangement
    assert response.json()["title"] == "Maryland Medicaid Administration \u2013 Maryland partnership arrangement"
    response = post(client, detail(arrangement, "submit/"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted"
    assert [v["number"] for v in body["versions"]] == [1]
    assert body["transitions"][0]["from_state"] == "draft" and body["transitions"][0]["actor"] == "aco.admin"
    listed = client.get(base(aco)).json()
    assert [(a["id"], a["status"]) for a in listed] == [(arrangement.pk, "submitted")]


def test_create_refusals_name_the_field(
    aco: ACO, admin: User, make_state: Callable[..., MedicaidState], client_for: ClientFor
) -> None:
    client = client_for(admin)
    response = post(client, base(aco), {"state": "TX", "partner_type": "state_agency", "partner_name": "X"})
    assert response.status_code == 400
    assert response.json()["state"] == ["State: TX is not part of the Medicaid integration planning phase."]
    make_state(delivery_system="ffs")
    response = post(client, base(aco), {"state": "MD", "partner_type": "mco", "partner_name": "X"})
    assert response.status_code == 400 and "partner_type" in response.json()
    make_state(status="interested")
    response = post(client, base(aco), {"state": "MD", "partner_type": "state_agency", "partner_name": "X"})
    assert response.status_code == 400 and "not selected" in response.json()["state"][0]
    assert PartnershipArrangement.objects.count() == 0


def test_submission_errors_list_every_field(
    aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, content={})
    response = post(client_for(admin), detail(arrangement, "submit/"))
    assert response.status_code == 400
    assert sorted(response.json()) == [
        "contacts",
        "data_sharing.description",
        "data_sharing.status",
        "roles",
        "strategies",
    ]


def test_patch_refuses_unknown_fields_and_malformed_values(
    aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, content={})
    client = client_for(admin)
    response = patch(client, detail(arrangement), {"content": {"budget": "1"}})
    assert response.status_code == 400
    response = patch(client, detail(arrangement), {"content": {"contacts": [{"name": "A", "email": "nope"}]}})
    assert response.status_code == 400
    assert response.json() == {"contacts.0.email": ["Contact 1: e-mail: 'nope' is not a valid e-mail address."]}


def test_analyst_reads_and_is_refused_every_write(
    aco: ACO, admin: User, analyst: User, maryland: MedicaidState, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin)
    client = client_for(analyst)
    assert client.get(base(aco)).status_code == 200
    assert client.get(detail(arrangement)).json()["content"]["partner_name"] == "Maryland Medicaid Administration"
    assert client.get(detail(arrangement, "comments/")).status_code == 200
    assert (
        post(client, base(aco), {"state": "MD", "partner_type": "state_agency", "partner_name": "X"}).status_code == 403
    )
    assert patch(client, detail(arrangement), {"content": {"roles": "x"}}).status_code == 403
    for tail, body in (
        ("submit/", {}),
        ("withdraw/", {}),
        ("review/", {"action": "approve", "reason": "x"}),
        ("comments/", {"body": "x"}),
    ):
        assert post(client, detail(arrangement, tail), body).status_code == 403, tail
    assert state_of(arrangement) == S.DRAFT and PartnershipArrangement.objects.count() == 1


def test_outsider_gets_404_everywhere(
    aco: ACO, admin: User, outsider: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    client = client_for(outsider)
    assert client.get(base(aco)).status_code == 404
    assert client.get(detail(arrangement)).status_code == 404
    assert patch(client, detail(arrangement), {"content": {"roles": "x"}}).status_code == 404
    for tail in ("submit/", "withdraw/", "review/", "comments/"):
        assert (
            post(client, detail(arrangement, tail), {"action": "approve", "reason": "x", "body": "x"}).status_code
            == 404
        )
    assert state_of(arrangement) == S.SUBMITTED


def test_anonymous_is_refused(aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor) -> None:
    arrangement = make_arrangement(aco, admin)
    client = client_for(None)
    for url in (base(aco), detail(arrangement), "/api/medicaid/arrangements/"):
        assert client.get(url).status_code in (401, 403)


def test_reviewer_reviews_and_comments_but_never_edits(
    aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    client = client_for(cms_reviewer)
    assert patch(client, detail(arrangement), {"content": {"roles": "x"}}).status_code == 403
    assert post(client, detail(arrangement, "submit/")).status_code == 403
    assert post(client, detail(arrangement, "withdraw/")).status_code == 403
    response = post(client, detail(arrangement, "review/"), {"action": "request_changes", "reason": ""})
    assert response.status_code == 400 and "reason" in response.json()
    response = post(client, detail(arrangement, "review/"), {"action": "start_review"})
    assert response.status_code == 200 and response.json()["status"] == "in_review"
    response = post(client, detail(arrangement, "comments/"), {"body": "Opt-outs?", "section": "data_sharing"})
    assert response.status_code == 201
    assert response.json()["author"] == "cms.reviewer" and response.json()["version"] == 1
    response = post(client, detail(arrangement, "review/"), {"action": "deny", "reason": "Out of scope."})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "denied" and body["decision_reason"] == "Out of scope."
    comments = client_for(admin).get(detail(arrangement, "comments/")).json()
    assert [(c["author"], c["section"], c["body"]) for c in comments] == [("cms.reviewer", "data_sharing", "Opt-outs?")]


def test_admin_cannot_review_its_own_arrangement(
    aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    response = post(client_for(admin), detail(arrangement, "review/"), {"action": "approve", "reason": "Fine."})
    assert response.status_code == 403
    assert state_of(arrangement) == S.SUBMITTED


def test_admin_withdraws_through_the_api(aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    response = post(client_for(admin), detail(arrangement, "withdraw/"), {"reason": "Paused."})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert response.json()["transitions"][-1]["reason"] == "Paused."


def test_resubmission_diff_in_the_api(
    aco: ACO, admin: User, cms_admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    cms = client_for(cms_admin)
    post(cms, detail(arrangement, "review/"), {"action": "request_changes", "reason": "Add an end date."})
    aco_client = client_for(admin)
    assert patch(aco_client, detail(arrangement), {"content": {"end_date": "2029-12-31"}}).status_code == 200
    body = post(aco_client, detail(arrangement, "submit/")).json()
    assert body["diff"] == [{"field": "end_date", "old": "", "new": "2029-12-31"}]
    assert [v["number"] for v in body["versions"]] == [1, 2]
    body = post(cms, detail(arrangement, "review/"), {"action": "approve", "reason": "Thanks."}).json()
    assert body["status"] == "approved"


def test_cms_wide_list_with_filters_and_only_for_cms(
    aco: ACO,
    admin: User,
    analyst: User,
    cms_reviewer: User,
    cms_admin: User,
    make_arrangement: Make,
    client_for: ClientFor,
) -> None:
    submitted = make_arrangement(aco, admin, stage="submitted")
    draft = make_arrangement(aco, admin)
    reviewer = client_for(cms_reviewer)  # one sign-in each: a TOTP code is accepted once
    for client in (reviewer, client_for(cms_admin)):
        body = client.get("/api/medicaid/arrangements/").json()
        assert [r["id"] for r in body["results"]] == [submitted.pk]
    body = reviewer.get("/api/medicaid/arrangements/", {"status": "all", "state": "MD"}).json()
    assert sorted(r["id"] for r in body["results"]) == sorted([submitted.pk, draft.pk])
    body = reviewer.get("/api/medicaid/arrangements/", {"state": "NC"}).json()
    assert body["results"] == []
    for user in (admin, analyst):
        assert client_for(user).get("/api/medicaid/arrangements/").status_code == 404
