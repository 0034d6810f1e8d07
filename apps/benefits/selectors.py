"""Every read of BE/BEI data, already scoped: the caller passes an ACO it resolved through
``apps.acos.selectors.aco_get_for_user`` (outsiders got 404 there); a plan of another ACO answers
404 exactly as a missing one does."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from apps.acos.models import ACO, Election, ModelParameters, RiskOption
from apps.reviews.models import OPEN_STATES

from .models import BenefitItem, BenefitSelection, Delivery, ImplementationPlan, PlanAttachment


@dataclass(frozen=True)
class Availability:
    selectable: bool
    reason: str = ""
    restricted_states: list[str] = field(default_factory=list)


@dataclass
class CatalogueRow:
    item: BenefitItem
    selectable: bool
    reason: str
    selection: BenefitSelection | None
    plan: ImplementationPlan | None
    restricted_states: list[str]


def availability(
    *, aco: ACO, item: BenefitItem, parameters: ModelParameters | None, election: Election | None
) -> Availability:
    """May the ACO choose the item in the item's PY? (DOMAIN.md §7.) ``restricted_states`` lists the
    only states it may be offered in when some but not all of the ACO's states allow it."""
    py = item.performance_year
    if item.first_performance_year and py < item.first_performance_year:
        return Availability(False, f"{item.name} is offered from PY{item.first_performance_year}.")
    if item.global_only and (election is None or election.risk_option != RiskOption.GLOBAL):
        chosen = (
            f"this ACO elected {election.get_risk_option_display()} risk for PY{py}"
            if election is not None
            else f"this ACO has no risk election for PY{py}"
        )
        return Availability(False, f"{item.name} is only for ACOs taking Global risk; {chosen}.")
    if item.legal_states_only:
        legal = set(parameters.substance_access_legal_states if parameters else [])
        states = sorted(set(aco.states or []))
        allowed = [s for s in states if s in legal]
        if not allowed:
            served = ", ".join(states) or "none recorded"
            return Availability(False, f"{item.name} is not legal in any state this ACO serves ({served}).")
        if len(allowed) < len(states):
            excluded = ", ".join(s for s in states if s not in allowed)
            return Availability(
                True, f"Offered only in {', '.join(allowed)} (not legal in {excluded}).", restricted_states=allowed
            )
    return Availability(True)


def item_get(*, performance_year: int, code: str) -> BenefitItem | None:
    return BenefitItem.objects.filter(performance_year=performance_year, code=code).first()


def items_for(*, performance_year: int) -> QuerySet[BenefitItem]:
    return BenefitItem.objects.filter(performance_year=performance_year).order_by("kind", "name")


def item_availability(*, aco: ACO, item: BenefitItem) -> Availability:
    parameters = ModelParameters.objects.filter(performance_year=item.performance_year).first()
    election = Election.objects.filter(aco=aco, performance_year=item.performance_year).first()
    return availability(aco=aco, item=item, parameters=parameters, election=election)


def catalogue_for(*, aco: ACO, performance_year: int) -> list[CatalogueRow]:
    """Every item of the PY with whether the ACO may choose it (and why not), and its selection and
    plan if it has them. A withdrawn selection still shows (``selection.withdrawn_at`` set)."""
    parameters = ModelParameters.objects.filter(performance_year=performance_year).first()
    election = Election.objects.filter(aco=aco, performance_year=performance_year).first()
    selections = {
        s.item_id: s
        for s in BenefitSelection.objects.filter(aco=aco, performance_year=performance_year).select_related("item")
    }
    plans = {
        p.selection_id: p
        for p in ImplementationPlan.objects.filter(selection__in=list(selections.values())).select_related("review")
    }
    rows = []
    for item in items_for(performance_year=performance_year):
        avail = availability(aco=aco, item=item, parameters=parameters, election=election)
        selection = selections.get(item.pk)
        rows.append(
            CatalogueRow(
                item=item,
                selectable=avail.selectable,
                reason=avail.reason,
                selection=selection,
                plan=plans.get(selection.pk) if selection else None,
                restricted_states=avail.restricted_states,
            )
        )
    return rows


