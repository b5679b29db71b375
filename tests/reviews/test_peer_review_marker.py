"""The marker test of peer review: a `peer` comment or reply never reaches a donor, through any GET
route (API, pages, exports), the donor workbook, or an email; a peer of another organization does
read it (so the test can fail)."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar

from models.caller import SYSTEM
from models.engine import fetch
from models.services import review_rounds, reviews
from reminders.emails import EmailRenderer
from reminders.workflow import queue_review_submitted
from tests.api.support import DONOR, email, org_id
from tests.api.test_confidentiality_marker import get_routes, leaked_text, urls_for
from tests.reviews.support import caller, open_round

PEER_MARKER = "PEER-ONLY-4417"


async def closed_round_with_markers(settings: Any) -> tuple[int, int]:
    """A closed round in which NRA's review carries the marker in a peer comment and a peer reply."""
    round_row = await open_round(SYSTEM)
    pair = next(p for p in round_row["pairs"] if p["reviewee_acronym"] == "NRA")
    reviewer = await caller(f"reviewer.{pair['reviewer_acronym'].lower()}")
    await reviews.add_comment(
        reviewer,
        pair["review_id"],
        {
            "area": "policy",
            "strengths": f"{PEER_MARKER} strengths",
            "recommendations": f"{PEER_MARKER} advice",
        },
    )
    shared = await reviews.add_comment(
        reviewer,
        pair["review_id"],
        {"area": "budget", "strengths": "A budget line exists.", "visibility": "donor"},
    )
    await reviews.submit_review(reviewer, pair["review_id"])
    await queue_review_submitted(settings, pair["review_id"])  # as the API and the page do
    focal = await caller("focal.nra")
    await reviews.add_reply(focal, shared["id"], {"body": f"{PEER_MARKER} reply", "visibility": "peer"})
    await reviews.add_reply(focal, shared["id"], {"body": "Shared reply to the donors."})
    await review_rounds.close_round(SYSTEM, round_row["id"])
    return round_row["id"], pair["review_id"]


def contains_marker(response: httpx.Response, pdf_sources: dict[bytes, str]) -> bool:
    return PEER_MARKER in leaked_text(response, pdf_sources)


async def test_donors_never_see_a_peer_comment_or_reply(
    app: Litestar,
    client: httpx.AsyncClient,
    demo: Any,
    sign_in: Any,
    settings: Any,
    pdf_sources: dict[bytes, str],
) -> None:
    round_id, review_id = await closed_round_with_markers(settings)
    nra = await org_id("NRA")
    values = {
        "org_id": [nra],
        "cycle": ["2026-H1"],
        "round_id": [round_id],
        "review_id": [review_id],
        "comment_id": [1],
        "commitment_id": [1],
        "milestone_id": [1],
        "update_id": [1],
        "evidence_id": [1],
        "file_id": [1],
        "person_id": [1],
        "role_id": [1],
        "token_id": [1],
        "expectation_id": [1],
        "area_key": ["policy"],
        "file_path": ["app.css"],
        "path": ["openapi.json"],
        "token": ["not-a-token"],
    }
    donor, peer = await sign_in(DONOR), await sign_in(email("focal.rce"))
    scorecard = f"/api/organizations/{nra}/scorecards/2026-H1"
    # A peer of another organization reads the marker: the record is there, the test can fail.
    assert PEER_MARKER in (await client.get(scorecard, headers=peer)).text
    peer_book = await client.get("/api/exports/2026-H1/comparison.xlsx?audience=peer", headers=peer)
    assert contains_marker(peer_book, pdf_sources)
    page = await client.get(f"/organizations/{nra}/scorecards/2026-H1", headers=peer)
    assert PEER_MARKER in page.text

    donor_card = (await client.get(scorecard, headers=donor)).json()
    assert [c["area"] for e in donor_card["peer_review"] for c in e["comments"]] == ["budget"]
    assert [r["body"] for r in donor_card["peer_review"][0]["comments"][0]["replies"]] == [
        "Shared reply to the donors."
    ]
    leaks = []
    for template, handler_params in get_routes(app):
        for url in urls_for(template, handler_params, values):
            response = await client.get(url, headers=donor)
            if contains_marker(response, pdf_sources):
                leaks.append(f"GET {url} ({response.status_code})")
    for url in (
        "/api/exports/2026-H1/comparison.xlsx?audience=donor",
        "/api/exports/2026-H1/comparison.csv?audience=donor",
        f"{scorecard}?audience=donor",
    ):
        if contains_marker(await client.get(url, headers=donor), pdf_sources):
            leaks.append(url)
    assert not leaks, "peer text reached a donor: " + "; ".join(leaks)

    # No email carries review text at all, to anyone.
    renderer = EmailRenderer(settings.base_url)
    emails = await fetch("SELECT rule, context, link FROM reminder")
    assert "review_submitted" in {row["rule"] for row in emails}  # the reviewee was told
    for row in emails:
        rendered = renderer.render(row["rule"], row["context"], row["link"], "Reader")
        assert PEER_MARKER not in rendered.subject + rendered.text + rendered.html
