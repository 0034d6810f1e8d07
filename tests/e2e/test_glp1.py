"""GLP-1 access in the browser, from the worklist to a packet (issue 21): an ACO administrator opens the outreach
worklist of the PY's latest GLP-1 run, filters it to the beneficiaries a clinician must confirm, opens one, records
the outreach (referred, assigned to the ACO's analyst, with a note) and downloads the prior-authorization packet,
whose every page says it is claims evidence, not a clinical attestation.

The GLP-1 run is written here, as the GLP-1 step leaves it (tests/balance/test_worklist.py does the same for the
unit tests): three of L0001's beneficiaries (two likely eligible, one to confirm for uncontrolled hypertension)
and one of L0002's, which L0001's pages never show."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from apps.acos.models import ACO
from apps.balance.models import Glp1Beneficiary, Glp1Run, Outreach, OutreachChange
from apps.balance.parameters import DEFAULT_PARAMETERS
from tests.e2e.browser import check_a11y, follow, sign_in, submit, visit
from tests.factories import alignment_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ANALYST = "Omar Haddad"  # cvhp.analyst, a user of L0001
TO_CONFIRM = "1EG4TE5MK52"


@pytest.fixture
def glp1(demo: list[Any]) -> Glp1Run:
    first, second = ACO.objects.get(aco_id="L0001"), ACO.objects.get(aco_id="L0002")
    run = Glp1Run.objects.create(
        performance_year=2027, alignment_run=alignment_run(2027), as_of=dt.date(2027, 7, 1),
        through=dt.date(2027, 6, 30), parameters=DEFAULT_PARAMETERS.as_json(), status=Glp1Run.Status.SUCCEEDED,
        finished_at=timezone.now(),
    )  # fmt: skip
    common: dict[str, Any] = {"run": run, "part_d_active": True, "part_d_last_fill": dt.date(2027, 5, 2)}
    Glp1Beneficiary.objects.create(
        **common, aco=first, mbi="1EG4TE5MK51", first_name="Ada", last_name="Lovelace", age=70, tin="111000001",
        npi="1234567893", status="likely", criterion="BMI 35 or more (Z68.36)", bmi_code="Z6836",
        bmi_date=dt.date(2027, 3, 3), bmi_claim_id=9001, bmi_source=5, bmi_class=35,
    )  # fmt: skip
    Glp1Beneficiary.objects.create(
        **common, aco=first, mbi=TO_CONFIRM, first_name="Grace", last_name="Hopper", age=66, tin="111000002",
        npi="1245319599", status="confirm",
        reasons=["BMI 30–34.9 (Z68.31); confirm that the hypertension is uncontrolled."],
        reason_keys=["confirm_hypertension"],
        bmi_code="Z6831", bmi_date=dt.date(2027, 2, 10), bmi_claim_id=9101, bmi_source=5, bmi_class=30,
        comorbidities=[{"condition": "hypertension", "label": "hypertension", "code": "I10", "date": "2027-02-01",
                        "claim_id": 9102, "source": 5}],
    )  # fmt: skip
    Glp1Beneficiary.objects.create(
        **common, aco=first, mbi="1EG4TE5MK53", first_name="Katherine", last_name="Johnson", age=74,
        tin="111000001", npi="1234567893", status="likely", criterion="BMI 30 or more with HFpEF",
        bmi_code="Z6832", bmi_date=dt.date(2027, 1, 20), bmi_claim_id=9201, bmi_source=4, bmi_class=30,
        comorbidities=[{"condition": "hfpef", "label": "HFpEF", "code": "I5030", "date": "2027-01-20",
                        "claim_id": 9202, "source": 4}],
    )  # fmt: skip
    Glp1Beneficiary.objects.create(
        **common, aco=second, mbi="1EG4TE5MK59", first_name="Other", last_name="Person", age=72, tin="999000009",
        npi="1999999992", status="likely", criterion="BMI 35 or more (Z68.41)", bmi_code="Z6841", bmi_class=40,
        bmi_date=dt.date(2027, 4, 4), bmi_claim_id=9901, bmi_source=5,
    )  # fmt: skip
    return run


def test_from_the_worklist_to_a_packet(page: Page, glp1: Glp1Run) -> None:
    sign_in(page, "cvhp.admin")
    visit(page, "/acos/L0001/glp1/worklist/?py=2027")
    expect(page.get_by_role("heading", level=1)).to_have_text("GLP-1 outreach worklist, PY2027")
    table = page.locator("#glp1-worklist")
    expect(table.locator("caption")).to_have_text("3 beneficiaries")
    expect(table).not_to_contain_text("1EG4TE5MK59")  # L0002's

    # Filter to those a clinician must confirm (htmx swaps the list in place; the address follows).
    page.get_by_label("Eligibility").select_option(label="Needs clinical confirmation")
    expect(table.locator("caption")).to_have_text("1 beneficiary matching the filters")
    expect(page).to_have_url(re.compile(r"status=confirm"))
    expect(table).to_contain_text("Hypertension: confirm it is uncontrolled")
    check_a11y(page)

    # Open the beneficiary.
    follow(page, table.locator("tbody th a").first)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hopper, Grace")
    expect(page.locator("#glp1-bmi")).to_contain_text("Z68.31")
    expect(page.locator("#glp1-comorbidities")).to_contain_text("I10")
    expect(page.locator("#glp1-outreach-now")).to_contain_text("Not contacted")

    # Record the outreach.
    page.get_by_label("Outreach status").select_option(label="Referred")
    page.get_by_label("Assigned to").select_option(label=ANALYST)
    page.get_by_label("Note").fill("Referred to Dr. Lee for a BP check.")
    page.wait_for_load_state("networkidle")  # SQLite takes one writer at a time: let the page's requests end
    submit(page, page.get_by_role("button", name="Save outreach"))
    expect(page.get_by_role("status").first).to_contain_text("Outreach saved")
    expect(page.locator("#glp1-outreach-now")).to_contain_text(f"Referred, assigned to {ANALYST}")
    expect(page.locator("#glp1-outreach-history")).to_contain_text("Dana Whitfield")
    saved = Outreach.objects.get(aco__aco_id="L0001", mbi=TO_CONFIRM)
    assert (saved.status, saved.assignee.username if saved.assignee else None) == ("referred", "cvhp.analyst")
    assert OutreachChange.objects.filter(outreach=saved).count() == 1

    # Download the packet.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the prior-authorization packet (PDF)").click()
    assert download.value.suggested_filename == f"glp1-prior-authorization-L0001-{TO_CONFIRM}-run{glp1.pk}.pdf"
    path = download.value.path()
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages]
    assert pages and all("Claims evidence, not a clinical attestation" in p for p in pages)
    text = re.sub(r"\s+", " ", " ".join(pages))  # a table cell wraps its text
    assert "I10 on 1 Feb 2027, claim 9102 (CCLF5)" in text and TO_CONFIRM in text
    assert "1EG4TE5MK59" not in text and "L0002" not in text

    # Back to the worklist: the filter is kept, and the outreach shows.
    follow(page, page.get_by_role("link", name="Back to the GLP-1 outreach worklist, PY2027"))
    expect(page).to_have_url(re.compile(r"status=confirm"))
    expect(page.locator("#glp1-worklist tbody tr").first).to_contain_text("Referred")
    expect(page.locator("#glp1-worklist tbody tr").first).to_contain_text(ANALYST)
