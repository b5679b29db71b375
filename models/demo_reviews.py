"""The demo's peer review: a closed round on the first published cycle (reviews, replies, part of
the record) and an open one on the latest (one review submitted, the others to write), so that a
newcomer sees both. Written through the services as the secretariat and the demo's people would,
so every row is audited and obeys the same rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.caller import SYSTEM
from models.engine import fetch
from models.services import practice, review_rounds, reviews
from models.services.sessions import caller_for_person

COMMENTS = [
    (
        "policy",
        "right",
        "The policy annex is adopted and quoted in the strategy.",
        "Publish the annex.",
        "donor",
    ),
    (
        "capacity",
        "too_high",
        "Training started at headquarters.",
        "Show roll-out to country offices.",
        "peer",
    ),
]
REPLIES = {
    "policy": ("The annex will be published with the annual report.", "donor"),
    "capacity": ("Country roll-out starts next quarter; we accept the lower reading.", "peer"),
}


async def _people(org_id: int, role: str) -> list[int]:
    rows = await fetch(
        "SELECT person FROM role_assignment WHERE organization = {} AND role = {} ORDER BY person",
        org_id,
        role,
    )
    return [int(r["person"]) for r in rows]


async def _write_review(pair: dict[str, Any]) -> list[int]:
    reviewer = await caller_for_person((await _people(int(pair["reviewer_id"]), "peer_reviewer"))[0])
    comment_ids = []
    for area, assessment, strengths, recommendations, visibility in COMMENTS:
        comment = await reviews.add_comment(
            reviewer,
            int(pair["review_id"]),
            {
                "area": area,
                "assessment": assessment,
                "strengths": f"{strengths} ({pair['reviewer_acronym']} on {pair['reviewee_acronym']})",
                "recommendations": recommendations,
                "visibility": visibility,
            },
        )
        comment_ids.append((area, int(comment["id"])))
    await reviews.submit_review(reviewer, int(pair["review_id"]))
    return comment_ids


async def _reply(pair: dict[str, Any], comments: list[tuple[str, int]]) -> None:
    focal = (await _people(int(pair["reviewee_id"]), "focal_point"))[0]
    caller = await caller_for_person(focal)
    for area, comment_id in comments:
        body, visibility = REPLIES[area]
        await reviews.add_reply(caller, comment_id, {"body": body, "visibility": visibility})


async def load_demo_reviews(org_ids: list[int], cycles: list[str], today: dt.date) -> None:
    """Both rounds among `org_ids` (organizations with a peer reviewer of their own)."""
    if len(org_ids) < 2 or len(cycles) < 2:
        return
    far = dt.date(today.year + 5, 1, 1)  # replies are taken while the round's dates still allow them
    closed = await review_rounds.create_round(
        SYSTEM,
        {
            "name": f"{cycles[0]} peer review (demo)",
            "cycle": cycles[0],
            "organization_ids": org_ids,
            "review_due": far,
            "reply_due": far,
        },
    )
    closed = await review_rounds.open_round(SYSTEM, closed["id"])
    for pair in closed["pairs"]:
        await _reply(pair, await _write_review(pair))
    after = await review_rounds.get_round(SYSTEM, closed["id"])
    await review_rounds.update_round(
        SYSTEM,
        closed["id"],
        {"review_due": today - dt.timedelta(days=60), "reply_due": today - dt.timedelta(days=45)},
        int(after["version"]),
    )
    await review_rounds.close_round(SYSTEM, closed["id"])

    open_round = await review_rounds.create_round(
        SYSTEM,
        {
            "name": f"{cycles[1]} peer review (demo)",
            "cycle": cycles[1],
            "organization_ids": org_ids,
            "review_due": today + dt.timedelta(days=10),
            "reply_due": today + dt.timedelta(days=24),
        },
    )
    open_round = await review_rounds.open_round(SYSTEM, open_round["id"])
    first = sorted(open_round["pairs"], key=lambda p: p["reviewer_acronym"] != "USP")[0]
    await _write_review(first)

    # Peer learning: the strongest organization in each area offers to share its practice.
    levels = await practice.latest_published_levels()
    for area in ("policy", "capacity", "reporting", "budget"):
        strong = sorted(org for org, by_area in levels.items() if by_area.get(area, 0) >= 3)
        if strong:
            await practice.add_note(
                SYSTEM,
                strong[0],
                {
                    "area": area,
                    "what_worked": f"What worked for us in {area}: a short guide and a named lead.",
                    "documents": [f"https://example.org/demo/{area}-guide.pdf"],
                    "contact": "the focal point",
                    "visibility": "peer",
                },
            )
