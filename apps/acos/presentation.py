"""What the ACO pages of several apps (rural add-on, Medicaid integration) show the same way: a chart
with its caption and its data table (templates/includes/chart_block.html, data_table.html), and money
written for people."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lead_portal import formatting


def money(value: Decimal | int | float | None) -> str:
    """Dollars with cents and thousands separators ("$1,234.50", "−$1,234.50"); "—" for nothing."""
    return formatting.money(value)


@dataclass(frozen=True)
class DataTable:
    """Figures as a table; the first cell of a row is its header."""

    slug: str
    title: str
    header: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class ChartBlock:
    """One chart as a page shows it: the figure, its caption and its data table."""

    slug: str
    caption: str
    figure: dict[str, Any] | None
    table: DataTable

    @property
    def figure_id(self) -> str:
        return f"figure-{self.slug}"
