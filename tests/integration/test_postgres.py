"""The migrations and the core list and review services on real PostgreSQL: JSON containment on
``ccns``, the TIN-per-performance-year constraint, and the row locks that SQLite never takes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from apps.accounts.models import User
from apps.acos import services
from apps.acos.demo import demo_load
from apps.acos.models import ACO, ListChangeRequest, ModelParameters, ParticipantTIN
from apps.reviews.models import ReviewCase, ReviewState

pytestmark = pytest.mark.integration

HEADER = "aco_id,performance_year,tin,legal_name,ccns,practice_zip,facility_type,new_to_aco"
NEW_CLINIC = {
    "tin": "111000099",
    "legal_name": "Hagerstown Community Clinic",
    "ccns": "",
    "practice_zip": "21740",
    "facility_type": "",
    "new_to_aco": False,
}


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def tins(aco_id: str, performance_year: int) -> set[str]:
    return set(
        ParticipantTIN.objects.filter(aco__aco_id=aco_id, performance_year=performance_year).values_list(
            "tin", flat=True
        )
    )


def person(username: str) -> User:
    return User.objects.get(username=username)


def in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``target`` in a thread with its own database connection; the outcome lands in the dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = target()
        except Exception as exc:  # noqa: BLE001 (handed back to the test, which asserts on it)
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


@pytest.mark.django_db
def test_the_database_is_postgresql_fully_migrated_with_default_parameters() -> None:
    assert connection.vendor == "postgresql"
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    # The models and the migrations agree (no change left without its migration).
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
    assert list(ModelParameters.objects.values_list("performance_year", flat=True)) == [2027, 2028, 2029]


@pytest.mark.django_db
def test_upload_with_a_bad_row_changes_nothing_and_a_good_one_stores_ccns_as_json() -> None:
    demo_load()
    aco = ACO.objects.get(aco_id="L0001")
    admin = person("cvhp.admin")
    before = tins("L0001", 2028)

    bad = csv_bytes(
        "L0001,2028,111000006,Hancock Rural Health Clinic,21A801;21A802,21750,RHC,true",
        "L0001,2028,11100007,Frederick Pediatrics,,21701,,false",
    )
    outcome = services.list_upload(
        aco=aco, performance_year=2028, list_type="participants", data=bad, replace=False, acting_user=admin
    )
    assert not outcome.applied
    assert [(e.line, e.field, e.value) for e in outcome.errors] == [(3, "tin", "11100007")]
    assert tins("L0001", 2028) == before

    # A row refused by a database check (the TIN is another ACO's) refuses the whole file too.
    taken = csv_bytes(
        "L0001,2028,111000006,Hancock Rural Health Clinic,21A801;21A802,21750,RHC,true",
        "L0001,2028,122000001,Bluefield Family Practice,,24701,,false",
    )
    outcome = services.list_upload(
        aco=aco, performance_year=2028, list_type="participants", data=taken, replace=False, acting_user=admin
    )
    assert [(e.line, e.field, e.value) for e in outcome.errors] == [(3, "tin", "122000001")]
    assert tins("L0001", 2028) == before

    good = csv_bytes("L0001,2028,111000006,Hancock Rural Health Clinic,21a801; 21A802,21750,RHC,true")
    outcome = services.list_upload(
        aco=aco, performance_year=2028, list_type="participants", data=good, replace=False, acting_user=admin
    )
    assert outcome.applied and outcome.added == 1 and outcome.change_request is None
    assert tins("L0001", 2028) == before | {"111000006"}
    row = ParticipantTIN.objects.get(aco=aco, performance_year=2028, tin="111000006")
    assert row.ccns == ["21A801", "21A802"]
    # jsonb containment, PostgreSQL's own lookup: the CCN finds its participant.
    assert list(ParticipantTIN.objects.filter(ccns__contains=["21A802"]).values_list("tin", flat=True)) == ["111000006"]
    assert set(ParticipantTIN.objects.filter(ccns__contains=["363801"]).values_list("performance_year", flat=True)) == {
        2027,
        2028,
    }


@pytest.mark.django_db
def test_a_tin_is_in_one_aco_per_performance_year() -> None:
    demo_load()
    mountain = ACO.objects.get(aco_id="L0002")
    # The service refuses it with the reason...
    outcome = services.list_upload(
        aco=mountain,
        performance_year=2028,
        list_type="participants",
        data=csv_bytes("L0002,2028,111000001,Harbor Family Medicine PA,,21201,,false"),
        replace=False,
        acting_user=person("msaco.admin"),
    )
    assert [e.reason for e in outcome.errors] == ["is already a Participant TIN of another LEAD ACO for PY2028"]
    # ...and the database refuses it even when the service is bypassed.
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipantTIN.objects.create(
            aco=mountain, performance_year=2028, tin="111000001", legal_name="Harbor", practice_zip="21201"
        )
    # Another performance year is another list: the same TIN may be in another ACO there.
    ParticipantTIN.objects.create(
        aco=mountain, performance_year=2029, tin="111000001", legal_name="Harbor", practice_zip="21201"
    )
    assert ParticipantTIN.objects.filter(tin="111000001").count() == 3


@pytest.mark.django_db
def test_a_change_after_the_deadline_is_applied_only_when_approved() -> None:
    demo_load()
    aco = ACO.objects.get(aco_id="L0001")
    outcome = services.list_row_save(
        aco=aco, performance_year=2027, list_type="participants", data=NEW_CLINIC, acting_user=person("cvhp.admin")
    )
    change_request = outcome.change_request
    assert change_request is not None and not outcome.applied
    assert change_request.review.state == ReviewState.SUBMITTED
    assert "111000099" not in tins("L0001", 2027)

    services.change_request_decide(
        change_request=change_request,
        acting_user=person("cms.reviewer"),
        approve=True,
        reason="TIN confirmed in PECOS.",
    )
    case = ReviewCase.objects.get(pk=change_request.review_id)
    assert case.state == ReviewState.APPROVED
    assert case.decision_reason == "TIN confirmed in PECOS."
    assert list(case.transitions.values_list("to_state", flat=True)) == ["submitted", "in_review", "approved"]
    assert "111000099" in tins("L0001", 2027)
    # A decided request cannot be decided again.
    with pytest.raises(ValidationError, match="approved; that action is not possible now"):
        services.change_request_decide(
            change_request=change_request, acting_user=person("cms.admin"), approve=False, reason="Again"
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_decision_waits_for_the_first_and_is_then_refused() -> None:
    """case_decide re-reads the case under SELECT ... FOR UPDATE: a reviewer deciding while
    another's decision is in progress waits for it, then sees the case decided."""
    demo_load()
    aco = ACO.objects.get(aco_id="L0001")
    outcome = services.list_row_save(
        aco=aco, performance_year=2027, list_type="participants", data=NEW_CLINIC, acting_user=person("cvhp.admin")
    )
    assert outcome.change_request is not None
    request_id = outcome.change_request.pk

    def approve() -> Any:
        change_request = ListChangeRequest.objects.select_related("review").get(pk=request_id)
        return services.change_request_decide(
            change_request=change_request, acting_user=person("cms.admin"), approve=True, reason="Looks right."
        )

    with transaction.atomic():
        first = ListChangeRequest.objects.select_related("review").get(pk=request_id)
        ReviewCase.objects.select_for_update().get(pk=first.review_id)
        thread, result = in_thread(approve)
        thread.join(timeout=1.5)
        assert thread.is_alive(), f"the second decision did not wait for the row lock: {result}"
        services.change_request_decide(
            change_request=first, acting_user=person("cms.reviewer"), approve=False, reason="Not a LEAD TIN."
        )
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert isinstance(result.get("error"), ValidationError), result
    assert "is denied" in str(result["error"])
    case = ReviewCase.objects.get(pk=first.review_id)
    assert case.state == ReviewState.DENIED
    assert list(case.transitions.values_list("to_state", flat=True)) == ["submitted", "in_review", "denied"]
    assert "111000099" not in tins("L0001", 2027)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_list_changes_to_one_aco_are_serialised() -> None:
    """list_change locks the ACO row: a second change waits for the first and is then checked
    against the list as the first left it (no IntegrityError, no duplicate)."""
    demo_load()
    aco = ACO.objects.get(aco_id="L0001")
    admin = person("cvhp.admin")

    def add_again() -> Any:
        return services.list_row_save(
            aco=aco, performance_year=2028, list_type="participants", data=NEW_CLINIC, acting_user=admin
        )

    with transaction.atomic():
        services.list_row_save(
            aco=aco, performance_year=2028, list_type="participants", data=NEW_CLINIC, acting_user=admin
        )
        thread, result = in_thread(add_again)
        thread.join(timeout=1.5)
        assert thread.is_alive(), f"the second change did not wait for the ACO lock: {result}"
    thread.join(timeout=30)
    assert not thread.is_alive()
    error = result.get("error")
    assert isinstance(error, services.ListRowsInvalid), result
    assert [e.reason for e in error.row_errors] == ["is already on the list"]
    assert ParticipantTIN.objects.filter(performance_year=2028, tin="111000099").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_unique_index_stops_two_acos_adding_one_tin_at_once() -> None:
    """Two ACOs lock different rows, so both pass the service's check; PostgreSQL's unique index
    makes the second insert wait for the first and then refuses it."""
    demo_load()
    chesapeake = ACO.objects.get(aco_id="L0001")
    mountain = ACO.objects.get(aco_id="L0002")

    def add_to_mountain() -> Any:
        return services.list_row_save(
            aco=mountain,
            performance_year=2028,
            list_type="participants",
            data=NEW_CLINIC,
            acting_user=person("msaco.admin"),
        )

    with transaction.atomic():
        services.list_row_save(
            aco=chesapeake,
            performance_year=2028,
            list_type="participants",
            data=NEW_CLINIC,
            acting_user=person("cvhp.admin"),
        )
        thread, result = in_thread(add_to_mountain)
        thread.join(timeout=1.5)
        assert thread.is_alive(), f"the second insert did not wait for the first: {result}"
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert isinstance(result.get("error"), IntegrityError), result
    assert list(ParticipantTIN.objects.filter(tin="111000099").values_list("aco__aco_id", flat=True)) == ["L0001"]
