"""Plotly figures for the quality pages, from stored results."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lead_portal.charts import figure_json

FONT = {"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13}
ACO_COLOUR = "#0071bc"
CUT_COLOUR = "#5c5c5c"


def decile_labels(cuts: list[float], *, higher_is_better: bool) -> list[str]:
    """The name of each cut point (ascending), from the worst side: reaching D1 leaves the worst decile,
    reaching D9 enters the best. For a lower-is-better measure the highest cut point is D1."""
    count = len(cuts)
    if higher_is_better:
        return [f"D{k}" for k in range(1, count + 1)]
    return [f"D{count + 1 - k}" for k in range(1, count + 1)]


def deciles_figure(measures: list[dict[str, Any]]) -> dict[str, Any]:
    """One strip per measure: the decile cut points of the PY and the ACO's rate, worse to better from
    left to right whichever way the measure runs (a lower-is-better measure's axis is reversed, its
    largest cut point D1 on the left), as the page's caption says.

    ``measures``: dicts with ``name``, ``unit``, ``deciles`` (9 ascending cut points), ``rate``,
    ``higher_is_better`` and ``points``."""
    # Each strip 80 px high with 110 px between strips: room for its tick values, its axis title and
    # the next strip's title.
    strip, gap, top, bottom = 80, 110, 60, 60
    height = len(measures) * (strip + gap) - gap + top + bottom
    fig = make_subplots(
        rows=len(measures),
        cols=1,
        subplot_titles=[m["name"] for m in measures],
        vertical_spacing=gap / (height - top - bottom) if len(measures) > 1 else 0,
    )
    for i, m in enumerate(measures, start=1):
        cuts = m["deciles"]
        better = "higher" if m["higher_is_better"] else "lower"
        fig.add_trace(
            go.Scatter(
                x=cuts,
                y=[0] * len(cuts),
                mode="markers+text",
                marker={"symbol": "line-ns-open", "size": 18, "color": CUT_COLOUR},
                text=decile_labels(cuts, higher_is_better=m["higher_is_better"]),
                # Above the tick mark, and drawn even where it reaches past the strip's plot area.
                textposition="top center",
                cliponaxis=False,
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
                    cliponaxis=False,
                    name="This ACO",
                    hovertemplate=f"This ACO: %{{x:.2f}} {m['unit']} ({m['points'] or 0:.0f} points)<extra></extra>",
                    showlegend=False,  # the caption names the diamond
                ),
                row=i,
                col=1,
            )
        values = [*cuts, *([m["rate"]] if m["rate"] is not None else [])]
        low, high = min(values), max(values)
        pad = (high - low) * 0.08 or 1
        axis_range = [low - pad, high + pad] if m["higher_is_better"] else [high + pad, low - pad]
        fig.update_xaxes(range=axis_range, title_text=f"{m['unit']} ({better} is better →)", row=i, col=1)
        fig.update_yaxes(visible=False, range=[-1, 2], row=i, col=1)
    fig.update_layout(
        height=height,
        margin={"l": 30, "r": 30, "t": top, "b": bottom},
        font=FONT,
        plot_bgcolor="white",
        showlegend=False,
    )
    return figure_json(fig)


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
    return figure_json(fig)
