"""Vectorised fixed-width rendering for the synthetic CCLF generator.

The generator builds each file's records of a chunk as a :class:`Table` (one numpy array per
layout field, or one value for every row) and :func:`render` turns it into an
``(rows, record_length + 1)`` byte matrix: filled with spaces, every field's bytes written into its
column slice, ``\\n`` in the last column. The conventions are exactly those of
:func:`apps.claims.fixedwidth.format_value` (the tests compare the two field by field):

- ``text``: left-justified, space-padded; a value is a ``bytes`` constant, an ``S`` array, or
  :class:`Num` (an integer identifier written as zero-padded digits, blank where negative);
- ``int`` (``9(n)``): zero-padded to the full width; negative means blank;
- ``date``: ``YYYY-MM-DD`` from a day number (days since 1970-01-01); :data:`NODATE` means blank;
- ``decimal``: signed, right-justified, 2 places (4 for ``*_QTY``), given as an integer number of
  hundredths (ten-thousandths for ``*_QTY``); :data:`NOAMT` means blank.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from .layouts import Field, Layout

SPACE, NL, MINUS, DOT, ZERO = 32, 10, 45, 46, 48
EPOCH = datetime.date(1970, 1, 1)
NODATE = -(10**7)
NOAMT = int(np.iinfo(np.int64).min)
_LUT_FIRST = (datetime.date(1850, 1, 1) - EPOCH).days
_LUT_LAST = (datetime.date(2199, 12, 31) - EPOCH).days

Array = npt.NDArray[Any]
IntArray = npt.NDArray[np.int64]


def day(d: datetime.date) -> int:
    """Day number (days since 1970-01-01) of a date."""
    return (d - EPOCH).days


def to_date(n: int) -> datetime.date:
    return EPOCH + datetime.timedelta(days=int(n))


@dataclass(frozen=True)
class Num:
    """Integer identifiers (NPIs, TINs, control numbers) for a text field: ``width`` zero-padded
    digits, left-justified in the field; blank where the value is negative."""

    values: IntArray
    width: int


Column = Array | Num | bytes | int


@lru_cache(maxsize=1)
def _date_lut() -> npt.NDArray[np.uint8]:
    days = np.arange(_LUT_FIRST, _LUT_LAST + 1).astype("datetime64[D]")
    text = np.datetime_as_string(days, unit="D").astype("S10")
    return np.ascontiguousarray(text).view(np.uint8).reshape(-1, 10)


class Table:
    """The records of one file for one chunk: ``n`` rows, columns named as in the layout."""

    def __init__(self, n: int, columns: dict[str, Column] | None = None) -> None:
        self.n = n
        self.cols: dict[str, Column] = {}
        for name, value in (columns or {}).items():
            self[name] = value

    def __setitem__(self, name: str, value: Column) -> None:
        length = _length(value)
        if length is not None and length != self.n:
            raise ValueError(f"column {name} has {length} values for {self.n} rows")
        self.cols[name] = value

    def __getitem__(self, name: str) -> Column:
        return self.cols[name]

    def __contains__(self, name: str) -> bool:
        return name in self.cols

    def take(self, rows: Array) -> Table:
        """The rows ``rows`` (an index array or a boolean mask), as a new table."""
        index = np.flatnonzero(rows) if rows.dtype == np.bool_ else rows
        out = Table(int(index.shape[0]))
        for name, value in self.cols.items():
            out.cols[name] = _take(value, index)
        return out

    @staticmethod
    def concat(tables: list[Table]) -> Table:
        """Rows of several tables with the same columns, in order."""
        tables = [t for t in tables if t.n]
        if not tables:
            return Table(0)
        if len(tables) == 1:
            return tables[0]
        names = list(tables[0].cols)
        for t in tables[1:]:
            if set(t.cols) != set(names):
                raise KeyError(f"tables differ in columns: {sorted(set(t.cols) ^ set(names))}")
        out = Table(sum(t.n for t in tables))
        for name in names:
            out.cols[name] = _concat([t.cols[name] for t in tables], [t.n for t in tables])
        return out


def _length(value: Column) -> int | None:
    if isinstance(value, Num):
        return int(value.values.shape[0])
    if isinstance(value, np.ndarray):
        return int(value.shape[0])
    return None


def _take(value: Column, index: Array) -> Column:
    if isinstance(value, Num):
        return Num(value.values[index], value.width)
    if isinstance(value, np.ndarray):
        return value[index]
    return value


def _concat(values: list[Column], sizes: list[int]) -> Column:
    first = values[0]
    if all(not isinstance(v, (np.ndarray, Num)) and v == first for v in values):
        return first
    if any(isinstance(v, Num) for v in values):
        width = next(v.width for v in values if isinstance(v, Num))
        parts = [
            v.values if isinstance(v, Num) else np.full(n, int(v), dtype=np.int64)
            for v, n in zip(values, sizes, strict=True)
        ]
        return Num(np.concatenate(parts), width)
    arrays = [v if isinstance(v, np.ndarray) else np.full(n, v) for v, n in zip(values, sizes, strict=True)]
    if arrays[0].dtype.kind == "S":
        width = max(a.dtype.itemsize for a in arrays)
        return np.concatenate([a.astype(f"S{width}") for a in arrays])
    return np.concatenate([a.astype(np.int64) for a in arrays])


def render(file_layout: Layout, table: Table) -> npt.NDArray[np.uint8]:
    """The table's records as a byte matrix, one record a row, ``\\n`` in the last column."""
    fields = {f.name: f for f in file_layout.fields}
    unknown = set(table.cols) - set(fields)
    if unknown:
        raise KeyError(f"{file_layout.file} has no field(s) {sorted(unknown)}")
    width = file_layout.record_length
    buf = np.full((table.n, width + 1), SPACE, dtype=np.uint8)
    buf[:, width] = NL
    if table.n == 0:
        return buf
    for name, value in table.cols.items():
        f = fields[name]
        col = buf[:, f.start - 1 : f.end]
        kind = f.kind
        if kind == "text":
            _put_text(col, value, f)
        elif kind == "int":
            _put_int(col, value, f)
        elif kind == "date":
            _put_date(col, value, f)
        else:
            _put_decimal(col, value, f)
    return buf


