"""Progress updates: append-only. A correction is a new update that supersedes the old one.

An update's narrative and its evidence links each carry a visibility; a reader outside the
organization sees only the updates (and links) whose visibility their audience allows, and never
who wrote them.
"""

from __future__ import annotations

from typing import Any

from models import audit
from models.caller import Caller
from models.clock import utcnow
from models.engine import fetch, fetch_page, one_or_not_found, write_transaction
from models.errors import Collect, Conflict, NotFound, UserError
from models.paging import EVERYTHING, Page, Paging
from models.services.commitments import editable_commitment, readable_commitment
from models.services.common import may_read, read_audience, readable_by, text_block, visibility
from models.services.cycles import cycle_by_name, open_cycle
from models.services.evidence import (
    PUBLISHED_UPDATE,
    checked_files,
    clean_evidence,
    evidence_for_updates,
    evidence_page,
    insert_evidence,
    insert_file,
    published_update_ids,
    stored,
)
from models.services.submissions import reopen_approved
from models.vocabulary import LEVELS
from models.words import N_

NO_UPDATE = N_("no progress update with id %(update_id)s")

SELECT = (
    "SELECT u.id AS id, u.commitment AS commitment_id, c.organization AS organization_id, "
    "u.author AS author_id, p.name AS author_name, y.name AS cycle, u.self_level AS self_level, "
    "u.narrative AS narrative, u.visibility AS visibility, u.supersedes AS supersedes_id, "
    "u.milestone AS milestone_id, "
    "(SELECT MIN(n.id) FROM progress_update n WHERE n.supersedes = u.id) AS superseded_by_id, "
    "u.created_at AS created_at FROM progress_update u JOIN commitment c ON c.id = u.commitment "
    "LEFT JOIN person p ON p.id = u.author LEFT JOIN cycle y ON y.id = u.cycle "
)


def for_audience(row: dict[str, Any], audience: str) -> dict[str, Any]:
    if audience == "internal":
        return row
    return {**row, "author_id": None, "author_name": None}


async def _with_evidence(rows: list[dict[str, Any]], audience: str) -> list[dict[str, Any]]:
    """Updates the caller may read, as the audience sees them, each with the links it may read."""
    shown = [for_audience(row, audience) for row in rows]
    links = await evidence_for_updates([int(row["id"]) for row in shown], audience)
    return [{**row, "evidence": links.get(int(row["id"]), [])} for row in shown]


async def list_updates(
    caller: Caller, commitment_id: int, paging: Paging = EVERYTHING
) -> Page[dict[str, Any]]:
    """The updates the caller may read (their visibility, and outside the organization only
    published ones), filtered in the query so that the page and its total agree."""
    _, audience = await readable_commitment(caller, commitment_id)
    readable, visibilities = readable_by("u.visibility", audience)
    where = f"WHERE u.commitment = {{}} AND {readable}"
    if audience != "internal":
        where += f" AND {PUBLISHED_UPDATE}"
    page = await fetch_page(SELECT + where, "u.created_at, u.id", commitment_id, *visibilities, paging=paging)
    return page.with_items(await _with_evidence(page.items, audience))


async def update_row(update_id: int) -> dict[str, Any]:
    return await one_or_not_found(
        SELECT + "WHERE u.id = {}", update_id, missing=NO_UPDATE, update_id=update_id
    )


async def readable_update(caller: Caller, update_id: int) -> tuple[dict[str, Any], str]:
    """The update and the caller's audience; 404 when the caller may not read it."""
    row = await update_row(update_id)
    try:
        audience = read_audience(caller, int(row["organization_id"]))
    except NotFound:
        audience = ""
    if not audience or not may_read(row["visibility"], audience):
        raise NotFound(NO_UPDATE, update_id=update_id)
    if audience != "internal" and update_id not in await published_update_ids([update_id]):
        raise NotFound(NO_UPDATE, update_id=update_id)
    return row, audience


async def get_update(caller: Caller, update_id: int) -> dict[str, Any]:
    row, audience = await readable_update(caller, update_id)
    return (await _with_evidence([row], audience))[0]


