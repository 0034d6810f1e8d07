"""BE/BEI rules (docs/benefits.md): who may choose items, write, submit and decide plans; the catalogue
rules; plan validation; immutable submitted versions; attachments; and the delivery log's caps."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.acos.models import ACO, Membership, ModelParameters, RiskOption
from apps.benefits import selectors, services
from apps.benefits.models import BenefitItem, ImplementationPlan
from apps.reviews import registry
from apps.reviews.models import ReviewState, ReviewTransition
from apps.reviews.selectors import version_diff
from tests.benefits.builders import FULL_PLAN, SA_EXTRA, approved_plan, draft_plan, submitted_plan
from tests.factories import ElectionFactory, MembershipFactory, aligned, alignment_run, cclf8_beneficiary

pytestmark = pytest.mark.django_db
S = ReviewState
MBI = "1EG4TE5MK73"


@pytest.fixture
def global_aco(aco: ACO) -> ACO:
    ElectionFactory.create(aco=aco, performance_year=2027, risk_option=RiskOption.GLOBAL)
    return aco


@pytest.fixture
def today(settings: Settings) -> str:
    settings.PORTAL_TODAY = "2027-06-30"
    return "2027-06-30"


# --- the catalogue ---------------------------------------------------------------------------


def test_catalogue_is_seeded_for_three_years_with_the_parameter_limits() -> None:
    for year in (2027, 2028, 2029):
        assert BenefitItem.objects.filter(performance_year=year).count() == 12
    sa = BenefitItem.objects.get(performance_year=2027, code="substance_access")
    assert sa.annual_cap_dollars == Decimal("500.00") and sa.legal_states_only
    assert sa.extra_plan_fields == ["products", "dosing", "frequency"]
    assert BenefitItem.objects.get(performance_year=2028, code="care_management_home_visits").annual_cap_count == 20
    assert BenefitItem.objects.get(performance_year=2029, code="part_d_premium_buydown").first_performance_year == 2029
    assert BenefitItem.objects.get(performance_year=2027, code="medical_nutrition_therapy").global_only


def test_admin_chooses_an_item(global_aco: ACO, admin: User) -> None:
    selection = services.selection_create(
        aco=global_aco, performance_year=2027, item_code="telehealth", acting_user=admin
    )
    assert selection.item.code == "telehealth" and selection.selected_by == admin
    assert selection.restricted_states == []
    with pytest.raises(ValidationError, match="already chosen"):
        services.selection_create(aco=global_aco, performance_year=2027, item_code="telehealth", acting_user=admin)


def test_only_admins_choose_items(
    global_aco: ACO, analyst: User, cms_reviewer: User, outsider: User, plain_user: User
) -> None:
    for user in (analyst, cms_reviewer, outsider, plain_user):
        with pytest.raises(PermissionDenied):
            services.selection_create(aco=global_aco, performance_year=2027, item_code="telehealth", acting_user=user)


def test_unknown_item_is_refused(global_aco: ACO, admin: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.selection_create(aco=global_aco, performance_year=2027, item_code="free_lunch", acting_user=admin)
    assert "item_code" in exc.value.message_dict


def test_professional_aco_cannot_choose_medical_nutrition_therapy(aco: ACO, admin: User) -> None:
    ElectionFactory.create(aco=aco, performance_year=2027, risk_option=RiskOption.PROFESSIONAL)
    with pytest.raises(ValidationError, match="only for ACOs taking Global risk"):
        services.selection_create(
            aco=aco, performance_year=2027, item_code="medical_nutrition_therapy", acting_user=admin
        )
    row = next(r for r in selectors.catalogue_for(aco=aco, performance_year=2027) if r.item.code.startswith("medical"))
    assert not row.selectable and "Professional" in row.reason


def test_aco_without_a_risk_election_cannot_choose_medical_nutrition_therapy(aco: ACO, admin: User) -> None:
    with pytest.raises(ValidationError, match="no risk election"):
        services.selection_create(
            aco=aco, performance_year=2027, item_code="medical_nutrition_therapy", acting_user=admin
        )


def test_global_aco_chooses_medical_nutrition_therapy(global_aco: ACO, admin: User) -> None:
    selection = services.selection_create(
        aco=global_aco, performance_year=2027, item_code="medical_nutrition_therapy", acting_user=admin
    )
    assert selection.item.global_only


@pytest.mark.parametrize(("year", "allowed"), [(2027, False), (2028, False), (2029, True)])
def test_part_d_buydown_only_from_py2029(aco: ACO, admin: User, year: int, allowed: bool) -> None:
    if allowed:
        selection = services.selection_create(
            aco=aco, performance_year=year, item_code="part_d_premium_buydown", acting_user=admin
        )
        assert selection.performance_year == 2029
    else:
        with pytest.raises(ValidationError, match="offered from PY2029"):
            services.selection_create(
                aco=aco, performance_year=year, item_code="part_d_premium_buydown", acting_user=admin
            )


def test_substance_access_refused_where_no_state_of_the_aco_allows_it(aco: ACO, admin: User) -> None:
    ModelParameters.objects.filter(performance_year=2027).update(substance_access_legal_states=["CO", "VA"])
    # The ACO serves MD only; MD is not in the PY's list.
    with pytest.raises(ValidationError, match=r"not legal in any state this ACO serves \(MD\)"):
        services.selection_create(aco=aco, performance_year=2027, item_code="substance_access", acting_user=admin)


def test_substance_access_restricted_to_the_states_that_allow_it(aco: ACO, admin: User) -> None:
    # The seeded list is every state but Idaho: an ACO serving ID and MD offers it in MD only.
    aco.states = ["ID", "MD"]
    aco.save()
    selection = services.selection_create(
        aco=aco, performance_year=2027, item_code="substance_access", acting_user=admin
    )
    assert selection.restricted_states == ["MD"]
    row = next(r for r in selectors.catalogue_for(aco=aco, performance_year=2027) if r.item.code == "substance_access")
    assert row.selectable and row.selection == selection and "not legal in ID" in row.reason


def test_substance_access_unrestricted_where_every_state_allows_it(aco: ACO, admin: User) -> None:
    selection = services.selection_create(
        aco=aco, performance_year=2027, item_code="substance_access", acting_user=admin
    )
    assert selection.restricted_states == []


def test_catalogue_rows_say_what_may_be_chosen(aco: ACO, admin: User) -> None:
    ElectionFactory.create(aco=aco, performance_year=2027, risk_option=RiskOption.PROFESSIONAL)
    plan = draft_plan(aco, admin, "telehealth")
    rows = {r.item.code: r for r in selectors.catalogue_for(aco=aco, performance_year=2027)}
    assert len(rows) == 12
    assert not rows["medical_nutrition_therapy"].selectable
    assert not rows["part_d_premium_buydown"].selectable
    assert rows["telehealth"].plan == plan and rows["telehealth"].selection == plan.selection
    assert rows["snf_3day_waiver"].selectable and rows["snf_3day_waiver"].selection is None


def test_withdrawing_a_selection_withdraws_its_draft_plan_and_it_can_be_chosen_again(aco: ACO, admin: User) -> None:
    plan = draft_plan(aco, admin)
    selection = services.selection_withdraw(selection=plan.selection, acting_user=admin)
    assert selection.withdrawn_at is not None
    plan.review.refresh_from_db()
    assert plan.review.state == S.WITHDRAWN
    again = services.selection_create(aco=aco, performance_year=2027, item_code="telehealth", acting_user=admin)
    assert again.pk == selection.pk and again.withdrawn_at is None


def test_selection_withdraw_is_for_admins_and_not_during_review(
    aco: ACO, admin: User, analyst: User, cms_reviewer: User
) -> None:
    plan = submitted_plan(aco, admin)
    for user in (analyst, cms_reviewer):
        with pytest.raises(PermissionDenied):
            services.selection_withdraw(selection=plan.selection, acting_user=user)
    services.plan_start_review(plan=plan, acting_user=cms_reviewer)
    with pytest.raises(ValidationError, match="in review"):
        services.selection_withdraw(selection=plan.selection, acting_user=admin)


# --- plans: content --------------------------------------------------------------------------


def test_plan_for_starts_one_draft_for_admins_only(aco: ACO, admin: User, analyst: User) -> None:
    selection = services.selection_create(aco=aco, performance_year=2027, item_code="telehealth", acting_user=admin)
    with pytest.raises(PermissionDenied):
        services.plan_for(selection=selection, acting_user=analyst)
    plan = services.plan_for(selection=selection, acting_user=admin)
    assert plan.review.kind == "benefit_plan" and plan.review.state == S.DRAFT
    assert services.plan_for(selection=selection, acting_user=admin).pk == plan.pk
    # Once it exists, the analyst reads it.
    assert services.plan_for(selection=selection, acting_user=analyst).pk == plan.pk


def test_autosave_keeps_partial_content_and_merges(aco: ACO, admin: User) -> None:
    plan = draft_plan(aco, admin, content={})
    plan = services.plan_save_draft(plan=plan, content={"target_population": " Frail elders "}, acting_user=admin)
    plan = services.plan_save_draft(plan=plan, content={"cost_estimate": "$1,250.5"}, acting_user=admin)
    plan.review.refresh_from_db()
    assert plan.review.content == {"target_population": "Frail elders", "cost_estimate": "1250.50"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cost_estimate", "a lot", "Enter an amount"),
        ("cost_estimate", "-5", "zero or more"),
        ("start_date", "2027-02-30", "YYYY-MM-DD"),
        ("start_date", "03/01/2027", "YYYY-MM-DD"),
        ("start_date", "2028-01-01", "must fall in PY2027 (2027-01-01 to 2027-12-31); 2028-01-01 does not"),
        ("start_date", "2020-01-01", "must fall in PY2027 (2027-01-01 to 2027-12-31); 2020-01-01 does not"),
        ("start_date", "2026-12-31", "must fall in PY2027"),
        ("products", "Hemp", "not part of a Telehealth plan"),
        ("shoe_size", "9", "not part of"),
    ],
)
def test_autosave_refuses_bad_fields_per_field(aco: ACO, admin: User, field: str, value: str, message: str) -> None:
    plan = draft_plan(aco, admin, content={})
    with pytest.raises(ValidationError) as exc:
        services.plan_save_draft(plan=plan, content={field: value}, acting_user=admin)
    assert message in " ".join(exc.value.message_dict[field])
    plan.review.refresh_from_db()
    assert plan.review.content == {}


@pytest.mark.parametrize("day", ["2027-01-01", "2027-12-31"])
def test_a_start_date_on_either_end_of_the_year_is_kept(aco: ACO, admin: User, day: str) -> None:
    plan = draft_plan(aco, admin, content={})
    plan = services.plan_save_draft(plan=plan, content={"start_date": day}, acting_user=admin)
    assert plan.review.content == {"start_date": day}


def test_submit_refuses_a_start_date_saved_outside_the_year(aco: ACO, admin: User) -> None:
    """A plan whose date was stored before the rule (issue 17: 2020-01-01 on a PY2027 plan) is not sent."""
    plan = draft_plan(aco, admin)
    plan.review.content = {**plan.review.content, "start_date": "2020-01-01"}
    plan.review.save(update_fields=["content"])
    with pytest.raises(ValidationError) as exc:
        services.plan_submit(plan=plan, acting_user=admin)
    assert exc.value.message_dict == {
        "start_date": ["The start date must fall in PY2027 (2027-01-01 to 2027-12-31); 2020-01-01 does not."]
    }
    plan.review.refresh_from_db()
    assert plan.review.state == ReviewState.DRAFT


def test_only_aco_admins_edit_plan_content(
    aco: ACO, admin: User, analyst: User, cms_reviewer: User, outsider: User
) -> None:
    plan = draft_plan(aco, admin)
    for user in (analyst, cms_reviewer, outsider):
        with pytest.raises(PermissionDenied):
            services.plan_save_draft(plan=plan, content={"services": "Changed"}, acting_user=user)
    plan.review.refresh_from_db()
    assert plan.review.content["services"] == FULL_PLAN["services"]


def test_submit_needs_every_field(aco: ACO, admin: User) -> None:
    content = dict(FULL_PLAN)
    del content["safeguards"], content["monitoring"]
    plan = draft_plan(aco, admin, content=content)
    with pytest.raises(ValidationError) as exc:
        services.plan_submit(plan=plan, acting_user=admin)
    assert set(exc.value.message_dict) == {"safeguards", "monitoring"}
    assert plan.review.versions.count() == 0


def test_substance_access_plan_needs_products_dosing_and_frequency(aco: ACO, admin: User) -> None:
    plan = draft_plan(aco, admin, "substance_access", content=FULL_PLAN)
    with pytest.raises(ValidationError) as exc:
        services.plan_submit(plan=plan, acting_user=admin)
    assert set(exc.value.message_dict) == {"products", "dosing", "frequency"}
    plan = services.plan_save_draft(plan=plan, content=SA_EXTRA, acting_user=admin)
    plan = services.plan_submit(plan=plan, acting_user=admin)
    assert plan.review.state == S.SUBMITTED


def test_submitted_versions_are_immutable_and_compared(aco: ACO, admin: User, cms_reviewer: User) -> None:
    plan = submitted_plan(aco, admin)
    with pytest.raises(ValidationError, match="submitted"):
        services.plan_save_draft(plan=plan, content={"services": "Sneaky edit"}, acting_user=admin)
    services.plan_request_changes(plan=plan, acting_user=cms_reviewer, reason="Say who delivers the visits.")
    plan = services.plan_save_draft(plan=plan, content={"delivery": "Two named nurses, weekly."}, acting_user=admin)
    plan = services.plan_submit(plan=plan, acting_user=admin)
    v1, v2 = plan.review.versions.order_by("number")
    assert (v1.number, v2.number) == (1, 2)
    assert v1.content["delivery"] == FULL_PLAN["delivery"]
    assert v2.content["delivery"] == "Two named nurses, weekly."
    assert version_diff(case=plan.review) == [
        {"field": "delivery", "old": FULL_PLAN["delivery"], "new": "Two named nurses, weekly."}
    ]


# --- plans: transitions by role ---------------------------------------------------------------


def test_admin_submits_and_withdraws_others_may_not(
    aco: ACO, admin: User, analyst: User, cms_reviewer: User, outsider: User
) -> None:
    plan = draft_plan(aco, admin)
    for user in (analyst, cms_reviewer, outsider):
        with pytest.raises(PermissionDenied):
            services.plan_submit(plan=plan, acting_user=user)
        with pytest.raises(PermissionDenied):
            services.plan_withdraw(plan=plan, acting_user=user)
    plan = services.plan_submit(plan=plan, acting_user=admin)
    assert plan.review.state == S.SUBMITTED
    plan = services.plan_withdraw(plan=plan, acting_user=admin, reason="Not this year.")
    assert plan.review.state == S.WITHDRAWN
    with pytest.raises(ValidationError):
        services.plan_submit(plan=plan, acting_user=admin)


def test_admin_withdraws_a_draft(aco: ACO, admin: User) -> None:
    plan = services.plan_withdraw(plan=draft_plan(aco, admin), acting_user=admin)
    assert plan.review.state == S.WITHDRAWN


def test_only_cms_reviewers_move_a_plan_past_submitted(
    aco: ACO, admin: User, analyst: User, cms_reviewer: User, outsider: User
) -> None:
    plan = submitted_plan(aco, admin)
    for user in (admin, analyst, outsider):
        with pytest.raises(PermissionDenied):
            services.plan_start_review(plan=plan, acting_user=user)
        with pytest.raises(PermissionDenied):
            services.plan_request_changes(plan=plan, acting_user=user, reason="x")
        with pytest.raises(PermissionDenied):
            services.plan_decide(plan=plan, acting_user=user, approve=True, reason="x")
    plan = services.plan_start_review(plan=plan, acting_user=cms_reviewer)
    assert plan.review.state == S.IN_REVIEW
    with pytest.raises(ValidationError):  # not from in review
        services.plan_withdraw(plan=plan, acting_user=admin)
    plan = services.plan_decide(plan=plan, acting_user=cms_reviewer, approve=False, reason="No funding source.")
    assert plan.review.state == S.DENIED and plan.review.decision_reason == "No funding source."


def test_start_review_only_from_submitted(aco: ACO, admin: User, cms_reviewer: User) -> None:
    with pytest.raises(ValidationError):
        services.plan_start_review(plan=draft_plan(aco, admin), acting_user=cms_reviewer)


def test_decisions_and_change_requests_need_a_reason(aco: ACO, admin: User, cms_reviewer: User) -> None:
    plan = submitted_plan(aco, admin)
    with pytest.raises(ValidationError):
        services.plan_request_changes(plan=plan, acting_user=cms_reviewer, reason="  ")
    with pytest.raises(ValidationError):
        services.plan_decide(plan=plan, acting_user=cms_reviewer, approve=True, reason="")
    plan.review.refresh_from_db()
    assert plan.review.state == S.SUBMITTED


def test_approval_from_submitted_records_every_step(aco: ACO, admin: User, cms_reviewer: User) -> None:
    plan = approved_plan(aco, admin, cms_reviewer)
    steps = list(ReviewTransition.objects.filter(case=plan.review).values_list("from_state", "to_state", "actor"))
    assert steps == [
        (S.DRAFT, S.SUBMITTED, admin.pk),
        (S.SUBMITTED, S.IN_REVIEW, cms_reviewer.pk),
        (S.IN_REVIEW, S.APPROVED, cms_reviewer.pk),
    ]
    with pytest.raises(ValidationError):
        services.plan_decide(plan=plan, acting_user=cms_reviewer, approve=False, reason="Changed my mind.")


def test_changes_requested_then_resubmitted_then_approved(aco: ACO, admin: User, cms_reviewer: User) -> None:
    plan = submitted_plan(aco, admin)
    plan = services.plan_request_changes(plan=plan, acting_user=cms_reviewer, reason="More detail.")
    assert plan.review.state == S.CHANGES_REQUESTED
    plan = services.plan_submit(plan=plan, acting_user=admin)
    plan = services.plan_decide(plan=plan, acting_user=cms_reviewer, approve=True, reason="Fine now.")
    assert plan.review.state == S.APPROVED and plan.review.versions.count() == 2


def test_comments_by_admins_and_reviewers_only(
    aco: ACO, admin: User, analyst: User, cms_reviewer: User, outsider: User
) -> None:
    plan = submitted_plan(aco, admin)
    comment = services.plan_comment(plan=plan, acting_user=cms_reviewer, body="Who pays?", section="funding_source")
    assert comment.section == "funding_source" and comment.version.number == 1
    reply = services.plan_comment(plan=plan, acting_user=admin, body="The savings reserve.")
    assert reply.author == admin
    for user in (analyst, outsider):
        with pytest.raises(PermissionDenied):
            services.plan_comment(plan=plan, acting_user=user, body="Hello")
    with pytest.raises(ValidationError):
        services.plan_comment(plan=plan, acting_user=admin, body="x", section="products")  # not a telehealth section
    with pytest.raises(ValidationError):
        services.plan_comment(plan=plan, acting_user=admin, body="   ")


def test_review_kind_tells_the_acos_admins_only(aco: ACO, admin: User, analyst: User, outsider: User) -> None:
    MembershipFactory.create(aco=aco, role=Membership.Role.ADMIN, user__username="second.admin")
    plan = draft_plan(aco, admin)
    kind = registry.get("benefit_plan")
    assert kind.aco_recipients(plan.review) == ["aco.admin@example.org", "second.admin@example.org"]
    assert kind.can_act_for_aco(admin, plan.review)
    assert not kind.can_act_for_aco(analyst, plan.review)
    assert not kind.can_act_for_aco(outsider, plan.review)


def test_review_queue_filters(aco: ACO, other_aco: ACO, admin: User, outsider: User) -> None:
    mine = submitted_plan(aco, admin, "telehealth")
    theirs = submitted_plan(other_aco, outsider, "snf_3day_waiver")
    draft = draft_plan(aco, admin, "concurrent_care_hospice")
    assert list(selectors.review_queue()) == [mine, theirs]
    assert draft not in selectors.review_queue(state="")
    assert list(selectors.review_queue(state="draft")) == [draft]
    assert list(selectors.review_queue(item="snf_3day_waiver")) == [theirs]
    assert list(selectors.review_queue(aco=aco.aco_id)) == [mine]
    assert list(selectors.review_queue(min_age_days=1)) == []


def test_plan_get_is_scoped_to_the_aco(aco: ACO, other_aco: ACO, admin: User) -> None:
    from django.http import Http404

    plan = draft_plan(aco, admin)
    assert selectors.plan_get(aco=aco, plan_id=plan.pk) == plan
    with pytest.raises(Http404):
        selectors.plan_get(aco=other_aco, plan_id=plan.pk)


# --- attachments -----------------------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx(folder: str = "word/") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(f"{folder}document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.fixture
def media(settings: Settings, tmp_path: object) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.mark.usefixtures("media")
@pytest.mark.parametrize(
    ("name", "data", "stored", "content_type"),
    [
        ("../../etc/evil\x07 plan.pdf", PDF, "evil plan.pdf", "application/pdf"),
        ("C:\\Users\\me\\budget.png", PNG, "budget.png", "image/png"),
        ("plan.docx", _docx(), "plan.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("notes.txt", "Café plan\n".encode(), "notes.txt", "text/plain"),
    ],
)
def test_attachment_accepted_with_a_clean_name(
    aco: ACO, admin: User, name: str, data: bytes, stored: str, content_type: str
) -> None:
    plan = draft_plan(aco, admin)
    attachment = services.attachment_add(plan=plan, upload=SimpleUploadedFile(name, data), acting_user=admin)
    assert attachment.original_name == stored and attachment.content_type == content_type
    assert attachment.size == len(data)
    assert (attachment.file.name or "").startswith("benefits/")
    with attachment.file.open("rb") as f:
        assert f.read() == data
    services.attachment_remove(attachment=attachment, acting_user=admin)
    assert not plan.attachments.exists()


@pytest.mark.usefixtures("media")
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "one of these types"),
        ("invoice.pdf", b"MZ\x90\x00 really an exe", "not a .pdf file"),
        ("photo.png", PDF, "not a .png file"),
        ("sheet.xlsx", _docx("word/"), "not a .xlsx file"),
        ("data.csv", b"a,b\x00c", "not a .csv file"),
        ("empty.pdf", b"", "empty"),
        ("huge.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "limited to 5 MB"),
    ],
)
def test_attachment_refused(aco: ACO, admin: User, name: str, data: bytes, message: str) -> None:
    plan = draft_plan(aco, admin)
    with pytest.raises(ValidationError, match=message):
        services.attachment_add(plan=plan, upload=SimpleUploadedFile(name, data), acting_user=admin)
    assert not plan.attachments.exists()


@pytest.mark.usefixtures("media")
def test_attachments_only_by_admins_and_only_while_editable(
    aco: ACO, admin: User, analyst: User, cms_reviewer: User
) -> None:
    plan = draft_plan(aco, admin)
    for user in (analyst, cms_reviewer):
        with pytest.raises(PermissionDenied):
            services.attachment_add(plan=plan, upload=SimpleUploadedFile("a.pdf", PDF), acting_user=user)
    attachment = services.attachment_add(plan=plan, upload=SimpleUploadedFile("a.pdf", PDF), acting_user=admin)
    plan = services.plan_submit(plan=plan, acting_user=admin)
    with pytest.raises(ValidationError, match="submitted"):
        services.attachment_add(plan=plan, upload=SimpleUploadedFile("b.pdf", PDF), acting_user=admin)
    attachment.refresh_from_db()
    with pytest.raises(ValidationError):
        services.attachment_remove(attachment=attachment, acting_user=admin)


# --- deliveries ------------------------------------------------------------------------------


@pytest.fixture
def aligned_mbi(aco: ACO) -> str:
    aligned(alignment_run(2027), aco, MBI)
    return MBI


def test_delivery_needs_an_approved_plan(aco: ACO, admin: User, aligned_mbi: str, today: str) -> None:
    plan = submitted_plan(aco, admin)
    with pytest.raises(ValidationError, match="only under an approved plan"):
        services.delivery_record(plan=plan, mbi=aligned_mbi, delivered_on="2027-03-01", amount="0", acting_user=admin)


def test_delivery_recorded_under_an_approved_plan(
    aco: ACO, admin: User, cms_reviewer: User, aligned_mbi: str, today: str
) -> None:
    plan = approved_plan(aco, admin, cms_reviewer)
    delivery = services.delivery_record(
        plan=plan, mbi=aligned_mbi.lower(), delivered_on="2027-03-01", amount="0", note="Video visit", acting_user=admin
    )
    assert (delivery.mbi, delivery.aco, delivery.recorded_by) == (MBI, aco, admin)
    assert list(selectors.deliveries_for(plan=plan)) == [delivery]


def test_only_admins_record_deliveries(
    aco: ACO, admin: User, analyst: User, cms_reviewer: User, aligned_mbi: str, today: str
) -> None:
    plan = approved_plan(aco, admin, cms_reviewer)
    for user in (analyst, cms_reviewer):
        with pytest.raises(PermissionDenied):
            services.delivery_record(
                plan=plan, mbi=aligned_mbi, delivered_on="2027-03-01", amount="0", acting_user=user
            )


def test_delivery_to_a_beneficiary_not_aligned_is_refused(
    aco: ACO, other_aco: ACO, admin: User, cms_reviewer: User, today: str
) -> None:
    old_run = alignment_run(2027)
    aligned(old_run, aco, "1AA0AA0AA00")  # aligned in an older run only
    latest = alignment_run(2027)
    aligned(latest, other_aco, "2BB0BB0BB00")  # aligned to another ACO
    plan = approved_plan(aco, admin, cms_reviewer)
    for mbi in ("1AA0AA0AA00", "2BB0BB0BB00", "9ZZ9ZZ9ZZ99"):
        with pytest.raises(ValidationError) as exc:
            services.delivery_record(plan=plan, mbi=mbi, delivered_on="2027-03-01", amount="0", acting_user=admin)
        assert "not aligned" in exc.value.message_dict["mbi"][0]


@pytest.mark.parametrize(
    ("day", "message"),
    [("2027-07-01", "future"), ("2026-12-31", "fall in PY2027"), ("2028-01-02", "fall in PY2027"), ("July", "YYYY")],
)
def test_delivery_date_in_the_py_and_not_in_the_future(
    aco: ACO, admin: User, cms_reviewer: User, aligned_mbi: str, today: str, day: str, message: str
) -> None:
    plan = approved_plan(aco, admin, cms_reviewer)
    with pytest.raises(ValidationError) as exc:
        services.delivery_record(plan=plan, mbi=aligned_mbi, delivered_on=day, amount="0", acting_user=admin)
    assert message in exc.value.message_dict["delivered_on"][0]


def test_delivery_amount_and_quantity_checked(
    aco: ACO, admin: User, cms_reviewer: User, aligned_mbi: str, today: str
) -> None:
    plan = approved_plan(aco, admin, cms_reviewer)
    with pytest.raises(ValidationError) as exc:
        services.delivery_record(
            plan=plan, mbi=aligned_mbi, delivered_on="2027-03-01", amount="-1", quantity=0, acting_user=admin
        )
    assert set(exc.value.message_dict) == {"amount", "quantity"}


def test_substance_access_500_dollar_cap_per_beneficiary(
    aco: ACO, admin: User, cms_reviewer: User, aligned_mbi: str, today: str
) -> None:
    plan = approved_plan(aco, admin, cms_reviewer, "substance_access")
    # $300.00 + $150.00 = $450.00 used; $500.00 - $450.00 = $50.00 left.
    for amount in ("300.00", "150.00"):
        services.delivery_record(
            plan=plan, mbi=aligned_mbi, delivered_on="2027-03-01", amount=amount, acting_user=admin
        )
    with pytest.raises(ValidationError) as exc:
        services.delivery_record(
            plan=plan, mbi=aligned_mbi, delivered_on="2027-04-01", amount="50.01", acting_user=admin
        )
    assert exc.value.message_dict["amount"] == [
        f"Over the $500.00 yearly limit per beneficiary: {MBI} already received $450.00 in PY2027, $50.00 left."
    ]
    # Exactly the $50.00 left brings the year to $500.00: allowed.
    services.delivery_record(plan=plan, mbi=aligned_mbi, delivered_on="2027-04-01", amount="50", acting_user=admin)
    assert selectors.beneficiary_used(plan=plan, mbi=MBI)["amount"] == Decimal("500.00")
    with pytest.raises(ValidationError, match=r"\$0.00 left"):
        services.delivery_record(
            plan=plan, mbi=aligned_mbi, delivered_on="2027-04-02", amount="0.01", acting_user=admin
        )


def test_care_management_21st_home_visit_refused(
    aco: ACO, admin: User, cms_reviewer: User, aligned_mbi: str, today: str
) -> None:
    plan = approved_plan(aco, admin, cms_reviewer, "care_management_home_visits")
    # 18 visits then 2 more: 18 + 2 = 20, the yearly cap.
    services.delivery_record(
        plan=plan, mbi=aligned_mbi, delivered_on="2027-02-01", amount="0", quantity=18, acting_user=admin
    )
    with pytest.raises(ValidationError, match="already received 18 in PY2027, 2 left"):
        services.delivery_record(
            plan=plan, mbi=aligned_mbi, delivered_on="2027-02-02", amount="0", quantity=3, acting_user=admin
        )
    services.delivery_record(
        plan=plan, mbi=aligned_mbi, delivered_on="2027-02-02", amount="0", quantity=2, acting_user=admin
    )
    with pytest.raises(ValidationError) as exc:  # the 21st
        services.delivery_record(plan=plan, mbi=aligned_mbi, delivered_on="2027-02-03", amount="0", acting_user=admin)
    assert exc.value.message_dict["quantity"] == [
        f"Over the yearly limit of 20 per beneficiary: {MBI} already received 20 in PY2027, 0 left."
    ]


def test_delivery_totals_per_item(aco: ACO, admin: User, cms_reviewer: User, today: str) -> None:
    run = alignment_run(2027)
    for mbi in ("1AA0AA0AA01", "1AA0AA0AA02"):
        aligned(run, aco, mbi)
    sa = approved_plan(aco, admin, cms_reviewer, "substance_access")
    visits = approved_plan(aco, admin, cms_reviewer, "care_management_home_visits")
    services.delivery_record(plan=sa, mbi="1AA0AA0AA01", delivered_on="2027-03-01", amount="120.50", acting_user=admin)
    services.delivery_record(plan=sa, mbi="1AA0AA0AA02", delivered_on="2027-03-02", amount="79.50", acting_user=admin)
    services.delivery_record(
        plan=visits, mbi="1AA0AA0AA01", delivered_on="2027-03-03", amount="0", quantity=3, acting_user=admin
    )
    totals = {r["code"]: r for r in selectors.delivery_totals(aco=aco, performance_year=2027)}
    # SA: 2 deliveries, $120.50 + $79.50 = $200.00, 2 people; visits: 3 visits, 1 person.
    assert (totals["substance_access"]["count"], totals["substance_access"]["amount"]) == (2, Decimal("200.00"))
    assert totals["substance_access"]["beneficiaries"] == 2
    assert (totals["care_management_home_visits"]["count"], totals["care_management_home_visits"]["beneficiaries"]) == (
        3,
        1,
    )
    assert selectors.delivery_totals(aco=aco, performance_year=2028) == []


def test_plan_is_an_implementation_plan_row(aco: ACO, admin: User) -> None:
    plan = draft_plan(aco, admin)
    assert ImplementationPlan.objects.get(review=plan.review) == plan
    assert plan.aco == aco and plan.item.code == "telehealth" and plan.state == S.DRAFT


def test_restricted_substance_access_delivered_only_in_its_states(
    aco: ACO, admin: User, cms_reviewer: User, today: str
) -> None:
    # The ACO serves ID and MD; Idaho does not allow it, so it is offered in MD only.
    aco.states = ["ID", "MD"]
    aco.save()
    run = alignment_run(2027)
    for mbi, state in (("1AA0AA0AA01", "MD"), ("1AA0AA0AA02", "ID")):
        aligned(run, aco, mbi)
        cclf8_beneficiary(mbi, state=state)
    aligned(run, aco, "1AA0AA0AA03")  # no CCLF8 row
    plan = approved_plan(aco, admin, cms_reviewer, code="substance_access")
    assert plan.selection.restricted_states == ["MD"]
    services.delivery_record(plan=plan, mbi="1AA0AA0AA01", delivered_on="2027-03-01", amount="50", acting_user=admin)
    with pytest.raises(ValidationError, match="lives in ID; Substance Access is offered only in MD"):
        services.delivery_record(
            plan=plan, mbi="1AA0AA0AA02", delivered_on="2027-03-01", amount="50", acting_user=admin
        )
    with pytest.raises(ValidationError, match="has no state on file"):
        services.delivery_record(
            plan=plan, mbi="1AA0AA0AA03", delivered_on="2027-03-01", amount="50", acting_user=admin
        )


def test_each_transition_tells_the_other_side_by_email(
    aco: ACO, admin: User, cms_reviewer: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    plan = draft_plan(aco, admin)
    # The ACO submits: every CMS reviewer hears of it.
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.plan_submit(plan=plan, acting_user=admin)
    assert [m.to for m in mailoutbox] == [[cms_reviewer.email]]
    assert "Submitted" in mailoutbox[0].subject
    # CMS asks for changes: the ACO's administrators hear of it, with the reason.
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.plan_start_review(plan=plan, acting_user=cms_reviewer)
        plan = services.plan_request_changes(plan=plan, acting_user=cms_reviewer, reason="Add the oversight plan.")
    last = mailoutbox[-1]
    assert last.to == [admin.email] and "Changes requested" in last.subject
    assert "Add the oversight plan." in last.body
