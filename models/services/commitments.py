"""Commitments: one organization, one area, a title, a description with a visibility, an owner.

Reads filter by the caller's audience here, where the data is queried: a description a peer or a
donor may not read comes back empty, and the owner's name is for the organization's own people.
Outsiders read the commitments as frozen at the organization's latest publication
(`models.services.published`), and nothing of an organization that never published.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from models import audit
from models.caller import Caller
from models.clock import today
from models.engine import fetch, fetch_page, one_or_not_found, write_transaction
from models.errors import Collect, NotFound, UserError
from models.paging import EVERYTHING, Page, Paging
from models.services import published
from models.services.common import (
    NO_ORGANIZATION,
    changed_fields,
    check_version,
    choice,
    field_words,
    one_line,
    organization_row,
    read_audience,
    require_editor,
    text_block,
    update_versioned,
    visibility,
    visible_or_blank,
)
from models.services.submissions import reopen_approved
from models.tables import Commitment
from models.versions import held_versions, versioned_reader
from models.vocabulary import COMMITMENT_STATUSES
from models.words import N_

NO_COMMITMENT = N_("no commitment with id %(commitment_id)s")


def select_from(source: str) -> str:
    """The commitment query over `source`: the live table or a published copy of it."""
    return (
        "SELECT c.id AS id, c.organization AS organization_id, a.key AS area, c.title AS title, "
        "c.description AS description, c.description_visibility AS description_visibility, "
        "c.owner AS owner_id, p.name AS owner_name, c.target_date AS target_date, c.status AS status, "
        "c.last_update_at AS last_update_at, c.version AS version, c.created_at AS created_at "
        f"FROM {source} c JOIN area a ON a.id = c.area LEFT JOIN person p ON p.id = c.owner "
    )


SELECT = select_from("commitment")


def for_audience(row: dict[str, Any], audience: str) -> dict[str, Any]:
    if audience == "internal":
        return row
    return {
        **row,
        "description": visible_or_blank(row["description"], row["description_visibility"], audience),
        "owner_id": None,
        "owner_name": None,
    }


async def source_for(audience: str, org_id: int) -> str:
    """Where the audience reads this organization's commitments; 404 for an outsider of an
    organization that never published."""
    if audience == published.LIVE_AUDIENCE:
        return "commitment"
    cycle_id = await published.latest_published_cycle(org_id)
    if cycle_id is None:
        raise NotFound(NO_ORGANIZATION, org_id=org_id)
    return published.commitments_as_published(cycle_id)


async def list_commitments(caller: Caller, org_id: int, paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
    audience = read_audience(caller, org_id)
    source = await source_for(audience, org_id)
    # The versioned reader serves a view that holds the organization's versions (its page); outside
    # one (the API) it would read through fetch_kept all the same and copy each row key by key,
    # where fetch_page's own kept read copies them whole (the same rows, about 12 us less a page).
    held = source == "commitment" and held_versions(org_id) is not None
    page = await fetch_page(
        select_from(source) + "WHERE c.organization = {}",
        "a.position, c.id",
        org_id,
        paging=paging,
        read=versioned_reader(org_id) if held else None,
        kept=True,
    )
    if not page.items:
        await organization_row(org_id)
    if audience == "internal":
        return page  # every field as read
    return page.map(lambda row: for_audience(row, audience))


async def commitment_row(commitment_id: int) -> dict[str, Any]:
    return await one_or_not_found(
        SELECT + "WHERE c.id = {}", commitment_id, missing=NO_COMMITMENT, commitment_id=commitment_id
    )


async def readable_commitment(caller: Caller, commitment_id: int) -> tuple[dict[str, Any], str]:
    """The commitment and the audience the caller reads it at (404 when they may not)."""
    row = await commitment_row(commitment_id)
    org_id = int(row["organization_id"])
    try:
        audience = read_audience(caller, org_id)
        source = await source_for(audience, org_id)
    except NotFound:
        raise NotFound(NO_COMMITMENT, commitment_id=commitment_id) from None
    if source != "commitment":
        rows = await fetch(select_from(source) + "WHERE c.id = {}", commitment_id)
        if not rows:  # added after the organization's latest publication
            raise NotFound(NO_COMMITMENT, commitment_id=commitment_id)
        row = rows[0]
    return row, audience


async def get_commitment(caller: Caller, commitment_id: int) -> dict[str, Any]:
    row, audience = await readable_commitment(caller, commitment_id)
    return for_audience(row, audience)


async def editable_commitment(caller: Caller, commitment_id: int) -> dict[str, Any]:
    row = await commitment_row(commitment_id)
    try:
        require_editor(caller, int(row["organization_id"]), "commitment")
    except NotFound:
        raise NotFound(NO_COMMITMENT, commitment_id=commitment_id) from None
    return row


async def _owner(org_id: int, owner_id: int | None) -> int | None:
    if owner_id is None:
        return None
    rows = await fetch(
        "SELECT 1 AS ok FROM role_assignment WHERE person = {} AND organization = {} "
        "AND role IN ('focal_point', 'champion')",
        owner_id,
        org_id,
    )
    if not rows:
        raise UserError(
            N_("the owner must be a focal point or the champion of this organization"), field="owner_id"
        )
    return owner_id


async def _area_id(key: str) -> int:
    """The id of an area by its key; the keys are the `area` table's own rows."""
    ids = {
        row["key"]: int(row["id"]) for row in await fetch("SELECT id, key FROM area ORDER BY position, id")
    }
    choice(key, tuple(ids), "area")
    return ids[key]


