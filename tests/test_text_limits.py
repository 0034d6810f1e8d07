"""Text areas with a length limit (plan sections, arrangement descriptions: 5,000 characters) say so.

The browser's ``maxlength`` cut pasted text at the limit without a word; now the limit is shown under
the box (static/js/textlimit.js counts as one types) and a longer text is refused by the server with
the limit, the length entered and the excess. 5,123 characters are 123 too many."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.benefits import services as benefit_services
from apps.benefits.forms import PlanForm
from apps.benefits.models import ImplementationPlan
from apps.medicaid.arrangements import services as arrangement_services
from apps.medicaid.models import DeliverySystem, MedicaidState, PartnershipArrangement, StateStatus
from lead_portal.text import TEXT_LIMIT, too_long
from tests.benefits.builders import draft_plan

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User | None], Client]
LONG = "x" * 5123
MESSAGE = "At most 5,000 characters are allowed; this text has 5,123. Shorten it by 123."


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def textareas(html: str) -> dict[str, str]:
    """Each <textarea>'s opening tag by its name."""
    return {m.group(1): m.group(0) for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>', html)}


def plan_url(plan: ImplementationPlan, name: str = "plan_detail") -> str:
    return reverse(f"benefits:{name}", kwargs={"aco_id": plan.selection.aco.aco_id, "plan_id": plan.pk})


def arrangement_url(arrangement: PartnershipArrangement, name: str = "arrangement_detail") -> str:
    return reverse(f"medicaid:{name}", kwargs={"aco_id": arrangement.aco.aco_id, "arrangement_id": arrangement.pk})


def test_the_message_names_the_limit_the_length_and_the_excess() -> None:
    assert TEXT_LIMIT == 5000
    assert too_long(5000, 5123) == MESSAGE
    assert too_long(200, 201) == "At most 200 characters are allowed; this text has 201. Shorten it by 1."


def test_a_plan_text_area_shows_its_limit_and_has_no_maxlength(aco: ACO, admin: User, client_for: ClientFor) -> None:
    plan = draft_plan(aco, admin, content={})
    html = client_for(admin).get(plan_url(plan)).content.decode()
    areas = textareas(html)
    assert "services" in areas
    for name, tag in areas.items():
        if name in ("reason", "body"):  # withdraw reason and comment: no limit
            continue
        assert "maxlength" not in tag.replace("data-maxlength", ""), tag  # the browser would cut a paste
        assert 'data-maxlength="5000"' in tag, tag
        described = re.search(r'aria-describedby="([^"]+)"', tag)
        assert described and f"id_{name}_limit" in described.group(1).split(), tag  # read out with the box
    assert '<p class="ds-c-hint" id="id_services_limit" aria-live="polite">At most 5,000 characters.</p>' in html
    assert "js/textlimit.js" in html


def test_a_plan_section_too_long_is_refused_with_the_figures(aco: ACO, admin: User, client_for: ClientFor) -> None:
    plan = draft_plan(aco, admin, content={})
    client = client_for(admin)
    response = client.post(plan_url(plan), {"services": LONG})
    assert response.status_code == 400
    assert MESSAGE in text(response.content.decode())
    # The text as typed is kept in the box, not cut: the person shortens it themselves.
    assert LONG in response.content.decode()
    # The autosave says the same.
    response = client.post(plan_url(plan, "plan_autosave"), {"services": LONG}, HTTP_HX_REQUEST="true")
    assert f"Not saved: Services or products: {MESSAGE}" in text(response.content.decode())
    assert "services" not in ImplementationPlan.objects.get(pk=plan.pk).review.content


def test_the_form_and_the_service_refuse_the_same_way(aco: ACO, admin: User) -> None:
    plan = draft_plan(aco, admin, content={})
    form = PlanForm({"services": LONG}, item=plan.selection.item)
    assert not form.is_valid()
    assert form.errors["services"] == [MESSAGE]
    assert PlanForm({"services": "x" * 5000}, item=plan.selection.item).is_valid()  # the limit itself is fine
    with pytest.raises(ValidationError) as caught:
        benefit_services.plan_save_draft(plan=plan, content={"services": LONG}, acting_user=admin)
    assert caught.value.message_dict["services"] == [MESSAGE]


def draft_arrangement(aco: ACO, admin: User) -> PartnershipArrangement:
    """An empty draft in Maryland (selected, managed care; the test ACOs serve MD)."""
    state, _ = MedicaidState.objects.update_or_create(
        code="MD",
        defaults={"name": "Maryland", "status": StateStatus.SELECTED, "delivery_system": DeliverySystem.MANAGED_CARE},
    )
    return arrangement_services.arrangement_create(
        aco=aco, state=state, acting_user=admin, partner_type="state_agency", partner_name="Maryland Medicaid"
    )


def test_an_arrangement_text_area_shows_its_limit_and_refuses_a_longer_text(
    aco: ACO, admin: User, client_for: ClientFor
) -> None:
    arrangement = draft_arrangement(aco, admin)
    client = client_for(admin)
    html = client.get(arrangement_url(arrangement)).content.decode()
    roles = textareas(html)["roles"]
    assert 'data-maxlength="5000"' in roles and " maxlength=" not in roles
    assert 'id="id_roles_limit" aria-live="polite">At most 5,000 characters.</p>' in html
    response = client.post(arrangement_url(arrangement), {"roles": LONG})
    assert response.status_code == 400
    assert MESSAGE in text(response.content.decode())
    with pytest.raises(ValidationError) as caught:
        arrangement_services.arrangement_save_draft(arrangement=arrangement, content={"roles": LONG}, acting_user=admin)
    assert caught.value.message_dict["roles"] == [f"Roles and responsibilities: {MESSAGE}"]
