"""Small, exact data for the reminder tests: one organization at a time, dates chosen by the test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from models.engine import fetch
from models.tables import (
    Area,
    Comment,
    Commitment,
    Cycle,
    Milestone,
    Organization,
    Person,
    ProgressUpdate,
    RoleAssignment,
    Submission,
)
from models.timeline import next_check_on

CONFIDENTIAL = "CONFIDENTIAL-MARKER-7f3a"


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


@dataclass
class Org:
    id: int
    acronym: str
    focal: int
    focal_email: str
    champion: int | None
    champion_email: str | None


async def insert(table: Any, **values: Any) -> int:
    rows = await table.insert(table(**values)).returning(table.id)
    return int(rows[0]["id"])


async def person(name: str, email: str, seniority: str = "technical", digest: bool = False) -> int:
    """A person; single emails at once unless `digest` (the weekly digest), so that each rule's own
    email can be asserted (batching has its own tests)."""
    frequency = "weekly" if digest else "immediate"
    return await insert(
        Person, name=name, email=email, seniority=seniority, weekly_digest=digest, email_frequency=frequency
    )


async def role(person_id: int, role_name: str, org_id: int | None = None) -> None:
    await insert(RoleAssignment, person=person_id, role=role_name, organization=org_id)


async def organization(
    acronym: str,
    *,
    time_zone: str = "UTC",
    champion_seniority: str | None = "deputy",
    focal_digest: bool = False,
    champion_digest: bool = False,
    focal_name: str | None = None,
    name: str | None = None,
) -> Org:
    org_id = await insert(
        Organization,
        name=name or f"{acronym} Organization",
        acronym=acronym,
        org_type="ngo",
        time_zone=time_zone,
    )
    local = acronym.lower()
    focal_email = f"focal.{local}@example.org"
    focal = await person(focal_name or f"Focal {acronym}", focal_email, digest=focal_digest)
    await role(focal, "focal_point", org_id)
    champion, champion_email = None, None
    if champion_seniority is not None:
        champion_email = f"champion.{local}@example.org"
        champion = await person(
            f"Champion {acronym}", champion_email, seniority=champion_seniority, digest=champion_digest
        )
        await role(champion, "champion", org_id)
    return Org(org_id, acronym, focal, focal_email, champion, champion_email)


async def secretariat(email: str = "secretariat@example.org", digest: bool = False) -> int:
    person_id = await person("Sam Secretariat", email, seniority="senior_manager", digest=digest)
    await role(person_id, "secretariat")
    return person_id


async def area_id(key: str = "policy") -> int:
    rows = await Area.select(Area.id).where(Area.key == key)
    return int(rows[0]["id"])


async def commitment(
    org: Org,
    title: str = "Adopt a protection policy",
    *,
    owner: int | None = None,
    last_update: dt.datetime | None = None,
    created: dt.datetime | None = None,
    description: str = "",
) -> int:
    return await insert(
        Commitment,
        organization=org.id,
        area=await area_id(),
        title=title,
        description=description,
        owner=owner if owner is not None else org.focal,
        # Recent enough by default that no stale-commitment reminder interferes with other rules.
        last_update_at=last_update or at(dt.date(2026, 11, 15)),
        created_at=created or at(dt.date(2026, 11, 1)),
    )


async def milestone(
    commitment_id: int,
    due: dt.date,
    title: str = "Draft the policy",
    status: str = "planned",
    drop_reason: str = "",
) -> int:
    return await insert(
        Milestone,
        commitment=commitment_id,
        title=title,
        due_date=due,
        status=status,
        drop_reason=drop_reason,
        next_check_on=next_check_on(due, status),
    )


async def update(commitment_id: int, author: int, when: dt.datetime, narrative: str = "") -> int:
    return await insert(
        ProgressUpdate, commitment=commitment_id, author=author, narrative=narrative, created_at=when
    )


async def cycle(name: str, start: dt.date, end: dt.date, due: dt.date) -> int:
    return await insert(Cycle, name=name, period_start=start, period_end=end, due_date=due)


async def submission(org: Org, cycle_id: int, status: str, submitted_at: dt.datetime | None = None) -> int:
    return await insert(
        Submission,
        organization=org.id,
        cycle=cycle_id,
        status=status,
        submitted_by=org.focal if submitted_at else None,
        submitted_at=submitted_at,
    )


async def comment(org: Org, body: str) -> int:
    return await insert(Comment, organization=org.id, author=org.champion, body=body)


async def reminders(rule: str | None = None) -> list[dict[str, Any]]:
    if rule is None:
        return await fetch("SELECT * FROM reminder ORDER BY id")
    return await fetch("SELECT * FROM reminder WHERE rule = {} ORDER BY id", rule)


async def count(table: str) -> int:
    return int((await fetch(f"SELECT COUNT(*) AS n FROM {table}"))[0]["n"])
