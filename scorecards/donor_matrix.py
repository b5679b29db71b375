"""The donor dashboard's matrix: expectations x organizations of a published cycle.

Read from the cycle's snapshots at the reader's audience only (`published_cycle_scores`), so a
donor sees exactly the answers frozen at publishing, never live rows, and an organization that has
not published does not appear. Each cell is the counted state (`scorecards.answers.counted_state`):
the answer once confirmed, else unconfirmed or not answered. Per expectation: how many
organizations meet it, and how that changed since the previous cycle among its published
organizations (docs/design.md "Donor expectations").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from models.engine import fetch, json_part
from models.errors import NotFound
from models.words import N_
from scorecards.answers import NOT_ANSWERED
from scorecards.service import MATRIX_CACHE, check_peer_type, published_cycle_scores, snapshot_fingerprint

STATES = ("met", "partly", "not_yet", "not_applicable", "unconfirmed", NOT_ANSWERED)
STATE_NAMES = {state: state for state in STATES}  # one string per state, however many cells


ORGANIZATION_KEYS = ("id", "acronym", "name", "org_type", "org_type_label")


def _kept(payloads: Mapping[int, dict[str, Any]], peer_type: str | None) -> Iterator[dict[str, Any]]:
    """The payloads of the peer type (all without one), decoded one at a time."""
    for payload in payloads.values():
        if not peer_type or payload["organization"]["org_type"] == peer_type:
            yield payload


def _met_counts(answers: Iterable[list[dict[str, Any]]]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for items in answers:
        for item in items:
            counts.setdefault(int(item["id"]), 0)
            if item["state"] == "met":
                counts[int(item["id"])] += 1
    return counts


async def _previous_met_counts(cycle_id: int, audience: str, peer_type: str | None) -> dict[int, int] | None:
    """How many organizations met each expectation in an earlier cycle, as published at `audience`
    (None when nothing of it is published): only each snapshot's answers and type are read, not
    whole scorecards, so the previous cycle costs a few bytes per organization."""
    rows = await fetch(
        f"SELECT {json_part('payload', 'organization', 'org_type')} AS org_type, "
        f"{json_part('payload', 'expectations')} AS answers "
        "FROM scorecard_snapshot WHERE cycle = {} AND audience = {}",
        cycle_id,
        audience,
    )
    if not rows:
        return None
    kept = (row for row in rows if not peer_type or json.loads(row["org_type"]) == peer_type)
    return _met_counts(json.loads(row["answers"] or "null") or [] for row in kept)


async def expectation_matrix(cycle_name: str, audience: str, peer_type: str | None = None) -> dict[str, Any]:
    """The matrix, kept until a snapshot is added (it is built by decoding every payload of the
    cycle and of the previous one); readers share it and must not change it."""
    check_peer_type(peer_type)
    fingerprint = await snapshot_fingerprint()
    key = (cycle_name, audience, peer_type)
    cached = MATRIX_CACHE.get(key, fingerprint)
    if cached is None:
        cached = MATRIX_CACHE.put(
            key, fingerprint, await _matrix(cycle_name, audience, peer_type, fingerprint)
        )
    return cached  # type: ignore[no-any-return]


async def _matrix(
    cycle_name: str, audience: str, peer_type: str | None, fingerprint: tuple[Any, ...]
) -> dict[str, Any]:
    scores = await published_cycle_scores(cycle_name, audience, fingerprint)
    if not scores.payloads:
        raise NotFound(N_("nothing of the cycle %(cycle)s is published yet"), cycle=cycle_name)
    previous: dict[int, int] | None = None
    if scores.previous is not None:
        previous = await _previous_met_counts(scores.previous.id, audience, peer_type)
    # One pass over the payloads, keeping of each only its organization and its answers' states.
    # An expectation's row reads as in the first organization by acronym that answers it, and the
    # rows come in that order.
    organizations = []
    rows: dict[int, dict[str, Any]] = {}
    first_seen: dict[int, tuple[str, int]] = {}
    for payload in _kept(scores.payloads, peer_type):
        organizations.append({k: payload["organization"][k] for k in ORGANIZATION_KEYS})
        acronym = payload["organization"]["acronym"]
        for position, item in enumerate(payload.get("expectations", [])):
            key = int(item["id"])
            row = rows.setdefault(key, {"id": key, "cells": {}})
            if key not in first_seen or (acronym, position) < first_seen[key]:
                first_seen[key] = (acronym, position)
                row.update(text=item["text"], area=item["area"], due_date=item["due_date"])
            row["cells"][acronym] = STATE_NAMES.get(item["state"], item["state"])
    organizations.sort(key=lambda organization: organization["acronym"])
    expectations = []
    for key in sorted(rows, key=first_seen.__getitem__):
        row = rows[key]
        row = {"id": row["id"], "text": row["text"], "area": row["area"], "due_date": row["due_date"],
               "cells": row["cells"]}  # fmt: skip
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
