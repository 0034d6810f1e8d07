"""Plotly figures for alignment pages, built from already-computed rows."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from lead_portal.charts import figure_json

from .explain import entity_label

# CMS Design System colours: the winning entity in primary blue, the others in gray.
WINNER = "#0071bc"
OTHER = "#a6a6a6"


def competitors_figure(competitors: list[dict[str, Any]], names: dict[str, str], *, aco_id: str) -> dict[str, Any]:
    """Horizontal bars of weighted charges per competing entity, the winner on top."""
    labels = [entity_label(c, names) for c in competitors]
    values = [c["weighted_cents"] / 100 for c in competitors]
    colours = [WINNER if c["kind"] == "aco" and c["key"] == aco_id else OTHER for c in competitors]
    fig = go.Figure(
        go.Bar(
            x=values[::-1],
            y=labels[::-1],
            orientation="h",
            marker_color=colours[::-1],
            hovertemplate="%{y}: $%{x:,.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        height=80 + 40 * len(competitors),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis={"title": {"text": "Weighted allowed charges (US$)"}, "tickprefix": "$", "separatethousands": True},
        yaxis={"automargin": True},
        font={"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13},
        plot_bgcolor="white",
    )
    return figure_json(fig)


def counts_figure(labels: list[str], series: dict[str, list[int]]) -> dict[str, Any]:
    """Stacked bars (e.g. aligned beneficiaries per TIN by cohort)."""
    palette = ["#0071bc", "#02bfe7", "#2e8540", "#fdb81e", "#981b1e"]
    fig = go.Figure(
        [
            go.Bar(name=name, x=labels, y=values, marker_color=palette[i % len(palette)])
            for i, (name, values) in enumerate(series.items())
        ]
    )
    fig.update_layout(
        barmode="stack",
        height=360,
        margin={"l": 10, "r": 10, "t": 10, "b": 80},
        yaxis={"title": {"text": "Aligned beneficiaries"}, "separatethousands": True},
        xaxis={"type": "category"},
        legend={"orientation": "h", "y": 1.12},
        font={"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13},
        plot_bgcolor="white",
    )
    return figure_json(fig)
