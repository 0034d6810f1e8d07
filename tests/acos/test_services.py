"""Writes to ACO data (apps/acos/services.py): lists, change requests, elections, the profile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.accounts.models import User
from apps.acos import services
from apps.acos.demo import ACOS as DEMO_ACOS
from apps.acos.demo import demo_load
from apps.acos.lists import RowError
from apps.acos.models import ACO, Election, ListChangeRequest, Membership, ParticipantTIN, PreferredProvider
from apps.reviews.models import ReviewState
from tests.factories import (
    ElectionFactory,
    ParticipantFactory,
    PreferredProviderFactory,
    add_participant_op,
    change_request_create,
)

pytestmark = pytest.mark.django_db

P_HEADER = "aco_id,performance_year,tin,legal_name,ccns,practice_zip,facility_type,new_to_aco"
PP_HEADER = "aco_id,performance_year,tin,npi,name,specialty_code,capitation"


def participants_csv(aco: ACO, *rows: str, py: int = 2027) -> bytes:
    """Rows as "tin,legal_name,ccns,zip,facility,new" after the ACO id and PY."""
    return ("\n".join([P_HEADER, *(f"{aco.aco_id},{py},{r}" for r in rows)]) + "\n").encode()


def tins(aco: ACO, py: int = 2027) -> dict[str, str]:
    """The ACO's participant list as {TIN: legal name}."""
    return dict(ParticipantTIN.objects.filter(aco=aco, performance_year=py).values_list("tin", "legal_name"))


def participant_data(tin: str, legal_name: str = "New Clinic") -> dict[str, Any]:
    return {"tin": tin, "legal_name": legal_name, "practice_zip": "21201", "facility_type": "", "ccns": ""}


# --- bulk upload -------------------------------------------------------------------------------


def test_upload_adds_every_row(aco: ACO, admin: User, open_lists: str) -> None:
    data = participants_csv(aco, "111000001,Harbor,,21201,,false", "111000003,Blue Ridge RHC,493801,24293,RHC,true")
    outcome = services.list_upload(
        aco=aco, performance_year=2027, list_type="participants", data=data, replace=False, acting_user=admin
    )
    assert (outcome.applied, outcome.added, outcome.errors) == (True, 2, [])
    assert outcome.message == "List updated: 2 added, 0 updated, 0 removed."
    rhc = ParticipantTIN.objects.get(aco=aco, tin="111000003")
    assert (rhc.ccns, rhc.facility_type, rhc.new_to_aco, rhc.practice_zip) == (["493801"], "RHC", True, "24293")


def test_upload_with_one_bad_row_writes_nothing(aco: ACO, admin: User, open_lists: str) -> None:
    ParticipantFactory.create(aco=aco, tin="111000009", legal_name="Already here")
    data = participants_csv(
        aco,
        "111000001,Harbor,,21201,,false",
        "111000002,Susquehanna,,17101,,false",
        "111000003,Nowhere Clinic,,99999,,false",  # line 4: ZIP not in the RUCA table
    )
    outcome = services.list_upload(
        aco=aco, performance_year=2027, list_type="participants", data=data, replace=True, acting_user=admin
    )
    assert outcome.applied is False
    assert outcome.errors == [RowError(4, "practice_zip", "99999", "is not in the USDA RUCA ZIP table")]
    assert outcome.message == "Nothing was changed: 1 problem(s) found."
    # Neither the two good rows nor the replace (which would remove 111000009) happened.
    assert tins(aco) == {"111000009": "Already here"}


def test_upload_merge_adds_and_updates_but_keeps_other_rows(aco: ACO, admin: User, open_lists: str) -> None:
    ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor")
    ParticipantFactory.create(aco=aco, tin="111000002", legal_name="Susquehanna")
    data = participants_csv(aco, "111000002,Susquehanna Primary Care,,21201,,false", "111000003,Richmond,,23219,,false")
    outcome = services.list_upload(
        aco=aco, performance_year=2027, list_type="participants", data=data, replace=False, acting_user=admin
    )
    assert (outcome.added, outcome.updated, outcome.removed) == (1, 1, 0)
    assert tins(aco) == {"111000001": "Harbor", "111000002": "Susquehanna Primary Care", "111000003": "Richmond"}


