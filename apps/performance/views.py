"""An ACO's performance dashboard: the panel on the ACO home page, the "Money and settlement" page, and
the CSV of each chart's data. Everything is read from the ACO's latest ``PerformanceSummary`` for the
PY (one indexed read); the figures come from ``charts.py``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.acos.mixins import ACOScopedMixin
from apps.acos.models import ACO
from lead_portal import formatting
from lead_portal.exports import csv_writer

from . import charts, selectors, snapshot, why
from .models import PerformanceSummary
from .views_high_cost import list_url


@dataclass(frozen=True)
class ChartBlock:
    """One chart as a page shows it: the figure, its caption, its data table and its CSV."""

    slug: str
    title: str
    caption: str
    figure: dict[str, Any] | None
    table: charts.DataTable
    csv_url: str
    # Drill-down to the high-cost beneficiaries behind a row: (url, row label) per table row or None, and
    # the chart's bars (by the label on the category axis) to the same urls.
    row_links: tuple[tuple[str, str] | None, ...] = ()
    chart_links: dict[str, str] | None = None

    @property
    def figure_id(self) -> str:
        return f"figure-{self.slug}"

    @property
    def links_id(self) -> str:
        return f"links-{self.slug}"


def _csv_url(aco: ACO, performance_year: int, slug: str) -> str:
    url = reverse("performance:money_data", kwargs={"aco_id": aco.aco_id, "chart": slug})
    return f"{url}?py={performance_year}"


# Building a Plotly figure costs ~15 ms (plotly validates every property): a page of six would miss
# the dashboard's latency target. A snapshot of a finished run never changes, so each figure is
# built once and cached under a digest of the document itself (and FIGURE_VERSION, bumped when
# charts.py draws differently): a replaced document can never be shown another's figure.
FIGURE_VERSION = 2
FIGURE_CACHE_SECONDS = 7 * 24 * 3600


def figures(data: charts.Snapshot, slugs: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """The figures of ``slugs`` (each in ``charts.FIGURES``), from the cache or built now."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]
    keys = {slug: f"performance:figure:v{FIGURE_VERSION}:{slug}:{digest}" for slug in slugs}
    cached = cache.get_many(list(keys.values()))
    out: dict[str, dict[str, Any] | None] = {}
    missing: dict[str, Any] = {}
    for slug, key in keys.items():
        if key in cached:
            out[slug] = cached[key]["figure"]
        else:
            out[slug] = charts.FIGURES[slug](data)
            missing[key] = {"figure": out[slug]}
    if missing:
        cache.set_many(missing, FIGURE_CACHE_SECONDS)
    return out


# (template key, chart slug, title, caption)
BlockSpec = tuple[str, str, str, str]


CLICK_HINTS = {
    "categories": " Select a bar to list the beneficiaries behind it.",
    "cohorts": " Select a bar to list the cohort's beneficiaries.",
    "settlement": " Select the expenditure bar to list the beneficiaries behind it.",
}


def drill_down(aco: ACO, data: charts.Snapshot, slug: str) -> list[tuple[str, str, str] | None]:
    """Per row of the chart's table: (bar label, url, row label) of the high-cost beneficiaries behind it,
    or None. Spending by category and by cohort, and the settlement's expenditure line."""
    py = data["performance_year"]
    if slug == "categories":
        return [(c["label"], list_url(aco, py, category=c["category"]), c["label"]) for c in data["categories"]]
    if slug == "cohorts":
        return [(c["label"], list_url(aco, py, cohort=c["cohort"]), c["label"]) for c in data["cohorts"]]
    if slug == "settlement":
        return [
            (line["label"], list_url(aco, py), line["label"]) if line["key"] == "expenditure" else None
            for line in data["settlement"]["lines"]
        ]
    return []


