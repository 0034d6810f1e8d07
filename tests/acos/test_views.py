"""HTML pages for ACOs and their lists, for the ACO's admin, its analyst, an outsider and CMS."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.accounts.models import User
from apps.acos.models import ACO, Election, ListChangeRequest, Membership, ParticipantTIN, PreferredProvider
from apps.reviews.models import ReviewState
from tests.factories import (
    ACOFactory,
    ElectionFactory,
    MembershipFactory,
    ParticipantFactory,
    PreferredProviderFactory,
    add_participant_op,
    change_request_create,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as HttpResponse

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]
P_HEADER = "aco_id,performance_year,tin,legal_name,ccns,practice_zip,facility_type,new_to_aco"


def tins(aco: ACO, py: int = 2027) -> dict[str, str]:
    return dict(ParticipantTIN.objects.filter(aco=aco, performance_year=py).values_list("tin", "legal_name"))


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text(response: HttpResponse) -> str:
    return html.unescape(response.content.decode())


# --- the list page -----------------------------------------------------------------------------


def test_list_page_shows_the_years_rows_with_edit_links_for_the_admin_only(
    aco: ACO, admin: User, analyst: User, outsider: User, client_for: ClientFor, open_lists: str
) -> None:
    row = ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor Family Medicine")
    ParticipantFactory.create(aco=aco, tin="111000009", legal_name="Next Year Clinic", performance_year=2028)
    url = f"/acos/{aco.aco_id}/participants/?py=2027"
    edit_link = f"/acos/{aco.aco_id}/participants/{row.pk}/edit/"

    page = text(client_for(admin).get(url))
    assert "Harbor Family Medicine" in page and "Next Year Clinic" not in page
    assert edit_link in page

    response = client_for(analyst).get(url)
    assert response.status_code == 200
    assert "Harbor Family Medicine" in text(response)
    assert edit_link not in text(response)  # read-only: no edit links

    assert client_for(outsider).get(url).status_code == 404


def test_list_page_search_and_htmx_partial(aco: ACO, admin: User, client_for: ClientFor, open_lists: str) -> None:
    ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor Family Medicine")
    ParticipantFactory.create(aco=aco, tin="111000002", legal_name="Susquehanna Primary Care")
    response = client_for(admin).get(
        f"/acos/{aco.aco_id}/participants/?py=2027&q=susq", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-results"
    )
    assert [t.name for t in response.templates][0] == "acos/_list_results.html"
    assert "Susquehanna Primary Care" in text(response) and "Harbor" not in text(response)


def test_locked_list_page_says_changes_need_approval(
    aco: ACO, admin: User, client_for: ClientFor, locked_lists: str
) -> None:
    page = text(client_for(admin).get(f"/acos/{aco.aco_id}/participants/?py=2027"))
    assert "The PY2027 list deadline has passed" in page


# --- adding, editing, removing -----------------------------------------------------------------

ROW = {"tin": "111000001", "legal_name": "Harbor Family Medicine", "practice_zip": "21201", "facility_type": ""}


def test_admin_adds_a_participant(aco: ACO, admin: User, client_for: ClientFor, open_lists: str) -> None:
    response = client_for(admin).post(f"/acos/{aco.aco_id}/participants/add/?py=2027", ROW)
    assert (response.status_code, response["Location"]) == (302, f"/acos/{aco.aco_id}/participants/?py=2027")
    assert messages_of(response) == ["List updated: 1 added, 0 updated, 0 removed."]
    assert tins(aco) == {"111000001": "Harbor Family Medicine"}


def test_after_the_deadline_an_add_becomes_a_change_request(
    aco: ACO, admin: User, client_for: ClientFor, locked_lists: str
) -> None:
    response = client_for(admin).post(f"/acos/{aco.aco_id}/participants/add/?py=2027", ROW)
    assert response.status_code == 302
    assert messages_of(response)[0].startswith("The list deadline has passed: your change (1 added")
    assert tins(aco) == {}
    request = ListChangeRequest.objects.get(aco=aco)
    assert (request.review.state, request.summary) == (
        ReviewState.SUBMITTED,
        "Add Participant TIN 111000001 Harbor Family Medicine",
    )


def test_a_bad_row_is_shown_on_its_field_and_not_saved(
    aco: ACO, admin: User, client_for: ClientFor, open_lists: str
) -> None:
    response = client_for(admin).post(f"/acos/{aco.aco_id}/participants/add/", {**ROW, "practice_zip": "99999"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"practice_zip": ["is not in the USDA RUCA ZIP table."]}
    assert tins(aco) == {}


def test_admin_edits_and_removes_a_preferred_provider(
    aco: ACO, admin: User, client_for: ClientFor, open_lists: str
) -> None:
    row = PreferredProviderFactory.create(aco=aco, tin="211000001", npi="1234567893", name="Ortho")
    client = client_for(admin)
    data = {"tin": "211000001", "npi": "1234567893", "name": "Ortho Specialists", "specialty_code": "20"}
    response = client.post(f"/acos/{aco.aco_id}/preferred-providers/{row.pk}/edit/", {**data, "capitation": "pcc"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.name, row.specialty_code, row.capitation) == ("Ortho Specialists", "20", "pcc")
    # The edit page starts from the row's values.
    form = client.get(f"/acos/{aco.aco_id}/preferred-providers/{row.pk}/edit/").context["form"]
    assert form.initial["name"] == "Ortho Specialists"
    response = client.post(f"/acos/{aco.aco_id}/preferred-providers/{row.pk}/remove/")
    assert response.status_code == 302
    assert not PreferredProvider.objects.filter(aco=aco).exists()


def test_analyst_and_outsider_cannot_open_the_add_page(
    aco: ACO, analyst: User, outsider: User, client_for: ClientFor
) -> None:
    assert client_for(analyst).get(f"/acos/{aco.aco_id}/participants/add/").status_code == 403
    assert client_for(outsider).get(f"/acos/{aco.aco_id}/participants/add/").status_code == 404


# --- uploads -----------------------------------------------------------------------------------


def _upload(client: Client, aco: ACO, body: str, replace: bool = False) -> HttpResponse:
    file = SimpleUploadedFile("participants.csv", body.encode(), content_type="text/csv")
    data: dict[str, object] = {"file": file}
    if replace:
        data["replace"] = "on"
    return client.post(f"/acos/{aco.aco_id}/participants/upload/?py=2027", data)


def test_bad_upload_lists_every_bad_row_and_changes_nothing(
    aco: ACO, admin: User, client_for: ClientFor, open_lists: str
) -> None:
    ParticipantFactory.create(aco=aco, tin="111000009", legal_name="Keep me")
    body = "\n".join(
        [
            P_HEADER,
            f"{aco.aco_id},2027,111000001,Harbor,,21201,,false",  # line 2: good
            "L9999,2027,111000002,Wrong ACO,,21201,,false",  # line 3: another ACO's id
            f"{aco.aco_id},2027,111000003,Blue Ridge,49380,24293,RHC,true",  # line 4: 5-character CCN
            f"{aco.aco_id},2027,111000001,Harbor again,,21201,,false",  # line 5: TIN of line 2
        ]
    )
    response = _upload(client_for(admin), aco, body, replace=True)
    assert response.status_code == 400
    page = text(response)
    assert "Nothing was changed: 3 problems in participants.csv" in page
    table = page[page.index('id="row-errors"') :]
    cells = re.findall(
        r'<tr><th scope="row">(\d+)</th><td>([^<]*)</td><td[^>]*>([^<]*)</td><td>([^<]*)</td></tr>', table
    )
    assert cells == [
        ("3", "aco_id", "L9999", f"must be this ACO's id, {aco.aco_id}"),
        ("4", "ccns", "49380", "a CCN is 6 letters or digits"),
        ("5", "tin", "111000001", "duplicate TIN: already on line 2"),
    ]
    assert tins(aco) == {"111000009": "Keep me"}


def test_good_upload_replaces_the_list(aco: ACO, admin: User, client_for: ClientFor, open_lists: str) -> None:
    ParticipantFactory.create(aco=aco, tin="111000009", legal_name="Leaving")
    body = f"{P_HEADER}\n{aco.aco_id},2027,111000001,Harbor,,21201,,false\n"
    response = _upload(client_for(admin), aco, body, replace=True)
    assert response.status_code == 302
    assert messages_of(response) == ["List updated: 1 added, 0 updated, 1 removed."]
    assert tins(aco) == {"111000001": "Harbor"}


def test_upload_refuses_a_file_that_is_not_csv(aco: ACO, admin: User, client_for: ClientFor) -> None:
    file = SimpleUploadedFile("participants.xlsx", b"PK\x03\x04", content_type="application/octet-stream")
    response = client_for(admin).post(f"/acos/{aco.aco_id}/participants/upload/", {"file": file})
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["Upload a .csv file."]}


# --- export ------------------------------------------------------------------------------------


def test_participant_export_is_the_upload_format(
    aco: ACO, analyst: User, outsider: User, client_for: ClientFor, open_lists: str
) -> None:
    ParticipantFactory.create(
        aco=aco,
        tin="111000003",
        legal_name="Blue Ridge, RHC",
        ccns=["493801", "49380A"],
        practice_zip="24293",
        facility_type="RHC",
        new_to_aco=True,
    )
    ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor")
    ParticipantFactory.create(aco=aco, tin="111000002", performance_year=2028)
    response = client_for(analyst).get(f"/acos/{aco.aco_id}/participants/export.csv?py=2027")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{aco.aco_id}_PY2027_participants.csv"'
    # Sorted by TIN, only PY2027; CCNs joined with ';'; a comma in a name is quoted.
    assert response.content.decode().splitlines() == [
        P_HEADER,
        f"{aco.aco_id},2027,111000001,Harbor,,21201,,false",
        f'{aco.aco_id},2027,111000003,"Blue Ridge, RHC",493801;49380A,24293,RHC,true',
    ]
    assert client_for(outsider).get(f"/acos/{aco.aco_id}/participants/export.csv").status_code == 404


def test_preferred_export_round_trips_through_the_upload_checks(
    aco: ACO, admin: User, client_for: ClientFor, open_lists: str
) -> None:
    PreferredProviderFactory.create(aco=aco, tin="211000001", npi="1000000004", name="Cardio", specialty_code="06")
    response = client_for(admin).get(f"/acos/{aco.aco_id}/preferred-providers/export.csv?py=2027")
    lines = response.content.decode().splitlines()
    assert lines == [
        "aco_id,performance_year,tin,npi,name,specialty_code,capitation",
        f"{aco.aco_id},2027,211000001,1000000004,Cardio,06,none",
    ]
    # Uploading the export again changes nothing.
    file = SimpleUploadedFile("p.csv", response.content, content_type="text/csv")
    response = client_for(admin).post(
        f"/acos/{aco.aco_id}/preferred-providers/upload/?py=2027", {"file": file, "replace": "on"}
    )
    assert messages_of(response) == ["Nothing to change: the list already matches."]


# --- the ACO switcher and home -----------------------------------------------------------------


def test_switcher_goes_only_to_the_users_acos(aco: ACO, other_aco: ACO, admin: User, client_for: ClientFor) -> None:
    MembershipFactory.create(user=admin, aco=other_aco, role=Membership.Role.ANALYST)
    stranger = ACOFactory.create()
    client = client_for(admin)
    response = client.get("/switch-aco/", {"aco_id": other_aco.aco_id})
    assert (response.status_code, response["Location"]) == (302, f"/acos/{other_aco.aco_id}/")
    assert client.get("/switch-aco/", {"aco_id": stranger.aco_id}).status_code == 404
    assert client.get("/switch-aco/", {"aco_id": "https://evil.example"}).status_code == 404


def test_home_returns_to_the_last_aco_visited(
    aco: ACO, other_aco: ACO, admin: User, client_for: ClientFor, open_lists: str
) -> None:
    MembershipFactory.create(user=admin, aco=other_aco, role=Membership.Role.ADMIN)
    client = client_for(admin)
    first, second = sorted([aco.aco_id, other_aco.aco_id])
    assert client.get("/")["Location"] == f"/acos/{first}/"
    client.get(f"/acos/{second}/")
    assert client.get("/")["Location"] == f"/acos/{second}/"


def test_home_for_cms_and_for_people_without_an_aco(
    cms_reviewer: User, plain_user: User, client_for: ClientFor
) -> None:
    assert client_for(cms_reviewer).get("/")["Location"] == "/cms/"
    response = client_for(plain_user).get("/")
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "acos/no_aco.html"


def test_the_switcher_offers_only_the_users_acos(
    aco: ACO, other_aco: ACO, admin: User, client_for: ClientFor, open_lists: str
) -> None:
    response = client_for(admin).get(f"/acos/{aco.aco_id}/")
    assert [a["aco_id"] for a in response.context["my_acos"]] == [aco.aco_id]
    assert other_aco.aco_id not in text(response)


# --- profile and elections ---------------------------------------------------------------------


def test_admin_edits_the_profile(aco: ACO, admin: User, client_for: ClientFor) -> None:
    data = {"legal_name": "Harbor ACO, LLC", "states": ["VA", "MD"], "primary_contact_email": "ops@harbor.example"}
    response = client_for(admin).post(f"/acos/{aco.aco_id}/profile/edit/", data)
    assert (response.status_code, response["Location"]) == (302, f"/acos/{aco.aco_id}/profile/")
    aco.refresh_from_db()
    assert (aco.legal_name, aco.states, aco.primary_contact_email) == (
        "Harbor ACO, LLC",
        ["MD", "VA"],
        "ops@harbor.example",
    )


def test_election_rules_show_on_the_form(aco: ACO, admin: User, client_for: ClientFor, open_lists: str) -> None:
    data = {"risk_option": "professional", "alignment_approach": "prospective", "capitation": "tcc"}
    response = client_for(admin).post(f"/acos/{aco.aco_id}/elections/2027/", data)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "capitation": ["Total Care Capitation is only for ACOs taking Global risk."]
    }
    assert not Election.objects.exists()
    response = client_for(admin).post(f"/acos/{aco.aco_id}/elections/2027/", {**data, "capitation": "pcc"})
    assert response.status_code == 302
    assert Election.objects.get(aco=aco, performance_year=2027).capitation == "pcc"


CLOSED_2027 = "Elections for PY2027 closed on October 31, 2026, the PY2027 list deadline; contact CMS to change them."


def test_elections_closed_after_the_deadline_on_the_form(
    aco: ACO, admin: User, client_for: ClientFor, locked_lists: str
) -> None:
    """A form opened before the deadline and sent after it saves nothing and says why."""
    data = {"risk_option": "global", "alignment_approach": "prospective", "capitation": "pcc"}
    response = client_for(admin).post(f"/acos/{aco.aco_id}/elections/2027/", data)
    assert response.status_code == 400
    page = text(response)
    assert f"Nothing was saved. {CLOSED_2027}" in page
    assert "Save elections" not in page and "<form" not in page.split("<main", 1)[-1]
    assert not Election.objects.exists()


def test_a_closed_years_elections_are_read_only(
    aco: ACO, admin: User, client_for: ClientFor, locked_lists: str
) -> None:
    """Issue 17: the form of a closed year was editable until Save said no."""
    ElectionFactory.create(aco=aco, performance_year=2027, risk_option="global", capitation="pcc")
    response = client_for(admin).get(f"/acos/{aco.aco_id}/elections/2027/")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>PY2027 elections</h1>" in page and CLOSED_2027 in page
    assert "Save elections" not in page and "form" not in response.context
    values = re.sub(r"<[^>]+>", " ", page[page.index('<dl id="election-values">') :].split("</dl>")[0])
    assert " ".join(values.split()) == (
        "Risk option Global Alignment approach Prospective Capitation Primary Care Capitation (PCC) "
        "Newly entering ACO No CARA participation No"
    )
    # PY2028 is still open on the same day: its form is there.
    response = client_for(admin).get(f"/acos/{aco.aco_id}/elections/2028/")
    assert "<h1>PY2028 elections</h1>" in text(response) and "Save elections" in text(response)


@pytest.mark.parametrize("year", [2040, 2026, 1999])
def test_elections_of_a_year_the_portal_does_not_know_answer_404_naming_it(
    aco: ACO, admin: User, client_for: ClientFor, open_lists: str, year: int
) -> None:
    """Issue 17: /elections/2040/ showed "PY2027 elections" (the default year) and saved PY2027's."""
    client = client_for(admin)
    response = client.get(f"/acos/{aco.aco_id}/elections/{year}/?py=2027")
    assert response.status_code == 404
    page = text(response)
    assert f"<h1>No PY{year} elections</h1>" in page
    assert f"PY{year} is not a performance year in this portal" in page
    assert "PY2027 elections" in page and "Save elections" not in page  # links to the years there are
    data = {"risk_option": "global", "alignment_approach": "prospective", "capitation": "pcc"}
    assert client.post(f"/acos/{aco.aco_id}/elections/{year}/", data).status_code == 404
    assert not Election.objects.exists()


