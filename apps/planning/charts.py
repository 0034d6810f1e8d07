"""The planner's Plotly figures. Each has a data table beside it on the page with the same numbers, a title
on each axis with its unit, and labels in the legend so colour is never the only way to tell series apart."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from lead_portal.charts import FONT, figure_json

from .money import Outcome

BLUE, GRAY = "#0071bc", "#5c5c5c"


def fan_figure(outcome: Outcome, *, title_months: list[str]) -> dict[str, Any]:
    """Cumulative benchmark minus spending through the PY's months: the 5th–95th and 25th–75th percentile
    bands of the draws, their median (dashed), and the months with claims at the sliders' values (solid)."""
    x = title_months
    bands = outcome.bands
    traces = [
        go.Scatter(x=x, y=bands[95], mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False),
        go.Scatter(
            x=x, y=bands[5], mode="lines", line={"width": 0}, fill="tonexty", fillcolor="rgba(0,113,188,0.15)",
            name="5th to 95th percentile", hovertemplate="%{x}: 5th percentile $%{y:,.0f}<extra></extra>",
        ),
        go.Scatter(x=x, y=bands[75], mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False),
        go.Scatter(
            x=x, y=bands[25], mode="lines", line={"width": 0}, fill="tonexty", fillcolor="rgba(0,113,188,0.35)",
            name="25th to 75th percentile", hovertemplate="%{x}: 25th percentile $%{y:,.0f}<extra></extra>",
        ),
        go.Scatter(
            x=x, y=bands[50], mode="lines", line={"color": BLUE, "dash": "dash", "width": 2},
            name="Median of the draws",
            hovertemplate="%{x}: median $%{y:,.0f}<extra></extra>",
        ),
    ]  # fmt: skip
    if outcome.seen:
        traces.append(
            go.Scatter(
                x=x[: outcome.seen], y=list(outcome.actual), mode="lines+markers", line={"color": GRAY, "width": 2},
                name="Months with claims (sliders' values)", hovertemplate="%{x}: $%{y:,.0f}<extra></extra>",
            )
        )  # fmt: skip
    fig = go.Figure(traces)
    fig.add_hline(y=0, line={"color": "#323a45", "width": 1})
    fig.update_layout(
        height=380,
        margin={"l": 10, "r": 10, "t": 30, "b": 60},
        font=FONT,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.16},
        xaxis={"title": {"text": "Month of the performance year"}, "type": "category"},
        yaxis={"title": {"text": "Cumulative benchmark minus spending (US$)"}, "tickformat": "$,.0f"},
    )
    return figure_json(fig)
