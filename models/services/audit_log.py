"""Reading the audit log (secretariat only); writing it is `models.audit.record`."""

from __future__ import annotations

import json
from typing import Any

from models.caller import Caller
from models.engine import fetch
from models.errors import Forbidden

MAX_PAGE = 500


async def list_events(
    caller: Caller,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor_id: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest first; page further back with `before_id` (the smallest id of the previous page)."""
    if not caller.is_secretariat:
        raise Forbidden("only the secretariat reads the audit log")
    clauses, args = [], []
    for column, value in (("entity", entity), ("entity_id", entity_id), ("actor", actor_id)):
        if value is not None:
            clauses.append(f"{column} = {{}}")
            args.append(value)
    if before_id is not None:
        clauses.append("id < {}")
        args.append(before_id)
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    limit = max(1, min(int(limit), MAX_PAGE))
    rows = await fetch(
        "SELECT id, actor AS actor_id, actor_label, action, entity, entity_id, before, after, at "
        f"FROM audit_event {where}ORDER BY id DESC LIMIT {limit}",
        *args,
    )
    return [{**row, "before": _decoded(row["before"]), "after": _decoded(row["after"])} for row in rows]


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
