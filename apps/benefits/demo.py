"""The BE/BEI part of the demo: each generated demo ACO selects the Benefit Enhancements its claims
carry (``apps.claims.generator_world.benefit_enhancements``: L0001 the 3-day SNF rule waiver,
telehealth and post-discharge home visits; L0002 telehealth and care management home visits),
writes an implementation plan for each, submits it, and a CMS reviewer approves it, all through the
real services. A few deliveries are then logged under L0001's telehealth plan and L0002's care
management home visits plan, so the claims pages show both sides.

Safe to run again: an item the ACO already selected is left as it is, and a plan that already has
deliveries gets no more.

The deliveries go through the delivery log's every rule, including "not in the future": ``manage.py
demo`` sets the portal's date after the claims year (the day after its run-out package), so they are
in the past, and each is stamped as recorded the working day after it. On an earlier date (the
portal's real date before PY2027 is over) they are left out, with a note saying so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.acos.models import ACO, Membership
from apps.acos.selectors import portal_today
from apps.alignment.models import AlignedBeneficiary
from apps.alignment.selectors import latest_run
from apps.claims.generator_world import benefit_enhancements
from apps.reviews.models import ReviewState

from . import services
from .models import BenefitSelection, Delivery, ImplementationPlan

PERFORMANCE_YEAR = 2027  # the year `manage.py demo` generates and computes
DEMO_ACOS = ("L0001", "L0002")
ADMINS = {"L0001": "cvhp.admin", "L0002": "msaco.admin"}
REVIEWER = "cms.reviewer"

COMMON: dict[str, str] = {
    "cost_estimate": "48000.00",
    "funding_source": "The ACO's operating budget, repaid from shared savings.",
    "safeguards": "Offered to every eligible beneficiary alike; never tied to the choice of a provider; "
    "each offer and acceptance is documented in the care-management record.",
    "monitoring": "The compliance officer reviews a monthly report of deliveries against this plan and the "
    "claims CMS marks as using the enhancement.",
    "start_date": f"{PERFORMANCE_YEAR}-01-01",
}
CONTENT: dict[str, dict[str, str]] = {
    "snf_3day_waiver": {
        "target_population": "Aligned beneficiaries who need skilled nursing care without a prior hospital stay.",
        "eligibility": "Clinically stable, not in a nursing facility, and seen by a participant clinician in the "
        "last 12 months; admitted only to a SNF rated three stars or more.",
        "services": "Direct admission to a skilled nursing facility without the usual three-day inpatient stay.",
        "delivery": "Participant hospitalists and nurse practitioners order the admission; the care manager "
        "follows up within two days.",
    },
    "telehealth": {
        "target_population": "Aligned beneficiaries with chronic conditions, in rural and urban areas alike.",
        "eligibility": "Aligned in the current run; the clinician judges a video visit clinically appropriate.",
        "services": "Video and audio visits from home with participant clinicians.",
        "delivery": "Participant primary care clinicians, from their clinics, as often as the care plan needs.",
    },
    "post_discharge_home_visits": {
        "target_population": "Aligned beneficiaries discharged home from a hospital or skilled nursing facility.",
        "eligibility": "Discharged in the last 30 days and not receiving home health services.",
        "services": "Home visits by licensed clinical staff after a discharge: medicines, red flags, follow-up.",
        "delivery": "Clinical staff under general supervision, at home, up to twice in the 30 days after discharge.",
    },
    "care_management_home_visits": {
        "target_population": "Aligned beneficiaries at risk of a hospital stay who are not yet in one.",
        "eligibility": "Two or more chronic conditions, or an emergency visit in the last six months.",
        "services": "Care management home visits by auxiliary personnel: a home assessment and a care plan.",
        "delivery": "Care coordinators under general supervision, at home, monthly; at most 20 a year.",
    },
}
APPROVAL = "The plan meets the requirements: eligibility, safeguards and monitoring are clear."

# (ACO, item, [(day, amount, quantity), ...]): one beneficiary each, the first aligned MBIs of the run.
DELIVERIES: list[tuple[str, str, list[tuple[dt.date, Decimal, int]]]] = [
    (
        "L0001",
        "telehealth",
        [
            (dt.date(PERFORMANCE_YEAR, 2, 9), Decimal("45.00"), 1),
            (dt.date(PERFORMANCE_YEAR, 3, 16), Decimal("45.00"), 1),
            (dt.date(PERFORMANCE_YEAR, 5, 4), Decimal("90.00"), 2),
        ],
    ),
    (
        "L0002",
        "care_management_home_visits",
        [
            (dt.date(PERFORMANCE_YEAR, 4, 12), Decimal("120.00"), 2),
            (dt.date(PERFORMANCE_YEAR, 6, 21), Decimal("60.00"), 1),
        ],
    ),
]


@dataclass(frozen=True)
class DemoCounts:
    approved_plans: int
    deliveries: int
    notes: list[str]


def _admin(aco: ACO) -> User | None:
    wanted = User.objects.filter(username=ADMINS.get(aco.aco_id, "")).first()
    if wanted is not None:
        return wanted
    membership = (
        Membership.objects.filter(aco=aco, role=Membership.Role.ADMIN, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    return membership.user if membership is not None else None


def _approve(aco: ACO, code: str, admin: User, reviewer: User) -> None:
    """Select ``code``, write and submit its plan, and approve it, unless the ACO chose it already."""
    if BenefitSelection.objects.filter(aco=aco, performance_year=PERFORMANCE_YEAR, item__code=code).exists():
        return
    selection = services.selection_create(aco=aco, performance_year=PERFORMANCE_YEAR, item_code=code, acting_user=admin)
    plan = services.plan_for(selection=selection, acting_user=admin)
    plan = services.plan_save_draft(plan=plan, content={**COMMON, **CONTENT[code]}, acting_user=admin)
    plan = services.plan_submit(plan=plan, acting_user=admin)
    services.plan_decide(plan=plan, acting_user=reviewer, approve=True, reason=APPROVAL)


def _deliver(aco: ACO, code: str, entries: list[tuple[dt.date, Decimal, int]], admin: User) -> tuple[int, str]:
    """Log ``entries`` under the ACO's approved plan for ``code``, one aligned beneficiary each."""
    plan = (
        ImplementationPlan.objects.filter(
            selection__aco=aco, selection__performance_year=PERFORMANCE_YEAR, selection__item__code=code
        )
        .select_related("review", "selection__item")
        .first()
    )
    if plan is None or plan.review.state != ReviewState.APPROVED or plan.deliveries.exists():
        return 0, ""
    run = latest_run(performance_year=PERFORMANCE_YEAR)
    mbis = (
        list(
            AlignedBeneficiary.objects.filter(run=run, aco=aco)
            .order_by("mbi")
            .values_list("mbi", flat=True)[: len(entries)]
        )
        if run is not None
        else []
    )
    item = plan.selection.item.name
    if len(mbis) < len(entries):
        return 0, f"No deliveries for {aco.aco_id}'s {item}: no alignment run has aligned enough beneficiaries yet."
    last, today = max(day for day, _, _ in entries), portal_today()
    if last > today:
        return 0, (
            f"No deliveries for {aco.aco_id}'s {item}: they are dated up to {last.isoformat()}, after the "
            f"portal's date ({today.isoformat()}); manage.py demo sets the date after the claims year."
        )
    for mbi, (day, amount, quantity) in zip(mbis, entries, strict=True):
        delivery = services.delivery_record(
            plan=plan,
            mbi=mbi,
            delivered_on=day,
            amount=amount,
            quantity=quantity,
            note="Demo delivery.",
            acting_user=admin,
        )
        # Recorded the working day after the delivery, as an ACO would (auto_now_add set "now").
        Delivery.objects.filter(pk=delivery.pk).update(recorded_at=_recorded_at(day))
    return len(entries), ""


