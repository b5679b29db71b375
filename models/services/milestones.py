"""Milestones of a commitment: title, due date, status, completion date, reason when dropped.

`derived_state` (overdue, at risk) and `next_check_on` belong to the daily timeline check: they are
never typed in. A write that moves the due date or the status recomputes them with the check's own
rules (`models.timeline`), so the next check catches up on any threshold already passed. The
reason a milestone was dropped is internal text.
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
from models.services.commitments import editable_commitment, readable_commitment
from models.services.common import (
    changed_fields,
    check_version,
    choice,
    field_words,
    one_line,
    read_audience,
    text_block,
    update_versioned,
)
from models.services.submissions import reopen_approved
from models.tables import Milestone
from models.timeline import derived_state, next_check_on
from models.versions import versioned_reader
from models.vocabulary import MILESTONE_STATUSES
from models.words import N_

NO_MILESTONE = N_("no milestone with id %(milestone_id)s")


def select_from(milestones: str, commitments: str) -> str:
    """The milestone query over the live tables or the copies published with a cycle."""
    return (
        "SELECT m.id AS id, m.commitment AS commitment_id, c.organization AS organization_id, "
        "m.title AS title, m.due_date AS due_date, m.completed_on AS completed_on, m.status AS status, "
        "m.drop_reason AS drop_reason, m.derived_state AS derived_state, m.version AS version, "
        "m.timeframe_text AS timeframe_text, m.date_flags AS date_flags, "
        f"m.created_at AS created_at FROM {milestones} m JOIN {commitments} c ON c.id = m.commitment "
    )


SELECT = select_from("milestone", "commitment")


async def select_for(audience: str, org_id: int) -> str | None:
    """The milestone query the audience reads this organization's milestones with; None for an
    outsider of an organization that never published (nothing to read)."""
    if audience == published.LIVE_AUDIENCE:
        return SELECT
    cycle_id = await published.latest_published_cycle(org_id)
    if cycle_id is None:
        return None
    return select_from(
        published.milestones_as_published(cycle_id), published.commitments_as_published(cycle_id)
    )


def timeline_columns(due_date: dt.date | None, status: str) -> dict[str, Any]:
    """The timeline check's columns as they stand right after a write.

    A milestone without a due date (an imported timeframe that hangs on an event) has nothing to
    check until someone gives it a date."""
    if due_date is None:
        return {"next_check_on": None, "derived_state": ""}
    return {
        "next_check_on": next_check_on(due_date, status),
        "derived_state": derived_state(due_date, status, today()),
    }


def for_audience(row: dict[str, Any], audience: str) -> dict[str, Any]:
    return row if audience == "internal" else {**row, "drop_reason": ""}


async def list_milestones(
    caller: Caller, commitment_id: int, paging: Paging = EVERYTHING
) -> Page[dict[str, Any]]:
    commitment, audience = await readable_commitment(caller, commitment_id)
    select = await select_for(audience, int(commitment["organization_id"]))
    if select is None:  # readable_commitment already refused it; kept for the type checker
        raise NotFound(N_("no commitment with id %(commitment_id)s"), commitment_id=commitment_id)
    page = await fetch_page(
        select + "WHERE m.commitment = {}", "m.due_date, m.id", commitment_id, paging=paging
    )
    return page.map(lambda row: for_audience(row, audience))


async def milestones_by_commitment(caller: Caller, org_id: int) -> dict[int, list[dict[str, Any]]]:
    """Every milestone of the organization's commitments the caller may read, per commitment, in
    one query (the order of `list_milestones`): a page listing them all costs the same whatever
    the number of commitments."""
    audience = read_audience(caller, org_id)
    select = await select_for(audience, org_id)
    if select is None:
        return {}
    grouped: dict[int, list[dict[str, Any]]] = {}
    read = versioned_reader(org_id) if select == SELECT else fetch  # live rows; a published copy is read
    for row in await read(select + "WHERE c.organization = {} ORDER BY m.due_date, m.id", org_id):
        grouped.setdefault(int(row["commitment_id"]), []).append(for_audience(row, audience))
    return grouped


async def milestone_row(milestone_id: int) -> dict[str, Any]:
    return await one_or_not_found(
        SELECT + "WHERE m.id = {}", milestone_id, missing=NO_MILESTONE, milestone_id=milestone_id
    )


async def get_milestone(caller: Caller, milestone_id: int) -> dict[str, Any]:
    row = await milestone_row(milestone_id)
    org_id = int(row["organization_id"])
    try:
        audience = read_audience(caller, org_id)
    except NotFound:
        raise NotFound(NO_MILESTONE, milestone_id=milestone_id) from None
    select = await select_for(audience, org_id)
    rows: list[dict[str, Any]] = [row]
    if select is None:
        rows = []
    elif select != SELECT:
        rows = await fetch(select + "WHERE m.id = {}", milestone_id)
    if not rows:  # never published, or added after the organization's latest publication
        raise NotFound(NO_MILESTONE, milestone_id=milestone_id)
    return for_audience(rows[0], audience)


def _check_dates(due: dt.date | None, completed: dt.date | None) -> None:
    for field, value in (("due_date", due), ("completed_on", completed)):
        if value is not None and not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
            raise UserError(
                N_("%(name)s must be between 2000 and 2100"), field=field, name=field_words(field)
            )
    if completed is not None and completed > today():
        raise UserError(N_("the completion date cannot be in the future"), field="completed_on")


def _settle(state: dict[str, Any]) -> dict[str, Any]:
    """Make status, completion date and drop reason agree, or say what is missing."""
    status = state["status"]
    if status == "done":
        state["completed_on"] = state.get("completed_on") or today()
    else:
        state["completed_on"] = None
    if status == "dropped" and not state.get("drop_reason"):
        raise UserError(N_("say why the milestone was dropped"), field="drop_reason")
    if status != "dropped":
        state["drop_reason"] = ""
    _check_dates(state["due_date"], state["completed_on"])
    return state


def _clean(data: dict[str, Any], checks: Collect | None = None) -> dict[str, Any]:
    """The milestone's fields, every refusal collected (raised together unless `checks` is given)."""
    check = checks or Collect()
    clean: dict[str, Any] = {}
    if "title" in data:
        clean["title"] = check(one_line, data["title"], "title", 300)
    if "due_date" in data:
        clean["due_date"] = data["due_date"]
    if "status" in data:
        clean["status"] = check(choice, data["status"], MILESTONE_STATUSES, "status")
    if "completed_on" in data:
        clean["completed_on"] = data["completed_on"]
    if "drop_reason" in data:
        clean["drop_reason"] = check(text_block, data["drop_reason"], "drop_reason", 2000)
    if checks is None:
        check.raise_any()
    return clean


