"""Plotly figures for the rural add-on pages, from stored rural-run rows.
Every figure has a data table next to it on the page with the same numbers."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from lead_portal.charts import figure_json

FONT = {"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13}
PRIMARY = "#0071bc"
PROJECTED = "#a6a6a6"
RURAL = "#2e8540"
URBAN = "#5c5c5c"


def _layout(fig: go.Figure, *, y_title: str, height: int = 340, **extra: Any) -> dict[str, Any]:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 60},
        yaxis={"title": {"text": y_title}, "separatethousands": True, "rangemode": "tozero"},
        xaxis={"type": "category", "automargin": True},
        legend={"orientation": "h", "y": 1.12},
        font=FONT,
        plot_bgcolor="white",
        **extra,
    )
    return figure_json(fig)


def tins_by_state_figure(states: list[str], rural: list[int], other: list[int]) -> dict[str, Any]:
    """Stacked bars per state: the ACO's rural Participant TINs and the others (urban or unknown)."""
    fig = go.Figure(
        [
            go.Bar(
                name="Rural", x=states, y=rural, marker_color=RURAL, hovertemplate="%{x}: %{y} rural<extra></extra>"
            ),
            go.Bar(
                name="Urban or unknown",
                x=states,
                y=other,
                marker_color=URBAN,
                hovertemplate="%{x}: %{y} urban or unknown<extra></extra>",
            ),
        ]
    )
    return _layout(fig, y_title="Participant TINs", barmode="stack")


def categories_figure(labels: list[str], counts: list[int], via_rural: list[int]) -> dict[str, Any]:
    """Aligned beneficiaries by the RUCA category of their ZIP, and those aligned through a rural TIN."""
    fig = go.Figure(
        [
            go.Bar(name="All aligned", x=labels, y=counts, marker_color=PRIMARY),
            go.Bar(name="Aligned through a rural TIN", x=labels, y=via_rural, marker_color=RURAL),
        ]
    )
    return _layout(fig, y_title="Beneficiaries", barmode="group")


def schedule_figure(months: list[str], amounts: list[float], kinds: list[str]) -> dict[str, Any]:
    """Monthly add-on payments: paid-on-actuals months in blue, projected months in gray."""
    traces = []
    for kind, name, colour in (("actual", "Actual", PRIMARY), ("projected", "Projected", PROJECTED)):
        xs = [m for m, k in zip(months, kinds, strict=True) if k == kind]
        ys = [a for a, k in zip(amounts, kinds, strict=True) if k == kind]
        if xs:
            traces.append(
                go.Bar(
                    name=name,
                    x=xs,
                    y=ys,
                    marker_color=colour,
                    hovertemplate=f"%{{x}}: $%{{y:,.2f}} ({kind})<extra></extra>",
                )
            )
    fig = go.Figure(traces)
    fig.update_xaxes(categoryorder="array", categoryarray=months)
    return _layout(fig, y_title="Add-on payment (US$)", height=360, barmode="overlay")
