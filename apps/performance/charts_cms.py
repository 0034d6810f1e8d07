"""Plotly figures for the CMS comparison of all ACOs, from the comparison rows.
Every figure here has its numbers in a table on the same page and in the page's CSV download."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from lead_portal.charts import figure_json

from .selectors_cms import ComparisonRow

FONT = {"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13}
GAIN_COLOUR = "#12890e"  # the ACO is paid
LOSS_COLOUR = "#b50909"  # the ACO owes
POINT_COLOUR = "#0071bc"
LINE_COLOUR = "#5c5c5c"


def settlement_figure(rows: list[ComparisonRow]) -> dict[str, Any] | None:
    """Estimated settlement by ACO, as horizontal bars (largest payment at the top)."""
    points = [(r.aco_id, r.values["settlement"]) for r in rows if r.values["settlement"] is not None]
    if not points:
        return None
    points.sort(key=lambda p: p[1])
    fig = go.Figure(
        go.Bar(
            x=[v for _, v in points],
            y=[a for a, _ in points],
            orientation="h",
            marker={"color": [GAIN_COLOUR if v >= 0 else LOSS_COLOUR for _, v in points]},
            hovertemplate="%{y}: $%{x:,.0f} (estimate)<extra></extra>",
        )
    )
    fig.update_layout(
        height=max(220, 36 * len(points) + 100),
        margin={"l": 70, "r": 20, "t": 20, "b": 50},
        font=FONT,
        plot_bgcolor="white",
        xaxis={"title": {"text": "Estimated settlement ($): paid to the ACO (+) or owed (−)"}, "tickformat": "$,.0f"},
        yaxis={"type": "category"},
    )
    fig.add_vline(x=0, line_color=LINE_COLOUR, line_width=1)
    return figure_json(fig)


def pbpm_figure(rows: list[ComparisonRow]) -> dict[str, Any] | None:
    """Each ACO's PBPM against its benchmark PBPM; points below the diagonal spend less than the
    benchmark (savings)."""
    points = [
        (r.aco_id, r.values["benchmark_pbpm"], r.values["pbpm"])
        for r in rows
        if r.values["pbpm"] is not None and r.values["benchmark_pbpm"] is not None
    ]
    if not points:
        return None
    values = [v for _, b, p in points for v in (b, p)]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or max(high * 0.1, 1)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[low - pad, high + pad],
            y=[low - pad, high + pad],
            mode="lines",
            line={"color": LINE_COLOUR, "dash": "dash", "width": 1},
            name="PBPM = benchmark",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[b for _, b, _ in points],
            y=[p for _, _, p in points],
            mode="markers+text",
            text=[a for a, _, _ in points],
            textposition="top center",
            marker={"size": 11, "color": POINT_COLOUR},
            name="ACO",
            hovertemplate="%{text}: PBPM $%{y:,.2f}, benchmark $%{x:,.2f} (estimates)<extra></extra>",
        )
    )
    fig.update_layout(
        height=420,
        margin={"l": 70, "r": 20, "t": 20, "b": 60},
        font=FONT,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.08},
        xaxis={
            "title": {"text": "Benchmark PBPM ($, estimate)"},
            "tickformat": "$,.0f",
            "range": [low - pad, high + pad],
        },
        yaxis={"title": {"text": "PBPM ($, estimate)"}, "tickformat": "$,.0f", "range": [low - pad, high + pad]},
    )
    return figure_json(fig)