def new_milestone_errors(data: dict[str, Any], checks: Collect) -> dict[str, Any]:
    """A new milestone's fields; its title and a possible due date are required (a milestone may be
    recorded after its due date: it is then overdue)."""
    clean = _clean(data, checks)
    for field in ("title", "due_date"):
        if field not in checks.fields() and clean.get(field) in (None, ""):
            checks.add(UserError(N_("%(name)s is required"), field=field, name=field_words(field)))
    checks(_check_dates, clean.get("due_date"), None)
    return clean


async def create_milestone(caller: Caller, commitment_id: int, data: dict[str, Any]) -> dict[str, Any]:
    checks = Collect()
    clean = new_milestone_errors(data, checks)
    checks.raise_any()
    state = _settle({"status": "planned", "completed_on": None, "drop_reason": "", **clean})
    async with write_transaction():
        commitment = await editable_commitment(caller, commitment_id)
        milestone = Milestone(
            commitment=commitment_id, **state, **timeline_columns(state["due_date"], state["status"])
        )
        await milestone.save()
        after = await milestone_row(milestone.id)
        await audit.record(caller, "create", "milestone", milestone.id, None, after)
        await reopen_approved(
            caller, int(commitment["organization_id"]), f"milestone {milestone.id} was added"
        )
    return after


async def update_milestone(
    caller: Caller, milestone_id: int, changes: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    clean = _clean(changes)
    if "due_date" in clean and clean["due_date"] is None:
        raise UserError(N_("a milestone needs a due date"), field="due_date")
    async with write_transaction():
        before = await milestone_row(milestone_id)
        try:
            await editable_commitment(caller, int(before["commitment_id"]))
        except NotFound:
            raise NotFound(NO_MILESTONE, milestone_id=milestone_id) from None
        check_version(before, expected_version, "milestone")
        fields = ("title", "due_date", "status", "completed_on", "drop_reason")
        state = _settle({**{key: before[key] for key in fields}, **clean})
        changed = changed_fields(before, state)
        if changed:
            if "due_date" in changed or "status" in changed:
                changed.update(timeline_columns(state["due_date"], state["status"]))
            await update_versioned(Milestone, milestone_id, expected_version, changed, "milestone")
            after = await milestone_row(milestone_id)
            await audit.record(caller, "update", "milestone", milestone_id, before, after)
            await reopen_approved(
                caller, int(before["organization_id"]), f"milestone {milestone_id} was changed"
            )
    return await milestone_row(milestone_id)
