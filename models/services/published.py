"""What outsiders read of an organization's records: the commitments and milestones frozen when it
published, never the live rows (docs/design.md "Audiences and visibility").

Publishing copies the organization's commitments and milestones into `published_commitment` and
`published_milestone`, once per cycle, in the publishing transaction; the database refuses to alter
a copy. An outsider reads the copy of the organization's latest publication, so a title edited or
a milestone added after publishing reaches them only with the next publication, and an
organization that never published has no records for them at all.

The copies are offered as SQL subqueries with the live tables' column names, so that a service's
query reads either source unchanged.
"""

from __future__ import annotations

from models.caller import Caller
from models.engine import fetch
from models.errors import NotFound
from models.services import common
from models.words import N_

# The organization's own people and the secretariat read live rows; everyone else the copies.
LIVE_AUDIENCE = "internal"

COPY_COMMITMENTS = (
    "INSERT INTO published_commitment (organization, cycle, commitment, area, title, description, "
    "description_visibility, target_date, status, last_update_at, version, created_at, frozen_at) "
    "SELECT c.organization, p.cycle, c.id, c.area, c.title, c.description, c.description_visibility, "
    "c.target_date, c.status, c.last_update_at, c.version, c.created_at, CURRENT_TIMESTAMP "
    "FROM commitment c JOIN {pairs} p ON p.organization = c.organization"
)
COPY_MILESTONES = (
    "INSERT INTO published_milestone (organization, cycle, milestone, commitment, title, due_date, "
    "timeframe_text, date_flags, completed_on, status, derived_state, version, created_at, frozen_at) "
    "SELECT c.organization, p.cycle, m.id, m.commitment, m.title, m.due_date, m.timeframe_text, m.date_flags, "
    "m.completed_on, m.status, m.derived_state, m.version, m.created_at, CURRENT_TIMESTAMP "
    "FROM milestone m JOIN commitment c ON c.id = m.commitment JOIN {pairs} p ON p.organization = c.organization"
)
# Published (organization, cycle) pairs that have no copy yet (a copy is made once per cycle).
UNFROZEN = (
    "(SELECT DISTINCT s.organization, s.cycle FROM scorecard_snapshot s WHERE NOT EXISTS ("
    "SELECT 1 FROM published_commitment x WHERE x.organization = s.organization AND x.cycle = s.cycle)"
    "{only})"
)


async def _copy(only: str = "", *args: int) -> None:
    pairs = UNFROZEN.replace("{only}", only)
    # Milestones first: their copy does not change which pairs are unfrozen for the commitments'.
    await fetch(COPY_MILESTONES.format(pairs=pairs), *args)
    await fetch(COPY_COMMITMENTS.format(pairs=pairs), *args)


async def freeze_records(org_id: int, cycle_id: int) -> None:
    """Copy the organization's commitments and milestones as they stand, for the cycle it publishes.

    Call it inside the publishing transaction, after the cycle's snapshots are written; a second
    publication of the same cycle keeps the first copy, as it keeps the first snapshots.
    """
    await _copy(" AND s.organization = {} AND s.cycle = {}", org_id, cycle_id)


async def freeze_every_publication() -> None:
    """`freeze_records` for every published cycle of every organization that has no copy yet, in
    two statements (the demo loader publishes thousands at once)."""
    await _copy()


async def latest_published_cycle(org_id: int) -> int | None:
    """The cycle of the organization's latest publication (its newest snapshot), or None."""
    rows = await fetch(
        "SELECT cycle FROM scorecard_snapshot WHERE organization = {} ORDER BY id DESC LIMIT 1", org_id
    )
    return int(rows[0]["cycle"]) if rows else None


# The SQL condition "organization `column` has published at least once".
HAS_PUBLISHED = "{column} IN (SELECT organization FROM scorecard_snapshot)"


async def read_audience(caller: Caller, org_id: int, what: str = "organization") -> str:
    """`common.read_audience`, and 404 for an outsider of an organization that never published:
    they learn nothing of it, not even that it exists."""
    audience = common.read_audience(caller, org_id, what)
    if audience != LIVE_AUDIENCE and await latest_published_cycle(org_id) is None:
        raise NotFound(N_("no %(what)s with that id"), what=what)
    return audience


COMMITMENT_COPY = (
    "SELECT commitment AS id, organization, area, title, description, description_visibility, "
    "CAST(NULL AS INTEGER) AS owner, target_date, status, last_update_at, version, created_at "
    "FROM published_commitment WHERE cycle = {cycle}"
)
MILESTONE_COPY = (
    "SELECT milestone AS id, commitment, title, due_date, completed_on, status, '' AS drop_reason, "
    "derived_state, version, timeframe_text, date_flags, created_at FROM published_milestone WHERE cycle = {cycle}"
)
# Organizations that have not published the cycle (they have no copy of it).
UNPUBLISHED = "organization NOT IN (SELECT organization FROM scorecard_snapshot WHERE cycle = {cycle})"


def commitments_as_published(cycle_id: int) -> str:
    """`commitment` as frozen when the cycle was published (no owner: outsiders never read it)."""
    return f"({COMMITMENT_COPY.format(cycle=int(cycle_id))})"


def milestones_as_published(cycle_id: int) -> str:
    """`milestone` as frozen when the cycle was published (no drop reason: it is internal)."""
    return f"({MILESTONE_COPY.format(cycle=int(cycle_id))})"


def commitments_as_closed(cycle_id: int) -> str:
    """For the internal reader of a closed cycle: the commitments frozen when each organization
    published the cycle, and the live ones of the organizations that have not published it."""
    cycle = int(cycle_id)
    return (
        f"({COMMITMENT_COPY.format(cycle=cycle)} UNION ALL SELECT id, organization, area, title, description, "
        "description_visibility, owner, target_date, status, last_update_at, version, created_at "
        f"FROM commitment WHERE {UNPUBLISHED.format(cycle=cycle)})"
    )


def milestones_as_closed(cycle_id: int) -> str:
    """`commitments_as_closed` for milestones (a copied one has no drop reason)."""
    cycle = int(cycle_id)
    return (
        f"({MILESTONE_COPY.format(cycle=cycle)} UNION ALL SELECT m.id, m.commitment, m.title, m.due_date, "
        "m.completed_on, m.status, m.drop_reason, m.derived_state, m.version, m.timeframe_text, "
        "m.date_flags, m.created_at FROM milestone m WHERE m.commitment IN "
        f"(SELECT id FROM commitment WHERE {UNPUBLISHED.format(cycle=cycle)}))"
    )
