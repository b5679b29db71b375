"""axe-core checks the main pages of each role; serious and critical violations fail."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pages.harness import axe_violations

pytestmark = pytest.mark.browser


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
