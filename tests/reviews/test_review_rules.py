"""The rules of a peer-review round, through the services (the API tests repeat the key ones).

A reviewer reads only the reviewee's peer view and writes only its own review; the reviewee replies
only to comments on itself; nobody else writes anything in the round; after closing nothing changes.
"""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from models.caller import SYSTEM
from models.engine import fetch
from models.errors import Conflict, Forbidden, NotFound, UserError
from models.services import review_rounds, reviews
from tests.reviews.support import caller, open_round, pair_of

COMMENT = {
    "area": "policy",
    "assessment": "too_high",
    "strengths": "Clear policy annex.",
    "recommendations": "Show the adoption decision.",
}


@pytest.fixture
async def round_row(demo: Any) -> dict[str, Any]:
    return await open_round(SYSTEM)


async def reviewer_and_reviewee(round_row: dict[str, Any]) -> tuple[Any, str, int]:
    reviewee, review_id = pair_of(round_row, "USP")
    return await caller("reviewer.usp"), reviewee, review_id


async def test_a_round_pairs_its_organizations_reciprocally_with_their_reviewers(
    round_row: dict[str, Any],
) -> None:
    assert round_row["status"] == "open"
    pairs = {(p["reviewer_acronym"], p["reviewee_acronym"]) for p in round_row["pairs"]}
    assert len(pairs) == 4 and all((b, a) in pairs for a, b in pairs)
    assert all(len(p["reviewers"]) == 1 and p["review_status"] == "draft" for p in round_row["pairs"])


async def test_the_reviewer_reads_the_frozen_peer_snapshot_only(round_row: dict[str, Any]) -> None:
    reviewer, reviewee, review_id = await reviewer_and_reviewee(round_row)
    review = await reviews.get_review(reviewer, review_id)
    assert review["part"] == "write"
    peer = await fetch(
        "SELECT s.payload FROM scorecard_snapshot s JOIN organization o ON o.id = s.organization "
        "JOIN cycle c ON c.id = s.cycle WHERE o.acronym = {} AND c.name = '2026-H1' AND s.audience = 'peer'",
        reviewee,
    )
    import json

    assert review["snapshot"] == json.loads(peer[0]["payload"])
    assert "Confidential" not in json.dumps(review["snapshot"])


async def test_a_reviewer_writes_and_submits_only_its_own_review(round_row: dict[str, Any]) -> None:
    reviewer, reviewee, review_id = await reviewer_and_reviewee(round_row)
    other_reviewee, other_review = pair_of(round_row, "CFF")
    with pytest.raises(NotFound):
        await reviews.add_comment(reviewer, other_review, COMMENT)
    with pytest.raises(NotFound):
        await reviews.get_review(reviewer, other_review)
    comment = await reviews.add_comment(reviewer, review_id, COMMENT)
    again = await reviews.add_comment(reviewer, review_id, {**COMMENT, "assessment": "right"})
    assert again["id"] == comment["id"] and again["assessment"] == "right"  # one comment per area
    submitted = await reviews.submit_review(reviewer, review_id)
    assert submitted["status"] == "submitted"
    with pytest.raises(Conflict):
        await reviews.add_comment(reviewer, review_id, {**COMMENT, "area": "budget"})


async def test_a_draft_is_not_shown_to_the_reviewee_and_an_empty_review_is_not_submitted(
    round_row: dict[str, Any],
) -> None:
    reviewer, reviewee, review_id = await reviewer_and_reviewee(round_row)
    focal = await caller(f"focal.{reviewee.lower()}")
    with pytest.raises(NotFound):
        await reviews.get_review(focal, review_id)
    with pytest.raises(UserError, match="at least one comment"):
        await reviews.submit_review(reviewer, review_id)


async def test_the_reviewee_replies_only_to_comments_on_itself(round_row: dict[str, Any]) -> None:
    reviewer, reviewee, review_id = await reviewer_and_reviewee(round_row)
    comment = await reviews.add_comment(reviewer, review_id, COMMENT)
    await reviews.submit_review(reviewer, review_id)
    champion = await caller(f"champion.{reviewee.lower()}")
    reply = await reviews.add_reply(champion, comment["id"], {"body": "The decision is attached."})
    assert reply["visibility"] == "peer"  # a reply defaults to its comment's visibility
    with pytest.raises(UserError, match="at most where its comment is"):
        await reviews.add_reply(champion, comment["id"], {"body": "x", "visibility": "public"})
    for outsider in ("focal.hai", "donor", "reviewer.cff"):
        with pytest.raises((NotFound, Forbidden)):
            await reviews.add_reply(await caller(outsider), comment["id"], {"body": "not mine"})
    with pytest.raises(Forbidden):
        await reviews.add_reply(reviewer, comment["id"], {"body": "the reviewer does not reply"})
    shown = await reviews.get_review(champion, review_id)
    assert [r["body"] for r in shown["comments"][0]["replies"]] == ["The decision is attached."]


async def test_nobody_else_writes_in_the_round(round_row: dict[str, Any]) -> None:
    _, reviewee, review_id = await reviewer_and_reviewee(round_row)
    for outsider in ("focal.usp", f"focal.{reviewee.lower()}", "donor", "focal.hai", "secretariat"):
        with pytest.raises((NotFound, Forbidden)):
            await reviews.add_comment(await caller(outsider), review_id, COMMENT)
    with pytest.raises(Forbidden):
        await review_rounds.close_round(await caller("focal.nra"), round_row["id"])


