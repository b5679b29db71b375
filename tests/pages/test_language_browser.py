"""Two journeys in a real browser in another language (docs/design.md "Languages"): a focal point in
French, a donor in Arabic, right to left. The browser's language chooses the person's language at
the first sign-in; every page is axe clean and has no horizontal scroll at 390 px; screenshots of
each page go to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from models import words
from models.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.pages.harness import assert_accessible, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
TITLE = "Plan d'action CoP adopté par le comité de direction"


async def context_in(browser: Any, live_server: Any, locale: str) -> Any:
    context = await browser.new_context(
        base_url=live_server.url, viewport=LAPTOP, bypass_csp=True, locale=locale
    )
    context.set_default_timeout(15_000)
    return context


async def check(page: Any, name: str) -> None:
    """axe clean at laptop width; at 390 px nothing spills sideways; both screenshotted."""
    await assert_accessible(page)
    await screenshot(page, f"{name}-laptop")
    await page.set_viewport_size(PHONE)
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390 px"
    await screenshot(page, f"{name}-phone")
    await page.set_viewport_size(LAPTOP)


async def sign_in(page: Any, email: str) -> None:
    await page.goto("/login")
    await page.locator("#field-email").fill(email)
    await page.locator("#field-password").fill(DEMO_PASSWORD)
    await page.locator("main form button[type=submit]").click()
    await page.wait_for_load_state("domcontentloaded")


async def test_a_focal_points_journey_in_french(browser: Any, live_server: Any, live_demo: Any) -> None:
    def fr(message: str, **params: Any) -> str:
        return words.translate(message, params, locale="fr")

    context = await context_in(browser, live_server, "fr-FR")
    page = await context.new_page()
    try:
        await page.goto("/login")
        assert await page.locator("html").get_attribute("lang") == "fr"
        assert await page.locator("h1").inner_text() == fr("Log in")
        await check(page, "lang-fr-01-login")
        await sign_in(page, f"focal.nra@{DEMO_DOMAIN}")
        assert await page.locator("html").get_attribute("dir") == "ltr"
        await check(page, "lang-fr-02-home")

        await page.goto("/organizations/1")
        await check(page, "lang-fr-03-dashboard")
        await page.goto("/organizations/1/commitments/new")
        await page.locator("#field-title").fill(TITLE)
        await page.locator("#field-area").select_option("policy")
        await page.locator("main form.stacked button[type=submit]").click()
        await page.wait_for_load_state("domcontentloaded")
        assert (await page.locator(".flash").inner_text()).strip() == fr(
            "Commitment “%(title)s” added.", title=TITLE
        )
        assert await page.locator("h1").get_attribute("dir") == "auto"
        await check(page, "lang-fr-04-commitment")

        await page.goto(f"/organizations/1/submissions/{live_demo.cycles[-1]}")
        await check(page, "lang-fr-05-report")
        await page.goto("/account")
        assert await page.locator("#language-fr").is_checked()
        await check(page, "lang-fr-06-account")
    finally:
        await context.close()


async def test_a_donors_journey_in_arabic_reads_right_to_left(
    browser: Any, live_server: Any, live_demo: Any
) -> None:
    context = await context_in(browser, live_server, "ar-EG")
    page = await context.new_page()
    try:
        await sign_in(page, f"donor@{DEMO_DOMAIN}")
        html = page.locator("html")
        assert (await html.get_attribute("lang"), await html.get_attribute("dir")) == ("ar", "rtl")
        # Mirrored: the brand stands at the right, the navigation to its left, the account at the left.
        brand = await page.locator(".brand").bounding_box()
        nav = await page.locator(".site-nav").bounding_box()
        who = await page.locator(".who").bounding_box()
        assert brand and nav and who
        assert brand["x"] > nav["x"] > who["x"] - 1
        assert brand["x"] > LAPTOP["width"] / 2
        await check(page, "lang-ar-01-home")

        await page.goto("/published")
        await check(page, "lang-ar-02-published")
        scorecard = page.locator("main a[href*='/scorecards/']").first
        if await scorecard.count():
            await scorecard.click()
            await page.wait_for_load_state("domcontentloaded")
            # Tables read from the right: a row's first cell stands right of its second.
            cells = page.locator("main table tbody tr").first.locator("th, td")
            if await cells.count() > 1:
                first, second = await cells.nth(0).bounding_box(), await cells.nth(1).bounding_box()
                assert first and second and first["x"] > second["x"]
            await check(page, "lang-ar-03-scorecard")
        await page.goto("/donors")
        await check(page, "lang-ar-04-donors")
        await page.goto("/account")
        assert await page.locator("#language-ar").is_checked()
        await check(page, "lang-ar-05-account")
    finally:
        await context.close()


# Where the glyphs of a code stand on screen, left to right: the x of its first four characters (the
# year) and of its last two (the half), measured with Range.getClientRects on the rendered line.
CODE_GLYPHS = """(node) => {
  const text = node.firstChild;
  const x = (start, end) => {
    const range = document.createRange();
    range.setStart(text, start);
    range.setEnd(text, end);
    return range.getClientRects()[0].left;
  };
  const at = text.data.search(/\\d{4}-H\\d/);
  return {year: x(at, at + 4), half: x(at + 5, at + 7), code: text.data.substr(at, 7)};
}"""


async def test_a_cycle_code_inside_an_arabic_sentence_reads_2026_h1(
    browser: Any, live_server: Any, live_demo: Any
) -> None:
    """In an Arabic sentence, the bidi algorithm draws a bare 2026-H1 as H1-2026 (the year at the
    right); isolated left to right (docs/design.md "Languages"), the year stands at the left."""
    context = await context_in(browser, live_server, "ar-EG")
    page = await context.new_page()
    try:
        await sign_in(page, f"donor@{DEMO_DOMAIN}")
        code = page.locator("main .lead bdi[dir=ltr]").first
        glyphs = await code.evaluate(CODE_GLYPHS)
        assert glyphs["code"] == live_demo.cycles[-1]
        assert glyphs["year"] < glyphs["half"], glyphs
        # The control: the same code bare in the same sentence is drawn the other way round.
        bare = await page.evaluate_handle(
            """() => {
              const p = document.createElement("p");
              p.textContent = document.querySelector("main .lead").textContent;
              document.querySelector("main").append(p);
              return p;
            }"""
        )
        reversed_glyphs = await bare.evaluate(CODE_GLYPHS)
        assert reversed_glyphs["code"] == glyphs["code"]
        assert reversed_glyphs["year"] > reversed_glyphs["half"], reversed_glyphs
    finally:
        await context.close()
