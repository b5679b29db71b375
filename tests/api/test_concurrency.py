"""Concurrent edits: stale If-Match gets 412 and the first edit stays; many writers at once never
see a server error (on SQLite: never "database is locked")."""

from __future__ import annotations

import asyncio

import httpx

from models.engine import fetch
from tests.api.support import FOCAL_NRA, SECRETARIAT, first_commitment, org_id


async def test_a_stale_if_match_gets_412_and_the_first_edit_stays(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    alice, bob = await sign_in(FOCAL_NRA), await sign_in(SECRETARIAT)
    commitment = await first_commitment("NRA")
    url = f"/api/commitments/{commitment['id']}"
    etag_alice = (await client.get(url, headers=alice)).headers["etag"]
    etag_bob = (await client.get(url, headers=bob)).headers["etag"]
    assert etag_alice == etag_bob
    first = await client.patch(
        url, json={"title": "Alice's title"}, headers={**alice, "If-Match": etag_alice}
    )
    assert first.status_code == 200 and first.headers["etag"] != etag_alice
    second = await client.patch(url, json={"title": "Bob's title"}, headers={**bob, "If-Match": etag_bob})
    assert second.status_code == 412
    assert "changed by someone else" in second.json()["detail"]
    assert (await client.get(url, headers=alice)).json()["title"] == "Alice's title"
    # With the fresh ETag, Bob's edit goes through.
    third = await client.patch(
        url, json={"title": "Bob's title"}, headers={**bob, "If-Match": first.headers["etag"]}
    )
    assert third.status_code == 200


async def test_fifty_concurrent_writes_never_fail_with_a_server_error(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    commitment = await first_commitment("NRA")
    before = int((await fetch("SELECT COUNT(*) AS n FROM progress_update"))[0]["n"])

    async def append(index: int) -> httpx.Response:
        return await client.post(
            f"/api/commitments/{commitment['id']}/updates",
            json={"narrative": f"concurrent update {index}", "self_level": 2},
            headers=focal,
        )

    async def create(index: int) -> httpx.Response:
        return await client.post(
            f"/api/organizations/{nra}/commitments",
            json={"area": "policy", "title": f"Parallel {index}"},
            headers=focal,
        )

    async def rename(index: int) -> httpx.Response:
        # All from the same version: exactly one wins, the others are told they are stale.
        return await client.patch(
            f"/api/commitments/{commitment['id']}",
            json={"title": f"Race {index}"},
            headers={**focal, "If-Match": '"1"'},
        )

    tasks = [append(i) for i in range(20)] + [create(i) for i in range(15)] + [rename(i) for i in range(15)]
    responses = await asyncio.gather(*tasks)
    assert len(responses) == 50
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses if r.status_code >= 500]
    statuses = [r.status_code for r in responses]
    assert statuses[:35] == [201] * 35
    assert sorted(statuses[35:]) == [200] + [412] * 14
    after = int((await fetch("SELECT COUNT(*) AS n FROM progress_update"))[0]["n"])
    assert after == before + 20
