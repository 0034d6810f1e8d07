"""A run id beyond any row's (the API fuzzer's find: ``run`` = 10**30) is no such run, answered as one,
not a database error. Django answers "no row" for an out-of-range value of an integer column, but not of
a foreign-key column, so the summaries are looked up by the run's own key."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.acos.models import ACO
from tests.factories import performance_summary

pytestmark = pytest.mark.django_db

BEYOND = 10**30  # past any database integer


def test_a_report_of_a_run_beyond_any_id_is_refused_with_the_reason(
    aco: ACO, analyst: User, client_for: Callable[[User], Client]
) -> None:
    performance_summary(aco)
    response = client_for(analyst).post(
        f"/api/acos/{aco.aco_id}/performance/reports/",
        data=json.dumps({"format": "pdf", "run": BEYOND}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"run": "That pipeline run has no summary of this ACO."}


def test_the_summary_of_a_run_beyond_any_id_is_not_found(
    aco: ACO, analyst: User, client_for: Callable[[User], Client]
) -> None:
    summary = performance_summary(aco)
    response = client_for(analyst).get(f"/api/acos/{aco.aco_id}/performance/summary/?py=2027&run={BEYOND}")
    assert response.status_code == 404
    assert f"from pipeline run {BEYOND}" in response.json()["detail"]
    found = client_for(analyst).get(f"/api/acos/{aco.aco_id}/performance/summary/?py=2027&run={summary.run_id}")
    assert found.status_code == 200  # the control: a real run id still finds its summary
