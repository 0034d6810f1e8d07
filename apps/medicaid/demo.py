"""The Medicaid integration part of the demo: partner states, planning milestones and a framework
document, from the first state applications (spring 2026) to the end of the planning phase (December
2027). Each milestone's status is taken from the portal's date when the demo loads it: on the demo's
date (``manage.py demo`` sets it to the day after the PY2027 run-out package, April 3, 2028) the
planning phase is over and every milestone done. Safe to run again: existing rows are left as they are.

Ohio (managed care) is selected; Maryland (managed care) and Virginia (fee-for-service) are under
consideration; West Virginia and Pennsylvania are interested. The demo's generated claims bundle puts
both its ACOs in Ohio; the ACOs of the lists-only demo (apps/acos/demo.py) serve MD, PA and VA (L0001)
and WV (L0002), where nothing is selected yet.

An ACO serving Ohio (L0001) also gets an arrangement with an Ohio Medicaid managed care plan, submitted
and approved through the review workflow, and two of its full-benefit duals (from the latest dual run,
when the pipeline has run) declined data sharing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.acos.selectors import portal_today

from .models import (
    DataSharingOptOut,
    DeliverySystem,
    DualGroup,
    DualRun,
    FrameworkDocument,
    MedicaidState,
    Milestone,
    PartnershipArrangement,
    StateStatus,
    StateStatusChange,
)

S = StateStatus

# code, name, delivery system, agency, [(status, date of the change, reason), ...] (the first is "" -> interested)
STATES: list[tuple[str, str, str, str, list[tuple[str, dt.date, str]]]] = [
    (
        "OH",
        "Ohio",
        DeliverySystem.MANAGED_CARE,
        "Ohio Department of Medicaid",
        [
            (S.INTERESTED, dt.date(2026, 4, 14), "Letter of interest received."),
            (S.UNDER_CONSIDERATION, dt.date(2026, 7, 6), "Application complete."),
            (
                S.SELECTED,
                dt.date(2026, 10, 28),
                "Selected: statewide managed care and a strong data-sharing plan.",
            ),
        ],
    ),
    (
        "MD",
        "Maryland",
        DeliverySystem.MANAGED_CARE,
        "Maryland Department of Health, Medicaid Administration",
        [
            (S.INTERESTED, dt.date(2026, 4, 20), "Letter of interest received."),
            (S.UNDER_CONSIDERATION, dt.date(2026, 9, 8), "Application complete; HealthChoice data review under way."),
        ],
    ),
    (
        "VA",
        "Virginia",
        DeliverySystem.FEE_FOR_SERVICE,
        "Virginia Department of Medical Assistance Services",
        [
            (S.INTERESTED, dt.date(2026, 5, 2), "Letter of interest received."),
            (S.UNDER_CONSIDERATION, dt.date(2026, 8, 17), "Application complete; feasibility review under way."),
        ],
    ),
    (
        "WV",
        "West Virginia",
        DeliverySystem.FEE_FOR_SERVICE,
        "West Virginia Bureau for Medical Services",
        [(S.INTERESTED, dt.date(2026, 6, 9), "Letter of interest received.")],
    ),
    (
        "PA",
        "Pennsylvania",
        DeliverySystem.MANAGED_CARE,
        "Pennsylvania Department of Human Services, Office of Medical Assistance Programs",
        [(S.INTERESTED, dt.date(2026, 9, 21), "Letter of interest received.")],
    ),
]

# state code ("" for model-wide), title, start, end
MILESTONES: list[tuple[str, str, dt.date, dt.date]] = [
    ("", "State applications", dt.date(2026, 3, 2), dt.date(2026, 6, 30)),
    ("", "State selection", dt.date(2026, 7, 1), dt.date(2026, 10, 30)),
    ("", "Framework design", dt.date(2026, 9, 1), dt.date(2027, 6, 30)),
    ("", "ACO partnership arrangements drafted", dt.date(2027, 3, 1), dt.date(2027, 9, 30)),
    ("", "Readiness review", dt.date(2027, 10, 1), dt.date(2027, 12, 31)),
    ("OH", "Framework kickoff with Ohio Medicaid", dt.date(2026, 11, 2), dt.date(2026, 11, 20)),
    ("OH", "Data-sharing agreement with Ohio Medicaid", dt.date(2026, 11, 16), dt.date(2027, 3, 31)),
    ("OH", "Managed care organization partnership template", dt.date(2027, 1, 4), dt.date(2027, 5, 28)),
    ("OH", "Nursing facility transition protocol", dt.date(2027, 4, 5), dt.date(2027, 8, 31)),
    ("VA", "Virginia feasibility review", dt.date(2026, 9, 14), dt.date(2027, 1, 29)),
]

DOCUMENT_TITLE = "Framework for ACO–Medicaid partnership arrangements"
DOCUMENT_TEXT = """Ohio: framework for ACO–Medicaid partnership arrangements (demo draft)

