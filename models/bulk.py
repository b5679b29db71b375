"""Bulk statements, in the form each engine runs fastest.

Two kinds of work write or read rows by the ten thousand, where Piccolo's query building costs
more than the database:
- generated data (the demo, the benchmarks): rows carry explicit ids so that foreign keys need no
  round trip, written with `executemany` on SQLite and COPY on PostgreSQL, whose id sequences are
  moved past them afterwards (`bulk_insert`);
- the timeline check, on the connection of the enclosing `write_transaction()` (on SQLite in a
  thread, so the event loop serves requests meanwhile): on SQLite,
  multi-row `VALUES` for inserts (measured fastest at 500 rows a statement) and `executemany` for
  updates; on PostgreSQL, one array per column through `unnest(...)`, one statement per batch: a
  statement with thousands of `$n` parameters costs more to plan than to run (`insert_new`,
  `update_by_id`, `fetch_in_transaction`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from models.engine import SQLITE_BUSY_TIMEOUT_SECONDS, current_engine, fetch, is_sqlite, numbered_placeholders

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
    result = {}
    for table in tables:
        rows = await fetch(f"SELECT COALESCE(MAX(id), 0) + 1 AS next FROM {table}")
        result[table] = int(rows[0]["next"])
    return result


# The timeline check's statements ------------------------------------------------------------------

SQLITE_ROWS_PER_INSERT = 500
POSTGRES_ROWS_PER_STATEMENT = 10_000

# (column, PostgreSQL type of its array)
Columns = Sequence[tuple[str, str]]


def _transaction() -> Any:
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk statements must run inside write_transaction()")
    return transaction


def _connection() -> Any:
    """PostgreSQL: the transaction's asyncpg connection."""
    return _transaction().connection


INLINE_ROWS = 50  # SQLite: a batch this small runs on the calling thread, a larger one in a thread


async def _off_loop(work: Any, rows: int | None = None) -> Any:
    """SQLite: `work(connection)` on the transaction's connection: in a thread (models/engine.py),
    or at once for a batch of at most INLINE_ROWS rows, where handing it over costs more than the
    work (an email queued by a request)."""
    return await _transaction().off_loop(work, at_once=rows is not None and rows <= INLINE_ROWS)


Row = Mapping[str, Any]


async def fetch_in_transaction(sql: str, args: Sequence[Any], rows: int | None = None) -> list[Row]:
    """Run `sql` (with `{}` placeholders) on the transaction's connection; rows read by column name.

    `rows`: how many rows the statement writes, when known (a small batch runs at once on SQLite).
    SQLite gives `sqlite3.Row` (built in C; Piccolo's dict rows cost a Python call per row, which
    shows when a check reads tens of thousands), PostgreSQL asyncpg's records.
    """
    if is_sqlite():

        def read(connection: sqlite3.Connection) -> list[Row]:
            cursor = connection.cursor()
            cursor.row_factory = sqlite3.Row
            try:
                return list(cursor.execute(sql.replace("{}", "?"), list(args)).fetchall())
            finally:
                cursor.close()

        return list(await _off_loop(read, rows))
    return list(await _connection().fetch(numbered_placeholders(sql), *args))


def _bind_timestamps(rows: Sequence[Sequence[Any]], columns: Columns) -> Sequence[Sequence[Any]]:
    """Rows with their timestamps already in SQLite's stored text form.

    sqlite3 calls the registered adapter once per bound value; the timestamps of a bulk insert are
    a handful of distinct moments (`now`, a digest release), so adapting each once saves a Python
    call per row.
    """
    positions = [index for index, (_, kind) in enumerate(columns) if kind == "timestamptz"]
    if not positions:
        return rows
    adapted: dict[Any, Any] = {None: None}
    bound = []
    for row in rows:
        row = list(row)
        for index in positions:
            value = row[index]
            text = adapted.get(value)
            if text is None and value is not None:
                adapter = sqlite3.adapters.get((type(value), sqlite3.PrepareProtocol))
                text = adapted[value] = adapter(value) if adapter else value
            row[index] = text
        bound.append(row)
    return bound


