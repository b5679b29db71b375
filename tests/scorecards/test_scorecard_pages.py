"""The scorecard pages: the same numbers as the JSON, no internal text for donors, charts with words."""

from __future__ import annotations

from typing import Any

import httpx
import lxml.html
import pytest

from models.engine import fetch
from models.vocabulary import LEVELS
from models.words import gettext, speaking
from tests.api.support import DONOR, FOCAL_NRA, SECRETARIAT, org_id
from tests.scorecards.test_scorecard_api import assert_no_internal_text


def field(node: Any, name: str) -> str:
    found = node.xpath(f'.//*[@data-field="{name}"]')
    assert len(found) == 1, name
    return found[0].text_content().strip()


def shown(value: Any, suffix: str = "") -> str:
    """How a JSON figure is printed on the page."""
    return "—" if value is None else f"{value}{suffix}"


async def page_and_json(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> tuple[Any, Any]:
    page = await client.get(path, headers=headers)
    assert page.status_code == 200, page.text
    data = await client.get(
        "/api" + path.split("?")[0] + ("?" + path.split("?")[1] if "?" in path else ""), headers=headers
    )
    assert data.status_code == 200, data.text
    return lxml.html.fromstring(page.text), data.json()


@pytest.mark.parametrize(
    ("who", "cycle"), [(DONOR, "2026-H1"), (FOCAL_NRA, "2026-H2"), (SECRETARIAT, "2026-H1")]
)
async def test_the_organization_page_shows_the_numbers_of_the_json(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, who: str, cycle: str
) -> None:
    nra = await org_id("NRA")
    html, card = await page_and_json(client, f"/organizations/{nra}/scorecards/{cycle}", await sign_in(who))
    figures = card["figures"]
    assert field(html, "index") == shown(figures["index"])
    assert field(html, "index_change") == shown(figures["index_change"])
    assert field(html, "rank") == shown(card["position"]["rank"])
    assert field(html, "type_rank") == shown(card["type_position"]["rank"])
    assert field(html, "on_time_share").startswith(shown(figures["on_time_share"], "%"))
    assert field(html, "overdue") == str(figures["overdue"])
    assert field(html, "median_days_late") == shown(figures["median_days_late"])
    assert field(html, "evidence_share") == shown(figures["evidence_share"], "%")
    assert field(html, "verified_share") == shown(figures["verified_share"], "%")
    for area in card["areas"]:
        row = html.xpath(f'//tr[@data-area="{area["key"]}"]')[0]
        assert field(row, "level").startswith(f"{area['level']} {area['level_name']}")
        assert field(row, "self_level").startswith(str(area["self_level"]))
        assert field(row, "median") == shown(card["position"]["areas"][area["key"]]["median"])
        assert field(row, "area_rank") == shown(card["position"]["areas"][area["key"]]["rank"])
    history = [
        (r.xpath("th")[0].text_content(), r.xpath("td")[0].text_content())
        for r in html.xpath('//section[@aria-labelledby="trend-title"]//tbody/tr')
    ]
    assert history == [(p["cycle"], str(p["index"])) for p in card["history"]]


@pytest.mark.parametrize("lang", ["fr", "ar"])
async def test_the_organization_page_names_levels_in_the_readers_language(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, lang: str
) -> None:
    # The published card stores each level's English name (the JSON keeps it); the page names the
    # level by its number in the reader's language.
    nra = await org_id("NRA")
    await fetch("UPDATE person SET language = {} WHERE email = {}", lang, DONOR)
    headers = await sign_in(DONOR)
    html, card = await page_and_json(client, f"/organizations/{nra}/scorecards/2026-H1", headers)
    with speaking(lang):
        names = {level: gettext(name) for level, name in LEVELS.items()}
    for area in card["areas"]:
        row = html.xpath(f'//tr[@data-area="{area["key"]}"]')[0]
        assert field(row, "level") == f"{area['level']} {names[area['level']]}"
        assert field(row, "self_level") == f"{area['self_level']} {names[area['self_level']]}"
        heading = html.xpath(f'//h3[contains(., ": {area["level"]} · ")]')
        assert heading and all(area["level_name"] not in h.text_content() for h in heading)


@pytest.mark.parametrize(
    ("who", "query"), [(DONOR, ""), (DONOR, "?peer_type=ngo"), (SECRETARIAT, "?audience=peer")]
)
async def test_the_comparison_page_shows_the_numbers_of_the_json(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, who: str, query: str
) -> None:
    html, data = await page_and_json(client, f"/scorecards/2026-H1{query}", await sign_in(who))
    rows = html.xpath('//table[@id="ranking"]/tbody/tr')
    assert [r.get("data-org") for r in rows] == [item["acronym"] for item in data["items"]]
    for row, item in zip(rows, data["items"], strict=True):
        for name in ("rank", "index", "index_change", "quartile"):
            assert field(row, name) == shown(item[name]), (item["acronym"], name)
        for area in data["areas"]:
            assert field(row, f"{area['key']}_level").startswith(str(item[f"{area['key']}_level"]))
    assert field(html, "median_index") == shown(data["peer_median"]["index"])
    improved = [
        n.text_content() for n in html.xpath('//*[@data-field="index_change" and not(ancestor::table)]')
    ]
    assert improved == [f"+{m['index_change']}" for m in data["most_improved"]]


async def test_a_donor_page_never_shows_internal_text_or_an_unpublished_cycle(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    donor = await sign_in(DONOR)
    for acronym in ("NRA", "USP", "RMC", "LRC"):
        page = await client.get(f"/organizations/{await org_id(acronym)}/scorecards/2026-H1", headers=donor)
        assert page.status_code == 200
        assert_no_internal_text(page.text)
    comparison = await client.get("/scorecards/2026-H1", headers=donor)
    assert_no_internal_text(comparison.text)
    assert (await client.get("/scorecards/2026-H2", headers=donor)).status_code == 404
    nra = await org_id("NRA")
    hidden = await client.get(f"/organizations/{nra}/scorecards/2026-H2", headers=donor)
    assert hidden.status_code == 404 and "Confidential" not in hidden.text
    assert (
        await client.get(f"/organizations/{nra}/scorecards/2026-H1?audience=internal", headers=donor)
    ).status_code == 404  # a refusal on another organization's page answers as if it did not exist
    # The same page at the internal audience does carry the internal text (the check can fail).
    internal = await client.get(
        f"/organizations/{nra}/scorecards/2026-H1", headers=await sign_in(SECRETARIAT)
    )
    assert "Internal note" in internal.text


async def test_charts_are_images_with_words_for_screen_readers(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    headers = await sign_in(DONOR)
    nra = await org_id("NRA")
    for path, expected in [
        (f"/organizations/{nra}/scorecards/2026-H1", {"area-levels", "index-history"}),
        ("/scorecards/2026-H1", {"heat-map"}),
    ]:
        html = lxml.html.fromstring((await client.get(path, headers=headers)).text)
        # The levels chart is drawn in HTML (its words shaped as text in the PDF), the others in svg.
        charts = html.xpath('//svg | //div[@class="levels-chart"]')
        assert {c.get("id") for c in charts} == expected
        for chart in charts:
            assert chart.get("role") == "img"
            chart_id = chart.get("id")
            title = html.xpath(f'//*[@id="{chart_id}-title"]')[0].text_content()
            desc = html.xpath(f'//*[@id="{chart_id}-desc"]')[0].text_content()
            assert title and any(
                words in desc for words in ("2026-H1: ", "organizations in", "Policy: counted")
            )
            assert chart.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
        if "area-levels" in expected:
            desc = html.xpath('//*[@id="area-levels-desc"]')[0].text_content()
            assert "Senior champion: counted" in desc and "peer median" in desc
    assert (
        "@media print" in (await client.get(f"/organizations/{nra}/scorecards/2026-H1", headers=headers)).text
    )


async def test_the_method_page_states_the_rules_to_anyone(client: httpx.AsyncClient, demo: Any) -> None:
    page = await client.get("/method")
    assert page.status_code == 200
    text = lxml.html.fromstring(page.text).text_content()
    for words in ("counts 2", "counts 3", "caps the champion area at 2", "÷ 4 × 100", "1, 2, 2, 4", "quartile 3",
                  "Institutionalized", "Reporting and M&E"):  # fmt: skip
        assert words in text


async def test_a_bad_page_number_is_a_clear_400(client: httpx.AsyncClient, demo: Any, sign_in: Any) -> None:
    page = await client.get("/scorecards/2026-H1?page=zero", headers=await sign_in(DONOR))
    assert page.status_code == 400 and "page must be a whole number" in page.text.lower()


async def test_an_evidence_link_that_is_not_a_web_address_is_never_a_link(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    from models.engine import fetch

    # Written around the service (which refuses it), as an old or imported row could be.
    await fetch("UPDATE evidence SET url = 'javascript:alert(1)'")
    page = await client.get(
        f"/organizations/{await org_id('NRA')}/scorecards/2026-H2", headers=await sign_in(SECRETARIAT)
    )
    assert page.status_code == 200
    html = lxml.html.fromstring(page.text)
    assert html.xpath('//ul[@class="evidence"]/li')
    assert not [a for a in html.xpath("//a/@href") if a.startswith("javascript:")]
