"""The Medicaid overview, the arrangement page (edit form, submit, withdraw, review, comments, diff)
and CMS's queue: who sees what and which buttons, and that the forms drive the services."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.medicaid.models import MedicaidState, PartnershipArrangement, StateStatus
from apps.reviews.models import ReviewState
from tests.factories import ACOFactory, MembershipFactory

pytestmark = pytest.mark.django_db
S = ReviewState
ClientFor = Callable[[User | None], Client]
Make = Callable[..., PartnershipArrangement]


def overview_url(aco: ACO) -> str:
    return reverse("medicaid:overview", kwargs={"aco_id": aco.aco_id})


def url(arrangement: PartnershipArrangement, name: str = "arrangement_detail") -> str:
    return reverse(f"medicaid:{name}", kwargs={"aco_id": arrangement.aco.aco_id, "arrangement_id": arrangement.pk})


def refresh(arrangement: PartnershipArrangement) -> PartnershipArrangement:
    return PartnershipArrangement.objects.select_related("review").get(pk=arrangement.pk)


def text(response: Any) -> str:
    """The page's text with tags removed and white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def form_post(**fields: str) -> dict[str, str]:
    """A complete arrangement as the edit form posts it (two contacts, two blank rows)."""
    data = {
        "partner_type": "state_agency",
        "partner_name": "Maryland Medicaid Administration",
        "agreement_status": "negotiating",
        "start_date": "",
        "end_date": "",
        "roles": "The ACO coordinates Medicare care.",
        "strategy_integrated_care_plans": "",
        "strategy_primary_care_connection": "Every dual gets a primary care visit within 30 days.",
        "strategy_risk_stratification": "",
        "strategy_nursing_facility_transitions": "",
        "data_sharing_status": "drafted",
        "data_sharing_signed_on": "",
        "data_sharing_description": "Monthly rosters; opt-outs never shared.",
    }
    for n in range(4):
        for key in ("side", "name", "organization", "role", "email", "phone"):
            data[f"contact_{n}_{key}"] = ""
    data.update(contact_1_side="aco", contact_1_name="Ada Care", contact_1_email="ada@aco.example")
    data.update(contact_3_side="partner", contact_3_name="Ben Aid", contact_3_email="ben@mdh.example")
    data.update(fields)
    return data


# --- the overview ------------------------------------------------------------------------------


def test_overview_shows_the_planning_phase_states_and_the_draft_form(
    aco: ACO, admin: User, make_state: Callable[..., MedicaidState], client_for: ClientFor
) -> None:
    ACOFactory._meta.model.objects.filter(pk=aco.pk).update(states=["MD", "VA", "DE"])
    make_state()  # MD selected, managed care
    make_state(code="VA", name="Virginia", status=StateStatus.UNDER_CONSIDERATION, delivery_system="ffs")
    make_state(code="NC", name="North Carolina")  # selected, but not served by this ACO
    response = client_for(admin).get(overview_url(aco))
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Medicaid integration</h1>" in response.content.decode()
    assert "from March 2026 to December 2027" in page
    assert "Maryland (MD) Selected Managed care" in page
    assert "Virginia (VA) Under consideration Fee-for-service" in page
    assert "DE Not part of the planning phase" in page
    form = response.content.decode().split('id="arrangement-create-form"')[1].split("</form>")[0]
    options = re.findall(
        r'<option value="(\d+)"[^>]*>([^<]+)</option>', form.split('name="state"')[1].split("</select>")[0]
    )
    assert [name for _, name in options] == ["Maryland (MD)"]  # not Virginia (not selected), not NC (not served)
    assert "No partnership arrangements yet." in page
    html = response.content.decode()
    for name, extra in (("state_detail", {"state_code": "MD"}), ("timeline", {}), ("duals", {}), ("optouts", {})):
        assert f'href="{reverse(f"medicaid:{name}", kwargs={"aco_id": aco.aco_id, **extra})}"' in html, name
    # No state page for a state outside the planning phase.
    assert reverse("medicaid:state_detail", kwargs={"aco_id": aco.aco_id, "state_code": "DE"}) not in html


