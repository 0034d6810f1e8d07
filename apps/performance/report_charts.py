"""The PDF performance report: static charts drawn with ReportLab's own graphics (no browser, no image
export) from the snapshot's document, and the page layout (Platypus).

The dashboard's interactive charts are Plotly figures (``charts.py``); a PDF needs vector drawings that
ReportLab renders in-process in milliseconds, so these three are drawn again here from the same data:

- PBPM against the benchmark PBPM by month (two lines);
- spending by service category (horizontal bars);
- the settlement as a waterfall: a level (benchmark, gross savings, estimated settlement) is a bar from
  zero, a change floats from the running total. Drawn as a stacked bar chart whose first series (the
  running total below the floating bar) is invisible; a change that crosses zero is split into its
  positive and negative parts (ReportLab stacks negative values downwards from zero). Each bar carries
  its value (a level as it is, a change with its sign), above the bar or, for what takes away, below.

Text uses the PDF standard fonts (Helvetica), whose encoding (WinAnsi) covers Latin-1, the en and em
dashes and the middle dot: what the portal's labels use.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

if TYPE_CHECKING:
    from .reports import Table as ReportTable

# CMS design system colours.
PRIMARY = colors.HexColor("#0071bc")
BENCHMARK = colors.HexColor("#e1a100")
LEVEL = colors.HexColor("#205493")
UP = colors.HexColor("#2e8540")
DOWN = colors.HexColor("#e31c3d")
GRID = colors.HexColor("#d6d7d9")
INK = colors.HexColor("#212121")
MUTED = colors.HexColor("#5b616b")
NOTICE_BG = colors.HexColor("#fff1d2")
HEADER_BG = colors.HexColor("#f1f1f1")

PAGE_WIDTH, PAGE_HEIGHT = letter
MARGIN = 0.6 * inch
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
CHART_HEIGHT = 2.6 * inch


def money_short(value: float) -> str:
    """An axis label: $12.3M, $450K, -$900."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 1_000_000:
        text = f"{v / 1_000_000:,.1f}M"
    elif v >= 1_000:
        text = f"{v / 1_000:,.0f}K"
    else:
        text = f"{v:,.0f}"
    return f"{sign}${text}"


def _month_label(month: str) -> str:
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    try:
        year, number = month.split("-")
        return f"{names[int(number) - 1]} {year[2:]}"
    except (ValueError, IndexError):
        return month


def _legend(x: float, y: float, items: Sequence[tuple[Any, str]]) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 110
    legend.dx = legend.dy = 8
    legend.fontName = "Helvetica"
    legend.fontSize = 8
    legend.colorNamePairs = list(items)
    return legend


def _title(drawing: Drawing, text: str) -> None:
    drawing.add(String(0, drawing.height - 12, text, fontName="Helvetica-Bold", fontSize=10, fillColor=INK))


def pbpm_chart(data: Mapping[str, Any], width: float = FRAME_WIDTH, height: float = CHART_HEIGHT) -> Drawing | None:
    """Expenditure PBPM and benchmark PBPM by month (an estimate), or None without months."""
    months = data.get("months") or []
    if not months:
        return None
    drawing = Drawing(width, height)
    _title(drawing, "PBPM against the benchmark by month ($ per beneficiary-month, estimate)")
    chart = HorizontalLineChart()
    chart.x, chart.y = 55, 40
    chart.width, chart.height = width - 75, height - 85
    chart.data = [[m.get("pbpm") for m in months], [m.get("benchmark_pbpm") for m in months]]
    chart.categoryAxis.categoryNames = [_month_label(str(m.get("month", ""))) for m in months]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(months) > 12 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(months) > 12 else "n"
    values = [v for row in chart.data for v in row if v is not None]
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(values) * 1.15 if values and max(values) > 0 else 1
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = money_short
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = GRID
    chart.lines[0].strokeColor = PRIMARY
    chart.lines[0].strokeWidth = 2
    chart.lines[1].strokeColor = BENCHMARK
    chart.lines[1].strokeWidth = 2
    chart.lines[1].strokeDashArray = (4, 2)
    drawing.add(chart)
    drawing.add(_legend(55, height - 24, [(PRIMARY, "Expenditure PBPM"), (BENCHMARK, "Benchmark PBPM")]))
    return drawing


