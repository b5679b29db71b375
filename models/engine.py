"""Database engines and transactions.

DATABASE_URL picks the engine: unset or `sqlite:///path` gives a SQLite file (default
`cop_tracker.sqlite` in the working directory); `postgres://` or `postgresql://` gives PostgreSQL
through asyncpg. On SQLite, writes run in IMMEDIATE transactions in WAL mode on one writer
connection per process (see ReadingSQLiteEngine), so concurrent writers wait for each other instead
of failing with "database is locked".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import lru_cache
from types import MappingProxyType
from typing import Any, TypeVar

from piccolo.engine.base import Engine
from piccolo.engine.exceptions import TransactionError
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from models.change_feed import ChangeListener, KeptReads, KeptRows
from models.errors import NotFound
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


_placeholders: dict[str, tuple[str, bool]] = {}  # raw SQL with {} -> (with ?, whether a SELECT)
PLACEHOLDER_STATEMENTS = 4096  # dropped at once past this (statements with inlined ids vary)
_inherited_connections: list[Any] = []  # connections of a parent process (see _forget_connections_after_fork)
Work = TypeVar("Work")


def _rows_of(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    if cursor.description is None:  # a statement that returns no rows
        return []
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]  # one cursor: same lengths


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY


async def _when_not_busy(
    connection: sqlite3.Connection, sql: str, args: Sequence[Any] = ()
) -> sqlite3.Cursor:
    """Run a statement that waits for SQLite's write lock (BEGIN IMMEDIATE, a write outside a
    transaction), retrying while another process holds the lock: the wait is spent on the event
    loop, which serves other requests meanwhile, never inside SQLite's busy handler."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    pause = 0.0005
    while True:
        try:
            return connection.execute(sql, args)
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.02)


async def _in_thread(connection: sqlite3.Connection, work: Callable[[sqlite3.Connection], Work]) -> Work:
    """`work(connection)` in a thread. Cancelled meanwhile, the statement running is interrupted
    and the thread waited for, so the transaction's rollback never meets it on the connection."""
    running = asyncio.ensure_future(asyncio.to_thread(work, connection))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        connection.interrupt()
        await asyncio.wait([running])
        if not running.cancelled():
            running.exception()  # interrupted, as asked: retrieved, so never reported as lost
        raise


class _Writer:
    """A thread's connection for writes, and the lock that gives it to one transaction at a time."""

    __slots__ = ("connection", "path", "lock", "loop")

    def __init__(self) -> None:
        self.connection: sqlite3.Connection | None = None
        self.path = ""
        self.lock = asyncio.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None