def test_upload_replace_removes_rows_not_in_the_file(aco: ACO, admin: User, open_lists: str) -> None:
    ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor")
    ParticipantFactory.create(aco=aco, tin="111000002", legal_name="Susquehanna")
    ParticipantFactory.create(aco=aco, tin="111000001", performance_year=2028, legal_name="Harbor next year")
    data = participants_csv(aco, "111000002,Susquehanna,,21201,,false", "111000003,Richmond,,23219,,false")
    outcome = services.list_upload(
        aco=aco, performance_year=2027, list_type="participants", data=data, replace=True, acting_user=admin
    )
    # 111000002 is unchanged (same name, ZIP 21201 as the factory's), 111000003 added, 111000001 removed.
    assert (outcome.added, outcome.updated, outcome.removed, outcome.unchanged) == (1, 0, 1, 1)
    assert tins(aco) == {"111000002": "Susquehanna", "111000003": "Richmond"}
    assert tins(aco, 2028) == {"111000001": "Harbor next year"}  # another PY is untouched


def test_upload_of_the_same_list_changes_nothing(aco: ACO, admin: User, open_lists: str) -> None:
    ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor")
    data = participants_csv(aco, "111000001,Harbor,,21201,,false")
    outcome = services.list_upload(
        aco=aco, performance_year=2027, list_type="participants", data=data, replace=True, acting_user=admin
    )
    assert (outcome.applied, outcome.unchanged, outcome.change_request) == (True, 1, None)
    assert outcome.message == "Nothing to change: the list already matches."


def test_upload_refuses_a_tin_already_in_another_aco_for_the_year(
    aco: ACO, other_aco: ACO, admin: User, open_lists: str
) -> None:
    ParticipantFactory.create(aco=other_aco, tin="111000002", performance_year=2027)
    data = participants_csv(aco, "111000001,Harbor,,21201,,false", "111000002,Susquehanna,,17101,,false")
    outcome = services.list_upload(
        aco=aco, performance_year=2027, list_type="participants", data=data, replace=False, acting_user=admin
    )
    assert outcome.errors == [
        RowError(3, "tin", "111000002", "is already a Participant TIN of another LEAD ACO for PY2027")
    ]
    assert tins(aco) == {}


def test_the_first_report_of_an_upload_names_a_tin_of_another_aco_beside_other_errors(
    aco: ACO, other_aco: ACO, admin: User, open_lists: str
) -> None:
    """Issue 17: a file with a bad ZIP on line 2 and another ACO's TIN on line 3 said only the ZIP; the
    TIN showed up after the ZIP was fixed and the file uploaded again. One upload, the whole report."""
    ParticipantFactory.create(aco=other_aco, tin="111000002", performance_year=2027)
    data = participants_csv(
        aco,
        "111000001,Harbor,,2120,,false",  # line 2: a 4-digit ZIP
        "111000002,Susquehanna,,17101,,false",  # line 3: on the other ACO's PY2027 list
        "111000002,Susquehanna again,,1710,,false",  # line 4: both, and a duplicate of line 3
    )
    for replace in (False, True):
        outcome = services.list_upload(
            aco=aco, performance_year=2027, list_type="participants", data=data, replace=replace, acting_user=admin
        )
        assert [(e.line, e.field, e.value, e.reason) for e in outcome.errors] == [
            (2, "practice_zip", "2120", "a ZIP code is 5 digits"),
            (3, "tin", "111000002", "is already a Participant TIN of another LEAD ACO for PY2027"),
            (4, "practice_zip", "1710", "a ZIP code is 5 digits"),
            (4, "tin", "111000002", "is already a Participant TIN of another LEAD ACO for PY2027"),
        ]
        assert outcome.applied is False
    assert tins(aco) == {}


