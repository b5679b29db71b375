"""Outsiders read what was published: an organization's commitments and milestones reach donors,
peers and other organizations only as they stood when it published, and nothing of it before.

Markers go into the live titles, descriptions (one per visibility) and milestone titles of an
organization that has never published. Every GET route (pages, JSON, workbook and CSV exports) is
crawled as each outside role: no marker at all. Then it publishes, and its titles are edited
afterwards with a second marker: outsiders now read the published titles and the descriptions
their audience may read, and never the internal text nor anything edited after publishing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from litestar import Litestar

from models.caller import SYSTEM
from models.engine import fetch
from models.services import commitments, milestones, organizations
from scorecards import publishing
from tests.api.support import DONOR, FOCAL_USP, REVIEWER_OF_NRA, SECRETARIAT
from tests.api.test_confidentiality_marker import get_routes, leaked_text, urls_for

PUBLISHED = "ZQX-PUBLISHED"
LATER = "ZQX-EDITED-LATER"
CYCLE = "2026-H2"
VISIBILITIES = ("internal", "peer", "donor", "public")
# Which description markers each outside audience may read once published.
READS = {"donor": ("donor", "public"), "peer": ("peer", "donor", "public")}
OUTSIDERS = {
    "donor": DONOR,
    "focal point of another organization": FOCAL_USP,
    "peer reviewer": REVIEWER_OF_NRA,
}


def description(visibility: str) -> str:
    return f"{PUBLISHED}-DESCRIPTION-{visibility.upper()}"


async def new_organization() -> tuple[int, list[int], list[int]]:
    """An organization that never published, with one commitment per description visibility."""
    org = await organizations.create_organization(
        SYSTEM, {"name": "Marker Relief", "acronym": "MRK", "org_type": "ngo"}
    )
    commitment_ids, milestone_ids = [], []
    for visibility in VISIBILITIES:
        created = await commitments.create_commitment(
            SYSTEM,
            int(org["id"]),
            {
                "area": "policy",
                "title": f"{PUBLISHED}-TITLE-{visibility}",
                "description": description(visibility),
                "description_visibility": visibility,
            },
        )
        commitment_ids.append(int(created["id"]))
        milestone = await milestones.create_milestone(
            SYSTEM,
            int(created["id"]),
            {"title": f"{PUBLISHED}-MILESTONE-{visibility}", "due_date": dt.date(2026, 11, 15)},
        )
        milestone_ids.append(int(milestone["id"]))
    return int(org["id"]), commitment_ids, milestone_ids


async def publish(org: int) -> None:
    cycle = (await fetch("SELECT id FROM cycle WHERE name = {}", CYCLE))[0]["id"]
    await fetch(
        "INSERT INTO submission (organization, cycle, status, version) VALUES ({}, {}, 'approved', 1)",
        org,
        cycle,
    )
    await publishing.publish(SYSTEM, org, CYCLE, early=True)


async def crawl(
    app: Litestar,
    client: httpx.AsyncClient,
    values: dict[str, list[Any]],
    callers: dict,
    pdf_sources: dict[bytes, str],
) -> dict:
    """Every GET answer as each caller: {caller: [(url, status, text)]}."""
    answers: dict[str, list[tuple[str, int, str]]] = {who: [] for who in callers}
    for template, handler_params in get_routes(app):
        if template.startswith(("/static", "/schema")):
            continue
        for url in urls_for(template, handler_params, values):
            for who, headers in callers.items():
                response = await client.get(url, headers=headers)
                assert response.status_code < 500, f"{who} GET {url}: {response.status_code}"
                answers[who].append((url, response.status_code, leaked_text(response, pdf_sources)))
    return answers


def found(answers: list[tuple[str, int, str]], marker: str) -> list[str]:
    return [url for url, _, text in answers if marker in text]


async def test_outsiders_read_only_what_was_published(
    app: Litestar, client: httpx.AsyncClient, demo, sign_in, pdf_sources: dict[bytes, str]
) -> None:
    org, commitment_ids, milestone_ids = await new_organization()
    cycles = [r["name"] for r in await fetch("SELECT name FROM cycle ORDER BY name")]
    values = {
        "org_id": [org],
        "commitment_id": commitment_ids,
        "milestone_id": milestone_ids,
        "update_id": [999_999],
        "evidence_id": [999_999],
        "file_id": [1, 999_999],
        "cycle": cycles,
        "person_id": [999_999],
        "role_id": [1],
        "token_id": [1],
        "expectation_id": [1],
        "area_key": ["policy"],
        "round_id": [999_999],
        "review_id": [999_999],
        "comment_id": [1],
        "file_path": ["app.css"],
        "path": ["openapi.json"],
        "reminder_id": [1],
        "token": ["not-a-token"],
    }
    callers = {who: await sign_in(email) for who, email in OUTSIDERS.items()}
    own = await client.get(f"/api/organizations/{org}/commitments", headers=await sign_in(SECRETARIAT))
    assert PUBLISHED in own.text  # the markers are really there for the organization's own view

    before = await crawl(app, client, values, callers, pdf_sources)
    for who, answers in before.items():
        assert found(answers, PUBLISHED) == [], f"{who} read an organization that never published"
        assert found(answers, "MRK") == [], f"{who} learned that it exists"

    await publish(org)
    for commitment_id in commitment_ids:
        current = await commitments.commitment_row(commitment_id)
        await commitments.update_commitment(
            SYSTEM, commitment_id, {"title": f"{LATER}-TITLE", "description": LATER}, int(current["version"])
        )
    extra = await commitments.create_commitment(SYSTEM, org, {"area": "budget", "title": f"{LATER}-NEW"})
    values["commitment_id"].append(int(extra["id"]))

    after = await crawl(app, client, values, callers, pdf_sources)
    for who, answers in after.items():
        audience = "donor" if who == "donor" else "peer"
        assert found(answers, LATER) == [], f"{who} read text edited after publishing"
        for visibility in VISIBILITIES:
            where = found(answers, description(visibility))
            if visibility in READS[audience]:
                assert where, f"{who} should read the published {visibility} description"
            else:
                assert where == [], f"{who} read the {visibility} description: {where}"
        listed = [text for url, _, text in answers if url == f"/api/organizations/{org}/commitments"]
        assert listed and all(f"{PUBLISHED}-TITLE-{v}" in listed[0] for v in VISIBILITIES), who
        assert found(answers, f"{PUBLISHED}-MILESTONE-internal"), f"{who} should read published milestones"
        workbook = [url for url in found(answers, description("public")) if "comparison.xlsx" in url]
        assert workbook, f"{who}: the published commitments belong in the workbook"
        pdfs = [url for url in found(answers, "MRK") if url.split("?")[0].endswith(".pdf")]
        assert any("report.pdf" in url for url in pdfs), f"{who}: the cycle report lists it once published"
        assert any("brief.pdf" in url for url in pdfs), f"{who}: its brief names it once published"
