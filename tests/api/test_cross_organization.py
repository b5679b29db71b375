"""A focal point or champion of one organization against another organization's records.

Reads come back at the peer audience (nothing internal) or 403/404; every write is refused with
403 or 404; and the other organization's rows are exactly as they were.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from models.engine import fetch
from tests.api.support import CHAMPION_NRA, FOCAL_NRA, org_id

TABLES = {
    "commitment": "organization = {org}",
    "milestone": "commitment IN (SELECT id FROM commitment WHERE organization = {org})",
    "progress_update": "commitment IN (SELECT id FROM commitment WHERE organization = {org})",
    "evidence": "progress_update IN (SELECT u.id FROM progress_update u JOIN commitment c ON c.id = u.commitment WHERE c.organization = {org})",
    "submission": "organization = {org}",
    "comment": "organization = {org}",
    "expectation_status": "organization = {org}",
    "organization": "id = {org}",
}


async def snapshot(org: int) -> dict[str, list[dict[str, Any]]]:
    return {
        table: await fetch(f"SELECT * FROM {table} WHERE {where.format(org=int(org))} ORDER BY id")
        for table, where in TABLES.items()
    }


async def usp_ids() -> dict[str, Any]:
    usp = await org_id("USP")
    internal = await fetch(
        "SELECT id FROM commitment WHERE organization = {} AND description_visibility = 'internal' ORDER BY id",
        usp,
    )
    commitment = int(internal[0]["id"])
    milestone = await fetch("SELECT id FROM milestone WHERE commitment = {} ORDER BY id", commitment)
    update = await fetch(
        "SELECT u.id AS id FROM progress_update u JOIN commitment c ON c.id = u.commitment "
        "WHERE c.organization = {} AND u.visibility = 'internal' ORDER BY u.id",
        usp,
    )
    evidence = await fetch(
        "SELECT e.id AS id FROM evidence e JOIN progress_update u ON u.id = e.progress_update "
        "JOIN commitment c ON c.id = u.commitment WHERE c.organization = {} AND e.visibility = 'internal' "
        "ORDER BY e.id",
        usp,
    )
    return {
        "org": usp,
        "commitment": commitment,
        "milestone": int(milestone[0]["id"]),
        "update": int(update[0]["id"]),
        "evidence": int(evidence[0]["id"]) if evidence else None,
    }


@pytest.mark.parametrize("attacker", [FOCAL_NRA, CHAMPION_NRA])
async def test_reads_of_another_organization_stay_at_the_peer_audience(
    client: httpx.AsyncClient, demo, sign_in, attacker: str
) -> None:
    headers = await sign_in(attacker)
    ids = await usp_ids()
    org = ids["org"]
    assert (await client.get(f"/api/organizations/{org}", headers=headers)).json()["audience"] == "peer"
    commitments = (await client.get(f"/api/organizations/{org}/commitments", headers=headers)).json()["items"]
    internal = [c for c in commitments if c["description_visibility"] == "internal"]
    assert internal and all(c["description"] == "" and c["owner_name"] is None for c in internal)
    updates = (await client.get(f"/api/commitments/{ids['commitment']}/updates", headers=headers)).json()[
        "items"
    ]
    assert all(u["visibility"] != "internal" and u["author_name"] is None for u in updates)
    assert all(e["visibility"] != "internal" for u in updates for e in u["evidence"])
    assert (await client.get(f"/api/updates/{ids['update']}", headers=headers)).status_code == 404
    assert (await client.get(f"/api/updates/{ids['update']}/evidence", headers=headers)).status_code == 404
    if ids["evidence"]:
        assert (await client.get(f"/api/evidence/{ids['evidence']}", headers=headers)).status_code == 404
    assert (
        await client.get(f"/api/organizations/{org}/submissions/2026-H2", headers=headers)
    ).status_code == 403
    milestone = (await client.get(f"/api/milestones/{ids['milestone']}", headers=headers)).json()
    assert milestone["drop_reason"] == ""


@pytest.mark.parametrize("attacker", [FOCAL_NRA, CHAMPION_NRA])
async def test_writes_to_another_organization_are_refused_and_change_nothing(
    client: httpx.AsyncClient, demo, sign_in, attacker: str
) -> None:
    headers = await sign_in(attacker)
    ids = await usp_ids()
    org = ids["org"]
    before = await snapshot(org)
    audit_before = await fetch("SELECT COUNT(*) AS n FROM audit_event")
    match = {**headers, "If-Match": '"1"'}
    attempts = [
        ("POST", f"/api/organizations/{org}/commitments", {"area": "policy", "title": "Planted"}, headers),
        ("PATCH", f"/api/commitments/{ids['commitment']}", {"title": "Hijacked"}, match),
        (
            "POST",
            f"/api/commitments/{ids['commitment']}/milestones",
            {"title": "M", "due_date": "2027-01-01"},
            headers,
        ),
        ("PATCH", f"/api/milestones/{ids['milestone']}", {"title": "Hijacked"}, match),
        ("POST", f"/api/commitments/{ids['commitment']}/updates", {"narrative": "Planted"}, headers),
        ("POST", f"/api/updates/{ids['update']}/evidence", {"url": "https://evil.example"}, headers),
        ("POST", f"/api/organizations/{org}/submissions/2026-H2/submit", None, headers),
        ("POST", f"/api/organizations/{org}/submissions/2026-H2/approve", None, headers),
        ("POST", f"/api/organizations/{org}/submissions/2026-H2/return", {"comment": "no"}, headers),
        ("POST", f"/api/organizations/{org}/submissions/2026-H2/publish", None, headers),
        ("POST", f"/api/organizations/{org}/submissions/2026-H2/comments", {"body": "x"}, headers),
        ("PATCH", f"/api/organizations/{org}", {"name": "Hijacked"}, match),
        ("PUT", f"/api/organizations/{org}/donor-expectations/1", {"met": True}, headers),
    ]
    if ids["evidence"]:
        attempts.append(("PATCH", f"/api/evidence/{ids['evidence']}", {"title": "Hijacked"}, match))
        attempts.append(("POST", f"/api/evidence/{ids['evidence']}/verify", None, headers))
    for method, path, body, request_headers in attempts:
        response = await client.request(method, path, json=body, headers=request_headers)
        assert response.status_code in (403, 404), f"{method} {path}: {response.status_code} {response.text}"
    assert await snapshot(org) == before
    assert await fetch("SELECT COUNT(*) AS n FROM audit_event") == audit_before
