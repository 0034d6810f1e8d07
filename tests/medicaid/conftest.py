"""Fixtures for the Medicaid integration tests. Each helper area keeps its own section."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.medicaid.models import DeliverySystem, MedicaidState, PartnershipArrangement, StateStatus

# --- arrangements ------------------------------------------------------------------------------

# A complete arrangement's content (everything submission needs).
FULL_ARRANGEMENT: dict[str, Any] = {
    "partner_type": "state_agency",
    "partner_name": "Maryland Medicaid Administration",
    "agreement_status": "negotiating",
    "start_date": "",
    "end_date": "",
    "roles": "The ACO coordinates Medicare care; the agency coordinates Medicaid long-term services.",
    "strategies": {"integrated_care_plans": "One shared care plan per full-benefit dual."},
    "data_sharing": {"status": "drafted", "signed_on": "", "description": "Monthly rosters; opt-outs removed."},
    "contacts": [
        {
            "side": "aco",
            "name": "Ada Care",
            "organization": "The ACO",
            "role": "Lead",
            "email": "ada@aco.example",
            "phone": "",
        },
        {
            "side": "partner",
            "name": "Ben Aid",
            "organization": "MDH",
            "role": "Liaison",
            "email": "ben@mdh.example",
            "phone": "",
        },
    ],
}


@pytest.fixture
def full_arrangement() -> dict[str, Any]:
    """A fresh copy of a complete arrangement's content."""
    return copy.deepcopy(FULL_ARRANGEMENT)


@pytest.fixture
def make_state(db: None) -> Callable[..., MedicaidState]:
    """A planning-phase state row (created or updated): selected, managed care by default."""

    def make(
        code: str = "MD",
        name: str = "Maryland",
        status: str = StateStatus.SELECTED,
        delivery_system: str = DeliverySystem.MANAGED_CARE,
    ) -> MedicaidState:
        state, _ = MedicaidState.objects.update_or_create(
            code=code, defaults={"name": name, "status": status, "delivery_system": delivery_system}
        )
        return state

    return make


@pytest.fixture
def maryland(make_state: Callable[..., MedicaidState]) -> MedicaidState:
    """Selected, managed-care Medicaid; the test ACOs (ACOFactory) serve MD."""
    return make_state()


@pytest.fixture
def make_arrangement(maryland: MedicaidState) -> Callable[..., PartnershipArrangement]:
    """An arrangement through the real services: ``stage`` draft (complete content unless
    ``content`` is given), submitted, or approved (``reviewer`` needed)."""
    from apps.medicaid import services_arrangements as services

    def make(
        aco: ACO,
        admin: User,
        *,
        state: MedicaidState | None = None,
        stage: str = "draft",
        content: dict[str, Any] | None = None,
        reviewer: User | None = None,
    ) -> PartnershipArrangement:
        arrangement = services.arrangement_create(
            aco=aco,
            state=state or maryland,
            acting_user=admin,
            partner_type="state_agency",
            partner_name=FULL_ARRANGEMENT["partner_name"],
        )
        body = FULL_ARRANGEMENT if content is None else content
        if body:
            arrangement = services.arrangement_save_draft(arrangement=arrangement, content=body, acting_user=admin)
        if stage in ("submitted", "approved"):
            arrangement = services.arrangement_submit(arrangement=arrangement, acting_user=admin)
        if stage == "approved":
            assert reviewer is not None
            arrangement = services.arrangement_decide(
                arrangement=arrangement, acting_user=reviewer, approve=True, reason="Meets the framework."
            )
        return arrangement

    return make


# --- duals and opt-outs ------------------------------------------------------------------------

# The dual-eligible world (PY2027): four beneficiaries aligned to ``aco`` and one to ``other_aco``.
DUAL_FULL = "1EG4TE5MK71"  # code 02 (QMB Plus): full-benefit dual, aligned all year
DUAL_PARTIAL = "1EG4TE5MK72"  # code 01 (QMB only): partial-benefit dual, no effective date (all year)
NOT_DUAL = "1EG4TE5MK74"  # code NA: not dual, died 2027-06-15
DUAL_FULL_LATE = "2EG4TE5MK75"  # code 08: full-benefit dual added mid-year (effective 2027-04-01)
OTHER_ACO_DUAL = "3EG4TE5MK76"  # code 04: full-benefit dual of the other ACO
OLD_MBI = "9EG4TE5MK79"  # an earlier MBI of DUAL_FULL (CCLF9 crosswalk)


