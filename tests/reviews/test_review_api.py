"""Peer review through the JSON API: a round from opening to closing, as each person would do it,
the email that tells the reviewee, the list envelope, and the reminders of the timeline check."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import time_machine

from models.engine import fetch
from reminders.check import run_check
from reminders.emails import EmailRenderer
from tests.api.support import SECRETARIAT, email, org_id
from tests.conftest import REPO

COMMENT = {
    "area": "capacity",
    "assessment": "right",
    "strengths": "Training reached every country office.",
    "recommendations": "Track who completed it.",
    "visibility": "donor",
}


async def start_round(client: httpx.AsyncClient, secretariat: dict[str, str]) -> dict[str, Any]:
    ids = [await org_id(a) for a in ("NRA", "USP", "CFF", "WFL", "HAI")]
    created = await client.post(
        "/api/review-rounds",
        json={
            "name": "2026-H1 peer review",
            "cycle": "2026-H1",
            "organization_ids": ids,
            "review_due": "2026-12-10",
            "reply_due": "2026-12-20",
            "peer_types": "across",
        },
        headers=secretariat,
    )
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    opened = await client.post(f"/api/review-rounds/{created.json()['id']}/open", headers=secretariat)
    assert opened.status_code == 201, opened.text
    return opened.json()


async def test_a_round_from_opening_to_closing(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, settings: Any
) -> None:
    secretariat = await sign_in(SECRETARIAT)
    round_ = await start_round(client, secretariat)
    assert len(round_["pairs"]) == 5  # five organizations: one ring of three and one reciprocal pair
    pair = next(p for p in round_["pairs"] if p["reviewer_acronym"] == "USP")
    reviewer = await sign_in(email("reviewer.usp"))

    mine = (await client.get("/api/reviews", headers=reviewer)).json()
    assert set(mine) == {"items", "total", "limit", "offset"}
    in_round = [r for r in mine["items"] if r["round_id"] == round_["id"]]
    assert [r["id"] for r in in_round] == [pair["review_id"]] and mine["total"] == len(mine["items"])
    review = (await client.get(f"/api/reviews/{pair['review_id']}", headers=reviewer)).json()
    assert (
        review["part"] == "write"
        and review["snapshot"]["organization"]["acronym"] == pair["reviewee_acronym"]
    )

    written = await client.post(f"/api/reviews/{pair['review_id']}/comments", json=COMMENT, headers=reviewer)
    assert written.status_code == 201, written.text
    etag = (await client.get(f"/api/reviews/{pair['review_id']}", headers=reviewer)).headers["ETag"]
    patched = await client.patch(
        f"/api/reviews/{pair['review_id']}",
        json={
            "comments": [{**COMMENT, "area": "policy", "visibility": "peer", "strengths": "Adopted policy."}]
        },
        headers={**reviewer, "If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    assert [c["area"] for c in patched.json()["comments"]] == ["policy", "capacity"]
    submitted = await client.post(f"/api/reviews/{pair['review_id']}/submit", headers=reviewer)
    assert submitted.status_code == 201, submitted.text

    reviewee = pair["reviewee_acronym"].lower()
    queued = await fetch(
        "SELECT rule, recipient_email, context, link FROM reminder WHERE rule = 'review_submitted'"
    )
    assert sorted(r["recipient_email"] for r in queued) == sorted(
        [email(f"focal.{reviewee}"), *([email(f"champion.{reviewee}")] if reviewee != "lrc" else [])]
    )
    rendered = EmailRenderer(settings.base_url).render(
        "review_submitted", queued[0]["context"], queued[0]["link"], "X"
    )
    assert "USP" in rendered.subject and "Adopted policy" not in rendered.text  # no review text in email

    focal = await sign_in(email(f"focal.{reviewee}"))
    theirs = [
        r
        for r in (await client.get("/api/reviews", headers=focal)).json()["items"]
        if r["round_id"] == round_["id"]
    ]
    assert [r["id"] for r in theirs] == [pair["review_id"]] and theirs[0]["part"] == "reply"
    comment_id = patched.json()["comments"][0]["id"]
    replied = await client.post(
        f"/api/review-comments/{comment_id}/replies",
        json={"body": "Adoption minutes attached."},
        headers=focal,
    )
    assert replied.status_code == 201, replied.text
    refused = await client.post(
        f"/api/review-comments/{comment_id}/replies", json={"body": "x"}, headers=reviewer
    )
    assert refused.status_code in (403, 404)

    closed = await client.post(f"/api/review-rounds/{round_['id']}/close", headers=secretariat)
    assert closed.status_code == 201
    again = await client.post(
        f"/api/review-comments/{comment_id}/replies", json={"body": "late"}, headers=focal
    )
    assert again.status_code == 409

    donor = await sign_in(email("donor"))
    record = (await client.get(f"/api/reviews/{pair['review_id']}", headers=donor)).json()
    assert [c["area"] for c in record["comments"]] == ["capacity"]  # the donor-visible comment only
    assert record["snapshot"] is None and record["comments"][0]["author_name"] is None
    peer = await sign_in(email("focal.rce"))
    as_peer = (await client.get(f"/api/reviews/{pair['review_id']}", headers=peer)).json()
    assert [c["area"] for c in as_peer["comments"]] == ["policy", "capacity"]
    assert as_peer["comments"][0]["replies"][0]["body"] == "Adoption minutes attached."


async def test_round_routes_are_the_secretariats_and_lists_page(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await sign_in(SECRETARIAT)
    round_ = await start_round(client, secretariat)
    focal = await sign_in(email("focal.nra"))
    assert (await client.get("/api/review-rounds", headers=focal)).status_code == 403
    assert (await client.post(f"/api/review-rounds/{round_['id']}/close", headers=focal)).status_code == 403
    page = (
        await client.get(f"/api/review-rounds/{round_['id']}/pairs?limit=2&offset=1", headers=secretariat)
    ).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (5, 2, 1, 2)
    listed = (await client.get("/api/review-rounds", headers=secretariat)).json()
    assert listed["total"] == 3 and listed["items"][0]["name"] == "2026-H1 peer review"  # and the demo's two
    bad = await client.put(
        f"/api/review-rounds/{round_['id']}/pairs",
        json={"pairs": [{"reviewer_id": 1, "reviewee_id": 2}]},
        headers=secretariat,
    )
    assert bad.status_code == 409  # pairs change only before the round opens


async def test_the_timeline_check_reminds_reviewers_and_reviewees(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, settings: Any
) -> None:
    round_ = await start_round(client, await sign_in(SECRETARIAT))
    pair = next(p for p in round_["pairs"] if p["reviewer_acronym"] == "USP")
    for day in ("2026-12-03", "2026-12-03", "2026-12-08", "2026-12-11"):
        with time_machine.travel(f"{day} 12:00Z", tick=False):
            await run_check(settings, day=dt.date.fromisoformat(day))
    rows = await fetch(
        "SELECT rule, dedupe_key FROM reminder WHERE recipient_email = {} AND dedupe_key LIKE {} ORDER BY id",
        email("reviewer.usp"),
        f"%review:{pair['review_id']}@%",
    )
    assert [(r["rule"], r["dedupe_key"].split("|")[2]) for r in rows] == [
        ("review_due", "7"),
        ("review_due", "2"),
        ("review_overdue", "1"),
    ]
    progress = await fetch(
        "SELECT DISTINCT dedupe_key FROM reminder WHERE rule = 'review_round_progress' AND dedupe_key LIKE {}",
        f"%round:{round_['id']}@%",
    )
    assert len(progress) == 1  # the review due date passed; the reply due date not yet
    assert pair["review_id"]


ISSUE_ROUTES = {
    "/api/review-rounds": {"get", "post"},
    "/api/review-rounds/{round_id}": {"get", "patch"},
    "/api/review-rounds/{round_id}/open": {"post"},
    "/api/review-rounds/{round_id}/close": {"post"},
    "/api/review-rounds/{round_id}/pairs": {"get", "put"},
    "/api/reviews": {"get"},
    "/api/reviews/{review_id}": {"get", "patch"},
    "/api/reviews/{review_id}/submit": {"post"},
    "/api/reviews/{review_id}/comments": {"post"},
    "/api/review-comments/{comment_id}/replies": {"post"},
    "/api/organizations/{org_id}/practice-notes": {"get", "post"},
}


async def test_openapi_and_the_readme_list_every_peer_review_route(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    missing = [
        f"{m.upper()} {p}" for p, methods in ISSUE_ROUTES.items() for m in methods - set(paths.get(p, {}))
    ]
    assert not missing, f"not in the OpenAPI schema: {missing}"
    rows = [line for line in (REPO / "README.md").read_text().splitlines() if line.startswith("| `/api/")]
    for path in ISSUE_ROUTES:  # a row names the path, or its last step beside its parent's
        parent, last = path.rsplit("/", 1)
        assert any(f"`{path}`" in r or f"`{parent}/" in r and f"/{last}`" in r for r in rows), path
