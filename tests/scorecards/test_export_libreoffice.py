"""The workbook opens in LibreOffice as it was written: LibreOffice loads it, recalculates, and saves
it again; the saved copy still holds the same Summary, and formula-looking text is still text.

Skipped where LibreOffice is not installed (`apt-get install libreoffice-calc-nogui`).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from models.caller import SYSTEM
from models.engine import fetch
from models.words import speaking
from scorecards.exports import comparison_file
from tests.conftest import TODAY
from tests.scorecards.test_brief_pdf import BIDI_CONTROLS
from tests.scorecards.workbooks import SHEETS, kind_and_value, openpyxl_rows, xml_parts

SOFFICE = shutil.which("soffice")
HOSTILE = "=cmd|' /C calc'!A0"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed"),
]


def resave_with_libreoffice(
    source: Path, tmp_path: Path, target: str = "xlsx:Calc MS Excel 2007 XML"
) -> bytes:
    out = tmp_path / "resaved"
    profile = tmp_path / "profile"
    result = subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    return (out / source.with_suffix("." + target.split(":")[0]).name).read_bytes()


async def test_libreoffice_reads_the_workbook_as_written(demo, tmp_path: Path) -> None:
    await fetch("UPDATE commitment SET title = {} WHERE id = (SELECT MIN(id) FROM commitment)", HOSTILE)
    # The open cycle's internal workbook reads live rows (a closed cycle's and a donor's read the
    # copies frozen at publishing).
    original = (await comparison_file(SYSTEM, "2026-H2", "internal", None, "xlsx", today=TODAY)).content
    source = tmp_path / "comparison.xlsx"
    source.write_bytes(original)

    resaved = resave_with_libreoffice(source, tmp_path)

    assert load_workbook(io.BytesIO(resaved)).sheetnames == SHEETS
    before, after = openpyxl_rows(original, "Summary"), openpyxl_rows(resaved, "Summary")
    assert len(after) == len(before) == 14
    for old, new in zip(before, after, strict=True):
        assert {k: kind(v) for k, v in new.items()} == {k: kind_and_value(v) for k, v in old.items()}
    assert HOSTILE in {row["Commitment"] for row in openpyxl_rows(resaved, "Commitments")}
    for name, part in xml_parts(resaved).items():
        if name.startswith("xl/worksheets/sheet"):
            formulas = set(re.findall(rb"<f[^>]*>([^<]*)</f>", part))
            assert formulas <= {b"TRUE()", b"FALSE()"}, (name, formulas)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
async def test_libreoffice_prints_every_sheet_one_page_wide(demo, tmp_path: Path) -> None:
    """Printed, the Read me is one page and every other sheet's last column shares the page of its
    first: no sheet spills columns onto pages of their own."""
    source = tmp_path / "comparison.xlsx"
    written = (await comparison_file(SYSTEM, "2026-H1", "donor", None, "xlsx", today=TODAY)).content
    source.write_bytes(written)
    pdf = tmp_path / "printed.pdf"
    pdf.write_bytes(resave_with_libreoffice(source, tmp_path, "pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    pages = text.stdout.split("\f")
    assert "comparison for 2026-H1" in pages[0] and "closed review rounds" in pages[0]  # Read me: one page
    # A header word only that sheet has, and a word of its last column (headers wrap in print).
    edges = {
        "Summary": ("Quartile", "Flags"),
        "Trend": ("2025-H2", "type"),
        "Commitments": ("Description", "Target"),
        "Milestones": ("State", "(+)"),
        "Donor expectations": ("Acronym Organization Expectation", "Since"),
        "Peer review": ("Reviewer", "Reply"),
    }
    workbook = load_workbook(io.BytesIO(written))
    for name, (marker, last) in edges.items():
        printed = [page for page in pages[1:] if marker in " ".join(page.split())]
        assert printed and all(last in page for page in printed), name
        # Every word of every header is printed: a header row too short for its wrapped headers
        # prints only their middle lines. The words are looked for above the first data row.
        rows = list(workbook[name].iter_rows(values_only=True))
        header = printed[0]
        first_text = next((str(v) for v in (rows[1] if len(rows) > 1 else ()) if isinstance(v, str)), None)
        if first_text:
            header = header.split(first_text[:20])[0]
        squashed = re.sub(r"\s+", "", header)
        # Lines break at spaces and after hyphens ("self-" / "assessed").
        words = [
            piece for text in rows[0] for word in str(text).split() for piece in re.split("(?<=-)", word)
        ]
        missing = [word for word in words if word and word not in squashed]
        assert not missing, (name, missing)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
async def test_an_arabic_workbook_reads_right_to_left_and_prints_like_the_english_one(
    demo, tmp_path: Path
) -> None:
    """An Arabic workbook's sheets are right to left (column A at the right edge); printed, it takes
    as many pages as the English one: no column spills onto a page of its own."""
    printed = {}
    for locale in ("en", "ar"):
        with speaking(locale):
            content = (await comparison_file(SYSTEM, "2026-H1", "donor", None, "xlsx", today=TODAY)).content
        sheets = {
            name: part for name, part in xml_parts(content).items() if name.startswith("xl/worksheets/sheet")
        }
        assert sheets and all((b'rightToLeft="1"' in part) == (locale == "ar") for part in sheets.values())
        source = tmp_path / f"comparison-{locale}.xlsx"
        source.write_bytes(content)
        pdf = tmp_path / f"printed-{locale}.pdf"
        pdf.write_bytes(resave_with_libreoffice(source, tmp_path / locale, "pdf"))
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        printed[locale] = int(info.split("Pages:")[1].split()[0])
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        )
        read_me = BIDI_CONTROLS.sub("", text.stdout.split("\f")[0])
        assert "2026-H1" in read_me and "H1-2026" not in read_me  # the title's cycle, isolated
    assert printed["ar"] == printed["en"], printed


def kind(value: object) -> tuple[str, object]:
    """LibreOffice has no boolean cells: it saves TRUE as the formula =TRUE()."""
    if value in ("=TRUE()", "=FALSE()"):
        return ("bool", value == "=TRUE()")
    return kind_and_value(value)
