"""Each resource through the API as the role that may use it: shapes, ETags, field errors."""

from __future__ import annotations

import datetime as dt

import httpx

from models import clock
from tests.api.support import (
    CHAMPION_NRA,
    DONOR,
    FOCAL_NRA,
    SECRETARIAT,
    first_commitment,
    org_id,
)


async def test_areas_list_and_the_secretariat_changes_a_weight(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal, sec = await sign_in(FOCAL_NRA), await sign_in(SECRETARIAT)
    areas = (await client.get("/api/areas", headers=focal)).json()["items"]
    assert [a["key"] for a in areas] == ["champion", "policy", "capacity", "reporting", "budget"]
    refused = await client.patch(
        "/api/areas/budget", json={"weight": 2}, headers={**focal, "If-Match": '"1"'}
    )
    assert refused.status_code == 403
    changed = await client.patch("/api/areas/budget", json={"weight": 2}, headers={**sec, "If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["weight"] == 2 and changed.headers["etag"] == '"2"'


async def test_organizations_are_listed_with_the_callers_audience(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await sign_in(FOCAL_NRA)
    orgs = {o["acronym"]: o for o in (await client.get("/api/organizations", headers=focal)).json()["items"]}
    assert len(orgs) == 14
    assert orgs["NRA"]["audience"] == "internal" and orgs["USP"]["audience"] == "peer"
    donor = await sign_in(DONOR)
    assert {
        o["audience"] for o in (await client.get("/api/organizations", headers=donor)).json()["items"]
    } == {"donor"}


async def test_the_secretariat_creates_and_edits_an_organization(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    sec = await sign_in(SECRETARIAT)
    created = await client.post(
        "/api/organizations", json={"name": "New Org", "acronym": "NEW", "org_type": "ngo"}, headers=sec
    )
    assert created.status_code == 201, created.text
    new_id = created.json()["id"]
    duplicate = await client.post(
        "/api/organizations", json={"name": "Again", "acronym": "new", "org_type": "ngo"}, headers=sec
    )
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "acronym"
    read = await client.get(f"/api/organizations/{new_id}", headers=sec)
    assert read.headers["etag"] == '"1"'
    patched = await client.patch(
        f"/api/organizations/{new_id}",
        json={"name": "Renamed"},
        headers={**sec, "If-Match": read.headers["etag"]},
    )
    assert patched.status_code == 200 and patched.json()["name"] == "Renamed"
    focal = await sign_in(FOCAL_NRA)
    assert (
        await client.post(
            "/api/organizations", json={"name": "X", "acronym": "X", "org_type": "ngo"}, headers=focal
        )
    ).status_code == 403


async def test_unknown_fields_and_bad_values_are_refused_field_by_field(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    unknown = await client.post(
        f"/api/organizations/{nra}/commitments",
        json={"area": "policy", "title": "T", "organization_id": 2},
        headers=focal,
    )
    assert unknown.status_code == 400
    assert "organization_id" in unknown.text
    bad = await client.post(
        f"/api/organizations/{nra}/commitments", json={"area": "nowhere", "title": "T"}, headers=focal
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] and "area" in bad.json()["detail"]
    empty = await client.post(
        f"/api/organizations/{nra}/commitments", json={"area": "policy", "title": "  "}, headers=focal
    )
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "title"

    cid = (
        await client.post(
            f"/api/organizations/{nra}/commitments", json={"area": "policy", "title": "Typed"}, headers=focal
        )
    ).json()["id"]
    for field, value in (("self_level", "3"), ("self_level", 2.5), ("narrative", 7)):
        body = {"narrative": "Typed", "self_level": 2, field: value}
        loose = await client.post(f"/api/commitments/{cid}/updates", json=body, headers=focal)
        assert loose.status_code == 400, (field, value, loose.text)
        assert loose.json()["errors"][0]["field"] == field


async def test_a_focal_point_works_through_commitments_milestones_updates_and_evidence(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    created = await client.post(
        f"/api/organizations/{nra}/commitments",
        json={"area": "budget", "title": "Budget line", "description": "Plan", "target_date": "2027-06-30"},
        headers=focal,
    )
    assert created.status_code == 201, created.text
    commitment = created.json()
    assert commitment["area"] == "budget" and commitment["description_visibility"] == "internal"
    cid = commitment["id"]
    listed = (await client.get(f"/api/organizations/{nra}/commitments", headers=focal)).json()["items"]
    assert cid in [c["id"] for c in listed]

    stale = await client.patch(f"/api/commitments/{cid}", json={"title": "New"}, headers=focal)
    assert stale.status_code == 428
    patched = await client.patch(
        f"/api/commitments/{cid}", json={"title": "Budget line 2027"}, headers={**focal, "If-Match": '"1"'}
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2

    milestone = await client.post(
        f"/api/commitments/{cid}/milestones",
        json={"title": "Draft", "due_date": str(clock.today() + dt.timedelta(days=9))},
        headers=focal,
    )
    assert milestone.status_code == 201, milestone.text
    mid = milestone.json()["id"]
    assert (
        milestone.json()["derived_state"] == "at_risk"
    )  # planned and due within 14 days of the app's (real) today
    dropped = await client.patch(
        f"/api/milestones/{mid}", json={"status": "dropped"}, headers={**focal, "If-Match": '"1"'}
    )
    assert dropped.status_code == 400 and dropped.json()["errors"][0]["field"] == "drop_reason"
    done = await client.patch(
        f"/api/milestones/{mid}", json={"status": "done"}, headers={**focal, "If-Match": '"1"'}
    )
    assert done.status_code == 200
    assert done.json()["completed_on"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert done.json()["derived_state"] == ""

    update = await client.post(
        f"/api/commitments/{cid}/updates",
        json={
            "narrative": "Allocated",
            "self_level": 3,
            "visibility": "peer",
            "evidence": [{"url": "https://nra.example.org/budget", "title": "Budget", "visibility": "donor"}],
        },
        headers=focal,
    )
    assert update.status_code == 201, update.text
    uid = update.json()["id"]
    assert update.json()["evidence"][0]["url"] == "https://nra.example.org/budget"
    assert update.json()["cycle"] == "2026-H2"
    correction = await client.post(
        f"/api/commitments/{cid}/updates",
        json={"narrative": "Allocated (corrected)", "self_level": 2, "supersedes_id": uid},
        headers=focal,
    )
    assert correction.status_code == 201
    twice = await client.post(
        f"/api/commitments/{cid}/updates", json={"narrative": "again", "supersedes_id": uid}, headers=focal
    )
    assert twice.status_code == 409
    history = (await client.get(f"/api/commitments/{cid}/updates", headers=focal)).json()["items"]
    assert [u["superseded_by_id"] for u in history] == [correction.json()["id"], None]
    # Updates are append-only: there is no PATCH or DELETE.
    assert (await client.patch(f"/api/updates/{uid}", json={}, headers=focal)).status_code == 405

    link = await client.post(
        f"/api/updates/{uid}/evidence", json={"url": "ftp://nope", "title": "x"}, headers=focal
    )
    assert link.status_code == 400 and link.json()["errors"][0]["field"] == "url"


async def test_verified_evidence_cannot_be_edited_only_superseded(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    focal, sec = await sign_in(FOCAL_NRA), await sign_in(SECRETARIAT)
    commitment = await first_commitment("NRA")
    update = await client.post(
        f"/api/commitments/{commitment['id']}/updates",
        json={"narrative": "n", "evidence": [{"url": "https://a.example/1"}]},
        headers=focal,
    )
    link = update.json()["evidence"][0]
    refused = await client.post(f"/api/evidence/{link['id']}/verify", headers=focal)
    assert refused.status_code == 403
    verified = await client.post(f"/api/evidence/{link['id']}/verify", headers=sec)
    assert verified.status_code == 201, verified.text
    body = verified.json()
    assert body["verified_at"] and body["verified_by"]
    edit = await client.patch(
        f"/api/evidence/{link['id']}",
        json={"title": "changed"},
        headers={**focal, "If-Match": verified.headers["etag"]},
    )
    assert edit.status_code == 409 and "supersedes" in edit.json()["detail"]
    newer = await client.post(
        f"/api/updates/{update.json()['id']}/evidence",
        json={"url": "https://a.example/2", "supersedes_id": link["id"]},
        headers=focal,
    )
    assert newer.status_code == 201 and newer.json()["supersedes_id"] == link["id"]


async def test_cycles_people_expectations_and_audit_for_the_secretariat(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    sec = await sign_in(SECRETARIAT)
    cycle = await client.post("/api/cycles", json={"name": "2027-H1"}, headers=sec)
    assert cycle.status_code == 201 and cycle.json()["due_date"] == "2027-07-31"
    assert (await client.post("/api/cycles", json={"name": "2027-H3"}, headers=sec)).status_code == 400
    overview = (await client.get("/api/cycles/2026-H2/submissions", headers=sec)).json()["items"]
    assert {row["status"] for row in overview} >= {"draft", "submitted", "approved"}

    nra = await org_id("NRA")
    person = await client.post(
        "/api/people",
        json={
            "email": "new.focal@example.org",
            "name": "New Focal",
            "password": "a-long-password",
            "role": "focal_point",
            "organization_id": nra,
        },
        headers=sec,
    )
    assert person.status_code == 201, person.text
    pid = person.json()["id"]
    assert person.json()["roles"][0]["acronym"] == "NRA"
    granted = await client.post(f"/api/people/{pid}/roles", json={"role": "donor"}, headers=sec)
    assert {r["role"] for r in granted.json()["roles"]} == {"focal_point", "donor"}
    role_id = granted.json()["roles"][1]["id"]
    revoked = await client.delete(f"/api/people/{pid}/roles/{role_id}", headers=sec)
    assert [r["role"] for r in revoked.json()["roles"]] == ["focal_point"]
    scoped_without_org = await client.post(f"/api/people/{pid}/roles", json={"role": "champion"}, headers=sec)
    assert scoped_without_org.status_code == 400

    expectation = await client.post(
        "/api/donor-expectations", json={"text": "Report CoP yearly", "area": "reporting"}, headers=sec
    )
    assert expectation.status_code == 201
    eid = expectation.json()["id"]
    met = await client.put(
        f"/api/organizations/{nra}/donor-expectations/{eid}", json={"met": True}, headers=sec
    )
    assert met.status_code == 200 and met.json()["met"] is True and met.json()["since"]

    audit = (await client.get("/api/audit?limit=5", headers=sec)).json()["items"]
    assert audit[0]["entity"] == "expectation_status" and audit[0]["actor_id"]
    older = (await client.get(f"/api/audit?limit=5&before_id={audit[-1]['id']}", headers=sec)).json()["items"]
    assert older and all(row["id"] < audit[-1]["id"] for row in older)


async def test_a_champion_reads_its_queue(client: httpx.AsyncClient, demo, sign_in) -> None:
    champion = await sign_in(CHAMPION_NRA)
    queue = await client.get("/api/submissions/queue", headers=champion)
    assert queue.status_code == 200
    assert all(item["acronym"] == "NRA" for item in queue.json()["items"])


async def test_fields_no_role_may_set_are_refused(client: httpx.AsyncClient, demo, sign_in) -> None:
    focal, sec = await sign_in(FOCAL_NRA), await sign_in(SECRETARIAT)
    commitment = await first_commitment("NRA")
    match = {**focal, "If-Match": '"1"'}
    for field, value in (
        ("organization_id", 2),
        ("version", 7),
        ("last_update_at", "2026-01-01T00:00:00Z"),
        ("id", 99),
    ):
        response = await client.patch(
            f"/api/commitments/{commitment['id']}", json={field: value}, headers=match
        )
        assert response.status_code == 400 and field in response.text, field
    update = await client.post(
        f"/api/commitments/{commitment['id']}/updates",
        json={"narrative": "n", "evidence": [{"url": "https://a.example"}]},
        headers=focal,
    )
    link = update.json()["evidence"][0]["id"]
    for field in ("verified_by", "verified_at"):
        response = await client.patch(
            f"/api/evidence/{link}", json={field: 1}, headers={**sec, "If-Match": '"1"'}
        )
        assert response.status_code == 400 and field in response.text, field
    forged = await client.post(
        f"/api/commitments/{commitment['id']}/updates", json={"narrative": "n", "author_id": 1}, headers=focal
    )
    assert forged.status_code == 400
    nra = await org_id("NRA")
    status = await client.post(
        f"/api/organizations/{nra}/submissions/2026-H2/submit", json={"status": "published"}, headers=focal
    )
    assert status.status_code in (201, 400)
    assert (await client.get(f"/api/organizations/{nra}/submissions/2026-H2", headers=focal)).json()[
        "status"
    ] != "published"