def category_chart(data: Mapping[str, Any], width: float = FRAME_WIDTH, height: float = CHART_HEIGHT) -> Drawing | None:
    """Expenditure by service category (an estimate), or None without categories."""
    categories = data.get("categories") or []
    if not categories:
        return None
    drawing = Drawing(width, height)
    _title(drawing, "Spending by service category ($, estimate)")
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 25
    chart.width, chart.height = width - 175, height - 50
    # Drawn bottom-up: reverse so the first category is at the top, as in the table.
    rows = list(reversed(categories))
    chart.data = [[float(c.get("expenditure") or 0) for c in rows]]
    chart.categoryAxis.categoryNames = [str(c.get("label") or c.get("category")) for c in rows]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.valueAxis.valueMin = min(0.0, *chart.data[0])
    chart.valueAxis.valueMax = max(1.0, *chart.data[0]) * 1.15
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = money_short
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = GRID
    chart.bars[0].fillColor = PRIMARY
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = money_short
    chart.barLabels.fontName = "Helvetica"
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def waterfall_series(lines: Sequence[Mapping[str, Any]]) -> tuple[list[float], list[float], list[float], list[str]]:
    """Per waterfall line: the invisible base, the visible part, the visible part below zero when a change
    crosses zero, and the bar's kind ("level", "up" or "down")."""
    base: list[float] = []
    visible: list[float] = []
    below: list[float] = []
    kinds: list[str] = []
    running = 0.0
    for line in lines:
        amount = float(line.get("amount") or 0)
        if line.get("kind") == "total":
            base.append(0.0)
            visible.append(amount)
            below.append(0.0)
            kinds.append("level")
            running = amount
            continue
        start, end = running, running + amount
        low, high = min(start, end), max(start, end)
        if low >= 0:
            base.append(low)
            visible.append(high - low)
            below.append(0.0)
        elif high <= 0:
            base.append(high)
            visible.append(low - high)
            below.append(0.0)
        else:  # crosses zero: one part up from zero, one part down from it
            base.append(0.0)
            visible.append(high)
            below.append(low)
        kinds.append("up" if amount >= 0 else "down")
        running = end
    return base, visible, below, kinds


def waterfall_chart(
    data: Mapping[str, Any], width: float = FRAME_WIDTH, height: float = CHART_HEIGHT + 0.6 * inch
) -> Drawing | None:
    """The settlement from the benchmark to the estimated settlement, or None without lines."""
    lines = (data.get("settlement") or {}).get("lines") or []
    if not lines:
        return None
    base, visible, below, kinds = waterfall_series(lines)
    drawing = Drawing(width, height)
    _title(drawing, "Estimated settlement as a waterfall ($, estimate)")
    chart = VerticalBarChart()
    chart.x, chart.y = 55, 85
    chart.width, chart.height = width - 70, height - 125
    chart.categoryAxis.style = "stacked"
    chart.data = [base, visible, below]
    chart.categoryAxis.categoryNames = [str(line.get("label", "")) for line in lines]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 35
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.dy = -2
    # Labels under the plot, not on the zero line (which a loss puts in the middle of it).
    chart.categoryAxis.labelAxisMode = "low"
    tops = [sum(v for v in bar if v > 0) for bar in zip(base, visible, below, strict=True)]
    bottoms = [sum(v for v in bar if v < 0) for bar in zip(base, visible, below, strict=True)]
    span = (max(tops) - min(bottoms)) or 1.0
    # Room above and below the bars for their value labels.
    chart.valueAxis.valueMax = max(tops) + span * 0.12 if max(tops) > 0 else span * 0.08
    chart.valueAxis.valueMin = min(bottoms) - span * 0.12 if min(bottoms) < 0 else 0
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = money_short
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = GRID
    chart.barSpacing = 0
    chart.groupSpacing = 8
    chart.bars.strokeColor = None
    chart.bars[0].fillColor = None  # the running total under a floating bar: not drawn
    chart.bars[0].strokeColor = None
    colour = {"level": LEVEL, "up": UP, "down": DOWN}
    for index, kind in enumerate(kinds):
        for series in (1, 2):
            chart.bars[(series, index)].fillColor = colour[kind]
            chart.bars[(series, index)].strokeColor = None
    drawing.add(chart)
    for label in waterfall_value_labels(chart, lines):
        drawing.add(label)
    drawing.add(_legend(55, height - 24, [(LEVEL, "Level"), (UP, "Adds"), (DOWN, "Takes away")]))
    return drawing


