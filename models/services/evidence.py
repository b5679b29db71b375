"""Evidence links of progress updates, and their verification by the secretariat.

A link carries its own visibility. Once the secretariat has verified it (who, when), it can no
longer be edited: a new link that supersedes it takes its place, so what was verified stays on
record as it was.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from models import audit, evidence_files
from models.caller import Caller
from models.clock import utcnow
from models.engine import fetch, fetch_page, one_or_not_found, write_transaction
from models.errors import Conflict, Forbidden, NotFound, UserError
from models.paging import EVERYTHING, Page, Paging
from models.services.common import (
    changed_fields,
    check_version,
    may_read,
    one_line,
    read_audience,
    readable_by,
    require_editor,
    text_block,
    update_versioned,
    visibility,
    web_link,
)
from models.services.submissions import reopen_approved
from models.tables import Evidence
from models.vocabulary import VISIBILITIES
from models.words import N_

SELECT = (
    "SELECT e.id AS id, e.progress_update AS update_id, c.organization AS organization_id, "
    "u.visibility AS update_visibility, e.url AS url, e.title AS title, e.visibility AS visibility, "
    "e.verified_by AS verified_by, e.verified_at AS verified_at, e.supersedes AS supersedes_id, "
    "e.version AS version, e.created_at AS created_at, e.file_key AS file_key, e.file_name AS file_name, "
    "e.file_type AS file_type, e.file_size AS file_size, e.rejected_at AS rejected_at, "
    "e.rejected_by AS rejected_by, e.rejection_reason AS rejection_reason FROM evidence e "
    "JOIN progress_update u ON u.id = e.progress_update JOIN commitment c ON c.id = u.commitment "
)

NO_EVIDENCE_LINK = N_("no evidence link with id %(evidence_id)s")
NO_UPDATE = N_("no progress update with id %(update_id)s")


def clean_evidence(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Checked link fields; `prefix` names where they sit in the request (e.g. "evidence[0].")."""
    clean: dict[str, Any] = {}
    if "url" in data:
        clean["url"] = web_link(data["url"], f"{prefix}url")
    if "title" in data:
        clean["title"] = one_line(data["title"], f"{prefix}title", 300, required=False)
    if "visibility" in data:
        clean["visibility"] = visibility(data["visibility"], f"{prefix}visibility")
    return clean


# The update `u` (of commitment `c`) went out with its organization's published report. Outside the
# organization (peers, donors) only published work is read (docs/design.md "Who uses it, and what each may do"): an update of a
# cycle not yet published, or added after publishing, was never signed off.
PUBLISHED_UPDATE = (
    "EXISTS (SELECT 1 FROM submission s WHERE s.organization = c.organization AND s.cycle = u.cycle "
    "AND s.status = 'published' AND u.created_at <= s.published_at)"
)
# Likewise a link or file added to such an update after publishing reaches them with the next
# publication only (docs/design.md "Evidence files").
PUBLISHED_EVIDENCE = (
    "EXISTS (SELECT 1 FROM submission s WHERE s.organization = c.organization AND s.cycle = u.cycle "
    "AND s.status = 'published' AND e.created_at <= s.published_at)"
)


def published_only(audience: str) -> str:
    """The condition that keeps outsiders to evidence that went out with a publication."""
    return "" if audience == "internal" else f" AND {PUBLISHED_EVIDENCE}"


async def published_update_ids(update_ids: list[int]) -> set[int]:
    """The updates among these that went out with their organization's published report."""
    if not update_ids:
        return set()
    placeholders = ", ".join("{}" for _ in update_ids)
    rows = await fetch(
        "SELECT u.id AS id FROM progress_update u JOIN commitment c ON c.id = u.commitment "
        f"WHERE {PUBLISHED_UPDATE} AND u.id IN ({placeholders})",
        *update_ids,
    )
    return {int(row["id"]) for row in rows}


def _shown(row: dict[str, Any], audience: str) -> dict[str, Any]:
    if audience == "internal":
        return row
    return {**row, "verified_by": None, "rejected_by": None, "rejection_reason": ""}


