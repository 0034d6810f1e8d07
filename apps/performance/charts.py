"""Plotly figures of the performance dashboard and the data behind each, built from one
``PerformanceSummary.data`` document (``snapshot.py``) and nothing else.

Every chart has a ``DataTable`` of the same figures: the page shows it as the chart's accessible
alternative and the portal serves it as the chart's CSV download, so what is drawn, what a screen
reader hears and what is downloaded cannot drift apart. ``CHART_SLUGS`` is the fixed set of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from apps.quality.models import MeasureCode
from lead_portal import formatting
from lead_portal.charts import figure_json

FONT = {"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13}
# CMS Design System colours.
BLUE = "#0071bc"
DARK_BLUE = "#0b4778"
GREEN = "#2e8540"
RED = "#981b1e"
GRAY = "#5c5c5c"
LIGHT_GRAY = "#a6a6a6"
GOLD = "#fdb81e"

Snapshot = Mapping[str, Any]


# --------------------------------------------------------------------------------------------------
# Formatting (tables on the page; the CSV keeps raw numbers)
# --------------------------------------------------------------------------------------------------
MINUS = "\u2212"  # a true minus sign: screen readers say "minus", not "dash"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SOURCES = {"published": "Published by CMS", "estimate": "Estimated from base years", "none": "None"}


def money_text(value: float | None) -> str:
    """``−$1,234.50``, "—" when unknown (the portal's one money format)."""
    return formatting.money(value)


def money_short(value: float) -> str:
    """``$515.8k``, ``−$1.39M``: for labels on bars (the table and the hover give the cents)."""
    sign, size = (MINUS if value < 0 else ""), abs(value)
    if size >= 1_000_000:
        return f"{sign}${size / 1_000_000:,.2f}M"
    if size >= 1_000:
        return f"{sign}${size / 1_000:,.1f}k"
    return f"{sign}${size:,.0f}"


def _trim(number: float, places: int) -> str:
    """At most ``places`` decimals, no trailing zeros, a true minus sign: 1.75, 3, −32.9."""
    text = f"{number:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace("-", MINUS)


def month_text(value: str) -> str:
    """``2027-01`` → ``Jan 2027`` (a no-break space: the month never wraps from its year)."""
    try:
        year, month = value.split("-")
        return f"{MONTHS[int(month) - 1]}\u00a0{year}"
    except (ValueError, IndexError):
        return value


def fmt(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == "money":
        return formatting.money(value)
    if kind == "int":
        return formatting.count(value)
    if kind == "pct":
        return formatting.percent(value, 2)
    if kind == "number":
        return formatting.number(value, 2)
    if kind == "points":
        return formatting.number(value, 0)
    if kind == "factor":
        return f"{float(value):.4f}"
    if kind == "bool":
        return "Yes" if value else "No"
    if kind == "month":
        return month_text(str(value))
    if kind == "source":
        return SOURCES.get(str(value), str(value))
    return str(value)


def csv_value(value: Any, kind: str) -> Any:
    """Raw figures for the CSV: money to the cent, nothing rounded that the snapshot did not round."""
    if value is None:
        return ""
    if kind == "money":
        return f"{float(value):.2f}"
    if kind == "bool":
        return "yes" if value else "no"
    return value


# --------------------------------------------------------------------------------------------------
# Data tables
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # see fmt(): money, int, pct, number, points, factor, bool, month, source, text


@dataclass(frozen=True)
class DataTable:
    slug: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]

    @property
    def header(self) -> list[str]:
        return [c.header for c in self.columns]

    def display_rows(self) -> list[list[str]]:
        return [[fmt(v, c.kind) for v, c in zip(row, self.columns, strict=True)] for row in self.rows]

    def csv_rows(self) -> list[list[Any]]:
        return [[csv_value(v, c.kind) for v, c in zip(row, self.columns, strict=True)] for row in self.rows]


def _months_table(data: Snapshot) -> DataTable:
    return DataTable(
        "months",
        "Expenditure and benchmark per beneficiary per month (PBPM), by month",
        (
            Column("Month", "month"),
            Column("Member-months", "int"),
            Column("Expenditure ($)", "money"),
            Column("Expenditure PBPM ($)", "money"),
            Column("Benchmark PBPM ($)", "money"),
        ),
        tuple(
            (m["month"], m["member_months"], m["expenditure"], m["pbpm"], m["benchmark_pbpm"]) for m in data["months"]
        ),
    )


def _categories_table(data: Snapshot) -> DataTable:
    return DataTable(
        "categories",
        "Spending by service category",
        (
            Column("Category"),
            Column("Expenditure ($)", "money"),
            Column("PBPM ($)", "money"),
            Column("Share of spending (%)", "pct"),
        ),
        tuple((c["label"], c["expenditure"], c["pbpm"], c["share_pct"]) for c in data["categories"]),
    )


def _cohorts_table(data: Snapshot) -> DataTable:
    return DataTable(
        "cohorts",
        "Cohorts: expenditure against the benchmark",
        (
            Column("Cohort"),
            Column("Member-months", "int"),
            Column("Expenditure ($)", "money"),
            Column("Expenditure PBPM ($)", "money"),
            Column("Benchmark source", "source"),
            Column("Benchmark PBPM before discount ($)", "money"),
            Column("Discount (%)", "pct"),
            Column("Benchmark PBPM ($)", "money"),
        ),
        tuple(
            (
                c["label"],
                c["member_months"],
                c["expenditure"],
                c["pbpm"],
                c["benchmark_source"],
                c["benchmark_before_discount"],
                c["discount_pct"],
                c["benchmark_pbpm"],
            )
            for c in data["cohorts"]
        ),
    )


def _base_years_table(data: Snapshot) -> DataTable:
    return DataTable(
        "base-years",
        "Base years behind each estimated benchmark",
        (
            Column("Cohort"),
            Column("Base year"),
            Column("Member-months", "int"),
            Column("Expenditure ($)", "money"),
            Column("PBPM ($)", "money"),
            Column("Weight", "factor"),
            Column("Trend factor", "factor"),
        ),
        tuple(
            (c["label"], b["year"], b["member_months"], b["expenditure"], b["pbpm"], b["weight"], b["trend_factor"])
            for c in data["cohorts"]
            for b in c["base_years"]
        ),
    )


def withhold_parts(data: Snapshot) -> tuple[float, float, float]:
    """(withhold, earned back, not earned back) in dollars."""
    q = data["quality"]
    withhold = float(q.get("withhold") or 0)
    earned = float(q.get("earned_back") or 0)
    return withhold, earned, round(withhold - earned, 2)


def _quality_table(data: Snapshot) -> DataTable:
    withhold, earned, kept = withhold_parts(data)

    def share(part: float) -> float | None:
        return round(part / withhold * 100, 1) if withhold else None

    return DataTable(
        "quality",
        "The quality withhold: earned back and not earned back",
        (Column("Part of the withhold"), Column("Amount ($)", "money"), Column("Share of the withhold (%)", "pct")),
        (
            ("Earned back", earned, share(earned)),
            ("Not earned back", kept, share(kept)),
            ("Withhold", withhold, 100.0 if withhold else None),
        ),
    )


def _measures_table(data: Snapshot) -> DataTable:
    return DataTable(
        "measures",
        "Quality measures in the Total Quality Score",
        (
            Column("Measure"),
            Column("Rate", "number"),
            Column("Unit of the rate"),
            Column("Points", "points"),
            Column("Counts in the score", "bool"),
        ),
        tuple(
            (measure_name(m), m["rate"], m.get("unit") or "", m["points"], m["scored"])
            for m in data["quality"]["measures"]
        ),
    )


PARAMETER_LABELS = {
    "risk_option": "Risk option",
    "newly_entering": "Newly entering ACO",
    "capitation": "Capitation",
    "higher_spending": "Higher-spending ACO (base-year PBPM above the portal's)",
    "quality_withhold_pct": "Quality withhold (% of benchmark)",
    "sequestration_pct": "Sequestration (% of shared savings or losses)",
    "benchmark_trend_pct": "Benchmark trend (% a year)",
    "discount_higher_spending_pct": "Discount, higher-spending ACO (%)",
    "discount_lower_spending_pct": "Discount, lower-spending ACO (%)",
    "pcc_base_pct": "PCC base payment (% of benchmark)",
    "pcc_enhanced_target_pct": "Enhanced PCC target (% of benchmark)",
    "pcc_enhanced_floor_pct": "Enhanced PCC floor (% of benchmark)",
    "corridors": "Risk corridors (band of gross savings or losses: ACO share)",
}


def _parameter_text(key: str, value: Any, labels: dict[str, str]) -> str:
    if key in labels:  # a coded election: its label as the ACO chose it
        return labels[key]
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key.endswith("_pct") and isinstance(value, int | float):
        return fmt(value, "pct")
    if isinstance(value, list):  # corridor bands [[from %, to % or null, ACO share %], ...]
        bands = []
        for band in value:
            try:
                low, high, share = band
            except (TypeError, ValueError):
                return str(value)
            span = f"{low}–{high}%" if high is not None else f"{low}% and above"
            bands.append(f"{span}: {share}%")
        return "; ".join(bands) or "none"
    return str(value)


def parameter_rows(data: Snapshot) -> list[tuple[str, str, str]]:
    """(name, label, value as text) of every parameter the estimate used, in a stable order."""
    parameters = data.get("parameters", {})
    aco = data.get("aco", {})
    labels = {k: aco[f"{k}_label"] for k in ("risk_option", "capitation") if aco.get(f"{k}_label")}
    order = list(PARAMETER_LABELS)
    keys = sorted(parameters, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [
        (k, PARAMETER_LABELS.get(k, k.replace("_", " ").capitalize()), _parameter_text(k, parameters[k], labels))
        for k in keys
    ]


def measure_name(measure: Mapping[str, Any]) -> str:
    """A quality measure of the snapshot by its catalogue name ("Controlling high blood pressure
    (<140/90)"), not its key ("bp control", which snapshots before the catalogue names carried)."""
    code = str(measure.get("measure") or "")
    if code in MeasureCode.values:
        return str(MeasureCode(code).label)
    return str(measure.get("label") or code)


def _settlement_table(data: Snapshot) -> DataTable:
    return DataTable(
        "settlement",
        "Estimated settlement, line by line",
        (Column("Line"), Column("Amount ($)", "money"), Column("Kind")),
        tuple(
            (line["label"], line["amount"], "Total" if line["kind"] == "total" else "Change")
            for line in data["settlement"]["lines"]
        ),
    )


CARA_NOT_COMPUTED = "Not computed in this pipeline run: the next run adds it."


def _cara_table(data: Snapshot) -> DataTable:
    """The settlement's CARA line, EBRA by EBRA: each one's reconciled periods and amount, then the total
    and the settlement before and after it. Without an EBRA, one row that says so (no zeros)."""
    py = data.get("performance_year")
    cara = data["settlement"].get("cara")
    columns = (
        Column("EBRA"),
        Column("Preferred Provider (NPI)"),
        Column("Periods reconciled", "int"),
        Column("Status"),
        Column("Paid to (repaid by) the Preferred Provider ($)", "money"),
        Column("Change to the settlement ($)", "money"),
    )
    title = f"CARA reconciliation with Preferred Providers, PY{py}"
    if not cara:
        return DataTable("cara", title, columns, ((CARA_NOT_COMPUTED, "", None, "", None, None),))
    if not cara.get("has_arrangements"):
        return DataTable("cara", title, columns, ((cara.get("text") or "No EBRA", "", None, "", None, None),))
    rows: list[tuple[Any, ...]] = [
        (
            f"EBRA {e['arrangement_id']}",
            f"{e['preferred_provider']} (NPI {e['npi']})",
            e["periods"],
            f"{'Final' if e['final'] else 'Provisional'}: {e['final_periods']} of {e['expected_periods']} "
            f"period{'s' if e['expected_periods'] != 1 else ''} final",
            e["payments"],
            e["change"],
        )
        for e in cara.get("ebras") or []
    ]
    status = "Final" if cara.get("final") else "Provisional"
    rows += [
        ("Estimated settlement before CARA", "", None, "", None, cara.get("settlement_before")),
        (
            f"{cara.get('label')} ({cara.get('arrangements')} EBRA{'s' if cara.get('arrangements') != 1 else ''})",
            "",
            cara.get("periods"),
            status,
            cara.get("payments"),
            cara.get("change"),
        ),
        ("Estimated settlement", "", None, "", None, cara.get("estimated_settlement")),
    ]
    return DataTable("cara", title, columns, tuple(rows))


def _corridor_table(data: Snapshot) -> DataTable:
    return DataTable(
        "corridor",
        "Risk corridor bands applied to the gross savings (loss)",
        (
            Column("From (% of benchmark)", "pct"),
            Column("To (% of benchmark)", "pct"),
            Column("ACO share (%)", "pct"),
            Column("Savings (loss) in the band ($)", "money"),
            Column("ACO's part ($)", "money"),
        ),
        tuple((p["low"], p["high"], p["share"], p["amount"], p["aco_amount"]) for p in data["settlement"]["corridor"]),
    )


def _high_needs_table(data: Snapshot) -> DataTable:
    a = data["alignment"]
    return DataTable(
        "high-needs",
        "High Needs beneficiaries against the High Needs ACO line",
        (
            Column("Aligned beneficiaries", "int"),
            Column("High Needs beneficiaries", "int"),
            Column("High Needs share (%)", "pct"),
            Column("High Needs ACO line (%)", "pct"),
        ),
        ((a.get("total"), a.get("high_needs"), a.get("high_needs_share_pct"), a.get("high_needs_line_pct")),),
    )


def _risk_table(data: Snapshot) -> DataTable:
    risk = data["alignment"].get("risk") or {}
    years = risk.get("years") or []
    return DataTable(
        "risk",
        "Average risk score by cohort, base years and the performance year",
        (
            Column("Cohort"),
            *(Column(f"{y}{' (PY)' if y == data['performance_year'] else ''}", "factor") for y in years),
        ),
        tuple((r["label"], *(r["scores"].get(str(y)) for y in years)) for r in risk.get("cohorts") or []),
    )


TABLES: dict[str, Callable[[Snapshot], DataTable]] = {
    "months": _months_table,
    "categories": _categories_table,
    "cohorts": _cohorts_table,
    "base-years": _base_years_table,
    "quality": _quality_table,
    "measures": _measures_table,
    "settlement": _settlement_table,
    "cara": _cara_table,
    "corridor": _corridor_table,
    "high-needs": _high_needs_table,
    "risk": _risk_table,
}
CHART_SLUGS = frozenset(TABLES)


def data_table(data: Snapshot, slug: str) -> DataTable:
    """The figures behind one chart; ``KeyError`` for a slug not in ``CHART_SLUGS``."""
    return TABLES[slug](data)


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------
def _layout(fig: go.Figure, *, height: int, **extra: Any) -> dict[str, Any]:
    fig.update_layout(
        # No Plotly template: plotly.js's own defaults look the same here, and the page does not carry
        # the default template's 7 kB per figure.
        template="none",
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        font=FONT,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.15, "traceorder": "normal"},
        separators=".,",
        **extra,
    )
    return figure_json(fig)


def _money_axis(title: str, values: Sequence[float | None]) -> dict[str, Any]:
    """Dollar ticks with the sign first (−$100k; Plotly's tickprefix would give $−100k): SI-prefixed
    for large amounts, plain below $1,000 (where "s" would turn 0.5 into "500m")."""
    largest = max((abs(v) for v in values if v is not None), default=0.0)
    return {"title": {"text": title}, "tickformat": "$~s" if largest >= 1000 else "$,~r", "automargin": True}


def months_figure(data: Snapshot) -> dict[str, Any] | None:
    """Expenditure PBPM (bars) against the benchmark PBPM (line), month by month."""
    months = data["months"]
    if not months:
        return None
    x = [month_text(m["month"]).replace("\u00a0", " ") for m in months]
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                y=[m["pbpm"] for m in months],
                name="Expenditure PBPM",
                marker_color=BLUE,
                hovertemplate="%{x}: expenditure $%{y:,.2f} PBPM<extra></extra>",
            ),
            go.Scatter(
                x=x,
                y=[m["benchmark_pbpm"] for m in months],
                name="Benchmark PBPM",
                mode="lines+markers",
                line={"color": DARK_BLUE, "dash": "dash", "width": 3},
                marker={"symbol": "diamond", "size": 8},
                hovertemplate="%{x}: benchmark $%{y:,.2f} PBPM<extra></extra>",
            ),
        ]
    )
    return _layout(
        fig,
        height=360,
        xaxis={"type": "category", "title": {"text": "Month"}},
        yaxis=_money_axis("US$ PBPM", [m["pbpm"] for m in months] + [m["benchmark_pbpm"] for m in months]),
    )


