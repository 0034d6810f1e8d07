"""Downloadable performance reports: the three builders on a hand-worked summary, the request → build →
download flow on the pages and the API (not ready until the file exists), and who may do what.

The summary is ``tests.factories.performance_summary`` (Global, corridors 0–15% at 100%, 15–35% at 50%),
worked by hand:

- benchmark = 12,000 A&D member-months × $1,000 + 240 ESRD member-months × $8,000 = $13,920,000
- quality withhold 3% = $417,600, earned back at TQS 80 → 80% = $334,080
- gross savings = 13,920,000 − 417,600 + 334,080 − 9,000,000 = $4,836,480 (34.74% of the benchmark)
- ACO share: 15% of 13,920,000 = $2,088,000 at 100% + the remaining $2,748,480 at 50% ($1,374,240)
  = $3,462,240; sequestration 2% = $69,244.80; **estimated settlement $3,392,995.20**.

The PDF's text is read from its content streams (ReportLab writes ASCII85 + Flate streams with literal
strings; pypdf is not in the project's environment), the XLSX through zipfile and its XML (openpyxl
neither).
"""

from __future__ import annotations

import base64
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO
from apps.performance import report_charts, reports
from apps.performance.models import PerformanceReport, PerformanceSummary, PipelineRun
from tests.factories import performance_summary, pipeline_run

ClientFor = Callable[[User | None], Client]
SETTLEMENT = "$3,392,995.20"
BUILT_AT = "2028-01-05 10:00 UTC"


# --- reading the files ---------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    """The literal strings the PDF's pages draw, one a line (WinAnsi decoded)."""
    out = []
    for match in re.finditer(rb"<<((?:(?!>>).)*?)>>\s*stream\r?\n(.*?)endstream", content, re.S):
        filters, body = match.group(1), match.group(2).strip()
        if b"ASCII85Decode" in filters:
            body = base64.a85decode(body.removesuffix(b"~>"), adobe=False)
        if b"FlateDecode" in filters:
            body = zlib.decompress(body)
        out.append(body)
    lines = []
    for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)", b"\n".join(out)):
        text = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), literal)
        text = re.sub(rb"\\(.)", rb"\1", text)
        lines.append(text.decode("cp1252"))
    return "\n".join(lines)