def _digits(col: npt.NDArray[np.uint8], values: IntArray, f: Field) -> None:
    """Zero-padded digits of non-negative ``values`` filling ``col``."""
    v = values.astype(np.int64, copy=True)
    for k in range(col.shape[1] - 1, -1, -1):
        col[:, k] = v % 10 + ZERO
        v //= 10
    if np.any(v):
        raise ValueError(f"{f.name}: a value does not fit in {col.shape[1]} digits")


def _put_text(col: npt.NDArray[np.uint8], value: Column, f: Field) -> None:
    width = f.length
    if isinstance(value, bytes):
        if len(value) > width:
            raise ValueError(f"{f.name}: {value!r} does not fit in {width} characters")
        if value:
            col[:, : len(value)] = np.frombuffer(value, dtype=np.uint8)
        return
    if isinstance(value, Num):
        if value.width > width:
            raise ValueError(f"{f.name}: {value.width} digits do not fit in {width} characters")
        blank = value.values < 0
        sub = col[:, : value.width]
        _digits(sub, np.where(blank, 0, value.values), f)
        if blank.any():
            sub[blank] = SPACE
        return
    if not isinstance(value, np.ndarray) or value.dtype.kind != "S":
        raise TypeError(f"{f.name}: a text field takes bytes, an S array or Num, not {type(value)}")
    size = value.dtype.itemsize
    matrix = np.ascontiguousarray(value).view(np.uint8).reshape(-1, size)
    if size > width:
        if np.any(matrix[:, width:]):
            raise ValueError(f"{f.name}: a value is longer than {width} characters")
        matrix = matrix[:, :width]
        size = width
    col[:, :size] = np.where(matrix == 0, SPACE, matrix)


def _put_int(col: npt.NDArray[np.uint8], value: Column, f: Field) -> None:
    if isinstance(value, int):
        if value >= 0:
            text = f"{value:0{f.length}d}".encode()
            if len(text) != f.length:
                raise ValueError(f"{f.name}: {value} does not fit in {f.length} digits")
            col[:] = np.frombuffer(text, dtype=np.uint8)
        return
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{f.name}: an int field takes an int or an integer array")
    blank = value < 0
    _digits(col, np.where(blank, 0, value), f)
    if blank.any():
        col[blank] = SPACE


def _put_date(col: npt.NDArray[np.uint8], value: Column, f: Field) -> None:
    lut = _date_lut()
    if isinstance(value, int):
        if value != NODATE:
            col[:] = lut[value - _LUT_FIRST]
        return
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{f.name}: a date field takes a day number or an array of them")
    valid = value != NODATE
    days = value[valid]
    if days.size and (days.min() < _LUT_FIRST or days.max() > _LUT_LAST):
        raise ValueError(f"{f.name}: a date is outside 1850-2199")
    if valid.all():
        col[:] = lut[value - _LUT_FIRST]
    else:
        col[valid] = lut[days - _LUT_FIRST]


def _put_decimal(col: npt.NDArray[np.uint8], value: Column, f: Field) -> None:
    places = 4 if f.name.endswith("_QTY") else 2
    n, width = col.shape
    if isinstance(value, int):
        if value == NOAMT:
            return
        value = np.full(n, value, dtype=np.int64)
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{f.name}: a decimal field takes an int or an integer array")
    blank = value == NOAMT
    a = np.abs(np.where(blank, 0, value)).astype(np.int64)
    pending = (value < 0) & ~blank
    out = np.full((n, width), SPACE, dtype=np.uint8)
    p = width - 1
    for _ in range(places):
        out[:, p] = a % 10 + ZERO
        a //= 10
        p -= 1
    out[:, p] = DOT
    p -= 1
    out[:, p] = a % 10 + ZERO
    a //= 10
    p -= 1
    while p >= 0:
        more = a > 0
        if not more.any() and not pending.any():
            break
        out[:, p] = np.where(more, a % 10 + ZERO, np.where(pending, MINUS, SPACE))
        pending &= more
        a //= 10
        p -= 1
    if np.any(a) or pending.any():
        raise ValueError(f"{f.name}: a value does not fit in {width} characters")
    if blank.any():
        out[blank] = SPACE
    col[:] = out
