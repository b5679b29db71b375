"""The scorecard JSON API at each caller's audience (docs/design.md "Audiences and visibility")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from tests.api.support import CHAMPION_NRA, DONOR, FOCAL_NRA, REVIEWER_OF_NRA, SECRETARIAT, org_id

CONFIDENTIAL_MARKERS = ("Confidential", "Internal note", "Internal planning note")


def assert_no_internal_text(body: str) -> None:
    for marker in CONFIDENTIAL_MARKERS:
        assert marker not in body


async def test_a_donor_reads_published_scorecards_without_internal_text(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    donor = await sign_in(DONOR)
    comparison = await client.get("/api/scorecards/2026-H1", headers=donor)
    assert comparison.status_code == 200, comparison.text
    body = comparison.json()
    assert body["audience"] == "donor" and body["ranked"] == 14 and len(body["items"]) == body["total"] == 14
    assert body["columns"] == list(body["items"][0])
    assert [item["rank"] for item in body["items"]] == sorted(item["rank"] for item in body["items"])
    nra = await org_id("NRA")
    card = await client.get(f"/api/organizations/{nra}/scorecards/2026-H1", headers=donor)
    assert card.status_code == 200, card.text
    assert card.json()["audience"] == "donor"
    assert_no_internal_text(card.text)
    assert [point["cycle"] for point in card.json()["history"]] == ["2025-H2", "2026-H1"]


async def test_a_donor_never_sees_an_unpublished_cycle_or_a_wider_audience(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    donor = await sign_in(DONOR)
    nra = await org_id("NRA")
    assert (await client.get("/api/scorecards/2026-H2", headers=donor)).status_code == 404
    assert (
        await client.get(f"/api/organizations/{nra}/scorecards/2026-H2", headers=donor)
    ).status_code == 404
    for audience in ("internal", "peer"):
        refused = await client.get(f"/api/scorecards/2026-H1?audience={audience}", headers=donor)
        assert refused.status_code == 403, refused.text
        refused = await client.get(
            f"/api/organizations/{nra}/scorecards/2026-H1?audience={audience}", headers=donor
        )
        assert refused.status_code == 403


async def test_own_people_read_live_and_complete_others_read_the_peer_snapshot(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra, usp = await org_id("NRA"), await org_id("USP")
    for email in (FOCAL_NRA, CHAMPION_NRA):
        own = await client.get(f"/api/organizations/{nra}/scorecards/2026-H2", headers=await sign_in(email))
        assert own.status_code == 200, own.text
        assert own.json()["audience"] == "internal" and own.json()["status"] == "draft"
        assert "Confidential" in own.text
    other = await client.get(f"/api/organizations/{usp}/scorecards/2026-H1", headers=await sign_in(FOCAL_NRA))
    assert other.json()["audience"] == "peer"
    assert_no_internal_text(other.text)
    reviewer = await client.get(
        f"/api/organizations/{nra}/scorecards/2026-H1", headers=await sign_in(REVIEWER_OF_NRA)
    )
    assert reviewer.json()["audience"] == "peer"
    assert_no_internal_text(reviewer.text)
    # Another organization's unpublished cycle does not exist for a peer.
    hidden = await client.get(
        f"/api/organizations/{usp}/scorecards/2026-H2", headers=await sign_in(FOCAL_NRA)
    )
    assert hidden.status_code == 404


async def test_the_secretariat_previews_exactly_what_donors_see(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat, donor = await sign_in(SECRETARIAT), await sign_in(DONOR)
    preview = await client.get("/api/scorecards/2026-H1?audience=donor&peer_type=ngo", headers=secretariat)
    seen = await client.get("/api/scorecards/2026-H1?peer_type=ngo", headers=donor)
    assert preview.status_code == 200 and preview.json() == seen.json()
    assert {item["org_type"] for item in seen.json()["items"]} == {"ngo"}
    live = await client.get("/api/scorecards/2026-H2", headers=secretariat)
    assert live.json()["audience"] == "internal" and len(live.json()["items"]) == 14


async def test_bad_requests_say_what_to_fix(client: httpx.AsyncClient, demo: Any, sign_in: Any) -> None:
    secretariat = await sign_in(SECRETARIAT)
    bad_type = await client.get("/api/scorecards/2026-H1?peer_type=club", headers=secretariat)
    assert bad_type.status_code == 400 and "peer_type" in bad_type.text
    bad_audience = await client.get("/api/scorecards/2026-H1?audience=public", headers=secretariat)
    assert bad_audience.status_code == 400 and "audience" in bad_audience.text
    unknown = await client.get("/api/scorecards/1999-H1", headers=secretariat)
    assert unknown.status_code == 404 and "1999-H1" in unknown.text
    missing_org = await client.get("/api/organizations/999999/scorecards/2026-H1", headers=secretariat)
    assert missing_org.status_code == 404
    assert (await client.get("/api/scorecards/2026-H1")).status_code == 401


async def test_a_fresh_install_with_a_cycle_and_no_organization_answers_empty(
    client: httpx.AsyncClient, db: str, sign_in: Any
) -> None:
    from models.caller import SYSTEM
    from models.engine import fetch
    from models.services.people import create_person

    await fetch(
        "INSERT INTO cycle (name, period_start, period_end, due_date) VALUES ({}, {}, {}, {})",
        "2026-H2",
        dt.date(2026, 7, 1),
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 31),
    )
    await create_person(
        SYSTEM, email="sec@example.org", name="Sec", password="a long password", role="secretariat"
    )
    headers = await sign_in("sec@example.org", "a long password")
    response = await client.get("/api/scorecards/2026-H2", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["items"] == []
    page = await client.get("/scorecards/2026-H2", headers=headers)
    assert page.status_code == 200
    workbook = await client.get("/api/exports/2026-H2/comparison.xlsx?audience=internal", headers=headers)
    assert workbook.status_code == 200
