"""Reading GLP-1 runs: the latest successful run of a PY, its parameters, and an ACO's beneficiaries of a
run (always scoped to the ACO: another ACO's beneficiary is simply not found)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.acos.models import ModelParameters

from .models import Glp1Beneficiary, Glp1Fill, Glp1Parameters, Glp1Run
from .parameters import DEFAULT_PARAMETERS, Parameters


def parameters_for(*, performance_year: int) -> Parameters:
    """The PY's GLP-1 rules: its ``Glp1Parameters`` row (or the defaults) with the Bridge's price and copay
    from the PY's model parameters."""
    money = ModelParameters.objects.filter(performance_year=performance_year).first()
    price = int(money.glp1_net_price_monthly * 100) if money else DEFAULT_PARAMETERS.net_price_monthly_cents
    copay = int(money.glp1_copay_monthly * 100) if money else DEFAULT_PARAMETERS.copay_monthly_cents
    row = Glp1Parameters.objects.filter(performance_year=performance_year).first()
    if row is None:
        return Parameters(net_price_monthly_cents=price, copay_monthly_cents=copay)
    return row.as_parameters(net_price_monthly_cents=price, copay_monthly_cents=copay)


def latest_run(*, performance_year: int) -> Glp1Run | None:
    """The PY's latest successful GLP-1 run."""
    return (
        Glp1Run.objects.filter(performance_year=performance_year, status=Glp1Run.Status.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def beneficiaries(*, run: Glp1Run, aco_id: int) -> QuerySet[Glp1Beneficiary]:
    """An ACO's beneficiaries of a run."""
    return Glp1Beneficiary.objects.filter(run=run, aco_id=aco_id)


def beneficiary(*, run: Glp1Run, aco_id: int, mbi: str) -> Glp1Beneficiary | None:
    """One of an ACO's beneficiaries of a run (None when the MBI is not the ACO's in that run)."""
    return Glp1Beneficiary.objects.filter(run=run, aco_id=aco_id, mbi=mbi).first()


def fills(*, run: Glp1Run, aco_id: int, mbi: str) -> QuerySet[Glp1Fill]:
    """A beneficiary's GLP-1 fills of a run, oldest first."""
    return Glp1Fill.objects.filter(run=run, aco_id=aco_id, mbi=mbi).order_by("fill_date", "pk")