def categories_figure(data: Snapshot) -> dict[str, Any] | None:
    """Spending by service category, largest on top."""
    rows = sorted(data["categories"], key=lambda c: c["expenditure"] or 0)
    if not rows:
        return None
    fig = go.Figure(
        go.Bar(
            x=[c["expenditure"] for c in rows],
            y=[c["label"] for c in rows],
            orientation="h",
            marker_color=BLUE,
            customdata=[[c["pbpm"], c["share_pct"]] for c in rows],
            hovertemplate="%{y}: $%{x:,.2f} (%{customdata[1]}% of spending, $%{customdata[0]:,.2f} PBPM)"
            "<extra></extra>",
        )
    )
    return _layout(
        fig,
        height=80 + 40 * len(rows),
        xaxis=_money_axis("Expenditure (US$)", [c["expenditure"] for c in rows]),
        yaxis={"automargin": True},
    )


def cohorts_figure(data: Snapshot) -> dict[str, Any] | None:
    """Each cohort's expenditure PBPM next to its benchmark PBPM."""
    cohorts = data["cohorts"]
    if not cohorts:
        return None
    x = [c["label"] for c in cohorts]
    fig = go.Figure(
        [
            go.Bar(x=x, y=[c["pbpm"] for c in cohorts], name="Expenditure PBPM", marker_color=BLUE),
            go.Bar(x=x, y=[c["benchmark_pbpm"] for c in cohorts], name="Benchmark PBPM", marker_color=DARK_BLUE),
        ]
    )
    fig.update_traces(hovertemplate="%{x}: $%{y:,.2f} PBPM<extra>%{fullData.name}</extra>")
    values = [c["pbpm"] for c in cohorts] + [c["benchmark_pbpm"] for c in cohorts]
    return _layout(fig, height=340, barmode="group", xaxis={"type": "category"}, yaxis=_money_axis("US$ PBPM", values))


