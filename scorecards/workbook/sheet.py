"""One tabular sheet from one frame, streamed row by row (openpyxl write-only mode).

Write-only sheets keep memory flat however many organizations there are, at a price: column widths
and frozen panes must be set before the first row, and cells are never revisited. Conditional
formatting, the autofilter, tables and charts are written when the sheet closes, so they are added
after the rows, when the final range is known.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from scorecards.cells import plain_value, xlsx_value
from scorecards.workbook import styles


@dataclass(frozen=True)
class Column:
    """A column of a sheet: where its values come from, its header, and how numbers look."""

    key: str
    header: str
    number_format: str | None = None  # None: General (integers, or figures already rounded)
    width: float | None = None  # None: fitted to the header and the longest value


@dataclass
class SheetSpec:
    title: str
    columns: Sequence[Column]
    freeze: str | None = "B2"  # header row and first column stay in view
    autofilter: bool = True
    table_name: str | None = None  # a defined Excel table (it carries its own filter buttons)
    colour_scales: list[tuple[Sequence[str], Any]] = field(default_factory=list)  # (column keys, rule)


def fitted_width(header: str, values: pd.Series | None) -> float:
    """A width that shows the header and typical values without wrapping, within sensible bounds."""
    longest = max((len(word) for word in header.split()), default=0) + 2
    if values is not None and len(values):
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            lengths = values.dropna().astype(str).str.len()
            if len(lengths):
                longest = max(longest, int(lengths.quantile(0.95)) + 2)
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            longest = max(longest, 12)
        else:
            longest = max(longest, 8)
    return float(min(styles.MAX_WIDTH, max(styles.MIN_WIDTH, longest)))


def column_values(frame: pd.DataFrame, columns: Sequence[Column]) -> list[list[Any]]:
    """The frame's columns as Python lists, in sheet order (missing columns read as empty)."""
    lists = []
    for column in columns:
        if column.key in frame.columns:
            lists.append(frame[column.key].tolist())
        else:
            lists.append([None] * len(frame))
    return lists


def write_frame_sheet(wb: Any, spec: SheetSpec, frame: pd.DataFrame) -> Any:
    """Append a sheet holding `frame` under a styled header row; returns the write-only sheet."""
    ws = wb.create_sheet(title=spec.title)
    columns = list(spec.columns)
    for index, column in enumerate(columns, start=1):
        values = frame[column.key] if column.key in frame.columns else None
        width = column.width or fitted_width(column.header, values)
        ws.column_dimensions[get_column_letter(index)].width = width
    if spec.freeze and len(frame):
        ws.freeze_panes = spec.freeze
    headers = unique_headers([column.header for column in columns])
    ws.append([styles.header_cell(ws, header) for header in headers])
    append_rows(ws, columns, zip(*column_values(frame, columns), strict=True) if columns else [])
    last_row = len(frame) + 1
    last_col = get_column_letter(max(1, len(columns)))
    full_range = f"A1:{last_col}{last_row}"
    if spec.table_name and len(frame):
        add_table(ws, spec.table_name, full_range, headers)
    elif spec.autofilter:
        ws.auto_filter.ref = full_range
    if len(frame):
        for keys, rule in spec.colour_scales:
            for key in keys:
                position = next((i for i, c in enumerate(columns, 1) if c.key == key), None)
                if position is not None:
                    letter = get_column_letter(position)
                    ws.conditional_formatting.add(f"{letter}2:{letter}{last_row}", rule)
    return ws


def append_rows(ws: Any, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> None:
    """Stream rows; a cell object is made only where a number format or a text guard needs one."""
    formats = [column.number_format for column in columns]
    if not any(formats):
        for row in rows:
            ws.append([xlsx_value(ws, value) for value in row])
        return
    for row in rows:
        out = []
        for value, number_format in zip(row, formats, strict=True):
            if number_format is None:
                out.append(xlsx_value(ws, value))
                continue
            value = plain_value(value)
            if value is None or isinstance(value, str):
                out.append(xlsx_value(ws, value))
                continue
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = number_format
            out.append(cell)
        ws.append(out)


def add_table(ws: Any, name: str, ref: str, headers: Sequence[str]) -> None:
    """A defined Excel table over `ref`: banded rows, filter buttons, a name formulas can use.

    Write-only sheets cannot be read back, so the table's column names are given here (openpyxl
    would otherwise try to read them from the header cells); they must equal the header cells.
    """
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    table._initialise_columns()
    table.tableColumns = [TableColumn(id=index, name=header) for index, header in enumerate(headers, start=1)]
    with warnings.catch_warnings():
        # openpyxl reminds write-only callers to name the columns themselves, as done above.
        warnings.filterwarnings("ignore", message="In write-only mode you must add table columns")
        ws.add_table(table)


def unique_headers(headers: Sequence[str]) -> list[str]:
    """Excel refuses a table whose column names repeat; a repeat gets a numeric suffix."""
    seen: dict[str, int] = {}
    out = []
    for header in headers:
        name = header or "Column"
        count = seen.get(name.lower(), 0)
        seen[name.lower()] = count + 1
        out.append(name if count == 0 else f"{name} {count + 1}")
    return out
