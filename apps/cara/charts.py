"""Plotly figures of the CARA pages. Every figure has a data table beside it with the same numbers."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from lead_portal.charts import figure_json
from lead_portal.formatting import money

FONT = {"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13}
COMPONENT_COLORS = {
    "Index stay": "#0071bc",
    "Readmissions": "#e31c3d",
    "Post-acute": "#fdb81e",
    "Professional": "#2e8540",
    "Other": "#5c5c5c",
}


def _layout(
    fig: go.Figure, *, y_title: str, dollars: bool = True, x_title: str = "", height: int = 360, **extra: Any
) -> dict[str, Any]:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 60},
        yaxis={
            "title": {"text": y_title},
            "separatethousands": True,
            "rangemode": "tozero",
            "tickprefix": "$" if dollars else "",
        },
        xaxis={"type": "category", "automargin": True, "title": {"text": x_title}},
        legend={"orientation": "h", "y": 1.14},
        font=FONT,
        plot_bgcolor="white",
        **extra,
    )
    return figure_json(fig)


def components_figure(
    types: list[str], components: dict[str, list[float]], baseline: list[float | None]
) -> dict[str, Any]:
    """Stacked bars per episode type: the ACO's mean cost of a closed episode by component, and the
    portal-wide baseline as a marker."""
    traces: list[Any] = [
        go.Bar(
            name=name, x=types, y=values, marker_color=COMPONENT_COLORS[name],
            hovertemplate=f"%{{x}}, {name.lower()}: $%{{y:,.0f}}<extra></extra>",
        )
        for name, values in components.items()
    ]  # fmt: skip
    traces.append(
        go.Scatter(
            name="Baseline (portal-wide mean)", x=types, y=baseline, mode="markers",
            marker={"symbol": "line-ew-open", "size": 36, "color": "#1a1a1a", "line": {"width": 3}},
            hovertemplate="%{x}, baseline: $%{y:,.0f}<extra></extra>",
        )
    )  # fmt: skip
    return _layout(go.Figure(traces), y_title="Mean cost per episode", barmode="stack")


TYPE_COLORS = ("#0071bc", "#e31c3d", "#fdb81e", "#2e8540", "#5c5c5c", "#4c2c92", "#02bfe7")


def distribution_figure(bands: list[str], types: list[str], counts: list[list[int]]) -> dict[str, Any]:
    """How many of the ACO's closed episodes fall in each cost band, one bar per episode type."""
    fig = go.Figure(
        [
            go.Bar(
                name=t, x=bands, y=c, marker_color=TYPE_COLORS[i % len(TYPE_COLORS)],
                hovertemplate=f"{t}, %{{x}}: %{{y}} episodes<extra></extra>",
            )
            for i, (t, c) in enumerate(zip(types, counts, strict=True))
        ]
    )  # fmt: skip
    return _layout(fig, y_title="Closed episodes", dollars=False, x_title="Cost of the episode", barmode="group")


def target_figure(types: list[str], means: list[float | None], targets: list[float]) -> dict[str, Any]:
    """Bars: the mean cost of the Preferred Provider's closed episodes per type, and the target price beside."""
    fig = go.Figure(
        [
            go.Bar(
                name="Your mean cost (closed episodes)", x=types, y=means, marker_color="#0071bc",
                hovertemplate="%{x}, your mean cost: $%{y:,.0f}<extra></extra>",
            ),
            go.Bar(
                name="Target price", x=types, y=targets, marker_color="#5c5c5c",
                hovertemplate="%{x}, target price: $%{y:,.0f}<extra></extra>",
            ),
        ]
    )  # fmt: skip
    fig.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 30, "b": 60},
        barmode="group",
        yaxis={"title": {"text": "Cost per episode"}, "tickprefix": "$", "separatethousands": True},
        xaxis={"type": "category", "automargin": True},
        legend={"orientation": "h", "y": 1.14},
        font=FONT,
        plot_bgcolor="white",
    )
    return figure_json(fig)


GREEN, RED = "#2e8540", "#981b1e"


def net_by_aco_figure(totals: list[Any]) -> dict[str, Any] | None:
    """One bar per ACO: the net of its reconciliations (positive: CMS paid its Preferred Providers on balance,
    charged to the ACO's settlement; negative: they repaid, credited to it)."""
    if not totals:
        return None
    values = [round(t.net_cents / 100, 2) for t in totals]
    fig = go.Figure(
        go.Bar(
            x=[t.aco_id for t in totals],
            y=values,
            marker_color=[GREEN if v >= 0 else RED for v in values],
            customdata=[money(t.net_cents / 100) for t in totals],
            hovertemplate="%{x}: %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 30, "b": 60},
        font=FONT,
        plot_bgcolor="white",
        showlegend=False,
        xaxis={"type": "category", "title": {"text": "ACO"}},
        yaxis={
            "title": {"text": "Net paid to Preferred Providers (US$)"},
            "separatethousands": True,
            "tickprefix": "$",
            "zeroline": True,
        },
    )
    return figure_json(fig)
