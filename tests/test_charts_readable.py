"""Charts people can read: every axis title clear of its tick labels (the shared ``figure_json``), the
quality decile strips worse to better from left to right whichever way a measure runs, with their
D1–D9 labels drawn in full, and the PDF's settlement waterfall with each bar's value on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from django.conf import settings
from reportlab.graphics.shapes import String

from apps.performance import report_charts
from apps.quality.charts import decile_labels, deciles_figure
from lead_portal.charts import AXIS_TITLE_STANDOFF, figure_json

ROOT = Path(settings.BASE_DIR)


def axes(figure: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in figure["layout"].items() if k.startswith(("xaxis", "yaxis"))}


def test_every_axis_title_stands_clear_of_the_tick_labels() -> None:
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    fig.update_layout(xaxis={"title": {"text": "TIN"}}, yaxis={"title": {"text": "Aligned beneficiaries"}})
    laid = axes(figure_json(fig))
    assert laid["xaxis"]["automargin"] is True and laid["yaxis"]["automargin"] is True
    assert laid["xaxis"]["title"]["standoff"] == AXIS_TITLE_STANDOFF == laid["yaxis"]["title"]["standoff"]


def test_every_chart_module_returns_its_figures_through_the_shared_helper() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "apps").rglob("*.py"))
        if "to_plotly_json()" in p.read_text(encoding="utf-8")
    ]
    assert not offenders, f"return figure_json(fig) (lead_portal.charts) instead: {offenders}"


CUTS = [13.43, 14.01, 14.42, 14.74, 15.07, 15.38, 15.74, 16.12, 16.71]


def measure(higher_is_better: bool, rate: float | None = 10.08) -> dict[str, Any]:
    return {
        "name": "All-condition readmission (ACR)",
        "unit": "% of index stays readmitted",
        "deciles": CUTS,
        "rate": rate,
        "higher_is_better": higher_is_better,
        "points": 100.0,
    }


def test_decile_labels_run_from_the_worst_side() -> None:
    # Higher is better: the lowest cut point is the first one out of the worst decile.
    assert decile_labels(CUTS, higher_is_better=True) == [f"D{k}" for k in range(1, 10)]
    # Lower is better: a rate at or under 16.71 (the highest cut) leaves the worst decile, so it is D1.
    assert decile_labels(CUTS, higher_is_better=False) == ["D9", "D8", "D7", "D6", "D5", "D4", "D3", "D2", "D1"]


def test_a_lower_is_better_strip_reads_worse_to_better_left_to_right() -> None:
    figure = deciles_figure([measure(higher_is_better=False)])
    cuts = figure["data"][0]
    xaxis = figure["layout"]["xaxis"]
    low, high = xaxis["range"]
    assert low > high  # reversed: the largest (worst) value on the left
    # Left to right (descending values): D1 … D9, as the caption says.
    ordered = [label for _, label in sorted(zip(cuts["x"], cuts["text"], strict=True), reverse=True)]
    assert ordered == [f"D{k}" for k in range(1, 10)]
    assert xaxis["title"]["text"] == "% of index stays readmitted (lower is better →)"
    # The ACO's 10.08 is better than every cut point: right of D9, inside the range.
    assert high < 10.08 < min(CUTS)


def test_a_higher_is_better_strip_reads_worse_to_better_left_to_right() -> None:
    figure = deciles_figure([measure(higher_is_better=True, rate=None)])
    cuts = figure["data"][0]
    low, high = figure["layout"]["xaxis"]["range"]
    assert low < high
    assert [label for _, label in sorted(zip(cuts["x"], cuts["text"], strict=True))] == [f"D{k}" for k in range(1, 10)]
    assert figure["layout"]["xaxis"]["title"]["text"] == "% of index stays readmitted (higher is better →)"


def test_the_decile_labels_are_not_clipped() -> None:
    figure = deciles_figure([measure(higher_is_better=False), measure(higher_is_better=True)])
    labelled = [t for t in figure["data"] if t.get("text")]
    assert len(labelled) == 2
    for trace in labelled:
        assert trace["cliponaxis"] is False  # drawn in full even where they pass the strip's edge
        assert trace["textposition"] == "top center"
    # The labels sit above the tick marks (y 0) inside each strip's range.
    assert figure["layout"]["yaxis"]["range"][1] >= 2 and figure["layout"]["yaxis2"]["range"][1] >= 2


# --- the PDF's waterfall -------------------------------------------------------------------------
LINES = [
    {"label": "Benchmark", "amount": 13_920_000.0, "kind": "total"},
    {"label": "Quality withhold", "amount": -417_600.0, "kind": "step"},
    {"label": "Withhold earned back", "amount": 334_080.0, "kind": "step"},
    {"label": "Expenditure", "amount": -9_000_000.0, "kind": "step"},
    {"label": "Gross savings", "amount": 4_836_480.0, "kind": "total"},
    {"label": "CMS share", "amount": -1_374_240.0, "kind": "step"},
    {"label": "Sequestration", "amount": -69_244.8, "kind": "step"},
    {"label": "Estimated settlement", "amount": 3_392_995.2, "kind": "total"},
]


def strings(drawing: Any) -> list[String]:
    found: list[String] = []
    for item in drawing.contents:
        if isinstance(item, String):
            found.append(item)
    return found


def test_the_pdf_waterfall_prints_each_bar_value() -> None:
    drawing = report_charts.waterfall_chart({"settlement": {"lines": LINES}})
    assert drawing is not None
    texts = [s.text for s in strings(drawing)]
    expected = ["$13.9M", "-$418K", "+$334K", "-$9.0M", "$4.8M", "-$1.4M", "-$69K", "$3.4M"]
    assert [t for t in texts if t in expected] == expected


def test_a_bar_value_sits_above_what_adds_and_below_what_takes_away() -> None:
    drawing = report_charts.waterfall_chart({"settlement": {"lines": LINES}})
    assert drawing is not None
    chart = next(c for c in drawing.contents if hasattr(c, "valueAxis"))
    low, high = chart.valueAxis.valueMin, chart.valueAxis.valueMax

    def y_of(value: float) -> float:
        return chart.y + (value - low) / (high - low) * chart.height

    labels = {s.text: s for s in strings(drawing)}
    # The benchmark level's bar tops out at 13.92M: its value just above.
    assert y_of(13_920_000) < labels["$13.9M"].y <= y_of(13_920_000) + 4
    # The expenditure change runs from 13,836,480 down to 4,836,480: its value just under the bottom.
    assert labels["-$9.0M"].y < y_of(4_836_480)
    # Centred on its bar: the 4th of 8 slots.
    assert labels["-$9.0M"].x == chart.x + 3.5 * chart.width / 8
    # Every label inside the drawing.
    assert all(0 <= s.y <= drawing.height for s in strings(drawing))


def test_a_loss_level_prints_its_value_under_the_bar() -> None:
    lines = [
        {"label": "Benchmark", "amount": 100.0, "kind": "total"},
        {"label": "Expenditure", "amount": -150.0, "kind": "step"},
        {"label": "Settlement", "amount": -50.0, "kind": "total"},
    ]
    assert report_charts.waterfall_extents(lines) == [(0, 100), (-50, 100), (-50, 0)]
    assert [report_charts.waterfall_value_label(line) for line in lines] == ["$100", "-$150", "-$50"]