1. Purpose
Coordinate care for beneficiaries dually eligible for Medicare and Medicaid who are in Original
Medicare and aligned to a LEAD ACO serving Ohio.

2. Partners
The Ohio Department of Medicaid and the Ohio Medicaid managed care organizations.

3. Care-coordination strategies
- Integrated care plans shared between the ACO and the Medicaid partner.
- Connection to primary care within 30 days of enrolment or discharge.
- Risk stratification with a shared high-risk list, refreshed monthly.
- Transitions from long-stay nursing facilities to the community.

4. Data sharing
A data-sharing agreement under HIPAA; beneficiaries who decline data sharing are never included in
lists or files shared with a Medicaid partner.
"""


# The demo arrangement of L0001 with an Ohio Medicaid managed care organization (review content keys).
ARRANGEMENT_ACO = "L0001"
ARRANGEMENT: dict[str, Any] = {
    "partner_type": "mco",
    "partner_name": "Buckeye Community Health Plan",
    "agreement_status": "signed",
    "start_date": "2027-01-01",
    "end_date": "2028-12-31",
    "roles": (
        "The ACO coordinates Medicare primary and specialty care, runs transitions of care after hospital "
        "stays and shares its high-risk list. The MCO coordinates Medicaid long-term services and supports, "
        "behavioral health and transportation, and names a care coordinator for each shared member."
    ),
    "strategies": {
        "integrated_care_plans": "One care plan per full-benefit dual, kept in the shared care-management record.",
        "primary_care_connection": "Every shared member without a primary care visit in 12 months is called.",
        "risk_stratification": "Monthly shared list ranked by admissions, ED visits and frailty.",
        "nursing_facility_transitions": "Joint discharge planning for long-stay residents moving home.",
    },
    "data_sharing": {
        "status": "signed",
        "signed_on": "2026-11-20",
        "description": "Monthly roster of shared full-benefit duals; beneficiaries who declined are never sent.",
    },
    "contacts": [
        {
            "side": "aco",
            "name": "Dana Whitfield",
            "organization": "",  # the ACO's legal name
            "role": "Medicaid integration lead",
            "email": "cvhp.admin@lead-demo.example",
            "phone": "614-555-0140",
        },
        {
            "side": "partner",
            "name": "Marcus Lee",
            "organization": "Buckeye Community Health Plan",
            "role": "Care coordination director",
            "email": "marcus.lee@bchp-demo.example",
            "phone": "614-555-0175",
        },
    ],
}


@dataclass(frozen=True)
class DemoCounts:
    states: int
    milestones: int
    documents: int
    arrangements: int = 0
    opt_outs: int = 0


def _status_on(today: dt.date, start: dt.date, end: dt.date) -> str:
    if end < today:
        return Milestone.Status.DONE
    if start <= today:
        return Milestone.Status.IN_PROGRESS
    return Milestone.Status.PLANNED


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


@transaction.atomic
def demo_load(*, acting_user: User | None = None) -> DemoCounts:
    """Create the demo's states (with their history), milestones and Ohio's framework document,
    leaving any that exist. ``acting_user`` defaults to the demo's CMS admin."""
    user = acting_user or (
        User.objects.filter(username="cms.admin").first()
        or User.objects.filter(cms_role=User.CMSRole.ADMIN).order_by("id").first()
    )
    if user is None:
        raise ValueError("No CMS admin yet: create the demo accounts first (manage.py demo).")
    today = portal_today()
    states: dict[str, MedicaidState] = {}
    for code, name, system, agency, history in STATES:
        state = MedicaidState.objects.filter(code=code).first()
        if state is None:
            state = MedicaidState.objects.create(
                code=code, name=name, delivery_system=system, medicaid_agency=agency, status=history[-1][0]
            )
            previous = ""
            for status, day, reason in history:
                change = StateStatusChange.objects.create(
                    state=state, from_status=previous, to_status=status, reason=reason, changed_by=user
                )
                # Back-date the history to when CMS made each decision (auto_now_add set "now").
                StateStatusChange.objects.filter(pk=change.pk).update(changed_at=_at(day))
                previous = status
        states[code] = state
    for code, title, start, end in MILESTONES:
        state_or_none = states[code] if code else None
        if not Milestone.objects.filter(state=state_or_none, title=title).exists():
            Milestone.objects.create(
                state=state_or_none,
                title=title,
                start=start,
                end=end,
                status=_status_on(today, start, end),
                updated_by=user,
            )
    selected = states["OH"]
    if not FrameworkDocument.objects.filter(state=selected, title=DOCUMENT_TITLE).exists():
        data = DOCUMENT_TEXT.encode()
        document = FrameworkDocument(
            state=selected,
            title=DOCUMENT_TITLE,
            version=1,
            original_name="ohio-framework-draft.txt",
            size=len(data),
            content_type="text/plain",
            uploaded_by=user,
        )
        document.file.save(document.original_name, ContentFile(data), save=False)
        document.save()
    _arrangement_and_opt_outs(selected)
    return DemoCounts(
        states=MedicaidState.objects.count(),
        milestones=Milestone.objects.count(),
        documents=FrameworkDocument.objects.count(),
        arrangements=PartnershipArrangement.objects.count(),
        opt_outs=DataSharingOptOut.objects.count(),
    )


