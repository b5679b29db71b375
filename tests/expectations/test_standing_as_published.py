"""Outsiders read an organization's standing on the donor expectations as it was when it last
published (docs/design.md "Donor expectations"): an answer the secretariat confirms in a cycle not yet
published does not show as met to a donor or another organization, only to the organization itself
and the secretariat, until that cycle is published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from models import clock
from models.caller import SYSTEM
from models.engine import fetch
from scorecards import publishing
from scorecards.exports import comparison_file
from tests.api.support import CHAMPION_NRA, DONOR, FOCAL_NRA, FOCAL_USP, REVIEWER_OF_NRA, SECRETARIAT, org_id
from tests.scorecards.workbooks import openpyxl_rows

OPEN_CYCLE = "2026-H2"


async def publish_open_cycle(org: int) -> None:
    await fetch(
        "UPDATE submission SET status = 'approved' WHERE organization = {} "
        "AND cycle = (SELECT id FROM cycle WHERE name = {})",
        org,
        OPEN_CYCLE,
    )
    await publishing.publish(SYSTEM, org, OPEN_CYCLE, early=True)


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

    await publish_open_cycle(nra)
    for outsider in outsiders:
        met, since = await standing(client, outsider, nra, expectation_id)
        assert met is True and since


async def test_the_donor_workbook_counts_a_standing_as_of_each_organizations_publication(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, time_machine: Any
) -> None:
    sec = await sign_in(SECRETARIAT)
    nra = await org_id("NRA")
    created = await client.post(
        "/api/donor-expectations", json={"text": "Name a CoP budget line", "area": "budget"}, headers=sec
    )
    expectation_id = int(created.json()["id"])
    await publish_open_cycle(nra)
    # The next day, after NRA published its report, the secretariat records that it meets it.
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(days=1), tick=True)
    sec = await sign_in(SECRETARIAT)
    marked = await client.put(
        f"/api/organizations/{nra}/donor-expectations/{expectation_id}", json={"met": True}, headers=sec
    )
    assert marked.status_code == 200, marked.text

    def nra_row(data: bytes) -> dict[str, Any]:
        rows = openpyxl_rows(data, "Donor expectations")
        (row,) = [r for r in rows if r["Acronym"] == "NRA" and r["Expectation"] == "Name a CoP budget line"]
        return row

    donor = await comparison_file(SYSTEM, OPEN_CYCLE, "donor", None, "xlsx", today=clock.today())
    assert (nra_row(donor.content)["Met"], nra_row(donor.content)["Since"]) == ("not met", None)
    internal = await comparison_file(SYSTEM, OPEN_CYCLE, "internal", None, "xlsx", today=clock.today())
    assert nra_row(internal.content)["Met"] == "met"
