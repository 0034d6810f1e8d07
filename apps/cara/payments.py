"""CARA money (docs/cara.md, "Payment"): reads of the EBRAs' reconciliations.

- **The ACO's settlement line** (``aco_settlement_line``): the Σ of ``Reconciliation.amount_cents`` over the
  ACO's active or terminated EBRAs of the PY, read by the money step. Portal rule (*assumption*): what CMS
  pays a Preferred Provider under an EBRA is charged to the ACO's settlement, a repayment credited to it; so
  a positive Σ lowers the estimated settlement and a negative one raises it. The line is *final* once every
  period of every such EBRA (its effective period cut at the day it was terminated) is reconciled with no
  episode still open; *provisional* before.
- **CMS's view** (``cms_payments``, ``cms_queue``): every reconciliation of every ACO, and every ACO's EBRAs
  and pending Maximal Flexibility designs. CMS staff only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.reviews.models import ReviewState

from . import reconcile as math
from .arrangements import RECONCILED
from .models import Arrangement, ArrangementStatus, DesignProposal, EpisodeParameters, Reconciliation

DEFAULT_PERIOD_MONTHS = 3

# The direction filter of CMS's page and API: a payment to the Preferred Provider or a repayment by it.
DIRECTIONS = {"payment": "Payments to Preferred Providers", "repayment": "Repayments by Preferred Providers"}
CSV_HEADER = (
    "aco_id",
    "aco_name",
    "preferred_provider",
    "npi",
    "arrangement_id",
    "period_start",
    "period_end",
    "episodes",
    "target_cents",
    "actual_cents",
    "quality_points",
    "adjustment_factor",
    "amount_cents",
    "final",
)


def direction_label(amount_cents: int) -> str:
    if amount_cents > 0:
        return "Payment to the Preferred Provider"
    if amount_cents < 0:
        return "Repayment by the Preferred Provider"
    return "Nothing to pay or repay"


def _period_months(performance_year: int) -> int:
    months = (
        EpisodeParameters.objects.filter(performance_year=performance_year)
        .values_list("reconciliation_months", flat=True)
        .first()
    )
    return months or DEFAULT_PERIOD_MONTHS


def expected_periods(arrangement: Arrangement, months: int) -> int:
    """How many reconciliation periods the EBRA has in all (cut at the day it was terminated)."""
    end = min(arrangement.effective_end, arrangement.terminated_on or arrangement.effective_end)
    return len(math.periods(arrangement.effective_start, end, months))


# --- the ACO's settlement line ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ArrangementAmount:
    """One EBRA's reconciliations of the PY, summed."""

    arrangement_id: int
    preferred_provider: str
    npi: str
    status: str
    periods: int  # reconciled so far
    final_periods: int
    expected_periods: int  # in the whole effective period
    amount_cents: int  # Σ amount: positive, paid to the Preferred Provider

    @property
    def final(self) -> bool:
        return self.periods == self.expected_periods and self.final_periods == self.periods


@dataclass(frozen=True)
class SettlementLine:
    """The ACO's EBRAs of the PY that are reconciled (active or terminated), with their amounts."""

    arrangements: tuple[ArrangementAmount, ...] = field(default=())
    episode_runs: tuple[int, ...] = field(default=())

    @property
    def has_arrangements(self) -> bool:
        return bool(self.arrangements)

    @property
    def periods(self) -> int:
        return sum(a.periods for a in self.arrangements)

    @property
    def amount_cents(self) -> int:
        return sum(a.amount_cents for a in self.arrangements)

    @property
    def final(self) -> bool:
        return self.has_arrangements and all(a.final for a in self.arrangements)

    @property
    def amount(self) -> Decimal:
        """Σ amount in dollars (positive: CMS paid the Preferred Providers on balance)."""
        return Decimal(self.amount_cents) / 100


def aco_settlement_line(*, aco: ACO, performance_year: int) -> SettlementLine:
    """The ACO's CARA line of the PY's settlement (the money step reads it; see the module docstring)."""
    months = _period_months(performance_year)
    arrangements = list(
        Arrangement.objects.filter(aco=aco, performance_year=performance_year, status__in=RECONCILED)
        .select_related("preferred_provider")
        .order_by("pk")
    )
    rows: dict[int, list[Reconciliation]] = {a.pk: [] for a in arrangements}
    runs: set[int] = set()
    for r in Reconciliation.objects.filter(arrangement__in=arrangements).order_by("arrangement_id", "period_start"):
        rows[r.arrangement_id].append(r)
        if r.episode_run_id is not None:
            runs.add(r.episode_run_id)
    return SettlementLine(
        arrangements=tuple(
            ArrangementAmount(
                arrangement_id=a.pk,
                preferred_provider=a.preferred_provider.name,
                npi=a.preferred_provider.npi,
                status=a.get_status_display(),
                periods=len(rows[a.pk]),
                final_periods=sum(1 for r in rows[a.pk] if r.final),
                expected_periods=expected_periods(a, months),
                amount_cents=sum(r.amount_cents for r in rows[a.pk]),
            )
            for a in arrangements
        ),
        episode_runs=tuple(sorted(runs)),
    )


# --- CMS: every reconciliation ---------------------------------------------------------------------------


def _require_cms(user: User) -> None:
    if not user.is_cms:
        raise PermissionDenied("Only CMS staff see every ACO's CARA payments.")


