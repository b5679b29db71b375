"""Reading the audit log (secretariat only); writing it is `models.audit.record`."""

from __future__ import annotations

import json
from typing import Any

from models.caller import Caller
from models.engine import fetch_page
from models.errors import Forbidden
from models.paging import EVERYTHING, Page, Paging
from models.words import N_


async def list_events(
    caller: Caller,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor_id: int | None = None,
    before_id: int | None = None,
    paging: Paging = EVERYTHING,
) -> Page[dict[str, Any]]:
    """Newest first; `before_id` keeps only events older than that one (events written since a
    first page was read then do not shift the later pages)."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat reads the audit log"))
    clauses, args = [], []
    for column, value in (("entity", entity), ("entity_id", entity_id), ("actor", actor_id)):
        if value is not None:
            clauses.append(f"{column} = {{}}")
            args.append(value)
    if before_id is not None:
        clauses.append("id < {}")
        args.append(before_id)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    page = await fetch_page(
        "SELECT id, actor AS actor_id, actor_label, action, entity, entity_id, before, after, at "
        f"FROM audit_event{where}",
        "id DESC",
        *args,
        paging=paging,
    )
    return page.map(lambda row: {**row, "before": _decoded(row["before"]), "after": _decoded(row["after"])})


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