def _recorded_at(day: dt.date) -> dt.datetime:
    after = day + dt.timedelta(days=3 if day.weekday() == 4 else 2 if day.weekday() == 5 else 1)
    return timezone.make_aware(dt.datetime.combine(after, dt.time(9, 30)))


@transaction.atomic
def demo_load() -> DemoCounts:
    """Approved plans for the Benefit Enhancements of each demo ACO there is, and a few deliveries."""
    reviewer = User.objects.filter(username=REVIEWER).first() or (
        User.objects.filter(cms_role=User.CMSRole.REVIEWER, is_active=True).order_by("id").first()
    )
    if reviewer is None:
        raise ValueError("No CMS reviewer yet: create the demo accounts first (manage.py demo).")
    notes: list[str] = []
    acos = {a.aco_id: a for a in ACO.objects.filter(aco_id__in=DEMO_ACOS)}
    admins: dict[str, User] = {}
    for aco_id, aco in sorted(acos.items()):
        admin = _admin(aco)
        if admin is None:
            notes.append(f"{aco_id} has no administrator: no plans.")
            continue
        admins[aco_id] = admin
        for code in benefit_enhancements(aco_id):
            _approve(aco, code, admin, reviewer)
    delivered = 0
    for aco_id, code, entries in DELIVERIES:
        if aco_id not in admins:
            continue
        count, note = _deliver(acos[aco_id], code, entries, admins[aco_id])
        delivered += count
        if note:
            notes.append(note)
    approved = ImplementationPlan.objects.filter(
        selection__aco__aco_id__in=DEMO_ACOS,
        selection__performance_year=PERFORMANCE_YEAR,
        review__state=ReviewState.APPROVED,
    ).count()
    return DemoCounts(approved_plans=approved, deliveries=delivered, notes=notes)
