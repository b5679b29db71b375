"""Donor expectations end to end: the secretariat writes and rewords one, an organization answers
it, the secretariat confirms, the report is signed off and published, and a donor reads the
frozen answer with only donor-visible text."""

from __future__ import annotations

import httpx

from models.engine import fetch
from tests.api.support import CHAMPION_NRA, DONOR, FOCAL_NRA, SECRETARIAT, org_id

MARKER = "ZQX-EXPECTATION-SECRET-4417"
CYCLE = "2026-H2"


async def _expectation(client: httpx.AsyncClient, sec: dict[str, str]) -> int:
    created = await client.post(
        "/api/donor-expectations",
        json={"text": "Publish a CoP action plan", "area": "policy", "due_date": "2026-12-31"},
        headers=sec,
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def _answer(client: httpx.AsyncClient, nra: int, expectation: int, headers: dict[str, str], **body):
    return await client.put(
        f"/api/organizations/{nra}/expectation-answers/{CYCLE}/{expectation}", json=body, headers=headers
    )


async def _met(client: httpx.AsyncClient, nra: int, headers: dict[str, str]) -> int:
    card = await client.get(f"/api/organizations/{nra}/scorecards/{CYCLE}", headers=headers)
    assert card.status_code == 200, card.text
    return int(card.json()["figures"]["expectations_met"])


async def test_answer_confirm_publish_and_a_donor_reads_only_donor_text(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    sec, focal = await sign_in(SECRETARIAT), await sign_in(FOCAL_NRA)
    champion, donor = await sign_in(CHAMPION_NRA), await sign_in(DONOR)
    nra = await org_id("NRA")
    expectation = await _expectation(client, sec)
    met_before = await _met(client, nra, sec)

    answered = await _answer(
        client,
        nra,
        expectation,
        focal,
        answer="met",
        note=f"{MARKER} the plan is still a draft",
        note_visibility="internal",
        evidence=[
            {"url": "https://nra.example.org/plan.pdf", "title": "Action plan", "visibility": "donor"},
            {"url": f"https://nra.example.org/{MARKER}", "title": "board minutes", "visibility": "internal"},
        ],
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["review"] == "pending"
    # Not confirmed yet: it does not count.
    assert await _met(client, nra, sec) == met_before

    refused = await client.post(
        f"/api/organizations/{nra}/expectation-answers/{CYCLE}/{expectation}/review",
        json={"decision": "confirm"},
        headers=focal,
    )
    assert refused.status_code == 403
    confirmed = await client.post(
        f"/api/organizations/{nra}/expectation-answers/{CYCLE}/{expectation}/review",
        json={"decision": "confirm"},
        headers=sec,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["review"] == "confirmed"
    assert await _met(client, nra, sec) == met_before + 1

    base = f"/api/organizations/{nra}/submissions/{CYCLE}"
    assert (await client.post(f"{base}/submit", headers=focal)).status_code == 201
    locked = await _answer(client, nra, expectation, focal, answer="partly", version=1)
    assert locked.status_code == 409
    assert (await client.post(f"{base}/approve", headers=champion)).status_code == 201
    assert (
        await client.post(f"{base}/publish", headers=sec, json={"publish_early": True})
    ).status_code == 201

    card = await client.get(f"/api/organizations/{nra}/scorecards/{CYCLE}", headers=donor)
    assert card.status_code == 200, card.text
    assert MARKER not in card.text
    frozen = next(e for e in card.json()["expectations"] if e["id"] == expectation)
    assert frozen["state"] == "met"
    assert frozen["evidence"] == [{"url": "https://nra.example.org/plan.pdf", "title": "Action plan"}]
    own = await client.get(f"/api/organizations/{nra}/scorecards/{CYCLE}", headers=focal)
    assert MARKER in own.text

    matrix = await client.get(f"/api/donor-expectations/{CYCLE}/matrix", headers=donor)
    assert matrix.status_code == 200, matrix.text
    assert MARKER not in matrix.text
    body = matrix.json()
    assert body["audience"] == "donor"
    row = next(r for r in body["expectations"] if r["id"] == expectation)
    assert row["cells"]["NRA"] == "met"
    assert row["counts"]["met"] == 1
    assert sum(row["counts"].values()) == len(body["organizations"])
    nra_type = next(o["org_type"] for o in body["organizations"] if o["acronym"] == "NRA")
    other = "un_agency" if nra_type != "un_agency" else "ngo"
    filtered = await client.get(
        f"/api/donor-expectations/{CYCLE}/matrix", params={"peer_type": other}, headers=donor
    )
    assert all(o["org_type"] == other for o in filtered.json()["organizations"])
    wider = await client.get(
        f"/api/donor-expectations/{CYCLE}/matrix", params={"audience": "internal"}, headers=donor
    )
    assert wider.status_code == 403


async def test_rewording_keeps_what_was_answered(client: httpx.AsyncClient, demo, sign_in) -> None:
    sec, focal = await sign_in(SECRETARIAT), await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    expectation = await _expectation(client, sec)
    assert (await _answer(client, nra, expectation, focal, answer="partly")).status_code == 200
    reworded = await client.patch(
        f"/api/donor-expectations/{expectation}",
        json={"text": "Publish and fund a CoP action plan"},
        headers={**sec, "If-Match": '"1"'},
    )
    assert reworded.status_code == 200, reworded.text
    assert reworded.json()["wording_number"] == 2
    sheet = await client.get(f"/api/organizations/{nra}/expectation-answers/{CYCLE}", headers=focal)
    row = next(r for r in sheet.json()["items"] if r["expectation_id"] == expectation)
    assert (row["wording_number"], row["answered_wording_number"]) == (2, 1)
    assert row["answered_wording"] == "Publish a CoP action plan"
    assert row["text"] == "Publish and fund a CoP action plan"
    wordings = await fetch(
        "SELECT number, text FROM expectation_wording WHERE expectation = {} ORDER BY number", expectation
    )
    assert [w["number"] for w in wordings] == [1, 2]


async def test_a_questioned_answer_does_not_count_and_the_organization_reads_the_question(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    sec, focal = await sign_in(SECRETARIAT), await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    expectation = await _expectation(client, sec)
    met_before = await _met(client, nra, sec)
    await _answer(client, nra, expectation, focal, answer="met")
    empty = await client.post(
        f"/api/organizations/{nra}/expectation-answers/{CYCLE}/{expectation}/review",
        json={"decision": "question"},
        headers=sec,
    )
    assert empty.status_code == 400
    questioned = await client.post(
        f"/api/organizations/{nra}/expectation-answers/{CYCLE}/{expectation}/review",
        json={"decision": "question", "question": "Which board adopted it?"},
        headers=sec,
    )
    assert questioned.json()["review"] == "questioned"
    assert await _met(client, nra, sec) == met_before
    sheet = await client.get(f"/api/organizations/{nra}/expectation-answers/{CYCLE}", headers=focal)
    row = next(r for r in sheet.json()["items"] if r["expectation_id"] == expectation)
    assert row["review_note"] == "Which board adopted it?"
