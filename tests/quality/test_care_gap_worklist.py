"""The care-gap worklist: each gap's status, assignee, due date and notes, kept across quality runs and
logged; gaps a later claim closes close themselves with that claim; bulk assignment inside the ACO.

Two worlds:

* the pipeline's own (tests/quality/test_pipeline.py ``loaded``): M1's ED visit 301 on 2027-06-10 (principal
  diagnosis E119, diabetes: follow-up window days 1–14, Jun 11–24) has only a denied office visit on Jun 15, so
  the quality run finds a follow-up gap. A later package brings an office visit (claim 4, HCPCS 99214) on
  Jun 20: inside the window, so the next run counts the follow-up as met and the gap is gone;
* rows written straight into a quality run (as tests/quality/test_result_pages.py does) and reconciled with
  ``care_gaps_reconcile``, for the pages, the API and the rules of the service.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO, Membership
from apps.quality import selectors, services
from apps.quality.models import CareGap, CareGapEvent, CareGapItem, QualityRun
from apps.quality.worklist import care_gaps_reconcile, icd10_display
from tests.claims.cclf_builders import ingest, part_b, write_package
from tests.factories import MembershipFactory, alignment_run
from tests.quality.test_pipeline import M1, PY, TIN_1, loaded  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

D = dt.date
G1, G2, G3 = "1EG4TE5MK21", "1EG4TE5MK22", "1EG4TE5MK23"
LATER = dt.datetime(2027, 8, 2, 9, 0, tzinfo=dt.UTC)


# --------------------------------------------------------------------------------------------------
# Through the pipeline: the gap closes itself with the later claim; open work survives runs
# --------------------------------------------------------------------------------------------------
def run_pipeline(**options: Any) -> QualityRun:
    call_command("run_pipeline", performance_year=PY, stdout=io.StringIO(), **options)
    return QualityRun.objects.order_by("-id")[0]


@pytest.fixture
def care_manager(loaded: tuple[ACO, ACO]) -> User:  # noqa: F811
    """Casey Moore, an administrator of the pipeline world's first ACO (L0001)."""
    first_aco, _ = loaded
    return MembershipFactory.create(
        aco=first_aco,
        role=Membership.Role.ADMIN,
        user__username="cm.one",
        user__first_name="Casey",
        user__last_name="Moore",
    ).user


def test_a_later_claim_closes_the_gap_with_that_claim(care_manager: User, tmp_path: Path, settings: Any) -> None:
    settings.PORTAL_TODAY = "2027-07-01"
    first = run_pipeline()
    item = CareGapItem.objects.get()
    assert (item.mbi, item.kind, item.opening_claim_id, item.gap_type, item.opened_on, item.window_ends) == (
        M1,
        "follow_up",
        301,
        "tfu_missed",
        D(2027, 6, 10),
        D(2027, 6, 24),
    )
    # A missed follow-up has no window left: due 14 days after the portal's date (Jul 1 + 14 = Jul 15).
    assert (item.status, item.due_date, item.tin, item.last_run_id) == ("open", D(2027, 7, 15), TIN_1, first.pk)
    services.care_gap_update(
        item=item, acting_user=care_manager, assignee=care_manager, status="in_progress", note="Called twice."
    )

    # The later package: an office visit on Jun 20, inside the Jun 11-24 window.
    later = {"CCLF5": [part_b(4, "B4", BENE_MBI_ID=M1, CLM_FROM_DT="2027-06-20", CLM_THRU_DT="2027-06-20",
                              CLM_LINE_FROM_DT="2027-06-20", CLM_LINE_THRU_DT="2027-06-20")]}  # fmt: skip
    package = write_package(tmp_path / "later", later, produced_at=LATER)
    assert ingest(package["CCLF0"].parent).status == "succeeded"
    second = run_pipeline()
    assert second.pk != first.pk and not CareGap.objects.filter(run=second).exists()

    item.refresh_from_db()
    assert (item.status, item.close_reason, item.closed_by_id, item.closed_by_run_id) == (
        "closed",
        "closed_by_claim",
        None,
        second.pk,
    )
    assert (item.closing_claim_id, item.closing_claim_date, item.closing_claim_code) == (
        4,
        D(2027, 6, 20),
        "HCPCS 99214",
    )
    assert item.close_note == "Follow-up visit on 20 Jun 2027 (claim 4, HCPCS 99214)."
    # The care manager's work stays with it.
    assert item.assignee == care_manager and item.due_date == D(2027, 7, 15)
    closed = CareGapEvent.objects.filter(item=item).order_by("id").last()
    assert closed is not None
    assert (closed.kind, closed.actor, closed.run_id) == ("closed", None, second.pk)
    assert (
        closed.summary == f"Closed by quality run {second.pk}: follow-up visit on 20 Jun 2027 (claim 4, HCPCS 99214)."
    )
    assert closed.changes["closing_claim"] == [None, {"id": 4, "date": "2027-06-20", "code": "HCPCS 99214"}]
    assert second.counts["worklist"] == {
        "created": 0,
        "gap_type_changed": 0,
        "reopened": 0,
        "closed_by_claim": 1,
        "no_longer_found": 0,
    }


