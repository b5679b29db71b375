"""Reviews, their comments and the reviewee's right of reply.

docs/design.md "Peer review". Who may do what is fixed here, and again by the
database once the round closes:
- a reviewer (a person assigned to the pair) reads the reviewee's frozen `peer` snapshot, never live
  text, and writes only its own review, per area, as a draft until it submits it;
- the reviewee's focal points and champion read a review once it is submitted and reply to its
  comments, until the reply due date, while the round is open;
- nobody else writes anything in a round; after it closes nothing changes.
Readers outside the pair see a review only once the round is closed (the organization's record),
and only the comments and replies their audience may read: a reply shows where both it and its
comment may be read. Authors' names stay inside the pair, the reviewee and the secretariat.
"""

from __future__ import annotations

import json
from typing import Any

from models import audit
from models.caller import Caller
from models.clock import today, utcnow
from models.engine import fetch, fetch_kept, one_or_not_found, write_transaction
from models.errors import Conflict, Forbidden, NotFound, UserError
from models.services.common import choice, field_words, may_read, text_block, visibility
from models.services.review_rounds import page_bounds
from models.tables import ReviewComment, ReviewReply
from models.vocabulary import ASSESSMENTS, VISIBILITIES
from models.words import N_, format_date

COMMENT_VISIBILITIES = ("peer", "donor", "public")
WIDTH = {name: rank for rank, name in enumerate(VISIBILITIES)}  # internal < peer < donor < public

REVIEW_SELECT = (
    "SELECT v.id AS id, v.review_round AS round_id, r.name AS round_name, r.status AS round_status, "
    "c.name AS cycle, r.review_due AS review_due, r.reply_due AS reply_due, v.status AS status, "
    "p.reviewer AS reviewer_id, a.acronym AS reviewer_acronym, a.name AS reviewer_name, "
    "p.reviewee AS reviewee_id, b.acronym AS reviewee_acronym, b.name AS reviewee_name, "
    "v.submitted_at AS submitted_at, v.version AS version "
    "FROM review v JOIN review_round r ON r.id = v.review_round JOIN cycle c ON c.id = r.cycle "
    "JOIN review_pair p ON p.id = v.review_pair JOIN organization a ON a.id = p.reviewer "
    "JOIN organization b ON b.id = p.reviewee "
)

NO_REVIEW = N_("no review with id %(review_id)s")
NO_COMMENT = N_("no review comment with id %(comment_id)s")


def narrower(first: str, second: str) -> str:
    return first if WIDTH[first] <= WIDTH[second] else second


async def reviewer_ids(review_id: int) -> set[int]:
    rows = await fetch(
        "SELECT s.person AS person FROM reviewer_assignment s JOIN review v ON v.review_pair = s.review_pair "
        "WHERE v.id = {}",
        review_id,
    )
    return {int(row["person"]) for row in rows}


async def review_row(review_id: int) -> dict[str, Any]:
    return await one_or_not_found(
        REVIEW_SELECT + "WHERE v.id = {}", review_id, missing=NO_REVIEW, review_id=review_id
    )


def part_in(caller: Caller, row: dict[str, Any], reviewers: set[int]) -> str | None:
    """The caller's part in a review: write, reply, oversee, read (closed record) or None."""
    if caller.person_id is not None and caller.person_id in reviewers:
        return "write"
    reviewee = int(row["reviewee_id"])
    if caller.has_role("focal_point", reviewee) or caller.has_role("champion", reviewee):
        return "reply" if row["status"] == "submitted" else None
    if caller.is_secretariat:
        return "oversee"
    if row["round_status"] == "closed" and row["status"] == "submitted" and caller.audience_for(reviewee):
        return "read"
    return None


