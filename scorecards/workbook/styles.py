"""The workbook's look, in one place: header cells, number formats, the level colour scale.

Write-only sheets take styles per cell (WriteOnlyCell), so styles are created once here and shared;
openpyxl stores each distinct style once in the workbook.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

BRAND = "1F4E79"  # dark blue of the header rows
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", start_color=BRAND, end_color=BRAND)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
HEADER_BORDER = Border(bottom=Side(style="thin", color="000000"))
TITLE_FONT = Font(bold=True, size=14, color=BRAND)
LABEL_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
LEFT = Alignment(horizontal="left")

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
INDEX_FORMAT = "0.0"

MIN_WIDTH = 8.0
MAX_WIDTH = 60.0


def header_cell(ws: Any, text: str) -> WriteOnlyCell:
    from scorecards.cells import text_cell

    return text_cell(
        ws,
        text,
        font=HEADER_FONT,
        fill=HEADER_FILL,
        alignment=HEADER_ALIGNMENT,
        border=HEADER_BORDER,
    )


def red_to_green(low: float, mid: float, high: float) -> ColorScaleRule:
    """Excel's familiar three-colour scale: red at `low`, yellow at `mid`, green at `high`."""
    return ColorScaleRule(
        start_type="num",
        start_value=low,
        start_color="F8696B",
        mid_type="num",
        mid_value=mid,
        mid_color="FFEB84",
        end_type="num",
        end_value=high,
        end_color="63BE7B",
    )


def level_colour_scale() -> ColorScaleRule:
    """Levels 0 (not started) to 4 (institutionalized)."""
    return red_to_green(0, 2, 4)


def index_colour_scale() -> ColorScaleRule:
    """The 0-100 internalization index."""
    return red_to_green(0, 50, 100)