def test_a_gap_still_open_keeps_its_assignee_and_notes_across_runs(care_manager: User, settings: Any) -> None:
    settings.PORTAL_TODAY = "2027-06-16"
    # Claims through Jun 16: the Jun 11-24 window is still open, the gap is a follow-up due on Jun 24.
    first = run_pipeline(as_of=D(2027, 6, 16))
    item = CareGapItem.objects.get()
    assert (item.gap_type, item.due_date, item.window_ends) == ("tfu_open", D(2027, 6, 24), D(2027, 6, 24))
    services.care_gap_update(
        item=item, acting_user=care_manager, assignee=care_manager, status="in_progress", note="Left a message."
    )

    # The whole year: the window closed without a visit. Same item, same work; the change is logged.
    second = run_pipeline()
    again = CareGapItem.objects.get()
    assert again.pk == item.pk
    assert (again.gap_type, again.status, again.assignee, again.due_date, again.last_run_id) == (
        "tfu_missed",
        "in_progress",
        care_manager,
        D(2027, 6, 24),
        second.pk,
    )
    assert CareGap.objects.get(run=second).item_id == item.pk
    assert CareGap.objects.get(run=first).item_id == item.pk
    events = list(CareGapEvent.objects.filter(item=item).order_by("id").values_list("kind", "summary", "note"))
    assert events == [
        ("found", f"Found by quality run {first.pk}: follow-up due (window still open), due 24 Jun 2027.", ""),
        ("assigned", "Assigned to Casey Moore (was nobody).", ""),
        ("status", "Status in progress (was open).", ""),
        ("note", "Note added.", "Left a message."),
        ("gap_changed", f"Quality run {second.pk}: follow-up due (window still open) → follow-up missed.", ""),
    ]
    # A third run that finds nothing new changes nothing.
    run_pipeline()
    assert CareGapEvent.objects.filter(item=item).count() == 5


# --------------------------------------------------------------------------------------------------
# Rows written into runs: the pages, the API, the service's rules
# --------------------------------------------------------------------------------------------------
def quality_run(finished: dt.datetime) -> QualityRun:
    return QualityRun.objects.create(
        alignment_run=alignment_run(), performance_year=2027, status="succeeded", finished_at=finished
    )


def gaps_run(aco: ACO, rows: list[tuple[str, str, int, dt.date | None]], finished: dt.datetime) -> QualityRun:
    """A quality run whose gaps are ``rows`` (MBI, gap type, opening claim, window end), reconciled."""
    run = quality_run(finished)
    for mbi, gap_type, claim, due in rows:
        CareGap.objects.create(
            run=run,
            aco=aco,
            mbi=mbi,
            gap_type=gap_type,
            measure="acr" if gap_type in ("readmission", "index_stay_followup") else "tfu",
            claim_id=claim,
            opened_on=D(2027, 11, 1),
            due_date=due,
            tin="111000001",
            first_name="ANA",
            last_name=f"NAME{mbi[-1]}",
        )
    care_gaps_reconcile(run=run, aco_pks=[aco.pk])
    return run


