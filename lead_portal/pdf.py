"""The house layout of the portal's one-off PDFs (the GLP-1 prior-authorization packet, a what-if scenario's
report): US letter with 0.6 in margins, the same colours and paragraph styles, text made safe for the
standard fonts, and tables ruled between rows. ReportLab is imported on first use (PDFs are rare)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .text import pdf_text

GRID, HEADER_BG, MUTED, ALERT = "#d6d7d9", "#f1f1f1", "#5b616b", "#981b1e"


def esc(text: object) -> str:
    """Text for a Paragraph: safe for the standard fonts, with the markup characters escaped."""
    return pdf_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class Letter:
    """A letter page's measures and the house styles: ``title``, ``h2``, ``body``, ``cell`` and ``head``."""

    width: float = 0.0
    height: float = 0.0
    margin: float = 0.0
    frame: float = 0.0  # the text width
    inch: float = 72.0
    styles: dict[str, Any] = field(default_factory=dict)


def letter() -> Letter:
    from reportlab.lib.pagesizes import letter as size
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch

    width, height = size
    margin = 0.6 * inch
    base = getSampleStyleSheet()
    return Letter(
        width=width,
        height=height,
        margin=margin,
        frame=width - 2 * margin,
        inch=inch,
        styles={
            "title": ParagraphStyle("t", parent=base["Title"], fontSize=15, leading=19, alignment=0, spaceAfter=4),
            "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=12, leading=15, spaceBefore=8, spaceAfter=4),
            "body": ParagraphStyle("b", parent=base["Normal"], fontSize=9, leading=12, spaceAfter=4),
            "cell": ParagraphStyle("c", parent=base["Normal"], fontSize=8, leading=10),
            "head": ParagraphStyle("hd", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=8, leading=10),
        },
    )


def color(hex_code: str) -> Any:
    from reportlab.lib import colors

    return colors.HexColor(hex_code)


def ruled_table(rows: Sequence[Sequence[Any]], widths: Sequence[float], *, header: bool) -> Any:
    """A table ruled below every row, cells at the top; with ``header`` the first row shaded and repeated on
    each page."""
    from reportlab.platypus import Table, TableStyle

    t = Table([list(r) for r in rows], colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, color(GRID)),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), color(HEADER_BG)))
    t.setStyle(TableStyle(style))
    return t


def build(page: Letter, story: list[Any], on_page: Callable[[Any, Any], None], **metadata: str) -> bytes:
    """The document: ``story`` on letter pages with the house margins, ``on_page`` drawing each page's
    header and footer; ``metadata``: title, subject (author and creator are the portal)."""
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=(page.width, page.height),
        leftMargin=page.margin,
        rightMargin=page.margin,
        topMargin=0.7 * page.inch,
        bottomMargin=0.7 * page.inch,
        author="LEAD Portal",
        creator="LEAD Portal",
        **{k: pdf_text(v) for k, v in metadata.items()},
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
