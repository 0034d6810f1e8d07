"""The partner-state API: the same services and scoping as the pages, for every role."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.medicaid.models import MedicaidState, Milestone, StateStatusChange
from tests.factories import framework_document, medicaid_milestone, medicaid_state

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User | None], Client]
STATES = "/api/medicaid/states/"
MILESTONES = "/api/medicaid/milestones/"


def send(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.generic(method, url, data=json.dumps(data or {}), content_type="application/json")


@pytest.fixture
def states(cms_admin: User) -> dict[str, Any]:
    md = medicaid_state("MD", status="selected")
    va = medicaid_state("VA", status="under_consideration", delivery_system="ffs")
    StateStatusChange.objects.create(state=md, from_status="", to_status="interested", changed_by=cms_admin)
    return {
        "md": md,
        "va": va,
        "wide": medicaid_milestone(None, "State selection"),
        "md_m": medicaid_milestone(md, "Kickoff"),
        "va_m": medicaid_milestone(va, "Feasibility"),
        "doc": framework_document(md, cms_admin, "Framework"),
    }


# --- reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["cms_reviewer", "cms_admin"])
def test_cms_staff_read_states_milestones_and_documents(
    who: str, request: pytest.FixtureRequest, states: dict[str, Any], client_for: ClientFor
) -> None:
    client = client_for(request.getfixturevalue(who))
    listed = client.get(STATES).json()
    assert [(s["code"], s["status"], s["delivery_system"]) for s in listed] == [
        ("MD", "selected", "managed_care"),
        ("VA", "under_consideration", "ffs"),
    ]
    detail = client.get(f"{STATES}MD/").json()
    assert [(h["from_status"], h["to_status"]) for h in detail["history"]] == [("", "interested")]
    assert sorted(m["title"] for m in client.get(MILESTONES).json()) == ["Feasibility", "Kickoff", "State selection"]
    one = client.get(f"{MILESTONES}{states['md_m'].pk}/").json()
    assert (one["state"], one["start"], one["end"]) == ("MD", "2026-09-01", "2027-06-30")
    docs = client.get(f"{STATES}MD/documents/").json()
    assert [(d["title"], d["version"], d["original_name"]) for d in docs] == [("Framework", 1, "framework.txt")]


@pytest.mark.parametrize("who", ["admin", "analyst", "plain_user"])
def test_aco_people_get_404_from_the_cms_endpoints(
    who: str, request: pytest.FixtureRequest, states: dict[str, Any], client_for: ClientFor
) -> None:
    client = client_for(request.getfixturevalue(who))
    for url in (STATES, f"{STATES}MD/", f"{STATES}MD/documents/", MILESTONES, f"{MILESTONES}{states['wide'].pk}/"):
        assert client.get(url).status_code == 404, url
    assert (
        send(client, "POST", STATES, {"code": "PA", "name": "Pennsylvania", "delivery_system": "ffs"}).status_code
        == 404
    )
    assert send(client, "POST", f"{STATES}VA/status/", {"to_status": "selected"}).status_code == 404
    assert not MedicaidState.objects.filter(code="PA").exists()
    assert MedicaidState.objects.get(code="VA").status == "under_consideration"


def test_anonymous_callers_are_refused(states: dict[str, Any], client_for: ClientFor) -> None:
    client = client_for(None)
    assert client.get(STATES).status_code in (401, 403)
    assert client.get("/api/acos/L0101/medicaid/states/").status_code in (401, 403)


# --- writing -----------------------------------------------------------------------------------


def test_cms_admin_creates_edits_and_moves_a_state(cms_admin: User, client_for: ClientFor) -> None:
    client = client_for(cms_admin)
    created = send(client, "POST", STATES, {"code": "wv", "name": "West Virginia", "delivery_system": "ffs"})
    assert created.status_code == 201
    assert (created.json()["code"], created.json()["status"]) == ("WV", "interested")
    patched = send(client, "PATCH", f"{STATES}WV/", {"medicaid_agency": "BMS"})
    assert patched.status_code == 200 and patched.json()["medicaid_agency"] == "BMS"
    moved = send(client, "POST", f"{STATES}WV/status/", {"to_status": "under_consideration"})
    assert moved.status_code == 200
    assert [(h["from_status"], h["to_status"]) for h in moved.json()["history"]] == [
        ("", "interested"),
        ("interested", "under_consideration"),
    ]


def test_refusals_answer_400_with_the_services_message(
    states: dict[str, Any], cms_admin: User, client_for: ClientFor
) -> None:
    client = client_for(cms_admin)
    refused = send(client, "POST", f"{STATES}MD/status/", {"to_status": "not_selected", "reason": "x"})
    assert refused.status_code == 400
    assert refused.json()["to_status"] == [
        "Maryland is selected; it cannot move to not selected (only to under consideration)."
    ]
    duplicate = send(client, "POST", STATES, {"code": "MD", "name": "Maryland", "delivery_system": "ffs"})
    assert duplicate.status_code == 400 and duplicate.json()["code"] == ["MD is already on the list of states."]
    status_by_patch = send(client, "PATCH", f"{STATES}MD/", {"status": "interested"})
    assert status_by_patch.status_code == 200  # an unknown field is ignored by the serializer...
    assert MedicaidState.objects.get(code="MD").status == "selected"  # ...and the status is unchanged


def test_cms_reviewer_is_refused_every_write(states: dict[str, Any], cms_reviewer: User, client_for: ClientFor) -> None:
    client = client_for(cms_reviewer)
    milestone = states["wide"]
    body = {"title": "X", "start": "2026-05-01", "end": "2026-06-01"}
    assert send(client, "POST", STATES, {"code": "PA", "name": "P", "delivery_system": "ffs"}).status_code == 403
    assert send(client, "PATCH", f"{STATES}VA/", {"name": "Changed"}).status_code == 403
    assert send(client, "POST", f"{STATES}VA/status/", {"to_status": "selected"}).status_code == 403
    assert send(client, "POST", MILESTONES, body).status_code == 403
    assert send(client, "PATCH", f"{MILESTONES}{milestone.pk}/", {"title": "Changed"}).status_code == 403
    assert send(client, "DELETE", f"{MILESTONES}{milestone.pk}/").status_code == 403
    assert MedicaidState.objects.get(code="VA").status == "under_consideration"
    assert Milestone.objects.count() == 3
    assert Milestone.objects.get(pk=milestone.pk).title == "State selection"


def test_cms_admin_writes_milestones(states: dict[str, Any], cms_admin: User, client_for: ClientFor) -> None:
    client = client_for(cms_admin)
    created = send(
        client, "POST", MILESTONES, {"title": "Readiness", "state": "MD", "start": "2027-10-01", "end": "2027-12-31"}
    )
    assert created.status_code == 201
    assert (created.json()["state"], created.json()["status"]) == ("MD", "planned")
    pk = created.json()["id"]
    bad = send(client, "PATCH", f"{MILESTONES}{pk}/", {"end": "2028-01-31"})
    assert bad.status_code == 400
    assert bad.json()["end"] == ["The end must fall inside the planning phase (March 1, 2026 to December 31, 2027)."]
    moved = send(client, "PATCH", f"{MILESTONES}{pk}/", {"state": None, "status": "in_progress"})
    assert moved.status_code == 200
    assert (moved.json()["state"], moved.json()["status"], moved.json()["end"]) == (None, "in_progress", "2027-12-31")
    assert send(client, "DELETE", f"{MILESTONES}{pk}/").status_code == 204
    assert not Milestone.objects.filter(pk=pk).exists()


# --- the ACO's endpoints -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_an_acos_people_read_its_states_and_milestones(
    who: str, request: pytest.FixtureRequest, aco: ACO, states: dict[str, Any], client_for: ClientFor
) -> None:
    # The test ACO serves MD only.
    client = client_for(request.getfixturevalue(who))
    listed = client.get(f"/api/acos/{aco.aco_id}/medicaid/states/").json()
    assert [(s["code"], s["status"]) for s in listed] == [("MD", "selected")]
    milestones = client.get(f"/api/acos/{aco.aco_id}/medicaid/milestones/").json()
    assert sorted((m["state"] or "", m["title"]) for m in milestones) == [("", "State selection"), ("MD", "Kickoff")]


def test_the_acos_endpoints_are_read_only_and_scoped(
    aco: ACO, analyst: User, outsider: User, states: dict[str, Any], client_for: ClientFor
) -> None:
    for url in (f"/api/acos/{aco.aco_id}/medicaid/states/", f"/api/acos/{aco.aco_id}/medicaid/milestones/"):
        assert client_for(outsider).get(url).status_code == 404
        assert send(client_for(analyst), "POST", url, {"code": "PA"}).status_code == 403


def test_an_acos_state_detail_shows_documents_only_once_selected(
    aco: ACO, analyst: User, outsider: User, states: dict[str, Any], client_for: ClientFor
) -> None:
    url = f"/api/acos/{aco.aco_id}/medicaid/states/MD/"
    body = client_for(analyst).get(url).json()
    assert body["state"]["status"] == "selected"
    assert sorted(m["title"] for m in body["milestones"]) == ["Kickoff", "State selection"]
    assert [d["title"] for d in body["documents"]] == ["Framework"]
    MedicaidState.objects.filter(code="MD").update(status="under_consideration")
    assert client_for(analyst).get(url).json()["documents"] == []
    assert client_for(analyst).get(f"/api/acos/{aco.aco_id}/medicaid/states/VA/").status_code == 404
    assert client_for(outsider).get(url).status_code == 404
