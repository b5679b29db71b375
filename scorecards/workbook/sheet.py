"""One tabular sheet from one frame, streamed row by row (openpyxl write-only mode).

Write-only sheets keep memory flat however many organizations there are, at a price: column widths
and frozen panes must be set before the first row, and cells are never revisited. Conditional
formatting, the autofilter, tables and charts are written when the sheet closes, so they are added
after the rows, when the final range is known.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from models.cells import xlsx_values
from models.words import gettext, text_direction
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


# One line of the 11-point header text, in points, and what a column width (counted in digits of
# the default font) holds of bold letters and spaces, with a margin for wider letters.
HEADER_LINE_POINTS = 15.0
HEADER_CHARS_PER_WIDTH = 0.9


def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes wrapped at spaces in a column `width` wide (a word longer than
    the column breaks across lines, as spreadsheets do)."""
    capacity = max(1, int(width * HEADER_CHARS_PER_WIDTH))
    lines, used = 1, 0
    for word in text.split():
        size = len(word)
        if used and used + 1 + size <= capacity:
            used += 1 + size
            continue
        if used:
            lines += 1
        lines += (size - 1) // capacity
        used = (size - 1) % capacity + 1
    return lines


def header_height(headers: Sequence[str], widths: Sequence[float]) -> float:
    """A header row tall enough for its longest wrapped header: without it, LibreOffice keeps the
    default height of one line and prints only the middle of a header that wraps."""
    lines = max((wrapped_lines(h, w) for h, w in zip(headers, widths, strict=True)), default=1)
    return HEADER_LINE_POINTS * lines + 4


def column_values(frame: pd.DataFrame, columns: Sequence[Column]) -> list[list[Any]]:
    """The frame's columns as Python lists, in sheet order (missing columns read as empty)."""
    lists = []
    for column in columns:
        if column.key in frame.columns:
            lists.append(frame[column.key].tolist())
        else:
            lists.append([None] * len(frame))
    return lists


def write_frame_sheet(wb: Any, spec: SheetSpec, frames: pd.DataFrame | Iterable[pd.DataFrame]) -> Any:
    """Append a sheet holding `frames` under a styled header row; returns the write-only sheet.

    `frames` is one frame, or an iterable of frames written one after the other (a large sheet read
    in batches); column widths are fitted to the first one.
    """
    chunks = iter([frames] if isinstance(frames, pd.DataFrame) else frames)
    first = next(chunks, pd.DataFrame())
    ws = wb.create_sheet(title=gettext(spec.title))
    columns = list(spec.columns)
    widths = []
    for index, column in enumerate(columns, start=1):
        values = first[column.key] if column.key in first.columns else None
        widths.append(column.width or fitted_width(gettext(column.header), values))
        ws.column_dimensions[get_column_letter(index)].width = widths[-1]
    if spec.freeze:
        ws.freeze_panes = spec.freeze
    print_setup(ws)
    headers = unique_headers([gettext(column.header) for column in columns])
    ws.row_dimensions[1].height = header_height(headers, widths)
    ws.append([styles.header_cell(ws, header) for header in headers])
    rows = 0
    for frame in itertools.chain([first], chunks):
        if columns and len(frame):
            append_rows(ws, columns, frame)
        rows += len(frame)
    finish_sheet(ws, spec, headers, rows)
    return ws


def print_setup(ws: Any, *, orientation: str = "landscape", pages_tall: int = 0) -> None:
    """Printed, a sheet runs landscape on A4, one page wide, with the header row on every page;
    `pages_tall=1` fits it on one page instead (the Read me, which has no header row)."""
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = pages_tall
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    if not pages_tall:
        ws.print_title_rows = "1:1"
    if text_direction() == "rtl":  # an Arabic sheet reads from the right: column A at the right edge
        ws.sheet_view.rightToLeft = True


def finish_sheet(ws: Any, spec: SheetSpec, headers: Sequence[str], rows: int) -> None:
    """What a write-only sheet writes at its end: the filter or table, and the colour scales."""
    last_row = rows + 1
    full_range = f"A1:{get_column_letter(max(1, len(headers)))}{last_row}"
    if spec.table_name and rows:
        add_table(ws, spec.table_name, full_range, headers)
    elif spec.autofilter:
        ws.auto_filter.ref = full_range
    if not rows:
        return
    positions = {column.key: index for index, column in enumerate(spec.columns, start=1)}
    for keys, rule in spec.colour_scales:
        for key in keys:
            if key in positions:
                letter = get_column_letter(positions[key])
                ws.conditional_formatting.add(f"{letter}2:{letter}{last_row}", rule)


def append_rows(ws: Any, columns: Sequence[Column], frame: pd.DataFrame) -> None:
    """Stream a frame's rows, prepared a column at a time (vectorized where pandas can)."""
    prepared = [
        cell_values(ws, frame[c.key] if c.key in frame.columns else None, len(frame), c) for c in columns
    ]
    for row in zip(*prepared, strict=True):
        ws.append(row)


def cell_values(ws: Any, series: pd.Series | None, length: int, column: Column) -> list[Any]:
    """What to append for each value of a column: plain values (the fast path of write-only mode);
    a cell object only where a number format or the formula guard needs one."""
    if series is None:
        return [None] * length
    if pd.api.types.is_numeric_dtype(series.dtype):
        present = series.notna()
        if pd.api.types.is_float_dtype(series.dtype):
            present &= np.isfinite(series.to_numpy(dtype="float64", na_value=np.nan))
        values = series.astype(object).where(present, None).tolist()
    else:
        values = xlsx_values(ws, series.tolist())
    if column.number_format is None:
        return values
    return [numbered(ws, value, column.number_format) for value in values]


def numbered(ws: Any, value: Any, number_format: str) -> Any:
    if value is None or isinstance(value, (str, bool)) or not isinstance(value, (int, float)):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


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
