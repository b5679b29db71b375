"""Reporting cycles: semi-annual, named like 2025-H1 (January-June) and 2025-H2 (July-December).

The submission due date defaults to 31 days after the period ends (docs/design.md); the secretariat may
set another. The open cycle is the one whose period holds today, else the latest that started.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from models import audit
from models.caller import Caller
from models.clock import today
from models.engine import fetch, fetch_page, one_or_not_found, write_transaction
from models.errors import Conflict, Forbidden, UserError
from models.paging import EVERYTHING, Page, Paging
from models.services.areas import freeze_cycle_areas
from models.services.common import containing
from models.tables import Cycle
from models.versions import EVERY_ORGANIZATION, fetch_versioned, versioned_reader
from models.words import N_

NO_CYCLE = N_("no cycle named %(name)r")

CYCLE_NAME_RE = re.compile(r"(\d{4})-H([12])")
DEFAULT_DUE_DAYS = 31
COLUMNS = "id, name, period_start, period_end, due_date, created_at"


def period_of(name: str) -> tuple[dt.date, dt.date]:
    match = CYCLE_NAME_RE.fullmatch(name)
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise UserError(
            N_("a cycle is named like 2025-H1 or 2025-H2 (got %(name)r)"), field="name", name=name
        )
    year, half = int(match.group(1)), int(match.group(2))
    if half == 1:
        return dt.date(year, 1, 1), dt.date(year, 6, 30)
    return dt.date(year, 7, 1), dt.date(year, 12, 31)


async def list_cycles(paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
    read = versioned_reader(EVERY_ORGANIZATION)
    return await fetch_page(f"SELECT {COLUMNS} FROM cycle", "period_start, id", paging=paging, read=read)


async def cycle_by_name(name: str) -> dict[str, Any]:
    return await one_or_not_found(
        f"SELECT {COLUMNS} FROM cycle WHERE name = {{}}",
        name,
        missing=NO_CYCLE,
        field="cycle",
        name=name,
        read=versioned_reader(EVERY_ORGANIZATION),
    )


async def open_cycle() -> dict[str, Any] | None:
    """The cycle whose period holds today, else the latest that has started, else None."""
    rows = await fetch_versioned(
        EVERY_ORGANIZATION,
        f"SELECT {COLUMNS} FROM cycle WHERE period_start <= {{}} ORDER BY period_start DESC LIMIT 1",
        today(),
    )
    return rows[0] if rows else None


async def create_cycle(caller: Caller, name: str, due_date: dt.date | None = None) -> dict[str, Any]:
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat may open cycles"))
    name = name.strip()
    start, end = period_of(name)
    due = due_date or end + dt.timedelta(days=DEFAULT_DUE_DAYS)
    if due <= end:
        raise UserError(N_("due_date must be after the end of the period"), field="due_date")
    async with write_transaction():
        if await fetch("SELECT id FROM cycle WHERE name = {}", name):
            raise Conflict(N_("the cycle %(name)s already exists"), field="name", name=name)
        cycle = Cycle(name=name, period_start=start, period_end=end, due_date=due)
        await cycle.save()
        await freeze_cycle_areas(cycle.id)
        after = {"name": name, "period_start": start, "period_end": end, "due_date": due}
        await audit.record(caller, "create", "cycle", cycle.id, None, after)
    return await cycle_by_name(name)


# Every active organization with the status of its submission for one cycle ("missing": none yet).
OVERVIEW = (
    "SELECT o.id AS organization_id, o.acronym AS acronym, o.name AS name, "
    "COALESCE(s.status, 'missing') AS status, s.submitted_at AS submitted_at, "
    "s.approved_at AS approved_at, s.published_at AS published_at "
    "FROM organization o LEFT JOIN submission s ON s.organization = o.id AND s.cycle = {} "
    "WHERE o.active = {}"
)


async def reporting_overview(
    caller: Caller,
    cycle_name: str,
    paging: Paging = EVERYTHING,
    statuses: tuple[str, ...] = (),
    search: str = "",
) -> Page[dict[str, Any]]:
    """Per active organization, the status of its submission for the cycle, by acronym; with
    `statuses` only those at one of them, with `search` those whose acronym or name contains it.

    The secretariat reads it to see who has not reported.
    """
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat sees the reporting overview"))
    cycle = await cycle_by_name(cycle_name)
    query, args = OVERVIEW, [cycle["id"], True]
    if statuses:
        query += f" AND COALESCE(s.status, 'missing') IN ({', '.join('{}' for _ in statuses)})"
        args += statuses
    if search.strip():
        condition, values = containing(("o.acronym", "o.name"), search)
        query += f" AND {condition}"
        args += values
    return await fetch_page(query, "o.acronym, o.id", *args, paging=paging)


async def reporting_counts(caller: Caller, cycle_name: str) -> dict[str, int]:
    """How many active organizations stand at each status for the cycle (statuses with none left out)."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat sees the reporting overview"))
    cycle = await cycle_by_name(cycle_name)
    rows = await fetch(
        f"SELECT status, COUNT(*) AS n FROM ({OVERVIEW}) overview GROUP BY status", cycle["id"], True
    )
    return {row["status"]: int(row["n"]) for row in rows}
