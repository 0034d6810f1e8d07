"""Builders for BE/BEI tests: plans in each state through the real services, so every test row
went through the same rules a person's would; and claims rows with their Benefit Enhancement
indicators (``ClaimsRows``), written as the loader leaves them."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.benefits import services
from apps.benefits.models import CLAIMS_INDICATORS, ImplementationPlan
from apps.claims.models import (
    CCLFFile,
    DMELine,
    IngestRun,
    PartABenefitCodes,
    PartAClaim,
    PartBBenefitCodes,
    PartBLine,
)

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


class ClaimsRows:
    """Claims rows written straight into the tables, as the loader leaves them: a CCLF1 header or a
    CCLF5/CCLF6 line with its CCLFA/CCLFB row, both ``is_current`` when the version is the netted one.
    ``flags`` maps a BE code to the value of its indicator ("Y", "N" or "")."""

    def __init__(self, performance_year: int = 2027) -> None:
        self.performance_year = performance_year
        self.ingest = IngestRun.objects.create(source="hand-worked", status=IngestRun.Status.SUCCEEDED)
        self.files: dict[str, CCLFFile] = {}

    def file(self, file_type: str) -> CCLFFile:
        if file_type not in self.files:
            self.files[file_type] = CCLFFile.objects.create(
                run=self.ingest,
                name=f"P.A1234.ACO.ZC{file_type[-1]}Y27.D280102.T0415300",
                file_type=file_type,
                produced_at=timezone.now(),
                performance_year=self.performance_year,
                sha256=uuid.uuid4().hex * 2,
                records=1,
                size=1,
            )
        return self.files[file_type]

    def part_a(
        self, uniq: int, mbi: str, day: str, flags: dict[str, str], *, current: bool = True, clm_type_cd: int = 60
    ) -> PartABenefitCodes:
        date = datetime.date.fromisoformat(day)
        PartAClaim.objects.create(
            file=self.file("CCLF1"), current_mbi=mbi, bene_mbi_id=mbi, is_current=current, cur_clm_uniq_id=uniq,
            clm_type_cd=clm_type_cd, clm_from_dt=date, clm_thru_dt=date,
        )  # fmt: skip
        fields = {CLAIMS_INDICATORS[code].part_a: value for code, value in flags.items()}
        return PartABenefitCodes.objects.create(
            file=self.file("CCLFA"), current_mbi=mbi, bene_mbi_id=mbi, is_current=current, cur_clm_uniq_id=uniq,
            clm_type_cd=clm_type_cd, **fields,
        )  # fmt: skip

    def part_b(
        self,
        uniq: int,
        line: int,
        mbi: str,
        day: str,
        flags: dict[str, str],
        *,
        current: bool = True,
        denied: bool = False,
        dme: bool = False,
    ) -> PartBBenefitCodes:
        date = datetime.date.fromisoformat(day)
        model = DMELine if dme else PartBLine
        model.objects.create(
            file=self.file("CCLF6" if dme else "CCLF5"), current_mbi=mbi, bene_mbi_id=mbi, is_current=current,
            is_denied=denied, cur_clm_uniq_id=uniq, clm_line_num=line, clm_type_cd=82 if dme else 71,
            clm_from_dt=date, clm_thru_dt=date, clm_line_from_dt=date, clm_line_thru_dt=date,
            clm_carr_pmt_dnl_cd="0" if denied else "1",
        )  # fmt: skip
        fields = {CLAIMS_INDICATORS[code].part_b: value for code, value in flags.items()}
        return PartBBenefitCodes.objects.create(
            file=self.file("CCLFB"), current_mbi=mbi, bene_mbi_id=mbi, is_current=current, cur_clm_uniq_id=uniq,
            clm_line_num=line, clm_type_cd=82 if dme else 71, **fields,
        )  # fmt: skip
