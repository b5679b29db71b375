"""Organizations' answers to the donor expectations, as a scorecard shows them at each audience.

Every active expectation is listed with the organization's answer in the cycle (or none), so the
snapshot frozen at publishing keeps which expectations there were and what was answered. The
answer and its review are what donors compare (not confidential); the note (with the answer's
evidence files) and each evidence link reach only the audiences their visibility allows, filtered here where they are read, and the
secretariat's question only the organization itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from models.engine import fetch
from models.services.expectation_answers import files_of_answers
from models.vocabulary import visibilities_for

# What a cell of the donor matrix says: the answer once the secretariat confirmed it.
UNCONFIRMED = "unconfirmed"
NOT_ANSWERED = "not_answered"


def counted_state(answer: str | None, review: str | None) -> str:
    """met / partly / not_yet / not_applicable when confirmed; unconfirmed; or not_answered."""
    if answer is None:
        return NOT_ANSWERED
    return answer if review == "confirmed" else UNCONFIRMED


async def load_answers(
    cycle_id: int, audiences: Sequence[str], org_ids: Sequence[int]
) -> dict[str, dict[int, list[dict[str, Any]]]]:
    """Per audience, per organization: each active expectation and the answer in the cycle."""
    expectations = await fetch(
        "SELECT e.id, a.key AS area, e.text, e.due_date, "
        "(SELECT MAX(w.number) FROM expectation_wording w WHERE w.expectation = e.id) AS wording_number "
        "FROM donor_expectation e LEFT JOIN area a ON a.id = e.area WHERE e.active = {} "
        "ORDER BY a.position, e.id",
        True,
    )
    wanted = set(org_ids)
    answers: dict[tuple[int, int], dict[str, Any]] = {}
    for row in await fetch(
        "SELECT x.id, x.organization, x.expectation, x.answer, x.review, x.review_note, x.note, "
        "x.note_visibility, x.evidence, w.number AS wording_number, w.text AS wording_text "
        "FROM expectation_answer x JOIN expectation_wording w ON w.id = x.wording WHERE x.cycle = {}",
        cycle_id,
    ):
        if int(row["organization"]) in wanted:
            answers[(int(row["organization"]), int(row["expectation"]))] = row
    files = await files_of_answers([int(row["id"]) for row in answers.values()])
    for row in answers.values():
        row["files"] = files.get(int(row["id"]), [])
    out: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for audience in audiences:
        seen = set(visibilities_for(audience))
        per_org: dict[int, list[dict[str, Any]]] = {}
        for org_id in org_ids:
            items = []
            for expectation in expectations:
                answer = answers.get((int(org_id), int(expectation["id"])))
                items.append(_item(expectation, answer, seen, audience == "internal"))
            per_org[int(org_id)] = items
        out[audience] = per_org
    return out


def _item(
    expectation: dict[str, Any], answer: dict[str, Any] | None, seen: set[str], internal: bool
) -> dict[str, Any]:
    due = expectation["due_date"]
    item: dict[str, Any] = {
        "id": int(expectation["id"]),
        "area": expectation["area"],
        "text": expectation["text"],
        "due_date": due.isoformat() if hasattr(due, "isoformat") else due,
        "wording_number": int(expectation["wording_number"] or 1),
        "answer": None,
        "review": None,
        "state": NOT_ANSWERED,
        "answered_wording_number": None,
        "answered_wording": None,
        "note": None,
        "evidence": [],
        "files": [],
    }
    if answer is None:
        return item
    links = answer["evidence"]
    links = json.loads(links) if isinstance(links, (str, bytes)) else list(links or [])
    item.update(
        {
            "answer": answer["answer"],
            "review": answer["review"],
            "state": counted_state(answer["answer"], answer["review"]),
            "answered_wording_number": int(answer["wording_number"]),
            "answered_wording": answer["wording_text"],
            "note": answer["note"] if answer["note"] and answer["note_visibility"] in seen else None,
            "evidence": [
                {"url": link["url"], "title": link.get("title", "")}
                for link in links
                if link.get("visibility", "internal") in seen
            ],
            "files": list(answer["files"]) if answer["note_visibility"] in seen else [],
        }
    )
    if internal:
        item["question"] = answer["review_note"]
    return item
