"""Database engines and transactions.

DATABASE_URL picks the engine: unset or `sqlite:///path` gives a SQLite file (default
`cop_tracker.sqlite` in the working directory); `postgres://` or `postgresql://` gives PostgreSQL
through asyncpg. On SQLite, writes run in IMMEDIATE transactions with a busy timeout and WAL mode, so
concurrent writers wait for each other instead of failing with "database is locked".
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from models.paging import Page, Paging

DEFAULT_SQLITE_FILE = "cop_tracker.sqlite"
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
CONVERTED_VALUES = 16_384  # timestamps and dates remembered by the SQLite converters


class DatabaseUrlError(ValueError):
    pass


def sqlite_path_from_url(url: str) -> str:
    path = url.removeprefix("sqlite:///").removeprefix("sqlite://")
    return path or DEFAULT_SQLITE_FILE


@lru_cache(maxsize=CONVERTED_VALUES)
def _timestamptz_out(value: bytes) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.decode())
    return moment if moment.tzinfo is dt.UTC else moment.replace(tzinfo=dt.UTC)


@lru_cache(maxsize=CONVERTED_VALUES)
def _date_out(value: bytes) -> dt.date:
    return dt.date.fromisoformat(value.decode())


# Piccolo's SQLite converters decode each value through a generic wrapper; these give the same
# values several times faster (sqlite3 converters are per type name and process-wide, so Piccolo's
# own queries use them too), and remember the latest values: the rows read on every request repeat
# the same few timestamps, and dates and datetimes are immutable. INTEGER needs none: a column of
# INTEGER affinity stores any integral number as an integer, which sqlite3 returns as int without a
# Python call per value.
sqlite3.converters.pop("INTEGER", None)
sqlite3.register_converter("TIMESTAMPTZ", _timestamptz_out)
sqlite3.register_converter("DATE", _date_out)
sqlite3.register_converter("BOOLEAN", lambda value: value == b"1")


KeptRows = Sequence[Mapping[str, Any]]
_placeholders: dict[str, str] = {}  # raw SQL with {} -> with ? ("" for a statement that is no SELECT)
PLACEHOLDER_STATEMENTS = 4096  # dropped at once past this (statements with inlined ids vary)
_inherited_readers: list[Any] = []  # reader connections of a parent process (see _forget_readers_after_fork)


class ReadingSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with reads outside a transaction answered on one open connection.

    Piccolo opens a new aiosqlite connection, and with it a new thread, for every query outside a
    transaction: about 2.5 ms each, more than a whole indexed read costs. Here a SELECT outside a
    transaction runs on one open autocommit connection per thread, on the calling thread: tens of
    microseconds. In WAL mode every such read sees the latest committed state and never waits for a
    writer. Writes and everything inside a transaction keep Piccolo's path (IMMEDIATE transactions,
    busy timeout), unchanged.
    """

    READ_BUSY_TIMEOUT_SECONDS = 5.0
    KEPT_READS = 4096  # results `read_kept` holds per thread, dropped at once when full

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._readers = threading.local()
        os.register_at_fork(after_in_child=self._forget_readers_after_fork)

    def _forget_readers_after_fork(self) -> None:
        """A forked worker (granian's) must not use the connection its parent opened: SQLite's
        locks belong to the process. The inherited one is kept referenced, never closed here, since
        closing it could touch the parent's WAL; the child opens its own."""
        _inherited_readers.append(self._readers)
        self._readers = threading.local()

    def _reader(self) -> sqlite3.Connection:
        path = self.path
        reader = getattr(self._readers, "connection", None)
        if reader is None or self._readers.path != path:
            if reader is not None:
                reader.close()
            reader = sqlite3.connect(
                path,
                detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES,
                isolation_level=None,
                timeout=self.READ_BUSY_TIMEOUT_SECONDS,
                check_same_thread=True,
            )
            self._readers.connection, self._readers.path = reader, path
            self._readers.kept, self._readers.version = {}, None
        return reader

    async def run_querystring(self, querystring: Any, in_pool: bool = False) -> Any:
        if self.current_transaction.get() is None and not self.log_queries:
            query, args = querystring.compile_string(engine_type=self.engine_type)
            if query.lstrip()[:6].upper() == "SELECT":
                return self._rows(query, args)
        return await super().run_querystring(querystring, in_pool=in_pool)

    def read_now(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]] | None:
        """`fetch`'s shortcut: a raw SELECT with `{}` placeholders outside a transaction, run at
        once (None when it must take the engine's path)."""
        if self.current_transaction.get() is not None or self.log_queries:
            return None
        query = _placeholders.get(sql)
        if query is None:
            if len(_placeholders) >= PLACEHOLDER_STATEMENTS:
                _placeholders.clear()
            is_select = sql.lstrip()[:6].upper() == "SELECT"
            query = _placeholders[sql] = sql.replace("{}", "?") if is_select else ""
        return self._rows(query, args) if query else None

    def read_kept(self, sql: str, args: tuple[Any, ...]) -> KeptRows | None:
        """`fetch_kept`'s shortcut: like `read_now`, answered from memory while no connection has
        committed anything since the same read was made (None when it must take the engine's path).

        `PRAGMA data_version` of this thread's reader changes with every commit of any other
        connection, this process's writers included; it is read before the query, so a commit racing
        with the query only makes the next call read again.
        """
        if self.current_transaction.get() is not None or self.log_queries:
            return None
        reader = self._reader()
        version = reader.execute("PRAGMA data_version").fetchone()[0]
        readers = self._readers
        if readers.version != version:
            readers.kept, readers.version = {}, version
        key = (sql, args)
        rows = readers.kept.get(key)
        if rows is None:
            fresh = self.read_now(sql, args)
            if fresh is None:
                return None
            if len(readers.kept) >= self.KEPT_READS:
                readers.kept.clear()
            rows = readers.kept[key] = tuple(MappingProxyType(row) for row in fresh)
        return rows

    def _rows(self, query: str, args: Any) -> list[dict[str, Any]]:
        cursor = self._reader().execute(query, args)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]  # one cursor: same lengths


