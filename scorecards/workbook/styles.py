"""The workbook's look, in one place: header cells, number formats, the colour scale of levels.

Write-only sheets take styles per cell (WriteOnlyCell), so styles are created once here and shared;
openpyxl stores each distinct style once in the workbook.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from models.cells import text_cell

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
    return text_cell(
        ws,
        text,
        font=HEADER_FONT,
        fill=HEADER_FILL,
        alignment=HEADER_ALIGNMENT,
        border=HEADER_BORDER,
    )


# Three steps of the cividis colour map (at 1.0, 0.75 and 0.5): sequential, readable with every
# common colour-vision deficiency and in greyscale, and light enough for black text on top.
SCALE_COLOURS = ("FFEA46", "BCAF6F", "7C7B78")


def sequential(low: float, mid: float, high: float) -> ColorScaleRule:
    """A colour-blind-safe three-step scale: light yellow at `low`, grey-blue at `high`."""
    start, middle, end = SCALE_COLOURS
    return ColorScaleRule(
        start_type="num",
        start_value=low,
        start_color=start,
        mid_type="num",
        mid_value=mid,
        mid_color=middle,
        end_type="num",
        end_value=high,
        end_color=end,
    )


def scale_colour(value: float, low: float, high: float) -> str:
    """The colour the scale gives `value` (as spreadsheets blend it: linearly between the steps),
    for the legend on the Read me."""
    position = min(1.0, max(0.0, (value - low) / (high - low))) * (len(SCALE_COLOURS) - 1)
    step = min(int(position), len(SCALE_COLOURS) - 2)
    share = position - step
    left, right = SCALE_COLOURS[step], SCALE_COLOURS[step + 1]
    channels = [
        round(int(left[i : i + 2], 16) * (1 - share) + int(right[i : i + 2], 16) * share) for i in (0, 2, 4)
    ]
    return "".join(f"{channel:02X}" for channel in channels)


def fill(colour: str) -> PatternFill:
    return PatternFill("solid", start_color=colour, end_color=colour)


def level_colour_scale() -> ColorScaleRule:
    """Levels 0 (not started) to 4 (institutionalized)."""
    return sequential(0, 2, 4)


def index_colour_scale() -> ColorScaleRule:
    """The 0-100 internalization index."""
    return sequential(0, 50, 100)
