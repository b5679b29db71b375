"""The plan import in a real browser: a focal point uploads a matrix, reads the preview, confirms,
and finds the commitments and their milestones (an undated one shown with its timeframe)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.pages.harness import follow_nav, log_in, screenshot
from tests.plans.files import MATRIX_HEADERS, MATRIX_ROWS, xlsx_bytes

pytestmark = pytest.mark.browser  # and so slow (tests/conftest.py)

FOCAL = f"focal.nra@{DEMO_DOMAIN}"


async def test_a_focal_point_imports_a_matrix_through_the_page(
    page: Any, live_demo: Any, tmp_path: Path
) -> None:
    matrix = tmp_path / "protection-matrix.xlsx"
    matrix.write_bytes(xlsx_bytes(MATRIX_HEADERS, [row[:4] + ("NRA",) for row in MATRIX_ROWS]))
    await log_in(page, FOCAL, DEMO_PASSWORD)
    await follow_nav(page, "My organization")
    await page.get_by_role("link", name="Import a plan").click()
    await page.get_by_label("Plan file").set_input_files(str(matrix))
    await page.get_by_label("Date of the document").fill("2016-01-10")
    await page.get_by_role("button", name="Preview the import").click()
    status = await page.get_by_role("status").inner_text()
    assert status.startswith("protection-matrix.xlsx: 4 created (dry run: nothing was written")
    table = await page.locator("table").inner_text()
    assert "1st draft: 2016-02-24" in table and "endorsement: 2016-03-31" in table
    assert "date depends on an event" in table and "recurring" in table
    await screenshot(page, "plan-import-preview")
    await page.get_by_label("Accept the 4 suggested areas").check()
    await page.get_by_role("button", name="Import protection-matrix.xlsx").click()
    assert (
        await page.locator(".flash").inner_text()
    ).strip() == "protection-matrix.xlsx: 4 created (written)"
    await page.get_by_role("link", name="Allocate a budget line for protection").click()
    milestones = await page.locator("table").first.inner_text()
    assert "after WHS" in milestones
    await screenshot(page, "plan-import-commitment")
