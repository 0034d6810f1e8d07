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


def test_the_summary_carries_only_this_acos_figures(
    aco: ACO, other_aco: ACO, admin: User, client_for: Callable[[User], Client]
) -> None:
    """A run aligns every ACO at once: its counts, message and timings are portal-wide. The ACO's answer
    names the run it comes from and gives the ACO's own counts, nothing of the other ACO."""
    run = alignment_run(
        counts={
            "beneficiaries": 900,
            "aligned": 3,
            "acos": {aco.aco_id: {"claims": 1}, other_aco.aco_id: {"claims": 2}},
        },
        message="3 beneficiaries aligned across 2 ACO(s).",
        timings={"engine": 0.5},
    )
    aligned(run, aco, M[0])
    aligned(run, other_aco, M[1], high_needs=True)
    aligned(run, other_aco, M[2], alignment_type="voluntary", step="voluntary")
    response = client_for(admin).get(f"/api/acos/{aco.aco_id}/alignment/")
    body = response.json()
    assert body["run"] == {
        "id": run.pk,
        "performance_year": 2027,
        "as_of": None,
        "kind": "prospective",
        "status": "succeeded",
        "created_at": body["run"]["created_at"],
        "finished_at": body["run"]["finished_at"],
        "data_version": 0,
    }
    assert (body["counts"]["total"], body["counts"]["claims"], body["counts"]["voluntary"]) == (1, 1, 0)
    assert other_aco.aco_id not in response.content.decode() and M[1] not in response.content.decode()
    assert "across 2 ACO" not in response.content.decode()


def test_the_explanation_names_no_other_aco(
    aco: ACO, other_aco: ACO, analyst: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    row = run.aligned.get(mbi=M[1])  # voluntary: the record was filed for the other ACO, with our TIN
    row.explanation = {
        "step": "voluntary",
        "claims_step": "1",
        "competitors": [
            {"key": other_aco.aco_id, "kind": "aco", "weighted_cents": 20000, "last_service": "2026-02-01"},
            {"key": "L0999", "kind": "aco", "weighted_cents": 15000, "last_service": "2026-01-01"},
            {"key": aco.aco_id, "kind": "aco", "weighted_cents": 10000, "last_service": "2026-01-10"},
            {"key": "900000009", "kind": "tin", "weighted_cents": 5000, "last_service": "2025-01-10"},
        ],
        "service_count": 4,
        "first_service": "2025-01-10",
        "last_service": "2026-02-01",
        "voluntary": {"aco_id": aco.aco_id, "record_aco_id": other_aco.aco_id, "tin": "111000001",
                      "npi": "1234567893", "signed_date": "2026-05-04"},
    }  # fmt: skip
    row.save()
    response = client_for(analyst).get(f"/api/acos/{aco.aco_id}/beneficiaries/{M[1]}/")
    body = response.json()
    assert [(c["key"], c["kind"]) for c in body["explanation"]["competitors"]] == [
        ("another ACO", "other_aco"),
        ("another ACO 2", "other_aco"),
        (aco.aco_id, "aco"),
        ("900000009", "tin"),  # the beneficiary's own claims: a TIN in no ACO stays
    ]
    assert body["explanation"]["voluntary"]["record_aco_id"] == "another ACO"
    assert any(s.startswith("The record names another ACO;") for s in body["why"])
    assert any("Another ACO has the largest weighted charge, $200.00" in s for s in body["why"])
    assert other_aco.aco_id not in response.content.decode() and "L0999" not in response.content.decode()


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
