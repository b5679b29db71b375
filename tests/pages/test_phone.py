"""At a phone's width (390 px) no page scrolls sideways, wide tables scroll in their own box, and
no text, the heat map's included, is drawn smaller than 12 px."""

from __future__ import annotations

from typing import Any

import pytest

from models.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.pages.harness import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# The smallest rendered text, in CSS pixels, of any visible text on the page (SVG text scaled as
# drawn: its font size times the SVG's scale on screen).
SMALLEST_TEXT = """() => {
  let smallest = 1000;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || el.closest('.visually-hidden, [hidden], .printed-on')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    let size = parseFloat(style.fontSize);
    const svg = el.closest('svg');
    if (svg && el.getScreenCTM) {
      const m = el.getScreenCTM();
      size = size * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    }
    smallest = Math.min(smallest, size);
  }
  return smallest;
}"""


async def phone_check(page: Any, path: str) -> None:
    response = await page.goto(path)
    assert response is not None and response.status == 200, path
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (path, width)
    smallest = await page.evaluate(SMALLEST_TEXT)
    assert smallest >= 12, (path, smallest)


async def test_no_page_scrolls_sideways_at_390_px(page: Any, live_demo: Any) -> None:
    await page.set_viewport_size(PHONE)
    published = live_demo.cycles[-2]
    cycle = live_demo.cycles[-1]
    await log_in(page, f"focal.nra@{DEMO_DOMAIN}", DEMO_PASSWORD)
    await page.goto("/organizations/1")
    commitment = await page.locator("a[href^='/organizations/1/commitments/']").first.get_attribute("href")
    for path in (
        "/",
        "/organizations/1",
        commitment,
        f"{commitment}/edit",
        f"{commitment}/milestones/new",
        f"{commitment}/updates/new",
        f"/organizations/1/submissions/{cycle}",
        f"/organizations/1/expectations/{cycle}",
        f"/organizations/1/scorecards/{cycle}",
        "/published",
        f"/scorecards/{published}",
        "/account",
    ):
        await phone_check(page, path)
    await screenshot(page, "phone-focal")
    await page.context.clear_cookies()
    await log_in(page, f"secretariat@{DEMO_DOMAIN}", DEMO_PASSWORD)
    for path in (
        "/",
        "/admin/organizations",
        "/admin/people",
        "/admin/cycles",
        f"/admin/cycles/{cycle}",
        "/admin/evidence",
        "/admin/areas",
        "/admin/reminders",
        "/admin/review-rounds",
        "/admin/expectations",
        "/sign-off",
        f"/scorecards/{cycle}",
    ):
        await phone_check(page, path)
    await page.context.clear_cookies()
    await log_in(page, f"donor@{DEMO_DOMAIN}", DEMO_PASSWORD)
    for path in (
        "/",
        "/published",
        "/donors",
        f"/scorecards/{published}",
        f"/organizations/1/scorecards/{published}",
    ):
        await phone_check(page, path)
        await assert_accessible(page)
    await screenshot(page, "phone-donor")