async def list_evidence(caller: Caller, update_id: int, paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
    """An update's evidence links the caller may read (404 when they may not read the update)."""
    _, audience = await readable_update(caller, update_id)
    return await evidence_page(update_id, audience, paging)


def _level(value: Any) -> int | None:
    if value is None:
        return None
    if value not in LEVELS:
        raise UserError(N_("choose a level from 0 to 4"), field="self_level")
    return int(value)


def clean_update(data: dict[str, Any], checks: Collect) -> dict[str, Any]:
    """An update's own fields, every refusal kept in `checks` (docs/design.md "Commitments,
    milestones and progress updates")."""
    clean = {
        "narrative": checks(text_block, data.get("narrative", ""), "narrative") or "",
        "visibility": checks(visibility, data.get("visibility", "internal")),
        "self_level": checks(_level, data.get("self_level")),
        "evidence": [
            checks(clean_evidence, link, f"evidence[{index}].")
            for index, link in enumerate(data.get("evidence", []))
        ],
        "files": checks(checked_files, data.get("files", [])) or [],
    }
    said = checks.fields()
    if not clean["narrative"] and clean["self_level"] is None and not {"narrative", "self_level"} & said:
        checks.add(UserError(N_("an update needs a narrative or a level"), field="narrative"))
    return clean


async def create_update(caller: Caller, commitment_id: int, data: dict[str, Any]) -> dict[str, Any]:
    checks = Collect()
    clean = clean_update(data, checks)
    narrative, update_visibility, level = clean["narrative"], clean["visibility"], clean["self_level"]
    links, files = clean["evidence"], clean["files"]
    # The files wrap the transaction, so a refusal at COMMIT removes them too.
    async with stored(files) as file_rows, write_transaction():
        commitment = await editable_commitment(caller, commitment_id)
        cycle = await (cycle_by_name(data["cycle"]) if data.get("cycle") else open_cycle())
        supersedes = data.get("supersedes_id")
        if supersedes is not None:
            await checks.wait(_check_supersedes(commitment_id, int(supersedes)))
        milestone_id = data.get("milestone_id")
        if milestone_id is not None:
            await checks.wait(_check_milestone(commitment_id, int(milestone_id)))
        checks.raise_any()
        now = utcnow()
        # Raw statements: the write path of the most frequent write, where building Piccolo
        # queries cost more than running them.
        inserted = await fetch(
            "INSERT INTO progress_update (commitment, author, cycle, self_level, narrative, visibility, "
            "supersedes, milestone, created_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}) RETURNING id",
            commitment_id,
            caller.person_id,
            cycle["id"] if cycle else None,
            level,
            narrative,
            update_visibility,
            supersedes,
            milestone_id,
            now,
        )
        update_id = int(inserted[0]["id"])
        for link in links:
            await insert_evidence(caller, update_id, link)
        for file_row in file_rows:
            await insert_file(caller, update_id, file_row)
        await fetch(
            "UPDATE commitment SET last_update_at = {}, next_check_on = NULL WHERE id = {}",
            now,
            commitment_id,
        )
        after = await update_row(update_id)
        await audit.record(caller, "create", "progress_update", update_id, None, after)
        await reopen_approved(
            caller, int(commitment["organization_id"]), f"progress update {update_id} was added"
        )
    if not links and not file_rows:  # a new update has exactly the evidence given with it
        return {**after, "evidence": []}
    return (await _with_evidence([after], "internal"))[0]


async def _check_milestone(commitment_id: int, milestone_id: int) -> None:
    """An update reports on a milestone of its own commitment, never on another's."""
    rows = await fetch("SELECT commitment FROM milestone WHERE id = {}", milestone_id)
    if not rows or int(rows[0]["commitment"]) != commitment_id:
        raise UserError(
            N_("choose a milestone of this commitment (milestone %(milestone_id)s is not one of them)"),
            field="milestone_id",
            milestone_id=milestone_id,
        )


async def _check_supersedes(commitment_id: int, supersedes: int) -> None:
    rows = await fetch(
        "SELECT u.id AS id, (SELECT MIN(n.id) FROM progress_update n WHERE n.supersedes = u.id) AS later "
        "FROM progress_update u WHERE u.id = {} AND u.commitment = {}",
        supersedes,
        commitment_id,
    )
    if not rows:
        raise UserError(
            N_("the corrected update (%(supersedes)s) is not an update of this commitment"),
            field="supersedes_id",
            supersedes=supersedes,
        )
    if rows[0]["later"] is not None:
        raise Conflict(
            N_("update %(supersedes)s was already superseded by update %(later)s; supersede that one"),
            field="supersedes_id",
            supersedes=supersedes,
            later=rows[0]["later"],
        )
