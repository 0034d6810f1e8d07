"""The main list flows in the browser: a CSV upload refused for one bad row and then applied, and
a change after the deadline that a CMS reviewer approves."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import FilePayload, Page, expect

from apps.acos.models import ParticipantTIN
from tests.e2e.browser import check_a11y, follow, sign_in, submit, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HEADER = "aco_id,performance_year,tin,legal_name,ccns,practice_zip,facility_type,new_to_aco"


def csv_file(name: str, *rows: str) -> FilePayload:
    return {"name": name, "mimeType": "text/csv", "buffer": ("\n".join([HEADER, *rows]) + "\n").encode()}


def tins(aco_id: str, performance_year: int) -> set[str]:
    return set(
        ParticipantTIN.objects.filter(aco__aco_id=aco_id, performance_year=performance_year).values_list(
            "tin", flat=True
        )
    )


def test_upload_with_one_bad_row_changes_nothing_then_a_good_file_applies(page: Page) -> None:
    before = tins("L0001", 2028)
    assert len(before) == 5
    sign_in(page, "cvhp.admin")
    visit(page, "/acos/L0001/participants/?py=2028")
    follow(page, page.get_by_role("link", name="Upload a CSV"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload Participant TINs for PY2028")

    # Line 3 (the header is line 1) has an 8-digit TIN; line 4 a TIN on L0002's PY2028 list: the first
    # report names both (issue 17: the other ACO's TIN showed only after a second upload).
    other_aco_tin = min(tins("L0002", 2028))
    page.get_by_label("CSV file").set_input_files(
        csv_file(
            "participants-bad.csv",
            "L0001,2028,111000006,Annapolis Family Doctors,,21401,,true",
            "L0001,2028,11100007,Frederick Pediatrics,,21701,,false",
            f"L0001,2028,{other_aco_tin},Somebody Else's Clinic,,21701,,false",
        )
    )
    submit(page, page.get_by_role("button", name="Upload"), status=400)
    expect(page.get_by_role("alert")).to_contain_text("Nothing was changed: 2 problems in participants-bad.csv")
    errors = page.locator("#row-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.first.locator("th")).to_have_text("3")
    expect(errors.first.locator("td").nth(0)).to_have_text("tin")
    expect(errors.first.locator("td").nth(1)).to_have_text("11100007")
    expect(errors.first.locator("td").nth(2)).to_have_text("a TIN is exactly 9 digits")
    expect(errors.nth(1).locator("th")).to_have_text("4")
    expect(errors.nth(1).locator("td").nth(2)).to_have_text(
        "is already a Participant TIN of another LEAD ACO for PY2028"
    )
    # All or nothing: the good row on line 2 was not added either.
    assert tins("L0001", 2028) == before
    visit(page, "/acos/L0001/participants/?py=2028")
    expect(page.get_by_role("table")).to_contain_text("5 Participant TINs")
    expect(page.get_by_role("table")).not_to_contain_text("111000006")

    follow(page, page.get_by_role("link", name="Upload a CSV"))
    page.get_by_label("CSV file").set_input_files(
        csv_file(
            "participants-good.csv",
            "L0001,2028,111000006,Annapolis Family Doctors,,21401,,true",
            "L0001,2028,111000007,Frederick Pediatrics,,21701,,false",
        )
    )
    submit(page, page.get_by_role("button", name="Upload"))
    assert "/acos/L0001/participants/" in page.url
    expect(page.get_by_role("status")).to_contain_text("List updated: 2 added, 0 updated, 0 removed.")
    expect(page.get_by_role("table")).to_contain_text("7 Participant TINs")
    expect(page.get_by_role("table")).to_contain_text("Annapolis Family Doctors")
    assert tins("L0001", 2028) == before | {"111000006", "111000007"}
    # PY2027 is a different list and did not change.
    assert "111000006" not in tins("L0001", 2027)


def test_search_filters_the_list_in_place(page: Page) -> None:
    sign_in(page, "cvhp.analyst")
    visit(page, "/acos/L0001/participants/?py=2027")
    page.get_by_label("Search by TIN or name").fill("Millersburg")
    # htmx swaps the results in place and pushes the search into the address bar.
    expect(page.get_by_role("table")).to_contain_text("1 Participant TINs matching “Millersburg”")
    expect(page.get_by_role("table")).not_to_contain_text("Akron Family Medicine")
    expect(page).to_have_url(re.compile(r"/acos/L0001/participants/\?py=2027&q=Millersburg$"))
    check_a11y(page)


def test_change_after_the_deadline_is_approved_by_the_cms_reviewer(open_page: Callable[[], Page]) -> None:
    aco_admin = open_page()
    sign_in(aco_admin, "cvhp.admin")
    visit(aco_admin, "/acos/L0001/participants/?py=2027")
    expect(aco_admin.get_by_text("The PY2027 list deadline has passed")).to_be_visible()
    follow(aco_admin, aco_admin.get_by_role("link", name="Add a Participant TIN"))
    aco_admin.get_by_label("TIN", exact=True).fill("111000099")
    aco_admin.get_by_label("Legal name").fill("Hagerstown Community Clinic")
    aco_admin.get_by_label("Practice ZIP code").fill("21740")
    submit(aco_admin, aco_admin.get_by_role("button", name="Send to CMS"))
    expect(aco_admin.get_by_role("status")).to_contain_text("was sent to CMS for approval")
    # Not on the list until CMS approves.
    expect(aco_admin.get_by_role("table")).not_to_contain_text("111000099")
    assert "111000099" not in tins("L0001", 2027)
    follow(aco_admin, aco_admin.get_by_role("link", name="List change requests"))
    request_link = aco_admin.get_by_role("link", name="Add Participant TIN 111000099 Hagerstown Community Clinic")
    expect(aco_admin.get_by_role("table")).to_contain_text("Submitted")

    reviewer = open_page()
    sign_in(reviewer, "cms.reviewer", second_factor=True)
    visit(reviewer, "/reviews/")
    queue = reviewer.get_by_role("table")
    expect(queue).to_contain_text("1 request, oldest first")
    expect(queue).to_contain_text("L0001")
    follow(reviewer, queue.get_by_role("link", name="Add Participant TIN 111000099 Hagerstown Community Clinic"))
    expect(reviewer.locator("#request-state")).to_have_text("Submitted")
    # Labelled values, not the stored codes (issue 17: "ccns: []; new_to_aco: False").
    changes = reviewer.locator("#request-changes")
    expect(changes).to_contain_text("Add Participant TIN 111000099, Hagerstown Community Clinic")
    expect(changes).to_contain_text("TIN: 111000099")
    expect(changes).to_contain_text("CCNs: none")
    expect(changes).to_contain_text("New to the ACO: no")
    expect(changes).not_to_contain_text("new_to_aco")
    # A decision needs a reason: without one the form comes back with the error.
    reviewer.get_by_label("Approve").check()
    submit(reviewer, reviewer.get_by_role("button", name="Record decision"), status=400)
    expect(reviewer.get_by_text("This field is required.")).to_be_visible()
    reviewer.get_by_label("Approve").check()
    reviewer.get_by_label("Reason").fill("TIN confirmed in PECOS; late addition accepted.")
    submit(reviewer, reviewer.get_by_role("button", name="Record decision"))
    assert reviewer.url.endswith("/reviews/")
    expect(reviewer.get_by_role("status")).to_contain_text("Change request approved; the ACO has been notified.")
    expect(reviewer.get_by_text("Nothing to review")).to_be_visible()

    visit(aco_admin, "/acos/L0001/change-requests/")
    rows = aco_admin.get_by_role("table")
    expect(rows).to_contain_text("Approved")
    expect(rows).to_contain_text("TIN confirmed in PECOS; late addition accepted.")
    follow(aco_admin, request_link)
    expect(aco_admin.locator("#request-state")).to_have_text("Approved")
    expect(aco_admin.get_by_text("Approved by Renee Adair")).to_contain_text(
        "TIN confirmed in PECOS; late addition accepted."
    )
    visit(aco_admin, "/acos/L0001/participants/?py=2027")
    expect(aco_admin.get_by_role("table")).to_contain_text("Hagerstown Community Clinic")
    assert "111000099" in tins("L0001", 2027)
