"""Plotly figures of the dual-eligible dashboard, from already-computed figures.
Every figure has a data table next to it on the page with the same numbers."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from lead_portal.charts import figure_json

FONT = {"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13}
# Full-benefit duals dark blue, partial-benefit light blue, not dual gray; the bars are also labelled,
# so the colour is never the only way to tell them apart.
COLOURS = {"full": "#205493", "partial": "#4aa3df", "none": "#5c5c5c"}


def comparison_figure(
    groups: list[str], labels: list[str], values: list[float | None], *, y_title: str, value_format: str
) -> dict[str, Any]:
    """One bar per group (full, partial, not dual) for one measure, each bar labelled with its value
    (``value_format``: a d3 format such as "$,.2f" or ",.1f"). A missing value (no member-months) has
    no bar."""
    ys = [v if v is not None else 0 for v in values]
    text = ["no member-months" if v is None else "" for v in values]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=ys,
            marker_color=[COLOURS.get(g, COLOURS["none"]) for g in groups],
            texttemplate=[t if t else f"%{{y:{value_format}}}" for t in text],
            textposition="outside",
            hovertemplate=f"%{{x}}: %{{y:{value_format}}}<extra></extra>",
        )
    )
    fig.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        yaxis={"title": {"text": y_title}, "separatethousands": True, "rangemode": "tozero"},
        xaxis={"type": "category", "automargin": True},
        showlegend=False,
        font=FONT,
        plot_bgcolor="white",
    )
    return figure_json(fig)
