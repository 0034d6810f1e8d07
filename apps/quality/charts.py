"""Plotly figures for the quality pages, from stored results (DESIGN.md: charts.py)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

FONT = {"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13}
ACO_COLOUR = "#0071bc"
CUT_COLOUR = "#5c5c5c"


def deciles_figure(measures: list[dict[str, Any]]) -> dict[str, Any]:
    """One strip per measure: the decile cut points of the PY and the ACO's rate.

    ``measures``: dicts with ``name``, ``unit``, ``deciles`` (9 ascending cut points), ``rate``,
    ``higher_is_better`` and ``points``."""
    fig = make_subplots(rows=len(measures), cols=1, subplot_titles=[m["name"] for m in measures], vertical_spacing=0.12)
    for i, m in enumerate(measures, start=1):
        cuts = m["deciles"]
        fig.add_trace(
            go.Scatter(
                x=cuts,
                y=[0] * len(cuts),
                mode="markers+text",
                marker={"symbol": "line-ns-open", "size": 18, "color": CUT_COLOUR},
                text=[f"D{k}" for k in range(1, len(cuts) + 1)],
                textposition="bottom center",
                hovertemplate="decile cut point %{text}: %{x}<extra></extra>",
                showlegend=False,
            ),
            row=i,
            col=1,
        )
        if m["rate"] is not None:
            fig.add_trace(
                go.Scatter(
                    x=[m["rate"]],
                    y=[0],
                    mode="markers",
                    marker={"symbol": "diamond", "size": 16, "color": ACO_COLOUR},
                    name="This ACO",
                    hovertemplate=f"This ACO: %{{x:.2f}} {m['unit']} ({m['points'] or 0:.0f} points)<extra></extra>",
                    showlegend=i == 1,
                ),
                row=i,
                col=1,
            )
        values = [*cuts, *([m["rate"]] if m["rate"] is not None else [])]
        low, high = min(values), max(values)
        pad = (high - low) * 0.08 or 1
        axis_range = [low - pad, high + pad] if m["higher_is_better"] else [high + pad, low - pad]
        fig.update_xaxes(range=axis_range, title_text=f"{m['unit']} (better →)", row=i, col=1)
        fig.update_yaxes(visible=False, range=[-1, 1], row=i, col=1)
    fig.update_layout(
        height=130 * len(measures) + 60,
        margin={"l": 20, "r": 20, "t": 40, "b": 30},
        font=FONT,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.08},
    )
    return fig.to_plotly_json()


def trend_figure(labels: list[str], series: dict[str, list[float | None]]) -> dict[str, Any]:
    """Small multiples: each measure's rate across quality runs."""
    names = list(series)
    fig = make_subplots(rows=len(names), cols=1, shared_xaxes=True, subplot_titles=names, vertical_spacing=0.08)
    for i, name in enumerate(names, start=1):
        fig.add_trace(
            go.Scatter(x=labels, y=series[name], mode="lines+markers", line={"color": ACO_COLOUR}, showlegend=False),
            row=i,
            col=1,
        )
    fig.update_xaxes(type="category")
    fig.update_layout(
        height=150 * len(names) + 40, margin={"l": 40, "r": 20, "t": 40, "b": 40}, font=FONT, plot_bgcolor="white"
    )
    return fig.to_plotly_json()
