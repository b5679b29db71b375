"""Small hand-built scoring inputs, so golden figures can be worked out on paper."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from scorecards.engine import CycleInfo, ScoringInputs

AREAS = ("champion", "policy", "capacity", "reporting", "budget")
H1 = CycleInfo(
    id=1,
    name="2026-H1",
    period_start=dt.date(2026, 1, 1),
    period_end=dt.date(2026, 6, 30),
    due_date=dt.date(2026, 7, 31),
)
H2 = CycleInfo(
    id=2,
    name="2026-H2",
    period_start=dt.date(2026, 7, 1),
    period_end=dt.date(2026, 12, 31),
    due_date=dt.date(2027, 1, 31),
)
AFTER_H1 = dt.date(2026, 9, 1)


def inputs(
    orgs: list[tuple[int, str, str]],
    claims: list[tuple[int, str, int, int, int, int]] = (),  # org, area, cycle, level, evidence, verified
    champions: list[tuple[int, str]] = (),
    weights: dict[str, float] | None = None,
    milestones: list[tuple[int, dt.date, dt.date | None, str]] = (),
    published: tuple[int, ...] = (),
    submitted: dict[int, dt.date] | None = None,
    last_updates: dict[int, dt.date] | None = None,
    cycle: CycleInfo = H1,
    previous: CycleInfo | None = None,
    today: dt.date = AFTER_H1,
    expectations: dict[int, int] | None = None,
    expectations_total: int = 0,
) -> ScoringInputs:
    submitted = submitted or {}
    updates = last_updates if last_updates is not None else {org: cycle.period_end for org, _, _ in orgs}
    weights = weights or {}

    def frame(rows: Any, columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame(list(rows), columns=columns)

    return ScoringInputs(
        cycle=cycle,
        previous=previous,
        today=today,
        organizations=frame(orgs, ["org_id", "acronym", "org_type"]).assign(
            name=lambda f: f["acronym"] + " (test)"
        ),
        areas=frame([(key, key.title(), weights.get(key, 1.0)) for key in AREAS], ["key", "name", "weight"]),
        claims=frame(claims, ["org_id", "area_key", "cycle_id", "self_level", "evidence", "verified"]),
        champions=frame(champions, ["org_id", "seniority"]),
        milestones=frame(milestones, ["org_id", "due_date", "completed_on", "status"]),
        last_updates=frame(updates.items(), ["org_id", "last_update_on"]),
        submissions=frame(
            [
                (
                    org,
                    "published" if org in published else ("submitted" if org in submitted else "draft"),
                    submitted.get(org, cycle.due_date if org in published else None),
                )
                for org, _, _ in orgs
            ],
            ["org_id", "status", "submitted_on"],
        ),
        expectations=frame((expectations or {}).items(), ["org_id", "met"]),
        expectations_total=expectations_total,
    )


def all_areas(org: int, level: int, cycle: int = 1, evidence: int = 1, verified: int = 1) -> list[tuple]:
    return [(org, key, cycle, level, evidence, verified) for key in AREAS]