def test_the_list_of_record_reports_a_tin_of_another_aco_beside_other_errors(
    aco: ACO, other_aco: ACO, open_lists: str
) -> None:
    ParticipantFactory.create(aco=other_aco, tin="111000002", performance_year=2027)
    data = participants_csv(aco, "111000001,Harbor,,2120,,false", "111000002,Susquehanna,,17101,,false")
    outcome = services.list_import(aco=aco, performance_year=2027, list_type="participants", data=data)
    assert [(e.line, e.field) for e in outcome.errors] == [(2, "practice_zip"), (3, "tin")]
    assert tins(aco) == {}


def test_one_row_form_names_a_tin_of_another_aco_beside_other_errors(
    aco: ACO, other_aco: ACO, admin: User, open_lists: str
) -> None:
    ParticipantFactory.create(aco=other_aco, tin="111000002", performance_year=2027)
    with pytest.raises(ValidationError) as exc:
        services.list_row_save(
            aco=aco,
            performance_year=2027,
            list_type="participants",
            data={**participant_data("111000002"), "practice_zip": "2120"},
            acting_user=admin,
        )
    assert [(e.field, e.reason) for e in exc.value.row_errors] == [  # type: ignore[attr-defined]
        ("practice_zip", "a ZIP code is 5 digits"),
        ("tin", "is already a Participant TIN of another LEAD ACO for PY2027"),
    ]


def test_a_preferred_provider_may_be_one_for_several_acos(
    aco: ACO, other_aco: ACO, admin: User, open_lists: str
) -> None:
    """Only Participant TINs belong to one ACO a year; a bad Preferred Provider row is reported alone."""
    PreferredProviderFactory.create(aco=other_aco, tin="111000002", npi="1234567893", performance_year=2027)
    data = "\n".join(
        [
            PP_HEADER,
            f"{aco.aco_id},2027,111000002,1234567893,Dr. Ada Harbor,08,none",
            f"{aco.aco_id},2027,111000003,1234567890,Dr. Bad Digit,08,none",
        ]
    ).encode()
    outcome = services.list_upload(
        aco=aco, performance_year=2027, list_type="preferred_providers", data=data, replace=False, acting_user=admin
    )
    assert [(e.line, e.field) for e in outcome.errors] == [(3, "npi")]


def test_tin_in_another_aco_for_another_year_is_allowed(aco: ACO, other_aco: ACO, admin: User, open_lists: str) -> None:
    ParticipantFactory.create(aco=other_aco, tin="111000002", performance_year=2028)
    data = participants_csv(aco, "111000002,Susquehanna,,17101,,false")
    outcome = services.list_upload(
        aco=aco, performance_year=2027, list_type="participants", data=data, replace=False, acting_user=admin
    )
    assert outcome.errors == []
    assert tins(aco) == {"111000002": "Susquehanna"}


def test_adding_one_tin_of_another_aco_is_refused(aco: ACO, other_aco: ACO, admin: User, open_lists: str) -> None:
    ParticipantFactory.create(aco=other_aco, tin="111000002", performance_year=2027)
    with pytest.raises(ValidationError) as exc:
        services.list_row_save(
            aco=aco,
            performance_year=2027,
            list_type="participants",
            data=participant_data("111000002"),
            acting_user=admin,
        )
    assert [(e.field, e.reason) for e in exc.value.row_errors] == [  # type: ignore[attr-defined]
        ("tin", "is already a Participant TIN of another LEAD ACO for PY2027")
    ]
    assert tins(aco) == {}


