"""Scenarios end to end (apps/planning): pages, API, money preview, filing, CMS's view of a filed change and
tenancy, on a generated world with a pipeline run (alignment and money)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from apps.accounts.models import User
from apps.acos.models import ACO, ListChangeRequest, Membership, ParticipantTIN
from apps.alignment.models import AlignedBeneficiary
from apps.performance import services as performance_services
from apps.performance.models import PipelineRun
from apps.planning import services
from apps.planning.models import Scenario, ScenarioVersion
from tests.factories import MembershipFactory

PY = 2027
ClientFor = Callable[[User | None], Client]


@pytest.fixture
def world(tmp_path: Path) -> PipelineRun:
    bundle = tmp_path / "bundle"
    call_command("generate_cclf", out=str(bundle), beneficiaries=300, acos=2, seed=7, performance_year=PY, workers=1)
    call_command("load_dataset", str(bundle))
    run = performance_services.pipeline_run_execute(
        run_id=performance_services.pipeline_run_create(performance_year=PY).pk
    )
    assert run.status == PipelineRun.Status.SUCCEEDED, run.message
    return run


def largest_tin(aco: ACO, run: PipelineRun) -> str:
    from django.db.models import Count

    return str(
        AlignedBeneficiary.objects.filter(run_id=run.alignment_run_id, aco=aco, unit_kind="tin")
        .values("tin")
        .annotate(n=Count("id"))
        .order_by("-n")[0]["tin"]
    )


@pytest.mark.django_db
def test_a_scenario_from_draft_to_filing(
    world: PipelineRun, client_for: ClientFor, cms_reviewer: User, locked_lists: str
) -> None:
    mine, theirs = ACO.objects.order_by("aco_id")[:2]
    admin = MembershipFactory.create(aco=mine, role=Membership.Role.ADMIN).user
    analyst = MembershipFactory.create(aco=mine, role=Membership.Role.ANALYST).user
    outsider = MembershipFactory.create(aco=theirs, role=Membership.Role.ADMIN).user
    tin = largest_tin(mine, world)
    their_tin = largest_tin(theirs, world)
    base = f"/acos/{mine.aco_id}/planning/"

    # A bad line is named with its field and value, and nothing is saved.
    bad = client_for(admin).post(base, {"name": "Bad", "remove_tins": "12345", "add_ccns": "ABC, 1"})
    assert bad.status_code == 400
    assert "Line 1, TIN &#x27;12345&#x27;: a TIN is 9 digits." in bad.content.decode()
    assert not Scenario.objects.exists()

    # Drop the TIN with the most beneficiaries, take the other ACO's largest.
    answer = client_for(admin).post(base, {"name": "Swap a TIN", "remove_tins": tin, "add_tins": ""})
    assert answer.status_code == 302
    scenario = Scenario.objects.get()
    page = client_for(admin).get(answer["Location"])
    assert page.status_code == 200
    version = ScenarioVersion.objects.get()
    doc = version.preview
    assert doc is not None and doc["lost_count"] > 0 and doc["gained_count"] == 0
    html = page.content.decode()
    assert f"{doc['lost_count']:,}" in html and "Estimated settlement" in html and "figure-money-fan" in html
    assert theirs.aco_id not in html and theirs.legal_name not in html

    # A second version; the first stays as it was.
    edit = client_for(admin).post(
        f"{base}{scenario.pk}/edit/",
        {"name": "Swap a TIN", "remove_tins": tin, "add_tins": f"{their_tin}, Their Clinic, 05401"},
    )
    assert edit.status_code == 302
    v2 = scenario.versions.get(number=2)
    v2 = services.version_preview(v2)
    assert v2.preview and v2.preview["gained_from_other_acos"] > 0
    v1 = scenario.versions.get(number=1)
    assert v1.add_tins == [] and v1.preview == doc
    html = client_for(admin).get(f"{base}{scenario.pk}/").content.decode()
    assert "Another ACO 1" in html and theirs.aco_id not in html

    # Analysts read, never write; the other ACO and CMS get 404 everywhere.
    assert client_for(analyst).get(f"{base}{scenario.pk}/").status_code == 200
    assert client_for(analyst).post(f"{base}{scenario.pk}/edit/", {"name": "x"}).status_code == 403
    for path in (
        f"{base}{scenario.pk}/",
        f"{base}{scenario.pk}/versions/1/beneficiaries.csv",
        f"{base}{scenario.pk}/versions/1/report.pdf",
        f"/api/acos/{mine.aco_id}/scenarios/{scenario.pk}/",
    ):
        assert client_for(outsider).get(path).status_code == 404, path
    assert client_for(outsider).get(f"/acos/{theirs.aco_id}/planning/{scenario.pk}/").status_code == 404
    cms = client_for(cms_reviewer)  # one sign-in: a TOTP code is good once
    assert cms.get(f"{base}{scenario.pk}/").status_code == 404

    # The CSV lists the losses; the PDF carries the figures.
    csv = client_for(admin).get(f"{base}{scenario.pk}/versions/1/beneficiaries.csv").content.decode()
    assert csv.splitlines()[0] == "change,mbi,cohort,high_needs,before,after"
    assert sum(1 for line in csv.splitlines() if line.startswith("lost,")) == doc["lost_count"]
    pdf = client_for(admin).get(f"{base}{scenario.pk}/versions/1/report.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    # The API: the same preview, other ACOs by count only, and the money under the sliders.
    api = client_for(admin).get(f"/api/acos/{mine.aco_id}/scenarios/{scenario.pk}/versions/1/?trend_pct=5&tqs=80")
    assert api.status_code == 200
    body = api.json()
    assert body["preview"]["lost_count"] == doc["lost_count"]
    assert body["money"]["assumptions"]["trend_pct"] == 5.0 and body["money"]["assumptions"]["tqs"] == 80.0
    assert len(body["money"]["scenario"]["bands"]["50"]) == 12
    assert theirs.aco_id not in api.content.decode()
    created = client_for(admin).post(
        f"/api/acos/{mine.aco_id}/scenarios/?py={PY}",
        {"name": "Via API", "remove_tins": tin},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["versions"][0]["number"] == 1
    assert (
        client_for(analyst)
        .post(f"/api/acos/{mine.aco_id}/scenarios/?py={PY}", {"name": "No"}, content_type="application/json")
        .status_code
        == 403
    )

    # Version 2 adds a TIN another ACO has: the usual check refuses it, nothing is filed.
    refused = client_for(admin).post(f"{base}{scenario.pk}/versions/2/file/", {"confirm": "on"})
    assert refused.status_code == 302
    v2.refresh_from_db()
    assert v2.filed_at is None and not ListChangeRequest.objects.exists()

    # Version 3 only removes the TIN: after the deadline it becomes a change request linked to the scenario.
    client_for(admin).post(f"{base}{scenario.pk}/edit/", {"name": "Swap a TIN", "remove_tins": tin})
    client_for(admin).post(f"{base}{scenario.pk}/versions/3/file/", {"confirm": "on"})
    v3 = scenario.versions.get(number=3)
    assert v3.filed_at is not None and v3.filed_request is not None
    assert ParticipantTIN.objects.filter(aco=mine, performance_year=PY, tin=tin).exists()  # waits for CMS
    request = v3.filed_request

    # CMS sees the same preview on the change request, with the other ACOs' ids.
    review = cms.get(f"/acos/{mine.aco_id}/change-requests/{request.pk}/")
    text = review.content.decode()
    assert review.status_code == 200 and "What this change would do to alignment" in text
    assert "Swap a TIN" in text and f"{doc['lost_count']:,} lost" in text