def _clean(data: dict[str, Any], checks: Collect | None = None, new: bool = False) -> dict[str, Any]:
    """The commitment's fields, every refusal collected (raised together unless `checks` is given).

    A target date is refused in the past when it is new (a new commitment, or a date changed) and
    outside 2000-2100 always (docs/design.md "Commitments, milestones and progress updates")."""
    check = checks or Collect()
    clean: dict[str, Any] = {}
    if "title" in data:
        clean["title"] = check(one_line, data["title"], "title", 300)
    if "description" in data:
        clean["description"] = check(text_block, data["description"], "description")
    if "description_visibility" in data:
        clean["description_visibility"] = check(
            visibility, data["description_visibility"], "description_visibility"
        )
    if "target_date" in data:
        target = data["target_date"]
        if target is not None and not dt.date(2000, 1, 1) <= target <= dt.date(2100, 12, 31):
            check.add(UserError(N_("the target date must be between 2000 and 2100"), field="target_date"))
        elif target is not None and new and target < today():
            check.add(UserError(N_("a new target date cannot be in the past"), field="target_date"))
        clean["target_date"] = target
    if "status" in data:
        clean["status"] = check(choice, data["status"], COMMITMENT_STATUSES, "status")
    if checks is None:
        check.raise_any()
    return clean


def new_commitment_errors(data: dict[str, Any], checks: Collect) -> dict[str, Any]:
    """A new commitment's fields, its title required, every refusal kept in `checks`."""
    clean = _clean(data, checks, new=True)
    if "title" not in checks.fields() and not clean.get("title"):
        checks.add(UserError(N_("%(name)s is required"), field="title", name=field_words("title")))
    return clean


async def create_commitment(caller: Caller, org_id: int, data: dict[str, Any]) -> dict[str, Any]:
    require_editor(caller, org_id, "commitment")
    checks = Collect()
    clean = new_commitment_errors(data, checks)
    async with write_transaction():
        await organization_row(org_id)
        try:
            clean["area"] = await _area_id(data.get("area", ""))
        except UserError as exc:
            checks.add(exc)
        try:
            clean["owner"] = await _owner(org_id, data.get("owner_id"))
        except UserError as exc:
            checks.add(exc)
        checks.raise_any()
        commitment = Commitment(organization=org_id, **clean)
        await commitment.save()
        after = await commitment_row(commitment.id)
        await audit.record(caller, "create", "commitment", commitment.id, None, after)
        await reopen_approved(caller, org_id, f"commitment {commitment.id} was added")
    return after


async def update_commitment(
    caller: Caller, commitment_id: int, changes: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    async with write_transaction():
        before = await editable_commitment(caller, commitment_id)
        moved = "target_date" in changes and str(changes["target_date"]) != str(before.get("target_date"))
        clean = _clean(changes, new=moved)
        check_version(before, expected_version, "commitment")
        org_id = int(before["organization_id"])
        if "area" in changes and changes["area"] != before["area"]:
            clean["area"] = await _area_id(changes["area"])
        if "owner_id" in changes:
            clean["owner"] = await _owner(org_id, changes["owner_id"])
        current = {**before, "owner": before["owner_id"]}
        changed = changed_fields(current, clean)
        if changed:
            await update_versioned(Commitment, commitment_id, expected_version, changed, "commitment")
            after = await commitment_row(commitment_id)
            await audit.record(caller, "update", "commitment", commitment_id, before, after)
            await reopen_approved(caller, org_id, f"commitment {commitment_id} was changed")
    return await commitment_row(commitment_id)