def _arrangement_and_opt_outs(selected: MedicaidState) -> None:
    """L0001's approved arrangement in the selected state and two opt-outs, through the real services,
    once; nothing when L0001 does not serve that state."""
    from .arrangements import services as arrangement_services
    from .duals import services as dual_services

    aco = ACO.objects.filter(aco_id=ARRANGEMENT_ACO).first()
    admin = User.objects.filter(username="cvhp.admin").first()
    reviewer = User.objects.filter(username="cms.reviewer").first()
    if aco is None or admin is None or reviewer is None or selected.code not in (aco.states or []):
        return
    if not PartnershipArrangement.objects.filter(aco=aco).exists():
        arrangement = arrangement_services.arrangement_create(
            aco=aco,
            state=selected,
            acting_user=admin,
            partner_type=ARRANGEMENT["partner_type"],
            partner_name=ARRANGEMENT["partner_name"],
        )
        contacts = [{**c, "organization": c["organization"] or aco.legal_name} for c in ARRANGEMENT["contacts"]]
        arrangement = arrangement_services.arrangement_save_draft(
            arrangement=arrangement, content={**ARRANGEMENT, "contacts": contacts}, acting_user=admin
        )
        arrangement = arrangement_services.arrangement_submit(arrangement=arrangement, acting_user=admin)
        arrangement_services.arrangement_decide(
            arrangement=arrangement,
            acting_user=reviewer,
            approve=True,
            reason="Roles, strategies and the data-sharing agreement meet Ohio's framework.",
        )
    if DataSharingOptOut.objects.filter(aco=aco).exists():
        return
    run = DualRun.objects.filter(status=DualRun.Status.SUCCEEDED).order_by("-created_at", "-pk").first()
    if run is None:
        return
    full = run.beneficiaries.filter(aco=aco, dual_group=DualGroup.FULL).order_by("mbi").values_list("mbi", flat=True)
    for mbi, source in zip(
        full[:2], (DataSharingOptOut.Source.BENEFICIARY, DataSharingOptOut.Source.FORM), strict=False
    ):
        dual_services.optout_record(
            aco=aco, acting_user=admin, mbi=mbi, declined_on=dt.date(2026, 10, 5), source=source,
            note="Declined sharing with Medicaid partners at the annual wellness visit.",
        )  # fmt: skip
