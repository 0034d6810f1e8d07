"""Every CSV the portal serves is one table that starts with its header row (issue 17: the ALR export began
with a ``# …`` line, which Excel shows as a first row and pandas reads as the header).

Each page, export and report of an ACO (the leak scanner's world and list of URLs, so a new export joins
by itself), read as an ACO administrator: an answer that is a CSV must have a header row first, no comment
line, no blank line, and every row as many cells as the header. The CMS-only CSV files are read here too.
The data vintage lives in the file's name (and on the page that links to it), never above the header.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from lead_portal.exports import csv_writer
from tests.conftest import login_verified
from tests.leaks.scan import body_of
from tests.leaks.test_leak_scanner import _targets, leak_world  # noqa: F401 (a fixture)
from tests.leaks.world import LeakWorld

pytestmark = pytest.mark.django_db


def is_csv(response: Any) -> bool:
    disposition = response.get("Content-Disposition", "")
    return "text/csv" in response.get("Content-Type", "") or '.csv"' in disposition


def table_problems(content: bytes) -> list[str]:
    """What keeps ``content`` from being one table with its header first (empty when nothing)."""
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return ["no header row"]
    header = rows[0]
    problems = []
    if not header or any(not cell.strip() for cell in header) or header[0].startswith("#"):
        problems.append(f"the first row is not a header: {header[:3]}")
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            problems.append(f"line {number} is blank")
        elif row[0].startswith("#"):
            problems.append(f"line {number} is a comment: {row[0][:60]!r}")
        elif len(row) != len(header):
            problems.append(f"line {number} has {len(row)} cells, the header {len(header)}: {row[:3]}")
    return problems


def test_the_check_finds_a_comment_line_above_the_header() -> None:
    assert table_problems(b"# LEAD ACO L0001; PY2027\nmbi,aco_id\n1A,L0001\n") == [
        "the first row is not a header: ['# LEAD ACO L0001; PY2027']",
        "line 2 has 2 cells, the header 1: ['mbi', 'aco_id']",
        "line 3 has 2 cells, the header 1: ['1A', 'L0001']",
    ]
    assert table_problems(b"tin,name\n1,A\n\n# Schedule\nmonth\n") == [
        "line 3 is blank",
        "line 4 is a comment: '# Schedule'",
        "line 5 has 1 cells, the header 2: ['month']",
    ]
    assert table_problems(b"\xef\xbb\xbftin,name\n1,A\n") == []


def test_the_one_writer_refuses_a_note_above_the_header() -> None:
    writer = csv_writer(io.StringIO())
    with pytest.raises(ValueError, match="starts with its header row"):
        writer.writerow(["# LEAD ACO L0001 aligned beneficiaries; PY2027"])
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["name", "tin"])
    writer.writerow(["#1 Family Clinic", "111000001"])  # a value may start with "#": only the header may not
    assert buffer.getvalue().splitlines() == ["name,tin", "#1 Family Clinic,111000001"]


def _read(client: Client, url: str) -> tuple[int, bytes, Any]:
    response = client.get(url)
    return response.status_code, body_of(response), response


def test_every_csv_of_an_aco_starts_with_its_header(leak_world: LeakWorld) -> None:  # noqa: F811
    client = Client(raise_request_exception=False)  # a page that fails is another test's to find
    client.force_login(leak_world.a.admin)
    read: list[str] = []
    problems: list[str] = []
    aco_id = leak_world.a.aco.aco_id
    asked = [f"/acos/{aco_id}/medicaid/timeline/?format=csv"]  # a page's CSV behind ?format=
    for url in [*(url for _name, url in _targets(leak_world.a.aco)), *asked]:
        status, content, response = _read(client, url)
        if status != 200 or not is_csv(response):
            continue
        read.append(url)
        problems += [f"{url}: {p}" for p in table_problems(content)]
    # The exports of every area are among them: lists, alignment (ALR), voluntary, quality, rural, duals,
    # BE/BEI, money charts, high-cost beneficiaries and the performance report.
    assert len(read) >= 15, read
    assert asked[0] in read
    assert problems == []


def test_the_cms_csv_files_start_with_their_header(leak_world: LeakWorld) -> None:  # noqa: F811
    from apps.accounts.models import User

    client = login_verified(Client(raise_request_exception=False), User.objects.get(username="cms.leaks"))
    urls = ["/performance/acos/?py=2027&format=csv", "/medicaid/timeline/?format=csv"]
    for url in urls:
        status, content, response = _read(client, url)
        assert status == 200 and is_csv(response), (url, status)
        assert table_problems(content) == [], url
