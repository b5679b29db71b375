"""Large statements run straight on the current transaction's connection.

Piccolo's query building costs more than the database for a multi-row INSERT of thousands of
values; the outbox's bulk insert therefore compiles its `{}` placeholders itself (`?` on SQLite,
`$n` on PostgreSQL) and runs on the connection of the enclosing `write_transaction()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from models.engine import current_engine, is_sqlite


def _transaction() -> Any:
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("large statements must run inside write_transaction()")
    return transaction


def _numbered(sql: str) -> str:
    head, *rest = sql.split("{}")
    return head + "".join(f"${index}{part}" for index, part in enumerate(rest, start=1))


async def execute_many(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """One statement run for each row of values (SQLite and asyncpg both batch it)."""
    connection = _transaction().connection
    if is_sqlite():
        await connection.executemany(sql.replace("{}", "?"), rows)
    else:
        await connection.executemany(_numbered(sql), rows)


async def fetch_in_transaction(sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    connection = _transaction().connection
    if is_sqlite():
        cursor = await connection.execute(sql.replace("{}", "?"), list(args))
        try:
            return list(await cursor.fetchall())
        finally:
            await cursor.close()
    return [dict(row) for row in await connection.fetch(_numbered(sql), *args)]