async def readable_review(caller: Caller, review_id: int) -> tuple[dict[str, Any], str, str]:
    """(review, caller's part, audience the comments are read at); 404 when not readable at all."""
    row = await review_row(review_id)
    part = part_in(caller, row, await reviewer_ids(review_id))
    if part is None:
        raise NotFound(NO_REVIEW, review_id=review_id)
    audience = "internal" if part in ("reply", "oversee") else caller.audience_for(int(row["reviewee_id"]))
    if part == "write":
        audience = "peer"  # a reviewer reads what the pair wrote, at the peer view it reviews
    return row, part, audience or "donor"


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def peer_snapshot(reviewee_id: int, cycle: str) -> dict[str, Any] | None:
    """The frozen peer view of the reviewee: what was published, never live internal text."""
    rows = await fetch(
        "SELECT s.payload AS payload FROM scorecard_snapshot s JOIN cycle c ON c.id = s.cycle "
        "WHERE s.organization = {} AND c.name = {} AND s.audience = 'peer'",
        reviewee_id,
        cycle,
    )
    return _decoded(rows[0]["payload"]) if rows else None


COMMENT_SELECT = (
    "SELECT m.id AS id, m.review AS review_id, a.key AS area, a.name AS area_name, m.assessment AS assessment, "
    "m.strengths AS strengths, m.recommendations AS recommendations, m.visibility AS visibility, "
    "m.author AS author_id, n.name AS author_name, m.version AS version, m.created_at AS created_at "
    "FROM review_comment m JOIN area a ON a.id = m.area LEFT JOIN person n ON n.id = m.author "
)
REPLY_SELECT = (
    "SELECT y.id AS id, y.comment AS comment_id, y.body AS body, y.visibility AS visibility, "
    "y.author AS author_id, n.name AS author_name, y.created_at AS created_at "
    "FROM review_reply y LEFT JOIN person n ON n.id = y.author "
)


async def comments_for(review_ids: list[int], audience: str, named: bool) -> dict[int, list[dict[str, Any]]]:
    """Comments (with their replies) of these reviews that the audience may read, by review."""
    if not review_ids:
        return {}
    marks = ", ".join("{}" for _ in review_ids)
    comments = await fetch(
        COMMENT_SELECT + f"WHERE m.review IN ({marks}) ORDER BY m.review, a.position, m.id", *review_ids
    )
    comments = [c for c in comments if may_read(c["visibility"], audience)]
    replies: dict[int, list[dict[str, Any]]] = {}
    if comments:
        ids = [int(c["id"]) for c in comments]
        shown = {int(c["id"]): c["visibility"] for c in comments}
        for reply in await fetch(
            REPLY_SELECT + f"WHERE y.comment IN ({', '.join('{}' for _ in ids)}) ORDER BY y.id", *ids
        ):
            if may_read(narrower(reply["visibility"], shown[int(reply["comment_id"])]), audience):
                replies.setdefault(int(reply["comment_id"]), []).append(_named(reply, named))
    by_review: dict[int, list[dict[str, Any]]] = {}
    for comment in comments:
        item = {**_named(comment, named), "replies": replies.get(int(comment["id"]), [])}
        by_review.setdefault(int(comment["review_id"]), []).append(item)
    return by_review


def _named(row: dict[str, Any], named: bool) -> dict[str, Any]:
    return row if named else {**row, "author_id": None, "author_name": None}


async def get_review(caller: Caller, review_id: int) -> dict[str, Any]:
    row, part, audience = await readable_review(caller, review_id)
    named = part in ("write", "reply", "oversee")
    comments = (await comments_for([review_id], audience, named)).get(review_id, [])
    snapshot = (
        await peer_snapshot(int(row["reviewee_id"]), row["cycle"])
        if audience in ("internal", "peer")
        else None
    )
    return {**row, "part": part, "comments": comments, "snapshot": snapshot}


