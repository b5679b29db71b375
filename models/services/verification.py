"""The secretariat's verification queue: evidence links not yet verified, oldest first.

A level-4 claim counts only with verified evidence (docs/design.md "Maturity levels and the evidence rules"), so the links
behind claims of 3 or more come first. A decision on one is `reminders.workflow.decide_evidence`
(the write, its audit row and the focal points' email).
"""

from __future__ import annotations

from typing import Any

from models.caller import Caller
from models.engine import fetch_page
from models.errors import Forbidden
from models.paging import EVERYTHING, Page, Paging
from models.words import N_

FROM = (
    "FROM evidence e JOIN progress_update u ON u.id = e.progress_update "
    "JOIN commitment c ON c.id = u.commitment JOIN organization o ON o.id = c.organization "
    "JOIN area a ON a.id = c.area LEFT JOIN cycle y ON y.id = u.cycle "
    "WHERE e.verified_at IS NULL AND e.rejected_at IS NULL "
    "AND e.id NOT IN (SELECT n.supersedes FROM evidence n WHERE n.supersedes IS NOT NULL) "
)


async def evidence_to_verify(
    caller: Caller, organization_id: int | None = None, paging: Paging = EVERYTHING
) -> Page[dict[str, Any]]:
    """Unverified, not superseded links; claims of level 3 or more first, then oldest first."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat verifies evidence"))
    where, args = "", []
    if organization_id is not None:
        where, args = "AND o.id = {} ", [organization_id]
    return await fetch_page(
        "SELECT e.id AS id, e.url AS url, e.title AS title, e.visibility AS visibility, "
        "e.version AS version, e.created_at AS created_at, u.id AS update_id, e.file_key AS file_key, "
        "e.file_name AS file_name, e.file_type AS file_type, e.file_size AS file_size, "
        "u.self_level AS self_level, y.name AS cycle, c.id AS commitment_id, c.title AS commitment_title, "
        "a.name AS area_name, o.id AS organization_id, o.acronym AS acronym " + FROM + where,
        "CASE WHEN u.self_level >= 3 THEN 0 ELSE 1 END, e.created_at, e.id",
        *args,
        paging=paging,
    )