@pytest.fixture
def worklist(aco: ACO, other_aco: ACO, settings: Any) -> dict[str, CareGapItem]:
    settings.PORTAL_TODAY = "2027-11-10"
    gaps_run(
        aco,
        [
            (G1, "tfu_open", 501, D(2027, 11, 15)),
            (G2, "index_stay_followup", 502, D(2027, 12, 1)),
            (G3, "readmission", 503, None),
        ],
        dt.datetime(2027, 11, 10, 12, tzinfo=dt.UTC),
    )
    gaps_run(other_aco, [("1EG4TE5MK29", "tfu_open", 509, D(2027, 11, 15))], dt.datetime(2027, 11, 10, tzinfo=dt.UTC))
    return {i.mbi: i for i in CareGapItem.objects.select_related("aco")}


def test_a_gap_is_assigned_noted_and_closed_with_a_reason_on_its_page(
    aco: ACO,
    admin: User,
    analyst: User,
    worklist: dict[str, CareGapItem],
    client_for: Callable[[User], Client],
) -> None:
    item = worklist[G1]
    url = f"/acos/{aco.aco_id}/quality/care-gaps/{item.pk}/?py=2027"
    client = client_for(admin)
    body = client.get(url).content.decode()
    assert "Follow-up due (window still open): Ana Name1" in body and "Work on this gap" in body
    form = {"assignee": analyst.username, "due_date": "2027-11-20", "status": "in_progress", "note": "Booked Nov 18."}
    assert client.post(url, form).status_code == 302
    closing = {
        **form,
        "note": "",
        "status": "closed",
        "close_reason": "declined",
        "close_note": "Prefers her own doctor.",
    }
    assert client.post(url, closing).status_code == 302

    item.refresh_from_db()
    assert (item.status, item.close_reason, item.close_note, item.assignee, item.due_date, item.closed_by) == (
        "closed",
        "declined",
        "Prefers her own doctor.",
        analyst,
        D(2027, 11, 20),
        admin,
    )
    name = analyst.display_name
    assert list(
        CareGapEvent.objects.filter(item=item).order_by("id").values_list("kind", "actor__username", "summary")
    ) == [
        (
            "found",
            None,
            f"Found by quality run {item.last_run_id}: follow-up due (window still open), due 15 Nov 2027.",
        ),
        ("assigned", admin.username, f"Assigned to {name} (was nobody)."),
        ("due_date", admin.username, "Due date 20 Nov 2027 (was 15 Nov 2027)."),
        ("status", admin.username, "Status in progress (was open)."),
        ("note", admin.username, "Note added."),
        ("closed", admin.username, "Closed: Beneficiary declined."),
    ]
    # The history on the page: who, when (in the portal's named zone), what; the note under Notes.
    page = client.get(url).content.decode()
    assert 'id="gap-history"' in page and "Closed: Beneficiary declined" in page and "Booked Nov 18." in page
    assert " EST</td>" in page or " EDT</td>" in page
    # The read-only analyst sees all of it but no form, and is refused a change.
    seen = client_for(analyst).get(url).content.decode()
    assert "Booked Nov 18." in seen and "Work on this gap" not in seen and "read-only" in seen
    assert client_for(analyst).post(url, {**form, "status": "open"}).status_code == 403


def test_closing_needs_a_reason_and_dates_stay_in_the_gaps_range(
    aco: ACO, admin: User, outsider: User, worklist: dict[str, CareGapItem], client_for: Callable[[User], Client]
) -> None:
    item = worklist[G1]
    url = f"/acos/{aco.aco_id}/quality/care-gaps/{item.pk}/?py=2027"
    client = client_for(admin)
    response = client.post(url, {"status": "closed", "due_date": "2027-11-15"})
    assert response.status_code == 400 and "Choose why the gap is closed." in response.content.decode()
    other = client.post(url, {"status": "closed", "close_reason": "other", "due_date": "2027-11-15"})
    assert "Say why the gap is closed." in other.content.decode()
    early = client.post(url, {"status": "open", "due_date": "2027-10-31"})
    assert "Give a date from 1 Nov 2027 (the gap opened) to 31 Dec 2028." in early.content.decode()
    with pytest.raises(ValidationError, match="other.admin is not a user of"):
        services.care_gap_update(item=item, acting_user=admin, assignee=outsider)
    with pytest.raises(ValidationError, match="At most 2,000 characters"):
        services.care_gap_update(item=item, acting_user=admin, note="x" * 2001)
    with pytest.raises(PermissionDenied):
        services.care_gap_update(item=item, acting_user=outsider, status="closed", close_reason="declined")
    assert CareGapEvent.objects.filter(item=item).count() == 1  # only "found": nothing was changed
    # A person cannot pick a reason only a quality run gives.
    with pytest.raises(ValidationError, match="Choose why the gap is closed"):
        services.care_gap_update(item=item, acting_user=admin, status="closed", close_reason="closed_by_claim")


