"""The dual-eligible dashboard, the full-benefit dual list and its exports: figures on the page, the
opt-out suppression in the list, CSV, XLSX and API, access logging, and every role."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO
from apps.medicaid.duals import services
from apps.medicaid.duals.views import EXPORT_HEADER
from apps.medicaid.models import DataSharingOptOut, DualRun
from tests.factories import DUAL_FULL, DUAL_FULL_LATE, DUAL_PARTIAL, NOT_DUAL, OLD_MBI

pytestmark = pytest.mark.django_db

Clients = Callable[[User | None], Client]


def url(aco: ACO, tail: str = "duals/") -> str:
    return f"/acos/{aco.aco_id}/medicaid/{tail}{'&' if '?' in tail else '?'}py=2027"


@pytest.fixture
def dual_run(dual_world: Any) -> DualRun:
    return services.dual_run_execute(alignment_run=dual_world)


@pytest.fixture
def opted_out(aco: ACO, admin: User) -> DataSharingOptOut:
    """DUAL_FULL declined data sharing (filed under the earlier MBI)."""
    from datetime import date

    return DataSharingOptOut.objects.create(aco=aco, mbi=OLD_MBI, declined_on=date(2027, 2, 1), recorded_by=admin)


def text(response: Any) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


# --- the dashboard -------------------------------------------------------------------------------


def test_the_dashboard_shows_the_hand_worked_figures(
    aco: ACO, analyst: User, dual_run: DualRun, client_for: Clients
) -> None:
    response = client_for(analyst).get(url(aco))
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Dual-eligible beneficiaries</h1>" in page
    assert f"Dual run {dual_run.pk}" in page and "claims through Nov 30, 2027" in page
    cards = re.search(r'id="duals-cards">(.*?)</div> </div>', page)
    assert cards is not None
    values = re.findall(r'portal-card__value">([^<]+)<', cards.group(1))
    assert values == ["3", "2", "1", "75.0%"]
    # The comparison table: full 2 / 19 months / $15,850.00 / $834.21 / 1 / 631.6 / 1 / 631.6
    row = re.search(r"<th scope=\"row\">Full-benefit duals</th>(.*?)</tr>", page)
    assert row is not None
    assert re.findall(r"<td>([^<]*)</td>", row.group(1)) == [
        "2", "19", "$15,850.00", "$834.21", "1", "631.6", "1", "631.6",
    ]  # fmt: skip
    assert '<th scope="row">Not dual</th><td>1</td><td>6</td><td>$21,000.00</td><td>$3,500.00</td>' in page
    # Duals compared with non-duals: full-benefit PBPM 834.21 / 3,500.00 = 0.24×
    assert re.search(r"<th scope=\"row\">Full-benefit duals</th><td>0.24×</td><td>0.32×</td><td>0.32×</td>", page)
    # Every chart has its data table, and the codes table shows each code with its meaning.
    assert page.count('class="portal-chart"') == 3 and page.count('<details class="portal-data-table">') == 3
    assert "QMB Plus" in page and '<th scope="row">08</th>' in page
    assert "aria-sort" not in page  # no beneficiary-level table on the dashboard


def test_the_dashboard_before_any_run(aco: ACO, admin: User, client_for: Clients) -> None:
    response = client_for(admin).get(url(aco))
    assert response.status_code == 200
    assert "computed by the next pipeline run" in text(response)
    assert "portal-chart" not in response.content.decode()


def test_the_dashboard_csv(aco: ACO, analyst: User, dual_run: DualRun, client_for: Clients) -> None:
    """One table a file, the header first, the run in the name (issue 17: two tables under "# …" lines)."""
    client = client_for(analyst)
    response = client.get(url(aco, "duals/data.csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="dual-eligibles-{aco.aco_id}-py2027-run{dual_run.pk}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["group", "beneficiaries", "member_months"]
    assert all(len(r) == 9 for r in rows)
    by_group = {r[0]: r for r in rows}
    assert by_group["Full-benefit duals"][1:] == ["2", "19", "15850.00", "834.21", "1", "631.6", "1", "631.6"]
    assert by_group["All duals"][4] == "551.67"
    response = client.get(url(aco, "duals/codes.csv"))
    assert response["Content-Disposition"] == (
        f'attachment; filename="dual-status-codes-{aco.aco_id}-py2027-run{dual_run.pk}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["code", "meaning", "counted_as", "beneficiaries"]
    codes = {r[0]: r[3] for r in rows[1:] if r[0] in ("01", "02", "08", "NA", "99")}
    assert codes == {"01": "1", "02": "1", "08": "1", "NA": "1", "99": "0"}


# --- the full-benefit dual list ------------------------------------------------------------------


def test_the_list_leaves_out_who_declined_and_says_so(
    aco: ACO, analyst: User, dual_run: DualRun, opted_out: DataSharingOptOut, client_for: Clients
) -> None:
    response = client_for(analyst).get(url(aco, "duals/full/"))
    assert response.status_code == 200
    page = text(response)
    assert DUAL_FULL_LATE in page and "Late, Dee" in page and "High Needs" in page
    assert DUAL_FULL not in page and "Full, Ada" not in page
    assert DUAL_PARTIAL not in page and NOT_DUAL not in page  # not full-benefit duals
    assert "1 beneficiary who declined data sharing is not listed" in page
    log = AccessLog.objects.get(object_type="medicaid_full_duals", action=AccessLog.Action.VIEW)
    assert (log.user, log.aco_code, log.object_id) == (analyst, aco.aco_id, f"dual run {dual_run.pk}")
    assert "1 suppressed" in log.detail


def test_every_view_of_the_list_is_logged(aco: ACO, admin: User, dual_run: DualRun, client_for: Clients) -> None:
    client = client_for(admin)
    client.get(url(aco, "duals/full/"))
    client.get(url(aco, "duals/full/?q=late"))
    assert AccessLog.objects.filter(object_type="medicaid_full_duals", action=AccessLog.Action.VIEW).count() == 2


def test_the_list_searches_and_sorts(aco: ACO, admin: User, dual_run: DualRun, client_for: Clients) -> None:
    client = client_for(admin)
    found = text(client.get(url(aco, "duals/full/?q=ada")))
    assert DUAL_FULL in found and DUAL_FULL_LATE not in found
    page = text(client.get(url(aco, "duals/full/?sort=spending")))
    assert page.index(DUAL_FULL_LATE) < page.index(DUAL_FULL)  # $5,000 before $10,850
    assert 'aria-sort="ascending"' in page
    page = text(client.get(url(aco, "duals/full/?sort=-spending")))
    assert page.index(DUAL_FULL) < page.index(DUAL_FULL_LATE) and 'aria-sort="descending"' in page


def test_a_revoked_opt_out_shows_the_beneficiary_again(
    aco: ACO, admin: User, dual_run: DualRun, opted_out: DataSharingOptOut, client_for: Clients
) -> None:
    services.optout_revoke(optout=opted_out, acting_user=admin)
    page = text(client_for(admin).get(url(aco, "duals/full/")))
    assert DUAL_FULL in page and "declined data sharing is not listed" not in page


def test_the_csv_export_is_suppressed_stamped_and_logged(
    aco: ACO, analyst: User, dual_run: DualRun, opted_out: DataSharingOptOut, client_for: Clients
) -> None:
    response = client_for(analyst).get(url(aco, "duals/full/export.csv"))
    assert response.status_code == 200
    assert f"run{dual_run.pk}" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "mbi"  # the header first: nothing above it (issue 17)
    assert [r[0] for r in rows[1:]] == [DUAL_FULL_LATE]
    assert rows[1][1:4] == ["Late", "Dee", "08"] and rows[1][4].startswith("Other full-benefit dual")
    assert rows[1][5:] == ["High Needs", "8", "5000.00", "0", "0", ""]
    assert DUAL_FULL not in response.content.decode()
    log = AccessLog.objects.get(object_type="medicaid_full_duals", action=AccessLog.Action.EXPORT)
    assert log.user == analyst and "csv" in log.detail


def test_the_xlsx_export_is_suppressed_and_logged(
    aco: ACO, admin: User, dual_run: DualRun, opted_out: DataSharingOptOut, client_for: Clients
) -> None:
    response = client_for(admin).get(url(aco, "duals/full/export.xlsx"))
    assert response.status_code == 200
    # openpyxl is not in the project's environment: the workbook is read through zipfile.
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert DUAL_FULL_LATE in strings and "Late" in strings and f"dual run {dual_run.pk}" in strings
    assert DUAL_FULL not in strings and DUAL_FULL not in sheet
    assert re.search(r'<c r="H4"[^>]*><v>5000</v>', sheet)  # the spending of the one row, as a number
    assert not re.search(r'<c r="A5"', sheet)  # and no second row
    assert AccessLog.objects.filter(object_type="medicaid_full_duals", action=AccessLog.Action.EXPORT).count() == 1


def test_an_unknown_export_format_is_404(aco: ACO, admin: User, dual_run: DualRun, client_for: Clients) -> None:
    assert client_for(admin).get(url(aco, "duals/full/export.pdf")).status_code == 404


def test_the_list_before_any_run(aco: ACO, admin: User, client_for: Clients) -> None:
    client = client_for(admin)
    assert "computed by the next pipeline run" in text(client.get(url(aco, "duals/full/")))
    export = client.get(url(aco, "duals/full/export.csv"))
    assert export.status_code == 200 and export.content.decode().splitlines() == [",".join(EXPORT_HEADER)]
    assert export["Content-Disposition"] == f'attachment; filename="full-duals-{aco.aco_id}-py2027-no-run-yet.csv"'
    assert not AccessLog.objects.filter(object_type="medicaid_full_duals").exists()


# --- roles ---------------------------------------------------------------------------------------

PAGES = [
    "duals/",
    "duals/data.csv",
    "duals/codes.csv",
    "duals/full/",
    "duals/full/export.csv",
    "duals/full/export.xlsx",
]


@pytest.mark.parametrize("tail", PAGES)
@pytest.mark.parametrize("who", ["admin", "analyst", "cms_reviewer", "cms_admin"])
def test_members_and_cms_staff_read(
    tail: str, who: str, aco: ACO, dual_run: DualRun, client_for: Clients, request: pytest.FixtureRequest
) -> None:
    assert client_for(request.getfixturevalue(who)).get(url(aco, tail)).status_code == 200


@pytest.mark.parametrize("tail", PAGES)
def test_an_outsider_gets_404(tail: str, aco: ACO, outsider: User, dual_run: DualRun, client_for: Clients) -> None:
    assert client_for(outsider).get(url(aco, tail)).status_code == 404
    assert not AccessLog.objects.filter(object_type="medicaid_full_duals").exists()


@pytest.mark.parametrize("tail", PAGES)
def test_anonymous_is_sent_to_sign_in(tail: str, aco: ACO, dual_run: DualRun, client_for: Clients) -> None:
    response = client_for(None).get(url(aco, tail))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the API -------------------------------------------------------------------------------------


def api(aco: ACO, tail: str) -> str:
    return f"/api/acos/{aco.aco_id}/medicaid/{tail}?py=2027"


def test_the_api_summary(aco: ACO, analyst: User, dual_run: DualRun, client_for: Clients) -> None:
    body = client_for(analyst).get(api(aco, "duals/")).json()
    assert body["run"]["id"] == dual_run.pk and body["run"]["through"] == "2027-11-30"
    assert body["dual_share"] == "75.0"
    groups = {g["group"]: g for g in body["groups"]}
    assert groups["full"]["pbpm"] == "834.21" and groups["full"]["admissions_per_1000"] == "631.6"
    assert groups["duals"]["member_months"] == 30 and groups["none"]["ed_visits_per_1000"] == "2000.0"
    assert groups["aligned"]["beneficiaries"] == 4
    assert {c["code"]: c["beneficiaries"] for c in body["codes"]}["02"] == 1 and len(body["codes"]) == 13


def test_the_api_summary_before_any_run(aco: ACO, analyst: User, client_for: Clients) -> None:
    body = client_for(analyst).get(api(aco, "duals/")).json()
    assert body["run"] is None and body["groups"] == []


def test_the_api_list_is_suppressed_and_logged(
    aco: ACO, analyst: User, dual_run: DualRun, opted_out: DataSharingOptOut, client_for: Clients
) -> None:
    body = client_for(analyst).get(api(aco, "duals/full/")).json()
    assert body["count"] == 1 and body["suppressed"] == 1 and body["run"]["id"] == dual_run.pk
    assert body["results"] == [
        {
            "mbi": DUAL_FULL_LATE, "last_name": "Late", "first_name": "Dee", "dual_code": "08",
            "dual_status": body["results"][0]["dual_status"], "cohort": "High Needs", "member_months": 8,
            "spending": "5000.00", "admissions": 0, "ed_visits": 0, "last_admission": None,
        }
    ]  # fmt: skip
    assert AccessLog.objects.filter(object_type="medicaid_full_duals", action=AccessLog.Action.API).count() == 1


@pytest.mark.parametrize("tail", ["duals/", "duals/full/"])
def test_the_api_scopes(
    tail: str, aco: ACO, outsider: User, cms_reviewer: User, dual_run: DualRun, client_for: Clients
) -> None:
    assert client_for(outsider).get(api(aco, tail)).status_code == 404
    assert client_for(cms_reviewer).get(api(aco, tail)).status_code == 200
    assert client_for(None).get(api(aco, tail)).status_code in (401, 403)


def test_each_chart_draws_the_figures_of_its_table(
    aco: ACO, analyst: User, dual_run: DualRun, client_for: Clients
) -> None:
    import json

    page = client_for(analyst).get(url(aco)).content.decode()
    figures = {
        slug: json.loads(body)
        for slug, body in re.findall(r'<script id="figure-duals-(\w+)" type="application/json">(.*?)</script>', page)
    }
    assert set(figures) == {"pbpm", "admissions", "ed"}
    bars = figures["pbpm"]["data"][0]
    assert bars["x"] == ["Full-benefit duals", "Partial-benefit duals", "Not dual"]
    assert bars["y"] == [834.21, 63.64, 3500.0]
    assert figures["admissions"]["data"][0]["y"] == [631.6, 0.0, 2000.0]
    assert figures["ed"]["data"][0]["y"] == [631.6, 0.0, 2000.0]


def test_the_list_pages_fifty_at_a_time_and_logs_each_page(aco: ACO, admin: User, client_for: Clients) -> None:
    from decimal import Decimal

    from apps.medicaid.models import DualBeneficiary
    from tests.factories import aligned, alignment_run

    run = alignment_run(2027)
    dual = DualRun.objects.create(performance_year=2027, alignment_run=run, status="succeeded")
    mbis = [f"1EG4TE5MK{n:02d}" for n in range(51)]
    for n, mbi in enumerate(mbis):
        aligned(run, aco, mbi, last_name=f"Name{n:02d}")
    DualBeneficiary.objects.bulk_create(
        DualBeneficiary(run=dual, aco=aco, mbi=m, dual_code="02", dual_group="full", spending=Decimal(n))
        for n, m in enumerate(mbis)
    )
    client = client_for(admin)
    first = text(client.get(url(aco, "duals/full/")))
    second = text(client.get(url(aco, "duals/full/?page=2")))
    assert "51 full-benefit duals" in first and "Page 1 of 2" in first
    assert mbis[49] in first and mbis[50] not in first
    assert mbis[50] in second and mbis[0] not in second
    details = list(
        AccessLog.objects.filter(object_type="medicaid_full_duals").order_by("id").values_list("detail", flat=True)
    )
    assert [d.split(",")[:2] for d in details] == [["page 1", " 50 rows"], ["page 2", " 1 rows"]]