def xlsx_parts(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return {name: book.read(name).decode() for name in book.namelist() if name.endswith(".xml")}


def sheet_names(parts: dict[str, str]) -> list[str]:
    names = re.findall(r'<sheet name="([^"]+)"', parts["xl/workbook.xml"])
    return [n.replace("&amp;", "&") for n in names]


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


@pytest.fixture
def summary(aco: ACO) -> PerformanceSummary:
    return performance_summary(aco)


# --- the builders --------------------------------------------------------------------------------------


def test_the_pdf_is_stamped_and_shows_the_estimated_settlement(summary: PerformanceSummary, aco: ACO) -> None:
    content = reports.build_pdf(summary.data, built_at=BUILT_AT)
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    pages = re.search(rb"/Count (\d+) /Kids", content)
    assert pages is not None and 4 <= int(pages.group(1)) <= 8  # key figures, charts, then the tables
    text = pdf_text(content)
    run = summary.run_id
    # The stamp on every page: ACO, year, run, data vintage; and the estimate label.
    stamp = f"LEAD ACO {aco.aco_id} {aco.legal_name} · PY2027 · pipeline run {run} · 1 CCLF file through 2028-01-02"
    assert text.count(stamp) >= 2
    assert text.count("ESTIMATE") >= 2 and "Estimate." in text
    assert f"Performance year 2027 · pipeline run {run}" in text
    assert f"Estimated settlement\n{SETTLEMENT} (estimate)" in text
    assert "$13,920,000.00 (estimate)" in text and "34.74%" in text
    assert "P.A9999.ACO.ZC1Y27.D280102.T0415300" in text
    # The three charts, drawn with their axes' labels.
    assert "PBPM against the benchmark by month ($ per beneficiary-month, estimate)" in text
    assert "Spending by service category ($, estimate)" in text
    assert "Estimated settlement as a waterfall ($, estimate)" in text
    assert "Jan 27" in text and "Dec 27" in text and "Durable medical equipment" in text
    # Every section's tables follow.
    for heading in ("Alignment", "Cohorts & benchmark", "Months", "Categories", "Quality", "Settlement"):
        assert f"\n{heading}\n" in text
    assert f"/Title (LEAD performance report {aco.aco_id} PY2027 \\(pipeline run {run}\\))".encode() in content


def test_a_loss_is_reported_with_its_sign(aco: ACO) -> None:
    # $20,000,000 spent against the $13,920,000 benchmark: gross loss 13,920,000 − 417,600 + 334,080
    # − 20,000,000 = −$6,163,520, drawn below zero in the waterfall.
    data = performance_summary(aco, expenditure="20000000").data
    assert data["settlement"]["gross_savings"] == -6_163_520
    settlement = reports.display(data["settlement"]["estimated_settlement"], "usd")
    assert settlement.startswith("-$")
    text = pdf_text(reports.build_pdf(data))
    assert "Gross savings (loss)\n-$6,163,520.00 (estimate)" in text
    assert f"Estimated settlement\n{settlement} (estimate)" in text
    rows = csv_rows(reports.build_csv(data))
    assert [r["value"] for r in rows if r["item"] == "Gross savings (loss)" and r["table"] == "Figures"] == [
        "-6163520.00"
    ]


@pytest.mark.parametrize(
    ("expenditure", "change", "label"),
    [
        # Savings: 2% of the shared $3,462,240 = $69,244.80 comes off the payment.
        ("9000000", "-69244.80", "Sequestration (2% of the shared savings, taken off the payment)"),
        # A loss of 6,163,520 (44.28% of the benchmark) shared 100% to 15%, 50% to 35%, 25% above:
        # 2,088,000 + 1,392,000 + 0.25 × 1,291,520 = 3,802,880 owed; 2% of it, 76,057.60, comes off.
        ("20000000", "76057.60", "Sequestration (2% of the shared loss, taken off what the ACO owes)"),
    ],
)
def test_sequestration_has_one_sign_in_every_table_of_the_report(
    aco: ACO, expenditure: str, change: str, label: str
) -> None:
    """Issue 17: +$4,625.15 in one table and −$4,625.15 in another. It is its change to the shared
    amount everywhere, as the waterfall draws it, and its label says which way it goes."""
    data = performance_summary(aco, expenditure=expenditure).data
    rows = csv_rows(reports.build_csv(data))
    waterfall = [
        r["value"] for r in rows if (r["table"], r["item"], r["measure"]) == ("Waterfall", "Sequestration", "Amount")
    ]
    figures = [
        (r["item"], r["value"]) for r in rows if r["table"] == "Figures" and r["item"].startswith("Sequestration")
    ]
    assert waterfall == [change]
    assert figures == [(label, change)]
    shared = [float(r["value"]) for r in rows if r["table"] == "Figures" and r["item"].startswith("Shared ")]
    assert round(shared[0] + float(change), 2) == shared[1]  # before + change = after
    money = reports.display(float(change), "usd")
    assert f"{label} {money} (estimate)" in " ".join(pdf_text(reports.build_pdf(data)).split())


def test_the_waterfall_floats_changes_on_the_running_total(summary: PerformanceSummary) -> None:
    base, visible, below, kinds = report_charts.waterfall_series(summary.data["settlement"]["lines"])
    assert kinds == ["level", "down", "up", "down", "level", "down", "down", "level"]
    assert base == [0, 13_502_400, 13_502_400, 4_836_480, 0, 3_462_240, pytest.approx(3_392_995.2), 0]
    assert visible == [
        13_920_000,
        417_600,
        334_080,
        9_000_000,
        4_836_480,
        1_374_240,
        pytest.approx(69_244.8),
        3_392_995.2,
    ]
    assert below == [0] * 8
    # A loss: a change that crosses zero is split into its parts above and below it.
    lines = [
        {"amount": 100, "kind": "total"},
        {"amount": -150, "kind": "step"},
        {"amount": 20, "kind": "step"},
        {"amount": -30, "kind": "total"},
    ]
    assert report_charts.waterfall_series(lines) == (
        [0, 0, -30, 0],
        [100, 100, -20, -30],
        [0, -50, 0, 0],
        ["level", "down", "up", "level"],
    )


def test_the_xlsx_has_a_sheet_per_area_stamped_and_with_the_figures(summary: PerformanceSummary, aco: ACO) -> None:
    parts = xlsx_parts(reports.build_xlsx(summary.data, built_at=BUILT_AT))
    assert sheet_names(parts) == [
        "Summary",
        "Alignment",
        "Cohorts & benchmark",
        "Months",
        "Categories",
        "Quality",
        "Settlement",
        "Parameters",
        "Vintage",
    ]
    strings = parts["xl/sharedStrings.xml"]
    assert f"LEAD ACO {aco.aco_id} {aco.legal_name} · PY2027 · pipeline run {summary.run_id}" in strings
    assert "Estimate: every dollar figure in this report is an estimate" in strings
    assert "Estimated settlement" in strings and "USD (estimate)" in strings
    assert "Expenditure ($, estimate)" in strings  # a money column's heading
    settlement_sheet = parts["xl/worksheets/sheet7.xml"]
    assert "<v>3392995.2</v>" in settlement_sheet and "<v>1374240</v>" in settlement_sheet
    months_sheet = parts["xl/worksheets/sheet4.xml"]
    assert months_sheet.count("<v>750000</v>") == 12  # $9,000,000 spread evenly over 12 months
    vintage_sheet = parts["xl/worksheets/sheet9.xml"]
    index = re.findall(r"<si><t[^>]*>([^<]*)</t></si>", strings).index("P.A9999.ACO.ZC1Y27.D280102.T0415300")
    assert re.search(rf'<c r="B\d+" [^>]*t="s"><v>{index}</v>', vintage_sheet)


def test_the_csv_is_one_long_table_with_money_marked_as_estimates(summary: PerformanceSummary, aco: ACO) -> None:
    rows = csv_rows(reports.build_csv(summary.data, built_at=BUILT_AT))
    assert list(rows[0]) == ["section", "table", "item", "measure", "value", "unit", "estimate"]

    def value(section: str, table: str, item: str, measure: str = "Value") -> dict[str, str]:
        (row,) = [
            r for r in rows if (r["section"], r["table"], r["item"], r["measure"]) == (section, table, item, measure)
        ]
        return row

    assert value("Summary", "Report", "ACO")["value"] == aco.aco_id
    assert value("Summary", "Report", "Pipeline run")["value"] == str(summary.run_id)
    settlement = value("Settlement", "Figures", "Estimated settlement")
    assert (settlement["value"], settlement["unit"], settlement["estimate"]) == ("3392995.20", "USD", "estimate")
    assert value("Settlement", "Waterfall", "CMS share (risk corridors)", "Amount")["value"] == "-1374240.00"
    assert value("Settlement", "Risk corridors", "15% to 35%", "ACO share")["value"] == "50.0"
    assert value("Months", "By month", "2027-03", "PBPM") == {
        "section": "Months",
        "table": "By month",
        "item": "2027-03",
        "measure": "PBPM",
        "value": "735.29",  # 750,000 / 1,020
        "unit": "USD per beneficiary-month",
        "estimate": "estimate",
    }
    assert value("Vintage", "Data vintage", "CCLF file 1")["value"] == "P.A9999.ACO.ZC1Y27.D280102.T0415300"
    assert value("Vintage", "Data vintage", "Claims through")["value"] == "2027-12"
    assert value("Vintage", "Data vintage", "Report built")["value"] == BUILT_AT
    assert [r["section"] for r in rows if r["section"] != rows[rows.index(r) - 1]["section"]] == list(reports.SECTIONS)
    # Every dollar figure is marked, and nothing else is.
    assert all((r["estimate"] == "estimate") == r["unit"].startswith("USD") for r in rows)
    assert len([r for r in rows if r["section"] == "Months"]) == 12 * 4


# --- request, build, download ---------------------------------------------------------------------------


def reports_url(aco: ACO, rest: str = "") -> str:
    return f"/acos/{aco.aco_id}/reports/{rest}"


def api_url(aco: ACO, rest: str = "") -> str:
    return f"/api/acos/{aco.aco_id}/performance/reports/{rest}"


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_an_admin_requests_a_pdf_and_downloads_it(
    summary: PerformanceSummary,
    aco: ACO,
    admin: User,
    client_for: ClientFor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(admin)
    page = client.get(reports_url(aco)).content.decode()
    assert 'name="format"' in page and '<option value="2027" selected>PY2027</option>' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reports_url(aco), {"format": "pdf", "performance_year": "2027"})
    assert response.status_code == 302 and response["Location"] == reports_url(aco) + "?py=2027"
    report = PerformanceReport.objects.get()
    assert (report.status, report.format, report.performance_year, report.summary_id) == (
        "ready",
        "pdf",
        2027,
        summary.pk,
    )
    assert report.requested_by == admin and report.size == report.file.size > 1000
    assert report.seconds is not None and report.finished_at is not None

    listing = client.get(reports_url(aco)).content.decode()
    assert (
        "built in" in listing
        and "PDF, PY2027, pipeline run" in listing
        and reports_url(aco, f"{report.pk}/download/") in listing
    )
    assert 'hx-trigger="every 2s"' not in listing  # nothing building: no polling

    download = client.get(reports_url(aco, f"{report.pk}/download/"))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    filename = f"LEAD_{aco.aco_id}_PY2027_performance_run{summary.run_id}.pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{filename}"'
    content = body_of(download)
    assert content.startswith(b"%PDF-") and SETTLEMENT in pdf_text(content)
    log = AccessLog.objects.get(action="export", object_type="performance_report")
    assert (log.username, log.aco_code, log.object_id) == (admin.username, aco.aco_id, f"report {report.pk}")


def test_the_download_is_not_ready_until_the_file_exists(
    summary: PerformanceSummary,
    aco: ACO,
    admin: User,
    client_for: ClientFor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=False) as queued:  # the worker has not run yet
        client.post(reports_url(aco), {"format": "xlsx", "performance_year": "2027"})
    assert len(queued) == 1
    report = PerformanceReport.objects.get()
    assert report.status == "requested" and not report.file

    page = client.get(reports_url(aco, f"{report.pk}/download/"))
    assert page.status_code == 409
    assert "not ready yet" in page.content.decode() and "Being built" in page.content.decode()
    api = client.get(api_url(aco, f"{report.pk}/download/"))
    assert api.status_code == 409 and api.json()["status"] == "requested"
    assert "not ready yet" in api.json()["detail"]
    listing = client.get(reports_url(aco), headers={"HX-Request": "true"}).content.decode()
    assert listing.startswith('<div id="report-list"') and 'hx-trigger="every 2s"' in listing
    assert "Being built" in listing and "/download/" not in listing
    # Asking again while it builds gives the same report, not a second one.
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reports_url(aco), {"format": "xlsx", "performance_year": "2027"})
    assert PerformanceReport.objects.count() == 1
    assert not AccessLog.objects.filter(object_type="performance_report").exists()

    reports.report_build(report_id=report.pk)  # the worker
    download = client.get(reports_url(aco, f"{report.pk}/download/"))
    assert download.status_code == 200
    assert "Settlement" in sheet_names(xlsx_parts(body_of(download)))
    assert 'hx-trigger="every 2s"' not in client.get(reports_url(aco)).content.decode()


