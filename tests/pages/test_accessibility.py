"""axe-core checks the main pages of each role (no serious or critical violation), at laptop and
tablet widths; the print stylesheet leaves only the content."""

from __future__ import annotations

from typing import Any

import pytest

from models.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.pages.harness import assert_accessible, axe_violations, log_in, screenshot

pytestmark = pytest.mark.browser

TABLET = {"width": 820, "height": 1180}


async def check_pages(page: Any, name: str, paths: list[str]) -> None:
    for path in paths:
        response = await page.goto(path)
        assert response is not None and response.status == 200, path
        await assert_accessible(page)
        await screenshot(page, f"a11y-{name}-{path}")


async def test_the_accessibility_check_catches_a_page_with_unlabelled_controls(browser: Any) -> None:
    context = await browser.new_context()
    try:
        tab = await context.new_page()
        await tab.set_content(
            '<html><body><img src="x.png"><form><input type="text"></form>'
            '<p style="color:#ccc;background:#fff">faint</p></body></html>'
        )
        found = {v["id"] for v in await axe_violations(tab)}
    finally:
        await context.close()
    assert {"image-alt", "label"} <= found


async def test_the_focal_points_main_pages_are_accessible(page: Any, live_demo: Any) -> None:
    cycle = live_demo.cycles[-1]
    await page.goto("/login")
    await assert_accessible(page)
    await log_in(page, f"focal.nra@{DEMO_DOMAIN}", DEMO_PASSWORD)
    await page.goto("/organizations/1")
    commitment = await page.locator("a[href^='/organizations/1/commitments/']").first.get_attribute("href")
    await check_pages(
        page,
        "focal",
        [
            "/",
            "/organizations/1",
            commitment,
            f"{commitment}/edit",
            f"{commitment}/milestones/new",
            f"{commitment}/updates/new",
            f"/organizations/1/submissions/{cycle}",
            "/published",
        ],
    )
    # A form that came back with errors is accessible too.
    await page.goto("/organizations/1/commitments/new")
    await page.get_by_role("button", name="Add the commitment").click()
    assert await page.locator(".error-summary").count() == 1
    await assert_accessible(page)


async def test_the_champions_and_donors_main_pages_are_accessible(page: Any, live_demo: Any) -> None:
    await log_in(page, f"champion.nra@{DEMO_DOMAIN}", DEMO_PASSWORD)
    await check_pages(page, "champion", ["/", "/sign-off"])
    await page.context.clear_cookies()
    await log_in(page, f"donor@{DEMO_DOMAIN}", DEMO_PASSWORD)
    await check_pages(page, "donor", ["/", "/published"])


async def test_the_scorecard_pages_linked_from_the_navigation_are_accessible(
    page: Any, live_demo: Any
) -> None:
    published = live_demo.cycles[-2]
    await log_in(page, f"donor@{DEMO_DOMAIN}", DEMO_PASSWORD)
    await check_pages(
        page,
        "scorecards",
        [f"/scorecards/{published}", "/organizations/1/scorecards/" + published, "/method"],
    )


async def test_the_secretariats_main_pages_are_accessible_on_a_tablet(page: Any, live_demo: Any) -> None:
    await page.set_viewport_size(TABLET)
    await log_in(page, f"secretariat@{DEMO_DOMAIN}", DEMO_PASSWORD)
    await check_pages(
        page,
        "secretariat-tablet",
        [
            "/",
            "/admin/organizations",
            "/admin/people",
            "/admin/people/new",
            "/admin/cycles",
            f"/admin/cycles/{live_demo.cycles[-1]}",
            "/admin/evidence",
            "/admin/reminders",
        ],
    )
    # Nothing spills sideways on a tablet: wide tables scroll inside their own box.
    await page.goto("/organizations/1")
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


async def test_printing_a_page_leaves_out_navigation_and_forms(page: Any, live_demo: Any) -> None:
    await log_in(page, f"focal.nra@{DEMO_DOMAIN}", DEMO_PASSWORD)
    await page.goto(f"/organizations/1/submissions/{live_demo.cycles[-1]}")
    await page.emulate_media(media="print")
    hidden = await page.evaluate(
        """() => ['.site-header', '.site-footer', 'form'].map(
            sel => [...document.querySelectorAll(sel)].every(e => getComputedStyle(e).display === 'none'))"""
    )
    assert hidden == [True, True, True]
    assert await page.locator("h1").is_visible()
    await screenshot(page, "print-submission")