def test_overview_says_plainly_when_no_state_is_selected(
    aco: ACO, admin: User, make_state: Callable[..., MedicaidState], client_for: ClientFor
) -> None:
    make_state(status=StateStatus.INTERESTED)
    response = client_for(admin).get(overview_url(aco))
    assert response.status_code == 200
    assert 'id="medicaid-no-selected-state"' in response.content.decode()
    assert "No state" in text(response) and "has been selected yet" in text(response)
    assert 'id="arrangement-create-form"' not in response.content.decode()


def test_analyst_reads_the_overview_without_the_draft_form(
    aco: ACO, admin: User, analyst: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    make_arrangement(aco, admin)
    response = client_for(analyst).get(overview_url(aco))
    assert response.status_code == 200
    assert "Maryland Medicaid Administration" in text(response)
    assert 'id="arrangement-create-form"' not in response.content.decode()


def test_outsider_and_anonymous_are_kept_out(
    aco: ACO, admin: User, outsider: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin)
    for target in (overview_url(aco), url(arrangement)):
        assert client_for(outsider).get(target).status_code == 404
        response = client_for(None).get(target)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_admin_starts_a_draft_from_the_overview(
    aco: ACO, admin: User, maryland: MedicaidState, client_for: ClientFor
) -> None:
    response = client_for(admin).post(
        reverse("medicaid:arrangement_create", kwargs={"aco_id": aco.aco_id}),
        {"state": maryland.pk, "partner_type": "mco", "partner_name": "Priority Partners MCO"},
    )
    arrangement = PartnershipArrangement.objects.get()
    assert response.status_code == 302 and response["Location"] == url(arrangement)
    assert arrangement.review.content == {
        "partner_type": "mco",
        "partner_name": "Priority Partners MCO",
        "agreement_status": "planned",
    }


def test_a_refused_draft_says_why_on_the_overview(
    aco: ACO, admin: User, make_state: Callable[..., MedicaidState], client_for: ClientFor
) -> None:
    state = make_state(delivery_system="ffs")
    response = client_for(admin).post(
        reverse("medicaid:arrangement_create", kwargs={"aco_id": aco.aco_id}),
        {"state": state.pk, "partner_type": "mco", "partner_name": "Priority Partners MCO"},
    )
    assert response.status_code == 400
    assert "Partner type: Maryland delivers Medicaid through fee-for-service" in response.content.decode()
    assert PartnershipArrangement.objects.count() == 0


def test_analyst_cannot_start_a_draft(aco: ACO, analyst: User, maryland: MedicaidState, client_for: ClientFor) -> None:
    response = client_for(analyst).post(
        reverse("medicaid:arrangement_create", kwargs={"aco_id": aco.aco_id}),
        {"state": maryland.pk, "partner_type": "state_agency", "partner_name": "X"},
    )
    assert response.status_code == 403
    assert PartnershipArrangement.objects.count() == 0


# --- the arrangement page ----------------------------------------------------------------------


def test_admin_edits_the_draft_with_the_form_and_blank_contact_rows_are_ignored(
    aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, content={})
    client = client_for(admin)
    page = client.get(url(arrangement)).content.decode()
    assert 'id="arrangement-form"' in page
    assert page.count('<legend class="ds-c-label">Contact ') == 4  # four rows for a draft with no contacts
    response = client.post(url(arrangement), form_post())
    assert response.status_code == 302
    content = refresh(arrangement).review.content
    assert content["strategies"] == {"primary_care_connection": "Every dual gets a primary care visit within 30 days."}
    assert content["contacts"] == [
        {"side": "aco", "name": "Ada Care", "organization": "", "role": "", "email": "ada@aco.example", "phone": ""},
        {"side": "partner", "name": "Ben Aid", "organization": "", "role": "", "email": "ben@mdh.example", "phone": ""},
    ]
    assert content["data_sharing"] == {
        "status": "drafted",
        "signed_on": "",
        "description": "Monthly rosters; opt-outs never shared.",
    }
    # Saved contacts come back in order, with a spare row (at least four).
    page = client.get(url(arrangement)).content.decode()
    assert 'name="contact_0_name" value="Ada Care"' in page and 'name="contact_1_name" value="Ben Aid"' in page


def test_a_malformed_field_is_shown_next_to_the_right_contact_row(
    aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, content={})
    response = client_for(admin).post(url(arrangement), form_post(contact_3_email="ben-at-mdh"))
    assert response.status_code == 400
    page = response.content.decode()
    # The second stored contact came from form row 4 (index 3): the error sits on that row's field.
    assert 'id="id_contact_3_email_error"' in page
    # Numbered as on screen (row 4), though it would be stored as the second contact.
    assert "Contact 4: e-mail: &#x27;ben-at-mdh&#x27; is not a valid e-mail address." in page
    assert "Contact 2:" not in page
    assert "contacts" not in refresh(arrangement).review.content


def test_a_refused_submission_lists_format_and_missing_fields_together(
    aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, content={})
    body = form_post(roles="", contact_3_email="ben-at-mdh", start_date="2028-05-01", end_date="2028-04-30")
    response = client_for(admin).post(url(arrangement, "arrangement_submit"), body)
    assert response.status_code == 400
    page = text(response)
    assert "Not done: correct 3 fields" in page
    for message in (
        "Roles and responsibilities: required.",
        "Contact 4: e-mail: 'ben-at-mdh' is not a valid e-mail address.",
        "End date: must be on or after the start date (2028-05-01).",
    ):
        assert message in page.replace("&#x27;", "'")
    assert refresh(arrangement).review.state == S.DRAFT


def test_submitting_an_incomplete_draft_lists_every_problem_and_keeps_what_was_typed(
    aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, content={})
    body = form_post(roles="", strategy_primary_care_connection="", contact_3_name="", contact_3_email="")
    response = client_for(admin).post(url(arrangement, "arrangement_submit"), body)
    assert response.status_code == 400
    page = text(response)
    for message in (
        "Roles and responsibilities: required.",
        "Care-coordination strategies: describe at least one care-coordination strategy.",
        "Contacts: name at least one contact at the Medicaid partner.",
    ):
        assert message in page
    arrangement = refresh(arrangement)
    assert arrangement.review.state == S.DRAFT
    assert arrangement.review.content["data_sharing"]["status"] == "drafted"  # saved before the refusal


def test_admin_submits_from_the_form(aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor) -> None:
    arrangement = make_arrangement(aco, admin, content={})
    response = client_for(admin).post(url(arrangement, "arrangement_submit"), form_post())
    assert response.status_code == 302
    arrangement = refresh(arrangement)
    assert arrangement.review.state == S.SUBMITTED and arrangement.review.versions.count() == 1
    page = client_for(admin).get(url(arrangement)).content.decode()
    assert 'id="arrangement-form"' not in page  # no editing while CMS has it
    assert "Withdraw this arrangement" in page


def test_admin_withdraws(aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    response = client_for(admin).post(url(arrangement, "arrangement_withdraw"), {"reason": "Partner changed."})
    assert response.status_code == 302
    case = refresh(arrangement).review
    assert case.state == S.WITHDRAWN
    last = case.transitions.last()
    assert last is not None and last.reason == "Partner changed."


def test_analyst_reads_but_every_write_is_refused(
    aco: ACO, admin: User, analyst: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin)
    client = client_for(analyst)
    page = client.get(url(arrangement))
    assert page.status_code == 200
    assert 'id="arrangement-form"' not in page.content.decode() and "Ada Care" in text(page)
    for name, body in (
        ("arrangement_detail", form_post()),
        ("arrangement_submit", form_post()),
        ("arrangement_withdraw", {}),
        ("arrangement_comment", {"section": "general", "body": "Hi"}),
        ("arrangement_review", {"action": "approve", "reason": "x"}),
    ):
        assert client.post(url(arrangement, name), body).status_code == 403, name
    case = refresh(arrangement).review
    assert case.state == S.DRAFT and case.comments.count() == 0


def test_outsider_gets_404_on_every_write(
    aco: ACO, admin: User, outsider: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    client = client_for(outsider)
    for name in ("arrangement_detail", "arrangement_submit", "arrangement_withdraw", "arrangement_comment"):
        assert client.post(url(arrangement, name), form_post()).status_code == 404
    assert refresh(arrangement).review.state == S.SUBMITTED


def test_another_acos_arrangement_is_404_even_for_its_own_admin_under_the_wrong_aco(
    aco: ACO, admin: User, other_aco: ACO, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin)
    MembershipFactory.create(aco=other_aco, user=admin)
    wrong = reverse(
        "medicaid:arrangement_detail", kwargs={"aco_id": other_aco.aco_id, "arrangement_id": arrangement.pk}
    )
    assert client_for(admin).get(wrong).status_code == 404


# --- CMS on the arrangement page ---------------------------------------------------------------


def test_reviewer_sees_the_decision_form_but_not_the_edit_form(
    aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    client = client_for(cms_reviewer)
    page = client.get(url(arrangement)).content.decode()
    assert 'id="review-form"' in page and "Start review" in page
    assert 'id="arrangement-form"' not in page
    assert client.post(url(arrangement), form_post(roles="CMS edit")).status_code == 403
    assert client.post(url(arrangement, "arrangement_submit"), {}).status_code == 403
    assert client.post(url(arrangement, "arrangement_withdraw"), {}).status_code == 403


def test_reviewer_must_give_a_reason(
    aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    response = client_for(cms_reviewer).post(url(arrangement, "arrangement_review"), {"action": "deny", "reason": ""})
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    assert refresh(arrangement).review.state == S.SUBMITTED


def test_request_changes_resubmit_diff_and_approve_through_the_pages(
    aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, content={})
    aco_client, cms_client = client_for(admin), client_for(cms_reviewer)
    assert aco_client.post(url(arrangement, "arrangement_submit"), form_post()).status_code == 302
    assert cms_client.post(url(arrangement, "arrangement_review"), {"action": "start"}).status_code == 302
    response = cms_client.post(
        url(arrangement, "arrangement_review"), {"action": "request_changes", "reason": "Name an MDH contact lead."}
    )
    assert response.status_code == 302
    page = aco_client.get(url(arrangement))
    assert "CMS asked for changes" in text(page) and "Name an MDH contact lead." in text(page)
    assert 'id="arrangement-form"' in page.content.decode()
    response = aco_client.post(
        url(arrangement, "arrangement_submit"), form_post(roles="The ACO coordinates Medicare care; MDH leads.")
    )
    assert response.status_code == 302
    page = cms_client.get(url(arrangement))
    diff = page.content.decode().split('id="version-diff"')[1].split("</table>")[0]
    assert "Version 1 compared with version 2" in diff
    assert re.findall(r'<th scope="row">([^<]+)</th>', diff) == ["Roles and responsibilities"]
    assert "<del>The ACO coordinates Medicare care.</del>" in diff
    assert "<ins>The ACO coordinates Medicare care; MDH leads.</ins>" in diff
    response = cms_client.post(url(arrangement, "arrangement_review"), {"action": "approve", "reason": "Complete."})
    assert response.status_code == 302
    page = aco_client.get(url(arrangement))
    assert "Approved by" in text(page) and "Complete." in text(page)
    history = text(page).split("History")[1]
    assert "moved it from Changes requested to Submitted: “Resubmitted”" in history
    assert "moved it from In review to Approved: “Complete.”" in history


def test_both_sides_comment_on_a_section(
    aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    response = client_for(cms_reviewer).post(
        url(arrangement, "arrangement_comment"), {"section": "data_sharing", "body": "How are opt-outs sent?"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    assert (
        client_for(admin)
        .post(url(arrangement, "arrangement_comment"), {"section": "general", "body": "Weekly."})
        .status_code
        == 302
    )
    page = text(client_for(admin).get(url(arrangement)))
    assert "(CMS)" in page and "on “Data-sharing agreement”: How are opt-outs sent?" in page
    assert "Weekly." in page


# --- CMS queue ---------------------------------------------------------------------------------


def test_cms_queue_lists_arrangements_across_acos_with_filters(
    aco: ACO,
    admin: User,
    other_aco: ACO,
    outsider: User,
    cms_reviewer: User,
    make_arrangement: Make,
    make_state: Callable[..., MedicaidState],
    client_for: ClientFor,
) -> None:
    ours = make_arrangement(aco, admin, stage="submitted")
    ACOFactory._meta.model.objects.filter(pk=other_aco.pk).update(states=["NC"])
    other_aco.refresh_from_db()
    nc = make_state(code="NC", name="North Carolina")
    theirs = make_arrangement(other_aco, outsider, state=nc, stage="submitted")
    draft = make_arrangement(aco, admin)
    client = client_for(cms_reviewer)
    queue = reverse("medicaid_cms:queue")
    page = client.get(queue).content.decode()
    assert url(ours) in page and url(theirs) in page and url(draft) not in page  # waiting for CMS only
    assert "2 arrangements, oldest submission first" in page
    page = client.get(queue, {"state": "NC"}).content.decode()
    assert url(theirs) in page and url(ours) not in page
    page = client.get(queue, {"aco": aco.aco_id, "status": "all"}).content.decode()
    assert url(ours) in page and url(draft) in page and url(theirs) not in page
    page = client.get(queue, {"status": "draft"}).content.decode()
    assert url(draft) in page and url(ours) not in page
    assert "No arrangements for this filter." in text(client.get(queue, {"status": "approved"}))


def test_cms_queue_is_for_cms_only(admin: User, analyst: User, client_for: ClientFor) -> None:
    queue = reverse("medicaid_cms:queue")
    assert client_for(admin).get(queue).status_code == 404
    assert client_for(analyst).get(queue).status_code == 404
    response = client_for(None).get(queue)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- the whole flow, as the browser test will run it --------------------------------------------


def test_state_selected_then_draft_submit_approve_then_dashboard_link(
    aco: ACO,
    admin: User,
    cms_admin: User,
    cms_reviewer: User,
    make_state: Callable[..., MedicaidState],
    client_for: ClientFor,
) -> None:
    state = make_state(status=StateStatus.UNDER_CONSIDERATION)
    aco_client = client_for(admin)
    assert 'id="arrangement-create-form"' not in aco_client.get(overview_url(aco)).content.decode()
    # The CMS admin marks the state selected (the states area's page).
    response = client_for(cms_admin).post(
        reverse("medicaid_cms:state_status", kwargs={"state_code": "MD"}),
        {"to_status": "selected", "reason": "Framework agreed."},
    )
    assert response.status_code == 302
    state.refresh_from_db()
    assert state.status == StateStatus.SELECTED
    assert 'id="arrangement-create-form"' in aco_client.get(overview_url(aco)).content.decode()
    response = aco_client.post(
        reverse("medicaid:arrangement_create", kwargs={"aco_id": aco.aco_id}),
        {"state": state.pk, "partner_type": "state_agency", "partner_name": "Maryland Medicaid Administration"},
    )
    arrangement = PartnershipArrangement.objects.get()
    assert aco_client.post(url(arrangement, "arrangement_submit"), form_post()).status_code == 302
    cms_client = client_for(cms_reviewer)
    assert url(arrangement) in cms_client.get(reverse("medicaid_cms:queue")).content.decode()
    response = cms_client.post(url(arrangement, "arrangement_review"), {"action": "approve", "reason": "Good."})
    assert response.status_code == 302
    overview = aco_client.get(overview_url(aco))
    assert "Maryland Medicaid Administration Maryland State Medicaid agency In negotiation Approved" in text(overview)
    # The administrator goes on to the dual-eligible dashboard (helper C's page) from here.
    duals = reverse("medicaid:duals", kwargs={"aco_id": aco.aco_id})
    assert f'href="{duals}"' in overview.content.decode()
    assert aco_client.get(duals).status_code == 200


# --- markup ------------------------------------------------------------------------------------


def test_pages_have_unique_ids_labels_for_every_field_and_ordered_headings(
    aco: ACO, admin: User, cms_reviewer: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    draft = make_arrangement(aco, admin)
    submitted = make_arrangement(aco, admin, stage="submitted")
    pages = [
        client_for(admin).get(overview_url(aco)),
        client_for(admin).get(url(draft)),
        client_for(admin).post(url(draft, "arrangement_submit"), form_post(roles="", contact_0_email="x")),
        client_for(cms_reviewer).get(url(submitted)),
    ]
    for response in pages:
        html = response.content.decode()
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
        labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
        fields = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|submit)")[^>]*\sid="([^"]+)"', html)
        assert fields and set(fields) <= labelled, set(fields) - labelled
        main = html.split('<main id="main"')[1]  # the navigation's own headings come before
        levels = [int(h) for h in re.findall(r"<h([1-6])\b", main)]
        assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_the_acos_home_page_shows_the_medicaid_panel(
    aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    make_arrangement(aco, admin, stage="submitted")
    page = client_for(admin).get(reverse("acos:home", kwargs={"aco_id": aco.aco_id}))
    assert page.status_code == 200
    assert "Maryland: selected (managed care Medicaid)" in text(page)
    assert "Partnership arrangements: 1 submitted." in text(page)
    assert f'href="{overview_url(aco)}"' in page.content.decode()


def test_django_admin_lists_arrangements_read_only(
    aco: ACO, admin: User, cms_admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin)
    client = client_for(cms_admin)
    page = client.get("/admin/medicaid/partnershiparrangement/")
    assert page.status_code == 200 and arrangement.review.title in page.content.decode()
    assert client.get("/admin/medicaid/partnershiparrangement/add/").status_code == 403


# --- autosave ----------------------------------------------------------------------------------


def test_the_edit_form_autosaves_with_a_live_status(
    aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, content={})
    page = client_for(admin).get(url(arrangement)).content.decode()
    assert f'hx-post="{url(arrangement, "arrangement_autosave")}"' in page
    assert 'id="autosave-status" role="status" aria-live="polite"' in page


def test_autosave_keeps_what_is_valid_and_says_what_is_not(
    aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, content={})
    response = client_for(admin).post(
        url(arrangement, "arrangement_autosave"),
        form_post(roles="Typed before the mistake.", contact_3_email="ben-at-mdh"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith("Saved at ") and ", except: Contact 4: e-mail: &#x27;ben-at-mdh&#x27;" in body
    content = refresh(arrangement).review.content
    assert content["roles"] == "Typed before the mistake."
    assert "contacts" not in content  # the malformed part waits for a correction


def test_autosave_without_javascript_falls_back_to_the_page(
    aco: ACO, admin: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, content={})
    response = client_for(admin).post(url(arrangement, "arrangement_autosave"), form_post())
    assert response.status_code == 302 and response["Location"] == url(arrangement)
    assert refresh(arrangement).review.content["roles"] == "The ACO coordinates Medicare care."


def test_autosave_is_refused_to_the_analyst_outsider_and_after_submission(
    aco: ACO, admin: User, analyst: User, outsider: User, make_arrangement: Make, client_for: ClientFor
) -> None:
    arrangement = make_arrangement(aco, admin, stage="submitted")
    target = url(arrangement, "arrangement_autosave")
    assert client_for(analyst).post(target, form_post(roles="x"), HTTP_HX_REQUEST="true").status_code == 403
    assert client_for(outsider).post(target, form_post(roles="x"), HTTP_HX_REQUEST="true").status_code == 404
    response = client_for(admin).post(target, form_post(roles="x"), HTTP_HX_REQUEST="true")
    assert response.content.decode().startswith("Not saved: This arrangement is submitted")
    assert refresh(arrangement).review.content["roles"] != "x"