def test_a_redelivered_build_does_nothing(summary: PerformanceSummary, aco: ACO, admin: User) -> None:
    report = reports.report_request(aco=aco, fmt="csv", performance_year=2027, acting_user=admin)
    first = reports.report_build(report_id=report.pk)
    assert first is not None and first.status == "ready"
    again = reports.report_build(report_id=report.pk)
    assert again is not None and (again.file.name, again.finished_at) == (first.file.name, first.finished_at)
    assert reports.report_build(report_id=report.pk + 1000) is None


def test_a_failed_build_says_why(
    summary: PerformanceSummary,
    aco: ACO,
    admin: User,
    client_for: ClientFor,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broken(data: Any, *, built_at: str = "") -> bytes:
        raise KeyError("settlement")

    monkeypatch.setitem(reports.BUILDERS, "csv", broken)
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reports_url(aco), {"format": "csv", "performance_year": "2027"})
    report = PerformanceReport.objects.get()
    assert report.status == "failed" and report.message == "KeyError: 'settlement'" and not report.file
    page = client.get(reports_url(aco, f"{report.pk}/download/"))
    assert (
        page.status_code == 409 and "Failed" in page.content.decode() and "request a new one" in page.content.decode()
    )


def test_the_latest_successful_run_is_reported(aco: ACO, admin: User) -> None:
    older = performance_summary(aco)
    newer = performance_summary(aco, expenditure="10000000")
    failed = performance_summary(aco, pipeline_run(status=PipelineRun.Status.FAILED))
    assert newer.run_id > older.run_id and failed.run_id > newer.run_id
    report = reports.report_request(aco=aco, fmt="csv", performance_year=2027, acting_user=admin)
    assert report.summary == newer
    chosen = reports.report_request(aco=aco, fmt="csv", performance_year=2027, acting_user=admin, summary=older)
    assert chosen.summary == older and reports.report_years(aco=aco) == [2027]


