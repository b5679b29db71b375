"""Bulk inserts for large generated data (demo and benchmarks).

Piccolo's per-row insert costs tens of microseconds a row; a raw `executemany` inside one
transaction costs a couple. Rows carry explicit ids so that foreign keys need no round trip; on
PostgreSQL the id sequences are moved past them afterwards.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from models.engine import SQLITE_BUSY_TIMEOUT_SECONDS, current_engine

Rows = Sequence[Sequence[Any]]


def _encode(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


async def bulk_insert(batches: list[tuple[str, Sequence[str], Rows]]) -> None:
    """Insert each (table, columns, rows) batch, in order, in one transaction."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        with sqlite3.connect(engine.path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS) as conn:
            conn.execute("PRAGMA foreign_keys = 1")
            for table, columns, rows in batches:
                if not rows:
                    continue
                marks = ", ".join("?" for _ in columns)
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    ([_encode(v) for v in row] for row in rows),
                )
        return
    assert isinstance(engine, PostgresEngine)
    conn = await engine.get_new_connection()
    try:
        async with conn.transaction():
            for table, columns, rows in batches:
                if not rows:
                    continue
                records = [tuple(_encode(v) for v in row) for row in rows]
                await conn.copy_records_to_table(table, records=records, columns=list(columns))
            for table in {t for t, _, rows in batches if rows}:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
    finally:
        await conn.close()


async def next_ids(tables: Sequence[str]) -> dict[str, int]:
    """The first free id of each table, for rows that carry explicit ids."""
    from models.engine import fetch

    result = {}
    for table in tables:
        rows = await fetch(f"SELECT COALESCE(MAX(id), 0) + 1 AS next FROM {table}")
        result[table] = int(rows[0]["next"])
    return result
