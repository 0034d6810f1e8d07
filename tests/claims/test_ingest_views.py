"""Claims load pages (/claims/ingest/) and API (/api/claims/ingest-runs/): CMS admins upload,
CMS reviewers watch, everybody else is told nothing exists (404).

Celery is eager in the tests: the load runs when the request's transaction commits, which
``django_capture_on_commit_callbacks(execute=True)`` stands in for.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.claims.models import IngestRun, PartBLine
from tests.claims.cclf_builders import file_name, mbi, part_b, row_counts, splice, write_package, xref, zip_folder

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]
Capture = Callable[..., Any]
N5, N9 = file_name("CCLF5"), file_name("CCLF9")


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def package_zip(tmp_path: Path, *, bad: bool = False) -> SimpleUploadedFile:
    lines = [part_b(1, "B1"), part_b(2, "B2")]
    if bad:
        lines[1] = splice(lines[1], "CCLF5", "CLM_LINE_FROM_DT", "2025-02-30")
    folder = tmp_path / ("bad" if bad else "good")
    write_package(folder, {"CCLF9": [xref(mbi(8), mbi(1))], "CCLF5": lines})
    data = zip_folder(folder, tmp_path / f"{folder.name}.zip").read_bytes()
    return SimpleUploadedFile("package.zip", data, content_type="application/zip")


def table(page: str, table_id: str) -> list[list[str]]:
    """The body rows of the table with this id, as cell texts."""
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S)
    if found is None:
        return []
    body = re.search(r"<tbody>(.*?)</tbody>", found.group(0), re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1) if body else "", re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def upload(client: Client, capture: Capture, file: SimpleUploadedFile) -> Any:
    with capture(execute=True):
        return client.post("/claims/ingest/", {"file": file})


# --- pages -------------------------------------------------------------------------------------


def test_cms_admin_uploads_a_package_and_sees_its_counts(
    client_for: ClientFor, cms_admin: User, tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    client = client_for(cms_admin)
    response = upload(client, django_capture_on_commit_callbacks, package_zip(tmp_path))
    run = IngestRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/claims/ingest/{run.pk}/"
    assert (run.status, run.source, run.created_by) == (IngestRun.Status.SUCCEEDED, "package.zip", cms_admin)
    assert PartBLine.objects.count() == 2

    page = client.get(f"/claims/ingest/{run.pk}/").content.decode()
    assert '<strong id="ingest-status">Loaded</strong>' in page
    # File, records in CCLF0, checked, loaded, notes (the progress bars are gone once it ends).
    assert sorted(table(page, "ingest-files")) == [[N5, "2", "2", "2", "—"], [N9, "1", "1", "1", "—"]]
    assert table(page, "ingest-packages") == [["P.L9001.ACO.ZC*Y27.D270115", "Monthly", "PY2027", "2027-01-15", "3"]]
    assert table(page, "ingest-errors") == []

    listing = client.get("/claims/ingest/").content.decode()
    assert f'href="/claims/ingest/{run.pk}/"' in listing and "package.zip" in listing
    # Package, kind, year, produced, files, records, load.
    assert table(listing, "packages") == [
        ["P.L9001.ACO.ZC*Y27.D270115", "PY2027 monthly", "2027-01-15", "2", "3", f"#{run.pk}"]
    ]


def run_out_zip(tmp_path: Path) -> SimpleUploadedFile:
    """A PY2027 run-out package (ZC<n>R27, April 2028) with a stripped record, a stray file."""
    folder = tmp_path / "runout"
    write_package(folder, {"CCLF5": [part_b(3, "B3").rstrip()]}, produced_at=APRIL, runout=True)
    (folder / "notes.txt").write_text("delivery notes\n")
    data = zip_folder(folder, tmp_path / "runout.zip").read_bytes()
    return SimpleUploadedFile("runout.zip", data, content_type="application/zip")


APRIL = datetime.datetime(2028, 4, 2, 4, 15, 30)
R5 = "P.L9001.ACO.ZC5R27.D280402.T0415300"


def test_a_run_out_package_is_named_as_such_on_the_pages_and_in_the_api(
    client_for: ClientFor, cms_admin: User, admin: User, tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    client = client_for(cms_admin)
    upload(client, django_capture_on_commit_callbacks, package_zip(tmp_path))
    upload(client, django_capture_on_commit_callbacks, run_out_zip(tmp_path))
    first, second = IngestRun.objects.order_by("pk")
    assert second.status == IngestRun.Status.SUCCEEDED, second.message
    page = client.get(f"/claims/ingest/{second.pk}/").content.decode()
    assert table(page, "ingest-packages") == [
        [
            "P.L9001.ACO.ZC*R27.D280402",
            "Run-out (claims of PY2027 paid after it closed)",
            "PY2027",
            "2028-04-02",
            "2",
        ]
    ]
    assert table(page, "ingest-files") == [
        [R5, "1", "1", "1", "1 record had trailing blanks stripped; padded back to the layout length"]
    ]
    assert table(page, "ingest-skipped") == [
        [
            "notes.txt",
            "not a CCLF file name (P.<ACO>.ACO.ZC<n>Y<yy>.D<yymmdd>.T<hhmmsst>, or ZC<n>R<yy> for a run-out file)",
        ]
    ]
    listing = client.get("/claims/ingest/").content.decode()
    assert [row[:2] for row in table(listing, "packages")] == [
        ["P.L9001.ACO.ZC*R27.D280402", "PY2027 run-out"],
        ["P.L9001.ACO.ZC*Y27.D270115", "PY2027 monthly"],
    ]
    packages = client.get("/api/claims/packages/").json()
    assert [(p["package"], p["runout"], p["kind"], p["files"], p["records"], p["run_id"]) for p in packages] == [
        ("P.L9001.ACO.ZC*R27.D280402", True, "Run-out", 1, 1, second.pk),
        ("P.L9001.ACO.ZC*Y27.D270115", False, "Monthly", 2, 3, first.pk),
    ]
    # Every page's footer says what claims data lies behind it, without any package's name.
    footer = (
        "Claims data: the latest CCLF package loaded is a PY2027 <strong>run-out</strong> package produced "
        "Apr 2, 2028; 2 packages loaded, run-out included for PY2027."
    )
    assert footer in listing
    aco_page = client_for(admin).get(f"/acos/{admin.memberships.get().aco.aco_id}/").content.decode()
    assert footer in aco_page and "ZC*R27" not in aco_page
    report = client.get(f"/api/claims/ingest-runs/{second.pk}/").json()["report"]
    assert [(p["package"], p["runout"], p["performance_year"]) for p in report["packages"]] == [
        ("P.L9001.ACO.ZC*R27.D280402", True, 2027)
    ]
    assert [s["name"] for s in report["skipped"]] == ["notes.txt"]
    assert report["notes"] == [
        {"file": R5, "note": "1 record had trailing blanks stripped; padded back to the layout length"}
    ]


def test_a_rejected_upload_shows_the_error_report_and_its_csv(
    client_for: ClientFor, cms_admin: User, tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    client = client_for(cms_admin)
    upload(client, django_capture_on_commit_callbacks, package_zip(tmp_path, bad=True))
    run = IngestRun.objects.get()
    assert run.status == IngestRun.Status.FAILED
    assert set(row_counts().values()) == {0}

    page = client.get(f"/claims/ingest/{run.pk}/").content.decode()
    assert "Rejected: nothing loaded" in page and "Problems found: 1</h2>" in page
    # The value as it stands in the record, quoted.
    assert table(page, "ingest-errors") == [[N5, "2", "CLM_LINE_FROM_DT", "'2025-02-30'", "is not a date (YYYY-MM-DD)"]]
    # Nothing was loaded: no file may claim loaded rows.
    assert sorted(table(page, "ingest-files")) == [[N5, "2", "2", "0", "—"], [N9, "1", "1", "0", "—"]]
    assert f'href="/claims/ingest/{run.pk}/errors.csv"' in page

    response = client.get(f"/claims/ingest/{run.pk}/errors.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="ingest_{run.pk}_errors.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["file", "line", "field", "value", "reason"],
        [N5, "2", "CLM_LINE_FROM_DT", "2025-02-30", "is not a date (YYYY-MM-DD)"],
    ]


def test_the_progress_fragment_is_served_to_htmx(
    client_for: ClientFor, cms_admin: User, tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    client = client_for(cms_admin)
    upload(client, django_capture_on_commit_callbacks, package_zip(tmp_path))
    run = IngestRun.objects.get()
    fragment = client.get(f"/claims/ingest/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="ingest-progress"')
    assert "<html" not in fragment
    # A finished run stops polling.
    assert "hx-trigger" not in fragment


def test_a_waiting_run_polls_for_progress(client_for: ClientFor, cms_admin: User) -> None:
    run = IngestRun.objects.create(source="later.zip", created_by=cms_admin)
    fragment = client_for(cms_admin).get(f"/claims/ingest/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "Waiting to start" in fragment


def test_only_zip_files_are_accepted(
    client_for: ClientFor, cms_admin: User, django_capture_on_commit_callbacks: Capture
) -> None:
    file = SimpleUploadedFile("P.L9001.ACO.ZC5Y27.D270115.T1200000", b"x", content_type="text/plain")
    response = upload(client_for(cms_admin), django_capture_on_commit_callbacks, file)
    assert response.status_code == 400
    assert "Upload the package as a .zip file." in response.content.decode()
    assert IngestRun.objects.count() == 0


def test_cms_reviewer_sees_the_runs_but_cannot_upload(
    client_for: ClientFor,
    cms_admin: User,
    cms_reviewer: User,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    upload(client_for(cms_admin), django_capture_on_commit_callbacks, package_zip(tmp_path, bad=True))
    run = IngestRun.objects.get()
    client = client_for(cms_reviewer)
    listing = client.get("/claims/ingest/")
    assert listing.status_code == 200
    assert f'href="/claims/ingest/{run.pk}/"' in listing.content.decode()
    assert 'enctype="multipart/form-data"' not in listing.content.decode()
    assert client.get(f"/claims/ingest/{run.pk}/").status_code == 200
    assert client.get(f"/claims/ingest/{run.pk}/errors.csv").status_code == 200
    response = upload(client, django_capture_on_commit_callbacks, package_zip(tmp_path / "again"))
    assert response.status_code == 403
    assert IngestRun.objects.count() == 1


@pytest.mark.parametrize("who", ["admin", "analyst", "outsider", "plain_user"])
def test_everybody_but_cms_staff_gets_404_on_every_claims_url(
    request: pytest.FixtureRequest,
    who: str,
    client_for: ClientFor,
    cms_admin: User,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    upload(client_for(cms_admin), django_capture_on_commit_callbacks, package_zip(tmp_path, bad=True))
    run = IngestRun.objects.get()
    client = client_for(request.getfixturevalue(who))
    for url in ("/claims/ingest/", f"/claims/ingest/{run.pk}/", f"/claims/ingest/{run.pk}/errors.csv"):
        assert client.get(url).status_code == 404, url
    for url in (
        "/api/claims/ingest-runs/",
        f"/api/claims/ingest-runs/{run.pk}/",
        f"/api/claims/ingest-runs/{run.pk}/errors/",
        "/api/claims/packages/",
    ):
        assert client.get(url).status_code == 404, url
    assert upload(client, django_capture_on_commit_callbacks, package_zip(tmp_path / "again")).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        api_post = client.post("/api/claims/ingest-runs/", {"file": package_zip(tmp_path / "third")})
    assert api_post.status_code == 404
    assert IngestRun.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client_for: ClientFor) -> None:
    response = client_for(None).get("/claims/ingest/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_for(None).get("/api/claims/ingest-runs/").status_code in (401, 403)


# --- API ---------------------------------------------------------------------------------------


def test_api_upload_then_poll_the_run(
    client_for: ClientFor, cms_admin: User, tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    client = client_for(cms_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/claims/ingest-runs/", {"file": package_zip(tmp_path)})
    # Answered before the worker ran: the request never waits on the load.
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["source"], body["created_by"]) == ("requested", "package.zip", "cms.admin")

    detail = client.get(f"/api/claims/ingest-runs/{body['id']}/").json()
    assert detail["status"] == "succeeded"
    assert detail["error_count"] == 0
    assert detail["progress"]["percent"] == 100
    assert detail["progress"]["files"] == {
        N5: {"expected": 2, "parsed": 2, "loaded": 2},
        N9: {"expected": 1, "parsed": 1, "loaded": 1},
    }
    listing = client.get("/api/claims/ingest-runs/").json()
    assert [r["id"] for r in listing["results"]] == [body["id"]]


def test_api_lists_the_errors_of_a_rejected_run(
    client_for: ClientFor,
    cms_admin: User,
    cms_reviewer: User,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run_id = (
            client_for(cms_admin)
            .post("/api/claims/ingest-runs/", {"file": package_zip(tmp_path, bad=True)})
            .json()["id"]
        )
    client = client_for(cms_reviewer)
    assert client.get(f"/api/claims/ingest-runs/{run_id}/").json()["status"] == "failed"
    errors = client.get(f"/api/claims/ingest-runs/{run_id}/errors/").json()
    assert errors["count"] == 1
    assert errors["results"] == [
        {
            "file_name": N5,
            "line": 2,
            "field": "CLM_LINE_FROM_DT",
            "value": "2025-02-30",
            "reason": "is not a date (YYYY-MM-DD)",
        }
    ]


def test_api_upload_is_for_cms_admins_only(
    client_for: ClientFor, cms_reviewer: User, tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cms_reviewer).post("/api/claims/ingest-runs/", {"file": package_zip(tmp_path)})
    assert response.status_code == 403
    assert IngestRun.objects.count() == 0


def test_api_rejects_a_file_that_is_not_a_zip(client_for: ClientFor, cms_admin: User) -> None:
    file = SimpleUploadedFile("claims.txt", b"x", content_type="text/plain")
    response = client_for(cms_admin).post("/api/claims/ingest-runs/", {"file": file})
    assert response.status_code == 400
    assert response.json() == {"file": ["Upload the package as a .zip file."]}
    assert IngestRun.objects.count() == 0


def test_api_refuses_cms_staff_who_skipped_the_second_factor(cms_admin: User) -> None:
    client = Client()
    client.force_login(cms_admin)  # signed in, TOTP not passed
    assert client.get("/api/claims/ingest-runs/").status_code == 403
    assert client.get("/claims/ingest/").status_code == 302


def test_the_report_shows_values_as_they_stand_and_the_real_count(
    client_for: ClientFor, cms_admin: User, tmp_path: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    # 1,050 lines, each with a right-justified unknown adjustment code and a blank control number.
    lines = [
        splice(splice(part_b(n, f"C{n}"), "CCLF5", "CLM_ADJSMT_TYPE_CD", " 7"), "CCLF5", "CLM_CNTL_NUM", "")
        for n in range(1, 1051)
    ]
    folder = tmp_path / "many"
    write_package(folder, {"CCLF5": lines})
    data = zip_folder(folder, tmp_path / "many.zip").read_bytes()
    client = client_for(cms_admin)
    upload(client, django_capture_on_commit_callbacks, SimpleUploadedFile("many.zip", data))
    run = IngestRun.objects.get()
    assert (run.error_count, run.errors.count()) == (2100, 1000)
    page = client.get(f"/claims/ingest/{run.pk}/").content.decode()
    assert "Problems found: 2,100 (the first 1,000 are listed)</h2>" in page
    assert "Rejected: 2,100 problems found (the first 1,000 are listed); nothing was loaded." in page
    rows = table(page, "ingest-errors")
    assert rows[:2] == [
        [N5, "1", "CLM_ADJSMT_TYPE_CD", "' 7'", "is not a known code (0, 1, 2)"],
        [N5, "1", "CLM_CNTL_NUM", "'" + " " * 40 + "' (40 blanks)", "is required"],
    ]
    listing = client.get("/claims/ingest/").content.decode()
    assert "2,100" in listing
    api = client.get(f"/api/claims/ingest-runs/{run.pk}/").json()
    assert api["error_count"] == 2100
    assert client.get(f"/api/claims/ingest-runs/{run.pk}/errors/").json()["count"] == 1000