def test_a_year_without_a_summary_cannot_be_reported(aco: ACO, admin: User, client_for: ClientFor) -> None:
    client = client_for(admin)
    page = client.get(reports_url(aco)).content.decode()
    assert "No performance has been computed" in page and 'id="report-form"' not in page
    response = client.post(reports_url(aco), {"format": "pdf", "performance_year": "2027"}, follow=True)
    assert "No performance has been computed for" in response.content.decode()
    assert client.post(api_url(aco), {"format": "pdf", "performance_year": 2027}).status_code == 400
    assert not PerformanceReport.objects.exists()


def test_an_analyst_may_request_and_download(
    summary: PerformanceSummary,
    aco: ACO,
    analyst: User,
    client_for: ClientFor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(analyst)  # read-only, but a report only reads
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reports_url(aco), {"format": "csv", "performance_year": "2027"}).status_code == 302
    report = PerformanceReport.objects.get()
    assert report.requested_by == analyst and report.status == "ready"
    download = client.get(reports_url(aco, f"{report.pk}/download/"))
    assert download.status_code == 200 and download["Content-Type"] == "text/csv"
    rows = csv_rows(body_of(download))
    assert ["3392995.20"] == [
        r["value"] for r in rows if r["item"] == "Estimated settlement" and r["table"] == "Figures"
    ]


