"""The aligned beneficiary pages: list (search, filters, sort, pages), detail with the explanation
in words, churn with reasons, counts by TIN, minimums, ALR exports, and the CMS runs page.

Rows are written straight into the results tables (the engine has its own tests), so every number
below is the count of rows this file creates."""

from __future__ import annotations

import datetime as dt
import html
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO, ModelParameters
from apps.alignment import selectors
from apps.alignment.models import AlignmentExport, AlignmentRun
from apps.claims.models import Beneficiary
from tests.factories import ElectionFactory, ParticipantFactory, aligned, alignment_run

pytestmark = pytest.mark.django_db

M = [f"1EG4TE5MK{n:02d}" for n in range(10, 40)]

EXPLANATION: dict[str, Any] = {
    "step": "1",
    "claims_step": "1",
    "competitors": [
        # The ACO: 2 × $120.00 (AY2) + 1 × $60.00 (AY1) = $300.00; TIN X: 1 × $250.00 (AY1).
        {"key": "L0101", "kind": "aco", "weighted_cents": 30000, "last_service": "2026-03-02"},
        {"key": "900000009", "kind": "tin", "weighted_cents": 25000, "last_service": "2025-01-15"},
    ],
    "service_count": 3,
    "first_service": "2024-11-05",
    "last_service": "2026-03-02",
    "voluntary": None,
}


@pytest.fixture
def run(aco: ACO) -> AlignmentRun:
    return alignment_run()


def url(aco: ACO, name: str = "", **extra: Any) -> str:
    base = f"/acos/{aco.aco_id}/beneficiaries/{name}"
    query = "&".join(f"{k}={v}" for k, v in extra.items())
    return f"{base}?{query}" if query else base


