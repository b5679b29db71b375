"""What the loader reads as an organization's claim per area, on real rows (both engines)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from models.engine import fetch
from models.tables import (
    Area,
    Assessment,
    AssessmentEvidence,
    Commitment,
    Cycle,
    Organization,
    Person,
    ProgressUpdate,
    RoleAssignment,
    Submission,
)
from scorecards.loader import load_inputs
from scorecards.service import live_cycle_scores

TODAY = dt.date(2026, 11, 22)
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


async def make(table: type, **values: Any) -> int:
    rows = await table.insert(table(**values)).returning(table.id)
    return int(rows[0]["id"])


@pytest.fixture
async def world(db: str) -> dict[str, Any]:
    """One organization with a head champion, the 2026-H1 and 2026-H2 cycles, and a helper to post."""
    org = await make(Organization, name="Test Org", acronym="TST", org_type="ngo")
    champion = await make(Person, email="c@example.org", name="Champion", seniority="head")
    await make(RoleAssignment, person=champion, role="champion", organization=org)
    h1 = await make(Cycle, name="2026-H1", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30),
                    due_date=dt.date(2026, 7, 31))  # fmt: skip
    h2 = await make(Cycle, name="2026-H2", period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 12, 31),
                    due_date=dt.date(2027, 1, 31))  # fmt: skip
    areas = {r["key"]: r["id"] for r in await Area.select(Area.id, Area.key)}
    await make(Submission, organization=org, cycle=h1, status="published")
    return {"org": org, "h1": h1, "h2": h2, "areas": areas, "person": champion}


async def commitment(world: dict[str, Any], area: str, status: str = "active") -> int:
    return await make(
        Commitment, organization=world["org"], area=world["areas"][area], title=area, status=status
    )


async def update(commitment_id: int, cycle: int, level: int | None, minutes: int) -> int:
    return await make(
        ProgressUpdate,
        commitment=commitment_id,
        cycle=cycle,
        self_level=level,
        narrative=f"level {level}",
        created_at=T0 + dt.timedelta(minutes=minutes),
    )


async def assess(world: dict[str, Any], area: str, level: int, cycle: str = "h1") -> int:
    return await make(
        Assessment, organization=world["org"], cycle=world[cycle], area=world["areas"][area], self_level=level
    )


async def link(assessment: int, **values: Any) -> int:
    return await make(AssessmentEvidence, assessment=assessment, url="https://a.example/doc", **values)


async def levels(world: dict[str, Any]) -> dict[str, tuple[int, int]]:
    scores = (await live_cycle_scores("2026-H1", TODAY)).scores
    return {
        key: (int(row["self_level"]), int(row["level"]))
        for (org, key), row in scores.areas.iterrows()
        if org == world["org"]
    }


async def test_the_assessment_of_the_cycle_is_the_claim_and_updates_do_not_decide(
    world: dict[str, Any],
) -> None:
    policy = await commitment(world, "policy")
    await update(policy, world["h1"], 3, 0)
    assert (await levels(world))["policy"] == (0, 0)  # an update alone claims nothing
    await assess(world, "policy", 2)
    await assess(world, "policy", 4, cycle="h2")  # another cycle: not this one's claim
    await update(policy, world["h1"], 1, 10)
    assert (await levels(world))["policy"] == (2, 2)


async def test_a_verified_4_counts_4_whatever_is_filed_later(world: dict[str, Any]) -> None:
    """The scenario of the secretariat: verify a level-4 budget claim, then a level-3 update on
    another budget commitment filed a minute later must not lower it."""
    first, second = await commitment(world, "budget"), await commitment(world, "budget")
    budget = await assess(world, "budget", 4)
    await link(budget, verified_by=world["person"], verified_at=T0)
    await update(first, world["h1"], 4, 0)
    await update(second, world["h1"], 3, 1)
    assert (await levels(world))["budget"] == (4, 4)


async def test_the_evidence_rules_on_the_assessment(world: dict[str, Any]) -> None:
    reporting = await assess(world, "reporting", 4)
    assert (await levels(world))["reporting"] == (4, 2)  # no evidence: counts 2
    unverified = await link(reporting)
    assert (await levels(world))["reporting"] == (4, 3)  # evidence, not verified: counts 3
    await fetch("UPDATE assessment_evidence SET verified_at = {} WHERE id = {}", T0, unverified)
    assert (await levels(world))["reporting"] == (4, 4)
    # Rejected evidence counts as absent; so does evidence the organization removed.
    await fetch(
        "UPDATE assessment_evidence SET verified_at = NULL, rejected_at = {} WHERE id = {}", T0, unverified
    )
    assert (await levels(world))["reporting"] == (4, 2)
    capacity = await assess(world, "capacity", 3)
    await link(capacity, removed_at=T0)
    assert (await levels(world))["capacity"] == (3, 2)
    await link(capacity)
    assert (await levels(world))["capacity"] == (3, 3)


async def test_loader_reads_milestones_submissions_and_staleness(world: dict[str, Any]) -> None:
    from models.tables import Milestone

    policy = await commitment(world, "policy")
    await update(policy, world["h1"], 1, 0)
    await assess(world, "policy", 1)
    for due, done, status in [
        (dt.date(2026, 2, 1), dt.date(2026, 2, 1), "done"),
        (dt.date(2026, 6, 1), None, "planned"),
        (dt.date(2026, 8, 1), None, "planned"),  # next cycle
        (dt.date(2026, 3, 1), None, "dropped"),
    ]:
        await make(Milestone, commitment=policy, title="m", due_date=due, completed_on=done, status=status)
    inputs = await load_inputs("2026-H1", TODAY)
    assert inputs.as_of == dt.date(2026, 7, 31)
    assert len(inputs.milestones) == 2
    scores = (await live_cycle_scores("2026-H1", TODAY)).scores
    org = scores.orgs.loc[world["org"]]
    assert (org["on_time_share"], org["overdue"], org["median_days_late"]) == (50.0, 1, 60.0)
    # The only update, on 1 March, is more than 90 days before 31 July.
    assert "no_update_90_days" in org["flags"]
    assert org["published"]
    rows = await fetch("SELECT COUNT(*) AS n FROM organization")
    assert int(rows[0]["n"]) == 1