def waterfall_extents(lines: Sequence[Mapping[str, Any]]) -> list[tuple[float, float]]:
    """Each waterfall bar's (bottom, top): a level from zero, a change from the running total."""
    extents: list[tuple[float, float]] = []
    running = 0.0
    for line in lines:
        amount = float(line.get("amount") or 0)
        if line.get("kind") == "total":
            extents.append((min(0.0, amount), max(0.0, amount)))
            running = amount
        else:
            extents.append((min(running, running + amount), max(running, running + amount)))
            running += amount
    return extents


def waterfall_value_label(line: Mapping[str, Any]) -> str:
    """A bar's value as printed on it: a level as it is ($1.2M), a change with its sign (+$45K, -$900K)."""
    amount = float(line.get("amount") or 0)
    if line.get("kind") == "total":
        return money_short(amount)
    return ("+" if amount >= 0 else "") + money_short(amount)


def waterfall_value_labels(chart: VerticalBarChart, lines: Sequence[Mapping[str, Any]]) -> list[String]:
    """The value of each bar, above a bar that adds (or a level at or above zero), below one that takes
    away (or a level below zero), centred on the bar."""
    low, high = chart.valueAxis.valueMin, chart.valueAxis.valueMax
    scale = chart.height / ((high - low) or 1.0)
    slot = chart.width / max(len(lines), 1)
    labels = []
    for index, (line, (bottom, top)) in enumerate(zip(lines, waterfall_extents(lines), strict=True)):
        amount = float(line.get("amount") or 0)
        x = chart.x + (index + 0.5) * slot
        y = chart.y + (top - low) * scale + 3 if amount >= 0 else chart.y + (bottom - low) * scale - 8
        labels.append(
            String(
                x,
                y,
                waterfall_value_label(line),
                fontName="Helvetica",
                fontSize=6.5,
                fillColor=INK,
                textAnchor="middle",
            )
        )
    return labels


# --------------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------------
def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontSize=18, leading=22, alignment=0, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=sheet["Normal"], fontSize=11, leading=14, textColor=MUTED),
        "h2": ParagraphStyle("h2", parent=sheet["Heading2"], fontSize=13, leading=16, spaceBefore=10, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=sheet["Heading3"], fontSize=10, leading=13, spaceBefore=6, spaceAfter=3),
        "body": ParagraphStyle("body", parent=sheet["Normal"], fontSize=9, leading=12),
        "small": ParagraphStyle("small", parent=sheet["Normal"], fontSize=8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=sheet["Normal"], fontSize=7.5, leading=9),
        "head": ParagraphStyle("head", parent=sheet["Normal"], fontName="Helvetica-Bold", fontSize=7.5, leading=9),
        "notice": ParagraphStyle("notice", parent=sheet["Normal"], fontSize=9, leading=12, textColor=INK),
    }


def _escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _grid(rows: list[list[Any]], widths: Sequence[float], *, header: bool = True, numeric_from: int = 1) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("ALIGN", (numeric_from, 1 if header else 0), (-1, -1), "RIGHT"),
    ]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), HEADER_BG), ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5)]
    table.setStyle(TableStyle(style))
    return table


def _section_table(table: ReportTable, styles: dict[str, ParagraphStyle]) -> Flowable:
    from .reports import display, measure_label

    if table.is_named_figures:
        rows: list[list[Any]] = []
        for item, cells in table.rows:
            figure = cells[table.measures[0]]
            shown = display(figure.value, figure.unit)
            if figure.is_money and figure.value is not None:
                shown += " (estimate)"
            value: Any = Paragraph(_escape(shown), styles["cell"]) if len(shown) > 40 else shown
            # A long name (the capitation reduction's) wraps in its column instead of running into the value.
            name: Any = Paragraph(_escape(item), styles["cell"]) if len(item) > 50 else item
            rows.append([name, value])
        return _grid(rows, [FRAME_WIDTH * 0.42, FRAME_WIDTH * 0.58], header=False, numeric_from=2)
    head = [Paragraph("Item", styles["head"])] + [
        Paragraph(_escape(measure_label(table, m)), styles["head"]) for m in table.measures
    ]
    body = []
    for item, cells in table.rows:
        row: list[Any] = [Paragraph(_escape(item), styles["cell"]) if len(item) > 30 else item]
        for measure in table.measures:
            fact = cells.get(measure)
            row.append("" if fact is None else display(fact.value, fact.unit))
        body.append(row)
    first = FRAME_WIDTH * (0.2 if len(table.measures) > 5 else 0.28 if len(table.measures) > 3 else 0.36)
    rest = (FRAME_WIDTH - first) / max(len(table.measures), 1)
    return _grid([head, *body], [first] + [rest] * len(table.measures))


