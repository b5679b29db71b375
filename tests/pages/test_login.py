"""Logging in and out in the browser; flash messages, inline errors and a navigation per role."""

from __future__ import annotations

from typing import Any

import pytest

from models.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.pages.harness import assert_accessible, log_in, log_out, screenshot

pytestmark = pytest.mark.browser

FOCAL = f"focal.nra@{DEMO_DOMAIN}"


async def nav_labels(page: Any) -> list[str]:
    return [text.strip() for text in await page.locator("nav[aria-label='Main'] a").all_inner_texts()]


async def test_a_wrong_password_keeps_the_email_and_says_what_is_wrong(page: Any) -> None:
    await page.goto("/")
    assert page.url.endswith("/login")
    await log_in(page, FOCAL, "not-the-password")
    email = page.get_by_label("Email")
    assert await email.input_value() == FOCAL
    password = page.get_by_label("Password")
    assert await password.input_value() == ""
    assert await password.get_attribute("aria-invalid") == "true"
    described = await password.get_attribute("aria-describedby")
    assert "wrong" in await page.locator(f"#{described}").inner_text()
    await screenshot(page, "login-error")
    await assert_accessible(page)


async def test_logging_in_and_out_with_a_flash_message_each_time(page: Any) -> None:
    await log_in(page, FOCAL, DEMO_PASSWORD)
    assert await page.get_by_role("status").inner_text() == "Welcome, Focal Point NRA (demo)."
    await page.reload()
    assert await page.get_by_role("status").count() == 0  # a flash message shows once
    await log_out(page)
    assert page.url.endswith("/login")
    assert "logged out" in await page.get_by_role("status").inner_text()
    await page.goto("/")
    assert page.url.endswith("/login")  # the session is gone on the server too


async def test_an_anonymous_visitor_is_sent_to_log_in_and_then_to_the_page_asked_for(page: Any) -> None:
    await page.goto("/admin/organizations")
    assert "/login?next=/admin/organizations" in page.url
    await page.get_by_label("Email").fill(f"secretariat@{DEMO_DOMAIN}")
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/admin/organizations")


NAVIGATION = [
    (FOCAL, {"Home", "My organization", "Published scorecards"}, {"Organizations", "Sign-off queue"}),
    (f"champion.nra@{DEMO_DOMAIN}", {"My organization", "Sign-off queue"}, {"People", "Reminders"}),
    (
        f"secretariat@{DEMO_DOMAIN}",
        {"Organizations", "People", "Cycles", "Evidence", "Reminders"},
        {"My organization", "Sign-off queue"},
    ),
    (f"donor@{DEMO_DOMAIN}", {"Published scorecards"}, {"My organization", "Organizations", "Cycles"}),
]


async def test_the_navigation_shows_only_what_the_role_may_do_and_every_link_opens(page: Any) -> None:
    for email, shown, hidden in NAVIGATION:
        await page.context.clear_cookies()
        await log_in(page, email, DEMO_PASSWORD)
        labels = set(await nav_labels(page))
        assert shown <= labels, email
        assert not (hidden & labels), email
        for link in await page.locator("nav[aria-label='Main'] a").all():
            href = await link.get_attribute("href")
            response = await page.request.get(href)
            assert response.status == 200, (email, href)


async def test_the_keyboard_reaches_a_visible_skip_link_first(page: Any) -> None:
    await page.goto("/login")
    await page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert await focused.inner_text() == "Skip to main content"
    outline = await focused.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline not in ("", "none")
    assert (await focused.bounding_box())["y"] >= 0  # moved into view when focused
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
