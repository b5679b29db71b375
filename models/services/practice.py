"""Peer learning: offers to share practice per area, practice notes, and "who could help you".

docs/design.md "Peer review". Notes are append-only; an organization's latest note
in an area is its current word on whether it offers to share. Every note carries a visibility and
is read like any narrative. Levels come from published snapshots only: an organization's own latest
published levels say where it is weak (never published: nothing is in place on record yet), and a
helper counts as strong only with a published level of 3 or 4, so no unpublished figure leaks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from models import audit
from models.caller import Caller
from models.engine import fetch, write_transaction
from models.errors import Forbidden, UserError
from models.services import published
from models.services.common import (
    may_read,
    one_line,
    read_audience,
    require_editor,
    text_block,
    visibility,
    web_link,
)
from models.services.review_rounds import page_bounds
from models.tables import PracticeNote
from models.versions import ACROSS_ORGANIZATIONS, EVERY_ORGANIZATION, fetch_versioned
from models.words import N_

WEAK_LEVELS = (0, 1)
STRONG_LEVELS = (3, 4)
MAX_DOCUMENTS = 20

NOTE_SELECT = (
    "SELECT n.id AS id, n.organization AS organization_id, o.acronym AS organization_acronym, "
    "a.key AS area, a.name AS area_name, n.willing_to_share AS willing_to_share, n.what_worked AS what_worked, "
    "n.documents AS documents, n.contact AS contact, n.visibility AS visibility, n.author AS author_id, "
    "n.created_at AS created_at, "
    "(SELECT MAX(l.id) FROM practice_note l WHERE l.organization = n.organization AND l.area = n.area) "
    "AS latest_id "
    "FROM practice_note n JOIN area a ON a.id = n.area JOIN organization o ON o.id = n.organization "
)


def _shape(row: dict[str, Any], audience: str) -> dict[str, Any]:
    documents = json.loads(row["documents"]) if isinstance(row["documents"], str) else row["documents"]
    shaped = {**row, "documents": documents or [], "current": row["id"] == row["latest_id"]}
    shaped.pop("latest_id")
    if audience != "internal":
        shaped["author_id"] = None
    return shaped


async def list_notes(
    caller: Caller, org_id: int, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """The organization's notes the caller may read, newest first; (items, total)."""
    audience = await published.read_audience(caller, org_id)
    limit, offset = page_bounds(limit, offset)
    rows = await fetch(NOTE_SELECT + "WHERE n.organization = {} ORDER BY n.id DESC", org_id)
    visible = [_shape(row, audience) for row in rows if may_read(row["visibility"], audience)]
    return visible[offset : offset + limit], len(visible)


