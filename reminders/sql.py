"""Bulk statements for the timeline check, in the form each engine runs fastest.

A first check over a large database queues tens of thousands of reminders and moves as many
milestones on. Piccolo's query building costs more than the database for that, so these run
straight on the connection of the enclosing `write_transaction()`:
- SQLite: multi-row `VALUES` for inserts (measured fastest at 500 rows a statement) and
  `executemany` for updates;
- PostgreSQL: one array per column through `unnest(...)`, one statement per batch: a statement
  with thousands of `$n` parameters costs more to plan than to run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from models.engine import current_engine, is_sqlite

SQLITE_ROWS_PER_INSERT = 500
POSTGRES_ROWS_PER_STATEMENT = 10_000

# (column, PostgreSQL type of its array)
Columns = Sequence[tuple[str, str]]


def _connection() -> Any:
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk statements must run inside write_transaction()")
    return transaction.connection


def _numbered(sql: str) -> str:
    head, *rest = sql.split("{}")
    return head + "".join(f"${index}{part}" for index, part in enumerate(rest, start=1))


Row = Mapping[str, Any]


async def fetch_in_transaction(sql: str, args: Sequence[Any]) -> list[Row]:
    """Run `sql` (with `{}` placeholders) on the transaction's connection; rows read by column name.

    SQLite gives `sqlite3.Row` (built in C; Piccolo's dict rows cost a Python call per row, which
    shows when a check reads tens of thousands), PostgreSQL asyncpg's records.
    """
    connection = _connection()
    if is_sqlite():
        cursor = await connection.execute(sql.replace("{}", "?"), list(args))
        cursor.row_factory = sqlite3.Row
        try:
            return list(await cursor.fetchall())
        finally:
            await cursor.close()
    return list(await connection.fetch(_numbered(sql), *args))


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
    connection = _connection()
    if is_sqlite():
        assignments = ", ".join(f"{name} = ?" for name, _ in columns)
        await connection.executemany(f"UPDATE {table} SET {assignments} WHERE id = ?", rows)
        return
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
