"""Submission sign-off through the API: each transition by its actor only, and reopening."""

from __future__ import annotations

import httpx

from models.engine import fetch
from tests.api.support import (
    CHAMPION_NRA,
    CHAMPION_USP,
    FOCAL_NRA,
    FOCAL_USP,
    SECRETARIAT,
    email,
    first_commitment,
    org_id,
)

OPEN = "2026-H2"


def url(org: int, action: str = "") -> str:
    return f"/api/organizations/{org}/submissions/{OPEN}" + (f"/{action}" if action else "")


async def test_draft_to_published_by_the_right_people(client: httpx.AsyncClient, demo, sign_in) -> None:
    nra = await org_id("NRA")
    focal, champion, sec = await sign_in(FOCAL_NRA), await sign_in(CHAMPION_NRA), await sign_in(SECRETARIAT)
    assert (await client.get(url(nra), headers=focal)).json()["status"] == "draft"

    # Nobody but a focal point submits; nothing but a submitted report is approved or published.
    assert (await client.post(url(nra, "submit"), headers=champion)).status_code == 403
    early = await client.post(url(nra, "approve"), headers=champion)
    assert early.status_code == 409 and "draft" in early.json()["detail"]
    submitted = await client.post(url(nra, "submit"), headers=focal)
    assert submitted.status_code == 201 and submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_by"] is not None

    assert (await client.post(url(nra, "approve"), headers=focal)).status_code == 403
    assert (await client.post(url(nra, "approve"), headers=sec)).status_code == 403
    not_yet = await client.post(url(nra, "publish"), headers=sec)
    assert not_yet.status_code == 409
    approved = await client.post(url(nra, "approve"), headers=champion)
    assert approved.status_code == 201 and approved.json()["status"] == "approved"

    assert (await client.post(url(nra, "publish"), headers=champion)).status_code == 403
    published = await client.post(url(nra, "publish"), headers=sec, json={"publish_early": True})
    assert published.status_code == 201 and published.json()["status"] == "published"
    again = await client.post(url(nra, "submit"), headers=focal)
    assert again.status_code == 409 and "published" in again.json()["detail"]
    actions = [r["action"] for r in await fetch("SELECT action FROM audit_event WHERE entity = 'submission'")]
    assert actions == ["submit", "approve", "publish"]


async def test_a_champion_returns_with_a_comment_and_the_focal_point_resubmits(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    usp = await org_id("USP")  # submitted in the demo's open cycle
    champion, focal = await sign_in(CHAMPION_USP), await sign_in(FOCAL_USP)
    no_comment = await client.post(url(usp, "return"), json={"comment": "   "}, headers=champion)
    assert no_comment.status_code == 400 and no_comment.json()["errors"][0]["field"] == "comment"
    returned = await client.post(
        url(usp, "return"), json={"comment": "Add the budget evidence."}, headers=champion
    )
    assert returned.status_code == 201 and returned.json()["status"] == "returned"
    seen = (await client.get(url(usp), headers=focal)).json()
    assert seen["comments"][-1]["body"] == "Add the budget evidence."
    assert seen["comments"][-1]["visibility"] == "internal"
    resubmitted = await client.post(url(usp, "submit"), headers=focal)
    assert resubmitted.json()["status"] == "submitted"


async def test_a_champion_of_another_organization_cannot_sign_off(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    usp = await org_id("USP")
    champion_nra = await sign_in(CHAMPION_NRA)
    for action in ("approve", "return", "submit", "publish"):
        response = await client.post(url(usp, action), json={"comment": "x"}, headers=champion_nra)
        assert response.status_code == 403, action
    status = await fetch(
        "SELECT status FROM submission s JOIN cycle c ON c.id = s.cycle WHERE s.organization = {} AND c.name = {}",
        usp,
        OPEN,
    )
    assert status[0]["status"] == "submitted"


async def test_an_edit_after_approval_reopens_the_submission(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    wfl = await org_id("WFL")  # approved in the demo's open cycle
    focal, champion = await sign_in(email("focal.wfl")), await sign_in(email("champion.wfl"))
    assert (await client.get(url(wfl), headers=focal)).json()["status"] == "approved"
    commitment = await first_commitment("WFL")
    edited = await client.patch(
        f"/api/commitments/{commitment['id']}",
        json={"title": "Changed after approval"},
        headers={**focal, "If-Match": '"1"'},
    )
    assert edited.status_code == 200
    reopened = (await client.get(url(wfl), headers=focal)).json()
    assert reopened["status"] == "draft"
    reasons = await fetch("SELECT after FROM audit_event WHERE action = 'reopen'")
    assert len(reasons) == 1
    # It needs approval again.
    assert (await client.post(url(wfl, "approve"), headers=champion)).status_code == 409
    await client.post(url(wfl, "submit"), headers=focal)
    assert (await client.post(url(wfl, "approve"), headers=champion)).json()["status"] == "approved"


async def test_queues_and_the_reporting_overview(client: httpx.AsyncClient, demo, sign_in) -> None:
    champion_usp, sec = await sign_in(CHAMPION_USP), await sign_in(SECRETARIAT)
    queue = (await client.get("/api/submissions/queue", headers=champion_usp)).json()["items"]
    assert [(item["acronym"], item["cycle"]) for item in queue] == [("USP", OPEN)]
    everyone = (await client.get("/api/submissions/queue", headers=sec)).json()["items"]
    assert {item["acronym"] for item in everyone} >= {"USP"}
    overview = {
        row["acronym"]: row["status"]
        for row in (await client.get(f"/api/cycles/{OPEN}/submissions", headers=sec)).json()["items"]
    }
    assert overview["USP"] == "submitted" and overview["WFL"] == "approved" and overview["NRA"] == "draft"
