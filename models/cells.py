"""Cell values that a spreadsheet cannot mistake for a formula: the one place that decides, for the
donor exports (scorecards/) and the plan workbook (models/plan_workbook.py) alike.

A title such as `=HYPERLINK("http://x","y")` typed by one organization would otherwise run in a donor's
Excel ("formula injection"). docs/design.md: text that begins with `=`, `+`, `-`, `@`, tab or carriage return
is written as text, never as a formula.

- xlsx: such text (and text that looks like an Excel error code, e.g. `#N/A`) is stored as an explicit
  string cell with the "quote prefix" flag, so Excel and LibreOffice show it as typed, and keep it text
  when the cell is edited. The text itself is unchanged, so it reads back exactly.
- CSV: there is no cell type, so such text gets a leading apostrophe (the convention spreadsheets honour
  and OWASP recommends); numbers stay numbers.

Values are also made storable: characters XML cannot carry are dropped, text is cut at Excel's limit,
timezone-aware datetimes become naive UTC, and pandas' missing values become empty cells.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ERROR_CODES = frozenset(ERROR_CODES)
EXCEL_MAX_TEXT = 32_767
# Control characters XML 1.0 cannot carry (tab, newline and carriage return are allowed).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def looks_like_formula(text: str) -> bool:
    """True for text a spreadsheet would evaluate (or show as an error) instead of displaying."""
    return text.startswith(FORMULA_TRIGGERS) or text in _ERROR_CODES


def clean_text(text: str) -> str:
    """Text a workbook can store: no XML-illegal characters, no longer than an Excel cell holds."""
    if not text.isprintable():  # the common case (printable text) skips the regular expression
        text = _ILLEGAL_XML.sub("", text)
    return text if len(text) <= EXCEL_MAX_TEXT else text[:EXCEL_MAX_TEXT]


def plain_value(value: Any) -> Any:
    """A value reduced to what both writers store: None, bool, int, float, str, date or naive datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    if isinstance(value, dt.datetime):
        if value != value:  # pandas.NaT
            return None
        to_python = getattr(value, "to_pydatetime", None)  # pandas.Timestamp
        if to_python is not None:
            value = to_python()
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return value
    # numpy scalars, pandas NA, Decimal: reduce through their Python equivalents.
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    item = getattr(value, "item", None)
    if callable(item):
        return plain_value(item())
    return clean_text(str(value))


def xlsx_value(ws: Any, value: Any) -> Any:
    """What to append to a write-only sheet for `value`: the value itself, or a string cell.

    Plain values go in as they are (the fastest path of openpyxl's write-only mode); only text a
    spreadsheet would evaluate gets its own cell, typed as a string with the quote prefix set.
    """
    value = plain_value(value)
    if isinstance(value, str) and looks_like_formula(value):
        return text_cell(ws, value)
    return value


def xlsx_values(ws: Any, values: list[Any]) -> list[Any]:
    """`xlsx_value` over a column, with ordinary printable text passed through untouched (most cells)."""
    return [
        value
        if type(value) is str
        and value.isprintable()
        and len(value) <= EXCEL_MAX_TEXT
        and not value.startswith(FORMULA_TRIGGERS)
        and value not in _ERROR_CODES
        else xlsx_value(ws, value)
        for value in values
    ]


def text_cell(ws: Any, text: str, **style: Any) -> WriteOnlyCell:
    """A cell that holds `text` as text, whatever it starts with."""
    cell = WriteOnlyCell(ws)
    cell.value = "x"  # bind as text first; the real value is set below without type inference
    cell._value = clean_text(text)
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True
    for name, item in style.items():
        setattr(cell, name, item)
    return cell


def csv_value(value: Any) -> Any:
    """The value for a CSV field: formula-looking text gets a leading apostrophe."""
    value = plain_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value
