"""The check itself: idempotent, safe to run twice at once, reads only what is due, dry runs write nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from models.engine import fetch
from models.settings import Settings
from models.timeline import derived_state, next_check_on
from reminders.check import run_check
from tests.reminders import world
from tests.reminders.world import at

DUE = dt.date(2026, 12, 20)


async def milestone_state(milestone_id: int) -> tuple[str, dt.date | None]:
    (row,) = await fetch("SELECT derived_state, next_check_on FROM milestone WHERE id = {}", milestone_id)
    return row["derived_state"], row["next_check_on"]


async def everything() -> dict[str, list[Any]]:
    return {
        "reminder": [dict(r) for r in await fetch("SELECT * FROM reminder ORDER BY id")],
        "milestone": [dict(r) for r in await fetch("SELECT * FROM milestone ORDER BY id")],
        "commitment": [dict(r) for r in await fetch("SELECT * FROM commitment ORDER BY id")],
    }


async def test_running_the_check_twice_queues_nothing_new_and_reads_nothing_again(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    org = await world.organization("NRA", champion_seniority=None)
    await world.secretariat()
    commitment = await world.commitment(org)
    for n in range(5):
        await world.milestone(commitment, DUE, title=f"Step {n}")
    time_machine.move_to(at(DUE - dt.timedelta(days=14), 6), tick=False)
    first = await run_check(mail_settings)
    assert first.queued == 6  # five milestones and this month's champion gap
    assert first.rows_read["milestone"] == 5
    second = await run_check(mail_settings)
    assert second.queued == 0 and second.new == []
    assert second.rows_read.get("milestone", 0) == 0
    assert second.rows_read.get("commitment", 0) == 0
    assert await world.count("reminder") == 6


async def test_two_checks_at_once_queue_each_reminder_once(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    for acronym in ("NRA", "USP", "CFF"):
        org = await world.organization(acronym)
        commitment = await world.commitment(org)
        for n in range(10):
            await world.milestone(commitment, DUE, title=f"Step {n}")
    time_machine.move_to(at(DUE + dt.timedelta(days=30), 6), tick=False)
    results = await asyncio.gather(*(run_check(mail_settings) for _ in range(3)))
    # Each milestone: overdue to the focal point, escalation to the champion.
    assert sum(r.queued for r in results) == 60
    assert await world.count("reminder") == 60
    keys = [row["dedupe_key"] for row in await world.reminders()]
    assert len(set(keys)) == 60


async def test_a_dry_run_lists_what_would_be_queued_and_writes_nothing(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    milestone = await world.milestone(await world.commitment(org), DUE, title="Draft the policy")
    time_machine.move_to(at(DUE + dt.timedelta(days=1), 6), tick=False)
    before = await everything()
    result = await run_check(mail_settings, dry_run=True)
    assert [(i.rule, i.recipient.email) for i in result.new] == [("milestone_overdue", org.focal_email)]
    assert await everything() == before
    real = await run_check(mail_settings)
    assert [(i.rule, i.recipient.email) for i in real.new] == [("milestone_overdue", org.focal_email)]
    assert await milestone_state(milestone) == ("overdue", DUE + dt.timedelta(days=30))
    assert (await run_check(mail_settings, dry_run=True)).new == []


async def test_derived_states_and_next_check_dates_move_with_the_days(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    commitment = await world.commitment(org)
    planned = await world.milestone(commitment, DUE, status="planned")
    started = await world.milestone(commitment, DUE, status="in_progress")
    assert await milestone_state(planned) == ("", DUE - dt.timedelta(days=14))
    expected = {
        -15: (("", DUE - dt.timedelta(days=14)), ("", DUE - dt.timedelta(days=14))),
        -14: (("at_risk", DUE - dt.timedelta(days=3)), ("", DUE - dt.timedelta(days=3))),
        -3: (("at_risk", DUE + dt.timedelta(days=1)), ("", DUE + dt.timedelta(days=1))),
        0: (("at_risk", DUE + dt.timedelta(days=1)), ("", DUE + dt.timedelta(days=1))),
        1: (("overdue", DUE + dt.timedelta(days=30)), ("overdue", DUE + dt.timedelta(days=30))),
        30: (("overdue", None), ("overdue", None)),
    }
    for offset, (planned_state, started_state) in expected.items():
        time_machine.move_to(at(DUE + dt.timedelta(days=offset), 6), tick=False)
        await run_check(mail_settings)
        assert await milestone_state(planned) == planned_state, offset
        assert await milestone_state(started) == started_state, offset


def test_next_check_on_for_writers_starts_14_days_before_due() -> None:
    assert next_check_on(DUE, "planned") == DUE - dt.timedelta(days=14)
    assert next_check_on(DUE, "in_progress") == DUE - dt.timedelta(days=14)
    assert next_check_on(DUE, "done") is None and next_check_on(DUE, "dropped") is None
    assert next_check_on(DUE, "planned", after=DUE) == DUE + dt.timedelta(days=1)
    assert next_check_on(DUE, "planned", after=DUE + dt.timedelta(days=30)) is None
    assert derived_state(DUE, "planned", DUE - dt.timedelta(days=15)) == ""
    assert derived_state(DUE, "planned", DUE - dt.timedelta(days=14)) == "at_risk"
    assert derived_state(DUE, "in_progress", DUE - dt.timedelta(days=1)) == ""
    assert derived_state(DUE, "in_progress", DUE + dt.timedelta(days=1)) == "overdue"
    assert derived_state(DUE, "done", DUE + dt.timedelta(days=40)) == ""


async def test_a_missed_day_is_caught_up_with_the_latest_threshold_only(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    """The scheduler was down from 14 days before due until 2 days before: one 3-day reminder."""
    org = await world.organization("NRA")
    await world.milestone(await world.commitment(org), DUE)
    time_machine.move_to(at(DUE - dt.timedelta(days=2), 6), tick=False)
    result = await run_check(mail_settings)
    assert [(i.rule, i.threshold) for i in result.new] == [("milestone_due_soon", "3")]


async def test_moving_a_due_date_gives_fresh_reminders(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    milestone = await world.milestone(await world.commitment(org), DUE)
    time_machine.move_to(at(DUE - dt.timedelta(days=14), 6), tick=False)
    assert (await run_check(mail_settings)).queued == 1
    new_due = DUE + dt.timedelta(days=7)
    await fetch(
        "UPDATE milestone SET due_date = {}, next_check_on = {} WHERE id = {}",
        new_due,
        next_check_on(new_due, "planned"),
        milestone,
    )
    time_machine.move_to(at(new_due - dt.timedelta(days=14), 6), tick=False)
    result = await run_check(mail_settings)
    assert [(i.rule, i.threshold, i.subject) for i in result.new] == [
        ("milestone_due_soon", "14", f"milestone:{milestone}@{new_due.isoformat()}")
    ]
