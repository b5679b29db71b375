"""The round trip for bulk edits: an organization's plan exported with ids and versions
(`export_plan`), edited in a spreadsheet, and read back (`reimport`).

docs/design.md "Importing plans": a row updates what changed (`updated`), a row without an id
creates (`created`), a row equal to the record is `unchanged`, and a row whose record changed in the
app since the export is `refused` (version check) with its row number. All or nothing: any refusal
writes nothing. Writes go through the commitment and milestone services (their checks, their audit
rows), and each row written is audited once more with the import's id and file name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from models import audit
from models.caller import Caller
from models.clock import today
from models.engine import fetch, write_transaction
from models.errors import NotFound, UserError
from models.plan_files import PlanRow, plan_sheets, read_plan_file
from models.plan_workbook import COMMITMENTS_SHEET, MILESTONES_SHEET, plan_workbook
from models.services import commitments as commitment_service
from models.services import milestones as milestone_service
from models.services.common import organization_row, require_editor
from models.services.plans import (
    ImportOptions,
    ImportResult,
    RowOutcome,
    area_index,
    commitment_status,
    fingerprint,
)
from models.tables import ImportRow
from models.vocabulary import COMMITMENT_STATUSES, MILESTONE_STATUSES
from models.words import gettext


async def export_plan(caller: Caller, org_id: int) -> tuple[str, bytes]:
    """(file name, xlsx) of the organization's plan, for the people who may edit it."""
    require_editor(caller, org_id, "plan")
    organization = await organization_row(org_id)
    commitments = (await commitment_service.list_commitments(caller, org_id)).items
    milestones = await fetch(
        milestone_service.SELECT + "WHERE c.organization = {} ORDER BY m.commitment, m.due_date, m.id", org_id
    )
    areas = await fetch("SELECT key FROM area ORDER BY position")
    workbook = plan_workbook(
        commitments, milestones, [a["key"] for a in areas], COMMITMENT_STATUSES, MILESTONE_STATUSES
    )
    return f"plan-{organization['acronym']}-{today().isoformat()}.xlsx", workbook


def is_exported_plan(data: bytes, file_name: str) -> bool:
    if not data.startswith(b"PK") or file_name.lower().endswith((".xlsm", ".xltm")):
        return False
    try:
        sheets = plan_sheets(data)
    except Exception:  # noqa: BLE001 - not a workbook we can read: the plain reader says why
        return False
    return COMMITMENTS_SHEET in sheets and MILESTONES_SHEET in sheets


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> dt.date | None | str:
    """A cell's date; the text itself back when it is no date (the row is then refused)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return str(value)


@dataclass
class Change:
    outcome: RowOutcome
    kind: str  # commitment or milestone
    record_id: int | None
    version: int | None
    values: dict[str, Any]
    parent_id: int | None = None
    fingerprint: str = ""  # of a new row, so the same file imported again creates nothing
    org_id: int | None = None
    failed: bool = False  # set while its write runs, so a refusal by the services names its row


def _refuse(outcome: RowOutcome, reason: str) -> None:
    outcome.status, outcome.reason = "refused", reason


def _refuse_status(outcome: RowOutcome, status: Any, statuses: tuple[str, ...]) -> None:
    """A commitment's or milestone's row whose status is none of the record's statuses."""
    _refuse(
        outcome,
        gettext("status %(status)r is none of: %(statuses)s", status=status, statuses=", ".join(statuses)),
    )


def _compare(
    outcome: RowOutcome, current: dict[str, Any], values: dict[str, Any], version: int | None
) -> dict[str, Any]:
    """The fields that differ; refuses the row when the record moved on since the export."""
    changed = {key: value for key, value in values.items() if current.get(key) != value}
    if not changed:
        outcome.status, outcome.reason = "unchanged", ""
    elif version != int(current["version"]):
        _refuse(
            outcome,
            gettext(
                "changed in the app since the export (version %(file_version)s in the file, %(version)s now): "
                "export the plan again and redo this row",
                file_version=version,
                version=current["version"],
            ),
        )
    else:
        outcome.status = "updated"
    return changed


