"""The Protection Donor Group's expectations, and whether each organization meets them.

Expectations and their met / not met status are what donors compare: not confidential. Only the
secretariat writes them. Every wording an expectation has had is kept (`expectation_wording`):
organizations' answers point at the wording they answered (docs/design.md "Donor expectations").
The met / not met status is set by the secretariat confirming an organization's answer
(`models.services.expectation_answers`), or directly through the older status route.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from models import audit, clock
from models.caller import Caller
from models.engine import fetch, fetch_page, one_or_not_found, write_transaction
from models.errors import Forbidden, UserError
from models.paging import EVERYTHING, Page, Paging
from models.services import published
from models.services.common import (
    changed_fields,
    check_version,
    organization_row,
    text_block,
    update_versioned,
)
from models.tables import DonorExpectation, ExpectationStatus, ExpectationWording
from models.words import N_

NO_EXPECTATION = N_("no donor expectation with id %(expectation_id)s")

SELECT = (
    "SELECT e.id AS id, a.key AS area, e.text AS text, e.due_date AS due_date, e.active AS active, "
    "e.version AS version, e.created_at AS created_at, "
    "(SELECT MAX(w.number) FROM expectation_wording w WHERE w.expectation = e.id) AS wording_number "
    "FROM donor_expectation e LEFT JOIN area a ON a.id = e.area "
)


def _secretariat(caller: Caller) -> None:
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat manages donor expectations"))


async def list_expectations(
    include_inactive: bool = False, paging: Paging = EVERYTHING
) -> Page[dict[str, Any]]:
    where = "" if include_inactive else "WHERE e.active = {} "
    return await fetch_page(SELECT + where, "e.id", *(() if include_inactive else (True,)), paging=paging)


async def expectation_row(expectation_id: int) -> dict[str, Any]:
    return await one_or_not_found(
        SELECT + "WHERE e.id = {}", expectation_id, missing=NO_EXPECTATION, expectation_id=expectation_id
    )


async def _clean(data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "text" in data:
        clean["text"] = text_block(data["text"], "text", 2000)
        if not clean["text"]:
            raise UserError(N_("text must not be empty"), field="text")
    if "area" in data:
        if data["area"] is None:
            clean["area"] = None
        else:
            rows = await fetch("SELECT id FROM area WHERE key = {}", data["area"])
            if not rows:
                raise UserError(N_("unknown area %(area)r"), field="area", area=data["area"])
            clean["area"] = int(rows[0]["id"])
    if "due_date" in data:
        clean["due_date"] = data["due_date"]
    if "active" in data:
        clean["active"] = bool(data["active"])
    return clean


async def create_expectation(caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    _secretariat(caller)
    clean = await _clean(data)
    if "text" not in clean:
        raise UserError(N_("text is required"), field="text")
    async with write_transaction():
        row = DonorExpectation(**clean)
        await row.save()
        await ExpectationWording(expectation=row.id, number=1, text=clean["text"]).save()
        await audit.record(caller, "create", "donor_expectation", row.id, None, clean)
    return await expectation_row(row.id)


async def update_expectation(
    caller: Caller, expectation_id: int, changes: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    _secretariat(caller)
    clean = await _clean(changes)
    async with write_transaction():
        before = await expectation_row(expectation_id)
        check_version(before, expected_version, "donor expectation")
        current = {**before, "area": None} if "area" in clean else before
        changed = changed_fields(current, clean)
        if changed:
            await update_versioned(
                DonorExpectation, expectation_id, expected_version, changed, "donor expectation"
            )
            if "text" in changed:
                await ExpectationWording(
                    expectation=expectation_id,
                    number=int(before["wording_number"] or 0) + 1,
                    text=changed["text"],
                ).save()
            await audit.record(caller, "update", "donor_expectation", expectation_id, before, changed)
    return await expectation_row(expectation_id)


async def wordings(expectation_id: int) -> list[dict[str, Any]]:
    """The expectation's wordings, newest first: what organizations saw when they answered."""
    await expectation_row(expectation_id)
    return await fetch(
        "SELECT number, text, created_at FROM expectation_wording WHERE expectation = {} ORDER BY number DESC",
        expectation_id,
    )


async def statuses_for_organization(
    caller: Caller, org_id: int, paging: Paging = EVERYTHING
) -> Page[dict[str, Any]]:
    audience = await published.read_audience(caller, org_id)
    await organization_row(org_id)
    # Outsiders read the standing as of the organization's latest publication, like its scorecard:
    # a confirmation since then reaches them with the next publication (docs/design.md "Donor
    # expectations"). The organization itself and the secretariat read it live.
    counted = "s.met"
    args: list[Any] = []
    if audience != published.LIVE_AUDIENCE:
        counted = (
            "(s.met AND (s.since IS NULL OR s.since <= (SELECT MAX(p.created_at) FROM scorecard_snapshot p "
            "WHERE p.organization = {})))"
        )
        args = [org_id]
    return await fetch_page(
        f"SELECT e.id AS expectation_id, e.text AS text, a.key AS area, "
        f"COALESCE({counted}, {{}}) AS met, CASE WHEN {counted} THEN s.since END AS since "
        "FROM donor_expectation e LEFT JOIN area a ON a.id = e.area "
        "LEFT JOIN expectation_status s ON s.expectation = e.id AND s.organization = {} "
        "WHERE e.active = {}",
        "e.id",
        *args,
        False,
        *args,
        org_id,
        True,
        paging=paging,
    )


async def set_status(
    caller: Caller, org_id: int, expectation_id: int, met: bool, since: dt.date | None
) -> dict[str, Any]:
    """Record whether an organization meets an expectation (and since when)."""
    _secretariat(caller)
    if met and since is None:
        since = clock.today()
    if not met:
        since = None
    async with write_transaction():
        await expectation_row(expectation_id)
        await organization_row(org_id)
        existing = await fetch(
            "SELECT id, met, since FROM expectation_status WHERE expectation = {} AND organization = {}",
            expectation_id,
            org_id,
        )
        after = {"organization_id": org_id, "expectation_id": expectation_id, "met": met, "since": since}
        if existing:
            await ExpectationStatus.update(
                {ExpectationStatus.met: met, ExpectationStatus.since: since}
            ).where(ExpectationStatus.id == existing[0]["id"])
            before: dict[str, Any] | None = {"met": existing[0]["met"], "since": existing[0]["since"]}
        else:
            await ExpectationStatus(
                expectation=expectation_id, organization=org_id, met=met, since=since
            ).save()
            before = None
        await audit.record(caller, "set", "expectation_status", f"{expectation_id}:{org_id}", before, after)
    rows = [
        r
        for r in (await statuses_for_organization(caller, org_id)).items
        if r["expectation_id"] == expectation_id
    ]
    return rows[0] if rows else {**after, "text": "", "area": None}
