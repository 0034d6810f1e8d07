"""CARA pages: the ACO's episodes by type against the portal-wide baselines, their cost components, its
Preferred Providers side by side and the spread of episode cost (docs/cara.md). Aggregates only: no
beneficiary appears on these pages."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.core.paginator import Paginator
from django.db.models import Avg, Count, F, Q
from django.views.generic import TemplateView

from apps.acos.mixins import ACOScopedMixin
from apps.acos.models import Election, PreferredProvider
from apps.acos.presentation import ChartBlock, DataTable, money
from lead_portal.formatting import money_cents as usd

from . import charts, selectors
from .models import Arrangement, Episode, EpisodeDefinition, EpisodeParameters

COMPONENTS = (
    ("Index stay", "index"),
    ("Readmissions", "readmission"),
    ("Post-acute", "post_acute"),
    ("Professional", "professional"),
    ("Other", "other"),
)


# Cost bands of the distribution chart, in cents: [low, high) and the label.
COST_BANDS = (
    (0, 1_000_000, "Under $10,000"),
    (1_000_000, 2_000_000, "$10,000–19,999"),
    (2_000_000, 3_000_000, "$20,000–29,999"),
    (3_000_000, 5_000_000, "$30,000–49,999"),
    (5_000_000, 2**62, "$50,000 or more"),
)


def dollars(cents: Any) -> float | None:
    return None if cents is None else round(float(cents) / 100, 2)


class OverviewView(ACOScopedMixin, TemplateView):
    template_name = "cara/overview.html"
    nav = "cara"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        py = self.performance_year
        election = Election.objects.filter(aco=self.aco, performance_year=py).first()
        params = EpisodeParameters.objects.filter(performance_year=py).first()
        run = selectors.latest_run(performance_year=py)
        context.update(
            nav_current="cara",
            election=election,
            global_risk=election is not None and election.risk_option == "global",
            first_episode_date=params.first_episode_date if params else None,
            run=run,
        )
        if run is None:
            return context
        summary = selectors.aco_summary(run=run, aco_id=self.aco.pk)
        # CMS's defaults, then the ACO's approved Maximal Flexibility variants (another view of the same stays:
        # their episodes are not added into the ACO's total).
        definitions = list(
            EpisodeDefinition.objects.filter(performance_year=py)
            .filter(Q(aco__isnull=True) | Q(aco=self.aco))
            .order_by(F("aco_id").asc(nulls_first=True), "pk")
        )
        default_ids = {d.pk for d in definitions if d.aco_id is None}
        label = {d.pk: d.name if d.aco_id is None else f"{d.name} (Maximal Flexibility)" for d in definitions}
        years = list(range(py - 3, py + 1))
        rows = []
        for d in definitions:
            mean = summary["means"].get(d.pk, {})
            base = summary["baselines"].get(d.pk)
            rows.append(
                [
                    label[d.pk],
                    *(summary["per_year"].get((d.pk, y), 0) for y in years),
                    summary["attributed"].get(d.pk, 0),
                    mean.get("n", 0),
                    usd(mean.get("cost")),
                    usd(base.mean_cost_cents if base else None),
                    f"{base.episodes:,}" if base else "0",
                    usd(base.mean_cost_per_risk_cents if base else None),
                ]
            )
        summary_table = DataTable(
            "cara-types",
            f"{self.aco.aco_id}'s episodes by type and start year, against the portal-wide baselines",
            [
                "Episode type",
                *(f"{y}{' (PY)' if y == py else ''}" for y in years),
                "With a Preferred Provider",
                "Closed",
                "Mean cost (closed)",
                "Baseline mean",
                "Baseline episodes",
                "Baseline per 1.0 risk",
            ],
            rows,
        )
        shown = [d for d in definitions if summary["means"].get(d.pk)]
        names = [label[d.pk] for d in shown]
        components = {label: [dollars(summary["means"][d.pk][key]) or 0.0 for d in shown] for label, key in COMPONENTS}
        baseline = [
            dollars(summary["baselines"][d.pk].mean_cost_cents) if d.pk in summary["baselines"] else None for d in shown
        ]
        components_block = ChartBlock(
            "cara-components",
            f"Mean cost of {self.aco.aco_id}'s closed episodes by component, per episode type; the black mark is "
            "the portal-wide baseline of the base years.",
            charts.components_figure(names, components, baseline) if shown else None,
            DataTable(
                "cara-components",
                "Mean cost of a closed episode by component",
                ["Episode type", *(label for label, _ in COMPONENTS), "Total", "Baseline"],
                [
                    [
                        label[d.pk],
                        *(usd(summary["means"][d.pk][key]) for _, key in COMPONENTS),
                        usd(summary["means"][d.pk]["cost"]),
                        usd(baseline_cents(summary, d.pk)),
                    ]
                    for d in shown
                ],  # fmt: skip
            ),
        )
        costs = [np.array(summary["costs"].get(d.pk, []), dtype=np.int64) for d in shown]
        band_counts = [[int(((c >= lo) & (c < hi)).sum()) for lo, hi, _ in COST_BANDS] for c in costs]
        distribution_block = ChartBlock(
            "cara-distribution",
            f"How many of {self.aco.aco_id}'s closed episodes cost how much, per episode type.",
            charts.distribution_figure([label for *_, label in COST_BANDS], names, band_counts) if shown else None,
            DataTable(
                "cara-distribution",
                "Closed episodes by cost band",
                ["Episode type", *(label for *_, label in COST_BANDS), "Median"],
                [
                    [name, *counts, money(float(np.median(c)) / 100)]
                    for name, counts, c in zip(names, band_counts, costs, strict=True)
                    if c.size
                ],
            ),
        )
        by_name = label
        providers = [
            [
                f"{r['preferred_provider__name']} (NPI {r['preferred_provider__npi']})",
                by_name.get(r["definition"], "—"),
                r["n"],
                usd(r["cost"]),
                usd(baseline_cents(summary, r["definition"])),
            ]
            for r in summary["by_provider"]
        ]
        context.update(
            summary_table=summary_table,
            components_block=components_block,
            distribution_block=distribution_block,
            provider_table=DataTable(
                "cara-providers",
                "Closed episodes attributed to each Preferred Provider",
                ["Preferred Provider", "Episode type", "Closed episodes", "Mean cost", "Baseline mean"],
                providers,
            ),
            total=sum(n for (d, _), n in summary["per_year"].items() if d in default_ids),
            target_table=self.target_table(run),
        )
        return context

    def target_table(self, run: Any) -> DataTable:
        """Per episode type of each active (or terminated) EBRA of the PY: the Preferred Provider's closed
        payment episodes in the effective period against the EBRA's target price."""
        rows = []
        cost = (
            F("index_cents")
            + F("readmission_cents")
            + F("post_acute_cents")
            + F("professional_cents")
            + F("other_cents")
        )
        for a in Arrangement.objects.filter(
            aco=self.aco, performance_year=self.performance_year, status__in=("active", "terminated")
        ).select_related("preferred_provider"):
            end = a.terminated_on or a.effective_end
            for t in a.terms.select_related("definition").order_by("definition__code"):
                agg = Episode.objects.filter(
                    run=run, aco=self.aco, preferred_provider=a.preferred_provider, definition=t.definition,
                    payment=True, closed=True, start_date__gte=a.effective_start, start_date__lte=end,
                ).aggregate(n=Count("pk"), mean=Avg(cost))  # fmt: skip
                rows.append(
                    [
                        f"EBRA {a.pk}: {a.preferred_provider.name}",
                        t.definition.name,
                        agg["n"],
                        usd(agg["mean"]),
                        usd(t.target_cents),
                        usd(None if agg["mean"] is None else t.target_cents - agg["mean"]),
                    ]
                )
        return DataTable(
            "cara-targets",
            "Closed payment episodes of active EBRAs against their target prices",
            ["EBRA", "Episode type", "Closed episodes", "Mean cost", "Target price", "Target − mean cost"],
            rows,
        )


