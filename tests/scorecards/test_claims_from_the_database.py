"""What the loader reads as an organization's claim per area, on real rows (both engines)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from models.engine import fetch
from models.tables import (
    Area,
    Commitment,
    Cycle,
    Evidence,
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


async def update(
    commitment_id: int, cycle: int, level: int | None, minutes: int, supersedes: int | None = None
) -> int:
    return await make(
        ProgressUpdate,
        commitment=commitment_id,
        cycle=cycle,
        self_level=level,
        narrative=f"level {level}",
        supersedes=supersedes,
        created_at=T0 + dt.timedelta(minutes=minutes),
    )


async def levels(world: dict[str, Any]) -> dict[str, tuple[int, int]]:
    scores = (await live_cycle_scores("2026-H1", TODAY)).scores
    return {
        key: (int(row["self_level"]), int(row["level"]))
        for (org, key), row in scores.areas.iterrows()
        if org == world["org"]
    }


async def test_the_latest_update_of_the_cycle_is_the_claim(world: dict[str, Any]) -> None:
    policy = await commitment(world, "policy")
    await update(policy, world["h1"], 1, 0)
    await update(policy, world["h1"], 2, 10)
    await update(policy, world["h2"], 4, 20)  # another cycle: not this one's claim
    await update(policy, world["h1"], None, 30)  # narrative only: no level, not a claim
    assert (await levels(world))["policy"] == (2, 2)


async def test_the_latest_update_across_the_areas_commitments_is_the_claim(world: dict[str, Any]) -> None:
    first, second = await commitment(world, "capacity"), await commitment(world, "capacity")
    await update(first, world["h1"], 2, 0)
    await update(second, world["h1"], 1, 5)
    assert (await levels(world))["capacity"] == (1, 1)
    await update(first, world["h1"], 2, 10)
    assert (await levels(world))["capacity"] == (2, 2)


async def test_a_superseded_update_is_never_the_claim(world: dict[str, Any]) -> None:
    policy = await commitment(world, "policy")
    await update(policy, world["h1"], 1, 0)
    wrong = await update(policy, world["h1"], 2, 10)
    # A correction that withdraws the level: the claim falls back to the earlier update.
    await update(policy, world["h1"], None, 20, supersedes=wrong)
    assert (await levels(world))["policy"] == (1, 1)


async def test_updates_of_dropped_commitments_do_not_count(world: dict[str, Any]) -> None:
    kept, dropped = await commitment(world, "budget"), await commitment(world, "budget", status="dropped")
    await update(kept, world["h1"], 1, 0)
    await update(dropped, world["h1"], 2, 10)
    assert (await levels(world))["budget"] == (1, 1)


async def test_evidence_on_the_claim_and_superseded_evidence(world: dict[str, Any]) -> None:
    reporting, policy = await commitment(world, "reporting"), await commitment(world, "policy")
    claim = await update(reporting, world["h1"], 4, 0)
    verified = await make(
        Evidence, progress_update=claim, url="https://a.example/1", verified_by=world["person"],
        verified_at=T0,
    )  # fmt: skip
    assert (await levels(world))["reporting"] == (4, 4)
    # The verified link is replaced by an unverified correction: 4 now counts 3.
    await make(Evidence, progress_update=claim, url="https://a.example/2", supersedes=verified)
    assert (await levels(world))["reporting"] == (4, 3)
    # Evidence on an older update of the area does not support the latest claim.
    older = await update(policy, world["h1"], 3, 0)
    await make(Evidence, progress_update=older, url="https://a.example/3")
    await update(policy, world["h1"], 3, 10)
    assert (await levels(world))["policy"] == (3, 2)


async def test_loader_reads_milestones_submissions_and_staleness(world: dict[str, Any]) -> None:
    from models.tables import Milestone

    policy = await commitment(world, "policy")
    await update(policy, world["h1"], 1, 0)
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
