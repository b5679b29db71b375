"""Who may own an organization's commitments: its focal points and its champion.

The same rule `commitments.create_commitment` enforces, listed for the forms that pick an owner.
Names of an organization's people are internal: only its own people and the secretariat read them.
"""

from __future__ import annotations

from typing import Any

from models.caller import Caller
from models.engine import fetch
from models.errors import NotFound
from models.services.common import NO_ORGANIZATION, read_audience


async def possible_owners(caller: Caller, org_id: int) -> list[dict[str, Any]]:
    """Active focal points and champions of the organization, by name (id, name, role)."""
    if read_audience(caller, org_id) != "internal":
        raise NotFound(NO_ORGANIZATION, org_id=org_id)
    rows = await fetch(
        "SELECT p.id AS id, p.name AS name, MIN(r.role) AS role FROM person p "
        "JOIN role_assignment r ON r.person = p.id "
        "WHERE r.organization = {} AND r.role IN ('focal_point', 'champion') AND p.active = {} "
        "GROUP BY p.id, p.name ORDER BY p.name",
        org_id,
        True,
    )
    return [dict(row) for row in rows]
