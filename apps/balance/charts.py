"""Plotly figures of the GLP-1 pages, from already-computed figures (``selectors_dashboard``). Every figure has a
data table beside it on the page with the same numbers, a title on each axis with its unit, and labels on the
bars or points so colour is never the only way to tell series apart."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from lead_portal.charts import FONT, figure_json

BLUE, RED, GOLD, GREEN, GRAY, PURPLE, CYAN = "#0071bc", "#e31c3d", "#fdb81e", "#2e8540", "#5c5c5c", "#4c2c92", "#02bfe7"
SERIES = (BLUE, RED, GOLD, GREEN, PURPLE, CYAN)
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def _layout(fig: go.Figure, *, x_title: str, y_title: str, height: int = 360, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 60},
        "font": FONT,
        "plot_bgcolor": "white",
        "legend": {"orientation": "h", "y": 1.14},
    }
    layout.update(extra)
    xaxis = {"title": {"text": x_title}, "automargin": True, **layout.pop("xaxis", {})}
    yaxis = {"title": {"text": y_title}, "automargin": True, **layout.pop("yaxis", {})}
    fig.update_layout(xaxis=xaxis, yaxis=yaxis, **layout)
    return figure_json(fig)


def funnel_figure(labels: list[str], values: list[int], notes: list[str]) -> dict[str, Any]:
    """The funnel: one horizontal bar per stage, top to bottom, each labelled with its count."""
    fig = go.Figure(
        go.Bar(
            x=values, y=labels, orientation="h", marker_color=[BLUE, BLUE, GREEN, GOLD, GOLD][: len(values)],
            text=[f"{v:,}" for v in values], textposition="outside", cliponaxis=False, customdata=notes,
            hovertemplate="%{y}: %{x:,} beneficiaries<br>%{customdata}<extra></extra>",
        )
    )  # fmt: skip
    return _layout(
        fig,
        x_title="Beneficiaries",
        y_title="Stage",
        showlegend=False,
        xaxis={"rangemode": "tozero", "separatethousands": True},
        yaxis={"type": "category", "autorange": "reversed"},
    )


def persistence_figure(
    days: list[int], curves: dict[str, list[float | None]], at_risk: dict[str, list[int]] | None = None
) -> dict[str, Any]:
    """Kaplan–Meier share of starters still on therapy by days since start, one line per product (the last, all
    products, in gray), with the starters still followed each day in the hover when ``at_risk`` is given. A day
    no starter of a product has been followed to has no point."""
    names = list(curves)
    traces = []
    for i, name in enumerate(names):
        everyone = i == len(names) - 1 and len(names) > 1
        followed = (at_risk or {}).get(name)
        traces.append(
            go.Scatter(
                name=name, x=days, y=curves[name], mode="lines+markers", connectgaps=False, customdata=followed,
                line={"color": GRAY if everyone else SERIES[i % len(SERIES)], "dash": DASHES[i % len(DASHES)],
                      "width": 3 if everyone else 2},
                hovertemplate=f"{name}, day %{{x}}: %{{y:.1f}}% still on therapy (Kaplan–Meier)"
                + (" — %{customdata:,} at risk" if followed is not None else "") + "<extra></extra>",
            )
        )  # fmt: skip
    return _layout(
        go.Figure(traces),
        x_title="Days since therapy start",
        y_title="Still on therapy (%)",
        xaxis={"tickmode": "array", "tickvals": days, "range": [min(days) - 5, max(days) + 5]},
        yaxis={"range": [0, 105], "ticksuffix": "%"},
    )


def money_bars_figure(labels: list[str], dollars: list[float | None], *, y_title: str, x_title: str) -> dict[str, Any]:
    """Amounts in US$ as bars, each labelled with its value."""
    colours = [BLUE, GOLD, GREEN, GRAY]
    fig = go.Figure(
        go.Bar(
            x=labels, y=[d or 0 for d in dollars], marker_color=[colours[i % len(colours)] for i in range(len(labels))],
            texttemplate=["—" if d is None else "$%{y:,.2f}" for d in dollars], textposition="outside",
            cliponaxis=False, hovertemplate="%{x}: $%{y:,.2f}<extra></extra>",
        )
    )  # fmt: skip
    return _layout(
        fig,
        x_title=x_title,
        y_title=y_title,
        showlegend=False,
        xaxis={"type": "category"},
        yaxis={"rangemode": "tozero", "tickprefix": "$", "separatethousands": True},
    )


def tin_figure(tins: list[str], eligible: list[int], treated: list[int]) -> dict[str, Any]:
    """Per aligning TIN: eligible beneficiaries and those started, side by side."""
    fig = go.Figure(
        [
            go.Bar(
                name="Eligible (likely, to confirm or started)", x=tins, y=eligible, marker_color=BLUE,
                hovertemplate="TIN %{x}: %{y:,} eligible<extra></extra>",
            ),
            go.Bar(
                name="Started on the Bridge", x=tins, y=treated, marker_color=GREEN,
                hovertemplate="TIN %{x}: %{y:,} started<extra></extra>",
            ),
        ]
    )  # fmt: skip
    return _layout(
        fig,
        x_title="Aligning TIN (or CCN)",
        y_title="Beneficiaries",
        barmode="group",
        xaxis={"type": "category"},
        yaxis={"rangemode": "tozero", "separatethousands": True},
    )


def status_figure(labels: list[str], values: list[int]) -> dict[str, Any]:
    """Aligned beneficiaries by GLP-1 status, each bar labelled with its count."""
    fig = go.Figure(
        go.Bar(
            x=labels, y=values, marker_color=[SERIES[i % len(SERIES)] for i in range(len(values))],
            text=[f"{v:,}" for v in values], textposition="outside", cliponaxis=False,
            hovertemplate="%{x}: %{y:,} beneficiaries<extra></extra>",
        )
    )  # fmt: skip
    return _layout(
        fig,
        x_title="Status",
        y_title="Beneficiaries",
        showlegend=False,
        xaxis={"type": "category"},
        yaxis={"rangemode": "tozero", "separatethousands": True},
    )


def aco_comparison_figure(
    acos: list[str], share_treated: list[float | None], share_adherent_90: list[float | None]
) -> dict[str, Any]:
    """Per ACO: the share of eligible beneficiaries started, and the share of observed starters adherent at
    90 days, in % (an ACO with no base for a share has no bar)."""
    fig = go.Figure(
        [
            go.Bar(
                name="Started (% of eligible)", x=acos, y=share_treated, marker_color=BLUE,
                hovertemplate="%{x}: %{y:.1f}% of eligible started<extra></extra>",
            ),
            go.Bar(
                name="Adherent at 90 days (% of starters observed 90 days)", x=acos, y=share_adherent_90,
                marker_color=GREEN, hovertemplate="%{x}: %{y:.1f}% adherent at 90 days<extra></extra>",
            ),
        ]
    )  # fmt: skip
    return _layout(
        fig,
        x_title="ACO",
        y_title="Share (%)",
        barmode="group",
        xaxis={"type": "category"},
        yaxis={"range": [0, 105], "ticksuffix": "%"},
    )