async def list_my_reviews(
    caller: Caller, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """The caller's reviews: to write (assigned reviewer) or to reply to (submitted, own organization);
    all of them for the secretariat. Rounds still in draft have no reviews yet."""
    limit, offset = page_bounds(limit, offset)
    if caller.is_secretariat:
        where, args = "", []
    else:
        members = sorted(caller.member_org_ids)
        clauses = ["v.review_pair IN (SELECT review_pair FROM reviewer_assignment WHERE person = {})"]
        args: list[Any] = [caller.person_id or 0]
        if members:
            clauses.append(f"(v.status = 'submitted' AND p.reviewee IN ({', '.join('{}' for _ in members)}))")
            args += members
        where = f"WHERE {' OR '.join(clauses)} "
    total = int(
        (
            await fetch(
                "SELECT COUNT(*) AS n FROM review v JOIN review_pair p ON p.id = v.review_pair " + where,
                *args,
            )
        )[0]["n"]
    )
    rows = await fetch(REVIEW_SELECT + where + f"ORDER BY v.id DESC LIMIT {limit} OFFSET {offset}", *args)
    items = []
    for row in rows:
        part = part_in(caller, row, await reviewer_ids(int(row["id"])))
        items.append({**row, "part": part or "oversee"})
    return items, total


async def _writable(caller: Caller, review_id: int) -> dict[str, Any]:
    row = await review_row(review_id)
    if caller.person_id is None or caller.person_id not in await reviewer_ids(review_id):
        if part_in(caller, row, set()) is None:
            raise NotFound(NO_REVIEW, review_id=review_id)
        raise Forbidden(N_("only the reviewers assigned to this pair write its review"))
    if row["round_status"] != "open":
        raise Conflict(N_("reviews are written only while the round is open"))
    if row["status"] != "draft":
        raise Conflict(N_("this review was submitted: it is part of the record and changes no more"))
    return row


def _clean_comment(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    clean = {
        "area": data.get("area", ""),
        "assessment": choice(data.get("assessment", "right"), ASSESSMENTS, f"{prefix}assessment"),
        "strengths": text_block(data.get("strengths", ""), f"{prefix}strengths"),
        "recommendations": text_block(data.get("recommendations", ""), f"{prefix}recommendations"),
        "visibility": choice(data.get("visibility", "peer"), COMMENT_VISIBILITIES, f"{prefix}visibility"),
    }
    if not clean["strengths"] and not clean["recommendations"]:
        raise UserError(N_("a comment needs strengths or recommendations"), field=f"{prefix}strengths")
    return clean


async def _area_id(key: str, field: str) -> int:
    rows = await fetch("SELECT id FROM area WHERE key = {}", key)
    if not rows:
        raise UserError(N_("choose one of the areas"), field=field)
    return int(rows[0]["id"])


async def _save_comment(caller: Caller, review_id: int, clean: dict[str, Any], field: str) -> int:
    """One comment per area: a draft's comment on an area is rewritten, not added again."""
    area_id = await _area_id(clean["area"], field)
    values = {k: v for k, v in clean.items() if k != "area"}
    existing = await fetch(
        "SELECT id, version FROM review_comment WHERE review = {} AND area = {}", review_id, area_id
    )
    if existing:
        comment_id = int(existing[0]["id"])
        before = (await fetch(COMMENT_SELECT + "WHERE m.id = {}", comment_id))[0]
        await ReviewComment.update(
            {
                **{getattr(ReviewComment, k): v for k, v in values.items()},
                ReviewComment.author: caller.person_id,
                ReviewComment.version: int(existing[0]["version"]) + 1,
            }
        ).where(ReviewComment.id == comment_id)
        action = "update"
    else:
        comment = ReviewComment(review=review_id, area=area_id, author=caller.person_id, **values)
        await comment.save()
        comment_id, before, action = comment.id, None, "create"
    after = (await fetch(COMMENT_SELECT + "WHERE m.id = {}", comment_id))[0]
    await audit.record(caller, action, "review_comment", comment_id, before, after)
    return comment_id


async def add_comment(caller: Caller, review_id: int, data: dict[str, Any]) -> dict[str, Any]:
    clean = _clean_comment(data)
    async with write_transaction():
        await _writable(caller, review_id)
        comment_id = await _save_comment(caller, review_id, clean, "area")
        row = (await fetch(COMMENT_SELECT + "WHERE m.id = {}", comment_id))[0]
    return {**row, "replies": []}


async def update_review(
    caller: Caller, review_id: int, data: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    """Save the draft's comments in one go (each area once); If-Match guards two reviewers' edits."""
    comments = [_clean_comment(c, f"comments[{i}].") for i, c in enumerate(data.get("comments", []))]
    areas = [c["area"] for c in comments]
    if len(set(areas)) != len(areas):
        raise UserError(N_("comment on each area once"), field="comments")
    async with write_transaction():
        row = await _writable(caller, review_id)
        if int(row["version"]) != expected_version:
            from models.services.common import stale

            raise stale("review")
        for index, clean in enumerate(comments):
            await _save_comment(caller, review_id, clean, f"comments[{index}].area")
        await fetch("UPDATE review SET version = version + 1 WHERE id = {}", review_id)
    return await get_review(caller, review_id)


async def submit_review(caller: Caller, review_id: int) -> dict[str, Any]:
    """The review becomes the record the reviewee may reply to (and is told about by email)."""
    async with write_transaction():
        before = await _writable(caller, review_id)
        count = await fetch("SELECT COUNT(*) AS n FROM review_comment WHERE review = {}", review_id)
        if int(count[0]["n"]) == 0:
            raise UserError(N_("write at least one comment before submitting the review"), field="comments")
        await fetch(
            "UPDATE review SET status = 'submitted', submitted_by = {}, submitted_at = {}, "
            "version = version + 1 WHERE id = {}",
            caller.person_id,
            utcnow(),
            review_id,
        )
        after = await review_row(review_id)
        await audit.record(caller, "submit", "review", review_id, before, after)
    return await get_review(caller, review_id)


async def add_reply(caller: Caller, comment_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The reviewee's reply to a comment on itself, until the reply due date, while the round is open."""
    body = text_block(data.get("body", ""), "body")
    if not body:
        raise UserError(N_("%(name)s must not be empty"), field="body", name=field_words("body"))
    comment = await one_or_not_found(
        "SELECT review, visibility FROM review_comment WHERE id = {}",
        comment_id,
        missing=NO_COMMENT,
        comment_id=comment_id,
    )
    async with write_transaction():
        row = await review_row(int(comment["review"]))
        reviewee = int(row["reviewee_id"])
        if not (caller.has_role("focal_point", reviewee) or caller.has_role("champion", reviewee)):
            part = part_in(caller, row, await reviewer_ids(int(row["id"])))
            if part is None:
                raise NotFound(NO_COMMENT, comment_id=comment_id)
            raise Forbidden(
                N_("only the reviewed organization's focal points and champion reply to its review")
            )
        if row["status"] != "submitted":
            raise NotFound(NO_COMMENT, comment_id=comment_id)
        if row["round_status"] != "open":
            raise Conflict(N_("the round is closed: its reviews and replies are part of the record"))
        if row["reply_due"] is not None and today() > row["reply_due"]:
            raise Conflict(
                N_("replies were due by %(reply_due)s; the right of reply has passed"),
                reply_due=format_date(row["reply_due"]),
            )
        comment_visibility = comment["visibility"]
        reply_visibility = visibility(data.get("visibility", comment_visibility))
        if WIDTH[reply_visibility] > WIDTH[comment_visibility]:
            raise UserError(
                N_("a reply is read at most where its comment is: choose %(visibility)s or narrower"),
                field="visibility",
                visibility=comment_visibility,
            )
        reply = ReviewReply(
            comment=comment_id, author=caller.person_id, body=body, visibility=reply_visibility
        )
        await reply.save()
        after = (await fetch(REPLY_SELECT + "WHERE y.id = {}", reply.id))[0]
        await audit.record(caller, "create", "review_reply", reply.id, None, after)
    return after


async def review_record(org_id: int | None, cycle: str, audience: str) -> list[dict[str, Any]]:
    """The closed rounds' submitted reviews of an organization (None: of every organization) in a
    cycle, at an audience: what its scorecard and the workbooks show. Names of people never leave
    the pair and the secretariat."""
    only = "" if org_id is None else f"AND p.reviewee = {int(org_id)} "
    # Read on every request for a published scorecard: kept in memory until the database changes.
    rows = await fetch_kept(
        REVIEW_SELECT + "WHERE c.name = {} AND r.status = 'closed' AND v.status = 'submitted' "
        f"{only}ORDER BY b.acronym, v.review_round, a.acronym",
        cycle,
    )
    comments = await comments_for([int(row["id"]) for row in rows], audience, named=audience == "internal")
    return [
        {
            "review_id": row["id"],
            "round_name": row["round_name"],
            "reviewee_acronym": row["reviewee_acronym"],
            "reviewee_name": row["reviewee_name"],
            "reviewer_acronym": row["reviewer_acronym"],
            "comments": comments.get(int(row["id"]), []),
        }
        for row in rows
        if comments.get(int(row["id"]))
    ]