def test_an_outsider_gets_404_everywhere(
    summary: PerformanceSummary, aco: ACO, admin: User, outsider: User, client_for: ClientFor
) -> None:
    report = reports.report_request(aco=aco, fmt="csv", performance_year=2027, acting_user=admin)
    client = client_for(outsider)
    assert client.get(reports_url(aco)).status_code == 404
    assert client.post(reports_url(aco), {"format": "csv", "performance_year": "2027"}).status_code == 404
    assert client.get(reports_url(aco, f"{report.pk}/download/")).status_code == 404
    assert client.get(api_url(aco)).status_code == 404
    assert client.post(api_url(aco), {"format": "csv"}).status_code == 404
    assert client.get(api_url(aco, f"{report.pk}/")).status_code == 404
    assert client.get(api_url(aco, f"{report.pk}/download/")).status_code == 404
    # Nor through their own ACO's address.
    other = outsider.memberships.get().aco
    assert client.get(reports_url(other, f"{report.pk}/download/")).status_code == 404
    assert client.get(api_url(other, f"{report.pk}/")).status_code == 404
    assert PerformanceReport.objects.count() == 1
    with pytest.raises(PermissionDenied, match="cannot see"):
        reports.report_request(aco=aco, fmt="csv", performance_year=2027, acting_user=outsider)


def test_a_cms_reviewer_downloads_and_requests_any_acos_report(
    summary: PerformanceSummary,
    aco: ACO,
    admin: User,
    cms_reviewer: User,
    client_for: ClientFor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_request(aco=aco, fmt="pdf", performance_year=2027, acting_user=admin)
    client = client_for(cms_reviewer)
    assert reports_url(aco, f"{report.pk}/download/") in client.get(reports_url(aco)).content.decode()
    download = client.get(reports_url(aco, f"{report.pk}/download/"))
    assert download.status_code == 200 and aco.aco_id in pdf_text(body_of(download))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reports_url(aco), {"format": "xlsx", "performance_year": "2027"}).status_code == 302
    assert PerformanceReport.objects.filter(requested_by=cms_reviewer, status="ready").count() == 1
    assert AccessLog.objects.filter(username=cms_reviewer.username, object_type="performance_report").count() == 1


def test_the_api_requests_lists_and_downloads(
    summary: PerformanceSummary,
    aco: ACO,
    other_aco: ACO,
    analyst: User,
    client_for: ClientFor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(analyst)
    assert client.post(api_url(aco), {"format": "docx"}).status_code == 400
    foreign = performance_summary(other_aco)
    bad_run = client.post(api_url(aco), {"format": "csv", "run": foreign.run_id})
    assert bad_run.status_code == 400 and "run" in bad_run.json()
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(api_url(aco), {"format": "csv", "performance_year": 2027, "run": summary.run_id})
    assert created.status_code == 202
    report_id = created.json()["id"]
    detail = client.get(api_url(aco, f"{report_id}/")).json()
    assert detail["status"] == "ready" and detail["run"] == summary.run_id and detail["aco_id"] == aco.aco_id
    assert detail["filename"] == f"LEAD_{aco.aco_id}_PY2027_performance_run{summary.run_id}.csv"
    assert detail["download_url"] == api_url(aco, f"{report_id}/download/")
    assert detail["size"] > 0 and detail["requested_by"] == analyst.username
    listed = client.get(api_url(aco) + "?py=2027").json()
    assert [r["id"] for r in listed["results"]] == [report_id]
    assert client.get(api_url(aco) + "?py=2028").json()["results"] == []
    download = client.get(detail["download_url"])
    assert download.status_code == 200
    assert "Estimated settlement" in body_of(download).decode()
    assert AccessLog.objects.filter(object_type="performance_report", detail__endswith="(API)").count() == 1


def test_the_build_task_runs_on_the_default_queue() -> None:
    from apps.performance.tasks import report_build_task
    from lead_portal.celery import app

    route = app.amqp.router.route({}, report_build_task.name, args=(1,), kwargs={})
    assert route["queue"].name == "default"
    assert report_build_task.acks_late and report_build_task.time_limit
