"""Builders for BE/BEI tests: plans in each state through the real services, so every test row
went through the same rules a person's would."""

from __future__ import annotations

from typing import Any

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.benefits import services
from apps.benefits.models import ImplementationPlan

# A complete plan for any item (Substance Access also needs SA_EXTRA).
FULL_PLAN: dict[str, str] = {
    "target_population": "Aligned beneficiaries with two or more chronic conditions.",
    "eligibility": "Aligned in the current run and seen by a participant clinician in the last 12 months.",
    "services": "Video visits with the care team.",
    "delivery": "Care team nurses, from the clinic, weekly as needed.",
    "cost_estimate": "12000.00",
    "funding_source": "Shared savings reserve.",
    "safeguards": "No beneficiary is steered or pressured; offers are documented.",
    "monitoring": "Monthly compliance review of every delivery.",
    "start_date": "2027-01-01",
}
SA_EXTRA: dict[str, str] = {
    "products": "Hemp oil capsules, at most 0.3% delta-9 THC by dry weight.",
    "dosing": "At most 3 mg THC per serving, by mouth.",
    "frequency": "Up to twice a day.",
}


def draft_plan(
    aco: ACO, admin: User, code: str = "telehealth", performance_year: int = 2027, content: dict[str, Any] | None = None
) -> ImplementationPlan:
    selection = services.selection_create(aco=aco, performance_year=performance_year, item_code=code, acting_user=admin)
    plan = services.plan_for(selection=selection, acting_user=admin)
    if content is None:
        content = dict(FULL_PLAN, **(SA_EXTRA if code == "substance_access" else {}))
    if content:
        plan = services.plan_save_draft(plan=plan, content=content, acting_user=admin)
    return plan


def submitted_plan(aco: ACO, admin: User, code: str = "telehealth", performance_year: int = 2027) -> ImplementationPlan:
    plan = draft_plan(aco, admin, code, performance_year)
    return services.plan_submit(plan=plan, acting_user=admin)


def approved_plan(
    aco: ACO, admin: User, reviewer: User, code: str = "telehealth", performance_year: int = 2027
) -> ImplementationPlan:
    plan = submitted_plan(aco, admin, code, performance_year)
    return services.plan_decide(plan=plan, acting_user=reviewer, approve=True, reason="Meets the requirements.")