def _caption_note(data: charts.Snapshot, slug: str) -> str:
    """What a chart leaves out and why, from its data."""
    if slug == "risk":
        left_out = (data["alignment"].get("risk") or {}).get("demographic_only_years") or []
        if left_out:
            years = ", ".join(str(y) for y in left_out)
            return (
                f" {years} is not shown: its diagnoses would come from claims of {left_out[0] - 1}, and CMS sends "
                f"claims going back 36 months before the performance year only."
            )
    return ""


def _blocks(aco: ACO, data: charts.Snapshot, specs: list[BlockSpec]) -> dict[str, ChartBlock]:
    drawn = figures(data, [slug for _, slug, _, _ in specs if slug in charts.FIGURES])
    blocks = {}
    for key, slug, title, caption in specs:
        links = drill_down(aco, data, slug)
        blocks[key] = ChartBlock(
            slug,
            title,
            caption + _caption_note(data, slug) + (CLICK_HINTS.get(slug, "") if links and drawn.get(slug) else ""),
            drawn.get(slug),
            charts.data_table(data, slug),
            _csv_url(aco, data["performance_year"], slug),
            row_links=tuple(None if link is None else (link[1], link[2]) for link in links),
            chart_links={link[0]: link[1] for link in links if link is not None} or None,
        )
    return blocks


def _estimate(data: charts.Snapshot) -> str:
    return " (estimate)" if data.get("estimate", True) else ""


def _home_specs(data: charts.Snapshot) -> list[BlockSpec]:
    est = _estimate(data)
    line = data["alignment"].get("high_needs_line_pct") or 40
    return [
        (
            "months",
            "months",
            f"Spending per beneficiary per month against the benchmark{est}",
            "Bars: expenditure per beneficiary per month (PBPM) from netted claims; dashed line: the "
            "benchmark PBPM for the month's mix of cohorts.",
        ),
        (
            "categories",
            "categories",
            f"Spending by service category{est}",
            "Expenditure of the performance year by service category, largest first.",
        ),
        (
            "quality",
            "quality",
            f"Quality withhold{est}",
            "The quality withhold, split into the part the Total Quality Score earns back and the part it does not.",
        ),
        (
            "settlement",
            "settlement",
            f"Estimated settlement{est}",
            "From the benchmark before discount to the estimated settlement: dark bars are levels, green "
            "bars add, red bars take away.",
        ),
        (
            "risk",
            "risk",
            "Average risk score by cohort",
            "Each cohort's average CMS-HCC risk score (normalized), weighted by member-months, for the base "
            "years and the performance year: a score year's diagnoses come from the year before.",
        ),
        (
            "high_needs",
            "high-needs",
            "High Needs share",
            f"Share of aligned beneficiaries who are High Needs, against the {line:.0f}% line above which an "
            "ACO counts as a High Needs ACO.",
        ),
    ]


def dashboard_blocks(aco: ACO, data: charts.Snapshot) -> dict[str, ChartBlock]:
    """The charts of the home page, keyed for templates."""
    return _blocks(aco, data, _home_specs(data))


def home_panel(aco: ACO, performance_year: int) -> tuple[str, dict[str, object]]:
    """The ACO home page's performance panel (registered in ``apps.py``)."""
    summary = selectors.summary_latest(aco=aco, performance_year=performance_year)
    money_url = f"{reverse('performance:money', kwargs={'aco_id': aco.aco_id})}?py={performance_year}"
    context: dict[str, object] = {"perf_summary": summary, "money_url": money_url}
    if summary is not None:
        context.update(perf=summary.data, perf_blocks=dashboard_blocks(aco, summary.data))
    return "performance/_home_panel.html", context


def parameter_rows(data: charts.Snapshot) -> list[tuple[str, str, str]]:
    """The model parameters the estimate used, by name with their values in words (``charts.parameter_rows``
    with the risk-adjusted benchmark's parameters named: the money page and the reports show them the
    same way)."""
    return snapshot.named_parameters(charts.parameter_rows(data))


