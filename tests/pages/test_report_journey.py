"""The daily loop and the sign-off, on a phone-sized Chromium window, with axe and the 390 px check
at every step.

A focal point marks an overdue milestone done from the dashboard and adds an update with a PDF
from another overdue row; submits with a cover note; the champion reads the report and returns it
with a comment; the focal point replies and submits again; the champion approves with a comment;
the secretariat previews the peer and donor view and publishes early; a donor reads the result,
which says it was published before the cycle closed.
"""

from __future__ import annotations

from typing import Any

import pytest

from models.demo import DEMO_DOMAIN, DEMO_PASSWORD
from models.engine import fetch
from tests.evidence_samples import pdf
from tests.pages.harness import assert_accessible, log_in, log_out, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
FOCAL = f"focal.nra@{DEMO_DOMAIN}"
CHAMPION = f"champion.nra@{DEMO_DOMAIN}"
SECRETARIAT = f"secretariat@{DEMO_DOMAIN}"
DONOR = f"donor@{DEMO_DOMAIN}"
COVER = "Two milestones slipped after the office move; both are done now."
RETURN = "Say which board meeting adopted the annex."
REPLY = "The March board meeting adopted it; the minutes are attached."
APPROVE = "Thank you: approved for publication."


async def step(page: Any, name: str) -> None:
    """Every page of the journey: axe clean and nothing wider than the phone."""
    await page.wait_for_load_state("domcontentloaded")
    await assert_accessible(page)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (name, page.url, width)
    await screenshot(page, f"report-journey-{name}")


async def flash(page: Any) -> str:
    return (await page.locator(".flash").inner_text()).strip()


async def overdue_titles(org: int) -> list[str]:
    rows = await fetch(
        "SELECT m.title FROM milestone m JOIN commitment c ON c.id = m.commitment "
        "WHERE c.organization = {} AND m.status NOT IN ('done', 'dropped') AND m.due_date < CURRENT_DATE "
        "ORDER BY m.due_date, m.id",
        org,
    )
    return [r["title"] for r in rows]


async def test_the_report_journey_on_a_phone(page: Any, live_demo: Any) -> None:
    await page.set_viewport_size(PHONE)
    cycle = live_demo.cycles[-1]
    org = int((await fetch("SELECT id FROM organization WHERE acronym = 'NRA'"))[0]["id"])
    report = f"/organizations/{org}/submissions/{cycle}"
    overdue = await overdue_titles(org)
    assert len(overdue) >= 2, overdue

    # 1. The focal point marks an overdue milestone done from the dashboard (two clicks) ...
    await log_in(page, FOCAL, DEMO_PASSWORD)
    await page.goto(f"/organizations/{org}")
    await step(page, "01-dashboard")
    await page.get_by_role("button", name=f"Mark done {overdue[0]}").click()
    assert "done" in (await flash(page)).lower()
    await step(page, "02-marked-done")
    # ... and adds an update with a PDF from another overdue row.
    await page.get_by_role("link", name=f"Add update on {overdue[1]}").click()
    await step(page, "03-update-form")
    await page.get_by_label("What happened").fill("The board paper went out; the signed annex is attached.")
    await page.get_by_label("Files to attach").set_input_files(
        files=[{"name": "signed-annex.pdf", "mimeType": "application/pdf", "buffer": pdf("annex")}]
    )
    await page.get_by_role("button", name="Add the update").click()
    assert "Progress update added" in await flash(page)
    await step(page, "04-update-added")
    assert await page.get_by_role("link", name="signed-annex.pdf").count() == 1

    # 2. Submits with a cover note.
    await page.goto(report)
    await step(page, "05-report-draft")
    await page.get_by_label("Cover note to your champion").fill(COVER)
    await page.get_by_role("button", name=f"Submit the {cycle} report").click()
    assert await flash(page) == f"The {cycle} report was submitted to the champion for sign-off."
    await step(page, "06-report-submitted")
    await log_out(page)

    # 3. The champion reads the report and returns it with a comment.
    await log_in(page, CHAMPION, DEMO_PASSWORD)
    await page.goto("/sign-off")
    await step(page, "07-sign-off-queue")
    await page.get_by_role("link", name=f"Review the NRA {cycle} report").click()
    await step(page, "08-champion-reads")
    assert COVER in await page.locator(".cover-note").inner_text()
    await page.get_by_label("Comment for the focal points").fill(RETURN)
    await page.get_by_label("Return this report to the focal points").check()
    await page.get_by_role("button", name="Return with this comment").click()
    assert await flash(page) == f"The {cycle} report was returned to the focal points with your comment."
    await step(page, "09-returned")
    await log_out(page)

    # 4. The focal point replies in the conversation and submits again.
    await log_in(page, FOCAL, DEMO_PASSWORD)
    await page.goto(report)
    assert RETURN in await page.locator("section[aria-labelledby=comments-heading]").inner_text()
    await page.get_by_label("Your comment").fill(REPLY)
    await page.get_by_role("button", name="Add the comment").click()
    assert await flash(page) == f"Your comment was added to the {cycle} report."
    await step(page, "10-replied")
    await page.get_by_role("button", name=f"Submit the {cycle} report").click()
    assert "submitted" in await flash(page)
    await log_out(page)

    # 5. The champion approves with a comment.
    await log_in(page, CHAMPION, DEMO_PASSWORD)
    await page.goto(report)
    assert REPLY in await page.locator("section[aria-labelledby=comments-heading]").inner_text()
    await page.get_by_label("Comment with your approval").fill(APPROVE)
    await page.get_by_label("I have read this report and approve it").check()
    await page.get_by_role("button", name="Approve the report").click()
    assert await flash(page) == f"The {cycle} report was approved. The secretariat can now publish it."
    await step(page, "11-approved")
    await log_out(page)

    # 6. The secretariat previews the peer and donor view, then publishes early.
    await log_in(page, SECRETARIAT, DEMO_PASSWORD)
    await page.goto(report)
    await page.get_by_role("link", name="Preview what peers and donors will see, then publish").click()
    await step(page, "12-preview")
    main = await page.locator("main").inner_text()
    assert "What peers will read" in main and "What donors will read" in main
    assert RETURN not in main and REPLY not in main and COVER not in main  # internal conversation
    await page.get_by_label("I have read this preview").check()
    await page.get_by_role("button", name=f"Publish the {cycle} scorecard").click()
    assert await page.locator("#error-publish_early").count() == 1  # early needs its own box
    await step(page, "13-publish-early-asked")
    await page.get_by_label("I have read this preview").check()
    await page.get_by_label("Publish early").check()
    await page.get_by_role("button", name=f"Publish the {cycle} scorecard").click()
    assert "published" in await flash(page)
    await step(page, "14-published")
    await log_out(page)

    # 7. A donor reads the result, which says it was published before the cycle closed.
    await log_in(page, DONOR, DEMO_PASSWORD)
    await page.goto("/published")
    await step(page, "15-donor-published")
    await page.get_by_role("link", name=f"Compare organizations in {cycle}").click()
    await step(page, "16-donor-comparison")
    assert "Published before the cycle closed" in await page.locator("main").inner_text()
    await page.get_by_role("link", name="NRA", exact=True).first.click()
    await step(page, "17-donor-scorecard")
    text = await page.locator("main").inner_text()
    assert "Published before the cycle closed" in text
    for internal in (COVER, RETURN, REPLY, APPROVE):
        assert internal not in text
