"""The audit log: every write records who, when, what, before and after.

Call `record` inside the same `write_transaction()` as the write it describes, so a failure rolls
back both. The table itself refuses UPDATE and DELETE.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from models.caller import Caller
from models.clock import utcnow
from models.engine import fetch


def jsonable(value: Any) -> Any:
    """Turn row values (dates, decimals, nested dicts) into JSON-friendly values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if k != "password_hash"}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


async def record(
    caller: Caller,
    action: str,
    entity: str,
    entity_id: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    # One raw statement: every write records one, and Piccolo's query building cost more than it.
    await fetch(
        "INSERT INTO audit_event (actor, actor_label, action, entity, entity_id, before, after, at) "
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
        caller.person_id,
        caller.email or caller.via,
        action,
        entity,
        str(entity_id),
        _json(before),
        _json(after),
        utcnow(),
    )


def _json(row: dict[str, Any] | None) -> str | None:
    """A row as the JSON column stores it (as Piccolo would write it)."""
    return None if row is None else json.dumps(jsonable(row), default=str)
