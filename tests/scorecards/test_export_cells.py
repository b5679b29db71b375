"""Formula-looking text is written as text in xlsx and CSV, and read back as typed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from models.cells import csv_value, looks_like_formula, plain_value
from scorecards.csv_export import CSV_ENCODING, frame_csv_bytes
from scorecards.workbook.sheet import Column, SheetSpec, write_frame_sheet

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "#N/A",
    "=",
]
HARMLESS = ["Policy (demo)", "50% done", "a = b"]


def hostile_frame() -> pd.DataFrame:
    texts = HOSTILE + HARMLESS
    return pd.DataFrame(
        {
            "text": texts,
            "number": [float(i) / 2 for i in range(len(texts))],
            "day": [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(len(texts))],
        }
    )


COLUMNS = [
    Column("text", "Text"),
    Column("number", "Number", number_format="0.0"),
    Column("day", "Day"),
]


def write_workbook(frame: pd.DataFrame) -> bytes:
    wb = Workbook(write_only=True)
    write_frame_sheet(wb, SheetSpec(title="Data", columns=COLUMNS), frame)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_triggers_are_recognised(text: str) -> None:
    assert looks_like_formula(text)
    assert csv_value(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert not looks_like_formula(text)
    assert csv_value(text) == text


def test_xlsx_formula_looking_text_reads_back_as_plain_text_with_openpyxl() -> None:
    data = write_workbook(hostile_frame())
    ws = load_workbook(io.BytesIO(data))["Data"]
    rows = list(ws.iter_rows(min_row=2, values_only=False))
    texts = [row[0] for row in rows]
    assert [cell.value for cell in texts] == HOSTILE + HARMLESS
    assert all(cell.data_type == "s" for cell in texts)
    assert all(texts[i].quotePrefix for i in range(len(HOSTILE)))
    # Numbers stay numbers, dates stay dates.
    assert [row[1].value for row in rows] == [float(i) / 2 for i in range(len(rows))]
    assert rows[0][2].is_date and rows[0][2].value == dt.datetime(2025, 1, 1)


def test_xlsx_formula_looking_text_reads_back_as_plain_text_with_calamine() -> None:
    data = write_workbook(hostile_frame())
    frame = pd.read_excel(
        io.BytesIO(data), sheet_name="Data", engine="calamine", keep_default_na=False, na_values=[]
    )
    assert frame["Text"].tolist() == HOSTILE + HARMLESS
    assert frame["Number"].tolist() == [float(i) / 2 for i in range(len(frame))]


def test_xlsx_has_no_formula_element_anywhere() -> None:
    data = write_workbook(hostile_frame())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


def test_csv_prefixes_formula_looking_text_and_keeps_numbers() -> None:
    frame = hostile_frame()
    data = frame_csv_bytes(frame, COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode(CSV_ENCODING), newline="")))
    assert rows[0] == ["Text", "Number", "Day"]
    assert [row[0] for row in rows[1:]] == ["'" + t for t in HOSTILE] + HARMLESS
    assert rows[1][1:] == ["0.0", "2025-01-01"]
    assert all(not field.startswith(("=", "+", "@", "\t", "\r")) for row in rows for field in row)


def test_values_are_made_storable() -> None:
    aware = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert plain_value(aware) == dt.datetime(2025, 3, 1, 10, 0)
    assert plain_value("bell\x07 and\tnewline\n") == "bell and\tnewline\n"
    assert plain_value(float("nan")) is None
    assert plain_value(pd.NaT) is None
    assert plain_value(pd.NA) is None
    assert len(plain_value("x" * 40_000)) == 32_767
