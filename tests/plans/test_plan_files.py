"""Reading plan files: columns by meaning, CSV in the encodings and separators offices use, and
hostile files refused in one line before anything is read into the database."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from models.errors import UserError
from models.plan_files import MAX_ROWS, read_plan_file
from tests.plans.files import MATRIX_HEADERS, MATRIX_ROWS, csv_bytes, with_cached_values, xlsx_bytes


def test_columns_are_matched_by_meaning_and_unknown_columns_kept() -> None:
    table = read_plan_file(xlsx_bytes(), "matrix.xlsx")
    assert table.columns == {
        "title": "Follow Up Action",
        "comments": "Comments",
        "timeframe": "Component actions (with timeframe)",
        "lead": "Lead Organization",
    }
    assert table.extra_columns == ["Recommendation"]
    first = table.rows[0]
    assert first.number == 2
    assert first.values["title"] == "Adopt a protection policy"
    assert first.extra == {"Recommendation": "R1"}


@pytest.mark.parametrize(
    "headers",
    [
        ("Action", "Timeframe", "Responsible", "CoP area", "Notes", "Deadline", "Status"),
        ("Titre", "Échéancier", "Chef de file", "Domaine", "Commentaires", "Date limite", "Statut"),
    ],
)
def test_synonyms_in_english_and_french(headers: tuple[str, ...]) -> None:
    table = read_plan_file(csv_bytes(headers, [("a", "b", "c", "d", "e", "f", "g")]), "plan.csv")
    assert set(table.columns) == {"title", "timeframe", "lead", "area", "comments", "due", "status"}


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("cp1252", ",")],
)
def test_csv_encodings_and_separators(encoding: str, delimiter: str) -> None:
    rows = [("Élaborer la politique", "d'ici fin mars 2026", "NRA")]
    data = csv_bytes(("Action", "Calendrier", "Responsable"), rows, delimiter=delimiter, encoding=encoding)
    (row,) = read_plan_file(data, "plan.csv").rows
    assert row.values == {"title": "Élaborer la politique", "timeframe": "d'ici fin mars 2026", "lead": "NRA"}


def test_dates_in_a_workbook_stay_dates() -> None:
    data = xlsx_bytes(("Title", "Due"), [("Policy", dt.datetime(2026, 3, 31))])
    (row,) = read_plan_file(data, "plan.xlsx").rows
    assert row.values["due"] == dt.date(2026, 3, 31)


def test_a_sheet_is_chosen_by_name_and_a_missing_one_named() -> None:
    data = xlsx_bytes(title="Action plan")
    assert read_plan_file(data, "p.xlsx", sheet="action plan").sheet == "Action plan"
    with pytest.raises(UserError, match="no sheet 'Other'; its sheets are: Action plan"):
        read_plan_file(data, "p.xlsx", sheet="Other")


def test_a_file_without_a_title_column_says_which_headers_work() -> None:
    with pytest.raises(UserError, match="no column for the action's title"):
        read_plan_file(csv_bytes(("Lead", "Timeframe"), [("NRA", "2026")]), "plan.csv")


def test_formulas_are_read_as_their_saved_values() -> None:
    data = with_cached_values(xlsx_bytes(("Title", "Timeframe"), [("Policy", '="Q3 "&2026')]), "Q3 2026")
    (row,) = read_plan_file(data, "plan.xlsx").rows
    assert row.values["timeframe"] == "Q3 2026"


def test_a_formula_without_a_saved_value_is_refused_with_its_cell() -> None:
    data = xlsx_bytes(("Title", "Due"), [("Policy", "=TODAY()+30")])
    with pytest.raises(UserError, match="cell B2 of sheet 'Matrix' holds a formula without a saved value"):
        read_plan_file(data, "plan.xlsx")


def test_more_than_ten_megabytes_is_refused() -> None:
    with pytest.raises(UserError, match="larger than 10 MB"):
        read_plan_file(b"Title\n" + b"x" * (10 * 1024 * 1024), "big.csv")


def test_more_than_five_thousand_rows_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [(f"Action {n}", "2026") for n in range(MAX_ROWS + 1)]
    with pytest.raises(UserError, match="more than 5,000 rows"):
        read_plan_file(csv_bytes(("Title", "Timeframe"), rows), "long.csv")
    assert len(read_plan_file(csv_bytes(("Title", "Timeframe"), rows[:MAX_ROWS]), "ok.csv").rows) == MAX_ROWS
    monkeypatch.setattr("models.plan_files.MAX_ROWS", 20)  # the same rule for workbooks, on a small one
    with pytest.raises(UserError, match="more than 20 rows"):
        read_plan_file(xlsx_bytes(("Title", "Timeframe"), rows[:21]), "long.xlsx")
    assert len(read_plan_file(xlsx_bytes(("Title", "Timeframe"), rows[:20]), "ok.xlsx").rows) == 20


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as real:
            for item in real.infolist():
                archive.writestr(item, real.read(item.filename))
        archive.writestr("xl/media/padding.bin", b"\0" * (20 * 1024 * 1024))  # packs into 20 kB
    with pytest.raises(UserError, match="zip bomb"):
        read_plan_file(out.getvalue(), "bomb.xlsx")


def test_macro_enabled_and_encrypted_workbooks_are_refused() -> None:
    with pytest.raises(UserError, match="macro-enabled"):
        read_plan_file(xlsx_bytes(), "plan.xlsm")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive, zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as real:
        for item in real.infolist():
            archive.writestr(item, real.read(item.filename))
        archive.writestr("xl/vbaProject.bin", b"macro")
    with pytest.raises(UserError, match="contains macros"):
        read_plan_file(out.getvalue(), "renamed.xlsx")
    # Excel saves a password-protected workbook as an OLE container (EncryptionInfo + EncryptedPackage).
    with pytest.raises(UserError, match="encrypted"):
        read_plan_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "secret.xlsx")


def test_a_damaged_workbook_is_refused_in_one_line() -> None:
    with pytest.raises(UserError, match="not a readable .xlsx"):
        read_plan_file(b"PK\x03\x04 broken", "plan.xlsx")


def test_the_matrix_reads_the_same_from_csv_and_xlsx() -> None:
    from_csv = read_plan_file(csv_bytes(), "m.csv").rows
    from_xlsx = read_plan_file(xlsx_bytes(), "m.xlsx").rows
    assert [r.values for r in from_csv] == [r.values for r in from_xlsx]
    assert len(from_csv) == len(MATRIX_ROWS) and len(MATRIX_HEADERS) == 5
