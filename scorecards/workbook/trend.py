"""The "Trend" sheet: the index of each organization in each cycle, and a native Excel line chart.

A chart with a line per organization is unreadable beyond a dozen lines, so the chart shows the
organizations ranked highest in the exported cycle (the rows are sorted by that rank, so the charted
rows are the first ones); every organization is in the table below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from openpyxl.chart import LineChart, Reference
from openpyxl.utils import get_column_letter

from models.words import N_, gettext
from scorecards.workbook import styles
from scorecards.workbook.sheet import Column, SheetSpec, write_frame_sheet

CHARTED_ORGANIZATIONS = 10


def trend_spec(cycles: Sequence[str]) -> SheetSpec:
    """Organization first (the series titles), then one index column per cycle, oldest first."""
    columns = [Column("organization", N_("Organization"))]
    columns += [Column(cycle, cycle, number_format=styles.INDEX_FORMAT, width=10) for cycle in cycles]
    columns += [Column("org_type", N_("Organization type"))]
    return SheetSpec(
        title=N_("Trend"),
        columns=columns,
        table_name="TrendTable",
        colour_scales=[(list(cycles), styles.index_colour_scale())],
    )


def write_trend_sheet(wb: Any, frame: pd.DataFrame, cycles: Sequence[str], exported_cycle: str) -> Any:
    ws = write_frame_sheet(wb, trend_spec(cycles), frame)
    charted = min(CHARTED_ORGANIZATIONS, len(frame))
    if charted and cycles:
        ws.add_chart(index_chart(ws, charted, len(cycles), exported_cycle), chart_anchor(len(cycles)))
    return ws


def index_chart(ws: Any, organizations: int, cycles: int, exported_cycle: str) -> LineChart:
    chart = LineChart()
    chart.title = gettext(
        "Internalization index by cycle (top %(organizations)s in %(cycle)s)",
        organizations=organizations,
        cycle=exported_cycle,
    )
    chart.y_axis.title = gettext("Index (0-100)")
    chart.x_axis.title = gettext("Cycle")
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    # Recent Excel versions hide axes that are not explicitly kept.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.height = 9
    chart.width = 18
    data = Reference(ws, min_col=1, max_col=cycles + 1, min_row=2, max_row=organizations + 1)
    chart.add_data(data, from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=cycles + 1, min_row=1, max_row=1))
    return chart


def chart_anchor(cycles: int) -> str:
    """Top-left cell of the chart: right of the table (organization, cycles, type), one column gap."""
    return f"{get_column_letter(cycles + 4)}2"
