"""The plan workbook for bulk edits: an organization's commitments and milestones with their ids and
versions, drop-down lists for area and status, dates as dates (docs/design.md "Importing plans").

Its sheets and headers are what `models.services.plan_roundtrip` reads back, and what
`models.plan_files.SYNONYMS` knows. Text that a spreadsheet would run as a formula (starting with
`=`, `+`, `-`, `@`, tab or carriage return) is stored as text with the quote prefix, as
`models.cells` decides for every workbook.

Pure: rows in, xlsx bytes out.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from models.cells import clean_text, looks_like_formula

COMMITMENTS_SHEET = "Commitments"
MILESTONES_SHEET = "Milestones"
LISTS_SHEET = "Lists"
COMMITMENT_HEADERS = (
    "Commitment id", "Commitment version", "Area", "Title", "Status", "Target date", "Description",
)  # fmt: skip
MILESTONE_HEADERS = (
    "Milestone id", "Milestone version", "Commitment id", "Commitment (for reference)", "Milestone title",
    "Due date", "Status", "Completed on", "Timeframe as imported",
)  # fmt: skip
DATE_FORMAT = "yyyy-mm-dd"
WIDTHS = {"Title": 60, "Description": 60, "Milestone title": 50, "Commitment (for reference)": 40}


def _put(ws: Any, row: int, column: int, value: Any) -> None:
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if looks_like_formula(value):
            cell.quotePrefix = True
        return
    cell.value = value
    if isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT


def _sheet(ws: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    for column, header in enumerate(headers, start=1):
        _put(ws, 1, column, header)
        ws.cell(row=1, column=column).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(column)].width = WIDTHS.get(header, 16)
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            _put(ws, number, column, value)
    ws.freeze_panes = "A2"


def _drop_down(ws: Any, column: int, lists_column: str, count: int, title: str) -> None:
    letter = get_column_letter(column)
    validation = DataValidation(
        type="list",
        formula1=f"={LISTS_SHEET}!${lists_column}$2:${lists_column}${count + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=title,
        error=f"Choose a {title.lower()} from the list.",
    )
    validation.add(f"{letter}2:{letter}5000")
    ws.add_data_validation(validation)


def _date_rule(ws: Any, column: int) -> None:
    letter = get_column_letter(column)
    validation = DataValidation(
        type="date",
        operator="between",
        formula1="DATE(2000,1,1)",
        formula2="DATE(2100,12,31)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Date",
        error="Type a date between 2000 and 2100.",
    )
    validation.add(f"{letter}2:{letter}5000")
    ws.add_data_validation(validation)


def plan_workbook(
    commitments: Sequence[dict[str, Any]],
    milestones: Sequence[dict[str, Any]],
    area_keys: Sequence[str],
    commitment_statuses: Sequence[str],
    milestone_statuses: Sequence[str],
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = COMMITMENTS_SHEET
    _sheet(
        sheet,
        COMMITMENT_HEADERS,
        [
            (c["id"], c["version"], c["area"], c["title"], c["status"], c["target_date"], c["description"])
            for c in commitments
        ],
    )
    _drop_down(sheet, 3, "A", len(area_keys), "Area")
    _drop_down(sheet, 5, "B", len(commitment_statuses), "Status")
    _date_rule(sheet, 6)
    titles = {c["id"]: c["title"] for c in commitments}
    sheet = workbook.create_sheet(MILESTONES_SHEET)
    _sheet(
        sheet,
        MILESTONE_HEADERS,
        [
            (
                m["id"],
                m["version"],
                m["commitment_id"],
                titles.get(m["commitment_id"], ""),
                m["title"],
                m["due_date"],
                m["status"],
                m["completed_on"],
                m["timeframe_text"],
            )
            for m in milestones
        ],  # fmt: skip
    )
    _drop_down(sheet, 7, "C", len(milestone_statuses), "Status")
    _date_rule(sheet, 6)
    _date_rule(sheet, 8)
    lists = workbook.create_sheet(LISTS_SHEET)
    for column, (header, values) in enumerate(
        (
            ("Area", area_keys),
            ("Commitment status", commitment_statuses),
            ("Milestone status", milestone_statuses),
        ),
        start=1,
    ):
        _put(lists, 1, column, header)
        for number, value in enumerate(values, start=2):
            _put(lists, number, column, value)
    lists.sheet_state = "hidden"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
