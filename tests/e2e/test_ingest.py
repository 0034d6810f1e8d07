"""Claims intake in the browser: a CMS admin uploads a CCLF package with a malformed record, reads
the error report, then uploads a good package and sees what was loaded."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import FilePayload, Page, expect

from apps.claims.models import CCLFFile, PartBLine
from tests.e2e.browser import follow, sign_in, submit, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def package_zip(folder: Path, *, with_errors: bool) -> FilePayload:
    """A small generated package, zipped (only the CCLF files: the bundle CSVs stay out)."""
    out = folder / ("bad" if with_errors else "good")
    call_command(
        "generate_cclf",
        out=str(out),
        beneficiaries=40,
        acos=1,
        seed=11,
        performance_year=2027,
        with_errors=with_errors,
        workers=1,
    )
    target = folder / f"{out.name}.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(out.iterdir()):
            if path.name.startswith("P."):
                archive.write(path, path.name)
    return {"name": f"package-{out.name}.zip", "mimeType": "application/zip", "buffer": target.read_bytes()}


def test_admin_uploads_a_bad_package_reads_the_report_then_loads_a_good_one(page: Page, tmp_path: Path) -> None:
    sign_in(page, "cms.admin", second_factor=True)
    visit(page, "/claims/ingest/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Claims data (CCLF)")
    expect(page.get_by_text("No claims have been loaded yet.")).to_be_visible()
    expect(page.get_by_text("No package has been loaded yet.")).to_be_visible()

    # --with-errors ends CCLF5 with a record one character too long and one with a 30 February.
    page.get_by_label("CCLF package (.zip)").set_input_files(package_zip(tmp_path, with_errors=True))
    submit(page, page.get_by_role("button", name="Upload and load"))
    expect(page.locator("#ingest-status")).to_have_text("Rejected: nothing loaded")
    errors = page.locator("#ingest-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("ZC5Y27")
    expect(errors.nth(0)).to_contain_text("a CCLF5 record is 388 characters long")
    expect(errors.nth(1)).to_contain_text("CLM_LINE_FROM_DT")
    expect(errors.nth(1)).to_contain_text("2027-02-30")
    expect(errors.nth(1)).to_contain_text("is not a date (YYYY-MM-DD)")
    assert (CCLFFile.objects.count(), PartBLine.objects.count()) == (0, 0)  # nothing half-written
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error report (CSV)").click()
    report = Path(download.value.path()).read_text().splitlines()
    assert report[0] == "file,line,field,value,reason"
    assert len(report) == 3

    visit(page, "/claims/ingest/")
    page.get_by_label("CCLF package (.zip)").set_input_files(package_zip(tmp_path, with_errors=False))
    submit(page, page.get_by_role("button", name="Upload and load"))
    expect(page.locator("#ingest-status")).to_have_text("Loaded")
    loaded = PartBLine.objects.count()
    assert loaded > 0
    cclf5 = page.locator("#ingest-files tbody tr", has_text="ZC5Y27")
    expect(cclf5).to_contain_text(f"{loaded:,}")
    follow(page, page.get_by_role("link", name="All loads"))
    expect(page.get_by_role("region", name="Loads").locator("tbody tr")).to_have_count(2)
    # The package that loaded, by kind; the rejected one left no package behind.
    packages = page.locator("#packages tbody tr")
    expect(packages).to_have_count(1)
    expect(packages.first).to_contain_text("PY2027 monthly")


def test_a_reviewer_sees_loads_but_cannot_upload(page: Page) -> None:
    sign_in(page, "cms.reviewer", second_factor=True)
    visit(page, "/claims/ingest/")
    expect(page.get_by_role("button", name="Upload and load")).to_have_count(0)
