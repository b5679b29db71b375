"""CSV of a frame, with the same formula guard as the workbook.

UTF-8 with a byte-order mark, because that is how Excel recognises UTF-8 when it opens a CSV file
(organization names carry accents); `utf-8-sig` reads it back in Python. Numbers are written as
numbers, dates as ISO dates, missing values as empty fields, and text a spreadsheet would evaluate
gets a leading apostrophe (see `models.cells`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TextIO

import pandas as pd

from models.cells import csv_value
from scorecards.workbook.sheet import Column, column_values

CSV_ENCODING = "utf-8-sig"


def write_frame_csv(out: TextIO, frame: pd.DataFrame, columns: Sequence[Column]) -> None:
    """Write a header line and one line per row of `frame` (the file is opened with newline="")."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_value(column.header) for column in columns])
    for row in zip(*column_values(frame, columns), strict=True) if columns else []:
        writer.writerow([csv_value(value) for value in row])


def frame_csv_bytes(frame: pd.DataFrame, columns: Sequence[Column]) -> bytes:
    buffer = io.StringIO(newline="")
    write_frame_csv(buffer, frame, columns)
    return buffer.getvalue().encode(CSV_ENCODING)
