"""The formatting filters of every template (a built-in library: no ``{% load %}`` needed), each one a
helper of ``lead_portal.formatting``, which the PDF, CSV and XLSX writers use too:

    {{ run.finished_at|when }}          5 Dec 2026 14:03 EST
    {{ row.at|when:"seconds" }}         5 Dec 2026 14:03:27 EST
    {{ saved_at|clock }}                14:03 EST
    {{ plan.cost|usd }}                 $150,000.00        {{ amount|usd:"whole" }}  $150,000
    {{ share|pct }}                     29.4%              {{ share|pct:2 }}          29.37%
    {{ n|count }}                       1,020
    {{ value|num }}                     9.89 (at most two decimals)
    {{ result.rate|rate:unit }}         9.89% of index stays readmitted
    {{ result.points|points }}          100 points
    {{ row.sex|sex }}                   Male
"""

from __future__ import annotations

from typing import Any

from django import template

from . import formatting

register = template.Library()


@register.filter
def when(value: Any, arg: str = "") -> str:
    return formatting.when(value, seconds=arg == "seconds")


@register.filter
def clock(value: Any) -> str:
    return formatting.clock(value)


@register.filter
def usd(value: Any, arg: str = "") -> str:
    return formatting.money(value, cents=arg != "whole")


@register.filter
def pct(value: Any, places: int | str = 1) -> str:
    return formatting.percent(value, int(places))


@register.filter
def count(value: Any) -> str:
    return formatting.count(value)


@register.filter
def cell(value: Any) -> Any:
    """A table cell as a person reads it: whole numbers with separators (``1,228``), the rest as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return formatting.count(value)
    return value


@register.filter
def num(value: Any, places: int | str = 2) -> str:
    return formatting.number(value, int(places))


@register.filter
def rate(value: Any, unit: str = "") -> str:
    return formatting.rate(value, unit or "")


@register.filter
def points(value: Any) -> str:
    return formatting.points(value)


@register.filter
def sex(code: Any) -> str:
    return formatting.sex(code)
