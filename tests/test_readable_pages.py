"""Pages say codes in words and amounts as money, and every time they show names the portal's zone."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.acos.models import ACO
from tests.benefits.builders import submitted_plan
from tests.factories import aligned, alignment_run

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User], Client]


def test_the_beneficiary_page_says_the_sex_and_the_run_time_in_words(
    aco: ACO, admin: User, client_for: ClientFor
) -> None:
    run = alignment_run(finished_at=dt.datetime(2026, 12, 5, 23, 28, tzinfo=dt.UTC))
    aligned(run, aco, "1EG4TE5MK10", sex="2", first_name="Grace", last_name="Hopper")
    body = client_for(admin).get(f"/acos/{aco.aco_id}/beneficiaries/1EG4TE5MK10/").content.decode()
    assert "<dt>Sex</dt><dd>Female</dd>" in body
    assert "5 Dec 2026 18:28 EST" in body  # the run's time, in the portal's zone, named
    assert not re.search(r"\b\d{1,2}:\d{2}(?!:\d{2})(?! E[SD]T)\b", re.sub(r"<[^>]+>", " ", body))


def test_a_plans_cost_estimate_reads_as_money(aco: ACO, admin: User, client_for: ClientFor) -> None:
    plan = submitted_plan(aco, admin)
    url = reverse("benefits:plan_detail", kwargs={"aco_id": aco.aco_id, "plan_id": plan.pk})
    body = client_for(admin).get(url).content.decode()
    assert "$12,000.00" in body and "12000.00" not in body


def test_a_measure_members_value_says_what_it_is() -> None:
    from apps.quality.views import member_value

    assert member_value("acr", "denominator", 16.666667) == "16.67% expected readmission risk"
    assert member_value("uamcc", "denominator", 0.5) == "0.5 person-years"
    assert member_value("tfu", "numerator", 3.0) == "followed up after 3 days"
    assert member_value("cahps", "numerator", 2.0) == "2"
    assert member_value("acr", "numerator", None) == "—"