def quality_figure(data: Snapshot) -> dict[str, Any]:
    """The withhold as one bar: the part earned back and the part not earned back."""
    withhold, earned, kept = withhold_parts(data)
    tqs = data["quality"].get("tqs")
    label = f"TQS {tqs:.1f}" if tqs is not None else "No TQS yet"
    fig = go.Figure(
        [
            go.Bar(
                x=[earned],
                y=[label],
                orientation="h",
                name="Earned back",
                marker_color=GREEN,
                hovertemplate="Earned back: $%{x:,.2f}<extra></extra>",
            ),
            go.Bar(
                x=[kept],
                y=[label],
                orientation="h",
                name="Not earned back",
                marker_color=LIGHT_GRAY,
                hovertemplate="Not earned back: $%{x:,.2f}<extra></extra>",
            ),
        ]
    )
    return _layout(
        fig,
        height=200,
        barmode="stack",
        xaxis=_money_axis(f"Quality withhold (US$ {withhold:,.2f})", [withhold]),
        yaxis={"automargin": True},
    )


def waterfall_measures(lines: Sequence[Mapping[str, Any]]) -> list[str]:
    """Plotly measures for the settlement lines. A "total" line is a level: the first one starts the
    waterfall ("absolute": Plotly's "total" would ignore its value and draw the empty sum), later ones
    close the running sum ("total"), which the engine's lines add up to exactly."""
    return [
        ("absolute" if i == 0 else "total") if line["kind"] == "total" else "relative" for i, line in enumerate(lines)
    ]