async def evidence_for_updates(update_ids: list[int], audience: str) -> dict[int, list[dict[str, Any]]]:
    """Links per update, only those the audience may read (the caller checked the updates)."""
    if not update_ids:
        return {}
    placeholders = ", ".join("{}" for _ in update_ids)
    readable, visibilities = readable_by("e.visibility", audience)
    rows = await fetch(
        SELECT
        + f"WHERE e.progress_update IN ({placeholders}) AND {readable}{published_only(audience)} ORDER BY e.id",
        *update_ids,
        *visibilities,
    )
    links: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        links.setdefault(int(row["update_id"]), []).append(_shown(row, audience))
    return links


async def evidence_row(evidence_id: int) -> dict[str, Any]:
    return await one_or_not_found(
        SELECT + "WHERE e.id = {}", evidence_id, missing=NO_EVIDENCE_LINK, evidence_id=evidence_id
    )


def _readable(caller: Caller, row: dict[str, Any]) -> str:
    try:
        audience = read_audience(caller, int(row["organization_id"]))
    except NotFound:
        audience = ""
    if (
        not audience
        or not may_read(row["visibility"], audience)
        or not may_read(row["update_visibility"], audience)
    ):
        raise NotFound(N_("no evidence link with id %(id)s"), id=row["id"])
    return audience


async def get_evidence(caller: Caller, evidence_id: int) -> dict[str, Any]:
    row = await evidence_row(evidence_id)
    audience = _readable(caller, row)
    if audience != "internal" and not await fetch(
        SELECT + f"WHERE e.id = {{}}{published_only(audience)}", evidence_id
    ):
        raise NotFound(NO_EVIDENCE_LINK, evidence_id=evidence_id)
    return _shown(row, audience)


