"""Evidence files in a real browser: a focal point attaches a PDF from the update form, the
secretariat previews it on the verification page and rejects it with a reason; axe stays clean."""

from __future__ import annotations

from typing import Any

import pytest

from models.demo import DEMO_DOMAIN, DEMO_PASSWORD
from models.engine import fetch
from tests.evidence_samples import pdf
from tests.pages.harness import assert_accessible, log_in, log_out, screenshot

pytestmark = pytest.mark.browser  # and so slow (tests/conftest.py)


async def test_a_pdf_is_uploaded_previewed_and_rejected(page: Any, live_demo: Any) -> None:
    commitment = (
        await fetch(
            "SELECT c.id, c.organization FROM commitment c JOIN organization o ON o.id = c.organization "
            "WHERE o.acronym = 'NRA' ORDER BY c.id LIMIT 1"
        )
    )[0]
    # The demo's own links are decided, so this file is the one waiting.
    await fetch("UPDATE evidence SET verified_at = created_at")
    await log_in(page, f"focal.nra@{DEMO_DOMAIN}", DEMO_PASSWORD)
    await page.goto(f"/organizations/{commitment['organization']}/commitments/{commitment['id']}/updates/new")
    await page.get_by_label("What happened").fill("The protection policy was signed.")
    await page.get_by_label("Files to attach").set_input_files(
        files=[{"name": "signed-policy.pdf", "mimeType": "application/pdf", "buffer": pdf("signed")}]
    )
    await assert_accessible(page)
    await page.get_by_role("button", name="Add the update").click()
    await page.wait_for_load_state("domcontentloaded")
    assert "Progress update added with 1 file." in await page.locator(".flash").inner_text()
    assert await page.get_by_role("link", name="signed-policy.pdf").count() == 1
    await log_out(page)

    await log_in(page, f"secretariat@{DEMO_DOMAIN}", DEMO_PASSWORD)
    await page.goto("/admin/evidence/")
    await page.get_by_text("Preview", exact=False).first.click()
    frame = page.locator("iframe[title='Preview of signed-policy.pdf']")
    await frame.wait_for()
    preview = await page.request.get(await frame.get_attribute("src"))
    assert preview.status == 200 and preview.headers["content-type"].startswith("application/pdf")
    assert preview.headers["x-content-type-options"] == "nosniff"
    await assert_accessible(page)
    await screenshot(page, "evidence-preview")
    await page.get_by_label("Reason for rejecting").last.fill("The signature page is missing.")
    await page.get_by_role("button", name="Reject signed-policy.pdf of NRA").click()
    await page.wait_for_load_state("domcontentloaded")
    assert "Rejected: signed-policy.pdf." in await page.locator(".flash").inner_text()
    await assert_accessible(page)
    rows = await fetch("SELECT rejection_reason FROM evidence WHERE file_name = 'signed-policy.pdf'")
    assert [r["rejection_reason"] for r in rows] == ["The signature page is missing."]