def _new_row(change: Change, org_id: int, row: PlanRow, known: dict[str, Any]) -> None:
    change.org_id, change.fingerprint = org_id, fingerprint(org_id, row)
    if change.fingerprint in known:
        change.outcome.status, change.outcome.reason = "unchanged", gettext("imported before")
        if change.kind == "commitment":
            change.outcome.commitment_id = known[change.fingerprint]


async def _commitment_change(
    caller: Caller, row: PlanRow, areas: Any, org_id: int | None, known: dict[str, Any]
) -> Change:
    outcome = RowOutcome(row.number, "created", title=str(row.values.get("title", "")))
    record_id, version = _int(row.values.get("commitment_id")), _int(row.values.get("commitment_version"))
    area = areas.match(str(row.values.get("area", ""))) if row.values.get("area") else None
    status = commitment_status(row.values.get("status", "active"))
    target = _date(row.values.get("due"))
    values = {
        "title": " ".join(str(row.values.get("title", "")).split()),
        "description": str(row.values.get("description", "")).strip(),
        "area": area,
        "status": status,
        "target_date": target,
    }
    change = Change(outcome, "commitment", record_id, version, values)
    if not values["title"]:
        _refuse(outcome, gettext("the row has no title"))
    elif area is None:
        _refuse(
            outcome,
            gettext(
                "area %(area)r is none of: %(areas)s",
                area=row.values.get("area"),
                areas=", ".join(areas.words),
            ),
        )
    elif status is None:
        _refuse_status(outcome, row.values.get("status"), COMMITMENT_STATUSES)
    elif isinstance(target, str):
        _refuse(outcome, gettext("target date %(target)r is no date", target=target))
    if outcome.status == "refused":
        return change
    if record_id is None:
        if org_id is None:
            _refuse(outcome, gettext("a new commitment needs the organization: import into one organization"))
        else:
            _new_row(change, org_id, row, known)
        return change
    try:
        current = await commitment_service.editable_commitment(caller, record_id)
    except NotFound:
        _refuse(outcome, gettext("no commitment %(record_id)s that you may change", record_id=record_id))
        return change
    outcome.organization_id = int(current["organization_id"])
    outcome.commitment_id = record_id
    change.values = _compare(outcome, current, values, version)
    return change


async def _milestone_change(caller: Caller, row: PlanRow, known: dict[str, Any]) -> Change:
    outcome = RowOutcome(row.number, "created", title=str(row.values.get("milestone", "")))
    record_id, version = _int(row.values.get("milestone_id")), _int(row.values.get("milestone_version"))
    parent = _int(row.values.get("commitment_id"))
    status = str(row.values.get("status", "planned")).strip().lower().replace(" ", "_")
    values = {
        "title": " ".join(str(row.values.get("milestone", "")).split()),
        "due_date": _date(row.values.get("due")),
        "status": status,
        "completed_on": _date(row.values.get("completed_on")),
    }
    change = Change(outcome, "milestone", record_id, version, values, parent)
    bad_date = next((k for k in ("due_date", "completed_on") if isinstance(values[k], str)), None)
    if not values["title"]:
        _refuse(outcome, gettext("the milestone has no title"))
    elif status not in MILESTONE_STATUSES:
        _refuse_status(outcome, status, MILESTONE_STATUSES)
    elif bad_date:
        _refuse(outcome, gettext("%(field)s %(value)r is no date", field=bad_date, value=values[bad_date]))
    elif record_id is None and parent is None:
        _refuse(outcome, gettext("a new milestone needs the commitment id of its commitment"))
    if outcome.status == "refused":
        return change
    outcome.commitment_id = parent
    if record_id is None:
        try:
            commitment = await commitment_service.editable_commitment(caller, parent)  # type: ignore[arg-type]
        except NotFound:
            _refuse(outcome, gettext("no commitment %(parent)s that you may change", parent=parent))
        else:
            outcome.organization_id = int(commitment["organization_id"])
            _new_row(change, outcome.organization_id, row, known)
        return change
    try:
        current = await milestone_service.milestone_row(record_id)
        await commitment_service.editable_commitment(caller, int(current["commitment_id"]))
    except NotFound:
        _refuse(outcome, gettext("no milestone %(record_id)s that you may change", record_id=record_id))
        return change
    if not values["completed_on"] and values["status"] == "done":
        values["completed_on"] = current["completed_on"]
    outcome.commitment_id = int(current["commitment_id"])
    change.values = _compare(outcome, current, values, version)
    return change


