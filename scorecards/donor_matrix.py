"""The donor dashboard's matrix: expectations x organizations of a published cycle.

Read from the cycle's snapshots at the reader's audience only (`published_cycle_scores`), so a
donor sees exactly the answers frozen at publishing, never live rows, and an organization that has
not published does not appear. Each cell is the counted state (`scorecards.answers.counted_state`):
the answer once confirmed, else unconfirmed or not answered. Per expectation: how many
organizations meet it, and how that changed since the previous cycle among its published
organizations (docs/design.md "Donor expectations").
"""

from __future__ import annotations

from typing import Any

from models.engine import fetch
from models.errors import NotFound
from models.words import N_
from scorecards.answers import NOT_ANSWERED
from scorecards.service import check_peer_type, published_cycle_scores

STATES = ("met", "partly", "not_yet", "not_applicable", "unconfirmed", NOT_ANSWERED)


def _kept(payloads: dict[int, dict[str, Any]], peer_type: str | None) -> list[dict[str, Any]]:
    return [
        p
        for _, p in sorted(payloads.items(), key=lambda item: item[1]["organization"]["acronym"])
        if not peer_type or p["organization"]["org_type"] == peer_type
    ]


def _met_counts(payloads: list[dict[str, Any]]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for payload in payloads:
        for item in payload.get("expectations", []):
            counts.setdefault(int(item["id"]), 0)
            if item["state"] == "met":
                counts[int(item["id"])] += 1
    return counts


async def expectation_matrix(cycle_name: str, audience: str, peer_type: str | None = None) -> dict[str, Any]:
    check_peer_type(peer_type)
    scores = await published_cycle_scores(cycle_name, audience)
    if not scores.payloads:
        raise NotFound(N_("nothing of the cycle %(cycle)s is published yet"), cycle=cycle_name)
    payloads = _kept(scores.payloads, peer_type)
    previous: dict[int, int] | None = None
    if scores.previous is not None:
        before = await published_cycle_scores(scores.previous.name, audience)
        if before.payloads:
            previous = _met_counts(_kept(before.payloads, peer_type))
    organizations = [
        {k: p["organization"][k] for k in ("id", "acronym", "name", "org_type", "org_type_label")}
        for p in payloads
    ]
    rows: dict[int, dict[str, Any]] = {}
    for payload in payloads:
        acronym = payload["organization"]["acronym"]
        for item in payload.get("expectations", []):
            row = rows.setdefault(
                int(item["id"]),
                {
                    "id": int(item["id"]),
                    "text": item["text"],
                    "area": item["area"],
                    "due_date": item["due_date"],
                    "cells": {},
                },
            )
            row["cells"][acronym] = item["state"]
    expectations = []
    for row in rows.values():
        cells = {o["acronym"]: row["cells"].get(o["acronym"], NOT_ANSWERED) for o in organizations}
        counts = {state: sum(1 for s in cells.values() if s == state) for state in STATES}
        met_before = None if previous is None else previous.get(row["id"])
        expectations.append(
            {
                **row,
                "cells": cells,
                "counts": counts,
                "met_previous": met_before,
                "met_change": None if met_before is None else counts["met"] - met_before,
            }
        )
    return {
        "cycle": scores.cycle.name,
        "previous_cycle": scores.previous.name if scores.previous else None,
        "audience": audience,
        "peer_type": peer_type,
        "organizations": organizations,
        "expectations": expectations,
    }


async def published_cycle_names() -> list[str]:
    """Cycles with at least one published scorecard, newest first (what the dashboard offers)."""
    rows = await fetch(
        "SELECT c.name, c.period_start FROM cycle c WHERE EXISTS "
        "(SELECT 1 FROM scorecard_snapshot s WHERE s.cycle = c.id) ORDER BY c.period_start DESC"
    )
    return [r["name"] for r in rows]