def test_upload_for_a_year_the_portal_does_not_know_is_refused(aco: ACO, admin: User, open_lists: str) -> None:
    data = participants_csv(aco, "111000001,Harbor,,21201,,false", py=2028)
    outcome = services.list_upload(
        aco=aco, performance_year=2027, list_type="participants", data=data, replace=False, acting_user=admin
    )
    # The upload is for PY2027: a 2028 row in it is a mistake, not a second list.
    assert [(e.line, e.field) for e in outcome.errors] == [(2, "performance_year")]
    assert tins(aco, 2028) == {}


# --- single rows -------------------------------------------------------------------------------


def test_add_edit_and_remove_one_row_before_the_deadline(aco: ACO, admin: User, open_lists: str) -> None:
    outcome = services.list_row_save(
        aco=aco, performance_year=2027, list_type="participants", data=participant_data("111000001"), acting_user=admin
    )
    assert (outcome.applied, outcome.added) == (True, 1)
    services.list_row_save(
        aco=aco,
        performance_year=2027,
        list_type="participants",
        data=participant_data("111000001", "Renamed Clinic"),
        acting_user=admin,
        existing_key=("111000001",),
    )
    assert tins(aco) == {"111000001": "Renamed Clinic"}
    # A changed TIN is another provider: the old row goes, the new one comes.
    outcome = services.list_row_save(
        aco=aco,
        performance_year=2027,
        list_type="participants",
        data=participant_data("111000002", "Renamed Clinic"),
        acting_user=admin,
        existing_key=("111000001",),
    )
    assert (outcome.added, outcome.removed) == (1, 1)
    assert tins(aco) == {"111000002": "Renamed Clinic"}
    services.list_row_remove(
        aco=aco, performance_year=2027, list_type="participants", key=("111000002",), acting_user=admin
    )
    assert tins(aco) == {}


def test_adding_a_row_twice_is_refused(aco: ACO, admin: User, open_lists: str) -> None:
    PreferredProviderFactory.create(aco=aco, tin="211000001", npi="1234567893")
    data = {"tin": "211000001", "npi": "1234567893", "name": "Ortho", "specialty_code": "20", "capitation": "none"}
    with pytest.raises(ValidationError) as exc:
        services.list_row_save(
            aco=aco, performance_year=2027, list_type="preferred_providers", data=data, acting_user=admin
        )
    assert [(e.field, e.value, e.reason) for e in exc.value.row_errors] == [  # type: ignore[attr-defined]
        ("npi", "211000001/1234567893", "is already on the list")
    ]
    assert PreferredProvider.objects.filter(aco=aco).count() == 1


def test_a_bad_single_row_is_refused_with_its_field(aco: ACO, admin: User, open_lists: str) -> None:
    # 1000000005: 24 + doubled(1) = 26 -> the check digit must be 4, not 5.
    data = {"tin": "211000001", "npi": "1000000005", "name": "Ortho", "specialty_code": "20", "capitation": "none"}
    with pytest.raises(ValidationError) as exc:
        services.list_row_save(
            aco=aco, performance_year=2027, list_type="preferred_providers", data=data, acting_user=admin
        )
    assert [(e.field, e.reason) for e in exc.value.row_errors] == [  # type: ignore[attr-defined]
        ("npi", "fails the NPI check digit (Luhn with prefix 80840)")
    ]
    assert not PreferredProvider.objects.exists()


# --- after the deadline: change requests -------------------------------------------------------


def test_after_the_deadline_an_add_becomes_a_change_request(aco: ACO, admin: User, locked_lists: str) -> None:
    outcome = services.list_row_save(
        aco=aco, performance_year=2027, list_type="participants", data=participant_data("111000001"), acting_user=admin
    )
    assert outcome.applied is False
    request = outcome.change_request
    assert request is not None
    assert tins(aco) == {}  # nothing on the list until CMS approves
    assert (request.aco, request.performance_year, request.list_type) == (aco, 2027, "participants")
    assert request.summary == "Add Participant TIN 111000001 New Clinic"
    assert request.review.state == ReviewState.SUBMITTED
    assert request.review.versions.count() == 1
    assert [op["op"] for op in request.review.content["operations"]] == ["add"]
    assert outcome.message.startswith("The list deadline has passed")


