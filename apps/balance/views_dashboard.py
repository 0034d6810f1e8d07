"""The ACO's GLP-1 dashboard (``/acos/<aco_id>/glp1/``): from the PY's latest successful GLP-1 run, the headline
figures, the funnel from aligned to adherent, persistence on therapy by product, cost against copays, Part A/B
spending before and after therapy start (observational), adherence by lifestyle participation (observational),
the aligning TINs side by side and the beneficiaries by status with the reasons grouped. Aggregates only: no
beneficiary appears here, so nothing is access-logged."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from apps.acos.mixins import ACOScopedMixin
from apps.acos.presentation import ChartBlock, DataTable
from lead_portal.formatting import count, number, percent
from lead_portal.formatting import money_cents as usd

from . import charts
from . import selectors_dashboard as dash

# The per-TIN chart shows this many TINs (most eligible first); the table below it has them all.
TIN_CHART_LIMIT = 25
NOT_CAUSAL = "Observational, not causal"


def dollars(cents: int | None) -> float | None:
    return None if cents is None else round(cents / 100, 2)


def pdc(value: float | None) -> str:
    """A proportion of days covered as a percentage (0.85 → "85%")."""
    return "—" if value is None else percent(100 * value)


def of(part: int, whole: int) -> str:
    """ "3 of 4 (75%)"; "0 of 0" when there is no base."""
    shown = dash.share(part, whole)
    return f"{count(part)} of {count(whole)}" + ("" if shown is None else f" ({percent(shown)})")


def beneficiaries(n: int) -> str:
    """ "1 treated beneficiary", "2 treated beneficiaries"."""
    return f"{count(n)} treated beneficiar{'y' if n == 1 else 'ies'}"


def aco_url(name: str, aco_id: str, performance_year: int) -> str:
    """A page of the GLP-1 area, or "" while that page is not built yet."""
    try:
        return f"{reverse(name, kwargs={'aco_id': aco_id})}?py={performance_year}"
    except NoReverseMatch:
        return ""


def funnel_block(d: dash.Dashboard, aco_id: str) -> ChartBlock:
    stages = d.stages
    return ChartBlock(
        "glp1-funnel",
        f"{aco_id}'s funnel from aligned beneficiaries to those adherent at 90 and 180 days. The adherence bars "
        "count only beneficiaries who started at least 90 (180) days before the as-of date, the only ones whose "
        "first 90 (180) days have elapsed.",
        charts.funnel_figure([s.label for s in stages], [s.beneficiaries for s in stages], [s.note for s in stages]),
        DataTable(
            "glp1-funnel",
            "Funnel from aligned to adherent",
            ["Stage", "Beneficiaries", "Base", "Share of the base", "Note"],
            [[s.label, s.beneficiaries, count(s.of), percent(s.share), s.note] for s in stages],
        ),
    )


def persistence_block(d: dash.Dashboard, aco_id: str) -> ChartBlock:
    curves = d.curves
    days = list(dash.PERSISTENCE_DAYS)
    rows = []
    for i, day in enumerate(days):
        cells: list[Any] = [f"Day {day}"]
        for c in curves:
            p = c.points[i]
            cells.append(
                "— (none followed that long)" if p.share is None else f"{percent(p.share)} ({count(p.at_risk)} at risk)"
            )
        rows.append(cells)
    return ChartBlock(
        "glp1-persistence",
        f"Share of {aco_id}'s starters still on therapy by days since their start, per product (the product of "
        "the first Bridge fill) and for all products: a Kaplan–Meier estimate. Each starter counts until they stop "
        "or, if they have not stopped, until the as-of date; at each stop the share falls by the part of those "
        "still followed who stopped, so the curve never rises when recent starters drop out of view. A starter is "
        "off therapy from the day the run found a gap in supply longer than the gap allowed; at risk: the starters "
        "still followed that day. A day nobody has been followed to has no point.",
        charts.persistence_figure(
            days,
            {c.product: [p.share for p in c.points] for c in curves},
            {c.product: [p.at_risk for p in c.points] for c in curves},
        ),
        DataTable(
            "glp1-persistence",
            "Still on therapy by days since start (Kaplan–Meier estimate, with the starters still followed)",
            ["Days since start", *(f"{c.product} ({c.starters} started)" for c in curves)],
            rows,
        ),
    )


def cost_block(d: dash.Dashboard, aco_id: str) -> ChartBlock:
    c = d.cost
    lines = [
        ("Drug cost at the Bridge net price", c.drug_cost_cents),
        ("Beneficiaries' copays", c.copay_cents),
        ("Drug cost net of copays", c.net_of_copay_cents),
        ("Paid by beneficiaries on the fills (CCLF7)", c.patient_paid_cents),
    ]
    return ChartBlock(
        "glp1-cost",
        f"Per treated beneficiary of {aco_id}: the drug cost at the Bridge net price (months supplied × the net "
        "price) against the beneficiaries' copays (months supplied × the copay).",
        charts.money_bars_figure(
            [label for label, _ in lines[:3]],
            [dollars(c.per_treated(cents)) for _, cents in lines[:3]],
            y_title="US$ per treated beneficiary",
            x_title="Amount",
        ),
        DataTable(
            "glp1-cost",
            f"Drug cost and copays of the {beneficiaries(c.treated)}",
            ["Amount", "Total", "Per treated beneficiary"],
            [[label, usd(cents), usd(c.per_treated(cents))] for label, cents in lines],
        ),
    )


def spending_block(d: dash.Dashboard, aco_id: str) -> ChartBlock:
    s = d.spending
    return ChartBlock(
        "glp1-spending",
        f"{NOT_CAUSAL}: Part A/B spending per beneficiary-month of {aco_id}'s treated beneficiaries before and "
        "after their therapy start, among those with months observed on both sides. A change may come from "
        "anything else that changed for them (who starts therapy, illness, regression to the mean), not from "
        "the drug.",
        charts.money_bars_figure(
            ["Before therapy start", "After therapy start"],
            [dollars(s.per_month_before_cents), dollars(s.per_month_after_cents)],
            y_title="Part A/B spending per beneficiary-month (US$)",
            x_title=f"Window ({NOT_CAUSAL.lower()})",
        ),
        DataTable(
            "glp1-spending",
            f"Part A/B spending before and after therapy start, {beneficiaries(s.beneficiaries)} "
            f"({NOT_CAUSAL.lower()})",
            ["Window", "Spending", "Beneficiary-months", "Per beneficiary-month"],
            [
                ["Before therapy start", usd(s.spend_before_cents), s.months_before, usd(s.per_month_before_cents)],
                ["After therapy start", usd(s.spend_after_cents), s.months_after, usd(s.per_month_after_cents)],
            ],
        ),
    )


def tin_block(d: dash.Dashboard, aco_id: str) -> ChartBlock:
    shown = d.tins[:TIN_CHART_LIMIT]
    more = len(d.tins) - len(shown)
    caption = f"Eligible and started beneficiaries of {aco_id} by aligning TIN (or CCN)"
    if more:
        caption += f", the {len(shown)} with most eligible beneficiaries (the table has all {len(d.tins)})."
    else:
        caption += "."
    return ChartBlock(
        "glp1-tins",
        caption,
        charts.tin_figure([t.tin or "(none)" for t in shown], [t.eligible for t in shown], [t.treated for t in shown]),
        DataTable(
            "glp1-tins",
            "Eligible, started and adherence by aligning TIN",
            ["Aligning TIN", "Name", "Aligned", "Eligible", "Started", "Share started", "Mean PDC of starters"],
            [
                [
                    t.tin or "(none)",
                    t.name or "—",
                    t.aligned,
                    t.eligible,
                    t.treated,
                    percent(t.share_treated),
                    pdc(t.mean_pdc),
                ]
                for t in d.tins
            ],  # fmt: skip
        ),
    )


def status_block(d: dash.Dashboard, aco_id: str) -> ChartBlock:
    rows = d.statuses.rows
    return ChartBlock(
        "glp1-statuses",
        f"{aco_id}'s aligned beneficiaries by GLP-1 status on the as-of date.",
        charts.status_figure([r.label for r in rows], [r.beneficiaries for r in rows]),
        DataTable(
            "glp1-statuses",
            "Aligned beneficiaries by status",
            ["Status", "Beneficiaries", "Share of aligned"],
            [[r.label, r.beneficiaries, percent(dash.share(r.beneficiaries, d.headline.aligned))] for r in rows],
        ),
    )


def lifestyle_table(d: dash.Dashboard, aco_id: str) -> DataTable:
    """The treated beneficiaries in a lifestyle programme and not in one, with their adherence (aggregates)."""
    return DataTable(
        "glp1-lifestyle",
        f"Adherence by lifestyle participation of {aco_id}'s treated beneficiaries ({NOT_CAUSAL.lower()})",
        [
            "Lifestyle participation",
            "Treated",
            "Mean PDC",
            "Adherent at 90 days (of those observed 90 days)",
            "Sessions per participant",
        ],
        [
            [
                r.label,
                r.treated,
                pdc(r.mean_pdc),
                of(r.adherent_90, r.observed_90),
                number(r.sessions_per_participant, 1),
            ]
            for r in d.lifestyle
        ],  # fmt: skip
    )


def reasons_table(d: dash.Dashboard, status: str, slug: str, title: str) -> DataTable:
    return DataTable(
        slug,
        title,
        ["Reason", "Beneficiaries"],
        [[r.reason, r.beneficiaries] for r in d.statuses.reasons if r.status == status],
    )


class OverviewView(ACOScopedMixin, TemplateView):
    template_name = "balance/overview.html"
    nav = "glp1"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        py = self.performance_year
        aco_id = self.aco.aco_id
        d = dash.aco_dashboard(aco_id=self.aco.pk, performance_year=py)
        h = d.headline
        context.update(
            dashboard=d,
            run=d.run,
            worklist_url=aco_url("balance:worklist", aco_id, py),
            lifestyle_url=aco_url("balance:lifestyle", aco_id, py),
            api_url=reverse("api_glp1_summary", kwargs={"aco_id": aco_id}) + f"?py={py}",
        )
        if d.run is None or not h.aligned:
            return context
        context.update(
            threshold=pdc(d.threshold),
            cards=[
                ("glp1-card-aligned", count(h.aligned), "aligned beneficiaries"),
                ("glp1-card-likely", count(h.likely), "likely eligible"),
                ("glp1-card-confirm", count(h.confirm), "needing clinical confirmation"),
                ("glp1-card-treated", count(h.treated), "started on the Bridge"),
                ("glp1-card-90", of(h.adherent_90, h.observed_90), "adherent at 90 days"),
                ("glp1-card-180", of(h.adherent_180, h.observed_180), "adherent at 180 days"),
            ],
            mean_pdc=pdc(h.mean_pdc),
            funnel_block=funnel_block(d, aco_id),
            status_block=status_block(d, aco_id),
            not_eligible_table=reasons_table(
                d, "not_eligible", "glp1-not-eligible", "Why beneficiaries are not eligible"
            ),
            confirm_table=reasons_table(d, "confirm", "glp1-confirm", "What a clinician must confirm"),
            tin_block=tin_block(d, aco_id),
        )
        if h.treated:
            context.update(
                persistence_block=persistence_block(d, aco_id),
                lifestyle_table=lifestyle_table(d, aco_id) if d.lifestyle else None,
                cost_block=cost_block(d, aco_id),
                spending_block=spending_block(d, aco_id) if d.spending.beneficiaries else None,
            )
        params = d.run.parameters or {}
        context.update(
            net_price=usd(params.get("net_price_monthly_cents")),
            copay=usd(params.get("copay_monthly_cents")),
            gap_days=params.get("gap_days"),
            spending_window=params.get("spending_window_months"),
        )
        return context