class SQLiteWriteTransaction:
    """An IMMEDIATE (or EXCLUSIVE) transaction on the process's writer connection (see
    ReadingSQLiteEngine). Statements run on the calling thread; `off_loop` hands long work to a
    thread while the transaction keeps the connection."""

    __slots__ = ("engine", "transaction_type", "connection", "_writer", "_token")

    def __init__(self, engine: ReadingSQLiteEngine, transaction_type: TransactionType) -> None:
        self.engine, self.transaction_type = engine, transaction_type
        self.connection: sqlite3.Connection | None = None
        self._writer: _Writer | None = None
        self._token: Any = None

    async def __aenter__(self) -> SQLiteWriteTransaction:
        writer = await self.engine._take_writer()
        try:
            await _when_not_busy(writer.connection, f"BEGIN {self.transaction_type.value}")  # type: ignore[arg-type]
        except BaseException:
            writer.lock.release()
            raise
        self._writer, self.connection = writer, writer.connection
        self._token = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: BaseException | None, traceback: Any) -> bool:
        # No await here: a task cancelled, or a coroutine closed, mid-way still ends its transaction.
        connection, writer = self.connection, self._writer
        assert connection is not None and writer is not None
        self.connection = None
        try:
            if connection.in_transaction:
                if exception is None:
                    try:
                        connection.execute("COMMIT")
                    except BaseException:
                        if connection.in_transaction:
                            connection.execute("ROLLBACK")
                        raise
                else:
                    connection.execute("ROLLBACK")
        finally:
            self.engine.current_transaction.reset(self._token)
            writer.lock.release()
        return False

    def _open_connection(self) -> sqlite3.Connection:
        if self.connection is None:
            raise TransactionError("this transaction has ended")
        return self.connection

    def execute(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        return _rows_of(self._open_connection().execute(sql, args))

    async def run(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        return self.execute(sql, args)

    async def off_loop(self, work: Callable[[sqlite3.Connection], Work], at_once: bool = False) -> Work:
        """`work(connection)` in a thread: the event loop serves other requests meanwhile (no other
        transaction of this process can use the connection until this one ends). `at_once`: on
        this thread, for work smaller than the hand-over."""
        if at_once:
            return work(self._open_connection())
        return await _in_thread(self._open_connection(), work)


class SQLiteReadTransaction:
    """A DEFERRED transaction: one consistent view for several reads, on a connection of its own
    (opened for it, closed at its end), its statements run in a thread. It writes only when a
    statement in it does (migrations), and then waits for the write lock with the busy timeout."""

    __slots__ = ("engine", "connection", "_token")

    def __init__(self, engine: ReadingSQLiteEngine) -> None:
        self.engine = engine
        self.connection: sqlite3.Connection | None = None
        self._token: Any = None

    async def __aenter__(self) -> SQLiteReadTransaction:
        connection = self.engine._connect(timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
        connection.execute("BEGIN DEFERRED")
        self.connection = connection
        self._token = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: BaseException | None, traceback: Any) -> bool:
        connection = self.connection
        assert connection is not None
        self.connection = None
        try:
            if connection.in_transaction:
                connection.execute("COMMIT" if exception is None else "ROLLBACK")
        finally:
            connection.close()
            self.engine.current_transaction.reset(self._token)
        return False

    def _open_connection(self) -> sqlite3.Connection:
        if self.connection is None:
            raise TransactionError("this transaction has ended")
        return self.connection

    async def run(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        connection = self._open_connection()
        return await _in_thread(connection, lambda connection: _rows_of(connection.execute(sql, args)))

    async def off_loop(self, work: Callable[[sqlite3.Connection], Work], at_once: bool = False) -> Work:
        if at_once:
            return work(self._open_connection())
        return await _in_thread(self._open_connection(), work)


class ReadingSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, on connections kept open and used without a thread of their own.

    Piccolo opens a new aiosqlite connection, and with it a new thread, for every query outside a
    transaction and for every transaction: about 2.5 ms each, more than a whole indexed read or
    write costs, and a thread left waiting forever when its event loop stops mid-transaction (a
    server that would not exit). Here (docs/design.md "Running it"):
    - a SELECT outside a transaction runs on one open autocommit connection per thread, on the
      calling thread: tens of microseconds. In WAL mode every such read sees the latest committed
      state and never waits for a writer;
    - writes (IMMEDIATE transactions, and a write statement outside a transaction) run on one
      writer connection per thread, also on the calling thread, one transaction at a time in turn
      through an asyncio lock. Only taking SQLite's write lock can wait (on another process), and
      that wait is spent on the event loop, retrying, never inside SQLite. In WAL mode the writer
      commits with `synchronous=NORMAL`;
    - a DEFERRED transaction (several reads in one consistent view) opens a connection of its own
      and runs its statements in a thread.
    """

    READ_BUSY_TIMEOUT_SECONDS = 5.0
    KEPT_READS = 4096  # results `read_kept` holds per thread, dropped at once when full

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._readers = threading.local()
        self._writers = threading.local()
        os.register_at_fork(after_in_child=self._forget_connections_after_fork)

    def _forget_connections_after_fork(self) -> None:
        """A forked worker (granian's) must not use the connections its parent opened: SQLite's
        locks belong to the process. The inherited ones are kept referenced, never closed here,
        since closing one could touch the parent's WAL; the child opens its own."""
        _inherited_connections.append((self._readers, self._writers))
        self._readers = threading.local()
        self._writers = threading.local()

    def _connect(self, timeout: float) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path,
            detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES,
            isolation_level=None,
            timeout=timeout,
            check_same_thread=False,
        )
        connection.execute("PRAGMA foreign_keys = 1")
        return connection

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

    async def _take_writer(self) -> _Writer:
        """This thread's writer, its lock taken (within the busy timeout, like SQLite's own lock),
        its connection open on the current file and outside any transaction."""
        writer = getattr(self._writers, "writer", None)
        if writer is None:
            writer = self._writers.writer = _Writer()
        loop = asyncio.get_running_loop()
        if writer.loop is not loop:  # an asyncio lock serves one event loop
            writer.loop, writer.lock = loop, asyncio.Lock()
        if writer.lock.locked():
            try:
                async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_SECONDS):
                    await writer.lock.acquire()
            except TimeoutError:
                raise sqlite3.OperationalError("database is locked") from None
        else:
            # Nothing below waits: without this turn, a task writing in a loop would hold the
            # event loop (and every other request) until it stopped.
            await asyncio.sleep(0)
            await writer.lock.acquire()
        try:
            connection = writer.connection
            if connection is None or writer.path != self.path:
                if connection is not None:
                    connection.close()
                writer.connection, writer.path = self._writer_connection(), self.path
            elif connection.in_transaction:  # left open by a transaction whose event loop stopped
                connection.execute("ROLLBACK")
        except BaseException:
            writer.lock.release()
            raise
        return writer

    def _writer_connection(self) -> sqlite3.Connection:
        # Busy timeout 0: the write lock is waited for by `_when_not_busy`. In WAL mode nothing
        # else a writer does waits; in rollback-journal mode (a file that was never migrated)
        # COMMIT waits for readers, so there SQLite's busy timeout stays.
        connection = self._connect(timeout=0)
        if connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            connection.execute("PRAGMA synchronous = NORMAL")
        else:
            connection.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
        return connection

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> Any:
        if self.current_transaction.get() is not None:  # Piccolo's: joins the enclosing transaction
            return super().transaction(transaction_type=transaction_type, allow_nested=allow_nested)
        if transaction_type is TransactionType.deferred:
            return SQLiteReadTransaction(self)
        return SQLiteWriteTransaction(self, transaction_type)

    async def _run(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        transaction = self.current_transaction.get()
        if transaction is not None:
            return await transaction.run(sql, args)
        if sql.lstrip()[:6].upper() == "SELECT":
            return self._rows(sql, args)
        writer = await self._take_writer()  # a write alone: one statement, committed by itself
        try:
            return _rows_of(await _when_not_busy(writer.connection, sql, args))  # type: ignore[arg-type]
        finally:
            writer.lock.release()

    async def run_querystring(self, querystring: Any, in_pool: bool = False) -> Any:
        query, args = querystring.compile_string(engine_type=self.engine_type)
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=str(querystring))
        return await self._run(query, args)

    async def run_ddl(self, ddl: str, in_pool: bool = False) -> Any:
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=ddl)
        return await self._run(ddl, ())

    def run_now(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]] | None:
        """`fetch`'s shortcut for raw SQL with `{}` placeholders, run at once on this thread: a
        SELECT outside a transaction on the reader, any statement inside a write transaction on
        the writer (None when it must take the engine's path)."""
        if self.log_queries:
            return None
        marked = _placeholders.get(sql)
        if marked is None:
            if len(_placeholders) >= PLACEHOLDER_STATEMENTS:
                _placeholders.clear()
            marked = _placeholders[sql] = (sql.replace("{}", "?"), sql.lstrip()[:6].upper() == "SELECT")
        query, is_select = marked
        transaction = self.current_transaction.get()
        if transaction is None:
            return self._rows(query, args) if is_select else None
        if type(transaction) is SQLiteWriteTransaction:
            return transaction.execute(query, args)
        return None

    def read_kept(self, sql: str, args: tuple[Any, ...]) -> KeptRows | None:
        """`fetch_kept`'s shortcut: like `run_now` for a SELECT outside a transaction, answered from memory while no connection has
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
            fresh = self.run_now(sql, args)
            if fresh is None:
                return None
            if len(readers.kept) >= self.KEPT_READS:
                readers.kept.clear()
            rows = readers.kept[key] = tuple(MappingProxyType(row) for row in fresh)
        return rows

    def _rows(self, query: str, args: Any) -> list[dict[str, Any]]:
        return _rows_of(self._reader().execute(query, args))


_dollars: dict[str, str] = {}  # raw SQL with {} -> with $1, $2, ... (PostgreSQL's placeholders)


def numbered_placeholders(sql: str) -> str:
    """Raw SQL with `{}` placeholders as PostgreSQL reads it: `$1`, `$2`, ..."""
    query = _dollars.get(sql)
    if query is None:
        if len(_dollars) >= PLACEHOLDER_STATEMENTS:
            _dollars.clear()
        parts = sql.split("{}")
        query = parts[0] + "".join(f"${number}{part}" for number, part in enumerate(parts[1:], start=1))
        _dollars[sql] = query
    return query


async def _session_left_as_is(connection: Any) -> None:
    """The pool's reset of a connection handed back: nothing beyond asyncpg's own rollback of a
    transaction left open. asyncpg's default runs `SELECT pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL` on every release, a second round trip for every query; here no statement
    leaves session state behind (settings are `SET LOCAL`, advisory locks transaction-scoped, no
    LISTEN, no cursor WITH HOLD; the scheduler's session lock holds a connection of its own)."""


class PooledPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine, with a pool that hands a connection back without a reset query
    (`_session_left_as_is`), `fetch`'s reads outside a transaction sent straight to a pooled
    connection (docs/design.md "Running it"), and, while a `ChangeListener` listens, `fetch_kept`'s
    reads held between the changes it hears of (docs/design.md "Reads kept in memory").

    This process's own changes forget the kept reads at once, without waiting for their notice: at
    each commit, and after each statement outside a transaction that is not a SELECT."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Before Piccolo's own setup, which already runs a statement (the server's version).
        self.kept = KeptReads()
        self._listener: ChangeListener | None = None
        super().__init__(*args, **kwargs)

    async def start_connection_pool(self, **kwargs: Any) -> None:
        kwargs.setdefault("reset", _session_left_as_is)
        await super().start_connection_pool(**kwargs)

    async def start_listening(self) -> None:
        if self._listener is None:
            self._listener = ChangeListener(self.get_new_connection, self.kept)
            await self._listener.start()

    async def stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.stop()

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return ForgettingTransaction(engine=self, allow_nested=allow_nested)

    async def run_now(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]] | None:
        """`fetch`'s shortcut outside a transaction: one pooled connection, one round trip, the
        rows as dicts (None when it must take Piccolo's path: no pool, a transaction, logging)."""
        if self.pool is None or self.log_queries or self.current_transaction.get() is not None:
            return None
        async with self.pool.acquire() as connection:
            records = await connection.fetch(numbered_placeholders(sql), *args)
        _forget_unless_select(self, sql)
        return [dict(record) for record in records]

    async def read_kept(self, sql: str, args: tuple[Any, ...]) -> KeptRows | None:
        """`fetch_kept`'s shortcut outside a transaction: from memory while nothing changed since
        the same read was made (None when it must take Piccolo's path)."""
        if self.pool is None or self.log_queries or self.current_transaction.get() is not None:
            return None
        key = (sql, args)
        rows = self.kept.get(key)
        if rows is not None:
            return rows
        generation = self.kept.generation
        fresh = await self.run_now(sql, args)
        return None if fresh is None else self.kept.keep(key, generation, fresh)

    async def _run_in_pool(self, query: str, args: Sequence[Any] | None = None) -> Any:
        try:
            return await super()._run_in_pool(query, args)
        finally:
            _forget_unless_select(self, query)

    async def _run_in_new_connection(self, query: str, args: Sequence[Any] | None = None) -> Any:
        try:
            return await super()._run_in_new_connection(query, args)
        finally:
            _forget_unless_select(self, query)