# --------------------------------------------------------------------------------------------------
# The benchmark, factor by factor (risk-adjusted, claims-aligned and voluntarily aligned apart)
# --------------------------------------------------------------------------------------------------
# Each factor's column: (heading on the page, heading in the CSV, kind). The page's short headings are
# explained by the paragraph above the tables; the CSV stands alone. The page shows the cap in the
# "Ratio applied" cell (``_page_factor_row``); the CSV keeps it apart.
_FACTORS = (
    ("Base year", "Base year", "text"),
    ("Member-months", "Member-months", "int"),
    ("PBPM ($)", "Base-year PBPM ($)", "money"),
    ("Risk", "Base-year risk score", "factor"),
    ("Scored", "Beneficiaries with a score", "text"),
    ("PY risk", "PY risk score", "factor"),
    ("Ratio (PY ÷ base)", "Risk ratio (PY ÷ base year)", "factor"),
    ("Ratio applied", "Risk ratio applied", "factor"),
    ("", "Cap", "text"),
    ("Adjusted PBPM ($)", "Risk-adjusted PBPM ($)", "money"),
    ("Trend", "Trend factor", "factor"),
    ("Weight", "Weight", "factor"),
    ("Adds ($ PBPM)", "Adds to the benchmark ($ PBPM)", "money"),
)
_APPLIED, _CAP = 7, 8
FACTOR_CSV_COLUMNS = tuple(charts.Column(long, kind) for _, long, kind in _FACTORS)
FACTOR_COLUMNS = tuple(
    charts.Column(short, "text" if i == _APPLIED else kind) for i, (short, _, kind) in enumerate(_FACTORS) if i != _CAP
)


def _scored(scored: int | None, beneficiaries: int | None) -> str:
    if scored is None or beneficiaries is None:
        return "—"
    return f"{formatting.count(scored)} of {formatting.count(beneficiaries)}"


def _before_cclf(group: charts.Snapshot, row: charts.Snapshot) -> bool:
    """The base year has no average risk because its diagnoses lie before the CCLF (only said when the
    group is risk-adjusted at all: without scores, none of its years has any)."""
    return group.get("risk") is not None and bool(row.get("risk_before_cclf"))


def _cap_words(group: charts.Snapshot, row: charts.Snapshot) -> str:
    if row.get("risk_ratio_uncapped") is None and _before_cclf(group, row):
        return "Not risk-adjusted: diagnoses before the CCLF"
    if row.get("risk_ratio_uncapped") is None:
        return "Not risk-adjusted: no scores"
    if row.get("risk_capped"):
        return f"Capped at {charts.fmt(row.get('risk_ratio'), 'factor')}"
    return "Within the cap"


def _page_factor_row(group: charts.Snapshot, row: charts.Snapshot) -> tuple[Any, ...]:
    """``_factor_row`` for the page: the applied ratio and the cap in one cell, so the table fits."""
    cells = list(_factor_row(group, row))
    applied = charts.fmt(row.get("risk_ratio"), "factor")
    if row.get("risk_ratio_uncapped") is None:
        applied = f"{applied} ({'before the CCLF' if _before_cclf(group, row) else 'no scores'})"
    elif row.get("risk_capped"):
        applied = f"{applied} (capped)"
    return (*cells[:_APPLIED], applied, *cells[_CAP + 1 :])


def _factor_row(group: charts.Snapshot, row: charts.Snapshot) -> tuple[Any, ...]:
    return (
        row["year"],
        row["member_months"],
        row["pbpm"],
        row.get("risk"),
        _scored(row.get("risk_scored"), row.get("risk_beneficiaries")),
        group.get("risk"),
        row.get("risk_ratio_uncapped"),
        row.get("risk_ratio"),
        _cap_words(group, row),
        row.get("adjusted_pbpm"),
        row["trend_factor"],
        row["weight"],
        row.get("contribution"),
    )