def engine_from_url(url: str | None = None) -> Engine:
    url = url if url is not None else os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite:"):
        return ReadingSQLiteEngine(
            path=sqlite_path_from_url(url) if url else DEFAULT_SQLITE_FILE,
            timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
        )
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": url})
    raise DatabaseUrlError(
        f"DATABASE_URL must start with sqlite:/// or postgresql:// (got {url.split(':', 1)[0]!r})"
    )


_engine: Engine | None = None


def current_engine() -> Engine:
    """piccolo_conf.DB; looked up once (Piccolo's finder re-reads the conf module on every call)."""
    global _engine
    if _engine is None:
        from piccolo.engine.finder import engine_finder

        _engine = engine_finder()
        if _engine is None:  # pragma: no cover - piccolo_conf always defines DB
            raise RuntimeError("piccolo_conf.DB is not defined")
    return _engine


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


@asynccontextmanager
async def read_transaction() -> AsyncIterator[None]:
    """A transaction for several reads that must see one consistent state of the database."""
    async with current_engine().transaction():
        yield


def database_identity() -> str:
    """Which database this process talks to (its file, or its DSN): part of cache keys."""
    engine = current_engine()
    return str(engine.path if isinstance(engine, SQLiteEngine) else engine.config.get("dsn", ""))


@asynccontextmanager
async def connection_pool(**sizes: int) -> AsyncIterator[None]:
    """PostgreSQL: a pool of connections while the block runs (SQLite opens its own)."""
    engine = current_engine()
    if not isinstance(engine, PostgresEngine):
        yield
        return
    await engine.start_connection_pool(**sizes)
    try:
        yield
    finally:
        await engine.close_connection_pool()


async def serialize_writers(key: int) -> None:
    """Inside a write transaction: wait for any other transaction that asked with the same key.

    SQLite serializes writers already (IMMEDIATE transactions); PostgreSQL takes a
    transaction-scoped advisory lock, released at commit or rollback."""
    if not is_sqlite():
        await fetch("SELECT pg_advisory_xact_lock({})", key)


def skip_locked() -> str:
    """The clause that lets concurrent claimers pass over rows another one has locked.

    SQLite has one writer at a time, so a claim never meets a locked row there."""
    return "" if is_sqlite() else " FOR UPDATE SKIP LOCKED"


def json_number(column: str, *path: str) -> str:
    """SQL for a number inside a JSON text column, e.g. `json_number("payload", "figures", "index")`."""
    if is_sqlite():
        return f"json_extract({column}, '$.{'.'.join(path)}')"
    steps = "".join(f" -> '{step}'" for step in path[:-1])
    return f"CAST({column}::jsonb{steps} ->> '{path[-1]}' AS DOUBLE PRECISION)"


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
    engine = current_engine()
    if isinstance(engine, ReadingSQLiteEngine):
        rows = engine.read_now(sql, args)
        if rows is not None:
            return rows
    rows = await engine.run_querystring(QueryString(sql, *args))
    if rows and not isinstance(rows[0], dict):
        return [dict(row) for row in rows]
    return rows


async def fetch_kept(sql: str, *args: Any) -> KeptRows:
    """`fetch` for a read made on most requests (who is calling), kept in memory until any
    connection commits a change to the database: on SQLite, a second identical read then costs no
    query. PostgreSQL offers no cheap test of "nothing changed", so there it is a plain `fetch`.

    The rows are shared between callers, so they are read-only mappings.
    """
    engine = current_engine()
    if isinstance(engine, ReadingSQLiteEngine):
        rows = engine.read_kept(sql, args)
        if rows is not None:
            return rows
    return await fetch(sql, *args)


async def fetch_page(
    query: str, order_by: str, *args: Any, paging: Paging, kept: bool = False
) -> Page[dict[str, Any]]:
    """One page of a raw SELECT (`query` without its ORDER BY, `order_by` the columns that make
    the order total) and how many rows the whole SELECT has.

    The count is the same SELECT wrapped in COUNT(*), so it counts exactly what the filters let
    through; it is skipped when the page itself already tells (a first page not filled up), so a
    short list costs one query. `kept=True` reads through `fetch_kept`, for a list read again and
    again between writes; its rows are copies all the same, the caller's to change.
    """
    read = fetch_kept if kept else fetch
    rows = await read(f"{query} ORDER BY {order_by}{paging.sql()}", *args)
    if paging.total_known_from(len(rows)):
        total = len(rows)
    else:
        counted = await read(f"SELECT COUNT(*) AS n FROM ({query}) listed", *args)
        total = int(counted[0]["n"])
    # A kept row is a read-only view of a dict (or a dict): its copy() is the dict's own, in C.
    items = [row.copy() for row in rows] if kept else rows  # type: ignore[attr-defined]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)
