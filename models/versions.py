"""Reads kept in memory per process while `organization_version` says nothing they read changed.

docs/design.md "Reads kept in memory". Triggers move a row of `organization_version` on every
write, whichever process or connection writes:
- an organization's own row (its id): writes that concern it (its row, commitments, milestones,
  updates, evidence, assessments, submissions, comments, roles);
- row 0 (`EVERY_ORGANIZATION`): writes that concern every organization (areas, cycles, people,
  donor expectations);
- row -1 (`ACROSS_ORGANIZATIONS`): writes to what an organization's page reads of the others
  (organizations, practice notes, published snapshots).

A read-only view of one organization reads its three rows once (`versions_held`); inside the
block `fetch_versioned(scope, sql, ...)` answers a SELECT from memory while the rows that cover
`scope` are those it was read under. What is kept is the rows as the database returned them,
keyed by the SQL and its arguments, never a result filtered for a caller: every caller's filter
runs on them afresh, so what one reader may see never reaches another.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from models.engine import (
    HELD_VERSIONS,
    database_identity,
    fetch,
    fetch_kept,
    in_transaction,
)

EVERY_ORGANIZATION = 0
ACROSS_ORGANIZATIONS = -1
VERSIONS = "SELECT id, version, changed_at FROM organization_version WHERE id IN ({}, 0, -1)"
KEPT_READS = 4096  # (SQL, arguments) -> rows; the oldest dropped first


@dataclass(frozen=True, slots=True)
class Versions:
    """The version rows of one organization and of rows 0 and -1, as read at one moment.

    `changed_at` tells apart two databases (or two emptied test databases) whose counters happen
    to match; the database's identity is part of every fingerprint too."""

    database: str
    org_id: int
    rows: dict[int, tuple[int, str]]

    def covers(self, scope: int) -> bool:
        return scope in (self.org_id, EVERY_ORGANIZATION, ACROSS_ORGANIZATIONS)

    def fingerprint(self, scope: int) -> tuple[Any, ...]:
        """What rows read under `scope` depend on: its own row, and row 0 (areas, cycles and
        people are joined everywhere)."""
        if scope == EVERY_ORGANIZATION:
            return (self.database, self.rows.get(EVERY_ORGANIZATION))
        return (self.database, self.rows.get(scope), self.rows.get(EVERY_ORGANIZATION))


async def read_versions(org_id: int) -> Versions:
    """One indexed read of the organization's row and rows 0 and -1."""
    rows = await fetch(VERSIONS, org_id)
    return Versions(
        database=database_identity(),
        org_id=org_id,
        rows={int(r["id"]): (int(r["version"]), str(r["changed_at"])) for r in rows},
    )


def held_versions(org_id: int) -> Versions | None:
    """The versions the current view holds for this organization, if it holds any."""
    versions = HELD_VERSIONS.get()
    return versions if versions is not None and versions.org_id == org_id else None


@asynccontextmanager
async def versions_held(org_id: int) -> AsyncIterator[Versions]:
    """A read-only view of one organization: its versions read once, for every read in the block.

    Read before anything else, so a write that commits meanwhile only makes the next view read
    again; a write inside the block drops them (models/engine.py `write_transaction`)."""
    versions = await read_versions(org_id)
    token = HELD_VERSIONS.set(versions)
    try:
        yield versions
    finally:
        HELD_VERSIONS.reset(token)


_kept: dict[tuple[Any, ...], tuple[tuple[Any, ...], tuple[dict[str, Any], ...]]] = {}


async def fetch_versioned(scope: int, sql: str, *args: Any) -> list[dict[str, Any]]:
    """`fetch` for a SELECT whose every table moves the version rows of `scope` (an organization's
    id, `EVERY_ORGANIZATION` or `ACROSS_ORGANIZATIONS`) when written: answered from memory while
    the view holds versions covering `scope` that are those the rows were read under. Outside
    such a view, or inside a transaction, it reads through `fetch_kept`. The rows are
    copies, the caller's to change."""
    versions = HELD_VERSIONS.get()
    if versions is None or not versions.covers(scope) or in_transaction():
        return [dict(row) for row in await fetch_kept(sql, *args)]
    key = (sql, *args)
    fingerprint = versions.fingerprint(scope)
    try:
        entry = _kept.get(key)
    except TypeError:  # an argument that cannot be a key (a list): read
        return await fetch(sql, *args)
    if entry is None or entry[0] != fingerprint:
        rows = await fetch(sql, *args)
        if key not in _kept and len(_kept) >= KEPT_READS:
            del _kept[next(iter(_kept))]
        _kept[key] = entry = (fingerprint, tuple(dict(row) for row in rows))
    return [dict(row) for row in entry[1]]


def versioned_reader(scope: int) -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    """`fetch_versioned` under one scope, as `fetch_page` takes a reader."""

    async def read(sql: str, *args: Any) -> list[dict[str, Any]]:
        return await fetch_versioned(scope, sql, *args)

    return read


def forget_kept_reads() -> None:
    _kept.clear()
