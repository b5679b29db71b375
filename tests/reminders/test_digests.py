"""Weekly digests: non-urgent reminders batched into one email a week; urgent ones still go at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from models.engine import fetch, is_sqlite
from models.settings import Settings
from reminders.check import run_check
from reminders.digests import take_held
from reminders.sender import deliver_due
from tests.reminders import world
from tests.reminders.world import at

MONDAY = dt.date(2026, 12, 7)


async def check_and_send(time_machine: Any, settings: Settings, day: dt.date) -> None:
    time_machine.move_to(at(day, 6), tick=False)
    await run_check(settings)
    await deliver_due(settings)


async def statuses(rule: str | None = None) -> list[str]:
    return sorted(row["status"] for row in await world.reminders(rule))


async def test_digests_batch_a_week_of_reminders_into_one_email(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await world.organization("NRA", focal_digest=True)
    commitment = await world.commitment(org)
    # Due-soon reminders come due on Tuesday, Wednesday and Friday of the week before MONDAY.
    for offset, title in ((-6, "First step"), (-5, "Second step"), (-3, "Third step")):
        await world.milestone(commitment, MONDAY + dt.timedelta(days=offset + 14), title=title)
    for offset in range(-7, 0):
        await check_and_send(time_machine, mail_settings, MONDAY + dt.timedelta(days=offset))
    assert smtp_server.messages == []
    assert await statuses() == ["held", "held", "held"]

    await check_and_send(time_machine, mail_settings, MONDAY)
    (digest,) = smtp_server.to(org.focal_email)
    assert "3 reminders" in digest.message["Subject"]
    for title in ("First step", "Second step", "Third step"):
        assert title in digest.text and title in digest.html
    assert await statuses("milestone_due_soon") == ["digested", "digested", "digested"]
    assert await statuses("weekly_digest") == ["sent"]
    (digest_row,) = await world.reminders("weekly_digest")
    assert all(
        row["message_id"] == digest_row["message_id"] for row in await world.reminders("milestone_due_soon")
    )

    for offset in range(1, 7):
        await check_and_send(time_machine, mail_settings, MONDAY + dt.timedelta(days=offset))
    assert len(smtp_server.to(org.focal_email)) == 1, "one digest a week"


async def test_a_missed_monday_sends_the_digest_on_the_next_check(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await world.organization("NRA", focal_digest=True)
    await world.milestone(await world.commitment(org), MONDAY + dt.timedelta(days=10))
    await check_and_send(time_machine, mail_settings, MONDAY - dt.timedelta(days=4))
    assert await statuses() == ["held"]
    await check_and_send(time_machine, mail_settings, MONDAY + dt.timedelta(days=2))
    assert len(smtp_server.to(org.focal_email)) == 1


async def test_escalations_and_champion_gaps_are_sent_at_once_even_to_digest_readers(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await world.organization("NRA", focal_digest=True, champion_digest=True)
    await world.organization("LRC", champion_seniority=None)
    await world.secretariat(digest=True)
    due = MONDAY - dt.timedelta(days=31)  # a Wednesday: 30 days overdue on the Thursday before MONDAY
    await world.milestone(await world.commitment(org), due, title="Adopt the annex")
    await check_and_send(time_machine, mail_settings, due + dt.timedelta(days=30))
    assert [m.message["Subject"].split(":")[0] for m in smtp_server.to(org.champion_email)] == ["Escalation"]
    assert len(smtp_server.to("secretariat@example.org")) == 1
    assert smtp_server.to(org.focal_email) == []
    assert await statuses("milestone_overdue") == ["held"]


async def test_people_without_the_digest_get_single_emails(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await world.organization("NRA", focal_digest=False)
    commitment = await world.commitment(org)
    await world.milestone(commitment, MONDAY + dt.timedelta(days=8))
    await world.milestone(commitment, MONDAY + dt.timedelta(days=9))
    await check_and_send(time_machine, mail_settings, MONDAY - dt.timedelta(days=6))
    await check_and_send(time_machine, mail_settings, MONDAY - dt.timedelta(days=5))
    assert len(smtp_server.to(org.focal_email)) == 2
    assert await world.reminders("weekly_digest") == []


async def test_a_person_who_left_the_organization_gets_none_of_its_titles_in_the_digest(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    """Held for the Monday email, a reminder whose recipient is no longer a focal point of the
    organization by then stays out of the email and is listed as failed, as the sender does."""
    org = await world.organization("NRA", focal_digest=True)
    commitment = await world.commitment(org)
    await world.milestone(commitment, MONDAY + dt.timedelta(days=8), title="Confidential step")
    await check_and_send(time_machine, mail_settings, MONDAY - dt.timedelta(days=6))
    assert await statuses() == ["held"]
    await fetch("DELETE FROM role_assignment WHERE organization = {}", org.id)

    await check_and_send(time_machine, mail_settings, MONDAY)
    assert all("Confidential step" not in m.text for m in smtp_server.messages)
    (row,) = await world.reminders("milestone_due_soon")
    assert row["status"] == "failed" and "no longer a focal point" in row["last_error"]


async def test_a_digest_takes_its_reminders_by_id_not_by_walking_every_held_one(db: str) -> None:
    """A first check over a large database holds thousands of reminders and compiles a digest per
    person: each digest must look its own reminders up by id. SQLite, without statistics, took the
    status index instead and walked the whole backlog once per digest."""
    if not is_sqlite():
        pytest.skip("PostgreSQL plans by its statistics")
    plan = await fetch("EXPLAIN QUERY PLAN " + take_held("1, 2, 3"), "message-id")
    (step,) = [row["detail"] for row in plan]
    assert "PRIMARY KEY" in step and "reminder_due" not in step, step
