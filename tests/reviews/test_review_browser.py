"""Peer review in a real browser, axe-checked at every step: the secretariat creates and opens a
round, a reviewer writes and submits, the reviewee replies, the round closes, and a peer and a donor
read the result on the reviewee's scorecard page (the donor without the `peer` comment)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from models.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.api.support import org_id
from tests.pages.harness import assert_accessible, log_in, log_out, screenshot

pytestmark = pytest.mark.browser  # and so slow (tests/conftest.py)

PEER_ONLY = "Peer-only remark 5521 on the policy annex."
FOR_DONORS = "Training reached every country office (donor-visible)."
REPLY = "Roll-out figures follow in the next report."


def demo(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


async def sign_in_as(page: Any, local: str) -> None:
    await page.context.clear_cookies()
    await log_in(page, demo(local), DEMO_PASSWORD)


async def write_comment(page: Any, area: str, strengths: str, visibility: str) -> None:
    section = page.locator(f"section#area-{area}")
    await section.get_by_label("Strengths").fill(strengths)
    await section.get_by_label("Who may read this comment?").select_option(visibility)
    await section.get_by_role("button", name="Save the").click()
    await page.wait_for_load_state("domcontentloaded")
    assert (await page.locator(".flash").inner_text()).strip() == "Comment saved as a draft."


async def test_a_round_from_opening_to_the_scorecard_in_the_browser(page: Any, live_demo: Any) -> None:
    cycle = live_demo.cycles[-2]  # published
    today = dt.date.today()  # the live server runs on the real clock
    await sign_in_as(page, "secretariat")
    await page.goto("/admin/review-rounds")
    await assert_accessible(page)
    await page.get_by_label("Name").fill("Browser round")
    await page.get_by_label("Published cycle").select_option(cycle)
    await page.get_by_label("Reviews due").fill((today + dt.timedelta(days=7)).isoformat())
    await page.get_by_label("Replies due").fill((today + dt.timedelta(days=14)).isoformat())
    await page.get_by_role("button", name="Create the round").click()
    await page.wait_for_load_state("domcontentloaded")
    assert (await page.locator(".flash").inner_text()).strip() == "Round created with proposed pairs."
    await assert_accessible(page)  # with the form that changes the pairs
    await screenshot(page, "review-round-draft")
    row = page.locator("table").first.locator("tr", has=page.locator("th", has_text="USP"))
    reviewee = (await row.locator("td").first.inner_text()).strip()
    await page.get_by_role("button", name="Open the round").click()
    await page.wait_for_load_state("domcontentloaded")
    assert (await page.locator(".flash").inner_text()).strip() == "Round opened: reviewers may write."

    await sign_in_as(page, "reviewer.usp")
    await page.get_by_role("link", name=f"USP reviews {reviewee}, Browser round").click()
    await page.wait_for_load_state("domcontentloaded")
    assert await page.get_by_role("heading", level=1).inner_text() == f"USP reviews {reviewee} ({cycle})"
    await assert_accessible(page)
    await write_comment(page, "policy", PEER_ONLY, "peer")
    await write_comment(page, "capacity", FOR_DONORS, "donor")
    await page.get_by_role("button", name="Submit the review").click()
    await page.wait_for_load_state("domcontentloaded")
    assert "Review submitted" in await page.locator(".flash").inner_text()
    await log_out(page)

    await sign_in_as(page, f"focal.{reviewee.lower()}")
    await page.get_by_role("link", name=f"USP reviews {reviewee}, Browser round").click()
    await page.wait_for_load_state("domcontentloaded")
    await assert_accessible(page)
    capacity = page.locator("section#area-capacity")
    await capacity.get_by_label("Your reply").fill(REPLY)
    await capacity.get_by_role("button", name="Reply to the Capacity comment").click()
    await page.wait_for_load_state("domcontentloaded")
    assert (await page.locator(".flash").inner_text()).strip() == "Reply added."
    await screenshot(page, "review-replied")

    await sign_in_as(page, "secretariat")
    await page.goto("/admin/review-rounds")
    await page.get_by_role("link", name="Browser round").click()
    await page.get_by_role("button", name="Close the round").click()
    await page.wait_for_load_state("domcontentloaded")
    assert "Round closed" in await page.locator(".flash").inner_text()
    assert "closed" in await page.get_by_role("heading", level=1).inner_text()
    await assert_accessible(page)

    scorecard = f"/organizations/{await org_id(reviewee)}/scorecards/{cycle}"
    await sign_in_as(page, "focal.rce")  # a peer: another organization's focal point
    await page.goto(scorecard)
    record = await page.locator("#peer-review").inner_text()
    assert PEER_ONLY in record and FOR_DONORS in record and REPLY in record
    await assert_accessible(page)

    await sign_in_as(page, "donor")
    await page.goto(scorecard)
    record = await page.locator("#peer-review").inner_text()
    assert FOR_DONORS in record and REPLY in record
    assert PEER_ONLY not in await page.content()
    await assert_accessible(page)
    await screenshot(page, "review-on-the-donor-scorecard")
