"""Areas are data: the `area` table holds their keys, names, order, weights and rubrics.

The five of docs/design.md are seeded at install. The secretariat may change a weight, a name or a
rubric, and add an area; a cycle scores the areas frozen when it opened (`cycle_area`, with the
rubric of that day), so an added area applies from the next cycle opened and older cycles keep
theirs. No code lists the area keys.
"""

from __future__ import annotations

import json
import re
from typing import Any

from models import audit
from models.caller import Caller
from models.engine import current_engine, fetch, fetch_page, is_sqlite, one_or_not_found, write_transaction
from models.errors import Conflict, Forbidden, UserError
from models.paging import EVERYTHING, Page, Paging
from models.services.common import changed_fields, check_version, one_line, update_versioned
from models.tables import Area
from models.versions import EVERY_ORGANIZATION, versioned_reader
from models.vocabulary import LEVELS
from models.words import N_

NO_AREA = N_("no area with key %(key)r")

AREA_COLUMNS = "id, key, name, weight, descriptor, rubric, position, version"
AREA_KEY_RE = re.compile(r"[a-z][a-z0-9_]{1,15}")
RUBRIC_MAX = 1000


def _require_secretariat(caller: Caller) -> None:
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat may add or change areas"))


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    rubric = row.get("rubric")
    if isinstance(rubric, str):
        rubric = json.loads(rubric or "{}")
    return {**row, "rubric": {str(k): str(v) for k, v in (rubric or {}).items()}}


def _json_mark() -> str:
    return "{}" if is_sqlite(current_engine()) else "CAST({} AS JSON)"


async def list_areas(paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
    read = versioned_reader(EVERY_ORGANIZATION)
    page = await fetch_page(f"SELECT {AREA_COLUMNS} FROM area", "position, id", paging=paging, read=read)
    return page.map(_decoded)


async def get_area(key: str) -> dict[str, Any]:
    row = await one_or_not_found(
        f"SELECT {AREA_COLUMNS} FROM area WHERE key = {{}}", key, missing=NO_AREA, field="area", key=key
    )
    return _decoded(row)


def clean_weight(value: Any) -> float:
    """A weight in the internalization index: a number from 0 to 100 (NaN and infinity refused)."""
    try:
        weight = float(value)
    except (TypeError, ValueError):
        weight = float("nan")
    if isinstance(value, bool) or not 0 <= weight <= 100:
        raise UserError(N_("weight must be a number between 0 and 100"), field="weight")
    return weight


def clean_rubric(value: Any) -> dict[str, str]:
    """A rubric names, for each level 0 to 4, what an organization must show."""
    if not isinstance(value, dict):
        raise UserError(N_("rubric: give one text per level, 0 to 4"), field="rubric")
    unknown = sorted(set(map(str, value)) - {str(level) for level in LEVELS})
    if unknown:
        raise UserError(
            N_("rubric: levels run from 0 to 4 (got %(levels)s)"), field="rubric", levels=", ".join(unknown)
        )
    return {
        str(level): one_line(
            str(value.get(str(level), value.get(level, ""))), "rubric", RUBRIC_MAX, required=False
        )
        for level in LEVELS
    }


async def update_area(
    caller: Caller, key: str, changes: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    """The secretariat may change an area's weight (used by the index), name, text and rubric."""
    _require_secretariat(caller)
    clean: dict[str, Any] = {}
    if "weight" in changes:
        clean["weight"] = clean_weight(changes["weight"])
    if "name" in changes:
        clean["name"] = one_line(changes["name"], "name", 100)
    if "descriptor" in changes:
        clean["descriptor"] = one_line(changes["descriptor"], "descriptor", 500, required=False)
    if "rubric" in changes:
        clean["rubric"] = clean_rubric(changes["rubric"])
    async with write_transaction():
        before = await get_area(key)
        check_version(before, expected_version, "area")
        changed = changed_fields(before, clean)
        if changed:
            stored = {k: (json.dumps(v) if k == "rubric" else v) for k, v in changed.items()}
            await update_versioned(Area, int(before["id"]), expected_version, stored, "area")
            total = await fetch("SELECT SUM(weight) AS total FROM area")
            if not float(total[0]["total"] or 0) > 0:
                raise UserError(N_("at least one area must keep a weight above 0"), field="weight")
            await audit.record(caller, "update", "area", key, {k: before[k] for k in changed}, changed)
    return await get_area(key)


async def create_area(caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    """A new area (for example accountability to affected people): scored from the next cycle opened."""
    _require_secretariat(caller)
    key = str(data.get("key", "")).strip()
    if not AREA_KEY_RE.fullmatch(key):
        raise UserError(
            N_("key: 2 to 16 lower-case letters, digits or _, starting with a letter"), field="key"
        )
    name = one_line(str(data.get("name", "")), "name", 100)
    weight = clean_weight(data.get("weight", 1.0))
    descriptor = one_line(str(data.get("descriptor", "")), "descriptor", 500, required=False)
    rubric = clean_rubric(data.get("rubric") or {})
    async with write_transaction():
        if await fetch("SELECT id FROM area WHERE key = {}", key):
            raise Conflict(N_("an area with key %(key)r exists already"), field="key", key=key)
        last = await fetch("SELECT COALESCE(MAX(position), 0) AS n FROM area")
        await fetch(
            "INSERT INTO area (key, name, weight, descriptor, rubric, position, version) "
            f"VALUES ({{}}, {{}}, {{}}, {{}}, {_json_mark()}, {{}}, 1)",
            key,
            name,
            weight,
            descriptor,
            json.dumps(rubric),
            int(last[0]["n"]) + 1,
        )
        after = {"key": key, "name": name, "weight": weight, "descriptor": descriptor, "rubric": rubric}
        await audit.record(caller, "create", "area", key, None, after)
    return await get_area(key)


async def freeze_cycle_areas(cycle_id: int) -> None:
    """Record the areas a newly opened cycle scores, with today's rubrics (inside the caller's
    transaction)."""
    await fetch(
        "INSERT INTO cycle_area (cycle, area, position, rubric) "
        "SELECT {}, id, position, rubric FROM area ORDER BY position, id",
        cycle_id,
    )


async def cycle_areas(cycle_id: int) -> list[dict[str, Any]]:
    """The areas of one cycle, in order, each with the rubric frozen when the cycle opened."""
    rows = await fetch(
        "SELECT ar.id, ar.key, ar.name, ar.weight, ar.descriptor, ca.rubric, ca.position, ar.version "
        "FROM cycle_area ca JOIN area ar ON ar.id = ca.area WHERE ca.cycle = {} ORDER BY ca.position, ar.id",
        cycle_id,
    )
    if not rows:  # a cycle written without the services (by hand): every area of today
        return (await list_areas()).items
    return [_decoded(r) for r in rows]


async def first_cycles() -> dict[str, str]:
    """Per area key, the first cycle that scores it; an area missing here is scored from the next
    cycle opened."""
    rows = await fetch(
        "SELECT ar.key, c.name FROM cycle_area ca JOIN area ar ON ar.id = ca.area "
        "JOIN cycle c ON c.id = ca.cycle ORDER BY c.period_start DESC"
    )
    return {row["key"]: row["name"] for row in rows}