@dataclass(frozen=True)
class PaymentRow:
    """One reconciliation (an EBRA's period) as CMS's page, CSV and API show it."""

    aco_id: str
    aco_name: str
    preferred_provider: str
    npi: str
    arrangement_id: int
    arrangement_status: str
    performance_year: int
    period_start: Any
    period_end: Any
    episodes: int
    open_episodes: int
    target_cents: int
    actual_cents: int
    quality_points: float | None
    adjustment_factor: Decimal
    amount_cents: int
    capped: bool
    final: bool

    @property
    def direction(self) -> str:
        return direction_label(self.amount_cents)

    def csv_row(self) -> list[Any]:
        return [
            self.aco_id,
            self.aco_name,
            self.preferred_provider,
            self.npi,
            self.arrangement_id,
            self.period_start.isoformat(),
            self.period_end.isoformat(),
            self.episodes,
            self.target_cents,
            self.actual_cents,
            "" if self.quality_points is None else round(self.quality_points, 2),
            self.adjustment_factor,
            self.amount_cents,
            "true" if self.final else "false",
        ]


def cms_reconciliations(
    *, user: User, performance_year: int | None = None, aco_id: str = "", direction: str = ""
) -> QuerySet[Reconciliation]:
    """Every reconciliation of every ACO's active or terminated EBRAs, by ACO, Preferred Provider, EBRA and
    period; filtered by PY, ACO (its LEAD id) and direction (``payment``: amount > 0, ``repayment``: < 0)."""
    _require_cms(user)
    rows = Reconciliation.objects.filter(arrangement__status__in=RECONCILED).select_related(
        "arrangement__aco", "arrangement__preferred_provider"
    )
    if performance_year is not None:
        rows = rows.filter(arrangement__performance_year=performance_year)
    if aco_id:
        rows = rows.filter(arrangement__aco__aco_id=aco_id)
    if direction == "payment":
        rows = rows.filter(amount_cents__gt=0)
    elif direction == "repayment":
        rows = rows.filter(amount_cents__lt=0)
    return rows.order_by(
        "arrangement__aco__aco_id", "arrangement__preferred_provider__name", "arrangement_id", "period_start"
    )


def payment_rows(reconciliations: Iterable[Reconciliation]) -> list[PaymentRow]:
    out = []
    for r in reconciliations:
        a = r.arrangement
        out.append(
            PaymentRow(
                aco_id=a.aco.aco_id,
                aco_name=a.aco.legal_name,
                preferred_provider=a.preferred_provider.name,
                npi=a.preferred_provider.npi,
                arrangement_id=a.pk,
                arrangement_status=a.get_status_display(),
                performance_year=a.performance_year,
                period_start=r.period_start,
                period_end=r.period_end,
                episodes=r.episodes,
                open_episodes=r.open_episodes,
                target_cents=r.target_cents,
                actual_cents=r.actual_cents,
                quality_points=r.quality_points,
                adjustment_factor=r.adjustment_factor,
                amount_cents=r.amount_cents,
                capped=r.capped,
                final=r.final,
            )
        )
    return out


def cms_payments(
    *, user: User, performance_year: int | None = None, aco_id: str = "", direction: str = ""
) -> list[PaymentRow]:
    return payment_rows(
        cms_reconciliations(user=user, performance_year=performance_year, aco_id=aco_id, direction=direction)
    )


@dataclass(frozen=True)
class Totals:
    """Σ over some reconciliations: what CMS paid Preferred Providers, what they repaid, and the net."""

    label: str
    aco_id: str
    aco_name: str
    arrangements: int
    periods: int
    episodes: int
    paid_cents: int
    repaid_cents: int  # ≤ 0

    @property
    def net_cents(self) -> int:
        return self.paid_cents + self.repaid_cents


def _totals(label: str, aco_id: str, aco_name: str, rows: Sequence[PaymentRow]) -> Totals:
    return Totals(
        label=label,
        aco_id=aco_id,
        aco_name=aco_name,
        arrangements=len({r.arrangement_id for r in rows}),
        periods=len(rows),
        episodes=sum(r.episodes for r in rows),
        paid_cents=sum(r.amount_cents for r in rows if r.amount_cents > 0),
        repaid_cents=sum(r.amount_cents for r in rows if r.amount_cents < 0),
    )


def totals_by_aco(rows: Sequence[PaymentRow]) -> tuple[list[Totals], Totals]:
    """Per ACO (in ACO id order) and overall."""
    by_aco: dict[str, list[PaymentRow]] = {}
    for r in rows:
        by_aco.setdefault(r.aco_id, []).append(r)
    per = [_totals(aco_id, aco_id, group[0].aco_name, group) for aco_id, group in sorted(by_aco.items())]
    return per, _totals("All ACOs", "", "", rows)


# --- CMS: the queue of EBRAs and designs -----------------------------------------------------------------

PENDING_DESIGN_STATES = (ReviewState.SUBMITTED, ReviewState.IN_REVIEW)


def cms_queue_arrangements(*, user: User, performance_year: int | None = None) -> QuerySet[Arrangement]:
    """Every ACO's EBRAs, those submitted to CMS first (oldest submission first), then the rest newest first."""
    _require_cms(user)
    rows = Arrangement.objects.select_related("aco", "preferred_provider", "review")
    if performance_year is not None:
        rows = rows.filter(performance_year=performance_year)
    return rows.annotate(
        waiting=Case(
            When(status=ArrangementStatus.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("waiting", "review__submitted_at", "-created_at", "-pk")


def cms_pending_designs(*, user: User, performance_year: int | None = None) -> QuerySet[DesignProposal]:
    """Maximal Flexibility designs waiting for CMS (submitted or in review), oldest submission first."""
    _require_cms(user)
    rows = DesignProposal.objects.filter(review__state__in=PENDING_DESIGN_STATES).select_related(
        "aco", "based_on", "review"
    )
    if performance_year is not None:
        rows = rows.filter(performance_year=performance_year)
    return rows.order_by("review__submitted_at", "pk")
