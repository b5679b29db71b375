"""The audit log: every write records who, when, what, before and after.

Call `record` inside the same `write_transaction()` as the write it describes, so a failure rolls
back both. The table itself refuses UPDATE and DELETE.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from models.caller import Caller
from models.tables import AuditEvent


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
    await AuditEvent.insert(
        AuditEvent(
            actor=caller.person_id,
            actor_label=caller.email or caller.via,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=jsonable(before) if before is not None else None,
            after=jsonable(after) if after is not None else None,
        )
    )
