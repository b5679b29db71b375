"""Every write leaves an audit row in the same transaction: both happen or neither does."""

from __future__ import annotations

import httpx
import pytest

from models import audit
from models.engine import fetch
from tests.api.support import FOCAL_NRA, SECRETARIAT, first_commitment, org_id, row_count


async def audit_rows_since(last_id: int) -> list[dict]:
    return await fetch(
        "SELECT actor_label, action, entity, entity_id, before, after FROM audit_event WHERE id > {} ORDER BY id",
        last_id,
    )


async def last_audit_id() -> int:
    rows = await fetch("SELECT MAX(id) AS id FROM audit_event")
    return int(rows[0]["id"] or 0)


async def test_each_write_records_who_what_before_and_after(client: httpx.AsyncClient, demo, sign_in) -> None:
    focal, sec = await sign_in(FOCAL_NRA), await sign_in(SECRETARIAT)
    nra = await org_id("NRA")
    start = await last_audit_id()
    created = (
        await client.post(
            f"/api/organizations/{nra}/commitments",
            json={"area": "policy", "title": "Audited"},
            headers=focal,
        )
    ).json()
    cid = created["id"]
    await client.patch(
        f"/api/commitments/{cid}", json={"title": "Audited twice"}, headers={**focal, "If-Match": '"1"'}
    )
    milestone = (
        await client.post(
            f"/api/commitments/{cid}/milestones", json={"title": "M", "due_date": "2027-02-01"}, headers=focal
        )
    ).json()
    await client.patch(
        f"/api/milestones/{milestone['id']}", json={"title": "M2"}, headers={**focal, "If-Match": '"1"'}
    )
    update = (
        await client.post(
            f"/api/commitments/{cid}/updates",
            json={"narrative": "n", "evidence": [{"url": "https://x.example"}]},
            headers=focal,
        )
    ).json()
    await client.post(f"/api/evidence/{update['evidence'][0]['id']}/verify", headers=sec)
    await client.post("/api/cycles", json={"name": "2027-H1"}, headers=sec)
    await client.post("/api/donor-expectations", json={"text": "E"}, headers=sec)
    rows = await audit_rows_since(start)
    seen = [(r["action"], r["entity"]) for r in rows]
    assert seen == [
        ("create", "commitment"),
        ("update", "commitment"),
        ("create", "milestone"),
        ("update", "milestone"),
        ("create", "evidence"),
        ("create", "progress_update"),
        ("verify", "evidence"),
        ("create", "cycle"),
        ("create", "donor_expectation"),
    ]
    update_row = rows[1]
    assert update_row["actor_label"] == FOCAL_NRA
    assert "Audited" in str(update_row["before"]) and "Audited twice" in str(update_row["after"])


async def test_a_failed_audit_write_rolls_the_change_back(
    client: httpx.AsyncClient, demo, sign_in, monkeypatch
) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    commitments, audits = await row_count("commitment"), await row_count("audit_event")

    async def broken(*args, **kwargs):
        raise RuntimeError("audit storage failed")

    monkeypatch.setattr(audit, "record", broken)
    response = await client.post(
        f"/api/organizations/{nra}/commitments", json={"area": "policy", "title": "Lost"}, headers=focal
    )
    assert response.status_code == 500
    assert await row_count("commitment") == commitments
    assert await row_count("audit_event") == audits


async def test_a_write_failing_after_its_audit_row_leaves_neither(
    client: httpx.AsyncClient, demo, sign_in, monkeypatch
) -> None:
    focal = await sign_in(FOCAL_NRA)
    commitment = await first_commitment("NRA")
    audits, updates = await row_count("audit_event"), await row_count("progress_update")
    from models.services import updates as update_service

    async def broken(*args, **kwargs):
        raise RuntimeError("reopening failed")

    monkeypatch.setattr(update_service, "reopen_approved", broken)
    response = await client.post(
        f"/api/commitments/{commitment['id']}/updates", json={"narrative": "n"}, headers=focal
    )
    assert response.status_code == 500
    assert await row_count("audit_event") == audits
    assert await row_count("progress_update") == updates


async def test_the_audit_log_is_for_the_secretariat_only(client: httpx.AsyncClient, demo, sign_in) -> None:
    assert (await client.get("/api/audit", headers=await sign_in(FOCAL_NRA))).status_code == 403
    rows = (await client.get("/api/audit?entity=person", headers=await sign_in(SECRETARIAT))).json()["items"]
    assert rows and all(row["entity"] == "person" for row in rows)


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"])
async def test_no_one_can_rewrite_the_audit_log(demo, statement: str) -> None:
    from models.caller import SYSTEM

    await audit.record(SYSTEM, "create", "thing", 1, None, {"a": 1})
    with pytest.raises(Exception, match="append-only"):
        await fetch(statement)


async def test_an_id_past_the_databases_integers_is_a_400_not_a_server_error(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    headers = await sign_in(SECRETARIAT)
    for query in ("before_id=922813560212", "actor_id=922813560212"):
        assert (await client.get(f"/api/audit?{query}", headers=headers)).status_code == 400, query
