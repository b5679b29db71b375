"""Reading an action plan file (xlsx or CSV) into rows keyed by what each column means.

docs/design.md "Importing plans": columns are matched by meaning, not position; headers are compared
case and punctuation insensitively against synonyms, and every other column is kept under its own
header. Files come from outside, so they are read defensively: a size limit, a row limit, a guard on
the uncompressed size of a workbook (a zip bomb), no macro-enabled or encrypted workbooks, formulas
only as the value Excel saved with them. Every refusal is a `UserError` of one line.

Pure: bytes in, a `PlanTable` out; nothing here touches the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from models.errors import UserError
from models.words import N_, without_bidi_controls

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5_000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML and old .xls are OLE containers

# Meaning -> header synonyms (compared after `header_key`). The round-trip columns of the export
# (ids and versions) are part of it, so an exported plan reads back through the same door.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("title", "action", "actions", "follow up action", "follow up actions", "followup action",
              "commitment", "activity", "action point", "action a mener", "titre", "engagement"),
    "timeframe": ("milestones", "milestone", "component actions", "component actions with timeframe",
                  "timeframe", "timeframes", "timeline", "calendrier", "echeancier", "jalons", "delai"),
    "lead": ("lead", "lead organization", "lead organisation", "lead agency", "responsible",
             "responsible organization", "organization", "organisation", "owner", "chef de file",
             "responsable", "lead org"),
    "area": ("area", "cop area", "domain", "pillar", "domaine", "axe"),
    "comments": ("comments", "comment", "notes", "note", "remarks", "commentaires", "observations"),
    "due": ("due", "due date", "deadline", "date", "target date", "echeance", "date limite"),
    "status": ("status", "state", "statut", "etat"),
    "description": ("description",),
    "commitment_id": ("commitment id",),
    "commitment_version": ("commitment version",),
    "milestone_id": ("milestone id",),
    "milestone_version": ("milestone version",),
    "milestone": ("milestone title",),
    "completed_on": ("completed on", "completed"),
}  # fmt: skip


def header_key(header: str) -> str:
    """'Component actions (with timeframe)' -> 'component actions with timeframe'."""
    text = unicodedata.normalize("NFKD", str(header))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_MEANING_OF = {header_key(s): meaning for meaning, names in SYNONYMS.items() for s in names}


@dataclass
class PlanRow:
    number: int  # the row number a person sees in the spreadsheet (header is row 1)
    values: dict[str, Any]  # meaning -> value (str, date, number) for the matched columns
    extra: dict[str, str] = field(default_factory=dict)  # unmatched header -> text


@dataclass
class PlanTable:
    sheet: str
    columns: dict[str, str]  # meaning -> header as written
    extra_columns: list[str]
    rows: list[PlanRow]


def read_plan_file(data: bytes, filename: str, *, sheet: str | None = None) -> PlanTable:
    """The rows of an xlsx or CSV plan; a `UserError` saying what to fix for anything else."""
    name = filename.lower()
    if len(data) > MAX_FILE_BYTES:
        raise UserError(N_("%(file)s is larger than 10 MB: split the plan into several files"), file=filename)
    if name.endswith((".xlsm", ".xltm")):
        raise UserError(
            N_("%(file)s is a macro-enabled workbook: save it as .xlsx (without macros) or CSV"),
            file=filename,
        )
    if data.startswith(OLE_MAGIC):
        raise UserError(
            N_("%(file)s is encrypted or an old .xls workbook: remove the password and save it as .xlsx"),
            file=filename,
        )
    if data.startswith(b"PK"):
        return _read_workbook(data, filename, sheet)
    if name.endswith((".xlsx", ".xls")):
        raise UserError(
            N_("%(file)s is not a readable .xlsx workbook: save it again as .xlsx or CSV"), file=filename
        )
    return _read_csv(data, filename)


def _tabulate(sheet: str, raw_rows: list[tuple[int, list[Any]]], filename: str) -> PlanTable:
    while raw_rows and all(_blank(c) for c in raw_rows[0][1]):
        raw_rows = raw_rows[1:]
    if not raw_rows:
        raise UserError(N_("%(file)s has no header row: the first row must name the columns"), file=filename)
    header_number, header = raw_rows[0]
    columns: dict[str, str] = {}
    positions: dict[int, str] = {}
    extra: dict[int, str] = {}
    for index, cell in enumerate(header):
        title = "" if cell is None else str(cell).strip()
        if not title:
            continue
        meaning = _MEANING_OF.get(header_key(title))
        if meaning is not None and meaning not in columns:
            columns[meaning] = title
            positions[index] = meaning
        else:
            extra[index] = title
    if "title" not in columns and "milestone" not in columns:
        raise UserError(
            N_(
                "%(file)s: no column for the action's title; name one of the headers "
                "'Title', 'Action' or 'Follow Up Action'"
            ),
            file=filename,
        )
    rows = []
    for number, cells in raw_rows[1:]:
        if all(_blank(c) for c in cells):
            continue
        values = {meaning: _value(cells[i]) for i, meaning in positions.items() if i < len(cells)}
        texts = {
            title: _text(cells[i]) for i, title in extra.items() if i < len(cells) and not _blank(cells[i])
        }
        rows.append(PlanRow(number, {k: v for k, v in values.items() if v not in (None, "")}, texts))
    return PlanTable(sheet, columns, list(extra.values()), rows)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _value(cell: Any) -> Any:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, str):
        return without_bidi_controls(cell).strip()
    return cell


def _text(cell: Any) -> str:
    value = _value(cell)
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _read_csv(data: bytes, filename: str) -> PlanTable:
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="strict")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise UserError(
            N_("%(file)s is neither CSV nor .xlsx: save the plan as .xlsx or CSV (UTF-8)"), file=filename
        )
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    raw_rows: list[tuple[int, list[Any]]] = []
    filled = 0
    try:
        for number, cells in enumerate(reader, start=1):
            raw_rows.append((number, list(cells)))
            filled += any(c.strip() for c in cells)
            _check_row_count(filled, filename)
    except csv.Error as error:
        raise UserError(
            N_("%(file)s is not valid CSV (%(error)s): save it again as CSV"), file=filename, error=str(error)
        ) from None
    return _tabulate("", raw_rows, filename)


def _check_archive(data: bytes, filename: str) -> bool:
    """Refuse what must not be opened; True when a worksheet holds formulas (then their saved
    values are checked, which costs a second pass over the sheet)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UserError(
            N_("%(file)s is not a readable .xlsx workbook: save it again as .xlsx or CSV"), file=filename
        ) from None
    with archive:
        members = archive.infolist()
        names = {m.filename.lower() for m in members}
        if "encryptioninfo" in names or "encryptedpackage" in names:
            raise UserError(N_("%(file)s is encrypted: remove the password and save it again"), file=filename)
        if any(n.endswith("vbaproject.bin") for n in names):
            raise UserError(
                N_("%(file)s contains macros: save it as .xlsx (without macros) or CSV"), file=filename
            )
        if "[content_types].xml" not in names:
            raise UserError(
                N_("%(file)s is not a readable .xlsx workbook: save it again as .xlsx or CSV"), file=filename
            )
        total = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members) or 1
        if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
            raise UserError(
                N_(
                    "%(file)s unpacks to %(size)s MB, far more than its size: it looks like a zip bomb and is refused"
                ),
                file=filename,
                size=total // (1024 * 1024),
            )
        sheets = [
            m for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")
        ]
        return any(b"<f" in archive.read(m) for m in sheets)


