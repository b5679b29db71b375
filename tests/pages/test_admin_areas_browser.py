"""The areas page in a real browser: the secretariat finds it in the navigation, changes a rubric
criterion and a weight, adds an area, and every step passes the accessibility check."""

from __future__ import annotations

from typing import Any

import pytest

from models.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.pages.harness import assert_accessible, follow_nav, log_in, screenshot

pytestmark = pytest.mark.browser  # and so slow (tests/conftest.py)


async def test_the_secretariat_edits_a_rubric_and_adds_an_area(page: Any, live_demo: Any) -> None:
    await log_in(page, f"secretariat@{DEMO_DOMAIN}", DEMO_PASSWORD)
    await follow_nav(page, "Areas")
    assert await page.get_by_role("heading", level=1).inner_text() == "Areas and their rubric"
    await assert_accessible(page)
    await screenshot(page, "admin-areas")

    await page.get_by_role("link", name="Edit Budget").click()
    await assert_accessible(page)
    await page.get_by_label("Weight").fill("much")
    await page.get_by_label("4 Institutionalized").fill("The protection budget is reviewed every year.")
    await page.get_by_role("button", name="Save").click()
    assert "Weight must be a number between 0 and 100" in (await page.locator(".error-summary").inner_text())
    assert await page.get_by_label("4 Institutionalized").input_value() == (
        "The protection budget is reviewed every year."
    )
    await assert_accessible(page)  # the form that came back with its error too
    await page.get_by_label("Weight").fill("2")
    await page.get_by_role("button", name="Save").click()
    assert (await page.locator(".flash").inner_text()).strip() == "Budget saved."
    budget = page.get_by_role("row").filter(has_text="budget")
    assert "The protection budget is reviewed every year." in await budget.inner_text()
    assert "2.0" in await budget.inner_text()

    await page.get_by_role("link", name="Add an area").click()
    await page.get_by_label("Key").fill("aap")
    await page.get_by_label("Name").fill("Accountability to affected people")
    await page.get_by_label("3 In place").fill("Feedback and complaint channels are in place.")
    await assert_accessible(page)
    await page.get_by_role("button", name="Add the area").click()
    assert "scored from the next cycle opened" in await page.locator(".flash").inner_text()
    added = page.get_by_role("row").filter(has_text="Accountability to affected people")
    assert "The next cycle opened" in await added.inner_text()
    await assert_accessible(page)
    await screenshot(page, "admin-areas-added")