@dataclass(frozen=True)
class BenchmarkGroup:
    """One alignment group of a cohort on the money page: its factor table and the steps after it."""

    cohort: str
    label: str  # "Aged & Disabled, claims-aligned"
    source: str  # in words
    table: charts.DataTable | None  # None: published or without base years of its own
    steps: tuple[tuple[str, str], ...]  # (what, figure) from the base years' sum to the benchmark dollars


def _group_steps(group: charts.Snapshot, cohort_label: str, parameters: charts.Snapshot) -> tuple[tuple[str, str], ...]:
    usd = formatting.money
    source = group.get("benchmark_source")
    steps: list[tuple[str, str]] = []
    if source == "published":
        steps.append(
            (
                "Benchmark published by CMS (final: no risk adjustment, no discount)",
                f"{usd(group.get('benchmark_pbpm'))} PBPM",
            )
        )
    elif source == "borrowed":
        steps.append(
            (
                f"No base-year member-months of its own: the {cohort_label} cohort's other estimate",
                f"{usd(group.get('benchmark_before_discount'))} PBPM",
            )
        )
    elif source == "estimate":
        steps.append(("Sum of the base years' contributions", f"{usd(group.get('estimate'))} PBPM"))
        cap = group.get("voluntary_cap")
        if cap:
            pct = parameters.get("voluntary_benchmark_cap_pct")
            rule = (
                f"within {formatting.percent(pct)} of the claims-aligned estimate"
                if pct is not None
                else "within the cap around the claims-aligned estimate"
            )
            result = (
                f"capped to {usd(group.get('benchmark_before_discount'))} PBPM" if cap.get("capped") else "not capped"
            )
            steps.append((f"Voluntarily aligned cap: {rule}, {usd(cap.get('low'))} to {usd(cap.get('high'))}", result))
    if source in ("estimate", "borrowed"):
        discount = group.get("discount_pct") or 0
        steps.append(
            (
                "Discount (Global risk only)",
                f"{formatting.percent(discount, 2)}: {usd(group.get('benchmark_pbpm'))} PBPM" if discount else "none",
            )
        )
    if source == "none":
        steps.append(("No base-year months and no published figure", "no benchmark: $0"))
    steps.append(
        (
            f"Benchmark: {usd(group.get('benchmark_pbpm'))} PBPM × {formatting.count(group.get('member_months'))} "
            "member-months",
            usd(group.get("benchmark")),
        )
    )
    return tuple(steps)


def benchmark_groups(data: charts.Snapshot) -> list[BenchmarkGroup]:
    """Every cohort's groups (claims-aligned first), each with its factors; empty for a snapshot computed
    before benchmarks were set per alignment type (the page then shows the cohorts' base years)."""
    out = []
    parameters = data.get("parameters") or {}
    for cohort in data.get("cohorts") or []:
        for group in cohort.get("groups") or []:
            label = f"{cohort['label']}, {group['label'][:1].lower()}{group['label'][1:]}"
            rows = tuple(_page_factor_row(group, row) for row in group.get("base_years") or [])
            table = None
            if group.get("benchmark_source") == "estimate" and rows:
                table = charts.DataTable(
                    f"benchmark-{cohort['cohort']}-{group['alignment_type']}".replace("_", "-"),
                    f"{label} beneficiaries: each base year's part of the benchmark",
                    FACTOR_COLUMNS,
                    rows,
                )
            out.append(
                BenchmarkGroup(
                    cohort["cohort"],
                    label,
                    snapshot.GROUP_SOURCES.get(str(group.get("benchmark_source")), str(group.get("benchmark_source"))),
                    table,
                    _group_steps(group, cohort["label"], parameters),
                )
            )
    return out


