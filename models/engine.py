"""Database engines and transactions.

DATABASE_URL picks the engine: unset or `sqlite:///path` gives a SQLite file (default
`cop_tracker.sqlite` in the working directory); `postgres://` or `postgresql://` gives PostgreSQL
through asyncpg. On SQLite, writes run in IMMEDIATE transactions with a busy timeout and WAL mode, so
concurrent writers wait for each other instead of failing with "database is locked".
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

DEFAULT_SQLITE_FILE = "cop_tracker.sqlite"
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0


class DatabaseUrlError(ValueError):
    pass


def sqlite_path_from_url(url: str) -> str:
    path = url.removeprefix("sqlite:///").removeprefix("sqlite://")
    return path or DEFAULT_SQLITE_FILE


def engine_from_url(url: str | None = None) -> Engine:
    url = url if url is not None else os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite:"):
        return SQLiteEngine(
            path=sqlite_path_from_url(url) if url else DEFAULT_SQLITE_FILE,
            timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
        )
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": url})
    raise DatabaseUrlError(
        f"DATABASE_URL must start with sqlite:/// or postgresql:// (got {url.split(':', 1)[0]!r})"
    )


def current_engine() -> Engine:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    if engine is None:  # pragma: no cover - piccolo_conf always defines DB
        raise RuntimeError("piccolo_conf.DB is not defined")
    return engine


def is_sqlite(engine: Engine | None = None) -> bool:
    return (engine or current_engine()).engine_type == "sqlite"


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for writes: IMMEDIATE on SQLite so the write lock is taken up front."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


async def prepare_sqlite_file(engine: Engine) -> None:
    """Switch a SQLite file to WAL mode (persistent in the file; readers never block the writer)."""
    if isinstance(engine, SQLiteEngine):
        with sqlite3.connect(engine.path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS) as conn:
            conn.execute("PRAGMA journal_mode=WAL")


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run raw SQL with `{}` placeholders (Piccolo's QueryString style) and return rows as dicts.

    asyncpg answers with immutable Record objects where SQLite gives dicts; converting here gives
    callers one row type on both engines.
    """
    from piccolo.querystring import QueryString

    rows = await current_engine().run_querystring(QueryString(sql, *args))
    if rows and not isinstance(rows[0], dict):
        return [dict(row) for row in rows]
    return rows