def render_pdf(
    data: Mapping[str, Any], tables: Sequence[ReportTable], *, stamp: str, notice: str, built_at: str
) -> bytes:
    """The whole PDF report as bytes."""
    styles = _styles()
    aco = data.get("aco", {})
    vintage = data.get("vintage", {})
    py = data.get("performance_year")
    run_id = vintage.get("pipeline_run")
    buffer = io.BytesIO()

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, PAGE_HEIGHT - 0.4 * inch, stamp)
        canvas.setFillColor(DOWN)
        canvas.setFont("Helvetica-Bold", 7)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, PAGE_HEIGHT - 0.4 * inch, "ESTIMATE")
        canvas.setFillColor(MUTED)
        canvas.setFont("Helvetica", 7)
        canvas.drawString(
            MARGIN, 0.4 * inch, f"LEAD Portal performance report · built {built_at} · money figures are estimates"
        )
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 0.4 * inch, f"Page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=0.65 * inch,
        bottomMargin=0.65 * inch,
        title=f"LEAD performance report {aco.get('aco_id', '')} PY{py} (pipeline run {run_id})",
        author="LEAD Portal",
        subject=stamp,
        keywords=["LEAD", str(aco.get("aco_id", "")), f"PY{py}", f"pipeline run {run_id}", "estimate"],
        creator="LEAD Portal",
    )
    story: list[Flowable] = [
        Paragraph(
            f"Performance report: {_escape(aco.get('name', ''))} ({_escape(aco.get('aco_id', ''))})", styles["title"]
        ),
        Paragraph(
            _escape(
                f"Performance year {py} · pipeline run {run_id} · {aco.get('risk_option_label') or ''} risk"
                f" · claims through {vintage.get('claims_through') or 'n/a'}"
            ),
            styles["subtitle"],
        ),
        Spacer(1, 8),
    ]
    rest = notice.removeprefix("Estimate: ")
    box = Table([[Paragraph(f"<b>Estimate.</b> {_escape(rest[:1].upper() + rest[1:])}", styles["notice"])]])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), NOTICE_BG),
                ("BOX", (0, 0), (-1, -1), 0.75, BENCHMARK),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story += [box, Spacer(1, 6)]

    by_key = {(t.section, t.title): t for t in tables}
    for key in (("Summary", "Key figures"), ("Vintage", "Data vintage")):
        table = by_key.get(key)
        if table is not None:
            story += [Paragraph(_escape(key[1]), styles["h2"]), _section_table(table, styles)]

    charts = [
        (pbpm_chart(data), "Each month's expenditure per beneficiary-month against the benchmark PBPM."),
        (category_chart(data), "The performance year's expenditure in each service category."),
        (
            waterfall_chart(data),
            "From the benchmark to the estimated settlement: blue bars are levels, green adds, red takes away.",
        ),
    ]
    drawn = [(drawing, caption) for drawing, caption in charts if drawing is not None]
    if drawn:
        story.append(CondPageBreak(CHART_HEIGHT + inch))
        story.append(Paragraph("Charts", styles["h2"]))
        for drawing, caption in drawn:
            story.append(KeepTogether([drawing, Paragraph(_escape(caption), styles["small"]), Spacer(1, 10)]))

    shown = {("Summary", "Key figures"), ("Vintage", "Data vintage")}
    current = ""
    for table in tables:
        if (table.section, table.title) in shown or not table.rows:
            continue
        if table.section != current:
            current = table.section
            story.append(CondPageBreak(1.5 * inch))
            story.append(Paragraph(_escape(table.section), styles["h2"]))
        story += [Paragraph(_escape(table.title), styles["h3"]), _section_table(table, styles)]
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