def settlement_figure(data: Snapshot) -> dict[str, Any] | None:
    """The estimated settlement as a waterfall, from the benchmark before discount to the estimate."""
    lines = data["settlement"]["lines"]
    if not lines:
        return None
    fig = go.Figure(
        go.Waterfall(
            x=[line["label"] for line in lines],
            y=[line["amount"] for line in lines],
            measure=waterfall_measures(lines),
            text=[money_short(line["amount"]) for line in lines],
            customdata=[money_text(line["amount"]) for line in lines],
            textposition="outside",
            constraintext="none",
            cliponaxis=False,
            connector={"line": {"color": LIGHT_GRAY}},
            increasing={"marker": {"color": GREEN}},
            decreasing={"marker": {"color": RED}},
            totals={"marker": {"color": DARK_BLUE}},
            hovertemplate="%{x}: %{customdata}<extra></extra>",
        )
    )
    return _layout(
        fig,
        height=460,
        showlegend=False,
        xaxis={"type": "category", "automargin": True, "tickangle": -30},
        yaxis=_money_axis("US$ (estimate)", [line["amount"] for line in lines]),
    )


def high_needs_figure(data: Snapshot) -> dict[str, Any]:
    """The share of aligned beneficiaries who are High Needs, against the High Needs ACO line."""
    a = data["alignment"]
    share = float(a.get("high_needs_share_pct") or 0)
    line = float(a.get("high_needs_line_pct") or 40)
    fig = go.Figure(
        go.Bar(
            x=[share],
            y=["High Needs share"],
            orientation="h",
            marker_color=GOLD if share > line else BLUE,
            text=[f"{share:.1f}%"],
            textposition="outside",
            hovertemplate="High Needs: %{x:.1f}% of aligned beneficiaries<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_vline(x=line, line={"color": RED, "dash": "dash", "width": 2})
    fig.add_annotation(
        x=line, y=1, yref="paper", text=f"High Needs ACO line: {line:.0f}%", showarrow=False, yanchor="bottom"
    )
    return _layout(
        fig,
        height=180,
        xaxis={"range": [0, 100], "ticksuffix": "%", "title": {"text": "Share of aligned beneficiaries"}},
        yaxis={"automargin": True},
    )


def risk_figure(data: Snapshot) -> dict[str, Any] | None:
    """Average risk score per cohort, one line per cohort across the base years and the PY."""
    risk = data["alignment"].get("risk") or {}
    years = risk.get("years") or []
    if not years or not risk.get("cohorts"):
        return None
    colors = {"aged_disabled": BLUE, "esrd": RED, "high_needs": GOLD, "all": "#1a1a1a"}
    traces = [
        go.Scatter(
            x=[str(y) for y in years],
            y=[r["scores"].get(str(y)) for y in years],
            mode="lines+markers",
            name=r["label"],
            line={"color": colors.get(r["cohort"], BLUE), "width": 3 if r["cohort"] == "all" else 2,
                  "dash": "solid" if r["cohort"] == "all" else "dot"},
            hovertemplate=f"{r['label']}, %{{x}}: %{{y:.3f}}<extra></extra>",
        )
        for r in risk["cohorts"]
    ]  # fmt: skip
    return _layout(
        go.Figure(traces),
        height=320,
        xaxis={"title": {"text": "Score year (diagnoses of the year before)"}, "type": "category"},
        yaxis={"title": {"text": "Average risk score"}, "rangemode": "tozero", "tickformat": ".2f"},
    )


FIGURES: dict[str, Callable[[Snapshot], dict[str, Any] | None]] = {
    "months": months_figure,
    "categories": categories_figure,
    "cohorts": cohorts_figure,
    "quality": quality_figure,
    "settlement": settlement_figure,
    "high-needs": high_needs_figure,
    "risk": risk_figure,
}