def _forget_unless_select(engine: PooledPostgresEngine, sql: str) -> None:
    if sql.lstrip()[:6].upper() != "SELECT":
        engine.kept.forget()


class ForgettingTransaction(PostgresTransaction):
    """A transaction whose commit forgets the engine's kept reads, before its own notice comes back."""

    async def commit(self) -> None:
        try:
            await super().commit()
        finally:
            engine = self.engine
            if isinstance(engine, PooledPostgresEngine):
                engine.kept.forget()


def engine_from_url(url: str | None = None) -> Engine:
    url = url if url is not None else os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite:"):
        return ReadingSQLiteEngine(
            path=sqlite_path_from_url(url) if url else DEFAULT_SQLITE_FILE,
            timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
        )
    if url.startswith(("postgres://", "postgresql://")):
        return PooledPostgresEngine(config={"dsn": url})
    raise DatabaseUrlError(
        f"DATABASE_URL must start with sqlite:/// or postgresql:// (got {url.split(':', 1)[0]!r})"
    )


_engine: Engine | None = None


def current_engine() -> Engine:
    """piccolo_conf.DB (or that of the module PICCOLO_CONF names, as Piccolo's finder reads it);
    looked up once. The module is imported directly: Piccolo's finder imports its app registry
    and with it a code formatter for migrations, some 8 MB that a request or an export never uses."""
    global _engine
    if _engine is None:
        module = importlib.import_module(os.environ.get("PICCOLO_CONF") or "piccolo_conf")
        engine = getattr(module, "DB", None)
        if not isinstance(engine, Engine):  # pragma: no cover - piccolo_conf always defines DB
            raise RuntimeError("piccolo_conf.DB is not defined")
        _engine = engine
    return _engine


