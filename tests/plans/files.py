"""Plan files for the import tests: the IASC matrix's columns, as CSV and as xlsx."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

MATRIX_HEADERS = (
    "Recommendation",
    "Follow Up Action",
    "Comments",
    "Component actions (with timeframe)",
    "Lead Organization",
)
MATRIX_ROWS = (
    (
        "R1",
        "Adopt a protection policy",
        "draft exists",
        "1st draft by 24 February, endorsement by 31 March",
        "NRA",
    ),
    ("R2", "Train staff on protection", "", "End of 2017", "NRA + USP"),
    ("R3", "Report progress through the annual reporting", "", "include in semi-annual reporting", "u.s.p."),
    ("R4", "Allocate a budget line for protection", "", "after WHS", "Northbridge Relief Agency (demo)"),
)


def csv_bytes(
    headers: Sequence[str] = MATRIX_HEADERS,
    rows: Sequence[Sequence[Any]] = MATRIX_ROWS,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    def field(value: Any) -> str:
        text = str(value)
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in f'{delimiter}"\n') else text

    lines = [delimiter.join(field(v) for v in line) for line in (headers, *rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(
    headers: Sequence[str] = MATRIX_HEADERS,
    rows: Sequence[Sequence[Any]] = MATRIX_ROWS,
    *,
    title: str = "Matrix",
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_cached_values(workbook: bytes, value: str) -> bytes:
    """The workbook as a spreadsheet saves it: each formula with its computed value (openpyxl writes
    formulas without one)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"><f>", b' t="str"><f>').replace(b"<v></v>", f"<v>{value}</v>".encode())
            target.writestr(item, data)
    return out.getvalue()
