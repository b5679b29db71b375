"""Outsiders read an organization's standing on the donor expectations as it was when it last
published (docs/design.md "Donor expectations"): an answer the secretariat confirms in a cycle not yet
published does not show as met to a donor or another organization, only to the organization itself
and the secretariat, until that cycle is published."""

from __future__ import annotations

from typing import Any

import httpx

from models.caller import SYSTEM
from models.engine import fetch
from scorecards import publishing
from tests.api.support import CHAMPION_NRA, DONOR, FOCAL_NRA, FOCAL_USP, REVIEWER_OF_NRA, SECRETARIAT, org_id

OPEN_CYCLE = "2026-H2"


async def standing(client: httpx.AsyncClient, headers: dict[str, str], org: int, expectation_id: int) -> Any:
    answer = await client.get(f"/api/organizations/{org}/donor-expectations", headers=headers)
    assert answer.status_code == 200, answer.text
    (item,) = [i for i in answer.json()["items"] if i["expectation_id"] == expectation_id]
    return item["met"], item["since"]


async def test_a_standing_confirmed_in_an_unpublished_cycle_reaches_outsiders_only_once_published(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    sec, focal = await sign_in(SECRETARIAT), await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    created = await client.post(
        "/api/donor-expectations", json={"text": "Share the CoP plan", "area": "policy"}, headers=sec
    )
    expectation_id = int(created.json()["id"])
    base = f"/api/organizations/{nra}/expectation-answers/{OPEN_CYCLE}/{expectation_id}"
    answered = await client.put(
        base, json={"answer": "met", "note": "", "note_visibility": "internal", "version": 0}, headers=focal
    )
    assert answered.status_code == 200, answered.text
    assert (await client.post(f"{base}/review", json={"decision": "confirm"}, headers=sec)).status_code == 200

    for insider in (sec, focal, await sign_in(CHAMPION_NRA)):
        met, since = await standing(client, insider, nra, expectation_id)
        assert met is True and since
    outsiders = [await sign_in(email) for email in (DONOR, FOCAL_USP, REVIEWER_OF_NRA)]
    for outsider in outsiders:
        assert await standing(client, outsider, nra, expectation_id) == (False, None)

    await fetch(
        "UPDATE submission SET status = 'approved' WHERE organization = {} "
        "AND cycle = (SELECT id FROM cycle WHERE name = {})",
        nra,
        OPEN_CYCLE,
    )
    await publishing.publish(SYSTEM, nra, OPEN_CYCLE, early=True)
    for outsider in outsiders:
        met, since = await standing(client, outsider, nra, expectation_id)
        assert met is True and since
