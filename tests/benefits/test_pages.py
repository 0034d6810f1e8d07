"""The BE/BEI pages: who sees what and which buttons, the forms (autosave included) driving the
services, the review actions, attachments, the delivery log with its refusals and the CMS queue."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO, RiskOption
from apps.benefits import services
from apps.benefits.models import BenefitSelection, Delivery, ImplementationPlan
from apps.benefits.views import home_panel
from apps.reviews.models import ReviewState
from tests.benefits.builders import FULL_PLAN, SA_EXTRA, approved_plan, draft_plan, submitted_plan
from tests.factories import ElectionFactory, aligned, alignment_run

pytestmark = pytest.mark.django_db
S = ReviewState
MBI = "1EG4TE5MK73"
ClientFor = Callable[[User | None], Client]


@pytest.fixture
def professional(aco: ACO) -> ACO:
    """A Professional-risk ACO in Maryland (Substance Access is legal there in the defaults)."""
    ElectionFactory.create(aco=aco, performance_year=2027, risk_option=RiskOption.PROFESSIONAL)
    return aco


@pytest.fixture
def today(settings: Settings) -> str:
    settings.PORTAL_TODAY = "2027-06-30"
    return "2027-06-30"


def catalogue_url(aco: ACO, py: int = 2027) -> str:
    return reverse("benefits:catalogue", kwargs={"aco_id": aco.aco_id}) + f"?py={py}"


def plan_url(plan: ImplementationPlan, name: str = "plan_detail") -> str:
    return reverse(f"benefits:{name}", kwargs={"aco_id": plan.selection.aco.aco_id, "plan_id": plan.pk})


def refresh(plan: ImplementationPlan) -> ImplementationPlan:
    return ImplementationPlan.objects.select_related("review", "selection__item").get(pk=plan.pk)


# --- the catalogue ---------------------------------------------------------------------------


def test_catalogue_shows_each_rule_and_select_buttons_for_admins(
    professional: ACO, admin: User, client_for: ClientFor
) -> None:
    page = client_for(admin).get(catalogue_url(professional)).content.decode()
    assert "Choosing them is optional" in page
    # MNT: Global only, and this ACO is Professional; Buydown from PY2029.
    assert "Medical Nutrition Therapy is only for ACOs taking Global risk" in page
    assert "this ACO elected Professional risk for PY2027" in page
    assert "is offered from PY2029" in page
    assert 'Select<span class="ds-u-visibility--screen-reader"> Substance Access' in page
    # No Select button for an item the ACO cannot offer.
    assert 'Select<span class="ds-u-visibility--screen-reader"> Medical Nutrition Therapy' not in page


def test_admin_selects_an_item_and_lands_on_its_draft_plan(
    professional: ACO, admin: User, client_for: ClientFor
) -> None:
    client = client_for(admin)
    url = reverse("benefits:select", kwargs={"aco_id": professional.aco_id})
    response = client.post(url, {"item": "substance_access", "performance_year": "2027", "action": "select"})
    plan = ImplementationPlan.objects.get(selection__aco=professional, selection__item__code="substance_access")
    assert response.status_code == 302 and response["Location"] == plan_url(plan)
    assert plan.review.state == S.DRAFT
    page = client.get(catalogue_url(professional)).content.decode()
    assert f'href="{plan_url(plan)}"' in page and "Draft" in page
    # A refused item comes back with the rule's reason.
    response = client.post(url, {"item": "medical_nutrition_therapy", "performance_year": "2027"}, follow=True)
    assert "only for ACOs taking Global risk" in response.content.decode()
    assert not BenefitSelection.objects.filter(aco=professional, item__code="medical_nutrition_therapy").exists()


def test_selection_restricted_to_legal_states_is_shown(professional: ACO, admin: User, client_for: ClientFor) -> None:
    professional.states = ["MD", "ID"]  # Idaho is not in the default legal states
    professional.save()
    client = client_for(admin)
    page = client.get(catalogue_url(professional)).content.decode()
    assert "Offered only in MD (not legal in ID)." in page
    client.post(
        reverse("benefits:select", kwargs={"aco_id": professional.aco_id}),
        {"item": "substance_access", "performance_year": "2027"},
    )
    page = client.get(catalogue_url(professional)).content.decode()
    assert "Only MD (restricted: not legal in the ACO's other states)" in page


def test_analyst_reads_the_catalogue_without_buttons_and_cannot_select(
    professional: ACO, analyst: User, client_for: ClientFor
) -> None:
    client = client_for(analyst)
    page = client.get(catalogue_url(professional)).content.decode()
    assert "Substance Access" in page and "Offered only" not in page
    assert "Select<span" not in page and "Stop offering" not in page and "Start the plan" not in page
    response = client.post(reverse("benefits:select", kwargs={"aco_id": professional.aco_id}), {"item": "telehealth"})
    assert response.status_code == 403
    assert not BenefitSelection.objects.exists()


def test_outsider_gets_404_everywhere(professional: ACO, admin: User, outsider: User, client_for: ClientFor) -> None:
    plan = draft_plan(professional, admin)
    client = client_for(outsider)
    assert client.get(catalogue_url(professional)).status_code == 404
    for name in ("plan_detail", "plan_print", "deliveries", "deliveries_export"):
        assert client.get(plan_url(plan, name)).status_code == 404
    assert client.post(plan_url(plan, "plan_autosave"), {"services": "x"}).status_code == 404
    assert refresh(plan).review.content == FULL_PLAN


# --- the plan page ---------------------------------------------------------------------------


def test_admin_sees_the_form_with_substance_access_fields(
    professional: ACO, admin: User, client_for: ClientFor
) -> None:
    plan = draft_plan(professional, admin, "substance_access", content={})
    page = client_for(admin).get(plan_url(plan)).content.decode()
    for label in ("Target population", "Products", "Dosing", "Frequency", "Start date"):
        assert f">{label}" in page
    assert f'hx-post="{plan_url(plan, "plan_autosave")}"' in page
    assert 'id="autosave-status" role="status" aria-live="polite"' in page
    assert ">Save draft</button>" in page and ">Submit to CMS</button>" in page
    telehealth = draft_plan(professional, admin, "telehealth", content={})
    assert 'name="products"' not in client_for(admin).get(plan_url(telehealth)).content.decode()


def test_analyst_sees_the_plan_read_only(professional: ACO, admin: User, analyst: User, client_for: ClientFor) -> None:
    plan = draft_plan(professional, admin)
    client = client_for(analyst)
    page = client.get(plan_url(plan)).content.decode()
    assert FULL_PLAN["safeguards"] in page
    for button in ("Save draft", "Submit to CMS", "Withdraw this plan", "Upload", "Add comment", "Approve"):
        assert f">{button}</button>" not in page
    for name in ("plan_detail", "plan_autosave", "plan_submit", "plan_withdraw", "plan_comment", "plan_review"):
        assert client.post(plan_url(plan, name), {"services": "changed", "body": "x"}).status_code == 403
    plan = refresh(plan)
    assert plan.review.content == FULL_PLAN and plan.review.state == S.DRAFT
    assert not plan.review.comments.exists()


def test_autosave_saves_and_reports_the_time_or_the_error(
    professional: ACO, admin: User, client_for: ClientFor
) -> None:
    plan = draft_plan(professional, admin, content={})
    client = client_for(admin)
    url = plan_url(plan, "plan_autosave")
    response = client.post(url, {"services": "Video visits", "cost_estimate": "1,500"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().strip().startswith("Saved at ")
    assert refresh(plan).review.content == {"services": "Video visits", "cost_estimate": "1500.00"}
    # A malformed field is reported and kept as it was; the other fields of the post are saved.
    response = client.post(url, {"services": "Other", "cost_estimate": "lots"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "Saved at" in text and "except: Cost estimate" in text and "Enter an amount in dollars" in text
    assert refresh(plan).review.content == {"services": "Other", "cost_estimate": "1500.00"}
    response = client.post(url, {"cost_estimate": "lots"}, HTTP_HX_REQUEST="true")
    assert response.content.decode().strip().startswith("Not saved: Cost estimate")


def test_save_button_works_without_javascript(professional: ACO, admin: User, client_for: ClientFor) -> None:
    plan = draft_plan(professional, admin, content={})
    client = client_for(admin)
    response = client.post(plan_url(plan), {"target_population": "Adults with diabetes", "start_date": "2027-02-01"})
    assert response.status_code == 302
    assert refresh(plan).review.content == {"target_population": "Adults with diabetes", "start_date": "2027-02-01"}
    response = client.post(plan_url(plan), {"start_date": "next spring"})
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in response.content.decode()


def test_the_plan_form_refuses_a_start_date_outside_the_year(
    professional: ACO, admin: User, client_for: ClientFor
) -> None:
    plan = draft_plan(professional, admin, content={})
    response = client_for(admin).post(plan_url(plan), {"start_date": "2020-01-01"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {
        "start_date": ["The start date must fall in PY2027 (2027-01-01 to 2027-12-31); 2020-01-01 does not."]
    }
    field = str(form["start_date"])
    assert 'min="2027-01-01"' in field and 'max="2027-12-31"' in field
    assert refresh(plan).review.content == {}


def test_submit_lists_the_missing_sections_then_submits(professional: ACO, admin: User, client_for: ClientFor) -> None:
    plan = draft_plan(professional, admin, content={"services": "Video visits"})
    client = client_for(admin)
    response = client.post(plan_url(plan, "plan_submit"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Target population is required." in page and "Monitoring and oversight is required." in page
    assert refresh(plan).review.state == S.DRAFT
    # The Submit button sits in the form: what is on screen is saved, then submitted.
    response = client.post(plan_url(plan, "plan_submit"), FULL_PLAN)
    assert response.status_code == 302
    plan = refresh(plan)
    assert plan.review.state == S.SUBMITTED and plan.review.versions.count() == 1


def test_the_whole_review_loop_through_the_pages(
    professional: ACO, admin: User, cms_reviewer: User, client_for: ClientFor
) -> None:
    plan = submitted_plan(professional, admin)
    reviewer = client_for(cms_reviewer)
    aco_admin = client_for(admin)
    page = reviewer.get(plan_url(plan)).content.decode()
    assert ">Start review</button>" in page and ">Approve</button>" in page and ">Save draft</button>" not in page
    # The ACO's admin cannot take the reviewer's actions.
    assert aco_admin.post(plan_url(plan, "plan_review"), {"action": "start"}).status_code == 403
    assert reviewer.post(plan_url(plan, "plan_review"), {"action": "start"}).status_code == 302
    assert refresh(plan).review.state == S.IN_REVIEW
    # A reason is required.
    response = reviewer.post(plan_url(plan, "plan_review"), {"action": "request_changes", "reason": " "})
    assert response.status_code == 400 and "Give a reason" in response.content.decode()
    reviewer.post(plan_url(plan, "plan_comment"), {"section": "safeguards", "body": "Say who audits the offers."})
    reviewer.post(plan_url(plan, "plan_review"), {"action": "request_changes", "reason": "Strengthen the safeguards."})
    assert refresh(plan).review.state == S.CHANGES_REQUESTED
    page = aco_admin.get(plan_url(plan)).content.decode()
    assert "CMS asked for changes" in page and "Strengthen the safeguards." in page
    assert "Say who audits the offers." in page and ">Submit to CMS</button>" in page
    revised = dict(FULL_PLAN, safeguards="Offers are audited monthly by the compliance officer.")
    assert aco_admin.post(plan_url(plan, "plan_submit"), revised).status_code == 302
    page = reviewer.get(plan_url(plan)).content.decode()
    assert 'id="version-diff"' in page and "Version 1 compared with version 2" in page
    assert f"<del>{FULL_PLAN['safeguards']}</del>" in page
    assert "<ins>Offers are audited monthly by the compliance officer.</ins>" in page
    assert reviewer.post(plan_url(plan, "plan_review"), {"action": "approve", "reason": "Good."}).status_code == 302
    plan = refresh(plan)
    assert plan.review.state == S.APPROVED
    history = aco_admin.get(plan_url(plan)).content.decode()
    assert "moved it from In review to Approved: “Good.”" in history
    assert "moved it from In review to Changes requested: “Strengthen the safeguards.”" in history


def test_withdraw_a_submitted_plan(professional: ACO, admin: User, client_for: ClientFor) -> None:
    plan = submitted_plan(professional, admin)
    response = client_for(admin).post(plan_url(plan, "plan_withdraw"), {"reason": "Not this year."})
    assert response.status_code == 302
    assert refresh(plan).review.state == S.WITHDRAWN


def test_comments_per_section(
    professional: ACO, admin: User, cms_reviewer: User, analyst: User, client_for: ClientFor
) -> None:
    plan = submitted_plan(professional, admin)
    client_for(admin).post(plan_url(plan, "plan_comment"), {"section": "general", "body": "Ready for review."})
    response = client_for(cms_reviewer).post(plan_url(plan, "plan_comment"), {"section": "delivery", "body": ""})
    assert response.status_code == 400
    comments = list(plan.review.comments.values_list("section", "body"))
    assert comments == [("", "Ready for review.")]
    page = client_for(analyst).get(plan_url(plan)).content.decode()
    assert "On the plan as a whole" in page and "Ready for review." in page


def test_attachments_upload_refusal_download_and_remove(professional: ACO, admin: User, client_for: ClientFor) -> None:
    plan = draft_plan(professional, admin)
    client = client_for(admin)
    url = plan_url(plan, "attachment_add")
    good = SimpleUploadedFile("budget.csv", b"line,amount\nfood,100\n", content_type="text/csv")
    assert client.post(url, {"file": good}).status_code == 302
    bad = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = client.post(url, {"file": bad})
    assert response.status_code == 400 and "Attach a file of one of these types" in response.content.decode()
    attachment = plan.attachments.get()
    kwargs = {"aco_id": professional.aco_id, "plan_id": plan.pk, "attachment_id": attachment.pk}
    download = client.get(reverse("benefits:attachment_download", kwargs=kwargs))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"line,amount\nfood,100\n"  # type: ignore[attr-defined]
    assert download["Content-Disposition"].startswith("attachment;")
    assert client.post(reverse("benefits:attachment_remove", kwargs=kwargs)).status_code == 302
    assert not plan.attachments.exists()


def test_printable_view(professional: ACO, admin: User, client_for: ClientFor) -> None:
    plan = draft_plan(professional, admin, "substance_access")
    page = client_for(admin).get(plan_url(plan, "plan_print")).content.decode()
    assert "Save as PDF" in page and "@media print" in page
    assert SA_EXTRA["dosing"] in page and FULL_PLAN["monitoring"] in page


# --- the delivery log --------------------------------------------------------------------------


def test_delivery_log_opens_once_approved(professional: ACO, admin: User, client_for: ClientFor) -> None:
    plan = submitted_plan(professional, admin)
    response = client_for(admin).get(plan_url(plan, "deliveries"))
    assert "opens once CMS approves" in response.content.decode()
    assert 'name="mbi"' not in response.content.decode()


def test_deliveries_recorded_and_over_cap_refused_with_the_reason(
    professional: ACO, admin: User, analyst: User, cms_reviewer: User, client_for: ClientFor, today: str
) -> None:
    run = alignment_run()
    aligned(run, professional, MBI)
    plan = approved_plan(professional, admin, cms_reviewer, "substance_access")
    client = client_for(admin)
    url = plan_url(plan, "deliveries")
    row = {"mbi": MBI.lower(), "delivered_on": "2027-03-01", "amount": "400", "quantity": "1", "note": "Consult"}
    assert client.post(url, row).status_code == 302
    # $400 + $200 is over the $500 cap: refused, saying how much is left.
    response = client.post(url, dict(row, delivered_on="2027-04-01", amount="200"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Delivery refused" in page
    assert (
        f"Over the $500.00 yearly limit per beneficiary: {MBI} already received $400.00 in PY2027, $100.00 left."
        in page
    )
    # Not aligned.
    response = client.post(url, dict(row, mbi="1EG4TE5MK99"))
    assert response.status_code == 400 and "is not aligned to" in response.content.decode()
    assert list(Delivery.objects.values_list("mbi", "amount")) == [(MBI, Decimal("400.00"))]
    # The analyst reads the log (access-logged) but cannot write.
    analyst_client = client_for(analyst)
    page = analyst_client.get(url).content.decode()
    assert MBI in page and 'name="mbi"' not in page
    assert analyst_client.post(url, dict(row, amount="50")).status_code == 403
    assert AccessLog.objects.filter(user=analyst, object_type="benefit_deliveries", action="view").exists()
    export = analyst_client.get(plan_url(plan, "deliveries_export"))
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:6] == ["aco_id", "performance_year", "item", "mbi", "delivered_on", "amount"]
    assert rows[1][:7] == [professional.aco_id, "2027", "substance_access", MBI, "2027-03-01", "400.00", "1"]
    assert AccessLog.objects.filter(user=analyst, object_type="benefit_deliveries", action="export").exists()
    # The totals per item (home page panel): one delivery, one beneficiary, $400.
    template, context = home_panel(professional, 2027)
    assert template == "benefits/_home_panel.html"
    totals = context["benefit_totals"]
    assert isinstance(totals, list) and len(totals) == 1
    assert (totals[0]["count"], totals[0]["beneficiaries"], totals[0]["amount"]) == (1, 1, Decimal("400.00"))


# --- the CMS queue -----------------------------------------------------------------------------


def test_review_queue_filters_and_bulk_view(
    professional: ACO, admin: User, cms_reviewer: User, client_for: ClientFor
) -> None:
    plan = submitted_plan(professional, admin, "substance_access")
    draft_plan(professional, admin, "telehealth")  # a draft is not waiting for CMS
    client = client_for(cms_reviewer)
    url = reverse("benefits_cms:queue")
    page = client.get(url).content.decode()
    assert "1 plan, oldest submission first" in page and f'href="{plan_url(plan)}"' in page
    assert "0 days" in page
    assert "1 plan," in client.get(url, {"item": "substance_access"}).content.decode()
    assert "No plans for this filter" in client.get(url, {"item": "telehealth"}).content.decode()
    assert "No plans for this filter" in client.get(url, {"age": "3"}).content.decode()
    assert "1 plan," in client.get(url, {"aco": professional.aco_id}).content.decode()
    assert "Draft" in client.get(url, {"state": "draft"}).content.decode()
    bulk = client.get(url, {"bulk": "1"}).content.decode()
    assert "Plans in full" in bulk and SA_EXTRA["products"] in bulk


def test_review_queue_is_cms_only(admin: User, client_for: ClientFor) -> None:
    assert client_for(admin).get(reverse("benefits_cms:queue")).status_code == 404


def test_the_aco_home_page_shows_delivery_totals_per_item(
    professional: ACO, admin: User, cms_reviewer: User, client_for: ClientFor, today: str
) -> None:
    """Needs ``register_home_panel(home_panel)`` in ``BenefitsConfig.ready()``."""
    aligned(alignment_run(), professional, MBI)
    plan = approved_plan(professional, admin, cms_reviewer, "substance_access")
    services.delivery_record(plan=plan, mbi=MBI, delivered_on="2027-03-01", amount="125.50", acting_user=admin)
    services.delivery_record(plan=plan, mbi=MBI, delivered_on="2027-04-01", amount="74.50", acting_user=admin)
    page = client_for(admin).get(reverse("acos:home", kwargs={"aco_id": professional.aco_id}) + "?py=2027")
    html = page.content.decode()
    assert "BEs and BEIs, PY2027" in html
    # Two deliveries to one beneficiary: $125.50 + $74.50 = $200.00.
    assert (
        '<tr><th scope="row">Substance Access</th><td class="ds-u-text-align--right">2</td>'
        '<td class="ds-u-text-align--right">1</td><td class="ds-u-text-align--right">$200.00</td></tr>'
    ) in html