def _read_workbook(data: bytes, filename: str, sheet: str | None) -> PlanTable:
    from openpyxl import load_workbook

    has_formulas = _check_archive(data, filename)
    try:
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False) if has_formulas else None
    except Exception as error:  # noqa: BLE001 - openpyxl raises many types for a damaged file
        raise UserError(
            N_("%(file)s could not be read as .xlsx (%(error)s): save it again"),
            file=filename,
            error=type(error).__name__,
        ) from None
    try:
        name = _sheet_name(values.sheetnames, sheet, filename)
        raw_rows = _sheet_rows(values[name], formulas[name] if formulas is not None else None, filename, name)
    finally:
        values.close()
        if formulas is not None:
            formulas.close()
    return _tabulate(name, raw_rows, filename)


WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_PART_LIMIT = 1024 * 1024


def plan_sheets(data: bytes) -> list[str]:
    """Sheet names of a workbook (the round trip reads its two sheets by name).

    Read from the workbook part alone: openpyxl would read every sheet through to size it, which
    for a 5,000-row plan costs as much as reading the plan itself. A file without that part (or a
    damaged one) raises, and the plain reader then says what is wrong with it."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if archive.getinfo(WORKBOOK_PART).file_size > WORKBOOK_PART_LIMIT:
            raise ValueError("workbook part too large")
        root = ElementTree.fromstring(archive.read(WORKBOOK_PART))
    return [e.get("name", "") for e in root.iter() if e.tag.rpartition("}")[2] == "sheet"]


def _sheet_name(names: list[str], wanted: str | None, filename: str) -> str:
    if wanted is None:
        return names[0]
    for name in names:
        if name.strip().lower() == wanted.strip().lower():
            return name
    raise UserError(
        N_("%(file)s has no sheet %(sheet)r; its sheets are: %(sheets)s"),
        file=filename,
        sheet=wanted,
        sheets=", ".join(names),
    )


def _sheet_rows(values: Any, formulas: Any | None, filename: str, sheet: str) -> list[tuple[int, list[Any]]]:
    rows: list[tuple[int, list[Any]]] = []
    data_rows = 0
    written_rows = formulas.iter_rows(values_only=True) if formulas is not None else itertools.repeat(())
    for number, (cells, written) in enumerate(
        zip(values.iter_rows(values_only=True), written_rows, strict=False), start=1
    ):
        cells = list(cells)
        for index, (value, source) in enumerate(zip(cells, written, strict=False)):
            if value is None and isinstance(source, str) and source.startswith("="):
                column = _column_letter(index)
                raise UserError(
                    N_(
                        "%(file)s: cell %(cell)s of sheet %(sheet)r holds a formula without a saved value: "
                        "open the file in a spreadsheet, save it, and import it again"
                    ),
                    file=filename,
                    cell=f"{column}{number}",
                    sheet=sheet,
                )
        data_rows += any(not _blank(c) for c in cells)
        _check_row_count(data_rows, filename)
        rows.append((number, cells))
    return rows


def _check_row_count(filled_rows: int, filename: str) -> None:
    """Refuse as soon as the rows (header included) pass the limit, before reading the rest."""
    if filled_rows > MAX_ROWS + 1:
        raise UserError(
            N_("%(file)s has more than %(limit)s rows: split the plan into several files"),
            file=filename,
            limit=f"{MAX_ROWS:,}",
        )


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