def test_bulk_assign_stays_inside_the_aco(
    aco: ACO,
    admin: User,
    analyst: User,
    outsider: User,
    worklist: dict[str, CareGapItem],
    client_for: Callable[[User], Client],
) -> None:
    mine = [worklist[G1].pk, worklist[G2].pk]
    theirs = worklist["1EG4TE5MK29"].pk
    url = f"/acos/{aco.aco_id}/quality/care-gaps/assign/?py=2027"
    client = client_for(admin)
    # Another ACO's gap among the selection: 404, as a missing one; nothing changes.
    assert client.post(url, {"ids": [*mine, theirs], "assignee": analyst.username}).status_code == 404
    # An id no database holds is no care gap either (not a database error).
    assert client.post(url, {"ids": ["99999999999999999999"], "assignee": analyst.username}).status_code == 404
    assert client.get(f"/acos/{aco.aco_id}/quality/care-gaps/99999999999999999999/?py=2027").status_code == 404
    # Another ACO's user: 400.
    assert client.post(url, {"ids": mine, "assignee": outsider.username}).status_code == 400
    assert not CareGapItem.objects.filter(assignee__isnull=False).exists()
    # The analyst may not assign; the outsider does not see the ACO.
    assert client_for(analyst).post(url, {"ids": mine, "assignee": analyst.username}).status_code == 403
    assert client_for(outsider).post(url, {"ids": mine, "assignee": outsider.username}).status_code == 404

    done = client.post(url, {"ids": mine, "assignee": analyst.username, "list_query": "py=2027&status=open"})
    assert done.status_code == 302 and done["Location"] == f"/acos/{aco.aco_id}/quality/care-gaps/?py=2027&status=open"
    assert set(CareGapItem.objects.filter(assignee=analyst).values_list("pk", flat=True)) == set(mine)
    assert CareGapEvent.objects.filter(kind="assigned", actor=admin).count() == 2

    # The list by assignee: the analyst's two, "me" for the analyst, the unassigned one.
    base = f"/acos/{aco.aco_id}/quality/care-gaps/?py=2027"
    theirs_page = client.get(base + f"&assignee={analyst.username}").content.decode()
    assert "2 care gaps matching the filters" in theirs_page and G3 not in theirs_page
    assert G1 in client_for(analyst).get(base + "&assignee=me").content.decode()
    unassigned = client.get(base + "&assignee=none").content.decode()
    assert "1 care gap matching the filters" in unassigned and G3 in unassigned
    assert "1EG4TE5MK29" not in client.get(base + "&status=all").content.decode()


