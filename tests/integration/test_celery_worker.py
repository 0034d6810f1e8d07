"""A live Celery worker sends the review notifications: the web process queues the task in Redis
once the transition is committed, and the worker reads the transition from PostgreSQL and writes
the e-mail (to files here)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.models import User
from apps.acos import services
from apps.acos.demo import demo_load
from apps.acos.models import ACO
from apps.reviews.models import ReviewState

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def recipients(message: Any) -> set[str]:
    return {address.strip() for address in message["To"].split(",")}


def test_the_worker_emails_each_side_about_a_list_change_request(celery_worker: Any) -> None:
    demo_load()
    aco = ACO.objects.get(aco_id="L0001")
    # After the PY2027 deadline an ACO administrator's change is a request submitted to CMS.
    outcome = services.list_row_save(
        aco=aco,
        performance_year=2027,
        list_type="participants",
        data={
            "tin": "111000099",
            "legal_name": "Hagerstown Community Clinic",
            "ccns": "",
            "practice_zip": "21740",
            "facility_type": "",
            "new_to_aco": False,
        },
        acting_user=User.objects.get(username="cvhp.admin"),
    )
    assert outcome.change_request is not None
    assert outcome.change_request.review.state == ReviewState.SUBMITTED

    # The ACO's submission tells every CMS reviewer and admin.
    [submitted] = celery_worker.wait_for_messages(1)
    assert submitted["Subject"] == "[LEAD Portal] List change request: Submitted"
    assert recipients(submitted) == {"cms.reviewer@lead-demo.example", "cms.admin@lead-demo.example"}
    body = submitted.get_payload(decode=True).decode()
    assert "moved from Draft to Submitted by Dana Whitfield" in body
    assert f"/acos/L0001/change-requests/{outcome.change_request.pk}/" in body

    # CMS's decision tells the ACO's people: one e-mail per transition (in review, approved).
    services.change_request_decide(
        change_request=outcome.change_request,
        acting_user=User.objects.get(username="cms.reviewer"),
        approve=True,
        reason="TIN confirmed in PECOS.",
    )
    messages = celery_worker.wait_for_messages(3)
    assert len(messages) == 3
    by_subject = {m["Subject"]: m for m in messages}
    assert set(by_subject) == {
        "[LEAD Portal] List change request: Submitted",
        "[LEAD Portal] List change request: In review",
        "[LEAD Portal] List change request: Approved",
    }
    aco_people = {"cvhp.admin@lead-demo.example", "cvhp.analyst@lead-demo.example", "network.admin@lead-demo.example"}
    for subject in ("In review", "Approved"):
        assert recipients(by_subject[f"[LEAD Portal] List change request: {subject}"]) == aco_people
    approved = by_subject["[LEAD Portal] List change request: Approved"].get_payload(decode=True).decode()
    assert "Reason: TIN confirmed in PECOS." in approved
    assert "by Renee Adair" in approved
    assert "Task apps.reviews.tasks.review_transition_notify" in celery_worker.log()