def test_list_shows_the_run_with_search_filters_and_sort(
    aco: ACO, other_aco: ACO, admin: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    aligned(run, aco, M[0], first_name="Ada", last_name="Lovelace")
    aligned(run, aco, M[1], first_name="Grace", last_name="Hopper", cohort="esrd", high_needs=True)
    aligned(run, aco, M[2], first_name="Alan", last_name="Turing", alignment_type="voluntary", step="voluntary")
    aligned(run, aco, M[3], first_name="Adam", last_name="Lovell", tin="111000002")
    aligned(run, other_aco, M[4], first_name="Ada", last_name="Byron")  # another ACO's: never shown
    client = client_for(admin)

    page = client.get(url(aco)).content.decode()
    assert "4 aligned beneficiaries" in page
    assert M[4] not in page and "Byron" not in page

    # Name search: every word starts the first or last name ("lov ad" finds Ada Lovelace and Adam Lovell).
    found = client.get(url(aco, q="lov+ad")).content.decode()
    assert M[0] in found and M[3] in found and M[1] not in found
    # An MBI prefix.
    assert M[2] in client.get(url(aco, q=M[2][:9])).content.decode()
    # Filters.
    assert "1 aligned beneficiary " in client.get(url(aco, cohort="esrd")).content.decode()
    voluntary = client.get(url(aco, type="voluntary")).content.decode()
    assert M[2] in voluntary and M[0] not in voluntary
    assert M[3] in client.get(url(aco, tin="111000002")).content.decode()
    assert "No aligned beneficiary matches" in client.get(url(aco, q="zzz")).content.decode()
    # Sort by name, Z to A: Turing, Lovell, Lovelace, Hopper.
    names = list(selectors.aligned_list(aco=aco, run=run, sort="-name").values_list("last_name", flat=True))
    assert names == ["Turing", "Lovell", "Lovelace", "Hopper"]

    log = AccessLog.objects.filter(object_type="aligned_beneficiaries", aco_code=aco.aco_id)
    assert log.count() == 7
    assert set(log.values_list("username", flat=True)) == {admin.username}


def test_list_pages_server_side(aco: ACO, admin: User, run: AlignmentRun, client_for: Callable[[User], Client]) -> None:
    for n in range(120):
        aligned(run, aco, f"1EG4TE5MK{n:02d}" if n < 100 else f"2EG4TE5MK{n - 100:02d}")
    client = client_for(admin)
    first = client.get(url(aco)).content.decode()
    assert "Page 1 of 3 (120 in all)" in first and "1EG4TE5MK49" in first and "1EG4TE5MK50" not in first
    third = client.get(url(aco, page=3)).content.decode()
    assert "2EG4TE5MK19" in third and "1EG4TE5MK99" not in third


def test_an_htmx_search_returns_only_the_results(
    aco: ACO, admin: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    aligned(run, aco, M[0])
    response = client_for(admin).get(url(aco, q="ada"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-results")
    body = response.content.decode()
    assert M[0] in body and "<h1>" not in body


def test_empty_state_before_any_run(aco: ACO, admin: User, client_for: Callable[[User], Client]) -> None:
    body = client_for(admin).get(url(aco)).content.decode()
    assert "No alignment for PY" in body


def test_detail_explains_in_words_and_logs(
    aco: ACO, admin: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor Family Medicine")
    competitors: list[dict[str, Any]] = [dict(c) for c in EXPLANATION["competitors"]]
    competitors[0]["key"] = aco.aco_id
    explanation: dict[str, Any] = dict(EXPLANATION, competitors=competitors)
    aligned(run, aco, M[0], npi="1234567893", explanation=explanation, effective_from=dt.date(2027, 1, 1))
    body = client_for(admin).get(url(aco, f"{M[0]}/")).content.decode()
    assert "3 qualifying primary care services" in body
    assert "Nov 5, 2024" in body and "Mar 2, 2026" in body
    assert "$300.00" in body and "The next closest is TIN 900000009 (in no ACO) at $250.00" in body
    assert "TIN 111000001 and NPI 1234567893 billed the most" in body
    assert 'id="competitors-figure"' in body  # the chart's data
    assert AccessLog.objects.filter(object_type="aligned_beneficiary", object_id=M[0]).count() == 1


def test_detail_names_no_other_aco_that_competed_or_filed_the_record(
    aco: ACO, other_aco: ACO, admin: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    """The beneficiary's claims are ours to see (who billed, how much); which other ACO competed for
    them, or filed their voluntary record, is not."""
    competitors: list[dict[str, Any]] = [
        {"key": aco.aco_id, "kind": "aco", "weighted_cents": 30000, "last_service": "2026-03-02"},
        {"key": other_aco.aco_id, "kind": "aco", "weighted_cents": 25000, "last_service": "2025-01-15"},
    ]
    voluntary = {"aco_id": aco.aco_id, "record_aco_id": other_aco.aco_id, "tin": "111000001", "npi": "1234567893",
                 "signed_date": "2026-05-04"}  # fmt: skip
    explanation: dict[str, Any] = dict(EXPLANATION, competitors=competitors, voluntary=voluntary)
    aligned(run, aco, M[0], alignment_type="voluntary", step="voluntary", explanation=explanation)
    body = html.unescape(client_for(admin).get(url(aco, f"{M[0]}/")).content.decode())
    assert "The next closest is another ACO at $250.00" in body
    assert "The record names another ACO; the designated TIN belongs to ACO" in body
    assert other_aco.aco_id not in body and other_aco.legal_name not in body


def test_detail_of_a_voluntary_alignment(
    aco: ACO, admin: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    explanation: dict[str, Any] = {
        "step": "voluntary",
        "claims_step": None,
        "competitors": [],
        "service_count": 0,
        "first_service": None,
        "last_service": None,
        "voluntary": {
            "aco_id": aco.aco_id,
            "record_aco_id": aco.aco_id,
            "tin": "111000001",
            "npi": "1234567893",
            "signed_date": "2026-05-04",
        },
    }
    aligned(run, aco, M[0], alignment_type="voluntary", step="voluntary", explanation=explanation)
    body = client_for(admin).get(url(aco, f"{M[0]}/")).content.decode()
    assert "Aligned voluntarily: on May 4, 2026 the beneficiary designated NPI 1234567893 under TIN 111000001" in body
    assert "no qualifying services" in body


def test_detail_of_someone_not_aligned_to_the_aco_is_404(
    aco: ACO, other_aco: ACO, admin: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    aligned(run, other_aco, M[0])
    assert client_for(admin).get(url(aco, f"{M[0]}/")).status_code == 404


def test_churn_lists_joined_left_and_why(aco: ACO, other_aco: ACO, admin: User, client_for: Any) -> None:
    before = alignment_run(finished_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    now = alignment_run(finished_at=dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    # M0 stays the same way; M1 stays but moves from claims to voluntary; M2 leaves for the other ACO;
    # M3 leaves with no alignment anywhere (no beneficiary record); M4 joins by claims, M5 voluntarily.
    for r in (before, now):
        aligned(r, aco, M[0])
    aligned(before, aco, M[1])
    aligned(now, aco, M[1], alignment_type="voluntary", step="voluntary")
    aligned(before, aco, M[2])
    aligned(now, other_aco, M[2], alignment_type="voluntary", step="voluntary")
    aligned(before, aco, M[3])
    aligned(now, aco, M[4], step="2")
    aligned(now, aco, M[5], alignment_type="voluntary", step="voluntary")

    churn = selectors.churn(aco=aco, run=now, base=selectors.previous_run(run=now))
    assert churn.base == before
    assert (churn.joined_count, churn.left_count, churn.stayed) == (2, 2, 2)
    reasons = {r.mbi: r.reason for r in churn.joined + churn.left}
    assert reasons[M[2]] == "Now aligned voluntarily to another ACO."  # which one is that ACO's to know
    assert reasons[M[3]] == "No current beneficiary record (CCLF8) in the data."
    assert reasons[M[4]] == "The ACO now has the plurality of qualifying services (step 2)."
    assert reasons[M[5]] == "Designated a clinician of the ACO (voluntary alignment)."
    assert [r.mbi for r in churn.stayed_changed] == [M[1]]

    body = client_for(admin).get(url(aco, "churn/")).content.decode()
    assert "Joined (2)" in body and "Left (2)" in body and "Now aligned voluntarily to another ACO" in body
    assert other_aco.aco_id not in body and other_aco.legal_name not in body


def test_left_reasons_from_the_beneficiary_record() -> None:
    py = 2027
    dead = Beneficiary(mbi=M[0], death_date=dt.date(2026, 12, 31), state="MD")
    abroad = Beneficiary(mbi=M[1], state="ZZ", part_a_start=dt.date(2010, 1, 1), part_b_start=dt.date(2010, 1, 1))
    late_b = Beneficiary(mbi=M[2], state="MD", part_a_start=dt.date(2010, 1, 1), part_b_start=dt.date(2027, 1, 2))
    fine = Beneficiary(mbi=M[3], state="MD", part_a_start=dt.date(2010, 1, 1), part_b_start=dt.date(2010, 1, 1))
    assert selectors._left_reason(M[0], None, dead, py) == "Died Dec 31, 2026, before the performance year."
    assert "outside the 50 states" in selectors._left_reason(M[1], None, abroad, py)
    assert "entitlement" in selectors._left_reason(M[2], None, late_b, py)
    assert "plurality" in selectors._left_reason(M[3], None, fine, py)


def test_by_tin_counts_every_participant_tin(
    aco: ACO, admin: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor", ccns=["341234"])
    ParticipantFactory.create(aco=aco, tin="111000009", legal_name="Quiet Clinic")
    aligned(run, aco, M[0])
    aligned(run, aco, M[1], cohort="esrd")
    aligned(run, aco, M[2], alignment_type="voluntary", step="voluntary", cohort="high_needs", high_needs=True)
    aligned(run, aco, M[3], tin="341234", unit_kind="ccn")
    rows = {r.unit: r for r in selectors.by_unit(aco=aco, run=run)}
    assert (rows["111000001"].total, rows["111000001"].claims, rows["111000001"].voluntary) == (3, 2, 1)
    assert (rows["111000001"].esrd, rows["111000001"].high_needs, rows["111000001"].aged_disabled) == (1, 1, 1)
    assert rows["341234"].kind == "ccn" and rows["341234"].total == 1
    assert rows["111000009"].total == 0  # listed, nobody aligned through it: still shown
    assert "Quiet Clinic" in client_for(admin).get(url(aco, "by-tin/")).content.decode()


@pytest.mark.parametrize(
    ("newly_entering", "high_needs", "total", "category", "total_met", "claims_met"),
    [
        # Standard: 5,000 total / 3,000 claims. 6 aligned (4 claims) is far below both.
        (False, 0, 6, "standard", False, False),
        # High Needs ACO: 3 of 6 High Needs = 50% > 40%: 800 / 500, still below.
        (False, 3, 6, "high_needs", False, False),
        # Exactly 40% is not "more than 40%": 2 of 5 stays standard.
        (False, 2, 5, "standard", False, False),
        # Newly entering: 1,000 / 600, whatever the High Needs share.
        (True, 3, 6, "newly_entering", False, False),
    ],
)
def test_minimums_category_and_status(
    aco: ACO,
    run: AlignmentRun,
    newly_entering: bool,
    high_needs: int,
    total: int,
    category: str,
    total_met: bool,
    claims_met: bool,
) -> None:
    ElectionFactory.create(aco=aco, performance_year=2027, newly_entering=newly_entering)
    for n in range(total):
        voluntary = n >= total - 2
        aligned(
            run,
            aco,
            M[n],
            high_needs=n < high_needs,
            alignment_type="voluntary" if voluntary else "claims",
            step="voluntary" if voluntary else "1",
        )
    status = selectors.minimums_status(aco=aco, performance_year=2027)
    assert status.category == category
    assert (status.total, status.claims) == (total, total - 2)
    assert (status.total_met, status.claims_met) == (total_met, claims_met)


def test_providers_new_to_acos_take_the_newly_entering_minimums(aco: ACO, run: AlignmentRun) -> None:
    """Not newly entering, 3 of 6 High Needs (would be a High Needs ACO at 800 / 500), but one
    Participant TIN of the PY is new to ACOs: the newly entering minimums (1,000 / 600) apply. A flag
    on another year's TIN does not count."""
    ElectionFactory.create(aco=aco, performance_year=2027, newly_entering=False)
    for n in range(6):
        aligned(run, aco, M[n], high_needs=n < 3)
    ParticipantFactory.create(aco=aco, performance_year=2028, new_to_aco=True)
    assert selectors.minimums_status(aco=aco, performance_year=2027).category == "high_needs"
    ParticipantFactory.create(aco=aco, performance_year=2027, new_to_aco=True)
    status = selectors.minimums_status(aco=aco, performance_year=2027)
    assert status.category == "newly_entering"
    assert status.category_label == "Newly entering ACO or providers new to ACOs"
    assert (status.total_minimum, status.claims_minimum) == (1000, 600)


def test_minimums_follow_the_parameters(aco: ACO, run: AlignmentRun) -> None:
    """Lower the standard minimums to 3 total / 2 claims: 3 aligned with 2 by claims meets both."""
    ModelParameters.objects.filter(performance_year=2027).update(minimum_standard_total=3, minimum_standard_claims=2)
    aligned(run, aco, M[0])
    aligned(run, aco, M[1])
    aligned(run, aco, M[2], alignment_type="voluntary", step="voluntary")
    status = selectors.minimums_status(aco=aco, performance_year=2027)
    assert status.met and status.total_short == 0
    ModelParameters.objects.filter(performance_year=2027).update(minimum_standard_claims=5)
    status = selectors.minimums_status(aco=aco, performance_year=2027)
    assert not status.met and status.claims_short == 3


def test_home_page_warns_below_minimums(
    aco: ACO, admin: User, run: AlignmentRun, client_for: Callable[[User], Client]
) -> None:
    aligned(run, aco, M[0])
    body = client_for(admin).get(f"/acos/{aco.aco_id}/?py=2027").content.decode()
    assert "Below the alignment minimums" in body and "4,999 short" in body


def test_exports_are_built_in_the_background_and_logged(
    aco: ACO,
    analyst: User,
    run: AlignmentRun,
    client_for: Callable[[User], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    aligned(
        run, aco, M[1], first_name="Grace", last_name="Hopper", high_needs=True, high_needs_criteria=["frailty_dme"]
    )
    aligned(run, aco, M[0], birth_date=dt.date(1940, 2, 3), effective_from=dt.date(2027, 1, 1))
    client = client_for(analyst)  # a read-only analyst may export what they can see
    for fmt in ("csv", "xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url(aco, "exports/"), {"format": fmt, "run": run.pk})
        assert response.status_code == 302
    csv_export, xlsx_export = AlignmentExport.objects.order_by("id")
    assert csv_export.status == "ready" and csv_export.row_count == 2
    lines = csv_export.file.open("rb").read().decode().splitlines()
    # The header is the first line (issue 17: a "# LEAD ACO …" line above it broke Excel and pandas).
    assert lines[0].startswith("MBI,Last name,First name,Birth date")
    assert len(lines) == 3
    # Sorted by MBI: M[0] (Lovelace) first; High Needs criteria joined with ";".
    assert lines[1].startswith(f"{M[0]},Lovelace,Ada,1940-02-03,,claims,1,111000001,tin,,2027-01-01,no,")
    assert lines[2].endswith("yes,frailty_dme")

    with zipfile.ZipFile(io.BytesIO(xlsx_export.file.open("rb").read())) as book:
        xml = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    assert M[0] in xml and M[1] in xml and "Hopper" in xml

    download = client.get(url(aco, f"exports/{csv_export.pk}/download/"))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith(f'attachment; filename="alr-{aco.aco_id}-py2027-run{run.pk}.csv"')
    assert AccessLog.objects.filter(action="export", object_type="aligned_beneficiaries").count() == 1


def test_an_export_without_a_run_says_so(aco: ACO, admin: User, client_for: Callable[[User], Client]) -> None:
    response = client_for(admin).post(url(aco, "exports/"), {"format": "csv"}, follow=True)
    assert "no alignment to export" in response.content.decode()
    assert not AlignmentExport.objects.exists()


def test_cms_admin_starts_a_run_and_a_reviewer_cannot(
    cms_admin: User, cms_reviewer: User, client_for: Callable[[User], Client], settings: Any
) -> None:
    admin_client = client_for(cms_admin)
    response = admin_client.post("/alignment/runs/", {"performance_year": "2027", "as_of": "2026-07-01"})
    assert response.status_code == 400 and "must fall in 2027" in response.content.decode()
    response = admin_client.post("/alignment/runs/", {"performance_year": "2027", "as_of": "07/01/2027"})
    assert response.status_code == 400 and "YYYY-MM-DD" in response.content.decode()
    response = admin_client.post("/alignment/runs/", {"performance_year": "2027", "as_of": "2027-07-01"})
    assert response.status_code == 302
    run = AlignmentRun.objects.get()
    assert run.as_of == dt.date(2027, 7, 1) and run.created_by == cms_admin
    assert "mid-year as of Jul 1, 2027" in admin_client.get(f"/alignment/runs/{run.pk}/").content.decode()

    reviewer = client_for(cms_reviewer)
    assert reviewer.get("/alignment/runs/").status_code == 200
    assert reviewer.post("/alignment/runs/", {"performance_year": "2027"}).status_code == 403
    assert AlignmentRun.objects.count() == 1
