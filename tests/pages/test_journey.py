"""The whole sign-off journey in a real browser, one role after the other.

A focal point adds a commitment, a milestone and an update and submits; the champion returns the
report with a comment; the focal point fixes it and submits again; the champion approves; the
secretariat publishes; a donor reads the comparison and downloads the spreadsheet, which is opened
and checked, confidential sentence absent. Screenshots of each key page go to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import openpyxl
import pytest

from models import clock
from models.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.pages.harness import ARTIFACTS, follow_nav, log_in, log_out, screenshot

pytestmark = pytest.mark.browser

FOCAL = f"focal.nra@{DEMO_DOMAIN}"
CHAMPION = f"champion.nra@{DEMO_DOMAIN}"
SECRETARIAT = f"secretariat@{DEMO_DOMAIN}"
DONOR = f"donor@{DEMO_DOMAIN}"
SECRET = "Confidential: a partner's staff were threatened in the north-east district."
TITLE = "Adopt the CoP policy annex at the executive board"


async def flash(page: Any) -> str:
    return (await page.locator(".flash").inner_text()).strip()


async def focal_point_adds_a_commitment_a_milestone_and_an_update(page: Any, due: dt.date) -> str:
    await log_in(page, FOCAL, DEMO_PASSWORD)
    await follow_nav(page, "My organization")
    await screenshot(page, "journey-01-dashboard")
    await page.get_by_role("link", name="Add a commitment").first.click()
    await page.get_by_label("Title").fill(TITLE)
    await page.get_by_label("Area").select_option("policy")
    await page.get_by_label("Description").fill(SECRET)
    await page.locator("#description_visibility-internal").check()
    await page.get_by_label("Target date").fill((due + dt.timedelta(days=90)).isoformat())
    await page.get_by_role("button", name="Add the commitment").click()
    assert await flash(page) == f"Commitment “{TITLE}” added."
    commitment_url = page.url

    await page.get_by_role("link", name="Add a milestone").click()
    await page.get_by_label("Title").fill("Board paper drafted")
    await page.get_by_label("Due date").fill(due.isoformat())
    await page.get_by_role("button", name="Add the milestone").click()
    assert await flash(page) == "Milestone “Board paper drafted” added."
    assert await page.get_by_role("cell", name="Board paper drafted", exact=True).count() == 1

    # A mistyped link comes back with the error beside it and everything typed kept.
    await page.get_by_role("link", name="Add a progress update").click()
    await page.get_by_label("Self-assessed level").select_option("3")
    await page.get_by_label("What happened").fill(SECRET)
    await page.locator("#visibility-internal").check()
    await page.locator("#field-evidence_url_0").fill("board-paper.pdf")
    await page.locator("#field-evidence_title_0").fill("Board paper")
    await page.get_by_role("button", name="Add the update").click()
    url_field = page.locator("#field-evidence_url_0")
    assert await url_field.get_attribute("aria-invalid") == "true"
    assert (
        "Link 1: the address of an evidence link" in await page.locator("#error-evidence_url_0").inner_text()
    )
    assert await page.get_by_label("What happened").input_value() == SECRET
    assert await page.locator("#field-evidence_title_0").input_value() == "Board paper"
    await screenshot(page, "journey-02-update-form-with-error")
    await url_field.fill("https://nra.example.org/board-paper.pdf")
    await page.get_by_role("button", name="Add the update").click()
    assert await flash(page) == "Progress update added with 1 evidence link."
    assert SECRET in await page.locator(".history").inner_text()
    await screenshot(page, "journey-03-commitment-with-history")
    return commitment_url


async def submit_the_report(page: Any, cycle: str) -> None:
    await follow_nav(page, "My organization")
    await page.get_by_role("link", name=f"Open the {cycle} report").click()
    await page.get_by_role("button", name=f"Submit the {cycle} report").click()
    assert await flash(page) == f"The {cycle} report was submitted to the champion for sign-off."
    assert await page.locator(".badge.status-submitted").count() == 1


async def open_from_the_queue(page: Any, cycle: str) -> None:
    await follow_nav(page, "Sign-off queue")
    await screenshot(page, "journey-05-sign-off-queue")
    await page.get_by_role("link", name=f"Review the NRA {cycle} report").click()


async def test_a_report_goes_from_focal_point_to_champion_to_secretariat_to_donor(
    page: Any, live_demo: Any
) -> None:
    cycle = live_demo.cycles[-1]
    due = clock.today() + dt.timedelta(days=20)

    # 1. The focal point records progress and submits.
    commitment_url = await focal_point_adds_a_commitment_a_milestone_and_an_update(page, due)
    await submit_the_report(page, cycle)
    await screenshot(page, "journey-04-report-submitted")
    await log_out(page)

    # 2. The champion returns it with a comment (an empty comment is refused, inline).
    await log_in(page, CHAMPION, DEMO_PASSWORD)
    await open_from_the_queue(page, cycle)
    await page.get_by_role("button", name="Return with this comment").click()
    assert await page.get_by_label("Comment for the focal points").get_attribute("aria-invalid") == "true"
    await page.get_by_label("Comment for the focal points").fill("Add the board decision as evidence.")
    await page.get_by_label("Return this report to the focal points").check()
    await page.get_by_role("button", name="Return with this comment").click()
    assert await flash(page) == f"The {cycle} report was returned to the focal points with your comment."
    await screenshot(page, "journey-06-report-returned")
    await log_out(page)

    # 3. The focal point reads the comment, fixes the report and submits again.
    await log_in(page, FOCAL, DEMO_PASSWORD)
    await follow_nav(page, "My organization")
    await page.get_by_role("link", name=f"Open the {cycle} report").click()
    assert (
        "Add the board decision as evidence."
        in await page.locator("section[aria-labelledby=comments-heading]").inner_text()
    )
    await page.goto(commitment_url)
    await page.get_by_role("link", name="Add a progress update").click()
    await page.get_by_label("Self-assessed level").select_option("3")
    await page.get_by_label("What happened").fill("The board adopted the annex; decision attached.")
    await page.locator("#visibility-donor").check()
    await page.locator("#field-evidence_url_0").fill("https://nra.example.org/board-decision.pdf")
    await page.locator("#field-evidence_visibility_0").select_option("donor")
    await page.get_by_role("button", name="Add the update").click()
    assert await flash(page) == "Progress update added with 1 evidence link."
    await submit_the_report(page, cycle)
    await log_out(page)

    # 4. The champion approves.
    await log_in(page, CHAMPION, DEMO_PASSWORD)
    await open_from_the_queue(page, cycle)
    await page.get_by_label("I have read this report and approve it").check()
    await page.get_by_role("button", name="Approve the report").click()
    assert await flash(page) == f"The {cycle} report was approved. The secretariat can now publish it."
    await log_out(page)

    # 5. The secretariat publishes it from the cycle's reporting page.
    await log_in(page, SECRETARIAT, DEMO_PASSWORD)
    await follow_nav(page, "Cycles")
    await page.get_by_role("link", name=f"Who has reported in {cycle}").click()
    await page.get_by_label("Show").select_option("approved")
    await page.get_by_role("button", name="Filter").click()
    await screenshot(page, "journey-07-secretariat-cycle")
    await page.get_by_role("link", name="Preview and publish NRA").click()
    assert await page.get_by_role("heading", name="What donors will read").count() == 1
    assert SECRET not in await page.locator("main").inner_text()
    await page.get_by_label("I have read this preview").check()
    await page.get_by_label("Publish early").check()
    await page.get_by_role("button", name=f"Publish the {cycle} scorecard").click()
    assert "published" in await flash(page)
    await log_out(page)

    # 6. A donor sees the comparison and downloads the spreadsheet.
    await log_in(page, DONOR, DEMO_PASSWORD)
    await follow_nav(page, "Published scorecards")
    await screenshot(page, "journey-08-donor-published")
    await page.get_by_role("link", name=f"Compare organizations in {cycle}").click()
    assert page.url.endswith(f"/scorecards/{cycle}")
    main = await page.locator("main").inner_text()
    assert "NRA" in main and SECRET not in main
    await screenshot(page, "journey-09-donor-comparison")
    await page.go_back()
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name=f"Spreadsheet for {cycle} (xlsx)").click()
    download = await download_info.value
    path = ARTIFACTS / f"donor-comparison-{cycle}.xlsx"
    await download.save_as(str(path))
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert "Summary" in workbook.sheetnames
    summary = [
        [str(c) for c in row if c is not None] for row in workbook["Summary"].iter_rows(values_only=True)
    ]
    assert any("NRA" in row for row in summary)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(SECRET in str(value) for value in row if value is not None), sheet.title


async def test_a_focal_point_cannot_reach_another_organizations_pages(page: Any, live_demo: Any) -> None:
    await log_in(page, FOCAL, DEMO_PASSWORD)
    for path in ("/organizations/2", "/organizations/2/commitments/new", "/organizations/2/submissions/x"):
        response = await page.goto(path)
        assert response is not None and response.status == 404, path
        assert await page.get_by_role("heading", level=1).inner_text() == "Page not found"
        assert "{" not in await page.locator("main").inner_text()
    await screenshot(page, "focal-point-refused")
    # Another organization's commitment, asked for under the focal point's own organization: not found.
    await page.goto("/organizations/1")
    own = await page.locator("a[href^='/organizations/1/commitments/']").first.get_attribute("href")
    others_id = int(own.rsplit("/", 1)[1]) + 200
    response = await page.goto(f"/organizations/1/commitments/{others_id}")
    assert response is not None and response.status == 404
    response = await page.request.post(
        "/organizations/2/commitments/new", form={"title": "Sneaky", "area": "policy"}
    )
    assert response.status in (403, 404)