def test_the_list_filters_by_status_and_the_export_carries_the_work_and_history(
    aco: ACO, admin: User, worklist: dict[str, CareGapItem], client_for: Callable[[User], Client]
) -> None:
    services.care_gap_update(item=worklist[G2], acting_user=admin, status="closed", close_reason="completed")
    services.care_gap_update(item=worklist[G3], acting_user=admin, status="in_progress", note="=HYPERLINK(1)")
    client = client_for(admin)
    base = f"/acos/{aco.aco_id}/quality/care-gaps/?py=2027"
    default = client.get(base).content.decode()
    assert "2 care gaps" in default and G2 not in default  # closed gaps leave the default list
    closed = client.get(base + "&status=closed").content.decode()
    assert G2 in closed and G1 not in closed and "Care delivered" in closed
    assert G3 in client.get(base + "&status=in_progress").content.decode()
    assert "3 care gaps" in client.get(base + "&status=all").content.decode()

    export = client.get(f"/acos/{aco.aco_id}/quality/care-gaps/export/?py=2027&status=all&format=csv")
    lines = export.content.decode().splitlines()
    assert lines[0].startswith("MBI,Last name,First name,Aligning TIN or CCN,Gap,Measure,Opened on,Opening claim")
    assert lines[0].endswith("Status,Assigned to,Due,Close reason,Closing note,Closing claim,Closing claim date,"
                             "Closing claim code,Last changed,History")  # fmt: skip
    row = next(line for line in lines if line.startswith(G3))
    assert ",In progress,," in row
    assert "Note added. “=HYPERLINK(1)”" in row
    g2 = next(line for line in lines if line.startswith(G2))
    assert ",Closed,," in g2 and "Care delivered (visit or follow-up done)" in g2
    xlsx = client.get(f"/acos/{aco.aco_id}/quality/care-gaps/export/?py=2027&status=all&format=xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        names = book.namelist()
        xml = "".join(book.read(n).decode() for n in names if n.endswith(".xml"))
    assert "xl/worksheets/sheet2.xml" in names and "Status in progress (was open)." in xml
    assert AccessLog.objects.filter(object_type="care_gaps", action="export").count() == 2


def test_a_run_closes_what_it_no_longer_finds_and_reopens_what_it_finds_again(
    aco: ACO, admin: User, worklist: dict[str, CareGapItem]
) -> None:
    services.care_gap_update(item=worklist[G3], acting_user=admin, status="closed", close_reason="unreachable")
    # The next run finds only G1 (the alignment run of these rows aligns no one).
    second = gaps_run(aco, [(G1, "tfu_missed", 501, D(2027, 11, 15))], dt.datetime(2027, 12, 1, tzinfo=dt.UTC))
    g2 = CareGapItem.objects.get(pk=worklist[G2].pk)
    assert (g2.status, g2.close_reason, g2.closed_by_run_id, g2.closing_claim_id) == (
        "closed",
        "no_longer_found",
        second.pk,
        None,
    )
    assert (
        g2.close_note == f"The beneficiary is no longer aligned to the ACO in alignment run {second.alignment_run_id}."
    )
    assert CareGapEvent.objects.get(item=g2, kind="closed").summary == (
        f"Closed by quality run {second.pk}, which no longer finds the gap: the beneficiary is no longer aligned "
        f"to the ACO in alignment run {second.alignment_run_id}."
    )
    # A gap a person closed stays as they closed it.
    g3 = CareGapItem.objects.get(pk=worklist[G3].pk)
    assert (g3.status, g3.close_reason, g3.closed_by) == ("closed", "unreachable", admin)
    assert selectors.care_gap_run_changes(aco=aco, run=second) == {
        "found": 0,
        "closed_by_claim": 0,
        "no_longer_found": 1,
        "reopened": 0,
    }
    # A later run finds G2 again: the run's closing is undone, and logged.
    third = gaps_run(aco, [(G2, "index_stay_followup", 502, D(2027, 12, 1))], dt.datetime(2027, 12, 5, tzinfo=dt.UTC))
    g2.refresh_from_db()
    assert (g2.status, g2.close_reason, g2.closed_by_run_id) == ("open", "", None)
    assert CareGapEvent.objects.filter(item=g2, kind="reopened", run=third).count() == 1


def test_a_gap_found_again_is_open_with_nothing_left_of_its_closing(
    aco: ACO, admin: User, worklist: dict[str, CareGapItem]
) -> None:
    # The second run no longer finds G2 and closes it; the care manager adds why to that closing.
    gaps_run(
        aco,
        [(G1, "tfu_missed", 501, D(2027, 11, 15)), (G3, "readmission", 503, None)],
        dt.datetime(2027, 12, 1, tzinfo=dt.UTC),
    )
    g2 = CareGapItem.objects.get(pk=worklist[G2].pk)
    services.care_gap_update(item=g2, acting_user=admin, status="closed", close_note="Moved to Florida.")
    g2.refresh_from_db()
    assert (g2.status, g2.close_reason, g2.close_note, g2.closed_by) == (
        "closed",
        "no_longer_found",
        "Moved to Florida.",
        admin,
    )
    # The third run finds it again: open, and no one closed it any more.
    gaps_run(aco, [(G2, "index_stay_followup", 502, D(2027, 12, 1))], dt.datetime(2027, 12, 5, tzinfo=dt.UTC))
    g2.refresh_from_db()
    assert (g2.status, g2.close_reason, g2.close_note, g2.closed_at, g2.closed_by, g2.closed_by_run) == (
        "open",
        "",
        "",
        None,
        None,
        None,
    )


def test_gaps_due_between_reads_the_work_due_dates(aco: ACO, admin: User, worklist: dict[str, CareGapItem]) -> None:
    # Due: G1 Nov 15 (its window), G2 Dec 1, G3 Nov 24 (a readmission: Nov 10 + 14 days).
    assert [i.mbi for i in selectors.gaps_due_between(aco=aco, start=D(2027, 11, 10), end=D(2027, 11, 30))] == [G1, G3]
    services.care_gap_update(item=worklist[G1], acting_user=admin, status="closed", close_reason="completed")
    services.care_gap_update(item=worklist[G2], acting_user=admin, due_date=D(2027, 11, 12))
    due = selectors.gaps_due_between(aco=aco, start=D(2027, 11, 10), end=D(2027, 11, 30))
    assert [(i.mbi, i.due_date) for i in due] == [(G2, D(2027, 11, 12)), (G3, D(2027, 11, 24))]


def test_the_api_lists_patches_and_assigns_inside_the_aco(
    aco: ACO,
    admin: User,
    analyst: User,
    outsider: User,
    worklist: dict[str, CareGapItem],
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(admin)
    base = f"/api/acos/{aco.aco_id}/quality/care-gaps/"
    listed = client.get(base + "?py=2027").json()
    assert [g["mbi"] for g in listed["results"]] == [G1, G3, G2]
    assert listed["results"][0]["status"] == "open" and listed["results"][0]["claim_id"] == 501
    item = worklist[G1]
    url = f"{base}{item.pk}/"
    patched = client.patch(
        url, {"assignee": analyst.username, "note": "Sent a letter."}, content_type="application/json"
    )
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert body["assignee"] == analyst.username and [h["kind"] for h in body["history"]] == [
        "found",
        "assigned",
        "note",
    ]
    closed = client.patch(url, {"status": "closed", "close_reason": "other", "close_note": "Moved away"},
                          content_type="application/json")  # fmt: skip
    assert closed.json()["close_reason"] == "other"
    assert (
        client.patch(
            url, {"status": "closed", "close_reason": "closed_by_claim"}, content_type="application/json"
        ).status_code
        == 400
    )
    assert client.patch(url, {"assignee": outsider.username}, content_type="application/json").status_code == 400
    assert client.patch(url, {"due_date": "2027-13-01"}, content_type="application/json").status_code == 400
    assert client.get(base + f"?py=2027&assignee={analyst.username}&status=all").json()["count"] == 1
    assert client.get(base + "?py=2027&status=nonsense").status_code == 400

    theirs = worklist["1EG4TE5MK29"].pk
    assert client.get(f"{base}{theirs}/").status_code == 404
    assign = f"{base}assign/"
    ids = [worklist[G2].pk, worklist[G3].pk]
    assert (
        client.post(
            assign, {"ids": [*ids, theirs], "assignee": admin.username}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client.post(assign, {"ids": ids, "assignee": outsider.username}, content_type="application/json").status_code
        == 400
    )
    done = client.post(assign, {"ids": ids, "assignee": admin.username}, content_type="application/json").json()
    assert done["assigned"] == 2 and {i["assignee"] for i in done["items"]} == {admin.username}

    reader = client_for(analyst)
    assert reader.get(url).status_code == 200
    assert reader.patch(url, {"note": "x"}, content_type="application/json").status_code == 403
    assert reader.post(assign, {"ids": ids, "assignee": None}, content_type="application/json").status_code == 403
    stranger = client_for(outsider)
    assert stranger.patch(url, {"note": "x"}, content_type="application/json").status_code == 404
    assert stranger.get(base + "?py=2027").status_code == 404


def test_icd10_codes_read_with_their_dot() -> None:
    assert (icd10_display("I5020"), icd10_display("r0789"), icd10_display("E11")) == ("I50.20", "R07.89", "E11")
