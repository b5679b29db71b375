"""Peer-review rounds, for the secretariat: open a round for a published cycle, pair, open, close.

docs/design.md "Peer review". A round is a `draft` while the secretariat adjusts
its participants, dates and pairs (proposed by `models.pairing`); opening it creates one review per
pair for the pair's reviewers; closing it freezes every review and reply (the database refuses any
change after that, see the review-triggers migration). Reviewers are people holding the
`peer_reviewer` role of the reviewing organization. Every write is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from models import audit
from models.caller import Caller
from models.clock import utcnow
from models.engine import fetch, one_or_not_found, write_transaction
from models.errors import Conflict, Forbidden, UserError
from models.pairing import PEER_TYPE_MODES, PairProblem, check_pairs, propose_pairs
from models.services.common import check_version, choice, one_line, update_versioned
from models.services.cycles import cycle_by_name
from models.tables import Review, ReviewerAssignment, ReviewPair, ReviewRound
from models.words import N_

ROUND_SELECT = (
    "SELECT r.id AS id, r.name AS name, c.name AS cycle, r.status AS status, r.review_due AS review_due, "
    "r.reply_due AS reply_due, r.peer_types AS peer_types, r.organizations AS organization_ids, "
    "r.opened_at AS opened_at, r.closed_at AS closed_at, r.version AS version, r.created_at AS created_at "
    "FROM review_round r JOIN cycle c ON c.id = r.cycle "
)

NO_ROUND = N_("no review round with id %(round_id)s")
MAX_PAGE = 500


def require_secretariat(caller: Caller) -> None:
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat runs peer-review rounds"))


def decoded_ids(value: Any) -> list[int]:
    ids = json.loads(value) if isinstance(value, str) else (value or [])
    return [int(i) for i in ids]


def _round_shape(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "organization_ids": decoded_ids(row["organization_ids"])}


def page_bounds(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(int(limit), MAX_PAGE)), max(0, int(offset))


async def list_rounds(caller: Caller, limit: int = 100, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Newest first, with the number of reviews submitted; (items, total)."""
    require_secretariat(caller)
    limit, offset = page_bounds(limit, offset)
    total = int((await fetch("SELECT COUNT(*) AS n FROM review_round"))[0]["n"])
    rows = await fetch(ROUND_SELECT + f"ORDER BY r.id DESC LIMIT {limit} OFFSET {offset}")
    return [_round_shape(row) for row in rows], total


async def round_row(round_id: int) -> dict[str, Any]:
    row = await one_or_not_found(
        ROUND_SELECT + "WHERE r.id = {}", round_id, missing=NO_ROUND, round_id=round_id
    )
    return _round_shape(row)


async def pairs_of(round_id: int) -> list[dict[str, Any]]:
    """The round's pairs with their reviewers and, once open, how far each review has come."""
    pairs = await fetch(
        "SELECT p.id AS id, p.reviewer AS reviewer_id, a.acronym AS reviewer_acronym, "
        "p.reviewee AS reviewee_id, b.acronym AS reviewee_acronym, v.id AS review_id, "
        "v.status AS review_status, v.submitted_at AS submitted_at, "
        "(SELECT COUNT(*) FROM review_comment m WHERE m.review = v.id) AS comments, "
        "(SELECT COUNT(*) FROM review_reply y JOIN review_comment m ON m.id = y.comment "
        "WHERE m.review = v.id) AS replies "
        "FROM review_pair p JOIN organization a ON a.id = p.reviewer JOIN organization b ON b.id = p.reviewee "
        "LEFT JOIN review v ON v.review_pair = p.id WHERE p.review_round = {} ORDER BY a.acronym, b.acronym",
        round_id,
    )
    people = await fetch(
        "SELECT s.review_pair AS pair_id, s.person AS id, n.name AS name, n.email AS email "
        "FROM reviewer_assignment s JOIN review_pair p ON p.id = s.review_pair "
        "JOIN person n ON n.id = s.person WHERE p.review_round = {} ORDER BY n.name",
        round_id,
    )
    by_pair: dict[int, list[dict[str, Any]]] = {}
    for person in people:
        by_pair.setdefault(int(person["pair_id"]), []).append(
            {"id": person["id"], "name": person["name"], "email": person["email"]}
        )
    return [
        {**pair, "reviewers": by_pair.get(int(pair["id"]), []), "review_status": pair["review_status"] or ""}
        for pair in pairs
    ]


async def get_round(caller: Caller, round_id: int) -> dict[str, Any]:
    require_secretariat(caller)
    row = await round_row(round_id)
    return {**row, "pairs": await pairs_of(round_id)}


