"""The recapture worklist: the risk run's open gaps of the ACO's aligned beneficiaries, by aligning TIN and
NPI, with filters, "risk score at stake" and a CSV export; nothing of another ACO's."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO
from apps.alignment.models import AlignmentRun
from apps.risk.models import RecaptureGap, RiskRun
from tests.factories import aligned, alignment_run

pytestmark = pytest.mark.django_db

A, B, C, OTHER = "1EG4TE5MK11", "1EG4TE5MK12", "1EG4TE5MK13", "1EG4TE5MK14"


def gap(run: RiskRun, mbi: str, hcc: str, coefficient: float, diagnosis: str = "I5022") -> None:
    RecaptureGap.objects.create(
        run=run, mbi=mbi, hcc=hcc, label=f"Label {hcc}", model="CMS-HCC Model V28", coefficient=coefficient,
        diagnosis=diagnosis, service_date=dt.date(2025, 5, 1), claim_id=1000 + int(hcc), source=5,
    )  # fmt: skip


@pytest.fixture
def world(aco: ACO, other_aco: ACO) -> AlignmentRun:
    risk = RiskRun.objects.create(performance_year=2027, status=RiskRun.Status.SUCCEEDED, finished_at=timezone.now())
    run = alignment_run(risk_run=risk)
    aligned(run, aco, A, tin="111000001", npi="1234567893", last_name="Hopper", first_name="Grace")
    aligned(run, aco, B, tin="111000002", npi="1245319599", last_name="Turing", first_name="Alan")
    aligned(run, aco, C, tin="111000002", npi="1245319599", last_name="Lamarr", first_name="Hedy")  # no gap
    aligned(run, other_aco, OTHER, tin="999000001", last_name="Secret", first_name="Other")
    gap(risk, A, "226", 0.360)
    gap(risk, A, "85", 0.299, "I480")
    gap(risk, B, "37", 0.166, "E1122")
    gap(risk, OTHER, "18", 2.000, "C3490")  # another ACO's beneficiary: never shown to this ACO
    return run


def page(client: Client, aco: ACO, query: str = "") -> str:
    return client.get(f"/acos/{aco.aco_id}/beneficiaries/recapture-gaps/?py=2027{query}").content.decode()


def test_worklist_summary_by_unit_and_filters(
    aco: ACO, admin: User, world: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    client = client_for(admin)
    text = page(client, aco)
    # 3 open gaps, 2 beneficiaries, at stake 0.360 + 0.299 + 0.166 = 0.825 (not the other ACO's 2.000).
    assert "<dt>Open gaps</dt><dd>3</dd>" in text
    assert "<dt>Beneficiaries with a gap</dt><dd>2</dd>" in text
    assert "0.825" in text and "2.825" not in text
    assert OTHER not in text and "Secret" not in text and "C3490" not in text
    # By unit: TIN 111000001 / NPI 1234567893 holds 0.659, TIN 111000002 0.166.
    assert "0.659" in text and "0.166" in text
    assert "Hopper, Grace" in text and "HCC 226: Label 226" in text
    only_b = page(client, aco, "&tin=111000002")
    assert B in only_b and "Hopper" not in only_b
    assert "HCC 85" in page(client, aco, "&hcc=85") and "HCC 226" not in page(client, aco, "&hcc=85")
    assert AccessLog.objects.filter(object_type="recapture_gaps", user=admin).exists()


def test_export_is_the_filtered_worklist(
    aco: ACO, analyst: User, world: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    response = client_for(analyst).get(f"/acos/{aco.aco_id}/beneficiaries/recapture-gaps/export/?py=2027")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:6] == ["mbi", "last_name", "first_name", "aligning_unit", "aligning_npi", "hcc"]
    assert [(r[0], r[5], r[7]) for r in rows[1:]] == [(A, "226", "0.360"), (A, "85", "0.299"), (B, "37", "0.166")]
    assert AccessLog.objects.filter(object_type="recapture_gaps", action="export").count() == 1


def test_an_outsider_gets_404_and_no_risk_run_says_so(
    aco: ACO, outsider: User, admin: User, client_for: Callable[[User], Client]
) -> None:
    alignment_run()
    assert client_for(outsider).get(f"/acos/{aco.aco_id}/beneficiaries/recapture-gaps/?py=2027").status_code == 404
    assert "Risk scores have not been computed for PY2027 yet" in page(client_for(admin), aco)
    export = client_for(admin).get(f"/acos/{aco.aco_id}/beneficiaries/recapture-gaps/export/?py=2027")
    assert export.status_code == 200 and export.content.decode().strip().count("\n") == 0  # the header alone
