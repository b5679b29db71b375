"""Organizations and the five areas.

An organization's name, acronym and type are not confidential once it has published: every
signed-in person may list those (peers compare, donors read scorecards). An outsider learns nothing
of an organization that never published. Only the secretariat creates or changes them.
"""

from __future__ import annotations

import re
from typing import Any

from models import audit
from models.caller import Caller
from models.engine import fetch, fetch_page, one_or_not_found, write_transaction
from models.errors import Conflict, Forbidden, NotFound, UserError
from models.paging import EVERYTHING, Page, Paging
from models.services import published
from models.services.common import (
    NO_ORGANIZATION,
    changed_fields,
    check_version,
    choice,
    containing,
    field_words,
    one_line,
    update_versioned,
)
from models.tables import Organization
from models.versions import versioned_reader
from models.vocabulary import ORG_TYPES
from models.words import N_

ACRONYM_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.&-]{0,31}")
ORG_COLUMNS = "id, name, acronym, org_type, time_zone, active, is_demo, aliases, version, created_at"


def require_secretariat(caller: Caller, action: str) -> None:
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat may %(action)s"), action=action)


def _with_audience(caller: Caller, row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "audience": caller.audience_for(int(row["id"]))}


async def list_organizations(
    caller: Caller,
    include_inactive: bool = False,
    paging: Paging = EVERYTHING,
    search: str = "",
    org_type: str = "",
) -> Page[dict[str, Any]]:
    """Organizations by acronym; `search` keeps those whose acronym or name contains it."""
    clauses: list[str] = [] if include_inactive else ["active = {}"]
    args: list[Any] = [] if include_inactive else [True]
    if search.strip():
        condition, values = containing(("acronym", "name"), search)
        clauses.append(condition)
        args += values
    if org_type:
        clauses.append("org_type = {}")
        args.append(org_type)
    if not caller.is_secretariat:
        own = sorted(caller.org_ids())
        shown = published.HAS_PUBLISHED.format(column="id")
        clauses.append(f"({shown} OR id IN ({', '.join(str(int(org)) for org in own) or 'NULL'}))")
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    page = await fetch_page(
        f"SELECT {ORG_COLUMNS} FROM organization{where}", "acronym, id", *args, paging=paging
    )
    return page.map(lambda row: _with_audience(caller, row))


async def get_organization(caller: Caller, org_id: int) -> dict[str, Any]:
    row = await one_or_not_found(
        f"SELECT {ORG_COLUMNS} FROM organization WHERE id = {{}}",
        org_id,
        missing=NO_ORGANIZATION,
        org_id=org_id,
        read=versioned_reader(org_id),
    )
    try:
        await published.read_audience(caller, org_id)
    except NotFound:
        raise NotFound(NO_ORGANIZATION, org_id=org_id) from None
    return _with_audience(caller, row)


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = one_line(changes["name"], "name", 200)
    if "acronym" in changes:
        acronym = changes["acronym"].strip()
        if not ACRONYM_RE.fullmatch(acronym):
            raise UserError(
                N_("acronym must be 1 to 32 letters, digits or . _ & - (starting with a letter or digit)"),
                field="acronym",
            )
        clean["acronym"] = acronym
    if "org_type" in changes:
        clean["org_type"] = choice(changes["org_type"], ORG_TYPES, "org_type")
    if "time_zone" in changes:
        clean["time_zone"] = _time_zone(changes["time_zone"])
    if "active" in changes:
        clean["active"] = bool(changes["active"])
    if "aliases" in changes:
        # Other names a plan's lead column may use, separated by ";" (see models.services.plans).
        names = [" ".join(name.split()) for name in str(changes["aliases"]).split(";")]
        clean["aliases"] = one_line("; ".join(n for n in names if n), "aliases", 1000, required=False)
    return clean


def _time_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = value.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            N_("unknown time zone %(value)r (use a name like Europe/Geneva)"), field="time_zone", value=value
        ) from None
    return value


async def _acronym_free(acronym: str, except_id: int | None = None) -> None:
    rows = await fetch("SELECT id FROM organization WHERE LOWER(acronym) = LOWER({})", acronym)
    if any(int(r["id"]) != except_id for r in rows):
        raise Conflict(
            N_("an organization with acronym %(acronym)s already exists"), field="acronym", acronym=acronym
        )


async def create_organization(caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    require_secretariat(caller, "create organizations")
    clean = _clean(data)
    for field in ("name", "acronym", "org_type"):
        if field not in clean:
            raise UserError(N_("%(name)s is required"), field=field, name=field_words(field))
    async with write_transaction():
        await _acronym_free(clean["acronym"])
        org = Organization(**clean)
        await org.save()
        await audit.record(caller, "create", "organization", org.id, None, clean)
    return await get_organization(caller, org.id)


async def update_organization(
    caller: Caller, org_id: int, changes: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    require_secretariat(caller, "change organizations")
    clean = _clean(changes)
    async with write_transaction():
        before = await get_organization(caller, org_id)
        check_version(before, expected_version, "organization")
        if "acronym" in clean:
            await _acronym_free(clean["acronym"], except_id=org_id)
        changed = changed_fields(before, clean)
        if changed:
            await update_versioned(Organization, org_id, expected_version, changed, "organization")
            await audit.record(
                caller, "update", "organization", org_id, {k: before[k] for k in changed}, changed
            )
    return await get_organization(caller, org_id)
