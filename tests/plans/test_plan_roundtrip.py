"""The round trip for bulk edits: an organization's plan exported with ids, versions, drop-downs and
dates, edited, and imported back: what changed is updated, new rows created, stale rows refused."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import load_workbook

from models.caller import SYSTEM
from models.engine import fetch
from models.services.commitments import update_commitment
from models.services.plan_import import import_plan
from models.services.plan_roundtrip import export_plan
from models.services.plans import ImportOptions
from tests.api.support import org_id, row_count


def _saved(workbook: Any) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def test_the_export_carries_ids_versions_drop_downs_and_dates(demo: Any) -> None:
    nra = await org_id("NRA")
    name, data = await export_plan(SYSTEM, nra)
    assert name.startswith("plan-NRA-") and name.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(data))
    commitments, milestones = workbook["Commitments"], workbook["Milestones"]
    assert workbook["Lists"].sheet_state == "hidden"
    header = [c.value for c in commitments[1]]
    assert header[:6] == ["Commitment id", "Commitment version", "Area", "Title", "Status", "Target date"]
    stored = await fetch("SELECT id, version FROM commitment WHERE organization = {} ORDER BY id", nra)
    assert [(r[0].value, r[1].value) for r in commitments.iter_rows(min_row=2)] == [
        (s["id"], s["version"]) for s in stored
    ]
    lists = {
        str(v.sqref): v.formula1 for v in commitments.data_validations.dataValidation if v.type == "list"
    }
    assert lists == {"C2:C5000": "=Lists!$A$2:$A$6", "E2:E5000": "=Lists!$B$2:$B$4"}
    assert [c.value for c in workbook["Lists"]["A"][1:6]] == [
        "champion",
        "policy",
        "capacity",
        "reporting",
        "budget",
    ]
    due = milestones.cell(row=2, column=6)
    assert isinstance(due.value, dt.datetime) and due.number_format == "yyyy-mm-dd"
    assert await row_count("milestone") > milestones.max_row - 1 > 0


async def test_an_edited_export_updates_what_changed_and_creates_new_rows(demo: Any) -> None:
    nra = await org_id("NRA")
    _, data = await export_plan(SYSTEM, nra)
    workbook = load_workbook(io.BytesIO(data))
    commitments, milestones = workbook["Commitments"], workbook["Milestones"]
    first_id = commitments.cell(row=2, column=1).value
    commitments.cell(row=2, column=4).value = "Policy adopted by the board"
    commitments.append(
        [None, None, "budget", "Budget line for protection advisers", "active", dt.date(2027, 6, 30), ""]
    )
    milestone_id = milestones.cell(row=2, column=1).value
    milestones.cell(row=2, column=6).value = dt.datetime(2027, 1, 15)
    milestones.append([None, None, first_id, "", "Board vote", dt.date(2027, 2, 1), "planned", None, ""])
    edited = _saved(workbook)

    dry = await import_plan(SYSTEM, edited, "plan-NRA.xlsx", ImportOptions(org_id=nra, dry_run=True))
    statuses = {(o.sheet, o.row): o.status for o in dry.rows if o.status != "unchanged"}
    new_commitment_row, new_milestone_row = commitments.max_row, milestones.max_row
    assert statuses == {
        ("Commitments", 2): "updated",
        ("Commitments", new_commitment_row): "created",
        ("Milestones", 2): "updated",
        ("Milestones", new_milestone_row): "created",
    }
    result = await import_plan(SYSTEM, edited, "plan-NRA.xlsx", ImportOptions(org_id=nra))
    assert result.written, result.refused
    (title,) = await fetch("SELECT title, version FROM commitment WHERE id = {}", first_id)
    assert title == {"title": "Policy adopted by the board", "version": 2}
    (due,) = await fetch("SELECT due_date FROM milestone WHERE id = {}", milestone_id)
    assert due["due_date"] == dt.date(2027, 1, 15)
    assert await fetch(
        "SELECT 1 AS ok FROM milestone WHERE commitment = {} AND title = 'Board vote'", first_id
    )
    assert await fetch("SELECT 1 AS ok FROM commitment WHERE title = 'Budget line for protection advisers'")
    audited = await fetch(
        "SELECT after FROM audit_event WHERE action = 'import' AND entity_id = {}", str(first_id)
    )
    assert "plan-NRA.xlsx" in str(audited[0]["after"]) and result.import_id in str(audited[0]["after"])
    # The same edited file again: everything already says what the file says.
    again = await import_plan(SYSTEM, edited, "plan-NRA.xlsx", ImportOptions(org_id=nra))
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": len(again.rows), "refused": 0}


async def test_a_row_changed_in_the_app_since_the_export_is_refused_and_nothing_written(demo: Any) -> None:
    nra = await org_id("NRA")
    _, data = await export_plan(SYSTEM, nra)
    workbook = load_workbook(io.BytesIO(data))
    commitments = workbook["Commitments"]
    first_id, version = commitments.cell(row=2, column=1).value, commitments.cell(row=2, column=2).value
    second_id = commitments.cell(row=3, column=1).value
    commitments.cell(row=2, column=4).value = "Edited in the spreadsheet"
    commitments.cell(row=3, column=4).value = "Also edited in the spreadsheet"
    await update_commitment(SYSTEM, first_id, {"title": "Edited in the app meanwhile"}, version)
    result = await import_plan(SYSTEM, _saved(workbook), "plan.xlsx", ImportOptions(org_id=nra))
    assert not result.written
    (refused,) = result.refused
    assert (refused.sheet, refused.row) == ("Commitments", 2)
    assert refused.reason.startswith(f"changed in the app since the export (version {version} in the file")
    (second,) = await fetch("SELECT title FROM commitment WHERE id = {}", second_id)
    assert second["title"] != "Also edited in the spreadsheet"
