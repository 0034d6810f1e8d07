"""The dashboard's API: an ACO's snapshot for a PY and the history of its snapshots, scoped like the
pages (an outsider gets 404, as for an ACO that does not exist)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.performance.models import PipelineRun
from tests.factories import performance_summary, pipeline_run

pytestmark = pytest.mark.django_db


def test_the_summary_is_the_snapshot_document(aco: ACO, analyst: User, client_for: Any) -> None:
    summary = performance_summary(aco)
    response = client_for(analyst).get(f"/api/acos/{aco.aco_id}/performance/summary/?py=2027")
    assert response.status_code == 200
    body = response.json()
    assert body == summary.data
    assert body["estimate"] is True
    assert body["settlement"]["estimated_settlement"] == 3_392_995.20
    assert body["vintage"]["pipeline_run"] == summary.run_id


def test_the_summary_is_the_latest_successful_runs_unless_a_run_is_named(
    aco: ACO, admin: User, client_for: Any
) -> None:
    older = performance_summary(aco, expenditure="8000000")
    newer = performance_summary(aco)
    failed = performance_summary(aco, pipeline_run(status=PipelineRun.Status.FAILED))
    client = client_for(admin)
    url = f"/api/acos/{aco.aco_id}/performance/summary/"
    assert client.get(f"{url}?py=2027").json()["vintage"]["pipeline_run"] == newer.run_id
    named = client.get(f"{url}?py=2027&run={older.run_id}").json()
    assert named["settlement"]["expenditure"] == 8_000_000.0
    response = client.get(f"{url}?py=2027&run={failed.run_id}")
    assert response.status_code == 404
    assert f"from pipeline run {failed.run_id}" in response.json()["detail"]


def test_no_summary_answers_404_with_the_reason(aco: ACO, admin: User, client_for: Any) -> None:
    performance_summary(aco)  # PY2027 only
    response = client_for(admin).get(f"/api/acos/{aco.aco_id}/performance/summary/?py=2028")
    assert response.status_code == 404
    assert (
        response.json()["detail"] == f"The pipeline has not run for PY2028 yet: no performance summary of {aco.aco_id}."
    )


def test_an_outsider_gets_404_like_for_a_missing_aco(aco: ACO, outsider: User, client_for: Any) -> None:
    performance_summary(aco)
    client = client_for(outsider)
    for path in ("summary/?py=2027", "summaries/"):
        assert client.get(f"/api/acos/{aco.aco_id}/performance/{path}").status_code == 404
        assert client.get(f"/api/acos/Z9999/performance/{path}").status_code == 404
    assert client_for(None).get(f"/api/acos/{aco.aco_id}/performance/summaries/").status_code in (401, 403)


def test_cms_staff_read_any_acos_summary(aco: ACO, cms_reviewer: User, client_for: Any) -> None:
    performance_summary(aco)
    response = client_for(cms_reviewer).get(f"/api/acos/{aco.aco_id}/performance/summary/?py=2027")
    assert response.status_code == 200
    assert response.json()["aco"]["aco_id"] == aco.aco_id


def test_the_history_lists_each_successful_run_with_headline_figures(
    aco: ACO, other_aco: ACO, analyst: User, client_for: Any
) -> None:
    first = performance_summary(aco, expenditure="8000000")
    second = performance_summary(aco)
    later_py = performance_summary(aco, pipeline_run(performance_year=2028))
    performance_summary(aco, pipeline_run(status=PipelineRun.Status.FAILED))
    performance_summary(other_aco)
    client = client_for(analyst)
    body = client.get(f"/api/acos/{aco.aco_id}/performance/summaries/").json()
    assert body["count"] == 3
    assert [row["run"] for row in body["results"]] == [later_py.run_id, second.run_id, first.run_id]
    row = body["results"][1]
    assert row["performance_year"] == 2027
    assert row["estimate"] is True
    assert row["claims_through"] == "2027-12"
    assert row["aligned_beneficiaries"] == 1020
    assert row["expenditure"] == 9_000_000.0
    assert row["benchmark"] == 13_920_000.0
    assert row["gross_savings"] == 4_836_480.0
    assert row["gross_savings_pct"] == 34.74
    assert row["estimated_settlement"] == 3_392_995.20
    assert row["total_quality_score"] == 80.0
    assert row["created_at"] and row["run_finished_at"]
    # The older run, with $1,000,000 less spending: $1,000,000 more gross savings.
    assert body["results"][2]["gross_savings"] == 5_836_480.0
    only_2027 = client.get(f"/api/acos/{aco.aco_id}/performance/summaries/?py=2027").json()
    assert [row["run"] for row in only_2027["results"]] == [second.run_id, first.run_id]


def test_the_api_only_reads(aco: ACO, admin: User, client_for: Any) -> None:
    performance_summary(aco)
    client = client_for(admin)
    assert client.post(f"/api/acos/{aco.aco_id}/performance/summary/", {}).status_code == 405
    assert client.delete(f"/api/acos/{aco.aco_id}/performance/summaries/").status_code == 405