def benchmark_factors_table(data: charts.Snapshot) -> charts.DataTable:
    """Every group's factors in one table (the page's CSV)."""
    rows = tuple(
        (cohort["label"], group["label"], *_factor_row(group, row))
        for cohort in data.get("cohorts") or []
        for group in cohort.get("groups") or []
        if group.get("benchmark_source") == "estimate"
        for row in group.get("base_years") or []
    )
    return charts.DataTable(
        "benchmark-factors",
        "The estimated benchmarks, base year by base year: risk adjustment, trend and weight",
        (charts.Column("Cohort"), charts.Column("Alignment"), *FACTOR_CSV_COLUMNS),
        rows,
    )


# Tables served as CSV beside the charts' (``charts.TABLES``).
PAGE_TABLES = {"benchmark-factors": benchmark_factors_table}


class PerformanceMixin(ACOScopedMixin):
    nav = "money"
    request: HttpRequest
    summary: PerformanceSummary | None

    def get_summary(self) -> PerformanceSummary | None:
        self.summary = selectors.summary_latest(aco=self.aco, performance_year=self.performance_year)
        return self.summary


class MoneyView(PerformanceMixin, TemplateView):
    """The whole estimate: cohorts and their benchmarks (traceable to the base years), months,
    categories, the settlement waterfall and its lines, the corridor bands, notes and parameters."""

    template_name = "performance/money.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        summary = self.get_summary()
        context["summary"] = summary
        if summary is None:
            return context
        data = summary.data
        cohorts: BlockSpec = (
            "cohorts",
            "cohorts",
            f"Cohorts: spending against the benchmark{_estimate(data)}",
            "Each cohort's expenditure PBPM next to its benchmark PBPM after any discount.",
        )
        blocks = _blocks(self.aco, data, [*_home_specs(data), cohorts])
        context.update(
            data=data,
            blocks=blocks,
            base_years=charts.data_table(data, "base-years"),
            benchmark_groups=benchmark_groups(data),
            benchmark_factors_url=_csv_url(self.aco, self.performance_year, "benchmark-factors"),
            risk_adjusted=bool(data["settlement"].get("risk_adjusted")),
            corridor=charts.data_table(data, "corridor"),
            cara=data["settlement"].get("cara"),
            cara_table=charts.data_table(data, "cara"),
            cara_csv_url=_csv_url(self.aco, self.performance_year, "cara"),
            cara_url=f"{reverse('cara:overview', kwargs={'aco_id': self.aco.aco_id})}?py={self.performance_year}",
            measures=charts.data_table(data, "measures"),
            base_years_url=_csv_url(self.aco, self.performance_year, "base-years"),
            corridor_url=_csv_url(self.aco, self.performance_year, "corridor"),
            measures_url=_csv_url(self.aco, self.performance_year, "measures"),
            parameters=parameter_rows(data),
            high_cost_url=list_url(self.aco, self.performance_year),
            sequestration=snapshot.sequestration_shown(
                data["settlement"], data.get("parameters", {}).get("sequestration_pct")
            ),
            why=why.explain(data),
        )
        return context


class MoneyDataView(PerformanceMixin, View):
    """One chart's data as CSV: the header first, the vintage in the file's name (ACO, PY, pipeline run,
    the claims month the data runs through, and "estimates" when it holds money figures)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        slug = kwargs["chart"]
        if slug not in charts.CHART_SLUGS and slug not in PAGE_TABLES:
            raise Http404("No such chart.")
        summary = self.get_summary()
        if summary is None:
            raise Http404(f"The pipeline has not run for PY{self.performance_year} yet.")
        data = summary.data
        table = PAGE_TABLES[slug](data) if slug in PAGE_TABLES else charts.data_table(data, slug)
        vintage = data.get("vintage", {})
        name = f"LEAD_{self.aco.aco_id}_PY{summary.performance_year}_{slug}_run{summary.run_id}"
        name += f"_claims-through-{vintage.get('claims_through') or 'unknown'}"
        if data.get("estimate", True) and any(c.kind == "money" for c in table.columns):
            name += "_estimates"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = csv_writer(response)
        writer.writerow(table.header)
        writer.writerows(table.csv_rows())
        return response
