"""The pipeline's API: runs (list, start, detail with steps, resume) and the comparison of all ACOs.
CMS-only: ACO people get 404 as for a missing resource; only CMS admins start or resume runs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.performance.models import PipelineRun, PipelineStep
from tests.factories import ACOFactory, performance_summary, pipeline_run

pytestmark = pytest.mark.django_db

Clients = Callable[[User | None], Client]


def test_aco_people_never_learn_the_pipeline_endpoints_exist(admin: User, analyst: User, client_for: Clients) -> None:
    run = pipeline_run()
    for user in (admin, analyst):
        client = client_for(user)
        for url in (
            "/api/performance/runs/",
            f"/api/performance/runs/{run.pk}/",
            "/api/performance/compare/?py=2027",
        ):
            assert client.get(url).status_code == 404, url
        assert client.post("/api/performance/runs/", {"performance_year": 2027}).status_code == 404
        assert client.post(f"/api/performance/runs/{run.pk}/resume/").status_code == 404
    assert PipelineRun.objects.count() == 1
    assert Client().get("/api/performance/runs/").status_code in (401, 403)


def test_a_cms_admin_starts_a_run_and_a_reviewer_cannot(
    cms_admin: User, cms_reviewer: User, client_for: Clients
) -> None:
    reviewer = client_for(cms_reviewer)
    assert reviewer.post("/api/performance/runs/", {"performance_year": 2027}).status_code == 403
    assert reviewer.post("/api/performance/runs/", {}).status_code == 403  # the role first, then the body

    client = client_for(cms_admin)
    bad = client.post("/api/performance/runs/", {"performance_year": 2027, "as_of": "2028-02-01"})
    assert bad.status_code == 400 and bad.json() == {"as_of": ["A mid-year run's date must fall in 2027."]}
    unknown = client.post("/api/performance/runs/", {"performance_year": 1999})
    assert unknown.status_code == 400 and "performance_year" in unknown.json()
    assert not PipelineRun.objects.exists()

    created = client.post("/api/performance/runs/", {"performance_year": 2027}, content_type="application/json")
    assert created.status_code == 202
    body = created.json()
    assert body["trigger"] == "api" and body["status"] == "requested" and body["created_by"] == "cms.admin"
    assert [(s["order"], s["name"], s["status"]) for s in body["steps"]] == [
        (1, "risk", "waiting"),
        (2, "alignment", "waiting"),
        (3, "quality", "waiting"),
        (4, "rural", "waiting"),
        (5, "duals", "waiting"),
        (6, "episodes", "waiting"),
        (7, "glp1", "waiting"),
        (8, "money", "waiting"),
        (9, "summaries", "waiting"),
    ]
    run = PipelineRun.objects.get()
    assert run.created_by == cms_admin and run.trigger == PipelineRun.Trigger.API

    listed = reviewer.get("/api/performance/runs/?performance_year=2027").json()
    assert [r["id"] for r in listed["results"]] == [run.pk]
    assert reviewer.get("/api/performance/runs/?performance_year=2028").json()["results"] == []
    detail = reviewer.get(f"/api/performance/runs/{run.pk}/").json()
    assert detail["id"] == run.pk and len(detail["steps"]) == 9
    assert reviewer.get("/api/performance/runs/999999/").status_code == 404


def test_a_failed_run_is_resumed_by_an_admin_only(cms_admin: User, cms_reviewer: User, client_for: Clients) -> None:
    run = pipeline_run(status=PipelineRun.Status.FAILED, message="Quality measures failed: no catalogue")
    run.steps.filter(name=PipelineStep.Name.QUALITY).update(status=PipelineStep.Status.FAILED, message="no catalogue")
    run.steps.filter(name__in=["rural", "duals", "episodes", "glp1", "money", "summaries"]).update(
        status=PipelineStep.Status.WAITING
    )

    reviewer = client_for(cms_reviewer)
    detail = reviewer.get(f"/api/performance/runs/{run.pk}/").json()
    failed = [s for s in detail["steps"] if s["status"] == "failed"]
    assert [(s["name"], s["message"]) for s in failed] == [("quality", "no catalogue")]
    assert reviewer.post(f"/api/performance/runs/{run.pk}/resume/").status_code == 403
    run.refresh_from_db()
    assert run.status == PipelineRun.Status.FAILED

    client = client_for(cms_admin)
    response = client.post(f"/api/performance/runs/{run.pk}/resume/")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "running" and body["stage"] == "Resuming: Quality measures" and body["message"] == ""
    steps = {s["name"]: s["status"] for s in body["steps"]}
    assert steps == {
        "risk": "succeeded",
        "alignment": "succeeded",
        "quality": "waiting",
        "rural": "waiting",
        "duals": "waiting",
        "episodes": "waiting",
        "glp1": "waiting",
        "money": "waiting",
        "summaries": "waiting",
    }

    done = pipeline_run()
    again = client.post(f"/api/performance/runs/{done.pk}/resume/")
    assert again.status_code == 400 and "nothing to resume" in str(again.json())
    assert client.post("/api/performance/runs/999999/resume/").status_code == 404
    assert client.get(f"/api/performance/runs/{run.pk}/resume/").status_code == 405


def test_the_comparison_lists_every_aco_sorted(cms_reviewer: User, admin: User, client_for: Clients) -> None:
    run = pipeline_run()
    acos: list[ACO] = [ACOFactory.create(aco_id=a) for a in ("L0301", "L0302")]
    performance_summary(acos[0], run, expenditure="12240000")  # PBPM $1,000.00
    performance_summary(acos[1], run, expenditure="6120000")  # PBPM $500.00
    client = client_for(cms_reviewer)
    body = client.get("/api/performance/compare/?py=2027&sort=pbpm").json()
    assert body["performance_year"] == 2027 and body["estimate"] is True
    assert [(r["aco_id"], r["pbpm"]) for r in body["results"]] == [("L0302", 500.0), ("L0301", 1000.0)]
    first = body["results"][0]
    assert first["benchmark_pbpm"] == 1137.25 and first["member_months"] == 12240 and first["aligned"] == 1020
    assert first["pipeline_run"] == run.pk and first["benchmark_sources"] == ["published"]
    assert first["tqs"] == 80.0 and first["high_needs_share_pct"] == 29.4
    descending = client.get("/api/performance/compare/?py=2027&sort=-pbpm").json()
    assert [r["aco_id"] for r in descending["results"]] == ["L0301", "L0302"]
    assert client.get("/api/performance/compare/?py=2028").json()["results"] == []
