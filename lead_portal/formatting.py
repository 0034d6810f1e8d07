"""How the portal writes a time, an amount, a share or a code for people to read: the one set of
formatting helpers behind the template filters (``lead_portal/format_filters.py``, built into every
template) and every PDF, CSV and XLSX the portal makes.

- A **time** is in the portal's time zone (``settings.TIME_ZONE``) and names it: ``5 Dec 2026 14:03 EST``
  (``EDT`` in summer). A stored time is UTC; nobody reads UTC. A sentence writes a date in full:
  ``October 31, 2026``.
- **Money** is dollars and cents with separators and a true minus sign: ``$150,000.00``, ``−$4,625.15``.
- A **percentage** has at most one decimal by default (``29.4%``); a **count** has separators (``1,020``).
- A **rate** of a quality measure has at most two decimals and its unit (``9.89 per 100 …``); **points**
  are whole (``100 points``).
- A **code** is shown with its label (sex ``1`` is "Male").

"—" stands for a value that is not known.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

MISSING = "—"
MINUS = "\u2212"  # a true minus sign: screen readers say "minus", not "dash"

# CCLF8 BENE_SEX_CD, as the aligned beneficiaries keep it: 1 male, 2 female, anything else unknown
# (the quality engine reads it the same way).
SEX_LABELS = {"0": "Unknown", "1": "Male", "2": "Female"}


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def portal_zone() -> ZoneInfo:
    """The portal's time zone (``settings.TIME_ZONE``), whatever zone a request may have activated."""
    return _zone(settings.TIME_ZONE)


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def local_time(value: dt.datetime | str) -> dt.datetime:
    """A stored time (aware, or naive meaning UTC, or ISO text) in the portal's time zone."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(portal_zone())


def when(value: dt.datetime | dt.date | str | None, *, seconds: bool = False) -> str:
    """``5 Dec 2026 14:03 EST``: a time in the portal's zone, the zone named; a date alone is
    ``5 Dec 2026``; "—" for none. ISO text (a snapshot's ``generated_at``) is read first."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        try:
            parsed: dt.datetime | dt.date = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) == 10:  # "2026-12-05": a date, not midnight UTC
            parsed = parsed.date() if isinstance(parsed, dt.datetime) else parsed
        value = parsed
    if not isinstance(value, dt.datetime):
        return f"{value.day} {value:%b %Y}"
    local = local_time(value)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{local.day} {local:%b %Y} {clock} {local.tzname()}"


def long_date(day: dt.date) -> str:
    """A date as the portal's sentences write it: ``October 31, 2026``."""
    return f"{day:%B} {day.day}, {day.year}"


def clock(value: dt.datetime | None) -> str:
    """``14:03 EST``: the time of day alone (an autosave's "Saved at"), the zone named."""
    if value is None:
        return MISSING
    local = local_time(value)
    return f"{local:%H:%M} {local.tzname()}"


def _trim(number: float, places: int) -> str:
    """At most ``places`` decimals, no trailing zeros, separators and a true minus sign: 1.75, 3, −32.9."""
    text = f"{number:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "−0"):
        text = "0"
    return text.replace("-", MINUS)


def money(value: Any, *, cents: bool = True) -> str:
    """``$150,000.00``, ``−$4,625.15`` (``$150,000`` without cents); "—" when unknown."""
    number = _number(value)
    if number is None:
        return MISSING
    rounded = round(number, 2 if cents else 0)
    sign = MINUS if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.{2 if cents else 0}f}"


def money_cents(value: Any) -> str:
    """Cents (whole, or a mean) as money: ``$27,500.00``, ``−$1,250.00``; "—" when unknown."""
    number = _number(value)
    return MISSING if number is None else money(number / 100)


def signed_count(value: int) -> str:
    """A change in a count with its sign, a true minus for a fall: "+545", "−13", "0"."""
    return f"{value:+,}".replace("-", MINUS) if value else "0"


def signed_money(value: Any) -> str:
    """A change in whole dollars with its sign: "+$1,200", "−$300", "$0"."""
    text = money(value, cents=False)
    return f"+{text}" if value and value > 0 else text


def percent(value: Any, places: int = 1) -> str:
    """``29.4%`` (a value already in percent), at most ``places`` decimals; "—" when unknown."""
    number = _number(value)
    return MISSING if number is None else f"{_trim(number, places)}%"


def count(value: Any) -> str:
    """``1,020``; "—" when unknown."""
    number = _number(value)
    return MISSING if number is None else f"{round(number):,}".replace("-", MINUS)


def number(value: Any, places: int = 2) -> str:
    """A plain figure: whole numbers with separators, others to at most ``places`` decimals (``9.89``)."""
    parsed = _number(value)
    return MISSING if parsed is None else _trim(parsed, places)


def rate(value: Any, unit: str = "", places: int = 2) -> str:
    """A quality measure's rate, at most two decimals, with its unit: ``36.5 admissions per 100
    person-years``; a unit that starts with "%" follows the number directly (``9.89% of index stays
    readmitted``)."""
    shown = number(value, places)
    if shown == MISSING or not unit:
        return shown
    return f"{shown}{unit}" if unit.startswith("%") else f"{shown} {unit}"


def points(value: Any) -> str:
    """Quality points, whole: ``100 points``, ``1 point``; "—" when not scored."""
    parsed = _number(value)
    if parsed is None:
        return MISSING
    shown = _trim(parsed, 0)
    return f"{shown} point{'' if shown == '1' else 's'}"


def sex(code: Any) -> str:
    """A CMS sex code in words (``1`` → "Male"); an unknown code is shown as it is."""
    if code is None or code == "":
        return MISSING
    return SEX_LABELS.get(str(code).strip(), str(code))
