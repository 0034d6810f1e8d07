"""The planning-phase timeline: a Plotly Gantt chart of the milestones.

One horizontal bar per milestone from its start to its end (``go.Bar`` with ``base`` dates, what
``plotly.express.timeline`` draws without needing pandas), model-wide milestones first and then
each state's. Bars are coloured by status, and the status is also written in each bar's label and
hover text, so colour never carries the meaning alone. Vertical lines mark the planning phase's
bounds and today. The page puts the same rows in a data table next to the chart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from lead_portal.charts import figure_json

from ..models import PLANNING_END, PLANNING_START, Milestone
from .selectors import TimelineRow

FONT = {"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13}
# CMS design system colours with enough contrast against white; status is also in the text.
STATUS_COLOURS = {
    Milestone.Status.PLANNED: "#5c5c5c",
    Milestone.Status.IN_PROGRESS: "#0071bc",
    Milestone.Status.DONE: "#2e8540",
}
DAY_MS = 86_400_000


def _duration_ms(start: str, end: str) -> int:
    """A milestone covers its end day too: a one-day milestone is one day long."""
    days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1
    return days * DAY_MS


def row_label(row: TimelineRow) -> str:
    """The y-axis label: the group and the milestone (a state's milestone names the state)."""
    return f"{row.state_code}: {row.title}" if row.state_code else f"Model-wide: {row.title}"


def timeline_figure(rows: Sequence[TimelineRow], *, today: dt.date) -> dict[str, Any]:
    """The Gantt figure as Plotly JSON. ``rows`` come in display order (top to bottom)."""
    labels = [row_label(r) for r in rows]
    traces = []
    for status in Milestone.Status:
        mine = [(label, r) for label, r in zip(labels, rows, strict=True) if r.status == status]
        if not mine:
            continue
        traces.append(
            go.Bar(
                name=str(status.label),
                orientation="h",
                y=[label for label, _ in mine],
                base=[r.start for _, r in mine],
                x=[_duration_ms(r.start, r.end) for _, r in mine],
                marker_color=STATUS_COLOURS[status],
                text=[str(status.label) for _ in mine],
                textposition="inside",
                insidetextanchor="start",
                customdata=[[r.start, r.end, r.group] for _, r in mine],
                hovertemplate=(
                    "%{y}<br>%{customdata[0]} to %{customdata[1]}<br>" + f"Status: {status.label}<extra></extra>"
                ),
            )
        )
    fig = go.Figure(traces)
    lines = [
        (PLANNING_START.isoformat(), "Planning phase starts", "dash"),
        (PLANNING_END.isoformat(), "Planning phase ends", "dash"),
        (today.isoformat(), f"Today ({today.isoformat()})", "dot"),
    ]
    # Each label sits on its own side of its line, so the end-of-phase one stays inside the figure;
    # today's too when it falls outside the phase (at an edge of the range).
    anchors = {PLANNING_START.isoformat(): "left", PLANNING_END.isoformat(): "right"}
    today_anchor = "right" if today > PLANNING_END else "left" if today < PLANNING_START else "center"
    for day, text, dash in lines:
        fig.add_shape(
            type="line",
            xref="x",
            yref="paper",
            x0=day,
            x1=day,
            y0=0,
            y1=1,
            line={"color": "#212121", "width": 1, "dash": dash},
        )
        fig.add_annotation(
            x=day,
            y=1,
            xref="x",
            yref="paper",
            text=text,
            showarrow=False,
            yanchor="bottom",
            xanchor=today_anchor if dash == "dot" else anchors[day],
            yshift=16 if dash == "dot" else 0,  # today a line higher: it may fall near the start
            font={"size": 11},
        )
    fig.update_layout(
        template="none",  # no theme colours to carry in the page's JSON; ours are set here
        barmode="overlay",
        height=max(260, 60 + 34 * len(rows)),
        margin={"l": 10, "r": 10, "t": 66, "b": 70},
        xaxis={
            "type": "date",
            # The planning phase, and today when it falls outside it (the demo's date is after it).
            "range": [
                (min(PLANNING_START, today) - dt.timedelta(days=15)).isoformat(),
                (max(PLANNING_END, today) + dt.timedelta(days=15)).isoformat(),
            ],
        },
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels,
            "autorange": "reversed",
            "automargin": True,
        },
        legend={"orientation": "h", "y": -0.12, "yanchor": "top", "title": {"text": "Status"}},
        font=FONT,
        plot_bgcolor="white",
    )
    return figure_json(fig)