async def add_note(caller: Caller, org_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """A focal point (or the secretariat) says whether the organization shares its practice in an area."""
    require_editor(caller, org_id, "practice note")
    area_rows = await fetch("SELECT id FROM area WHERE key = {}", data.get("area", ""))
    if not area_rows:
        raise UserError(N_("choose one of the areas"), field="area")
    documents = data.get("documents") or []
    if len(documents) > MAX_DOCUMENTS:
        raise UserError(
            N_("at most %(max_documents)s documents per note"), field="documents", max_documents=MAX_DOCUMENTS
        )
    note = PracticeNote(
        organization=org_id,
        area=int(area_rows[0]["id"]),
        willing_to_share=bool(data.get("willing_to_share", True)),
        what_worked=text_block(data.get("what_worked", ""), "what_worked"),
        documents=[web_link(link, f"documents[{i}]") for i, link in enumerate(documents)],
        contact=one_line(data.get("contact", ""), "contact", 300, required=False),
        visibility=visibility(data.get("visibility", "peer")),
        author=caller.person_id,
    )
    async with write_transaction():
        await note.save()
        after = (await fetch(NOTE_SELECT + "WHERE n.id = {}", note.id))[0]
        await audit.record(caller, "create", "practice_note", note.id, None, after)
    return _shape(after, "internal")


async def latest_published_levels(org_ids: Sequence[int] | None = None) -> dict[int, dict[str, int]]:
    """Each organization's counted levels in its latest published (peer) snapshot (only those of
    `org_ids` when given: one organization's page must not parse every snapshot there is)."""
    only = ""
    if org_ids is not None:
        only = f" AND s.organization IN ({', '.join(str(int(i)) for i in org_ids) or 'NULL'})"
    rows = await fetch_versioned(
        ACROSS_ORGANIZATIONS,
        "SELECT s.organization AS org, s.payload AS payload FROM scorecard_snapshot s "
        "JOIN cycle c ON c.id = s.cycle WHERE s.audience = 'peer'" + only + " ORDER BY c.period_start",
    )
    levels: dict[int, dict[str, int]] = {}
    for row in rows:
        payload = json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"]
        levels[int(row["org"])] = {area["key"]: int(area["level"]) for area in payload.get("areas", [])}
    return levels


async def current_offers(audience_of: Any) -> dict[tuple[int, str], dict[str, Any]]:
    """The latest note per (organization, area) that offers to share, readable by the caller."""
    rows = await fetch_versioned(
        ACROSS_ORGANIZATIONS,
        NOTE_SELECT + "WHERE n.id = (SELECT MAX(l.id) FROM practice_note l "
        "WHERE l.organization = n.organization AND l.area = n.area) ORDER BY o.acronym",
    )
    offers = {}
    for row in rows:
        audience = audience_of(int(row["organization_id"]))
        if row["willing_to_share"] and audience and may_read(row["visibility"], audience):
            offers[(int(row["organization_id"]), row["area"])] = _shape(row, audience)
    return offers


async def who_could_help(caller: Caller, org_id: int) -> list[dict[str, Any]]:
    """Per area where the organization is at level 0-1: organizations at 3-4 that offered to share."""
    read_audience(caller, org_id)
    areas = await fetch_versioned(EVERY_ORGANIZATION, "SELECT key, name FROM area ORDER BY position")
    offers = await current_offers(caller.audience_for)
    levels = await latest_published_levels(sorted({org_id, *(helper for helper, _ in offers)}))
    own = levels.get(org_id, {})
    helper_ids = ", ".join(str(int(helper)) for helper, _ in offers) or "NULL"
    names = {
        int(r["id"]): r
        for r in await fetch_versioned(
            ACROSS_ORGANIZATIONS,
            f"SELECT id, acronym, name FROM organization WHERE active = {{}} AND id IN ({helper_ids})",
            True,
        )
    }
    result = []
    for area in areas:
        level = own.get(area["key"], 0)
        if level not in WEAK_LEVELS:
            continue
        helpers = [
            {
                "organization_id": helper,
                "organization_acronym": names[helper]["acronym"],
                "organization_name": names[helper]["name"],
                "level": levels[helper][area["key"]],
                "note": note,
            }
            for (helper, key), note in sorted(
                offers.items(), key=lambda item: item[1]["organization_acronym"]
            )
            if key == area["key"]
            and helper != org_id
            and helper in names
            and levels.get(helper, {}).get(key, 0) in STRONG_LEVELS
        ]
        result.append({"area": area["key"], "area_name": area["name"], "level": level, "helpers": helpers})
    return result


async def offers_and_needs(caller: Caller) -> list[dict[str, Any]]:
    """The secretariat's matrix: per organization and area, its published level and whether it offers."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat reads the matrix of offers and needs"))
    areas = [row["key"] for row in await fetch("SELECT key FROM area ORDER BY position")]
    levels = await latest_published_levels()
    offers = await current_offers(lambda _org: "internal")
    rows = await fetch("SELECT id, acronym FROM organization WHERE active = {} ORDER BY acronym", True)
    return [
        {
            "organization_id": row["id"],
            "organization_acronym": row["acronym"],
            "areas": {
                key: {
                    "level": levels.get(int(row["id"]), {}).get(key),
                    "offers": (int(row["id"]), key) in offers,
                    "needs": levels.get(int(row["id"]), {}).get(key, 0) in WEAK_LEVELS,
                }
                for key in areas
            },
        }
        for row in rows
    ]
