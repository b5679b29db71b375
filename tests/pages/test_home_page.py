from __future__ import annotations

from typing import Any

import pytest

from tests.pages.harness import assert_accessible, screenshot

pytestmark = pytest.mark.browser


async def test_the_home_page_is_served_by_the_real_app_and_is_accessible(page: Any) -> None:
    response = await page.goto("/")
    assert response is not None and response.status == 200
    assert await page.title()
    await screenshot(page, "home-anonymous")
    await assert_accessible(page)
