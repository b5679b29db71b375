"""Reading exported workbooks back, with openpyxl and with python-calamine (through pandas).

Two independent readers: openpyxl is the library that wrote the file, so a file only openpyxl can
read proves little; calamine (Rust) parses the XML its own way, as Excel or LibreOffice would.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import zipfile
from typing import Any

import pandas as pd
from openpyxl import load_workbook

SHEETS = ["Read me", "Summary", "Trend", "Commitments", "Milestones", "Donor expectations", "Peer review"]
DONOR_SHEETS = [*SHEETS, "Expectation answers"]  # a donor's workbook adds the /donors matrix


def kind_and_value(value: Any) -> tuple[str, Any]:
    """A cell or JSON value reduced to (kind, value), so that 3 and 3.0 match but "3" and 3 do not,
    and an empty cell matches JSON null or an empty string."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return ("empty", None)
    if value is pd.NaT or value is pd.NA:
        return ("empty", None)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return ("date", value.isoformat()[:10])
    return ("text", str(value))


def openpyxl_rows(data: bytes, sheet: str) -> list[dict[str, Any]]:
    ws = load_workbook(io.BytesIO(data))[sheet]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def calamine_rows(data: bytes, sheet: str) -> list[dict[str, Any]]:
    frame = pd.read_excel(
        io.BytesIO(data), sheet_name=sheet, engine="calamine", keep_default_na=False, na_values=[]
    )
    return [
        {key: (None if value == "" else value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def as_json(mapping: Any) -> Any:
    """What a client receives: the mapping through a JSON encoder and back."""
    return json.loads(json.dumps(mapping, default=str))


def xml_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def summary_matches_json(data: bytes, items: list[dict[str, Any]], headers: dict[str, str]) -> None:
    """Assert the Summary equals the JSON items cell for cell, read by both readers.

    `headers` maps each JSON key to the Summary header it is written under.
    """
    for reader in (openpyxl_rows, calamine_rows):
        rows = reader(data, "Summary")
        assert len(rows) == len(items), reader.__name__
        if rows:  # same columns, same order
            assert list(rows[0]) == [headers[key] for key in items[0]], reader.__name__
        for row, item in zip(rows, items, strict=True):
            assert set(row) == set(headers.values()), reader.__name__
            for key, value in item.items():
                cell = row[headers[key]]
                assert kind_and_value(cell) == kind_and_value(value), (reader.__name__, item["acronym"], key)