def _columns_of(rows: Sequence[Sequence[Any]], count: int) -> list[list[Any]]:
    return [[row[index] for row in rows] for index in range(count)]


async def insert_new(
    table: str,
    columns: Columns,
    constants: dict[str, str],
    rows: Sequence[Sequence[Any]],
    unique_column: str,
) -> list[Any]:
    """Insert rows, skipping those whose `unique_column` exists; returns that column of the new ones.

    `constants` are SQL literals for columns every row shares (e.g. {"attempts": "0"}).
    """
    names = ", ".join([name for name, _ in columns] + list(constants))
    literals = ", ".join(constants.values())
    tail = f"ON CONFLICT ({unique_column}) DO NOTHING RETURNING {unique_column}"
    inserted: list[Any] = []
    if is_sqlite():
        marks = "(" + ", ".join(["{}"] * len(columns) + ([literals] if literals else [])) + ")"
        rows = _bind_timestamps(rows, columns)
        for start in range(0, len(rows), SQLITE_ROWS_PER_INSERT):
            chunk = rows[start : start + SQLITE_ROWS_PER_INSERT]
            result = await fetch_in_transaction(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * len(chunk))} {tail}",
                [value for row in chunk for value in row],
                len(chunk),
            )
            inserted += [row[unique_column] for row in result]
        return inserted
    arrays = ", ".join(f"{{}}::{kind}[]" for _, kind in columns)
    select = "u.*" + (f", {literals}" if literals else "")
    for start in range(0, len(rows), POSTGRES_ROWS_PER_STATEMENT):
        chunk = rows[start : start + POSTGRES_ROWS_PER_STATEMENT]
        result = await fetch_in_transaction(
            f"INSERT INTO {table} ({names}) SELECT {select} FROM unnest({arrays}) AS u {tail}",
            _columns_of(chunk, len(columns)),
        )
        inserted += [row[unique_column] for row in result]
    return inserted


async def update_by_id(table: str, columns: Columns, rows: Sequence[Sequence[Any]]) -> None:
    """Set `columns` of many rows by id; each row is (values of the columns..., id)."""
    if not rows:
        return
    if is_sqlite():
        assignments = ", ".join(f"{name} = ?" for name, _ in columns)
        await _off_loop(
            lambda connection: connection.executemany(f"UPDATE {table} SET {assignments} WHERE id = ?", rows),
            len(rows),
        )
        return
    connection = _connection()
    assignments = ", ".join(f"{name} = u.{name}" for name, _ in columns)
    arrays = ", ".join(f"${index}::{kind}[]" for index, (_, kind) in enumerate(columns, start=1))
    aliases = ", ".join(name for name, _ in columns)
    for start in range(0, len(rows), POSTGRES_ROWS_PER_STATEMENT):
        chunk = rows[start : start + POSTGRES_ROWS_PER_STATEMENT]
        await connection.execute(
            f"UPDATE {table} AS t SET {assignments} "
            f"FROM unnest({arrays}, ${len(columns) + 1}::int[]) AS u({aliases}, id) WHERE t.id = u.id",
            *_columns_of(chunk, len(columns) + 1),
        )


async def insert_rows(table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert plain rows (each with the same keys) on the enclosing `write_transaction()`'s
    connection, one prepared statement for them all: building Piccolo query strings for thousands of
    rows (an imported plan) costs several times the write. Columns left out take their defaults."""
    if not rows:
        return
    columns = list(rows[0])
    values = [[row[column] for column in columns] for row in rows]
    names = ", ".join(columns)
    if is_sqlite():
        marks = ", ".join("?" * len(columns))
        await _off_loop(
            lambda connection: connection.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", values
            ),
            len(values),
        )
        return
    marks = ", ".join(f"${index}" for index in range(1, len(columns) + 1))
    await _connection().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
