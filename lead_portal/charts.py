"""What every Plotly figure of the portal shares, whichever app builds it: each ``charts.py`` returns
``figure_json(fig)``, the figure as ``static/js/charts.js`` draws it.

Every axis sizes the plot's margin to its own tick labels (``automargin``) and keeps its title
``AXIS_TITLE_STANDOFF`` px clear of them (``title.standoff``, which Plotly honours only with automargin),
so a long tick label ("$1.5M", a TIN, a rotated category) never runs into the axis title, whatever the
margins a figure asks for.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

FONT = {"family": "Open Sans, Helvetica, Arial, sans-serif", "size": 13}
AXIS_TITLE_STANDOFF = 12  # px between an axis's tick labels and its title


def _clear_axis(axis: Any) -> None:
    axis.automargin = True
    if axis.title.text:
        axis.title.standoff = AXIS_TITLE_STANDOFF


def figure_json(fig: go.Figure) -> dict[str, Any]:
    """``fig`` as the page's JSON, every axis (of every subplot) clear of its title."""
    fig.for_each_xaxis(_clear_axis)
    fig.for_each_yaxis(_clear_axis)
    return fig.to_plotly_json()