def test_after_the_deadline_an_upload_becomes_one_change_request(aco: ACO, admin: User, locked_lists: str) -> None:
    ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor")
    data = participants_csv(aco, "111000002,Susquehanna,,17101,,false", "111000003,Richmond,,23219,,false")
    outcome = services.list_upload(
        aco=aco, performance_year=2027, list_type="participants", data=data, replace=True, acting_user=admin
    )
    assert outcome.change_request is not None
    assert outcome.change_request.summary == "Participant TIN list: 2 to add, 0 to change, 1 to remove"
    assert ListChangeRequest.objects.filter(aco=aco).count() == 1
    assert tins(aco) == {"111000001": "Harbor"}


def test_the_next_year_is_still_open_when_this_one_is_locked(aco: ACO, admin: User, locked_lists: str) -> None:
    outcome = services.list_row_save(
        aco=aco, performance_year=2028, list_type="participants", data=participant_data("111000001"), acting_user=admin
    )
    assert (outcome.applied, outcome.change_request) == (True, None)
    assert tins(aco, 2028) == {"111000001": "New Clinic"}


def _locked_add_request(aco: ACO, admin: User, tin: str = "111000001") -> ListChangeRequest:
    outcome = services.list_row_save(
        aco=aco, performance_year=2027, list_type="participants", data=participant_data(tin), acting_user=admin
    )
    assert outcome.change_request is not None
    return outcome.change_request


def test_approval_applies_the_change(aco: ACO, admin: User, cms_reviewer: User, locked_lists: str) -> None:
    request = _locked_add_request(aco, admin)
    services.change_request_decide(
        change_request=request, acting_user=cms_reviewer, approve=True, reason="TIN verified in PECOS"
    )
    assert tins(aco) == {"111000001": "New Clinic"}
    review = request.review
    assert (review.state, review.decided_by, review.decision_reason) == (
        ReviewState.APPROVED,
        cms_reviewer,
        "TIN verified in PECOS",
    )


def test_approval_of_a_removal_removes_the_row(aco: ACO, admin: User, cms_reviewer: User, locked_lists: str) -> None:
    ParticipantFactory.create(aco=aco, tin="111000001")
    outcome = services.list_row_remove(
        aco=aco, performance_year=2027, list_type="participants", key=("111000001",), acting_user=admin
    )
    assert outcome.change_request is not None
    assert "111000001" in tins(aco)
    services.change_request_decide(
        change_request=outcome.change_request, acting_user=cms_reviewer, approve=True, reason="Left the ACO"
    )
    assert tins(aco) == {}


def test_denial_changes_nothing(aco: ACO, admin: User, cms_reviewer: User, locked_lists: str) -> None:
    request = _locked_add_request(aco, admin)
    services.change_request_decide(change_request=request, acting_user=cms_reviewer, approve=False, reason="No")
    assert tins(aco) == {}
    assert request.review.state == ReviewState.DENIED


def test_approval_is_refused_when_the_change_no_longer_applies(
    aco: ACO, other_aco: ACO, admin: User, cms_reviewer: User, locked_lists: str
) -> None:
    request = _locked_add_request(aco, admin, tin="111000001")
    # Meanwhile CMS loaded the TIN onto another ACO's list for the same year.
    ParticipantFactory.create(aco=other_aco, tin="111000001", performance_year=2027)
    transitions_before = request.review.transitions.count()
    with pytest.raises(ValidationError) as exc:
        services.change_request_decide(change_request=request, acting_user=cms_reviewer, approve=True, reason="OK")
    assert "no longer be applied" in exc.value.messages[0]
    assert "is already a Participant TIN of another LEAD ACO for PY2027" in exc.value.messages[1]
    request.review.refresh_from_db()
    assert request.review.state == ReviewState.SUBMITTED
    assert (request.review.decided_by, request.review.decision_reason) == (None, "")
    assert request.review.transitions.count() == transitions_before
    assert tins(aco) == {}


