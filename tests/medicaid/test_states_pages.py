"""The partner-state pages: CMS's list, state page (status change, documents, edit), milestone
forms and timeline; the ACO's timeline and state page. Every role on every page."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.medicaid.models import FrameworkDocument, MedicaidState, Milestone, StateStatusChange
from tests.factories import framework_document, medicaid_milestone, medicaid_state

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User | None], Client]


def cms(name: str, **kwargs: object) -> str:
    return reverse(f"medicaid_cms:{name}", kwargs=kwargs or None)


def aco_url(name: str, aco: ACO, **kwargs: object) -> str:
    return reverse(f"medicaid:{name}", kwargs={"aco_id": aco.aco_id, **kwargs})


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


# --- CMS: the list ----------------------------------------------------------------------------


def test_reviewer_reads_the_list_without_write_links(cms_reviewer: User, client_for: ClientFor) -> None:
    medicaid_state("MD", status="selected")
    medicaid_state("VA", status="under_consideration", delivery_system="ffs")
    response = client_for(cms_reviewer).get(cms("states"))
    assert response.status_code == 200
    body = text(response)
    assert "Maryland (MD)" in body and "Virginia (VA)" in body
    assert "Fee-for-service" in body and "Under consideration" in body
    assert "Selected: Maryland (MD) (1 of 2)." in body
    assert cms("state_create") not in body


def test_admin_sees_the_add_link_and_an_empty_list_says_so(cms_admin: User, client_for: ClientFor) -> None:
    body = text(client_for(cms_admin).get(cms("states")))
    assert cms("state_create") in body
    assert "No states yet" in body


@pytest.mark.parametrize("who", ["admin", "analyst", "plain_user"])
def test_aco_people_do_not_find_the_cms_pages(who: str, request: pytest.FixtureRequest, client_for: ClientFor) -> None:
    medicaid_state("MD")
    m = medicaid_milestone()
    client = client_for(request.getfixturevalue(who))
    for url in (
        cms("states"),
        cms("state_create"),
        cms("state_detail", state_code="MD"),
        cms("timeline"),
        cms("milestone_create"),
        cms("milestone_edit", milestone_id=m.pk),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(cms("state_create"), {"code": "VA", "name": "Virginia", "delivery_system": "ffs"})
    assert response.status_code == 404
    assert MedicaidState.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client_for: ClientFor) -> None:
    response = client_for(None).get(cms("states"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- CMS: adding and editing a state ----------------------------------------------------------


def test_admin_adds_a_state(cms_admin: User, client_for: ClientFor) -> None:
    client = client_for(cms_admin)
    assert client.get(cms("state_create")).status_code == 200
    response = client.post(
        cms("state_create"), {"code": "nc", "name": "North Carolina", "delivery_system": "managed_care"}, follow=True
    )
    assert response.redirect_chain[-1][0] == cms("state_detail", state_code="NC")
    assert "North Carolina (NC) added as interested." in text(response)
    assert MedicaidState.objects.get(code="NC").status == "interested"


def test_a_duplicate_state_shows_the_error_on_the_form(cms_admin: User, client_for: ClientFor) -> None:
    medicaid_state("MD")
    response = client_for(cms_admin).post(
        cms("state_create"), {"code": "MD", "name": "Maryland", "delivery_system": "ffs"}
    )
    assert response.status_code == 200
    body = text(response)
    assert "Nothing was saved" in body and "MD is already on the list of states." in body


def test_reviewer_cannot_add_or_edit(cms_reviewer: User, client_for: ClientFor) -> None:
    state = medicaid_state("MD")
    client = client_for(cms_reviewer)
    assert client.get(cms("state_create")).status_code == 403
    assert client.post(cms("state_create"), {"code": "VA", "name": "V", "delivery_system": "ffs"}).status_code == 403
    edit = {"name": "Changed", "delivery_system": "ffs"}
    assert client.post(cms("state_edit", state_code="MD"), edit).status_code == 403
    assert client.post(cms("state_status", state_code="MD"), {"to_status": "under_consideration"}).status_code == 403
    state.refresh_from_db()
    assert (state.name, state.status, MedicaidState.objects.count()) == ("Maryland", "interested", 1)


def test_admin_edits_the_details(cms_admin: User, client_for: ClientFor) -> None:
    state = medicaid_state("MD")
    response = client_for(cms_admin).post(
        cms("state_edit", state_code="MD"),
        {"name": "Maryland", "delivery_system": "ffs", "medicaid_agency": "MDH", "notes": "Call first."},
    )
    assert response.status_code == 302
    state.refresh_from_db()
    assert (state.delivery_system, state.medicaid_agency, state.notes) == ("ffs", "MDH", "Call first.")


# --- CMS: the state page and its status -------------------------------------------------------


def test_the_status_form_offers_only_the_allowed_next_statuses(cms_admin: User, client_for: ClientFor) -> None:
    medicaid_state("MD", status="interested")
    body = text(client_for(cms_admin).get(cms("state_detail", state_code="MD")))
    offered = re.findall(r'name="to_status" value="([a-z_]+)"', body)
    assert offered == ["under_consideration", "not_selected"]
    # Required only for some moves (the service says which), so not labelled "optional".
    assert 'for="id_reason">Reason</label>' in body


def test_reviewer_reads_the_state_page_without_forms(
    cms_reviewer: User, cms_admin: User, client_for: ClientFor
) -> None:
    state = medicaid_state("MD", status="selected")
    StateStatusChange.objects.create(state=state, from_status="", to_status="interested", changed_by=cms_admin)
    framework_document(state, cms_admin, "Framework")
    medicaid_milestone(state, "Kickoff")
    body = text(client_for(cms_reviewer).get(cms("state_detail", state_code="MD")))
    assert "Kickoff" in body and "Framework" in body and "Status history" in body
    assert 'id="status-form"' not in body and 'id="document-form"' not in body and 'id="state-edit-form"' not in body


def test_admin_selects_a_state_through_the_page(cms_admin: User, client_for: ClientFor) -> None:
    state = medicaid_state("MD", status="under_consideration")
    response = client_for(cms_admin).post(
        cms("state_status", state_code="MD"), {"to_status": "selected", "reason": ""}, follow=True
    )
    assert "Maryland is now selected." in text(response)
    state.refresh_from_db()
    assert state.status == "selected"
    change = StateStatusChange.objects.get(state=state)
    assert (change.from_status, change.to_status, change.changed_by) == ("under_consideration", "selected", cms_admin)


def test_a_refused_status_change_is_explained_on_the_page(cms_admin: User, client_for: ClientFor) -> None:
    state = medicaid_state("MD", status="under_consideration")
    response = client_for(cms_admin).post(cms("state_status", state_code="MD"), {"to_status": "not_selected"})
    assert response.status_code == 200
    assert "Give a reason for not selecting Maryland" in text(response)
    state.refresh_from_db()
    assert state.status == "under_consideration"


def test_an_unknown_state_is_404(cms_reviewer: User, client_for: ClientFor) -> None:
    assert client_for(cms_reviewer).get(cms("state_detail", state_code="ZZ")).status_code == 404


# --- CMS: documents ---------------------------------------------------------------------------


def test_admin_uploads_versions_and_downloads_them(cms_admin: User, cms_reviewer: User, client_for: ClientFor) -> None:
    medicaid_state("MD", status="selected")
    client = client_for(cms_admin)
    for data in (b"first", b"second"):
        response = client.post(
            cms("document_upload", state_code="MD"),
            {"title": "Framework", "file": SimpleUploadedFile("framework.txt", data)},
        )
        assert response.status_code == 302
    v1, v2 = FrameworkDocument.objects.order_by("version")
    assert (v1.version, v2.version) == (1, 2)
    download = client_for(cms_reviewer).get(cms("document_download", state_code="MD", document_id=v2.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"second"  # type: ignore[attr-defined]
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/octet-stream"


def test_a_refused_upload_is_explained_on_the_page(cms_admin: User, client_for: ClientFor) -> None:
    medicaid_state("MD")
    response = client_for(cms_admin).post(
        cms("document_upload", state_code="MD"), {"title": "Tool", "file": SimpleUploadedFile("tool.exe", b"MZ")}
    )
    assert response.status_code == 200
    assert "Upload a file of one of these types: pdf, docx, xlsx, txt, csv." in text(response)
    assert not FrameworkDocument.objects.exists()


def test_only_the_admin_removes_a_document(cms_admin: User, cms_reviewer: User, client_for: ClientFor) -> None:
    state = medicaid_state("MD")
    doc = framework_document(state, cms_admin)
    url = cms("document_remove", state_code="MD", document_id=doc.pk)
    assert client_for(cms_reviewer).post(url).status_code == 403
    assert FrameworkDocument.objects.filter(pk=doc.pk).exists()
    assert client_for(cms_admin).post(url).status_code == 302
    assert not FrameworkDocument.objects.exists()


def test_a_document_of_another_state_is_404_under_this_one(cms_admin: User, client_for: ClientFor) -> None:
    medicaid_state("MD")
    va = medicaid_state("VA")
    doc = framework_document(va, cms_admin)
    assert client_for(cms_admin).get(cms("document_download", state_code="MD", document_id=doc.pk)).status_code == 404


# --- CMS: milestones ---------------------------------------------------------------------------


def test_admin_adds_edits_and_deletes_a_milestone(cms_admin: User, client_for: ClientFor) -> None:
    medicaid_state("MD", status="selected")
    client = client_for(cms_admin)
    assert 'value="MD" selected' in text(client.get(cms("milestone_create") + "?state=MD"))
    response = client.post(
        cms("milestone_create"),
        {"title": "Kickoff", "state": "MD", "start": "2026-11-02", "end": "2026-11-20", "status": "done"},
    )
    assert response.status_code == 302
    assert response["Location"] == cms("state_detail", state_code="MD") + "#milestones"
    m = Milestone.objects.get()
    assert (m.state.code if m.state else None, str(m.start), str(m.end), m.status) == (
        "MD",
        "2026-11-02",
        "2026-11-20",
        "done",
    )
    response = client.post(
        cms("milestone_edit", milestone_id=m.pk),
        {"title": "Kickoff meeting", "state": "", "start": "2026-11-02", "end": "2026-11-21", "status": "done"},
    )
    assert response["Location"] == cms("timeline")
    m.refresh_from_db()
    assert (m.title, m.state, str(m.end)) == ("Kickoff meeting", None, "2026-11-21")
    assert "Delete “Kickoff meeting”?" in text(client.get(cms("milestone_delete", milestone_id=m.pk)))
    assert client.post(cms("milestone_delete", milestone_id=m.pk)).status_code == 302
    assert not Milestone.objects.exists()


def test_a_milestone_outside_the_planning_phase_is_explained(cms_admin: User, client_for: ClientFor) -> None:
    response = client_for(cms_admin).post(
        cms("milestone_create"),
        {"title": "Too late", "state": "", "start": "2027-11-01", "end": "2028-01-15", "status": "planned"},
    )
    assert response.status_code == 200
    assert "The end must fall inside the planning phase (March 1, 2026 to December 31, 2027)." in text(response)
    assert not Milestone.objects.exists()


def test_reviewer_cannot_write_milestones(cms_reviewer: User, client_for: ClientFor) -> None:
    m = medicaid_milestone()
    client = client_for(cms_reviewer)
    body = {"title": "X", "state": "", "start": "2026-05-01", "end": "2026-06-01", "status": "planned"}
    assert client.get(cms("milestone_create")).status_code == 403
    assert client.post(cms("milestone_create"), body).status_code == 403
    assert client.post(cms("milestone_edit", milestone_id=m.pk), body).status_code == 403
    assert client.post(cms("milestone_delete", milestone_id=m.pk)).status_code == 403
    assert list(Milestone.objects.values_list("title", flat=True)) == ["Framework design"]


# --- the timeline ------------------------------------------------------------------------------


@pytest.fixture
def timeline(cms_admin: User) -> dict[str, object]:
    md = medicaid_state("MD", status="selected")
    va = medicaid_state("VA", status="under_consideration")
    import datetime as dt

    return {
        "wide": medicaid_milestone(None, "State selection", start=dt.date(2026, 7, 1), end=dt.date(2026, 10, 30)),
        "md": medicaid_milestone(md, "Kickoff", start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 20), status="done"),
        "va": medicaid_milestone(va, "Feasibility", start=dt.date(2026, 9, 14), end=dt.date(2027, 1, 29)),
    }


def test_cms_timeline_shows_the_gantt_with_its_table(
    timeline: dict[str, object], cms_reviewer: User, client_for: ClientFor
) -> None:
    body = text(client_for(cms_reviewer).get(cms("timeline")))
    found = re.search(r'<script id="figure-medicaid-timeline" type="application/json">(.*?)</script>', body, re.S)
    assert found is not None
    figure = json.loads(found.group(1))
    labels = [y for trace in figure["data"] for y in trace["y"]]
    assert sorted(labels) == ["MD: Kickoff", "Model-wide: State selection", "VA: Feasibility"]
    table = body[body.index('id="table-medicaid-timeline"') :]
    assert (
        '<th scope="row">Kickoff</th><td>Maryland (MD)</td><td>2026-11-02</td><td>2026-11-20</td><td>Done</td>' in table
    )
    assert "?format=csv" in body


def test_cms_timeline_csv(timeline: dict[str, object], cms_reviewer: User, client_for: ClientFor) -> None:
    response = client_for(cms_reviewer).get(cms("timeline") + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="medicaid-planning-timeline-2026-03-01-to-2027-12-31.csv"'
    )
    rows = list(csv.reader(io.StringIO(text(response))))
    assert rows == [  # the header first (issue 17)
        ["Milestone", "State", "Start", "End", "Status"],
        ["State selection", "Model-wide", "2026-07-01", "2026-10-30", "In progress"],
        ["Kickoff", "MD", "2026-11-02", "2026-11-20", "Done"],
        ["Feasibility", "VA", "2026-09-14", "2027-01-29", "In progress"],
    ]


# --- the ACO's pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_aco_timeline_shows_its_states_and_the_model_wide_milestones(
    who: str, request: pytest.FixtureRequest, aco: ACO, timeline: dict[str, object], client_for: ClientFor
) -> None:
    # The test ACO serves MD only.
    client = client_for(request.getfixturevalue(who))
    body = text(client.get(aco_url("timeline", aco)))
    assert "State selection" in body and "Kickoff" in body
    assert "Feasibility" not in body and "Virginia" not in body
    assert aco_url("state_detail", aco, state_code="MD") in body
    rows = list(csv.reader(io.StringIO(text(client.get(aco_url("timeline", aco) + "?format=csv")))))
    assert [r[0] for r in rows] == ["Milestone", "State selection", "Kickoff"]


def test_aco_state_page_own_state_200_other_404(
    aco: ACO, admin: User, cms_admin: User, timeline: dict[str, object], client_for: ClientFor
) -> None:
    md = MedicaidState.objects.get(code="MD")
    doc = framework_document(md, cms_admin, "Maryland framework")
    client = client_for(admin)
    response = client.get(aco_url("state_detail", aco, state_code="MD"))
    assert response.status_code == 200
    body = text(response)
    assert "Maryland framework" in body and "Kickoff" in body and "State selection" in body
    assert "Feasibility" not in body
    assert client.get(aco_url("state_detail", aco, state_code="VA")).status_code == 404  # not the ACO's state
    assert client.get(aco_url("state_detail", aco, state_code="ZZ")).status_code == 404
    download = client.get(aco_url("document_download", aco, state_code="MD", document_id=doc.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"framework"  # type: ignore[attr-defined]


def test_aco_sees_documents_only_once_the_state_is_selected(
    aco: ACO, admin: User, cms_admin: User, client_for: ClientFor
) -> None:
    md = medicaid_state("MD", status="under_consideration")
    doc = framework_document(md, cms_admin, "Maryland framework")
    client = client_for(admin)
    body = text(client.get(aco_url("state_detail", aco, state_code="MD")))
    assert "Maryland framework" not in body
    assert "become available once CMS selects the state" in body
    assert client.get(aco_url("document_download", aco, state_code="MD", document_id=doc.pk)).status_code == 404


def test_outsiders_and_anonymous_visitors_do_not_see_an_acos_state(
    aco: ACO, outsider: User, cms_admin: User, client_for: ClientFor
) -> None:
    md = medicaid_state("MD", status="selected")
    doc = framework_document(md, cms_admin)
    for url in (
        aco_url("timeline", aco),
        aco_url("state_detail", aco, state_code="MD"),
        aco_url("document_download", aco, state_code="MD", document_id=doc.pk),
    ):
        assert client_for(outsider).get(url).status_code == 404
        response = client_for(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_analyst_cannot_post_to_the_aco_pages(aco: ACO, analyst: User, client_for: ClientFor) -> None:
    medicaid_state("MD", status="selected")
    client = client_for(analyst)
    assert client.post(aco_url("timeline", aco)).status_code == 403
    assert client.post(aco_url("state_detail", aco, state_code="MD")).status_code == 403


def test_an_aco_with_no_listed_state_is_told_so(aco: ACO, admin: User, client_for: ClientFor) -> None:
    medicaid_state("VA")
    body = text(client_for(admin).get(aco_url("timeline", aco)))
    assert "None of the states" in body and "No milestones yet." in body