@pytest.fixture
def dual_world(aco: ACO, other_aco: ACO) -> Any:
    """Claims rows written straight into the tables (as the loader leaves them), hand-worked in
    tests/medicaid/test_duals_services.py. Returns the alignment run."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from apps.claims.models import CCLFFile, DMELine, IngestRun, MBIMap, PartAClaim, PartARevenueLine, PartBLine
    from tests.factories import aligned, alignment_run, cclf8_beneficiary

    d = dt.date.fromisoformat
    run = alignment_run(2027)
    aligned(run, aco, DUAL_FULL, effective_from=d("2027-01-01"), first_name="Ada", last_name="Full")
    aligned(run, aco, DUAL_PARTIAL, first_name="Ben", last_name="Partial")
    aligned(run, aco, NOT_DUAL, effective_from=d("2027-01-01"), first_name="Cy", last_name="None")
    aligned(run, aco, DUAL_FULL_LATE, effective_from=d("2027-04-01"), first_name="Dee", last_name="Late",
            cohort="high_needs")  # fmt: skip
    aligned(run, other_aco, OTHER_ACO_DUAL, first_name="Eve", last_name="Elsewhere")
    cclf8_beneficiary(DUAL_FULL, dual_status="02")
    cclf8_beneficiary(DUAL_PARTIAL, dual_status="01")
    cclf8_beneficiary(NOT_DUAL, dual_status="NA", death_date=d("2027-06-15"))
    cclf8_beneficiary(DUAL_FULL_LATE, dual_status="08")
    cclf8_beneficiary(OTHER_ACO_DUAL, dual_status="04")
    MBIMap.objects.create(mbi=OLD_MBI, current_mbi=DUAL_FULL, hops=1)
    MBIMap.objects.create(mbi=DUAL_FULL, current_mbi=DUAL_FULL)

    ingest = IngestRun.objects.create(source="duals")
    file = CCLFFile.objects.create(
        run=ingest, name="claims", file_type="CCLF1", produced_at=timezone.now(), performance_year=2027,
        sha256="d" * 64, records=1, size=1,
    )  # fmt: skip

    def part_a(uniq: int, mbi: str, kind: int, day: str, paid: str, current: bool = True) -> None:
        PartAClaim.objects.create(
            file=file, current_mbi=mbi, bene_mbi_id=mbi, is_current=current, cur_clm_uniq_id=uniq,
            clm_type_cd=kind, clm_from_dt=d(day), clm_thru_dt=d(day), clm_pmt_amt=Decimal(paid),
        )  # fmt: skip

    def revenue(uniq: int, mbi: str, code: str, current: bool = True) -> None:
        PartARevenueLine.objects.create(
            file=file, current_mbi=mbi, is_current=current, cur_clm_uniq_id=uniq, clm_line_num=1,
            clm_type_cd=40, clm_line_prod_rev_ctr_cd=code,
        )  # fmt: skip

    def part_b(mbi: str, day: str, paid: str, denied: bool = False, current: bool = True, dme: bool = False) -> None:
        model = DMELine if dme else PartBLine
        model.objects.create(
            file=file, current_mbi=mbi, is_current=current, is_denied=denied, clm_line_from_dt=d(day),
            clm_from_dt=d(day), clm_line_cvrd_pd_amt=Decimal(paid),
        )  # fmt: skip

    # DUAL_FULL
    part_a(1, DUAL_FULL, 60, "2027-03-02", "10000.00")  # an inpatient stay
    part_a(2, DUAL_FULL, 60, "2027-03-02", "9000.00", current=False)  # its replaced version: nothing
    part_a(3, DUAL_FULL, 40, "2027-05-10", "500.00")  # an ED visit (revenue center 0450)
    revenue(3, DUAL_FULL, "0450")
    part_a(4, DUAL_FULL, 40, "2027-07-01", "200.00")  # a clinic visit (0510): spending, not ED
    revenue(4, DUAL_FULL, "0510")
    part_b(DUAL_FULL, "2027-02-01", "100.00")
    part_b(DUAL_FULL, "2027-02-01", "80.00", denied=True)  # denied: nothing
    part_b(DUAL_FULL, "2027-08-15", "50.00", dme=True)
    part_b(DUAL_FULL, "2026-12-20", "700.00")  # the year before: nothing
    # DUAL_PARTIAL
    part_b(DUAL_PARTIAL, "2027-09-20", "300.00")
    part_a(5, DUAL_PARTIAL, 40, "2027-10-05", "400.00")  # its only ED line is a replaced one: not ED
    revenue(5, DUAL_PARTIAL, "0456", current=False)
    revenue(5, DUAL_PARTIAL, "0300")
    # NOT_DUAL
    part_a(6, NOT_DUAL, 60, "2027-06-01", "20000.00")
    part_a(7, NOT_DUAL, 40, "2027-06-10", "1000.00")  # two ED lines, one visit
    revenue(7, NOT_DUAL, "0450")
    revenue(7, NOT_DUAL, "0451")
    # DUAL_FULL_LATE
    part_b(DUAL_FULL_LATE, "2027-03-10", "999.00")  # before the effective date: nothing
    part_a(8, DUAL_FULL_LATE, 20, "2027-11-20", "5000.00")  # a SNF stay: spending, not an admission
    part_b(DUAL_FULL_LATE, "2028-01-05", "60.00")  # the next year: nothing
    # OTHER_ACO_DUAL
    part_b(OTHER_ACO_DUAL, "2027-04-04", "40.00")
    return run