# --- change requests ---------------------------------------------------------------------------


@pytest.fixture
def pending(aco: ACO, admin: User) -> ListChangeRequest:
    return change_request_create(aco=aco, created_by=admin, operations=[add_participant_op("111000001")])


def _changes_table(response: HttpResponse) -> list[list[str]]:
    """The "What changes" table as rows of cell texts (each list item its own "label: value")."""
    page = text(response)
    table = page[page.index('id="request-changes"') :].split("</table>")[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        texts = [" ".join(re.sub(r"<[^>]+>", " ", c.replace("</li>", ";")).split()) for c in cells]
        rows.append([t.replace(" ;", ";") for t in texts])
    return rows


@pytest.mark.parametrize("who", ["admin", "cms_reviewer"])
def test_a_change_request_reads_as_labelled_values(
    who: str, aco: ACO, admin: User, request: pytest.FixtureRequest, client_for: ClientFor
) -> None:
    """Issue 17: the page showed ``ccns: []; new_to_aco: False``."""
    before = {**add_participant_op("111000002", "Harbor Clinic")["row"], "practice_zip": "21201"}
    after = {**before, "legal_name": "Harbor Family Clinic", "facility_type": "RHC", "ccns": ["493801", "49380A"]}
    removed = {**add_participant_op("111000003", "Old Mill Practice")["row"], "new_to_aco": True}
    request_ = change_request_create(
        aco=aco,
        created_by=admin,
        operations=[
            add_participant_op("111000001", "New Clinic"),
            {"op": "update", "key": ["111000002"], "row": after, "before": before},
            {"op": "remove", "key": ["111000003"], "before": removed},
        ],
    )
    response = client_for(request.getfixturevalue(who)).get(f"/acos/{aco.aco_id}/change-requests/{request_.pk}/")
    assert response.status_code == 200
    none = "Facility type: none (not a CAH, RHC or FQHC);"
    assert _changes_table(response) == [
        [
            "Add Participant TIN 111000001, New Clinic",
            "Not on the list",
            f"TIN: 111000001; Legal name: New Clinic; Practice ZIP code: 21201; {none} CCNs: none; New to the ACO: no;",
        ],
        [
            "Change Participant TIN 111000002, Harbor Family Clinic",
            "TIN: 111000002; Legal name: Harbor Clinic (to be changed); Practice ZIP code: 21201; Facility type: "
            "none (not a CAH, RHC or FQHC) (to be changed); CCNs: none (to be changed); New to the ACO: no;",
            "TIN: 111000002; Legal name: Harbor Family Clinic (new value); Practice ZIP code: 21201; Facility type: "
            "Rural Health Clinic (RHC) (new value); CCNs: 493801, 49380A (new value); New to the ACO: no;",
        ],
        [
            "Remove Participant TIN 111000003, Old Mill Practice",
            f"TIN: 111000003; Legal name: Old Mill Practice; Practice ZIP code: 21201; {none} CCNs: none; "
            "New to the ACO: yes;",
            "Removed from the list",
        ],
    ]
    page = text(response)
    assert "ccns" not in page and "new_to_aco" not in page and "False" not in page and "[]" not in page
    assert "<strong>Harbor Family Clinic</strong>" in page


def test_a_preferred_provider_change_names_its_specialty_and_capitation(
    aco: ACO, admin: User, client_for: ClientFor
) -> None:
    row = {
        "tin": "111000001",
        "npi": "1234567893",
        "name": "Dr. Ada Harbor",
        "specialty_code": "08",
        "capitation": "pcc",
    }
    case = change_request_create(
        aco=aco,
        created_by=admin,
        operations=[{"op": "add", "key": ["111000001", "1234567893"], "row": row}],
        list_type=ListChangeRequest.ListType.PREFERRED,
    )
    response = client_for(admin).get(f"/acos/{aco.aco_id}/change-requests/{case.pk}/")
    assert _changes_table(response) == [
        [
            "Add Preferred Provider TIN 111000001 NPI 1234567893, Dr. Ada Harbor",
            "Not on the list",
            "TIN: 111000001; NPI: 1234567893; Name: Dr. Ada Harbor; Specialty: 08 Family Practice; "
            "Capitation: Primary Care Capitation (PCC);",
        ]
    ]


def test_cms_reviewer_approves_on_the_page(
    aco: ACO, cms_reviewer: User, pending: ListChangeRequest, client_for: ClientFor
) -> None:
    client = client_for(cms_reviewer)
    detail = client.get(f"/acos/{aco.aco_id}/change-requests/{pending.pk}/")
    assert detail.context["can_decide"] is True and detail.context["can_withdraw"] is False
    response = client.post(
        f"/acos/{aco.aco_id}/change-requests/{pending.pk}/decide/", {"decision": "approve", "reason": "Enrolled"}
    )
    assert (response.status_code, response["Location"]) == (302, "/reviews/")
    assert tins(aco) == {"111000001": "Added Clinic"}
    pending.review.refresh_from_db()
    assert (pending.review.state, pending.review.decision_reason) == (ReviewState.APPROVED, "Enrolled")


def test_decision_without_a_reason_is_refused_on_the_page(
    aco: ACO, cms_reviewer: User, pending: ListChangeRequest, client_for: ClientFor
) -> None:
    response = client_for(cms_reviewer).post(
        f"/acos/{aco.aco_id}/change-requests/{pending.pk}/decide/", {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 400
    assert "reason" in response.context["decision_form"].errors
    assert tins(aco) == {}


def test_aco_admin_cannot_decide_but_may_withdraw(
    aco: ACO, admin: User, analyst: User, pending: ListChangeRequest, client_for: ClientFor
) -> None:
    client = client_for(admin)
    decide = f"/acos/{aco.aco_id}/change-requests/{pending.pk}/decide/"
    assert client.post(decide, {"decision": "approve", "reason": "Mine"}).status_code == 403
    withdraw = f"/acos/{aco.aco_id}/change-requests/{pending.pk}/withdraw/"
    assert client_for(analyst).post(withdraw, {"reason": "x"}).status_code == 403
    response = client.post(withdraw, {"reason": "Sent by mistake"})
    assert response["Location"] == f"/acos/{aco.aco_id}/change-requests/{pending.pk}/"
    pending.review.refresh_from_db()
    assert pending.review.state == ReviewState.WITHDRAWN
    assert tins(aco) == {}


def test_change_request_pages_are_the_acos_own(
    aco: ACO, other_aco: ACO, admin: User, outsider: User, pending: ListChangeRequest, client_for: ClientFor
) -> None:
    page = text(client_for(admin).get(f"/acos/{aco.aco_id}/change-requests/{pending.pk}/"))
    assert "111000001" in page and "Submitted" in page
    assert client_for(outsider).get(f"/acos/{aco.aco_id}/change-requests/{pending.pk}/").status_code == 404
    # Nor through the outsider's own ACO in the URL.
    assert client_for(outsider).get(f"/acos/{other_aco.aco_id}/change-requests/{pending.pk}/").status_code == 404


def test_review_queue_page_lists_pending_requests_for_cms(
    aco: ACO, cms_reviewer: User, admin: User, pending: ListChangeRequest, client_for: ClientFor
) -> None:
    response = client_for(cms_reviewer).get("/reviews/")
    assert [r.pk for r in response.context["page"]] == [pending.pk]
    assert client_for(admin).get("/reviews/").status_code == 404