async def reimport(
    caller: Caller, data: bytes, file_name: str, options: ImportOptions, import_id: str
) -> ImportResult:
    commitment_rows = read_plan_file(data, file_name, sheet=COMMITMENTS_SHEET).rows
    milestone_rows = read_plan_file(data, file_name, sheet=MILESTONES_SHEET).rows
    areas = await area_index()
    known = {
        r["fingerprint"]: r["commitment"]
        for r in await fetch("SELECT fingerprint, commitment FROM import_row")
    }
    changes = [await _commitment_change(caller, row, areas, options.org_id, known) for row in commitment_rows]
    changes += [await _milestone_change(caller, row, known) for row in milestone_rows]
    acronyms = {int(r["id"]): r["acronym"] for r in await fetch("SELECT id, acronym FROM organization")}
    for change in changes:
        org = change.outcome.organization_id or options.org_id
        change.outcome.organization = acronyms.get(org) if org else None
        if change.kind == "milestone":
            change.outcome.milestones = [
                {
                    "title": change.values.get("title"),
                    "due_date": _iso(change.values.get("due_date")),
                    "note": "",
                }
            ]
    result = ImportResult(import_id, file_name, options.dry_run, False, [c.outcome for c in changes])
    for change in changes:
        change.outcome.sheet = COMMITMENTS_SHEET if change.kind == "commitment" else MILESTONES_SHEET
    if options.dry_run or result.refused:
        return result
    try:
        async with write_transaction():
            for change in changes:
                await _write(caller, change, options.org_id, import_id, file_name)
    except UserError as error:
        failed = next(c for c in changes if c.failed)
        _refuse(failed.outcome, error.message)
        return result
    result.written = True
    return result


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


async def _write(caller: Caller, change: Change, org_id: int | None, import_id: str, file_name: str) -> None:
    outcome = change.outcome
    if outcome.status not in ("created", "updated"):
        return
    change.failed = True
    if change.kind == "commitment":
        if change.record_id is None:
            row = await commitment_service.create_commitment(caller, org_id, change.values)  # type: ignore[arg-type]
        else:
            row = await commitment_service.update_commitment(
                caller, change.record_id, change.values, change.version
            )  # type: ignore[arg-type]
        outcome.commitment_id = int(row["id"])
    elif change.record_id is None:
        values = {k: v for k, v in change.values.items() if v is not None}
        row = await milestone_service.create_milestone(caller, change.parent_id, values)  # type: ignore[arg-type]
        outcome.commitment_id = change.parent_id
    else:
        row = await milestone_service.update_milestone(
            caller, change.record_id, change.values, change.version
        )  # type: ignore[arg-type]
    change.failed = False
    if change.fingerprint:
        await ImportRow.insert(
            ImportRow(
                organization=change.org_id,
                fingerprint=change.fingerprint,
                import_id=import_id,
                file_name=file_name[:255],
                row_number=outcome.row,
                commitment=outcome.commitment_id,
            )
        )
    await audit.record(
        caller,
        "import",
        change.kind,
        row["id"],
        None,
        {"import_id": import_id, "file": file_name, "row": outcome.row, "status": outcome.status},
    )
