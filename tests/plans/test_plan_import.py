"""Importing action plans into the database: rows mapped to organizations and areas, timeframes into
milestones, all or nothing, idempotent, audited (on SQLite and, with DATABASE_URL, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from models.caller import SYSTEM, Caller
from models.engine import fetch
from models.services.organizations import update_organization
from models.services.plan_import import import_plan
from models.services.plans import ImportOptions
from tests.api.support import row_count
from tests.plans.files import MATRIX_HEADERS, MATRIX_ROWS, csv_bytes, xlsx_bytes

OPTIONS = ImportOptions(reference_date=dt.date(2016, 1, 10), accept_suggestions=True)


async def _commitments_of(acronym: str) -> list[dict[str, Any]]:
    return await fetch(
        "SELECT c.id, c.title, c.description, a.key AS area FROM commitment c JOIN area a ON a.id = c.area "
        "JOIN organization o ON o.id = c.organization WHERE o.acronym = {} ORDER BY c.id",
        acronym,
    )


async def _milestones(commitment_id: int) -> list[dict[str, Any]]:
    return await fetch(
        "SELECT title, due_date, date_flags, timeframe_text, next_check_on, derived_state FROM milestone "
        "WHERE commitment = {} ORDER BY id",
        commitment_id,
    )


async def test_a_matrix_becomes_commitments_with_their_milestones(demo: Any) -> None:
    before = {acronym: len(await _commitments_of(acronym)) for acronym in ("NRA", "USP")}
    result = await import_plan(SYSTEM, xlsx_bytes(), "matrix.xlsx", OPTIONS)
    assert result.written and not result.refused
    statuses = [(o.row, o.organization, o.status) for o in result.rows]
    assert statuses == [
        (2, "NRA", "created"),
        (3, "NRA", "created"),
        (3, "USP", "created"),  # "NRA + USP": each lead gets its own commitment
        (4, "USP", "created"),  # "u.s.p.": case and punctuation do not matter
        (5, "NRA", "created"),  # the organization's full name
    ]
    nra = (await _commitments_of("NRA"))[before["NRA"] :]
    assert [c["title"] for c in nra] == [
        "Adopt a protection policy",
        "Train staff on protection",
        "Allocate a budget line for protection",
    ]
    assert [c["area"] for c in nra] == ["policy", "capacity", "budget"]  # suggested from their words
    assert "Recommendation: R1" in nra[0]["description"] and "Comments: draft exists" in nra[0]["description"]
    draft, endorsement = await _milestones(nra[0]["id"])
    assert (draft["title"], draft["due_date"]) == ("1st draft", dt.date(2016, 2, 24))
    assert (endorsement["title"], endorsement["due_date"]) == ("endorsement", dt.date(2016, 3, 31))
    assert endorsement["timeframe_text"] == "endorsement by 31 March"
    (after_whs,) = await _milestones(nra[2]["id"])
    assert after_whs["due_date"] is None and after_whs["date_flags"] == "event"
    assert after_whs["next_check_on"] is None and after_whs["derived_state"] == ""  # no reminder to send
    usp = (await _commitments_of("USP"))[before["USP"] :]
    (reporting,) = await _milestones(usp[1]["id"])
    assert reporting["due_date"] is None and reporting["date_flags"] == "recurring"


async def test_every_commitment_written_is_audited_with_the_import_and_the_file(demo: Any) -> None:
    result = await import_plan(SYSTEM, csv_bytes(), "matrix.csv", OPTIONS)
    events = await fetch(
        "SELECT entity, entity_id, after FROM audit_event WHERE action = 'import' ORDER BY id"
    )
    assert len(events) == 5
    after = [json.loads(e["after"]) if isinstance(e["after"], str) else e["after"] for e in events]
    assert {a["import_id"] for a in after} == {result.import_id}
    assert {a["file"] for a in after} == {"matrix.csv"}
    assert [e["entity_id"] for e in events] == [str(o.commitment_id) for o in result.rows]
    assert after[0]["milestones"][0]["due_date"] == "2016-02-24"


async def test_the_same_file_twice_creates_nothing_the_second_time(demo: Any) -> None:
    first = await import_plan(SYSTEM, csv_bytes(), "matrix.csv", OPTIONS)
    counts = {table: await row_count(table) for table in ("commitment", "milestone", "audit_event")}
    again = await import_plan(SYSTEM, xlsx_bytes(), "matrix-copy.xlsx", OPTIONS)  # same rows, other file
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": 5, "refused": 0}
    assert [o.commitment_id for o in again.rows] == [o.commitment_id for o in first.rows]
    assert {table: await row_count(table) for table in counts} == counts


async def test_one_refused_row_writes_nothing_and_names_its_row(demo: Any) -> None:
    rows = [*MATRIX_ROWS, ("R5", "Brief the board", "", "Q3 2026", "NRA + Nobody Known")]
    counts = {
        table: await row_count(table) for table in ("commitment", "milestone", "import_row", "audit_event")
    }
    result = await import_plan(SYSTEM, csv_bytes(MATRIX_HEADERS, rows), "matrix.csv", OPTIONS)
    assert not result.written
    (refused,) = result.refused
    assert (
        refused.row == 6
        and refused.reason == "lead 'Nobody Known' matches no organization (by acronym, name or alias)"
    )
    assert "nothing was written" in result.summary() and "row 6" in result.summary()
    assert {table: await row_count(table) for table in counts} == counts


async def test_a_dry_run_shows_every_row_and_writes_nothing(demo: Any) -> None:
    counts = {table: await row_count(table) for table in ("commitment", "milestone", "import_row")}
    result = await import_plan(
        SYSTEM, csv_bytes(), "matrix.csv", ImportOptions(reference_date=dt.date(2016, 1, 10), dry_run=True)
    )
    assert result.counts()["created"] == 5 and not result.written
    assert result.rows[0].reason == "area 'policy' suggested from the row's words"
    assert result.rows[0].milestones[1] == {
        "title": "endorsement",
        "due_date": "2016-03-31",
        "note": "no year given: the year of the reference date",
        "text": "endorsement by 31 March",
    }
    assert "4 rows take a suggested area" in result.summary()  # rows of the sheet, not commitments
    assert {table: await row_count(table) for table in counts} == counts


async def test_a_suggested_area_needs_to_be_accepted_or_an_area_given(demo: Any) -> None:
    plain = ImportOptions(reference_date=dt.date(2016, 1, 10))
    refused = await import_plan(SYSTEM, csv_bytes(), "matrix.csv", plain)
    assert not refused.written and len(refused.refused) == 4
    assert "--accept-suggestions" in refused.refused[0].reason
    given = await import_plan(
        SYSTEM,
        csv_bytes(),
        "matrix.csv",
        ImportOptions(area="reporting", reference_date=dt.date(2016, 1, 10)),
    )
    assert given.written and {o.area for o in given.rows} == {"reporting"}


async def test_an_area_column_and_a_status_column_are_read(demo: Any) -> None:
    headers = ("Action", "CoP area", "Status", "Deadline", "Lead")
    rows = [("Name a deputy as champion", "Senior champion", "Done", dt.datetime(2026, 3, 31), "NRA")]
    result = await import_plan(SYSTEM, xlsx_bytes(headers, rows), "plan.xlsx", ImportOptions())
    assert result.written, result.rows
    (row,) = await fetch(
        "SELECT a.key, c.status, c.target_date FROM commitment c JOIN area a ON a.id = c.area WHERE c.id = {}",
        result.rows[0].commitment_id,
    )
    assert row == {"key": "champion", "status": "completed", "target_date": dt.date(2026, 3, 31)}
    bad = await import_plan(
        SYSTEM, xlsx_bytes(headers, [("X", "Finance", "Done", "", "NRA")]), "p.xlsx", ImportOptions()
    )
    assert bad.refused[0].reason.startswith("area 'Finance' is none of: champion, policy")


async def test_one_organization_takes_every_row_and_aliases_name_organizations(demo: Any) -> None:
    nra = (await fetch("SELECT id FROM organization WHERE acronym = 'NRA'"))[0]["id"]
    into_one = await import_plan(SYSTEM, csv_bytes(), "m.csv", ImportOptions(org_id=nra, area="policy"))
    assert {o.organization for o in into_one.rows} == {"NRA"} and len(into_one.rows) == 4
    usp = (await fetch("SELECT id, version FROM organization WHERE acronym = 'USP'"))[0]
    changed = await update_organization(
        SYSTEM, usp["id"], {"aliases": "Programme des abris;  UShelter"}, usp["version"]
    )
    assert changed["aliases"] == "Programme des abris; UShelter"
    rows = [("R9", "Shelter policy", "", "T2 2026", "Programme des Abris")]
    by_alias = await import_plan(
        SYSTEM, csv_bytes(MATRIX_HEADERS, rows), "m.csv", ImportOptions(area="policy")
    )
    assert [o.organization for o in by_alias.rows] == ["USP"]


async def test_a_focal_point_imports_only_into_their_own_organization(demo: Any) -> None:
    nra = int((await fetch("SELECT id FROM organization WHERE acronym = 'NRA'"))[0]["id"])
    focal = Caller(person_id=1, email="focal@nra", roles=frozenset({("focal_point", nra)}), via="session")
    result = await import_plan(focal, csv_bytes(), "matrix.csv", OPTIONS)
    assert not result.written
    assert [o.row for o in result.refused] == [3, 4]
    assert result.refused[0].reason == "you may not change the plan of USP"
