"""Helpers of the peer-review tests: callers of the demo by email, and a round ready to review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.caller import Caller
from models.engine import fetch
from models.services import review_rounds
from models.services.sessions import caller_for_person
from tests.api.support import email, org_id

PUBLISHED_CYCLE = "2026-H1"  # published in the demo as of tests.conftest.TODAY
REVIEW_DUE = dt.date(2026, 12, 10)
REPLY_DUE = dt.date(2026, 12, 20)


async def caller(local: str) -> Caller:
    rows = await fetch("SELECT id FROM person WHERE email = {}", email(local))
    return await caller_for_person(int(rows[0]["id"]))


async def org_ids(*acronyms: str) -> list[int]:
    return [await org_id(a) for a in acronyms]


async def open_round(
    secretariat: Caller, acronyms: tuple[str, ...] = ("NRA", "USP", "CFF", "WFL")
) -> dict[str, Any]:
    """A round of the published cycle among these organizations, opened with its proposed pairs."""
    created = await review_rounds.create_round(
        secretariat,
        {
            "name": "Test round",
            "cycle": PUBLISHED_CYCLE,
            "organization_ids": await org_ids(*acronyms),
            "review_due": REVIEW_DUE,
            "reply_due": REPLY_DUE,
        },
    )
    return await review_rounds.open_round(secretariat, created["id"])


def review_of(round_row: dict[str, Any], reviewer: str, reviewee: str) -> int:
    for pair in round_row["pairs"]:
        if pair["reviewer_acronym"] == reviewer and pair["reviewee_acronym"] == reviewee:
            return int(pair["review_id"])
    raise AssertionError(f"no pair {reviewer} -> {reviewee}")


def pair_of(round_row: dict[str, Any], reviewer: str) -> tuple[str, int]:
    """(reviewee acronym, review id) of the pair this organization reviews."""
    for pair in round_row["pairs"]:
        if pair["reviewer_acronym"] == reviewer:
            return pair["reviewee_acronym"], int(pair["review_id"])
    raise AssertionError(f"{reviewer} reviews nobody")
