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
    from apps.medicaid.arrangements import services

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


@pytest.fixture
def dual_world(aco: ACO, other_aco: ACO) -> Any:
    """Claims rows written straight into the tables (as the loader leaves them), hand-worked in
    tests/medicaid/test_duals_services.py (``tests.factories.dual_world``). Returns the alignment run."""
    from tests.factories import dual_world as build

    return build(aco, other_aco)