async def _published_in(cycle_id: int) -> dict[int, dict[str, Any]]:
    """Organizations with a published peer snapshot of the cycle: the ones that may be reviewed."""
    rows = await fetch(
        "SELECT o.id AS id, o.acronym AS acronym, o.org_type AS org_type FROM scorecard_snapshot s "
        "JOIN organization o ON o.id = s.organization "
        "WHERE s.cycle = {} AND s.audience = 'peer' AND o.active = {} ORDER BY o.acronym",
        cycle_id,
        True,
    )
    return {int(row["id"]): row for row in rows}


async def _participants(cycle: dict[str, Any], wanted: list[int] | None) -> dict[int, dict[str, Any]]:
    published = await _published_in(int(cycle["id"]))
    if wanted is None:
        # By default, those that can take part: published, with a peer reviewer of their own.
        reviewers = await peer_reviewers_of(sorted(published))
        chosen = {org: row for org, row in published.items() if reviewers.get(org)}
    else:
        missing = sorted(set(wanted) - set(published))
        if missing:
            raise UserError(
                N_(
                    "organizations %(organizations)s have no published scorecard for %(cycle)s: "
                    "a round reviews what was published; leave them out"
                ),
                field="organization_ids",
                organizations=", ".join(map(str, missing)),
                cycle=cycle["name"],
            )
        chosen = {org: published[org] for org in wanted}
    if len(chosen) < 2:
        raise UserError(
            N_("a review round needs at least two organizations published in %(cycle)s"),
            field="organization_ids",
            cycle=cycle["name"],
        )
    return chosen


async def _previous_pairs(before_round: int | None) -> list[tuple[int, int]]:
    """The pairs of the latest round before this one, to be avoided."""
    where = "" if before_round is None else f"WHERE id < {int(before_round)} "
    latest = await fetch(f"SELECT id FROM review_round {where}ORDER BY id DESC LIMIT 1")
    if not latest:
        return []
    rows = await fetch("SELECT reviewer, reviewee FROM review_pair WHERE review_round = {}", latest[0]["id"])
    return [(int(r["reviewer"]), int(r["reviewee"])) for r in rows]


async def peer_reviewers_of(org_ids: list[int]) -> dict[int, list[int]]:
    """Active people holding `peer_reviewer` on each organization (who may review for it)."""
    if not org_ids:
        return {}
    marks = ", ".join("{}" for _ in org_ids)
    rows = await fetch(
        "SELECT r.organization AS org, p.id AS person FROM role_assignment r JOIN person p ON p.id = r.person "
        f"WHERE r.role = 'peer_reviewer' AND p.active = {{}} AND r.organization IN ({marks}) ORDER BY p.id",
        True,
        *org_ids,
    )
    found: dict[int, list[int]] = {}
    for row in rows:
        found.setdefault(int(row["org"]), []).append(int(row["person"]))
    return found


async def _write_pairs(round_id: int, pairs: list[tuple[int, int, list[int] | None]]) -> None:
    """Replace the round's pairs; a pair without named reviewers gets its organization's reviewers."""
    await ReviewerAssignment.delete().where(
        ReviewerAssignment.review_pair.is_in(
            [
                p["id"]
                for p in await ReviewPair.select(ReviewPair.id).where(ReviewPair.review_round == round_id)
            ]
            or [0]
        )
    )
    await ReviewPair.delete().where(ReviewPair.review_round == round_id)
    defaults = await peer_reviewers_of(sorted({reviewer for reviewer, _, _ in pairs}))
    for reviewer, reviewee, people in pairs:
        pair = ReviewPair(review_round=round_id, reviewer=reviewer, reviewee=reviewee)
        await pair.save()
        for person in people if people is not None else defaults.get(reviewer, []):
            await ReviewerAssignment(review_pair=pair.id, person=person).save()


def _dates(data: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, dt.date]:
    review_due = data.get("review_due", current["review_due"] if current else None)
    reply_due = data.get("reply_due", current["reply_due"] if current else None)
    if review_due is None or reply_due is None:
        raise UserError(
            N_("a round needs a date reviews are due and a date replies are due"), field="review_due"
        )
    if reply_due < review_due:
        raise UserError(N_("replies are due on or after the day reviews are due"), field="reply_due")
    return {"review_due": review_due, "reply_due": reply_due}