def selections_for(*, aco: ACO, performance_year: int | None = None) -> QuerySet[BenefitSelection]:
    qs = BenefitSelection.objects.filter(aco=aco).select_related("item", "selected_by")
    if performance_year is not None:
        qs = qs.filter(performance_year=performance_year)
    return qs.order_by("performance_year", "item__kind", "item__name")


def selection_get(*, aco: ACO, selection_id: int) -> BenefitSelection:
    obj = BenefitSelection.objects.filter(aco=aco, pk=selection_id).select_related("item", "aco").first()
    if obj is None:
        raise Http404("No such benefit selection.")
    return obj


def _plans() -> QuerySet[ImplementationPlan]:
    return ImplementationPlan.objects.select_related(
        "selection", "selection__aco", "selection__item", "review", "review__created_by", "review__decided_by"
    )


def plan_get(*, aco: ACO, plan_id: int) -> ImplementationPlan:
    obj = _plans().filter(selection__aco=aco, pk=plan_id).first()
    if obj is None:
        raise Http404("No such implementation plan.")
    return obj


def plans_for_aco(*, aco: ACO, performance_year: int | None = None) -> QuerySet[ImplementationPlan]:
    qs = _plans().filter(selection__aco=aco)
    if performance_year is not None:
        qs = qs.filter(selection__performance_year=performance_year)
    return qs.order_by("selection__performance_year", "selection__item__kind", "selection__item__name")


def review_queue(
    *, item: str = "", state: str = "", aco: str = "", min_age_days: int | None = None
) -> QuerySet[ImplementationPlan]:
    """Plans across every ACO for CMS reviewers (callers check the role), oldest submission first.
    ``item`` is an item code, ``aco`` a LEAD ACO id; by default the open (submitted, in review) ones;
    ``min_age_days`` keeps those submitted at least that many days ago."""
    qs = _plans()
    qs = qs.filter(review__state=state) if state else qs.filter(review__state__in=OPEN_STATES)
    if item:
        qs = qs.filter(selection__item__code=item)
    if aco:
        qs = qs.filter(selection__aco__aco_id=aco)
    if min_age_days:
        qs = qs.filter(review__submitted_at__lte=timezone.now() - datetime.timedelta(days=min_age_days))
    return qs.order_by("review__submitted_at", "pk")


def attachments_for(*, plan: ImplementationPlan) -> QuerySet[PlanAttachment]:
    return plan.attachments.select_related("uploaded_by").order_by("uploaded_at", "id")


def attachment_get(*, plan: ImplementationPlan, attachment_id: int) -> PlanAttachment:
    obj = plan.attachments.filter(pk=attachment_id).first()
    if obj is None:
        raise Http404("No such attachment.")
    return obj


def deliveries_for(*, plan: ImplementationPlan) -> QuerySet[Delivery]:
    return plan.deliveries.select_related("recorded_by").order_by("-delivered_on", "-id")


def beneficiary_used(*, plan: ImplementationPlan, mbi: str) -> dict[str, Any]:
    """What a beneficiary already received under the plan this year: dollars and count."""
    agg = plan.deliveries.filter(mbi=mbi).aggregate(amount=Sum("amount"), count=Sum("quantity"))
    return {"amount": agg["amount"] or Decimal("0.00"), "count": agg["count"] or 0}


def delivery_totals(*, aco: ACO, performance_year: int) -> list[dict[str, Any]]:
    """Per item of the PY the ACO delivered: deliveries (sum of quantities), dollars and distinct
    beneficiaries."""
    rows = (
        Delivery.objects.filter(aco=aco, plan__selection__performance_year=performance_year)
        .values("plan__selection__item__code", "plan__selection__item__name")
        .annotate(count=Sum("quantity"), amount=Sum("amount"), beneficiaries=Count("mbi", distinct=True))
        .order_by("plan__selection__item__name")
    )
    return [
        {
            "code": r["plan__selection__item__code"],
            "name": r["plan__selection__item__name"],
            "count": r["count"] or 0,
            "amount": r["amount"] or Decimal("0.00"),
            "beneficiaries": r["beneficiaries"],
        }
        for r in rows
    ]
