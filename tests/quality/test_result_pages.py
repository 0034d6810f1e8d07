"""The quality result pages: the overview (measures against the decile table, TQS, trend), a measure's
members (drill-down to beneficiaries and claims), and the care-gap worklist with its CSV/XLSX export.
Rows are written straight into the result tables; the pipeline has its own tests."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO
from apps.quality.models import CareGap, MeasureMember, MeasureResult, QualityRun, QualityScore
from apps.quality.worklist import care_gaps_reconcile
from tests.factories import alignment_run

pytestmark = pytest.mark.django_db

M1, M2, M3 = "1EG4TE5MK11", "1EG4TE5MK12", "1EG4TE5MK13"


def quality_run(finished: dt.datetime | None = None) -> QualityRun:
    alignment = alignment_run()
    return QualityRun.objects.create(
        alignment_run=alignment,
        performance_year=2027,
        status="succeeded",
        finished_at=finished or dt.datetime(2028, 2, 1, tzinfo=dt.UTC),
        portal_acr_rate=15.0,
    )


@pytest.fixture
def run(aco: ACO, settings: Any) -> QualityRun:
    settings.PORTAL_TODAY = "2027-11-10"  # a missed follow-up or a readmission is due 14 days on: Nov 24
    r = quality_run()
    # ACR: 2 index stays, 1 readmitted → observed 50%; expected 0.3 → 15% expected; standardized 50/15 × 15 = 50%.
    MeasureResult.objects.create(
        run=r,
        aco=aco,
        measure="acr",
        numerator=1,
        denominator=2,
        rate=50.0,
        expected=0.3,
        expected_rate=15.0,
        risk_standardized_rate=50.0,
        score_rate=50.0,
        decile=1,
        points=10,
        scored=True,
    )
    MeasureResult.objects.create(
        run=r, aco=aco, measure="tfu", numerator=3, denominator=4, rate=75.0, score_rate=75.0, decile=8, points=80
    )
    QualityScore.objects.create(run=r, aco=aco, total_quality_score=45.0, scored_measures=2)
    MeasureMember.objects.create(run=r, aco=aco, measure="acr", mbi=M1, role="denominator", claim_id=101)
    MeasureMember.objects.create(run=r, aco=aco, measure="acr", mbi=M2, role="denominator", claim_id=102)
    MeasureMember.objects.create(
        run=r, aco=aco, measure="acr", mbi=M1, role="numerator", claim_id=201, related_claim_id=101, value=12
    )
    for mbi, gap, tin, due in (
        (M1, "tfu_open", "111000001", dt.date(2027, 12, 20)),
        (M2, "tfu_missed", "111000002", dt.date(2027, 11, 2)),
        (M3, "readmission", "111000001", None),
    ):
        CareGap.objects.create(
            run=r,
            aco=aco,
            mbi=mbi,
            gap_type=gap,
            measure="tfu",
            claim_id=300,
            opened_on=dt.date(2027, 11, 1),
            due_date=due,
            tin=tin,
            last_name=f"Name{mbi[-1]}",
        )
    care_gaps_reconcile(run=r, aco_pks=[aco.pk])  # the run's gaps join the worklist, as the pipeline does
    return r


def test_overview_shows_measures_score_and_deciles(
    aco: ACO, analyst: User, run: QualityRun, client_for: Callable[[User], Client]
) -> None:
    body = client_for(analyst).get(f"/acos/{aco.aco_id}/quality/?py=2027").content.decode()
    assert "45.0" in body  # TQS
    assert "50% of index stays readmitted" in body and "75% of events followed up" in body
    assert "observed 50%" in body
    assert 'id="deciles-figure"' in body
    assert "3</span><a" in body  # open care gaps card
    assert "No result" in body  # CAHPS and the eCQMs have no submissions yet


def test_trend_appears_with_a_second_run(
    aco: ACO, admin: User, run: QualityRun, client_for: Callable[[User], Client]
) -> None:
    later = quality_run(dt.datetime(2028, 3, 1, tzinfo=dt.UTC))
    MeasureResult.objects.create(run=later, aco=aco, measure="acr", numerator=1, denominator=4, rate=25, score_rate=25)
    body = client_for(admin).get(f"/acos/{aco.aco_id}/quality/?py=2027").content.decode()
    assert 'id="trend-figure"' in body and f"Run {run.pk}" in body and f"Run {later.pk}" in body


def test_drill_down_lists_the_members_and_logs(
    aco: ACO, admin: User, run: QualityRun, client_for: Callable[[User], Client]
) -> None:
    client = client_for(admin)
    body = client.get(f"/acos/{aco.aco_id}/quality/measures/acr/?py=2027").content.decode()
    assert "3 rows" in body and M1 in body and M2 in body
    assert f"/acos/{aco.aco_id}/beneficiaries/{M1}/?py=2027&amp;run={run.alignment_run_id}" in body
    numerator = client.get(f"/acos/{aco.aco_id}/quality/measures/acr/?py=2027&role=numerator").content.decode()
    assert "1 row" in numerator and ">201<" in numerator and ">101<" in numerator and M2 not in numerator
    assert client.get(f"/acos/{aco.aco_id}/quality/measures/nonsense/?py=2027").status_code == 404
    assert AccessLog.objects.filter(object_type="quality_measure_members").count() == 2


def test_care_gap_worklist_filters_and_exports(
    aco: ACO, analyst: User, run: QualityRun, client_for: Callable[[User], Client]
) -> None:
    client = client_for(analyst)
    base = f"/acos/{aco.aco_id}/quality/care-gaps/?py=2027"
    body = client.get(base).content.decode()
    assert "3 care gaps" in body
    # Sorted by due date, then MBI: M2 and M3 (missed, readmission: Nov 10 + 14 days = Nov 24), M1 (Dec 20).
    assert body.index(M2) < body.index(M3) < body.index(M1)
    assert "1 care gap " in client.get(base + "&type=tfu_missed").content.decode()
    by_tin = client.get(base + "&tin=111000001").content.decode()
    assert M1 in by_tin and M3 in by_tin and M2 not in by_tin
    due = client.get(base + "&due_from=2027-12-01&due_to=2027-12-31").content.decode()
    assert M1 in due and M2 not in due and M3 not in due

    csv_body = client.get(f"/acos/{aco.aco_id}/quality/care-gaps/export/?py=2027&tin=111000001&format=csv")
    lines = csv_body.content.decode().splitlines()
    # The header comes first; the run and the portal's date are in the file name.
    assert lines[0].startswith("MBI,Last name,First name,Aligning TIN or CCN,Gap")
    assert f"care-gaps-{aco.aco_id}-py2027-run{run.pk}-2027-11-10.csv" in csv_body["Content-Disposition"]
    assert [line.split(",")[0] for line in lines[1:]] == [M3, M1]
    assert "Follow-up due (window still open)" in lines[2]
    xlsx = client.get(f"/acos/{aco.aco_id}/quality/care-gaps/export/?py=2027&format=xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        xml = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    assert M2 in xml and "Follow-up missed" in xml
    assert AccessLog.objects.filter(object_type="care_gaps", action="export").count() == 2


def test_pages_before_any_quality_run(aco: ACO, admin: User, client_for: Callable[[User], Client]) -> None:
    client = client_for(admin)
    assert "No quality results for PY2027 yet" in client.get(f"/acos/{aco.aco_id}/quality/?py=2027").content.decode()
    gaps: Any = client.get(f"/acos/{aco.aco_id}/quality/care-gaps/?py=2027")
    assert "No quality results" in gaps.content.decode()
    assert client.get(f"/acos/{aco.aco_id}/quality/care-gaps/export/?py=2027").status_code == 404


def test_the_api_gives_the_same_results(
    aco: ACO, analyst: User, run: QualityRun, client_for: Callable[[User], Client]
) -> None:
    client = client_for(analyst)
    summary = client.get(f"/api/acos/{aco.aco_id}/quality/?py=2027").json()
    assert summary["run"] == run.pk and summary["total_quality_score"] == 45.0
    acr = next(m for m in summary["measures"] if m["code"] == "acr")
    assert (acr["numerator"], acr["denominator"], acr["risk_standardized_rate"]) == (1, 2, 50.0)
    members = client.get(f"/api/acos/{aco.aco_id}/quality/measures/acr/members/?py=2027&role=numerator").json()
    assert [(m["mbi"], m["claim_id"], m["related_claim_id"]) for m in members["results"]] == [(M1, 201, 101)]
    gaps = client.get(f"/api/acos/{aco.aco_id}/quality/care-gaps/?py=2027&type=tfu_open").json()
    assert [g["mbi"] for g in gaps["results"]] == [M1]
    assert client.get(f"/api/acos/{aco.aco_id}/quality/care-gaps/?py=2027&due_to=12/31").status_code == 400
    # Members and care gaps are beneficiary-level (logged); the summary is ACO-level; the 400 read nothing.
    assert AccessLog.objects.filter(action="api").count() == 2
