"""The rural add-on pages, export and API over a real rural run (apps.rural.services).

Worked by hand, at $10.00 PBPM in PY2027, months through June 2027 actual:
* the victim ACO is not newly entering but has a Participant TIN new to ACOs; its RHC in ZIP 24801
  (WV, RUCA 7) is rural, its Baltimore TIN (21201, RUCA 1) urban, ZIP 99999 unknown: it qualifies;
* aligned through the RHC: M1 all year (12 months) and M2, who died on March 15 (alive on January 1,
  February 1 and March 1: 3 months); M3 through the urban TIN is not paid for;
* so 15 beneficiary-months, $150.00: January–March $20.00 each, April–December $10.00 each; actual
  (January–June) $90.00, projected (July–December) $60.00.
* the other ACO has a rural TIN but is neither newly entering nor has providers new to ACOs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO, ModelParameters
from apps.rural.models import RuralRun
from apps.rural.services import rural_run_execute
from apps.rural.views import SCHEDULE_HEADER, TIN_HEADER
from tests.factories import ElectionFactory, ParticipantFactory, aligned, alignment_run, cclf8_beneficiary

pytestmark = pytest.mark.django_db

D = dt.date
RHC, URBAN, UNKNOWN = "600000001", "600000002", "600000003"
OTHER_RURAL = "610000001"


def beneficiary(mbi: str, zip_code: str, death_date: dt.date | None = None) -> None:
    """A CCLF8 beneficiary row with a ZIP and a date of death."""
    cclf8_beneficiary(mbi, zip_code=zip_code, death_date=death_date)


@pytest.fixture
def rural_run(aco: ACO, other_aco: ACO) -> RuralRun:
    ModelParameters.objects.filter(performance_year=2027).update(rural_addon_pbpm=Decimal("10.00"))
    ElectionFactory.create(aco=aco, performance_year=2027, newly_entering=False)
    ParticipantFactory.create(
        aco=aco, tin=RHC, legal_name="Hinton Rural Health Clinic", practice_zip="24801", facility_type="RHC",
        new_to_aco=True,
    )  # fmt: skip
    ParticipantFactory.create(aco=aco, tin=URBAN, legal_name="Harbor Family Medicine", practice_zip="21201")
    ParticipantFactory.create(aco=aco, tin=UNKNOWN, legal_name="Nowhere Clinic", practice_zip="99999")
    ElectionFactory.create(aco=other_aco, performance_year=2027, newly_entering=False)
    ParticipantFactory.create(aco=other_aco, tin=OTHER_RURAL, practice_zip="26601")
    run = alignment_run(2027)
    beneficiary("1EG4TE5MK71", "24801")
    beneficiary("1EG4TE5MK72", "21201", death_date=D(2027, 3, 15))
    beneficiary("1EG4TE5MK73", "21201")
    aligned(run, aco, "1EG4TE5MK71", tin=RHC)
    aligned(run, aco, "1EG4TE5MK72", tin=RHC)
    aligned(run, aco, "1EG4TE5MK73", tin=URBAN)
    aligned(run, other_aco, "1EG4TE5MK74", tin=OTHER_RURAL)
    return rural_run_execute(alignment_run=run, performance_year=2027, actual_through=D(2027, 6, 30))


def _url(aco: ACO, tail: str = "") -> str:
    return f"/acos/{aco.aco_id}/rural/{tail}?py=2027"


def test_overview_shows_why_the_aco_qualifies_its_tins_and_the_schedule(
    aco: ACO, analyst: User, rural_run: RuralRun, client_for: Callable[[User], Client]
) -> None:
    response = client_for(analyst).get(_url(aco))
    assert response.status_code == 200
    html = response.content.decode()
    assert "qualifies for the rural add-on in PY2027" in html
    assert "has providers new to ACOs" in html
    # Each TIN with the rule that made it rural, urban or unknown; the unknown ZIP is reported.
    assert "RHC in a rural ZIP 24801 (RUCA 7)" in html
    assert "practice ZIP 21201 is urban (RUCA 1)" in html
    assert 'id="rural-unknown"' in html and "ZIP 99999 is not in the USDA RUCA table" in html
    # Rate, totals and the schedule (actual and projected), with the note on settlement.
    assert "$10.00 per beneficiary per month" in html
    assert "$150.00" in html and "$90.00" in html and "$60.00" in html
    assert "15 beneficiary-months" in html
    assert "never reconciled at settlement" in html
    schedule = response.context["schedule"]
    assert [m.member_months for m in schedule] == [2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    assert [m.kind for m in schedule] == ["actual"] * 6 + ["projected"] * 6
    # Every chart has its figure and its data table.
    for block in ("state_block", "category_block", "schedule_block"):
        assert response.context[block].figure is not None
        assert response.context[block].table.rows
    assert response.context["state_block"].table.rows == [["MD", 0, 1], ["Unknown", 0, 1], ["WV", 1, 0]]
    categories = {row[0]: row[1:] for row in response.context["category_block"].table.rows}
    assert categories["Small town (RUCA 7–9)"] == [1, 1]
    assert categories["Metropolitan (RUCA 1–3)"] == [2, 1]


def test_a_non_qualifying_aco_is_told_why_and_has_no_schedule(
    other_aco: ACO, outsider: User, rural_run: RuralRun, client_for: Callable[[User], Client]
) -> None:
    html = client_for(outsider).get(_url(other_aco)).content.decode()
    assert "does not qualify for the rural add-on in PY2027" in html
    assert "neither newly entering nor has providers new to ACOs" in html
    assert 'id="rural-schedule-none"' in html and 'id="rural-schedule"' not in html


def test_an_outsider_gets_404_everywhere(
    aco: ACO, outsider: User, rural_run: RuralRun, client_for: Callable[[User], Client]
) -> None:
    client = client_for(outsider)
    for url in (_url(aco), _url(aco, "export.csv"), _url(aco, "export.xlsx")):
        assert client.get(url).status_code == 404
    for url in (f"/api/acos/{aco.aco_id}/rural/", f"/api/acos/{aco.aco_id}/rural/schedule/", "/api/rural/payments/"):
        assert client.get(url).status_code == 404
    assert client.get("/rural/").status_code == 404


def test_empty_state_before_any_rural_run(aco: ACO, admin: User, client_for: Callable[[User], Client]) -> None:
    client = client_for(admin)
    response = client.get(_url(aco))
    assert response.status_code == 200
    assert b'id="rural-empty"' in response.content
    body = client.get(f"/api/acos/{aco.aco_id}/rural/?py=2027").json()
    assert body["run"] is None and body["months"] == [] and body["qualifies"] is False
    export = client.get(_url(aco, "export.csv"))
    assert export.status_code == 200 and export.content.decode().splitlines() == [",".join(TIN_HEADER)]
    assert export["Content-Disposition"] == f'attachment; filename="rural-addon-{aco.aco_id}-py2027-no-run-yet.csv"'


def test_csv_export_has_the_tins_and_the_schedule(
    aco: ACO, analyst: User, rural_run: RuralRun, client_for: Callable[[User], Client]
) -> None:
    """One table a file, the header first and the run in the name (issue 17: the CSV held a summary and
    two tables under "# …" lines)."""
    client = client_for(analyst)
    response = client.get(_url(aco, "export.csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="rural-addon-{aco.aco_id}-py2027-run{rural_run.pk}.csv"'
    )
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == TIN_HEADER and all(len(r) == len(header) for r in rows)
    tins = {r[0]: r for r in rows}
    assert tins[RHC][5:7] == ["7", "Rural"]
    assert tins[URBAN][6] == "Urban" and tins[UNKNOWN][6] == "Unknown"
    response = client.get(_url(aco, "schedule.csv"))
    assert response["Content-Disposition"] == (
        f'attachment; filename="rural-addon-schedule-{aco.aco_id}-py2027-run{rural_run.pk}.csv"'
    )
    header, *months = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == SCHEDULE_HEADER and len(months) == 12
    assert months[0] == ["2027-01", "2", "10.00", "20.00", "Actual"]
    assert months[11] == ["2027-12", "1", "10.00", "10.00", "Projected"]
    assert sum(Decimal(m[3]) for m in months) == Decimal("150.00")  # the page's total
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, aco_code=aco.aco_id).exists()


def test_xlsx_export_has_the_same_figures(
    aco: ACO, analyst: User, rural_run: RuralRun, client_for: Callable[[User], Client]
) -> None:
    response = client_for(analyst).get(_url(aco, "export.xlsx"))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        workbook = book.read("xl/workbook.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
        schedule = book.read("xl/worksheets/sheet2.xml").decode()
    assert 'name="Participant TINs"' in workbook and 'name="Payment schedule"' in workbook
    for text in (RHC, URBAN, UNKNOWN, "RHC in a rural ZIP 24801 (RUCA 7)", "Projected", "never reconciled"):
        assert text in strings
    amounts = [Decimal(v) for row, v in re.findall(r'<c r="D(\d+)"[^>]*><v>([^<]+)</v>', schedule) if int(row) >= 3]
    assert amounts == [Decimal(20)] * 3 + [Decimal(10)] * 9
    assert sum(amounts) == Decimal("150.00")


def test_unknown_export_format_is_404(aco: ACO, admin: User, client_for: Callable[[User], Client]) -> None:
    assert client_for(admin).get(_url(aco, "export.pdf")).status_code == 404


def test_api_overview_and_schedule(
    aco: ACO, analyst: User, rural_run: RuralRun, client_for: Callable[[User], Client]
) -> None:
    client = client_for(analyst)
    body: dict[str, Any] = client.get(f"/api/acos/{aco.aco_id}/rural/?py=2027").json()
    assert body["run"]["id"] == rural_run.pk
    assert body["qualifies"] is True and body["reconciled"] is False
    assert body["rate"] == "10.00"
    assert body["eligibility"]["any_new_to_aco"] is True
    assert {t["tin"]: t["rural"] for t in body["tins"]} == {RHC: True, URBAN: False, UNKNOWN: None}
    assert body["totals"]["total_amount"] == "150.00"
    assert body["totals"]["actual_amount"] == "90.00" and body["totals"]["projected_amount"] == "60.00"
    schedule = client.get(f"/api/acos/{aco.aco_id}/rural/schedule/?py=2027").json()
    assert [m["amount"] for m in schedule["months"][:4]] == ["20.00", "20.00", "20.00", "10.00"]
    assert "tins" not in schedule


def test_cms_sees_every_aco_sorted_with_drill_down(
    aco: ACO, other_aco: ACO, cms_reviewer: User, rural_run: RuralRun, client_for: Callable[[User], Client]
) -> None:
    client = client_for(cms_reviewer)
    response = client.get("/rural/?py=2027&sort=-total")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["aco_id"] for r in rows] == [aco.aco_id, other_aco.aco_id]
    assert rows[0]["total_amount"] == Decimal("150.00") and rows[1]["qualifies"] is False
    assert f'href="/acos/{aco.aco_id}/rural/?py=2027"' in response.content.decode()
    ascending = client.get("/rural/?py=2027&sort=total").context["rows"]
    assert [r["aco_id"] for r in ascending] == [other_aco.aco_id, aco.aco_id]
    body = client.get("/api/rural/payments/?py=2027").json()
    assert body["total_amount"] == "150.00"
    assert {r["aco_id"]: r["qualifies"] for r in body["acos"]} == {aco.aco_id: True, other_aco.aco_id: False}


def test_aco_users_cannot_see_the_cms_table(
    admin: User, rural_run: RuralRun, client_for: Callable[[User], Client]
) -> None:
    assert client_for(admin).get("/rural/").status_code == 404
    assert client_for(admin).get("/api/rural/payments/").status_code == 404


def test_each_beneficiary_with_its_zip_ruca_and_rule(
    aco: ACO, analyst: User, outsider: User, rural_run: RuralRun, client_for: Callable[[User], Client]
) -> None:
    # 1EG4TE5MK71: ZIP 24801 (RUCA 7, small town), aligned through the rural RHC: counts.
    # 1EG4TE5MK72: ZIP 21201 (RUCA 1, urban), also through the RHC: counts (the TIN decides, not the ZIP).
    # 1EG4TE5MK73: ZIP 21201, through the urban TIN: does not count.
    response = client_for(analyst).get(_url(aco, "beneficiaries/"))
    assert response.status_code == 200
    rows = {r.mbi: r for r in response.context["rows"]}
    assert set(rows) == {"1EG4TE5MK71", "1EG4TE5MK72", "1EG4TE5MK73"}
    assert (rows["1EG4TE5MK71"].ruca, rows["1EG4TE5MK71"].category) == (7, "small town")
    assert rows["1EG4TE5MK71"].rule == "ZIP 24801 has RUCA 7: rural (small town)"
    assert rows["1EG4TE5MK73"].rule == "ZIP 21201 has RUCA 1: urban (metropolitan)"
    assert [rows[m].through_rural_tin for m in sorted(rows)] == [True, True, False]
    assert AccessLog.objects.filter(object_type="rural_beneficiaries", aco_code=aco.aco_id).exists()
    assert client_for(outsider).get(_url(aco, "beneficiaries/")).status_code == 404