def baseline_cents(summary: dict[str, Any], definition: int) -> int | None:
    base = summary["baselines"].get(definition)
    return base.mean_cost_cents if base else None


EPISODE_PAGE_SIZE = 50
STATUS_CHOICES = (("", "Any"), ("closed", "Closed"), ("open", "Open"))


class EpisodeListView(ACOScopedMixin, TemplateView):
    """The ACO's episodes one by one (beneficiary-level: every view is access-logged), filtered by type,
    start year, Preferred Provider and status, newest first."""

    template_name = "cara/episodes.html"
    nav = "cara"

    def filters(self) -> dict[str, str]:
        get = self.request.GET
        return {
            "type": get.get("type", "").strip()[:40],
            "year": get.get("year", "").strip()[:4],
            "npi": get.get("npi", "").strip()[:10],
            "status": get.get("status", "") if get.get("status", "") in ("closed", "open") else "",
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        py = self.performance_year
        run = selectors.latest_run(performance_year=py)
        filters = self.filters()
        definitions = list(
            EpisodeDefinition.objects.filter(performance_year=py)
            .filter(Q(aco__isnull=True) | Q(aco=self.aco))
            .order_by(F("aco_id").asc(nulls_first=True), "pk")
        )
        providers = list(
            PreferredProvider.objects.filter(aco=self.aco, performance_year=py).order_by("name").values("npi", "name")
        )
        context.update(
            nav_current="cara",
            run=run,
            filters=filters,
            definitions=definitions,
            providers=providers,
            years=list(range(py - 3, py + 1)),
            statuses=STATUS_CHOICES,
        )
        if run is None:
            return context
        rows = selectors.aco_episodes(
            run=run,
            aco_id=self.aco.pk,
            episode_type=filters["type"],
            year=int(filters["year"]) if filters["year"].isdigit() else None,
            npi=filters["npi"],
            closed={"closed": True, "open": False}.get(filters["status"]),
        )
        page = Paginator(rows, EPISODE_PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(page=page, filtered=any(filters.values()), list_query=query.urlencode())
        shown = ", ".join(f"{k}={v!r}" for k, v in filters.items() if v)
        self.log("cara_episodes", f"episode run {run.pk}", f"page {page.number} {shown}".strip())
        return context