async def evidence_page(update_id: int, audience: str, paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
    """One update's links the audience may read (the caller checked that it may read the update)."""
    readable, visibilities = readable_by("e.visibility", audience)
    page = await fetch_page(
        SELECT + f"WHERE e.progress_update = {{}} AND {readable}{published_only(audience)}",
        "e.id",
        update_id,
        *visibilities,
        paging=paging,
    )
    return page.map(lambda row: _shown(row, audience))


async def insert_evidence(
    caller: Caller, update_id: int, clean: dict[str, Any], supersedes: int | None = None
) -> int:
    """Insert one link (inside the caller's write_transaction) with its audit row."""
    if "url" not in clean:
        raise UserError(N_("url is required"), field="url")
    link = Evidence(progress_update=update_id, supersedes=supersedes, **clean)
    await link.save()
    await audit.record(caller, "create", "evidence", link.id, None, {"update_id": update_id, **clean})
    return int(link.id)


def checked_files(files: list[dict[str, Any]], prefix: str = "files") -> list[dict[str, Any]]:
    """Each file's kind from its content, its visibility and title checked (nothing stored yet)."""
    if len(files) > evidence_files.MAX_FILES:
        raise UserError(
            N_("send at most %(count)s files with one update"), field=prefix, count=evidence_files.MAX_FILES
        )
    checked = []
    for index, item in enumerate(files):
        field = f"{prefix}[{index}]"
        kind = evidence_files.check_file(str(item.get("name") or ""), item["data"], field)
        name = evidence_files.clean_name(str(item.get("name") or ""))
        name = f"{name.rsplit('.', 1)[0] if '.' in name else name}.{kind.extension}"
        title = one_line(item.get("title") or "", f"{field}.title", 300, required=False) or name
        checked.append(
            {
                "data": item["data"],
                "file_name": name,
                "file_type": kind.content_type,
                "file_size": len(item["data"]),
                "title": title,
                "visibility": visibility(item.get("visibility", "internal"), f"{field}.visibility"),
            }
        )
    return checked


@asynccontextmanager
async def stored(files: list[dict[str, Any]]) -> AsyncIterator[list[dict[str, Any]]]:
    """Write the checked files to the upload folder for one write transaction, which this block
    must wrap (up to its COMMIT); if it fails, they go."""
    keys: list[str] = []
    try:
        rows = []
        for item in files:
            keys.append(await asyncio.to_thread(evidence_files.store, item["data"]))
            rows.append({k: v for k, v in item.items() if k != "data"} | {"file_key": keys[-1]})
        yield rows
    except BaseException:
        evidence_files.discard(keys)
        raise


async def insert_file(caller: Caller, update_id: int, row: dict[str, Any]) -> int:
    """Insert one stored file's evidence row (inside the caller's write_transaction) with its audit row;
    its address is the download route."""
    item = Evidence(progress_update=update_id, url="", **row)
    await item.save()
    url = f"/api/evidence/{item.id}/file"
    await Evidence.update({Evidence.url: url}).where(Evidence.id == item.id)
    audited = {k: v for k, v in row.items() if k != "file_key"}
    await audit.record(
        caller, "create", "evidence", item.id, None, {"update_id": update_id, "url": url, **audited}
    )
    return int(item.id)


async def editable_update(caller: Caller, update_id: int) -> int:
    """The organization of an update the caller may add evidence to."""
    update = await one_or_not_found(
        "SELECT c.organization AS organization_id FROM progress_update u "
        "JOIN commitment c ON c.id = u.commitment WHERE u.id = {}",
        update_id,
        missing=NO_UPDATE,
        update_id=update_id,
    )
    try:
        require_editor(caller, int(update["organization_id"]), "evidence link")
    except NotFound:
        raise NotFound(NO_UPDATE, update_id=update_id) from None
    return int(update["organization_id"])


def titled(files: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    """Uploads with the title sent beside them: it names a lone file; several files are each known
    by their file name."""
    return [{**item, "title": title if len(files) == 1 else ""} for item in files]


async def add_files(
    caller: Caller, update_id: int, files: list[dict[str, Any]], title: str = "", visibility: str = "internal"
) -> list[dict[str, Any]]:
    """Attach files to an update, at one visibility: all of them or none (a refused file leaves
    nothing behind)."""
    checked = checked_files([{**item, "visibility": visibility} for item in titled(files, title)])
    if not checked:
        raise UserError(N_("send at least one file"), field="file")
    await editable_update(caller, update_id)  # refused before anything is written
    # The files wrap the transaction, so a refusal at COMMIT removes them too.
    async with stored(checked) as rows, write_transaction():
        org_id = await editable_update(caller, update_id)
        ids = [await insert_file(caller, update_id, row) for row in rows]
        await reopen_approved(caller, org_id, f"evidence files {ids} were added")
    return [await evidence_row(evidence_id) for evidence_id in ids]


async def add_evidence(caller: Caller, update_id: int, data: dict[str, Any]) -> dict[str, Any]:
    clean = clean_evidence(data)
    supersedes = data.get("supersedes_id")
    async with write_transaction():
        org_id = await editable_update(caller, update_id)
        if supersedes is not None:
            old = await fetch(
                "SELECT id FROM evidence WHERE id = {} AND progress_update = {}", supersedes, update_id
            )
            if not old:
                raise UserError(
                    N_("supersedes_id %(supersedes)s is not a link of this update"),
                    field="supersedes_id",
                    supersedes=supersedes,
                )
        evidence_id = await insert_evidence(caller, update_id, clean, supersedes)
        await reopen_approved(caller, org_id, f"evidence link {evidence_id} was added")
    return await evidence_row(evidence_id)


async def went_out(evidence_id: int) -> bool:
    """Whether the link went out with its organization's published report (outsiders may read it)."""
    return bool(await fetch(SELECT + f"WHERE e.id = {{}}{published_only('donor')}", evidence_id))


def narrows_only(before: dict[str, Any], changed: dict[str, Any]) -> bool:
    """A change that only narrows who may read the link (a link found to be confidential after
    publishing must still be hidden at once); anything else would reach outsiders unsigned."""
    return set(changed) == {"visibility"} and VISIBILITIES.index(changed["visibility"]) <= VISIBILITIES.index(
        before["visibility"]
    )


async def update_evidence(
    caller: Caller, evidence_id: int, changes: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    clean = clean_evidence(changes)
    async with write_transaction():
        before = await evidence_row(evidence_id)
        try:
            require_editor(caller, int(before["organization_id"]), "evidence link")
        except NotFound:
            raise NotFound(NO_EVIDENCE_LINK, evidence_id=evidence_id) from None
        if before["file_key"] and "url" in clean:
            raise UserError(N_("the address of an evidence file cannot be changed"), field="url")
        if before["verified_at"] is not None:
            raise Conflict(
                N_("a verified link can no longer be edited; add a new link that supersedes it"),
                field="verified_at",
            )
        check_version(before, expected_version, "evidence link")
        changed = changed_fields(before, clean)
        if changed and not narrows_only(before, changed) and await went_out(evidence_id):
            raise Conflict(
                N_(
                    "this link went out with a published report: only its visibility can be narrowed; "
                    "add a new link that supersedes it"
                ),
                field="visibility" if "visibility" in changed else "url",
            )
        if changed:
            await update_versioned(Evidence, evidence_id, expected_version, changed, "evidence link")
            await audit.record(
                caller, "update", "evidence", evidence_id, before, await evidence_row(evidence_id)
            )
            await reopen_approved(
                caller, int(before["organization_id"]), f"evidence link {evidence_id} was changed"
            )
    return await evidence_row(evidence_id)


async def decide_evidence(
    caller: Caller, evidence_id: int, decision: str, reason: str = ""
) -> dict[str, Any]:
    """The secretariat's decision on a link or file: `verify`, or `reject` with a reason. Pages and
    API take it through `reminders.workflow.decide_evidence`, which tells the focal points."""
    if decision not in ("verify", "reject"):
        raise UserError(N_("decision is verify or reject"), field="decision")
    if decision == "verify":
        return await _verify(caller, evidence_id)
    return await _reject(caller, evidence_id, reason)


async def _record_decision(
    caller: Caller, evidence_id: int, action: str, changes: dict[str, Any], already: str
) -> dict[str, Any]:
    """Write the secretariat's decision on a link or file not yet decided on (409 `already` if it
    was), with its audit row."""
    async with write_transaction():
        before = await evidence_row(evidence_id)
        if before["verified_at"] is not None or before["rejected_at"] is not None:
            raise Conflict(already, field="verified_at", evidence_id=evidence_id)
        await update_versioned(Evidence, evidence_id, int(before["version"]), changes, "evidence link")
        await audit.record(caller, action, "evidence", evidence_id, before, await evidence_row(evidence_id))
    return await evidence_row(evidence_id)


async def _verify(caller: Caller, evidence_id: int) -> dict[str, Any]:
    """The secretariat confirms the link supports the claim; records who and when."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat verifies evidence"))
    changes = {"verified_by": caller.person_id, "verified_at": utcnow()}
    return await _record_decision(
        caller, evidence_id, "verify", changes, N_("evidence link %(evidence_id)s is already verified")
    )


async def _reject(caller: Caller, evidence_id: int, reason: str) -> dict[str, Any]:
    """The secretariat rejects a link or file with a reason the organization can act on: it then
    stays on record, marked rejected (docs/design.md "Evidence files")."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat verifies or rejects evidence"))
    reason = text_block(reason, "reason", 2000).strip()
    if not reason:
        raise UserError(N_("a rejection needs a reason the organization can act on"), field="reason")
    changes = {"rejected_by": caller.person_id, "rejected_at": utcnow(), "rejection_reason": reason}
    return await _record_decision(
        caller, evidence_id, "reject", changes, N_("evidence %(evidence_id)s was already decided on")
    )


async def evidence_file(caller: Caller, evidence_id: int, preview: bool = False) -> dict[str, Any]:
    """A stored file the caller may read under its visibility (404 otherwise, and for a link).
    A preview (images and PDFs) is for the organization and the secretariat only."""
    row = await get_evidence(caller, evidence_id)
    missing = NotFound(N_("no evidence file with id %(evidence_id)s"), evidence_id=evidence_id)
    if not row["file_key"]:
        raise missing
    if preview and (
        read_audience(caller, int(row["organization_id"])) != "internal"
        or row["file_type"] not in evidence_files.PREVIEWED
    ):
        raise missing
    path = evidence_files.file_path(str(row["file_key"]))
    if not path.is_file():
        raise missing
    return {**row, "path": path}
