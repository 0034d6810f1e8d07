"""The REST API for ACOs, lists and change requests, for the ACO's admin, its analyst, an outsider
and CMS reviewers. (Every URL's tenancy is also walked by tests/test_tenancy_matrix.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.acos.models import ACO, Election, ListChangeRequest, ParticipantTIN, PreferredProvider
from apps.reviews.models import ReviewState
from tests.factories import (
    ElectionFactory,
    ParticipantFactory,
    PreferredProviderFactory,
    add_participant_op,
    change_request_create,
)

pytestmark = pytest.mark.django_db

API = Callable[[User], APIClient]
P_HEADER = "aco_id,performance_year,tin,legal_name,ccns,practice_zip,facility_type,new_to_aco"


@pytest.fixture
def api() -> API:
    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def tins(aco: ACO, py: int = 2027) -> dict[str, str]:
    return dict(ParticipantTIN.objects.filter(aco=aco, performance_year=py).values_list("tin", "legal_name"))


def upload_file(aco: ACO, *rows: str) -> SimpleUploadedFile:
    body = "\n".join([P_HEADER, *(f"{aco.aco_id},2027,{r}" for r in rows)]) + "\n"
    return SimpleUploadedFile("participants.csv", body.encode(), content_type="text/csv")


NEW_RHC = {
    "tin": "111000003",
    "legal_name": "Blue Ridge Rural Health Clinic",
    "practice_zip": "24293",
    "ccns": ["493801"],
    "facility_type": "RHC",
    "new_to_aco": True,
}


# --- reading -----------------------------------------------------------------------------------


def test_aco_list_shows_only_the_callers_acos(
    api: API, aco: ACO, other_aco: ACO, admin: User, outsider: User, cms_reviewer: User
) -> None:
    def ids(user: User) -> list[str]:
        return [a["aco_id"] for a in api(user).get("/api/acos/").json()["results"]]

    assert ids(admin) == [aco.aco_id]
    assert ids(outsider) == [other_aco.aco_id]
    assert ids(cms_reviewer) == sorted([aco.aco_id, other_aco.aco_id])


def test_participants_of_a_year_for_admin_and_analyst_not_outsider(
    api: API, aco: ACO, admin: User, analyst: User, outsider: User, open_lists: str
) -> None:
    ParticipantFactory.create(aco=aco, tin="111000002", legal_name="Susquehanna")
    ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor", ccns=["493801"], facility_type="RHC")
    ParticipantFactory.create(aco=aco, tin="111000009", performance_year=2028)
    url = f"/api/acos/{aco.aco_id}/participants/"
    for user in (admin, analyst):
        body = api(user).get(url, {"py": 2027}).json()
        assert body["count"] == 2
        # Sorted by TIN; only PY2027.
        assert [(r["tin"], r["legal_name"], r["ccns"], r["performance_year"]) for r in body["results"]] == [
            ("111000001", "Harbor", ["493801"], 2027),
            ("111000002", "Susquehanna", [], 2027),
        ]
    # No ?py: the default is the PY under way or next to start (2027 on 2026-06-01).
    assert api(admin).get(url).json()["count"] == 2
    assert api(admin).get(url, {"py": 2028}).json()["count"] == 1
    assert api(admin).get(url, {"py": "2027", "q": "harb"}).json()["count"] == 1
    assert api(outsider).get(url).status_code == 404


def test_one_row_of_another_aco_is_404_even_through_my_own_aco(api: API, aco: ACO, other_aco: ACO, admin: User) -> None:
    theirs = ParticipantFactory.create(aco=other_aco)
    assert api(admin).get(f"/api/acos/{aco.aco_id}/participants/{theirs.pk}/").status_code == 404
    assert api(admin).delete(f"/api/acos/{aco.aco_id}/participants/{theirs.pk}/").status_code == 404
    assert ParticipantTIN.objects.filter(pk=theirs.pk).exists()


# --- writing rows ------------------------------------------------------------------------------


def test_admin_adds_a_participant(api: API, aco: ACO, admin: User, open_lists: str) -> None:
    response = api(admin).post(f"/api/acos/{aco.aco_id}/participants/?py=2027", NEW_RHC, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["added"], body["change_request"]) == (True, 1, None)
    row = ParticipantTIN.objects.get(aco=aco, tin="111000003")
    assert (row.performance_year, row.ccns, row.facility_type, row.new_to_aco) == (2027, ["493801"], "RHC", True)


def test_ccns_sent_as_numbers_are_a_400_not_a_server_error(api: API, aco: ACO, admin: User, open_lists: str) -> None:
    """The API fuzzer sent CCNs as numbers (a 500 before): they are read as text and checked like any
    CCN, so the row is refused with the field named."""
    body = {**NEW_RHC, "ccns": [-1061, 5.5]}
    response = api(admin).post(f"/api/acos/{aco.aco_id}/participants/?py=2027", body, format="json")
    assert response.status_code == 400
    assert "ccn" in response.content.decode().lower()
    assert tins(aco) == {}


def test_after_the_deadline_an_add_answers_202_with_the_change_request(
    api: API, aco: ACO, admin: User, locked_lists: str
) -> None:
    response = api(admin).post(f"/api/acos/{aco.aco_id}/participants/?py=2027", NEW_RHC, format="json")
    assert response.status_code == 202
    request = response.json()["change_request"]
    assert (request["aco_id"], request["performance_year"], request["list_type"]) == (aco.aco_id, 2027, "participants")
    assert request["state"] == "submitted"
    assert request["submitted_at"] is not None
    assert [op["op"] for op in request["operations"]] == ["add"]
    assert response.json()["applied"] is False
    assert tins(aco) == {}
    assert ListChangeRequest.objects.get(pk=request["id"]).review.state == ReviewState.SUBMITTED


def test_a_bad_row_answers_400_with_line_field_value_and_reason(
    api: API, aco: ACO, admin: User, open_lists: str
) -> None:
    data = {"tin": "211000001", "npi": "1234567890", "name": "Ortho", "specialty_code": "20"}
    response = api(admin).post(f"/api/acos/{aco.aco_id}/preferred-providers/", data, format="json")
    assert response.status_code == 400
    # A single row has no file line: line 0. 1234567890's check digit should be 3.
    assert response.json() == {
        "errors": [
            {
                "line": 0,
                "field": "npi",
                "value": "1234567890",
                "reason": "fails the NPI check digit (Luhn with prefix 80840)",
            }
        ]
    }
    assert not PreferredProvider.objects.exists()


def test_admin_edits_and_removes_a_row(api: API, aco: ACO, admin: User, open_lists: str) -> None:
    row = ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor")
    url = f"/api/acos/{aco.aco_id}/participants/{row.pk}/"
    response = api(admin).patch(url, {"legal_name": "Harbor Family Medicine"}, format="json")
    assert (response.status_code, response.json()["updated"]) == (200, 1)
    assert tins(aco) == {"111000001": "Harbor Family Medicine"}
    # PUT with a new TIN: the old TIN leaves, the new one joins.
    response = api(admin).put(url, {**NEW_RHC, "tin": "111000004"}, format="json")
    assert (response.json()["added"], response.json()["removed"]) == (1, 1)
    assert list(tins(aco)) == ["111000004"]
    new_row = ParticipantTIN.objects.get(aco=aco, tin="111000004")
    response = api(admin).delete(f"/api/acos/{aco.aco_id}/participants/{new_row.pk}/")
    assert (response.status_code, response.json()["removed"]) == (200, 1)
    assert tins(aco) == {}


def test_after_the_deadline_a_removal_answers_202_and_keeps_the_row(
    api: API, aco: ACO, admin: User, locked_lists: str
) -> None:
    row = PreferredProviderFactory.create(aco=aco, performance_year=2027)
    response = api(admin).delete(f"/api/acos/{aco.aco_id}/preferred-providers/{row.pk}/")
    assert response.status_code == 202
    assert response.json()["change_request"]["operations"][0]["op"] == "remove"
    assert PreferredProvider.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize(
    "call",
    [
        lambda c, a, r: c.post(f"/api/acos/{a.aco_id}/participants/", NEW_RHC, format="json"),
        lambda c, a, r: c.patch(f"/api/acos/{a.aco_id}/participants/{r.pk}/", {"legal_name": "X"}, format="json"),
        lambda c, a, r: c.delete(f"/api/acos/{a.aco_id}/participants/{r.pk}/"),
    ],
    ids=["create", "update", "delete"],
)
def test_analyst_gets_403_and_outsider_404_for_row_writes(
    call: Callable[[APIClient, ACO, ParticipantTIN], object],
    api: API,
    aco: ACO,
    analyst: User,
    outsider: User,
    open_lists: str,
) -> None:
    row = ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor")
    assert call(api(analyst), aco, row).status_code == 403  # type: ignore[attr-defined]
    assert call(api(outsider), aco, row).status_code == 404  # type: ignore[attr-defined]
    assert tins(aco) == {"111000001": "Harbor"}


# --- uploads -----------------------------------------------------------------------------------


def test_upload_applies_every_row(api: API, aco: ACO, admin: User, open_lists: str) -> None:
    file = upload_file(aco, "111000001,Harbor,,21201,,false", "111000003,Blue Ridge,493801,24293,RHC,true")
    response = api(admin).post(
        f"/api/acos/{aco.aco_id}/participants/upload/", {"file": file, "performance_year": 2027}, format="multipart"
    )
    assert response.status_code == 200
    assert (response.json()["added"], response.json()["applied"]) == (2, True)
    assert tins(aco) == {"111000001": "Harbor", "111000003": "Blue Ridge"}


def test_bad_upload_answers_400_with_every_row_error_and_changes_nothing(
    api: API, aco: ACO, admin: User, open_lists: str
) -> None:
    ParticipantFactory.create(aco=aco, tin="111000009", legal_name="Keep me")
    file = upload_file(
        aco,
        "111000001,Harbor,,21201,,false",  # line 2: good
        "11100000,Short TIN,,21201,,false",  # line 3: 8-digit TIN
        "111000003,Blue Ridge,,24293,RHC,true",  # line 4: an RHC without its CCN
    )
    response = api(admin).post(
        f"/api/acos/{aco.aco_id}/participants/upload/",
        {"file": file, "performance_year": 2027, "replace": True},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"line": 3, "field": "tin", "value": "11100000", "reason": "a TIN is exactly 9 digits"},
        {"line": 4, "field": "ccns", "value": "", "reason": "an RHC needs the CCN of at least one site"},
    ]
    assert response.json()["message"] == "Nothing was changed: 2 problem(s) found."
    assert tins(aco) == {"111000009": "Keep me"}


def test_upload_after_the_deadline_answers_202(api: API, aco: ACO, admin: User, locked_lists: str) -> None:
    file = upload_file(aco, "111000001,Harbor,,21201,,false")
    response = api(admin).post(
        f"/api/acos/{aco.aco_id}/participants/upload/", {"file": file, "performance_year": 2027}, format="multipart"
    )
    assert response.status_code == 202
    assert response.json()["change_request"]["summary"] == "Add Participant TIN 111000001 Harbor"
    assert tins(aco) == {}


def test_analyst_cannot_upload(api: API, aco: ACO, analyst: User, open_lists: str) -> None:
    file = upload_file(aco, "111000001,Harbor,,21201,,false")
    response = api(analyst).post(
        f"/api/acos/{aco.aco_id}/participants/upload/", {"file": file, "performance_year": 2027}, format="multipart"
    )
    assert response.status_code == 403
    assert tins(aco) == {}


# --- profile and elections ---------------------------------------------------------------------


def test_admin_patches_the_profile(api: API, aco: ACO, admin: User, analyst: User, outsider: User) -> None:
    url = f"/api/acos/{aco.aco_id}/"
    response = api(admin).patch(url, {"states": ["VA", "MD"], "doing_business_as": "Harbor ACO"}, format="json")
    assert response.status_code == 200
    assert (response.json()["states"], response.json()["doing_business_as"]) == (["MD", "VA"], "Harbor ACO")
    assert api(admin).patch(url, {"states": ["XX"]}, format="json").status_code == 400
    assert api(admin).patch(url, {"states": []}, format="json").status_code == 400
    assert api(analyst).patch(url, {"doing_business_as": "Analyst was here"}, format="json").status_code == 403
    assert api(outsider).patch(url, {"doing_business_as": "Outsider was here"}, format="json").status_code == 404
    aco.refresh_from_db()
    assert (aco.states, aco.doing_business_as) == (["MD", "VA"], "Harbor ACO")


def test_admin_puts_elections(api: API, aco: ACO, admin: User, analyst: User, open_lists: str) -> None:
    url = f"/api/acos/{aco.aco_id}/elections/2027/"
    data = {"risk_option": "global", "capitation": "tcc", "cara_participation": True}
    response = api(admin).put(url, data, format="json")
    assert response.status_code == 200
    assert (response.json()["capitation"], response.json()["performance_year"]) == ("tcc", 2027)
    # TCC and CARA are for Global risk only.
    response = api(admin).put(url, {"risk_option": "professional"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"capitation", "cara_participation"}
    assert api(analyst).put(url, {"capitation": "none"}, format="json").status_code == 403
    assert Election.objects.get(aco=aco, performance_year=2027).risk_option == "global"
    assert [e["performance_year"] for e in api(analyst).get(f"/api/acos/{aco.aco_id}/elections/").json()] == [2027]


def test_elections_after_the_deadline_answer_400(api: API, aco: ACO, admin: User, locked_lists: str) -> None:
    ElectionFactory.create(aco=aco, performance_year=2027, capitation="none")
    response = api(admin).put(f"/api/acos/{aco.aco_id}/elections/2027/", {"capitation": "pcc"}, format="json")
    assert response.status_code == 400
    closed = "Elections for PY2027 closed on October 31, 2026, the PY2027 list deadline; contact CMS to change them."
    assert response.json() == {"non_field_errors": [closed]}
    # Bad values too: the closed year is the answer, not the values.
    response = api(admin).put(f"/api/acos/{aco.aco_id}/elections/2027/", {"capitation": "x"}, format="json")
    assert (response.status_code, response.json()) == (400, {"non_field_errors": [closed]})
    assert Election.objects.get(aco=aco).capitation == "none"


def test_elections_for_an_unknown_year_are_404(api: API, aco: ACO, admin: User, open_lists: str) -> None:
    response = api(admin).put(f"/api/acos/{aco.aco_id}/elections/2031/", {"capitation": "pcc"}, format="json")
    assert response.status_code == 404
    assert not Election.objects.exists()
    response = api(admin).get(f"/api/acos/{aco.aco_id}/elections/2040/")
    assert response.status_code == 404
    assert "PY2040 is not a performance year in this portal." in str(response.json())


# --- change requests ---------------------------------------------------------------------------


@pytest.fixture
def pending(aco: ACO, admin: User) -> ListChangeRequest:
    return change_request_create(aco=aco, created_by=admin, operations=[add_participant_op("111000001")])


def test_cms_reviewer_approves_through_the_api(
    api: API, aco: ACO, cms_reviewer: User, pending: ListChangeRequest
) -> None:
    url = f"/api/acos/{aco.aco_id}/change-requests/{pending.pk}/decide/"
    response = api(cms_reviewer).post(url, {"approve": True, "reason": "TIN enrolled"}, format="json")
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["decision_reason"]) == ("approved", "TIN enrolled")
    assert tins(aco) == {"111000001": "Added Clinic"}


def test_cms_reviewer_denies_through_the_api(
    api: API, aco: ACO, cms_reviewer: User, pending: ListChangeRequest
) -> None:
    url = f"/api/acos/{aco.aco_id}/change-requests/{pending.pk}/decide/"
    response = api(cms_reviewer).post(url, {"approve": False, "reason": "Not enrolled"}, format="json")
    assert response.json()["state"] == "denied"
    assert tins(aco) == {}


def test_a_decision_needs_a_reason(api: API, aco: ACO, cms_reviewer: User, pending: ListChangeRequest) -> None:
    url = f"/api/acos/{aco.aco_id}/change-requests/{pending.pk}/decide/"
    response = api(cms_reviewer).post(url, {"approve": True, "reason": ""}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    pending.review.refresh_from_db()
    assert pending.review.state == ReviewState.SUBMITTED


def test_an_approval_that_no_longer_applies_answers_400_and_changes_nothing(
    api: API, aco: ACO, other_aco: ACO, cms_reviewer: User, pending: ListChangeRequest
) -> None:
    ParticipantFactory.create(aco=other_aco, tin="111000001", performance_year=2027)
    url = f"/api/acos/{aco.aco_id}/change-requests/{pending.pk}/decide/"
    response = api(cms_reviewer).post(url, {"approve": True, "reason": "OK"}, format="json")
    assert response.status_code == 400
    assert "no longer be applied" in response.json()["non_field_errors"][0]
    pending.review.refresh_from_db()
    assert pending.review.state == ReviewState.SUBMITTED
    assert tins(aco) == {}


@pytest.mark.parametrize(("who", "status"), [("admin", 403), ("analyst", 403), ("outsider", 404)])
def test_aco_people_cannot_decide(
    who: str, status: int, api: API, aco: ACO, pending: ListChangeRequest, request: pytest.FixtureRequest
) -> None:
    url = f"/api/acos/{aco.aco_id}/change-requests/{pending.pk}/decide/"
    response = api(request.getfixturevalue(who)).post(url, {"approve": True, "reason": "mine"}, format="json")
    assert response.status_code == status
    pending.review.refresh_from_db()
    assert pending.review.state == ReviewState.SUBMITTED


def test_admin_withdraws_and_reviewer_cannot(
    api: API, aco: ACO, admin: User, analyst: User, cms_reviewer: User, pending: ListChangeRequest
) -> None:
    url = f"/api/acos/{aco.aco_id}/change-requests/{pending.pk}/withdraw/"
    assert api(cms_reviewer).post(url, {}, format="json").status_code == 403
    assert api(analyst).post(url, {}, format="json").status_code == 403
    response = api(admin).post(url, {"reason": "Sent by mistake"}, format="json")
    assert (response.status_code, response.json()["state"]) == (200, "withdrawn")


def test_change_requests_are_listed_for_the_aco_only(
    api: API, aco: ACO, other_aco: ACO, admin: User, outsider: User, pending: ListChangeRequest
) -> None:
    change_request_create(aco=other_aco, created_by=outsider, operations=[add_participant_op("122000001")])
    body = api(admin).get(f"/api/acos/{aco.aco_id}/change-requests/").json()
    assert [r["id"] for r in body["results"]] == [pending.pk]
    detail = api(admin).get(f"/api/acos/{aco.aco_id}/change-requests/{pending.pk}/").json()
    assert (detail["submitted_by"], detail["operations"][0]["key"]) == ("aco.admin", ["111000001"])
    # The outsider cannot reach it through their own ACO either.
    assert api(outsider).get(f"/api/acos/{other_aco.aco_id}/change-requests/{pending.pk}/").status_code == 404


def test_review_queue_is_for_cms_reviewers(
    api: API, aco: ACO, other_aco: ACO, admin: User, outsider: User, cms_reviewer: User
) -> None:
    first = change_request_create(aco=aco, created_by=admin, operations=[add_participant_op("111000001")])
    second = change_request_create(aco=other_aco, created_by=outsider, operations=[add_participant_op("122000001")])
    change_request_create(
        aco=aco, created_by=admin, operations=[add_participant_op("111000002")], state=ReviewState.APPROVED
    )
    body = api(cms_reviewer).get("/api/review-queue/").json()
    # Only open requests; the approved one is not pending. Both have submitted_at unset here, so
    # compare as a set.
    assert {r["id"] for r in body["results"]} == {first.pk, second.pk}
    assert [
        r["id"] for r in api(cms_reviewer).get("/api/review-queue/", {"aco": other_aco.aco_id}).json()["results"]
    ] == [second.pk]
    assert api(admin).get("/api/review-queue/").status_code == 404


def test_aco_users_may_use_api_tokens(aco: ACO, admin: User, open_lists: str) -> None:
    _, key = AuthToken.objects.create(user=admin)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(f"/api/acos/{aco.aco_id}/participants/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(f"/api/acos/{aco.aco_id}/participants/").status_code in (401, 403)