def is_sqlite(engine: Engine | None = None) -> bool:
    return (engine or current_engine()).engine_type == "sqlite"


# The versions a read-only view holds (models/versions.py): a write in the same task drops them,
# so nothing it reads afterwards is answered from what was kept before the write.
HELD_VERSIONS: ContextVar[Any] = ContextVar("held_versions", default=None)


def in_transaction() -> bool:
    return current_engine().current_transaction.get() is not None


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for writes: IMMEDIATE on SQLite so the write lock is taken up front."""
    HELD_VERSIONS.set(None)
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


class SnapshotTransaction(PostgresTransaction):
    """PostgreSQL: a transaction at REPEATABLE READ, READ ONLY. Its first statement takes the snapshot
    every later one reads, which READ COMMITTED (the default) takes anew for each statement."""

    async def begin(self) -> None:
        self.transaction = self.connection.transaction(isolation="repeatable_read", readonly=True)
        await self.transaction.start()


@asynccontextmanager
async def read_transaction() -> AsyncIterator[None]:
    """A transaction for several reads that must see one consistent state of the database: on SQLite
    a connection of its own reads one snapshot (WAL); on PostgreSQL a `SnapshotTransaction`, which
    also refuses any write. Inside another transaction it is part of that one."""
    engine = current_engine()
    async with SnapshotTransaction(engine) if isinstance(engine, PostgresEngine) else engine.transaction():
        yield


def database_identity() -> str:
    """Which database this process talks to (its file, or its DSN): part of cache keys."""
    engine = current_engine()
    return str(engine.path if isinstance(engine, SQLiteEngine) else engine.config.get("dsn", ""))


@asynccontextmanager
async def connection_pool(listen: bool = False, **sizes: int) -> AsyncIterator[None]:
    """PostgreSQL: a pool of connections while the block runs (SQLite opens its own); with
    `listen`, a connection that hears of every change, so `fetch_kept` can answer from memory
    (docs/design.md "Reads kept in memory": a serving worker listens, a command does not)."""
    engine = current_engine()
    if not isinstance(engine, PostgresEngine):
        yield
        return
    await engine.start_connection_pool(**sizes)
    try:
        if listen and isinstance(engine, PooledPostgresEngine):
            await engine.start_listening()
        yield
    finally:
        if isinstance(engine, PooledPostgresEngine):
            await engine.stop_listening()
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


def unindexed(column: str) -> str:
    """A column compared row by row, never looked up through its index.

    For `WHERE id IN (...) AND status = 'held'`: SQLite keeps no statistics (no ANALYZE runs), takes
    an equality on an indexed column for a handful of rows and walks every row of that status
    instead of looking the ids up, which made each of a first check's 2,000 digests scan the whole
    backlog. A unary plus keeps SQLite on the primary key; PostgreSQL plans by its statistics."""
    return f"+{column}" if is_sqlite() else column


def json_number(column: str, *path: str) -> str:
    """SQL for a number inside a JSON text column, e.g. `json_number("payload", "figures", "index")`."""
    if is_sqlite():
        return f"json_extract({column}, '$.{'.'.join(path)}')"
    steps = "".join(f" -> '{step}'" for step in path[:-1])
    return f"CAST({column}::jsonb{steps} ->> '{path[-1]}' AS DOUBLE PRECISION)"


def json_part(column: str, *path: str) -> str:
    """SQL for the JSON text of a value inside a JSON text column (NULL where it is missing), e.g.
    `json_part("payload", "expectations")`: a few bytes of a row read instead of all of it."""
    if is_sqlite():
        return f"json_quote(json_extract({column}, '$.{'.'.join(path)}'))"
    steps = "".join(f" -> '{step}'" for step in path)
    return f"({column}::jsonb{steps})::text"  # no braces: `fetch` reads {} as its placeholders


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
        rows = engine.run_now(sql, args)
        if rows is not None:
            return rows
    elif isinstance(engine, PooledPostgresEngine):
        pooled = await engine.run_now(sql, args)
        if pooled is not None:
            return pooled
    rows = await engine.run_querystring(QueryString(sql, *args))
    if rows and not isinstance(rows[0], dict):
        return [dict(row) for row in rows]
    return rows


async def one_or_not_found(
    sql: str,
    *args: Any,
    missing: str,
    field: str | None = None,
    read: Callable[..., Awaitable[list[dict[str, Any]]]] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """The first row `sql` reads, or NotFound when it reads none: `missing` is the message id
    (marked with `N_` where it is written), `params` its parameters, `field` what the client sent
    that names no row. `read` reads instead of `fetch` (`models.versions.versioned_reader`)."""
    rows = await (read or fetch)(sql, *args)
    if not rows:
        raise NotFound(missing, field=field, **params)
    return rows[0]


async def fetch_kept(sql: str, *args: Any) -> KeptRows:
    """`fetch` for a read made on most requests (who is calling), kept in memory until any
    connection commits a change to the database, so a second identical read costs no query: on
    SQLite while `PRAGMA data_version` stands, on PostgreSQL while the worker listens and has heard
    no change (models/change_feed.py); elsewhere (a command, a lost listener) a plain `fetch`.

    The rows are shared between callers, so they are read-only mappings.
    """
    engine = current_engine()
    if isinstance(engine, ReadingSQLiteEngine):
        rows = engine.read_kept(sql, args)
        if rows is not None:
            return rows
    elif isinstance(engine, PooledPostgresEngine):
        kept = await engine.read_kept(sql, args)
        if kept is not None:
            return kept
    return await fetch(sql, *args)


async def fetch_page(
    query: str,
    order_by: str,
    *args: Any,
    paging: Paging,
    kept: bool = False,
    read: Callable[..., Awaitable[list[dict[str, Any]]]] | None = None,
) -> Page[dict[str, Any]]:
    """One page of a raw SELECT (`query` without its ORDER BY, `order_by` the columns that make
    the order total) and how many rows the whole SELECT has.

    The count is the same SELECT wrapped in COUNT(*), so it counts exactly what the filters let
    through; it is skipped when the page itself already tells (a first page not filled up), so a
    short list costs one query. `kept=True` reads through `fetch_kept`, for a list read again and
    again between writes; its rows are copies all the same, the caller's to change. `read`
    reads instead (`models.versions.versioned_reader`), answering rows of the caller's own.
    """
    copies = kept and read is None
    reader = read or (fetch_kept if kept else fetch)
    rows = await reader(f"{query} ORDER BY {order_by}{paging.sql()}", *args)
    if paging.total_known_from(len(rows)):
        total = len(rows)
    else:
        counted = await reader(f"SELECT COUNT(*) AS n FROM ({query}) listed", *args)
        total = int(counted[0]["n"])
    # A kept row is a read-only view of a dict (or a dict): its copy() is the dict's own, in C.
    items = [row.copy() for row in rows] if copies else rows  # type: ignore[attr-defined]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)
