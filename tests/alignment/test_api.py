"""The alignment API: same selectors and services as the pages, scoped to the caller's ACO, with
every read of beneficiary-level data access-logged. (Outsiders' 404s for every route are in
tests/test_tenancy_matrix.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO
from apps.alignment.models import AlignmentExport, AlignmentRun
from tests.factories import aligned, alignment_run

pytestmark = pytest.mark.django_db

M = [f"1EG4TE5MK{n:02d}" for n in range(10, 20)]


@pytest.fixture
def run(aco: ACO) -> AlignmentRun:
    r = alignment_run()
    aligned(r, aco, M[0], first_name="Ada", last_name="Lovelace", cohort="esrd")
    aligned(r, aco, M[1], first_name="Grace", last_name="Hopper", alignment_type="voluntary", step="voluntary")
    return r


def test_list_filters_and_logs(
    aco: ACO, analyst: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    client = client_for(analyst)
    body = client.get(f"/api/acos/{aco.aco_id}/beneficiaries/").json()
    assert body["count"] == 2 and [r["mbi"] for r in body["results"]] == [M[0], M[1]]
    body = client.get(f"/api/acos/{aco.aco_id}/beneficiaries/?type=voluntary").json()
    assert [r["mbi"] for r in body["results"]] == [M[1]]
    body = client.get(f"/api/acos/{aco.aco_id}/beneficiaries/?q=lovelace").json()
    assert [r["last_name"] for r in body["results"]] == ["Lovelace"]
    assert body["results"][0]["cohort"] == "esrd"
    assert AccessLog.objects.filter(action="api", object_type="aligned_beneficiaries").count() == 3


def test_detail_gives_the_explanation_in_words(
    aco: ACO, analyst: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    row = run.aligned.get(mbi=M[0])
    row.explanation = {
        "step": "1",
        "claims_step": "1",
        # The ACO alone: 2 × $50.00 in AY2 = $100.00 weighted.
        "competitors": [{"key": aco.aco_id, "kind": "aco", "weighted_cents": 10000, "last_service": "2026-01-10"}],
        "service_count": 1,
        "first_service": "2026-01-10",
        "last_service": "2026-01-10",
        "voluntary": None,
    }
    row.save()
    body = client_for(analyst).get(f"/api/acos/{aco.aco_id}/beneficiaries/{M[0]}/").json()
    assert body["explanation"]["competitors"][0]["weighted_cents"] == 10000
    assert any("largest weighted charge, $100.00" in s for s in body["why"])
    assert AccessLog.objects.filter(action="api", object_type="aligned_beneficiary", object_id=M[0]).exists()
    assert client_for(analyst).get(f"/api/acos/{aco.aco_id}/beneficiaries/1EG4TE5MK99/").status_code == 404


def test_summary_churn_and_by_tin(
    aco: ACO, admin: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    assert run.finished_at is not None
    later = alignment_run(finished_at=run.finished_at + dt.timedelta(days=30))
    aligned(later, aco, M[0])
    aligned(later, aco, M[2])
    client = client_for(admin)
    summary = client.get(f"/api/acos/{aco.aco_id}/alignment/").json()
    assert summary["run"]["id"] == later.pk
    assert summary["counts"]["total"] == 2 and summary["minimums"]["met"] is False
    assert summary["minimums"]["total_minimum"] == 5000
    churn = client.get(f"/api/acos/{aco.aco_id}/alignment/churn/").json()
    assert churn["base"] == run.pk
    assert [r["mbi"] for r in churn["joined"]] == [M[2]] and [r["mbi"] for r in churn["left"]] == [M[1]]
    units = client.get(f"/api/acos/{aco.aco_id}/alignment/by-tin/?run={run.pk}").json()["units"]
    assert units == [
        {
            "unit": "111000001",
            "kind": "tin",
            "legal_name": "No longer a Participant TIN",
            "total": 2,
            "claims": 1,
            "voluntary": 1,
            "aged_disabled": 1,
            "esrd": 1,
            "high_needs": 0,
        }
    ]


def test_an_analyst_exports_through_the_api(
    aco: ACO,
    analyst: User,
    run: AlignmentRun,
    client_for: Callable[[User], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(analyst)
    assert client.post(f"/api/acos/{aco.aco_id}/alignment/exports/", {"format": "pdf"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/acos/{aco.aco_id}/alignment/exports/", {"format": "csv"})
    assert response.status_code == 202
    export = AlignmentExport.objects.get()
    status = client.get(f"/api/acos/{aco.aco_id}/alignment/exports/{export.pk}/").json()
    assert status["status"] == "ready" and status["row_count"] == 2
    download = client.get(f"/api/acos/{aco.aco_id}/alignment/exports/{export.pk}/download/")
    assert download.status_code == 200 and M[1] in b"".join(download.streaming_content).decode()  # type: ignore[attr-defined]


def test_runs_are_for_cms_and_only_admins_start_them(
    admin: User, cms_reviewer: User, cms_admin: User, client_for: Callable[[User], Client]
) -> None:
    assert client_for(admin).get("/api/alignment/runs/").status_code == 404
    reviewer = client_for(cms_reviewer)  # one sign-in: a TOTP code is good once
    assert reviewer.post("/api/alignment/runs/", {"performance_year": 2027}).status_code == 403
    client = client_for(cms_admin)
    bad = client.post("/api/alignment/runs/", {"performance_year": 2027, "as_of": "2028-02-01"})
    assert bad.status_code == 400 and "as_of" in bad.json()
    created = client.post("/api/alignment/runs/", {"performance_year": 2027, "as_of": "2027-04-01"})
    assert created.status_code == 202 and created.json()["kind"] == "mid-year as of Apr 1, 2027"
    listed = reviewer.get("/api/alignment/runs/?performance_year=2027").json()
    assert [r["id"] for r in listed["results"]] == [created.json()["id"]]
