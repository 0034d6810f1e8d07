"""Plotly figures for the BE/BEI pages, from already-computed figures. Every
figure sits beside a data table with the same numbers."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from lead_portal.charts import figure_json

FONT = {"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13}
CLAIMS = "#0071bc"
BENEFICIARIES = "#02bfe7"
DELIVERIES = "#2e8540"


def usage_figure(
    months: list[str], claims: list[int], beneficiaries: list[int], deliveries: list[int]
) -> dict[str, Any]:
    """Per month: claims that used the Benefit Enhancement and their beneficiaries (bars), and the
    deliveries the ACO logged (a line), on one count axis."""
    fig = go.Figure(
        [
            go.Bar(
                name="Claims that used it",
                x=months,
                y=claims,
                marker_color=CLAIMS,
                hovertemplate="%{x}: %{y:,} claims<extra></extra>",
            ),
            go.Bar(
                name="Beneficiaries",
                x=months,
                y=beneficiaries,
                marker_color=BENEFICIARIES,
                hovertemplate="%{x}: %{y:,} beneficiaries<extra></extra>",
            ),
            go.Scatter(
                name="Deliveries logged",
                x=months,
                y=deliveries,
                mode="lines+markers",
                line={"color": DELIVERIES, "width": 2},
                hovertemplate="%{x}: %{y:,} deliveries logged<extra></extra>",
            ),
        ]
    )
    fig.update_xaxes(categoryorder="array", categoryarray=months)
    fig.update_layout(
        height=320,
        barmode="group",
        margin={"l": 10, "r": 10, "t": 30, "b": 60},
        # Counts are whole: no 0.2 ticks on a small year (a tick every 1 up to 5, then Plotly's own).
        yaxis={
            "title": {"text": "Count"},
            "separatethousands": True,
            "rangemode": "tozero",
            "tickformat": ",d",
            **({"dtick": 1} if max([*claims, *beneficiaries, *deliveries, 0]) <= 5 else {}),
        },
        xaxis={"type": "category", "automargin": True},
        legend={"orientation": "h", "y": 1.15},
        font=FONT,
        plot_bgcolor="white",
    )
    return figure_json(fig)