async def test_replies_close_at_the_reply_due_date(round_row: dict[str, Any]) -> None:
    reviewer, reviewee, review_id = await reviewer_and_reviewee(round_row)
    comment = await reviews.add_comment(reviewer, review_id, COMMENT)
    await reviews.submit_review(reviewer, review_id)
    with time_machine.travel("2026-12-21 09:00Z", tick=False):
        with pytest.raises(Conflict, match="right of reply has passed"):
            await reviews.add_reply(
                await caller(f"focal.{reviewee.lower()}"), comment["id"], {"body": "late"}
            )


async def test_after_closing_nothing_changes_not_even_in_the_database(round_row: dict[str, Any]) -> None:
    reviewer, reviewee, review_id = await reviewer_and_reviewee(round_row)
    comment = await reviews.add_comment(reviewer, review_id, COMMENT)
    await reviews.submit_review(reviewer, review_id)
    focal = await caller(f"focal.{reviewee.lower()}")
    reply = await reviews.add_reply(focal, comment["id"], {"body": "Thank you."})
    closed = await review_rounds.close_round(SYSTEM, round_row["id"])
    assert {p["review_status"] for p in closed["pairs"]} == {"submitted", "not_submitted"}
    with pytest.raises(Conflict):
        await reviews.add_reply(focal, comment["id"], {"body": "after closing"})
    with pytest.raises(Conflict):
        await review_rounds.close_round(SYSTEM, round_row["id"])
    for statement in (
        f"UPDATE review_comment SET strengths = 'rewritten' WHERE id = {comment['id']}",
        f"DELETE FROM review_comment WHERE id = {comment['id']}",
        f"UPDATE review_reply SET body = 'rewritten' WHERE id = {reply['id']}",
        f"UPDATE review SET status = 'draft' WHERE id = {review_id}",
        f"UPDATE review_round SET status = 'open' WHERE id = {round_row['id']}",
        f"DELETE FROM review_pair WHERE review_round = {round_row['id']}",
        f"INSERT INTO review_reply (comment, body, visibility, created_at) VALUES ({comment['id']}, 'x', 'peer', CURRENT_TIMESTAMP)",
    ):
        with pytest.raises(Exception, match="(?i)closed|append-only|submitted|before the round opens"):
            await fetch(statement)
    assert (await fetch("SELECT strengths FROM review_comment WHERE id = {}", comment["id"]))[0][
        "strengths"
    ] == COMMENT["strengths"]


async def test_every_write_of_the_round_is_audited(round_row: dict[str, Any]) -> None:
    reviewer, reviewee, review_id = await reviewer_and_reviewee(round_row)
    comment = await reviews.add_comment(reviewer, review_id, COMMENT)
    await reviews.submit_review(reviewer, review_id)
    await reviews.add_reply(await caller(f"focal.{reviewee.lower()}"), comment["id"], {"body": "Noted."})
    await review_rounds.close_round(SYSTEM, round_row["id"])
    first = await fetch(
        "SELECT MIN(id) AS id FROM audit_event WHERE entity = 'review_round' AND entity_id = {}",
        str(round_row["id"]),
    )
    rows = await fetch(
        "SELECT action, entity FROM audit_event WHERE entity LIKE 'review%' AND id >= {} ORDER BY id",
        first[0]["id"],
    )
    assert [(r["action"], r["entity"]) for r in rows] == [
        ("create", "review_round"),
        ("open", "review_round"),
        ("create", "review_comment"),
        ("submit", "review"),
        ("create", "review_reply"),
        ("close", "review_round"),
    ]


async def test_a_round_reviews_only_published_organizations_and_pairs_follow_the_rules(demo: Any) -> None:
    from tests.reviews.support import REPLY_DUE, REVIEW_DUE, org_ids

    with pytest.raises(UserError, match="no published scorecard"):
        await review_rounds.create_round(
            SYSTEM,
            {
                "name": "x",
                "cycle": "2026-H2",
                "organization_ids": await org_ids("NRA", "USP"),
                "review_due": REVIEW_DUE,
                "reply_due": REPLY_DUE,
            },
        )
    draft = await review_rounds.create_round(
        SYSTEM,
        {
            "name": "x",
            "cycle": "2026-H1",
            "organization_ids": await org_ids("NRA", "USP", "CFF"),
            "review_due": REVIEW_DUE,
            "reply_due": REPLY_DUE,
        },
    )
    nra, usp, cff = await org_ids("NRA", "USP", "CFF")
    with pytest.raises(UserError, match="itself"):
        await review_rounds.set_pairs(SYSTEM, draft["id"], [{"reviewer_id": nra, "reviewee_id": nra}])
    pairs = await review_rounds.set_pairs(
        SYSTEM,
        draft["id"],
        [{"reviewer_id": a, "reviewee_id": b} for a, b in ((nra, usp), (usp, nra), (cff, usp), (nra, cff))],
    )
    assert len(pairs) == 4
    opened = await review_rounds.open_round(SYSTEM, draft["id"])
    with pytest.raises(Conflict):
        await review_rounds.set_pairs(SYSTEM, draft["id"], [{"reviewer_id": usp, "reviewee_id": nra}])
    assert all(p["review_id"] for p in opened["pairs"])