def test_approval_of_a_removal_is_refused_when_the_row_is_already_gone(
    aco: ACO, admin: User, cms_reviewer: User
) -> None:
    request = change_request_create(
        aco=aco,
        created_by=admin,
        operations=[{"op": "remove", "key": ["111000001"], "before": {"tin": "111000001"}}],
    )
    with pytest.raises(ValidationError, match="is no longer on the list"):
        services.change_request_decide(change_request=request, acting_user=cms_reviewer, approve=True, reason="OK")
    request.review.refresh_from_db()
    assert request.review.state == ReviewState.SUBMITTED


def test_the_aco_withdraws_an_undecided_request(aco: ACO, admin: User, cms_reviewer: User) -> None:
    request = change_request_create(aco=aco, created_by=admin, operations=[add_participant_op("111000001")])
    services.change_request_withdraw(change_request=request, acting_user=admin, reason="Sent by mistake")
    assert request.review.state == ReviewState.WITHDRAWN
    with pytest.raises(ValidationError):
        services.change_request_decide(change_request=request, acting_user=cms_reviewer, approve=True, reason="OK")
    assert tins(aco) == {}


def test_a_decided_request_cannot_be_withdrawn(aco: ACO, admin: User, cms_reviewer: User) -> None:
    request = change_request_create(aco=aco, created_by=admin, operations=[add_participant_op("111000001")])
    services.change_request_decide(change_request=request, acting_user=cms_reviewer, approve=False, reason="No")
    with pytest.raises(ValidationError):
        services.change_request_withdraw(change_request=request, acting_user=admin)
    request.review.refresh_from_db()
    assert request.review.state == ReviewState.DENIED


# --- who may write -----------------------------------------------------------------------------

WRITES: dict[str, Callable[[ACO, User], object]] = {
    "list_upload": lambda aco, user: services.list_upload(
        aco=aco,
        performance_year=2027,
        list_type="participants",
        data=participants_csv(aco, "111000001,Harbor,,21201,,false"),
        replace=True,
        acting_user=user,
    ),
    "list_row_save": lambda aco, user: services.list_row_save(
        aco=aco, performance_year=2027, list_type="participants", data=participant_data("111000001"), acting_user=user
    ),
    "list_row_remove": lambda aco, user: services.list_row_remove(
        aco=aco, performance_year=2027, list_type="participants", key=("111000009",), acting_user=user
    ),
    "election_save": lambda aco, user: services.election_save(
        aco=aco, performance_year=2027, data={"risk_option": "professional"}, acting_user=user
    ),
    "aco_update_profile": lambda aco, user: services.aco_update_profile(
        aco=aco, data={"legal_name": "Taken Over"}, acting_user=user
    ),
    "change_request_withdraw": lambda aco, user: services.change_request_withdraw(
        change_request=ListChangeRequest.objects.get(aco=aco), acting_user=user
    ),
}


def _snapshot(aco: ACO) -> tuple[object, ...]:
    aco.refresh_from_db()
    request = ListChangeRequest.objects.get(aco=aco)
    return (
        aco.legal_name,
        tins(aco),
        list(Election.objects.filter(aco=aco).values_list("risk_option", flat=True)),
        request.review.state,
    )


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("who", ["analyst", "outsider", "cms_reviewer"])
def test_only_the_acos_admin_may_write(
    write: str, who: str, aco: ACO, admin: User, request: pytest.FixtureRequest, open_lists: str
) -> None:
    user: User = request.getfixturevalue(who)
    ParticipantFactory.create(aco=aco, tin="111000009", legal_name="Keep me")
    ElectionFactory.create(aco=aco, performance_year=2027)
    change_request_create(aco=aco, created_by=admin, operations=[add_participant_op("111000001")])
    before = _snapshot(aco)
    with pytest.raises(PermissionDenied):
        WRITES[write](aco, user)
    assert _snapshot(aco) == before
    # The same call by the admin goes through, so the refusal above is about the role.
    WRITES[write](aco, admin)
    assert _snapshot(aco) != before


