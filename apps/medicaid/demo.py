"""The Medicaid integration part of the demo: partner states, planning milestones and a framework
document, as CMS would have them on the demo's "today" (2026-11-25 unless ``PORTAL_TODAY`` says
otherwise). Safe to run again: existing rows are left as they are.

Maryland (managed care) is selected, Virginia (fee-for-service) is under consideration, West
Virginia and Pennsylvania are interested. Demo ACO L0001 serves MD, PA and VA; L0002 serves WV.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.acos.selectors import portal_today

from .models import DeliverySystem, FrameworkDocument, MedicaidState, Milestone, StateStatus, StateStatusChange

S = StateStatus

# code, name, delivery system, agency, [(status, date of the change, reason), ...] (the first is "" -> interested)
STATES: list[tuple[str, str, str, str, list[tuple[str, dt.date, str]]]] = [
    (
        "MD",
        "Maryland",
        DeliverySystem.MANAGED_CARE,
        "Maryland Department of Health, Medicaid Administration",
        [
            (S.INTERESTED, dt.date(2026, 4, 14), "Letter of interest received."),
            (S.UNDER_CONSIDERATION, dt.date(2026, 7, 6), "Application complete."),
            (S.SELECTED, dt.date(2026, 10, 28), "Selected: HealthChoice managed care and a strong data-sharing plan."),
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
    ("MD", "Framework kickoff with Maryland Medicaid", dt.date(2026, 11, 2), dt.date(2026, 11, 20)),
    ("MD", "Data-sharing agreement with Maryland Medicaid", dt.date(2026, 11, 16), dt.date(2027, 3, 31)),
    ("MD", "Managed care organization partnership template", dt.date(2027, 1, 4), dt.date(2027, 5, 28)),
    ("MD", "Nursing facility transition protocol", dt.date(2027, 4, 5), dt.date(2027, 8, 31)),
    ("VA", "Virginia feasibility review", dt.date(2026, 9, 14), dt.date(2027, 1, 29)),
]

DOCUMENT_TITLE = "Framework for ACO–Medicaid partnership arrangements"
DOCUMENT_TEXT = """Maryland: framework for ACO–Medicaid partnership arrangements (demo draft)

1. Purpose
Coordinate care for beneficiaries dually eligible for Medicare and Medicaid who are in Original
Medicare and aligned to a LEAD ACO serving Maryland.

2. Partners
The Maryland Department of Health (Medicaid Administration) and the HealthChoice managed care
organizations.

3. Care-coordination strategies
- Integrated care plans shared between the ACO and the Medicaid partner.
- Connection to primary care within 30 days of enrolment or discharge.
- Risk stratification with a shared high-risk list, refreshed monthly.
- Transitions from long-stay nursing facilities to the community.

4. Data sharing
A data-sharing agreement under HIPAA; beneficiaries who decline data sharing are never included in
lists or files shared with a Medicaid partner.
"""


@dataclass(frozen=True)
class DemoCounts:
    states: int
    milestones: int
    documents: int


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
    """Create the demo's states (with their history), milestones and Maryland's framework document,
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
    maryland = states["MD"]
    if not FrameworkDocument.objects.filter(state=maryland, title=DOCUMENT_TITLE).exists():
        data = DOCUMENT_TEXT.encode()
        document = FrameworkDocument(
            state=maryland,
            title=DOCUMENT_TITLE,
            version=1,
            original_name="maryland-framework-draft.txt",
            size=len(data),
            content_type="text/plain",
            uploaded_by=user,
        )
        document.file.save(document.original_name, ContentFile(data), save=False)
        document.save()
    return DemoCounts(
        states=MedicaidState.objects.count(),
        milestones=Milestone.objects.count(),
        documents=FrameworkDocument.objects.count(),
    )