async def create_round(caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    """A draft round with proposed pairs; nothing is visible to reviewers until it opens."""
    require_secretariat(caller)
    name = one_line(data.get("name", ""), "name", 200)
    peer_types = choice(data.get("peer_types", "any"), PEER_TYPE_MODES, "peer_types")
    dates = _dates(data)
    cycle = await cycle_by_name(data.get("cycle", ""))
    async with write_transaction():
        chosen = await _participants(cycle, data.get("organization_ids"))
        review_round = ReviewRound(
            cycle=cycle["id"],
            name=name,
            status="draft",
            peer_types=peer_types,
            organizations=sorted(chosen),
            created_by=caller.person_id,
            **dates,
        )
        await review_round.save()
        proposed = propose_pairs(
            {org: row["org_type"] for org, row in chosen.items()}, await _previous_pairs(None), peer_types
        )
        await _write_pairs(review_round.id, [(a, b, None) for a, b in proposed])
        after = await get_round(caller, review_round.id)
        await audit.record(caller, "create", "review_round", review_round.id, None, after)
    return after


def _require_status(row: dict[str, Any], *allowed: str, refusal: str) -> None:
    """`refusal` (marked with `N_`) says what the round's status allows, in the reader's words."""
    if row["status"] not in allowed:
        raise Conflict(refusal)


async def update_round(
    caller: Caller, round_id: int, data: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    """Name and dates until the round closes; participants and peer types only in a draft, which
    proposes the pairs again."""
    require_secretariat(caller)
    async with write_transaction():
        before = await get_round(caller, round_id)
        check_version(before, expected_version, "review round")
        _require_status(before, "draft", "open", refusal=N_("the round is closed: it changes no more"))
        changes: dict[str, Any] = {}
        if "name" in data:
            changes["name"] = one_line(data["name"], "name", 200)
        if "review_due" in data or "reply_due" in data:
            changes.update(_dates(data, before))
        repropose = "organization_ids" in data or "peer_types" in data
        if repropose:
            _require_status(
                before, "draft", refusal=N_("participants and peer types change only before the round opens")
            )
            peer_types = choice(data.get("peer_types", before["peer_types"]), PEER_TYPE_MODES, "peer_types")
            cycle = await cycle_by_name(before["cycle"])
            chosen = await _participants(cycle, data.get("organization_ids", before["organization_ids"]))
            changes.update(peer_types=peer_types, organizations=json.dumps(sorted(chosen)))
            proposed = propose_pairs(
                {org: row["org_type"] for org, row in chosen.items()},
                await _previous_pairs(round_id),
                peer_types,
            )
            await _write_pairs(round_id, [(a, b, None) for a, b in proposed])
        await update_versioned(ReviewRound, round_id, expected_version, changes, "review round")
        after = await get_round(caller, round_id)
        if changes or repropose:
            await audit.record(caller, "update", "review_round", round_id, before, after)
    return after


PAIR_PROBLEMS = {
    "self": (N_("pair %(number)s: %(acronym)s cannot review itself; choose another organization for it to review"), "reviewee_id"),
    "stranger": (N_("pair %(number)s: %(acronym)s does not take part in this round; choose one of its organizations"), "reviewer_id"),
    "twice": (N_("pair %(number)s: %(reviewer)s already reviews %(reviewee)s in pair %(same)s; remove one of them"), "reviewee_id"),
}  # fmt: skip


def _pair_problem(problem: PairProblem, acronyms: dict[int, str]) -> UserError:
    """The first broken rule as the error the secretariat reads, naming organizations, not ids."""
    named = [acronyms.get(o, str(o)) for o in problem.organizations]
    if problem.index is None:
        return UserError(
            N_("nobody reviews %(acronyms)s: every organization of the round is reviewed at least once"),
            field="pairs",
            acronyms=", ".join(named),
        )
    message, column = PAIR_PROBLEMS[problem.rule]
    return UserError(
        message,
        field=f"pairs[{problem.index}].{column}",
        number=problem.index + 1,
        acronym=named[0],
        reviewer=named[0],
        reviewee=named[-1],
        same=(problem.same_as or 0) + 1,
    )


async def reviewer_choices(caller: Caller, round_id: int) -> list[dict[str, Any]]:
    """Per participating organization, the people who may review for it (its active peer
    reviewers): what the secretariat chooses from when it changes a pair's reviewers."""
    require_secretariat(caller)
    participants = (await round_row(round_id))["organization_ids"]
    if not participants:
        return []
    marks = ", ".join("{}" for _ in participants)
    rows = await fetch(
        "SELECT o.id AS org_id, o.acronym AS acronym, p.id AS id, p.name AS name FROM organization o "
        "LEFT JOIN role_assignment r ON r.organization = o.id AND r.role = 'peer_reviewer' "
        f"LEFT JOIN person p ON p.id = r.person AND p.active = {{}} WHERE o.id IN ({marks}) "
        "ORDER BY o.acronym, p.name",
        True,
        *participants,
    )
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        org = found.setdefault(
            int(row["org_id"]), {"id": row["org_id"], "acronym": row["acronym"], "people": []}
        )
        if row["id"] is not None:
            org["people"].append({"id": row["id"], "name": row["name"]})
    return list(found.values())


async def _acronyms(org_ids: set[int]) -> dict[int, str]:
    if not org_ids:
        return {}
    marks = ", ".join("{}" for _ in org_ids)
    rows = await fetch(f"SELECT id, acronym FROM organization WHERE id IN ({marks})", *sorted(org_ids))
    return {int(row["id"]): row["acronym"] for row in rows}


async def _strangers_named(people: list[int]) -> str:
    marks = ", ".join("{}" for _ in people)
    rows = await fetch(f"SELECT id, name FROM person WHERE id IN ({marks}) ORDER BY name", *people)
    names = {int(row["id"]): row["name"] for row in rows}
    return ", ".join(names.get(person, f"#{person}") for person in people)


async def set_pairs(caller: Caller, round_id: int, pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace the proposed pairs (draft only), checked against the rules of a round: the first
    broken rule is refused with the pair it is in, so a form can point at it."""
    require_secretariat(caller)
    async with write_transaction():
        before = await get_round(caller, round_id)
        _require_status(before, "draft", refusal=N_("pairs change only before the round opens"))
        wanted = [(int(p["reviewer_id"]), int(p["reviewee_id"])) for p in pairs]
        problems = check_pairs(wanted, before["organization_ids"])
        if problems:
            mentioned = {o for problem in problems for o in problem.organizations}
            raise _pair_problem(problems[0], await _acronyms(mentioned))
        eligible = await peer_reviewers_of(sorted({a for a, _ in wanted}))
        written: list[tuple[int, int, list[int] | None]] = []
        for index, (pair, (reviewer, reviewee)) in enumerate(zip(pairs, wanted, strict=True)):
            people = pair.get("reviewer_ids")
            if people is not None:
                strangers = sorted(set(people) - set(eligible.get(reviewer, [])))
                if strangers:
                    raise UserError(
                        N_(
                            "pair %(number)s: %(names)s cannot review for %(acronym)s: only its active "
                            "people with the peer_reviewer role do; choose one of them, or give the role first"
                        ),
                        field=f"pairs[{index}].reviewer_ids",
                        number=index + 1,
                        names=await _strangers_named(strangers),
                        acronym=(await _acronyms({reviewer}))[reviewer],
                    )
            written.append((reviewer, reviewee, people))
        await _write_pairs(round_id, written)
        after = await pairs_of(round_id)
        await audit.record(
            caller, "update", "review_pairs", round_id, {"pairs": before["pairs"]}, {"pairs": after}
        )
    return after


async def open_round(caller: Caller, round_id: int) -> dict[str, Any]:
    """Draft -> open: one review per pair; every pair must have a reviewer."""
    require_secretariat(caller)
    async with write_transaction():
        before = await get_round(caller, round_id)
        _require_status(before, "draft", refusal=N_("the round has opened already"))
        without = [
            f"{p['reviewer_acronym']} -> {p['reviewee_acronym']}"
            for p in before["pairs"]
            if not p["reviewers"]
        ]
        if without:
            raise Conflict(
                N_(
                    "pairs without a reviewer: %(pairs)s; give someone of the reviewing organization "
                    "the peer reviewer role, or choose the pair's reviewers"
                ),
                field="pairs",
                pairs=", ".join(without),
            )
        now = utcnow()
        await ReviewRound.update(
            {
                ReviewRound.status: "open",
                ReviewRound.opened_at: now,
                ReviewRound.version: ReviewRound.version + 1,
            }
        ).where(ReviewRound.id == round_id)
        for pair in before["pairs"]:
            await Review(review_pair=pair["id"], review_round=round_id, status="draft", created_at=now).save()
        after = await get_round(caller, round_id)
        await audit.record(caller, "open", "review_round", round_id, before, after)
    return after


async def close_round(caller: Caller, round_id: int) -> dict[str, Any]:
    """Open -> closed: reviews not submitted stay out of the record; everything is frozen."""
    require_secretariat(caller)
    async with write_transaction():
        before = await get_round(caller, round_id)
        _require_status(before, "open", refusal=N_("only an open round closes"))
        await Review.update({Review.status: "not_submitted", Review.version: Review.version + 1}).where(
            (Review.review_round == round_id) & (Review.status == "draft")
        )
        await ReviewRound.update(
            {
                ReviewRound.status: "closed",
                ReviewRound.closed_at: utcnow(),
                ReviewRound.version: ReviewRound.version + 1,
            }
        ).where(ReviewRound.id == round_id)
        after = await get_round(caller, round_id)
        await audit.record(caller, "close", "review_round", round_id, before, after)
    return after
