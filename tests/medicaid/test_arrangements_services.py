"""Partnership arrangements (issue 9): who may draft, edit, submit, withdraw, review and comment;
where an arrangement may be made; what a draft and a submission must hold; and that every step is
the review workflow's (versions, transitions with who and why, e-mails)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.medicaid.arrangements import services
from apps.medicaid.arrangements.views import home_panel
from apps.medicaid.models import MedicaidState, PartnershipArrangement, StateStatus
from apps.reviews import registry
from apps.reviews.models import ReviewState, ReviewVersion
from apps.reviews.selectors import version_diff

pytestmark = pytest.mark.django_db
S = ReviewState
Make = Callable[..., PartnershipArrangement]


def create(aco: ACO, user: User, state: MedicaidState, partner_type: str = "state_agency") -> PartnershipArrangement:
    return services.arrangement_create(
        aco=aco, state=state, acting_user=user, partner_type=partner_type, partner_name="Maryland Medicaid"
    )


def refresh(arrangement: PartnershipArrangement) -> PartnershipArrangement:
    return PartnershipArrangement.objects.select_related("review", "state", "aco").get(pk=arrangement.pk)


def messages_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- the review kind ---------------------------------------------------------------------------


def test_the_arrangement_kind_is_registered() -> None:
    kind = registry.get("medicaid_arrangement")
    assert kind.label == "Medicaid partnership arrangement"


def test_the_kind_knows_who_acts_and_where_the_page_is(
    aco: ACO, admin: User, analyst: User, outsider: User, cms_reviewer: User, make_arrangement: Make
) -> None:
    arrangement = make_arrangement(aco, admin)
    kind = registry.get("medicaid_arrangement")
    case = arrangement.review
    assert kind.can_act_for_aco(admin, case)
    assert not any(kind.can_act_for_aco(u, case) for u in (analyst, outsider, cms_reviewer))
    assert kind.aco_recipients(case) == sorted([admin.email, analyst.email])
    assert kind.url is not None
    assert kind.url(case) == f"/acos/{aco.aco_id}/medicaid/arrangements/{arrangement.pk}/"


# --- creating ----------------------------------------------------------------------------------


def test_admin_drafts_an_arrangement_in_a_selected_state(aco: ACO, admin: User, maryland: MedicaidState) -> None:
    arrangement = create(aco, admin, maryland)
    case = arrangement.review
    assert case.kind == "medicaid_arrangement" and case.state == S.DRAFT and case.created_by == admin
    assert case.title == "Maryland Medicaid \u2013 Maryland partnership arrangement"
    assert case.content == {
        "partner_type": "state_agency",
        "partner_name": "Maryland Medicaid",
        "agreement_status": "planned",
    }
    assert arrangement.aco == aco and arrangement.state == maryland
    assert case.transitions.count() == 0 and case.versions.count() == 0


def test_only_the_acos_admins_draft(
    aco: ACO,
    analyst: User,
    outsider: User,
    cms_reviewer: User,
    cms_admin: User,
    plain_user: User,
    maryland: MedicaidState,
) -> None:
    for user in (analyst, outsider, cms_reviewer, cms_admin, plain_user):
        with pytest.raises(PermissionDenied):
            create(aco, user, maryland)
    assert PartnershipArrangement.objects.count() == 0


@pytest.mark.parametrize("status", [StateStatus.INTERESTED, StateStatus.UNDER_CONSIDERATION, StateStatus.NOT_SELECTED])
def test_no_arrangement_in_a_state_that_is_not_selected(
    aco: ACO, admin: User, make_state: Callable[..., MedicaidState], status: str
) -> None:
    state = make_state(status=status)
    with pytest.raises(ValidationError) as exc:
        create(aco, admin, state)
    [message] = messages_of(exc)["state"]
    assert message.startswith("State: Maryland is ") and "not selected" in message
    assert PartnershipArrangement.objects.count() == 0


def test_no_arrangement_in_a_state_the_aco_does_not_serve(
    aco: ACO, admin: User, make_state: Callable[..., MedicaidState]
) -> None:
    virginia = make_state(code="VA", name="Virginia")  # selected, but the ACO serves MD only
    with pytest.raises(ValidationError) as exc:
        create(aco, admin, virginia)
    assert messages_of(exc)["state"] == [
        f"State: {aco.aco_id} does not serve Virginia (it serves MD); arrangements are made in the ACO's own states."
    ]


def test_an_mco_only_in_a_managed_care_state(aco: ACO, admin: User, make_state: Callable[..., MedicaidState]) -> None:
    ffs = make_state(delivery_system="ffs")
    with pytest.raises(ValidationError) as exc:
        create(aco, admin, ffs, partner_type="mco")
    [message] = messages_of(exc)["partner_type"]
    assert message.startswith("Partner type: Maryland delivers Medicaid through fee-for-service")
    assert "managed care" in message
    # The agency is fine there; and an MCO is fine once the state is managed care.
    assert create(aco, admin, ffs).review.content["partner_type"] == "state_agency"
    managed = make_state(delivery_system="managed_care")
    assert create(aco, admin, managed, partner_type="mco").review.content["partner_type"] == "mco"


def test_an_mco_cannot_be_chosen_later_in_a_ffs_state(
    aco: ACO, admin: User, make_state: Callable[..., MedicaidState]
) -> None:
    arrangement = create(aco, admin, make_state(delivery_system="ffs"))
    with pytest.raises(ValidationError) as exc:
        services.arrangement_save_draft(arrangement=arrangement, content={"partner_type": "mco"}, acting_user=admin)
    assert "partner_type" in messages_of(exc)
    assert refresh(arrangement).review.content["partner_type"] == "state_agency"


def test_partner_name_and_type_are_needed_to_start(aco: ACO, admin: User, maryland: MedicaidState) -> None:
    with pytest.raises(ValidationError) as exc:
        services.arrangement_create(aco=aco, state=maryland, acting_user=admin, partner_type="", partner_name=" ")
    assert messages_of(exc) == {"partner_name": ["Partner: required."], "partner_type": ["Partner type: required."]}


# --- drafts ------------------------------------------------------------------------------------


def test_a_draft_may_be_incomplete_and_keeps_what_is_not_sent(aco: ACO, admin: User, maryland: MedicaidState) -> None:
    arrangement = create(aco, admin, maryland)
    services.arrangement_save_draft(arrangement=arrangement, content={"roles": "  We coordinate.  "}, acting_user=admin)
    content = refresh(arrangement).review.content
    assert content["roles"] == "We coordinate."
    assert content["partner_name"] == "Maryland Medicaid"  # untouched


def test_renaming_the_partner_renames_the_case(aco: ACO, admin: User, maryland: MedicaidState) -> None:
    arrangement = create(aco, admin, maryland)
    services.arrangement_save_draft(
        arrangement=arrangement, content={"partner_name": "Priority MCO"}, acting_user=admin
    )
    assert refresh(arrangement).review.title == "Priority MCO \u2013 Maryland partnership arrangement"


def test_a_draft_must_be_well_formed_and_each_message_names_its_field(
    aco: ACO, admin: User, maryland: MedicaidState
) -> None:
    arrangement = create(aco, admin, maryland)
    with pytest.raises(ValidationError) as exc:
        services.arrangement_save_draft(
            arrangement=arrangement,
            content={
                "start_date": "2028-13-01",
                "agreement_status": "maybe",
                "strategies": {"integrated_care_plans": "ok", "telepathy": "no"},
                "data_sharing": {"status": "sort of", "signed_on": "", "description": ""},
                "contacts": [
                    {"side": "aco", "name": "Ada", "email": "ada@example.org"},
                    {"side": "", "name": "", "email": ""},  # blank: ignored, so the next one is contact 2
                    {"side": "both", "name": "Ben", "email": "not-an-address"},
                ],
                "budget": "1",
            },
            acting_user=admin,
        )
    errors = messages_of(exc)
    assert errors["start_date"] == ["Start date: enter a date as YYYY-MM-DD, e.g. 2028-01-01."]
    assert errors["agreement_status"] == [
        "Agreement status: choose one of: Planned, In negotiation, Signed, In effect, Ended."
    ]
    assert errors["strategies"] == [
        "Care-coordination strategies: 'telepathy' is not a strategy; use integrated_care_plans, "
        "primary_care_connection, risk_stratification, nursing_facility_transitions."
    ]
    assert errors["data_sharing.status"] == [
        "Data-sharing agreement status: choose one of: No agreement yet, Drafted, Signed."
    ]
    assert errors["contacts.1.side"] == ["Contact 2: side: choose ACO or Medicaid partner."]
    assert errors["contacts.1.email"] == ["Contact 2: e-mail: 'not-an-address' is not a valid e-mail address."]
    assert errors["budget"] == ["'budget' is not part of a partnership arrangement."]
    assert "roles" not in refresh(arrangement).review.content  # nothing was saved


def test_end_date_before_start_date_is_refused(aco: ACO, admin: User, maryland: MedicaidState) -> None:
    arrangement = create(aco, admin, maryland)
    services.arrangement_save_draft(arrangement=arrangement, content={"start_date": "2028-03-01"}, acting_user=admin)
    with pytest.raises(ValidationError) as exc:
        services.arrangement_save_draft(arrangement=arrangement, content={"end_date": "2028-02-29"}, acting_user=admin)
    assert messages_of(exc) == {"end_date": ["End date: must be on or after the start date (2028-03-01)."]}
    services.arrangement_save_draft(arrangement=arrangement, content={"end_date": "2028-03-01"}, acting_user=admin)
    assert refresh(arrangement).review.content["end_date"] == "2028-03-01"


def test_blank_contacts_and_strategies_are_dropped_and_signature_date_needs_a_signature(
    aco: ACO, admin: User, maryland: MedicaidState
) -> None:
    arrangement = create(aco, admin, maryland)
    services.arrangement_save_draft(
        arrangement=arrangement,
        content={
            "strategies": {"integrated_care_plans": "  ", "risk_stratification": "Shared risk scores."},
            "data_sharing": {"status": "drafted", "signed_on": "2027-01-01", "description": "Rosters."},
            "contacts": [{"side": "aco"}, {"name": "Ada", "email": "ada@example.org"}],
        },
        acting_user=admin,
    )
    content = refresh(arrangement).review.content
    assert content["strategies"] == {"risk_stratification": "Shared risk scores."}
    assert content["data_sharing"] == {"status": "drafted", "signed_on": "", "description": "Rosters."}
    assert content["contacts"] == [
        {"side": "", "name": "Ada", "organization": "", "role": "", "email": "ada@example.org", "phone": ""}
    ]


def test_only_admins_edit_drafts(
    aco: ACO, admin: User, analyst: User, outsider: User, cms_reviewer: User, make_arrangement: Make
) -> None:
    arrangement = make_arrangement(aco, admin)
    for user in (analyst, outsider, cms_reviewer):
        with pytest.raises(PermissionDenied):
            services.arrangement_save_draft(arrangement=arrangement, content={"roles": "x"}, acting_user=user)
        with pytest.raises(PermissionDenied):
            services.arrangement_submit(arrangement=arrangement, acting_user=user)
        with pytest.raises(PermissionDenied):
            services.arrangement_withdraw(arrangement=arrangement, acting_user=user)
    assert refresh(arrangement).review.state == S.DRAFT


# --- submission --------------------------------------------------------------------------------


def test_submission_lists_every_missing_field_by_label(aco: ACO, admin: User, maryland: MedicaidState) -> None:
    arrangement = create(aco, admin, maryland)  # partner type, name and "planned" only
    with pytest.raises(ValidationError) as exc:
        services.arrangement_submit(arrangement=arrangement, acting_user=admin)
    assert messages_of(exc) == {
        "roles": ["Roles and responsibilities: required."],
        "strategies": ["Care-coordination strategies: describe at least one care-coordination strategy."],
        "data_sharing.status": ["Data-sharing agreement status: required."],
        "data_sharing.description": ["What is shared and how opt-outs are honoured: required."],
        "contacts": [
            "Contacts: name at least one contact at the ACO.",
            "Contacts: name at least one contact at the Medicaid partner.",
        ],
    }
    assert refresh(arrangement).review.state == S.DRAFT


def test_agreement_dates_and_signature_rules_at_submission(
    aco: ACO, admin: User, maryland: MedicaidState, make_arrangement: Make, full_arrangement: dict[str, Any]
) -> None:
    content = dict(
        full_arrangement,
        agreement_status="ended",
        data_sharing={"status": "signed", "signed_on": "", "description": "Rosters."},
        contacts=[
            {"side": "aco", "name": "Ada", "email": "ada@example.org"},
            {"side": "partner", "name": "Ben", "email": ""},
        ],
    )
    arrangement = make_arrangement(aco, admin, content=content)
    with pytest.raises(ValidationError) as exc:
        services.arrangement_submit(arrangement=arrangement, acting_user=admin)
    assert messages_of(exc) == {
        "start_date": ["Start date: required for an agreement that is ended."],
        "end_date": ["End date: required for an agreement that has ended."],
        "data_sharing.signed_on": ["Data-sharing agreement signed on: required when the agreement is signed."],
        "contacts.1.email": ["Contact 2: e-mail: required."],
    }


@pytest.mark.parametrize("status", ["signed", "active"])
def test_a_signed_or_active_agreement_needs_a_start_date(
    aco: ACO, admin: User, make_arrangement: Make, full_arrangement: dict[str, Any], status: str
) -> None:
    arrangement = make_arrangement(aco, admin, content=dict(full_arrangement, agreement_status=status))
    with pytest.raises(ValidationError) as exc:
        services.arrangement_submit(arrangement=arrangement, acting_user=admin)
    assert list(messages_of(exc)) == ["start_date"]
    services.arrangement_save_draft(arrangement=arrangement, content={"start_date": "2028-01-01"}, acting_user=admin)
    assert services.arrangement_submit(arrangement=arrangement, acting_user=admin).review.state == S.SUBMITTED


def test_admin_submits_a_complete_arrangement(
    aco: ACO, admin: User, make_arrangement: Make, full_arrangement: dict[str, Any]
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    case = refresh(arrangement).review
    assert case.state == S.SUBMITTED and case.submitted_at is not None
    [version] = ReviewVersion.objects.filter(case=case)
    assert version.number == 1 and version.submitted_by == admin
    assert version.content == full_arrangement
    [t] = case.transitions.all()
    assert (t.from_state, t.to_state, t.actor, t.reason) == (S.DRAFT, S.SUBMITTED, admin, "")


def test_no_submission_once_the_state_is_no_longer_selected(
    aco: ACO, admin: User, maryland: MedicaidState, make_arrangement: Make
) -> None:
    arrangement = make_arrangement(aco, admin)
    MedicaidState.objects.filter(pk=maryland.pk).update(status=StateStatus.UNDER_CONSIDERATION)
    with pytest.raises(ValidationError, match="Maryland is no longer selected"):
        services.arrangement_submit(arrangement=refresh(arrangement), acting_user=admin)
    assert refresh(arrangement).review.state == S.DRAFT


def test_no_edit_while_submitted_or_in_review(
    aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    with pytest.raises(ValidationError, match="submitted; it can only be changed"):
        services.arrangement_save_draft(arrangement=arrangement, content={"roles": "late"}, acting_user=admin)
    services.arrangement_start_review(arrangement=arrangement, acting_user=cms_reviewer)
    with pytest.raises(ValidationError, match="in review"):
        services.arrangement_save_draft(arrangement=refresh(arrangement), content={"roles": "late"}, acting_user=admin)
    with pytest.raises(ValidationError):
        services.arrangement_submit(arrangement=refresh(arrangement), acting_user=admin)
    assert refresh(arrangement).review.content["roles"] != "late"


# --- withdrawal --------------------------------------------------------------------------------


def test_admin_withdraws_a_draft_or_a_submitted_arrangement_with_a_reason(
    aco: ACO, admin: User, make_arrangement: Make
) -> None:
    draft = make_arrangement(aco, admin)
    services.arrangement_withdraw(arrangement=draft, acting_user=admin)
    submitted = make_arrangement(aco, admin, stage="submitted")
    services.arrangement_withdraw(arrangement=submitted, acting_user=admin, reason="  The MCO left the state. ")
    assert refresh(draft).review.state == S.WITHDRAWN
    last = refresh(submitted).review.transitions.last()
    assert last is not None
    assert (last.from_state, last.to_state, last.actor, last.reason) == (
        S.SUBMITTED,
        S.WITHDRAWN,
        admin,
        "The MCO left the state.",
    )
    with pytest.raises(ValidationError, match="withdrawn"):
        services.arrangement_withdraw(arrangement=refresh(submitted), acting_user=admin)


def test_no_withdrawal_once_cms_is_reviewing(aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    services.arrangement_start_review(arrangement=arrangement, acting_user=cms_reviewer)
    with pytest.raises(ValidationError):
        services.arrangement_withdraw(arrangement=refresh(arrangement), acting_user=admin)


# --- CMS review --------------------------------------------------------------------------------


def test_changes_requested_then_resubmitted_as_version_two_then_approved(
    aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    services.arrangement_request_changes(
        arrangement=arrangement, acting_user=cms_reviewer, reason="Describe the nursing facility transitions."
    )
    arrangement = refresh(arrangement)
    assert arrangement.review.state == S.CHANGES_REQUESTED
    services.arrangement_save_draft(
        arrangement=arrangement,
        content={
            "strategies": {
                "integrated_care_plans": "One shared care plan per full-benefit dual.",
                "nursing_facility_transitions": "A transition nurse for every long-stay resident going home.",
            }
        },
        acting_user=admin,
    )
    services.arrangement_submit(arrangement=refresh(arrangement), acting_user=admin)
    case = refresh(arrangement).review
    assert [v.number for v in case.versions.all()] == [1, 2]
    assert version_diff(case=case) == [
        {
            "field": "strategies",
            "old": {"integrated_care_plans": "One shared care plan per full-benefit dual."},
            "new": {
                "integrated_care_plans": "One shared care plan per full-benefit dual.",
                "nursing_facility_transitions": "A transition nurse for every long-stay resident going home.",
            },
        }
    ]
    services.arrangement_decide(
        arrangement=refresh(arrangement), acting_user=cms_reviewer, approve=True, reason="Meets the framework."
    )
    case = refresh(arrangement).review
    assert case.state == S.APPROVED and case.decided_by == cms_reviewer
    assert case.decision_reason == "Meets the framework."
    trail = [(t.from_state, t.to_state, t.actor.username, t.reason) for t in case.transitions.select_related("actor")]
    assert trail == [
        (S.DRAFT, S.SUBMITTED, "aco.admin", ""),
        (S.SUBMITTED, S.IN_REVIEW, "cms.reviewer", ""),
        (S.IN_REVIEW, S.CHANGES_REQUESTED, "cms.reviewer", "Describe the nursing facility transitions."),
        (S.CHANGES_REQUESTED, S.SUBMITTED, "aco.admin", "Resubmitted"),
        (S.SUBMITTED, S.IN_REVIEW, "cms.reviewer", ""),
        (S.IN_REVIEW, S.APPROVED, "cms.reviewer", "Meets the framework."),
    ]


def test_a_cms_admin_denies_with_a_reason(aco: ACO, admin: User, cms_admin: User, make_arrangement: Make) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    services.arrangement_start_review(arrangement=arrangement, acting_user=cms_admin)
    services.arrangement_decide(
        arrangement=refresh(arrangement), acting_user=cms_admin, approve=False, reason="No data-sharing safeguards."
    )
    case = refresh(arrangement).review
    assert case.state == S.DENIED and case.decision_reason == "No data-sharing safeguards."
    last = case.transitions.last()
    assert last is not None and (last.actor, last.reason) == (cms_admin, "No data-sharing safeguards.")


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required_to_request_changes_approve_or_deny(
    aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make, reason: str
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    with pytest.raises(ValidationError) as exc:
        services.arrangement_request_changes(arrangement=arrangement, acting_user=cms_reviewer, reason=reason)
    assert "reason" in messages_of(exc)
    for approve in (True, False):
        with pytest.raises(ValidationError):
            services.arrangement_decide(
                arrangement=refresh(arrangement), acting_user=cms_reviewer, approve=approve, reason=reason
            )
    assert refresh(arrangement).review.state == S.SUBMITTED


def test_only_cms_reviewers_decide(
    aco: ACO, admin: User, analyst: User, outsider: User, plain_user: User, make_arrangement: Make
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    for user in (admin, analyst, outsider, plain_user):
        with pytest.raises(PermissionDenied):
            services.arrangement_start_review(arrangement=arrangement, acting_user=user)
        with pytest.raises(PermissionDenied):
            services.arrangement_request_changes(arrangement=arrangement, acting_user=user, reason="x")
        with pytest.raises(PermissionDenied):
            services.arrangement_decide(arrangement=arrangement, acting_user=user, approve=True, reason="x")
    assert refresh(arrangement).review.state == S.SUBMITTED


def test_a_decided_arrangement_cannot_be_decided_again(
    aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make
) -> None:
    arrangement = make_arrangement(aco, admin, stage="approved", reviewer=cms_reviewer)
    with pytest.raises(ValidationError, match="approved"):
        services.arrangement_decide(arrangement=arrangement, acting_user=cms_reviewer, approve=False, reason="x")


# --- comments ----------------------------------------------------------------------------------


def test_both_sides_comment_and_nobody_else(
    aco: ACO,
    admin: User,
    analyst: User,
    outsider: User,
    cms_reviewer: User,
    make_arrangement: Make,
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    services.arrangement_comment(arrangement=arrangement, acting_user=cms_reviewer, body="Who pays?", section="roles")
    services.arrangement_comment(arrangement=arrangement, acting_user=admin, body="The agency.", section="roles")
    for user in (analyst, outsider):
        with pytest.raises(PermissionDenied):
            services.arrangement_comment(arrangement=arrangement, acting_user=user, body="Me too")
    with pytest.raises(ValidationError):
        services.arrangement_comment(arrangement=arrangement, acting_user=admin, body="x", section="budget")
    comments = list(arrangement.review.comments.order_by("id"))
    assert [(c.author, c.section, c.body, c.version.number if c.version else None) for c in comments] == [
        (cms_reviewer, "roles", "Who pays?", 1),
        (admin, "roles", "The agency.", 1),
    ]


# --- e-mails -----------------------------------------------------------------------------------


def test_submission_tells_cms_and_decisions_tell_the_aco(
    aco: ACO,
    admin: User,
    analyst: User,
    outsider: User,
    cms_reviewer: User,
    cms_admin: User,
    make_arrangement: Make,
    mailoutbox: list[mail.EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    arrangement = make_arrangement(aco, admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.arrangement_submit(arrangement=arrangement, acting_user=admin)
    [to_cms] = mailoutbox
    assert to_cms.subject == "[LEAD Portal] Medicaid partnership arrangement: Submitted"
    assert sorted(to_cms.to) == sorted([cms_reviewer.email, cms_admin.email])
    assert "\u201cMaryland Medicaid Administration \u2013 Maryland partnership arrangement\u201d" in to_cms.body
    assert f"/acos/{aco.aco_id}/medicaid/arrangements/{arrangement.pk}/" in to_cms.body
    with django_capture_on_commit_callbacks(execute=True):
        services.arrangement_decide(
            arrangement=refresh(arrangement), acting_user=cms_reviewer, approve=False, reason="Out of scope."
        )
    assert [m.subject for m in mailoutbox[1:]] == [
        "[LEAD Portal] Medicaid partnership arrangement: In review",
        "[LEAD Portal] Medicaid partnership arrangement: Denied",
    ]
    for message in mailoutbox[1:]:
        assert sorted(message.to) == sorted([admin.email, analyst.email])
        assert outsider.email not in message.to
    assert "Reason: Out of scope." in mailoutbox[2].body


# --- the home panel ----------------------------------------------------------------------------


def test_home_panel_summarises_states_and_arrangements(
    aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make
) -> None:
    make_arrangement(aco, admin)
    make_arrangement(aco, admin, stage="submitted")
    make_arrangement(aco, admin, stage="submitted")
    found = home_panel(aco, 2027)
    assert found is not None
    template, context = found
    assert template == "medicaid/arrangements/panel.html"
    assert [row.code for row in context["medicaid_states"]] == ["MD"]  # type: ignore[attr-defined]
    assert context["medicaid_counts"] == [("Draft", 1), ("Submitted", 2)]


def test_no_home_panel_when_no_state_of_the_aco_is_in_planning(aco: ACO) -> None:
    assert home_panel(aco, 2027) is None
