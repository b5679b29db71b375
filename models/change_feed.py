"""PostgreSQL: reads kept in memory between the changes a worker hears of.

docs/design.md "Reads kept in memory". Every table has a statement trigger that sends
`NOTIFY cop_changed` (models/piccolo_migrations/models_2026_12_02t18_00_00_000000.py); PostgreSQL
delivers it at the commit, once per transaction, to every connection listening on the channel, in
every process. A worker serving requests listens on a connection of its own (`ChangeListener`);
while it listens, `KeptReads` holds what `fetch_kept` read since the last change it heard, and a
change forgets all of it. This process's own commits forget at once, without waiting for their
notice (models/engine.py `PooledPostgresEngine`).

When the listening connection is lost, or its heartbeat goes unanswered, nothing is kept and every
read goes to the database until the worker listens again; what was read before is forgotten then
too, since the notices of that gap are lost. A read that was under way when a change was heard is
handed to its caller but not kept (`generation`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

CHANNEL = "cop_changed"
HEARTBEAT_SECONDS = 5.0  # a listening connection that answers no SELECT 1 within this is given up
RECONNECT_SECONDS = (0.2, 1.0, 5.0)  # waits between attempts to listen again, the last one repeated
KEPT_READS = 4096  # results held at most, dropped at once when full (as SQLite's readers do)

log = logging.getLogger(__name__)

KeptRows = Sequence[Mapping[str, Any]]


class KeptReads:
    """The reads a worker holds while it listens and has heard no change since they were made."""

    __slots__ = ("rows", "generation", "listening")

    def __init__(self) -> None:
        self.rows: dict[tuple[Any, ...], KeptRows] = {}
        self.generation = 0  # moves at every change heard or made, and when listening starts or stops
        self.listening = False

    def forget(self) -> None:
        self.generation += 1
        self.rows = {}

    def get(self, key: tuple[Any, ...]) -> KeptRows | None:
        return self.rows.get(key) if self.listening else None

    def keep(self, key: tuple[Any, ...], generation: int, rows: list[dict[str, Any]]) -> KeptRows:
        """The rows of a read that started at `generation`, kept only if no change came meanwhile."""
        kept = tuple(MappingProxyType(row) for row in rows)
        if self.listening and generation == self.generation:
            if len(self.rows) >= KEPT_READS:
                self.rows = {}
            self.rows[key] = kept
        return kept

    def listen(self, listening: bool) -> None:
        self.forget()
        self.listening = listening


class ChangeListener:
    """A connection of its own that listens on `CHANNEL` for as long as the worker runs, and
    listens again after losing it."""

    def __init__(self, connect: Any, kept: KeptReads) -> None:
        self._connect = connect  # an async callable returning a new asyncpg connection
        self._kept = kept
        self._task: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self.connection: Any = None  # the listening connection, while there is one
        self.started = asyncio.Event()  # set once the first attempt to listen has ended either way

    async def start(self) -> None:
        """Listen (waiting for the first attempt, so a worker that can listen does so from its first
        request); a worker that cannot yet reads the database each time and keeps trying."""
        self._task = asyncio.ensure_future(self._run())
        await self.started.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._kept.listen(False)

    def _heard(self, *_: Any) -> None:
        self._kept.forget()

    def _terminated(self, *_: Any) -> None:
        self._kept.listen(False)
        self._lost.set()

    async def _run(self) -> None:
        attempt = 0
        while True:
            connection = None
            try:
                connection = self.connection = await self._connect()
                connection.add_termination_listener(self._terminated)
                await connection.add_listener(CHANNEL, self._heard)
                self._lost.clear()
                self._kept.listen(True)
                attempt = 0
                self.started.set()
                await self._watch(connection)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - any failure means: read the database until listening again
                log.warning("not listening for database changes (%s); reading the database each time", error)
            finally:
                self._kept.listen(False)
                self.started.set()
                self.connection = None
                if connection is not None:
                    with contextlib.suppress(Exception):
                        connection.terminate()
            await asyncio.sleep(RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)])
            attempt += 1

    async def _watch(self, connection: Any) -> None:
        """Until the connection is lost: a SELECT 1 every heartbeat, which must answer in time."""
        while not self._lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), timeout=HEARTBEAT_SECONDS)
                break
            await asyncio.wait_for(connection.fetchval("SELECT 1"), timeout=HEARTBEAT_SECONDS)
        raise ConnectionError("the listening connection was closed")
