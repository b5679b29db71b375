"""The facts of the peer-review reminders: the reviews and rounds of open rounds (a few rows)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from models.engine import fetch
from reminders.review_rules import ReviewFacts, RoundFacts
from reminders.rules import Organization, OrgPeople, Recipient

REVIEW_ROWS = (
    "SELECT v.id AS id, v.status AS status, r.id AS round_id, r.name AS round_name, c.name AS cycle_name, "
    "r.review_due AS review_due, r.reply_due AS reply_due, p.reviewer AS reviewer, p.reviewee AS reviewee, "
    "v.review_pair AS pair_id, (SELECT COUNT(*) FROM review_comment m WHERE m.review = v.id) AS comments, "
    "(SELECT COUNT(*) FROM review_reply y JOIN review_comment m ON m.id = y.comment WHERE m.review = v.id) "
    "AS replies FROM review v JOIN review_round r ON r.id = v.review_round JOIN cycle c ON c.id = r.cycle "
    "JOIN review_pair p ON p.id = v.review_pair WHERE r.status = 'open' "
)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


async def _organizations(ids: set[int]) -> dict[int, Organization]:
    if not ids:
        return {}
    marks = ", ".join(str(int(i)) for i in sorted(ids))
    rows = await fetch(f"SELECT id, acronym, name, time_zone, active FROM organization WHERE id IN ({marks})")
    return {
        int(r["id"]): Organization(
            int(r["id"]), r["acronym"], r["name"], r["time_zone"] or "UTC", bool(r["active"])
        )
        for r in rows
    }


PERSON = "p.id AS person_id, p.email, p.name, p.email_frequency, p.muted_rules, p.seniority"


async def load_review_facts(where: str = "", *args: Any) -> tuple[list[ReviewFacts], list[RoundFacts]]:
    """Reviews of open rounds (optionally narrowed by `where`, e.g. one review) and round totals."""
    rows = await fetch(REVIEW_ROWS + where + " ORDER BY v.id", *args)
    if not rows:
        return [], []
    pairs = ", ".join(str(int(r["pair_id"])) for r in rows)
    reviewers: dict[int, list[Recipient]] = defaultdict(list)
    for row in await fetch(
        f"SELECT s.review_pair AS pair_id, {PERSON} FROM reviewer_assignment s JOIN person p ON p.id = s.person "
        f"WHERE s.review_pair IN ({pairs}) AND p.active = {{}} ORDER BY p.id",
        True,
    ):
        reviewers[int(row["pair_id"])].append(Recipient.from_row(row))
    orgs = await _organizations({int(r["reviewer"]) for r in rows} | {int(r["reviewee"]) for r in rows})
    members: dict[int, dict[str, list[Recipient]]] = defaultdict(lambda: {"focal_point": [], "champion": []})
    reviewees = ", ".join(str(i) for i in sorted({int(r["reviewee"]) for r in rows}))
    for row in await fetch(
        f"SELECT r.organization AS org, r.role AS role, {PERSON} FROM role_assignment r "
        "JOIN person p ON p.id = r.person WHERE r.role IN ('focal_point', 'champion') "
        f"AND p.active = {{}} AND r.organization IN ({reviewees}) ORDER BY p.id",
        True,
    ):
        members[int(row["org"])][row["role"]].append(Recipient.from_row(row))
    reviews = []
    rounds: dict[int, dict[str, Any]] = {}
    for row in rows:
        reviewer, reviewee = orgs[int(row["reviewer"])], orgs[int(row["reviewee"])]
        people = members.get(reviewee.id, {"focal_point": [], "champion": []})
        facts = ReviewFacts(
            id=int(row["id"]),
            round_name=row["round_name"],
            cycle_name=row["cycle_name"],
            status=row["status"],
            review_due=_date(row["review_due"]),
            reply_due=_date(row["reply_due"]),
            reviewer=reviewer,
            reviewee=reviewee,
            reviewers=tuple(reviewers.get(int(row["pair_id"]), [])),
            reviewee_people=OrgPeople(tuple(people["focal_point"]), tuple(people["champion"])),
            comments=int(row["comments"]),
        )
        if reviewer.active and reviewee.active:
            reviews.append(facts)
        totals = rounds.setdefault(
            int(row["round_id"]), {"row": row, "reviews": 0, "submitted": 0, "replied": 0}
        )
        totals["reviews"] += 1
        totals["submitted"] += row["status"] == "submitted"
        totals["replied"] += row["status"] == "submitted" and int(row["replies"]) > 0
    return reviews, [
        RoundFacts(
            id=round_id,
            name=t["row"]["round_name"],
            cycle_name=t["row"]["cycle_name"],
            review_due=_date(t["row"]["review_due"]),
            reply_due=_date(t["row"]["reply_due"]),
            reviews=t["reviews"],
            submitted=t["submitted"],
            replied=t["replied"],
        )
        for round_id, t in sorted(rounds.items())
    ]