@pytest.mark.parametrize("who", ["admin", "analyst", "outsider"])
def test_only_cms_reviewers_decide(who: str, aco: ACO, admin: User, request: pytest.FixtureRequest) -> None:
    user: User = request.getfixturevalue(who)
    change_request = change_request_create(aco=aco, created_by=admin, operations=[add_participant_op("111000001")])
    with pytest.raises(PermissionDenied):
        services.change_request_decide(change_request=change_request, acting_user=user, approve=True, reason="Fine")
    change_request.review.refresh_from_db()
    assert change_request.review.state == ReviewState.SUBMITTED
    assert tins(aco) == {}


def test_a_cms_admin_may_decide(aco: ACO, admin: User, cms_admin: User) -> None:
    change_request = change_request_create(aco=aco, created_by=admin, operations=[add_participant_op("111000001")])
    services.change_request_decide(change_request=change_request, acting_user=cms_admin, approve=True, reason="Fine")
    assert tins(aco) == {"111000001": "Added Clinic"}


# --- elections ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"risk_option": "professional", "capitation": "tcc"}, "capitation"),
        ({"risk_option": "professional", "cara_participation": True}, "cara_participation"),
    ],
)
def test_tcc_and_cara_are_for_global_risk_only(
    data: dict[str, Any], field: str, aco: ACO, admin: User, open_lists: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.election_save(aco=aco, performance_year=2027, data=data, acting_user=admin)
    assert list(exc.value.message_dict) == [field]
    assert not Election.objects.filter(aco=aco).exists()


def test_switching_a_global_tcc_election_to_professional_is_refused(aco: ACO, admin: User, open_lists: str) -> None:
    ElectionFactory.create(aco=aco, performance_year=2027, risk_option="global", capitation="tcc")
    # Only the risk option is sent: the stored TCC election makes it invalid.
    with pytest.raises(ValidationError) as exc:
        services.election_save(aco=aco, performance_year=2027, data={"risk_option": "professional"}, acting_user=admin)
    assert list(exc.value.message_dict) == ["capitation"]
    assert Election.objects.get(aco=aco).risk_option == "global"


def test_global_risk_may_take_tcc_and_cara_and_professional_may_take_pcc(
    aco: ACO, admin: User, open_lists: str
) -> None:
    election = services.election_save(
        aco=aco,
        performance_year=2027,
        data={"risk_option": "global", "capitation": "tcc", "cara_participation": True},
        acting_user=admin,
    )
    assert (election.risk_option, election.capitation, election.cara_participation) == ("global", "tcc", True)
    election = services.election_save(
        aco=aco,
        performance_year=2028,
        data={"risk_option": "professional", "capitation": "pcc", "alignment_approach": "hybrid"},
        acting_user=admin,
    )
    assert (election.risk_option, election.capitation, election.alignment_approach) == (
        "professional",
        "pcc",
        "hybrid",
    )
    assert Election.objects.filter(aco=aco).count() == 2


def test_elections_close_at_the_list_deadline(aco: ACO, admin: User, locked_lists: str) -> None:
    with pytest.raises(ValidationError, match="Elections for PY2027 closed"):
        services.election_save(aco=aco, performance_year=2027, data={"capitation": "pcc"}, acting_user=admin)
    assert not Election.objects.filter(aco=aco, performance_year=2027).exists()
    # PY2028's deadline (2027-10-31) has not passed on 2026-12-01.
    services.election_save(aco=aco, performance_year=2028, data={"capitation": "pcc"}, acting_user=admin)
    assert Election.objects.get(aco=aco, performance_year=2028).capitation == "pcc"


# --- profile -----------------------------------------------------------------------------------


def test_profile_states_are_normalised(aco: ACO, admin: User) -> None:
    updated = services.aco_update_profile(
        aco=aco, data={"states": ["va", " md ", "VA"], "legal_name": "Renamed ACO, LLC"}, acting_user=admin
    )
    assert (updated.states, updated.legal_name) == (["MD", "VA"], "Renamed ACO, LLC")


@pytest.mark.parametrize(
    ("states", "message"),
    [(["MD", "XX"], "Unknown state code(s): XX."), ([], "Choose at least one state served.")],
)
def test_profile_states_must_be_real_and_not_empty(states: list[str], message: str, aco: ACO, admin: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.aco_update_profile(aco=aco, data={"states": states}, acting_user=admin)
    assert exc.value.message_dict == {"states": [message]}
    aco.refresh_from_db()
    assert aco.states == ["MD"]


def test_profile_update_cannot_change_the_aco_id(aco: ACO, admin: User) -> None:
    original = aco.aco_id
    services.aco_update_profile(aco=aco, data={"aco_id": "L9999", "legal_name": "New name"}, acting_user=admin)
    aco.refresh_from_db()
    assert (aco.aco_id, aco.legal_name) == (original, "New name")


def test_profile_email_is_validated(aco: ACO, admin: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.aco_update_profile(aco=aco, data={"executive_email": "not-an-address"}, acting_user=admin)
    assert "executive_email" in exc.value.message_dict


# --- imports and the demo ----------------------------------------------------------------------


def test_import_loads_the_list_of_record_even_after_the_deadline(aco: ACO, locked_lists: str) -> None:
    ParticipantFactory.create(aco=aco, tin="111000009")
    data = participants_csv(aco, "111000001,Harbor,,21201,,false")
    outcome = services.list_import(aco=aco, performance_year=2027, list_type="participants", data=data)
    assert (outcome.applied, outcome.added, outcome.removed) == (True, 1, 1)
    assert tins(aco) == {"111000001": "Harbor"}
    assert not ListChangeRequest.objects.exists()


def test_demo_load_builds_the_demo_and_is_safe_to_run_again() -> None:
    demo_load(password="demo-password-for-tests")
    l1, l2 = ACO.objects.get(aco_id="L0001"), ACO.objects.get(aco_id="L0002")
    # The demo spec lists 5 participants and 4 preferred providers for L0001, 3 and 1 for L0002,
    # each loaded for PY2027 and PY2028.
    assert [len(s["participants"]) for s in DEMO_ACOS] == [5, 3]
    for aco, n_participants, n_preferred in ((l1, 5, 4), (l2, 3, 1)):
        for py in (2027, 2028):
            assert ParticipantTIN.objects.filter(aco=aco, performance_year=py).count() == n_participants
            assert PreferredProvider.objects.filter(aco=aco, performance_year=py).count() == n_preferred
    assert Membership.objects.get(user__username="cvhp.analyst").role == "analyst"
    assert set(Membership.objects.filter(user__username="network.admin").values_list("aco__aco_id", flat=True)) == {
        "L0001",
        "L0002",
    }
    assert User.objects.get(username="cms.reviewer").cms_role == "reviewer"
    counts = (ACO.objects.count(), ParticipantTIN.objects.count(), User.objects.count(), Membership.objects.count())
    # 2 ACOs; (5 + 3) x 2 years = 16 participant rows; 7 people; 2 + 2 + 2 memberships.
    assert counts == (2, 16, 7, 6)
    demo_load(password="demo-password-for-tests")
    assert (ACO.objects.count(), ParticipantTIN.objects.count(), User.objects.count(), Membership.objects.count()) == (
        counts
    )
