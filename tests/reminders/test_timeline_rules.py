"""Each rule of docs/design.md fires on exactly its date (not the day before), to exactly its people.

The check runs as the scheduler runs it (time frozen at 06:00 UTC of the day, "today" taken in
the organization's time zone); what it queued is then delivered to a real SMTP server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.settings import Settings
from reminders.check import run_check
from reminders.sender import deliver_due
from tests.reminders import world
from tests.reminders.world import at

D = dt.date(2026, 12, 20)  # a due date


def day(offset: int, base: dt.date = D) -> dt.date:
    return base + dt.timedelta(days=offset)


async def check_on(
    time_machine: Any, settings: Settings, when: dt.date, hour: int = 6
) -> set[tuple[str, str, str]]:
    """Run the check at `hour` UTC of `when`; returns (rule, threshold, email) of what it queued."""
    time_machine.move_to(at(when, hour), tick=False)
    before = {row["id"] for row in await world.reminders()}
    await run_check(settings)
    return {
        (row["rule"], row["dedupe_key"].split("|")[2], row["recipient_email"])
        for row in await world.reminders()
        if row["id"] not in before
    }


async def delivered(settings: Settings, smtp_server: Any, email: str, expected_in_subject: str) -> None:
    result = await deliver_due(settings)
    assert result.failed == 0 and result.retried == 0
    received = smtp_server.to(email)
    assert received, f"nothing delivered to {email}"
    assert any(expected_in_subject in m.message["Subject"] for m in received)


async def test_milestone_due_soon_fires_14_and_3_days_before(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    await world.milestone(await world.commitment(org), D, title="Draft the policy")
    assert await check_on(time_machine, mail_settings, day(-15)) == set()
    assert await check_on(time_machine, mail_settings, day(-14)) == {
        ("milestone_due_soon", "14", org.focal_email)
    }
    assert await check_on(time_machine, mail_settings, day(-4)) == set()
    assert await check_on(time_machine, mail_settings, day(-3)) == {
        ("milestone_due_soon", "3", org.focal_email)
    }
    await delivered(mail_settings, smtp_server, org.focal_email, "Draft the policy")
    assert len(smtp_server.to(org.focal_email)) == 2


async def test_milestone_due_soon_goes_to_the_owner_and_the_focal_points(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    owner = await world.person("Olga Owner", "olga@example.org")
    await world.role(owner, "focal_point", org.id)
    second_focal = await world.person("Second Focal", "second@example.org")
    await world.role(second_focal, "focal_point", org.id)
    await world.milestone(await world.commitment(org, owner=owner), D)
    assert {email for *_, email in await check_on(time_machine, mail_settings, day(-14))} == {
        "olga@example.org",
        "second@example.org",
        org.focal_email,
    }


async def test_an_owner_outside_the_organization_gets_nothing(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    other = await world.organization("USP")
    await world.milestone(await world.commitment(org, owner=other.focal), D)
    assert await check_on(time_machine, mail_settings, day(-14)) == {
        ("milestone_due_soon", "14", org.focal_email)
    }


async def test_milestone_overdue_fires_the_day_after_due(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    await world.milestone(await world.commitment(org), D, title="Train country teams", status="in_progress")
    await check_on(time_machine, mail_settings, day(-3))
    assert await check_on(time_machine, mail_settings, day(0)) == set()
    assert await check_on(time_machine, mail_settings, day(1)) == {
        ("milestone_overdue", "1", org.focal_email)
    }
    await delivered(mail_settings, smtp_server, org.focal_email, "overdue")


async def test_escalation_goes_to_the_champion_30_days_overdue(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    await world.milestone(await world.commitment(org), D, title="Adopt the annex")
    await check_on(time_machine, mail_settings, day(1))
    assert await check_on(time_machine, mail_settings, day(29)) == set()
    assert await check_on(time_machine, mail_settings, day(30)) == {("escalation", "30", org.champion_email)}
    await deliver_due(mail_settings)
    (escalation,) = [m for m in smtp_server.messages if "Escalation" in m.message["Subject"]]
    assert escalation.rcpt_tos == [org.champion_email]
    assert "Adopt the annex" in escalation.message["Subject"]
    assert "30 days overdue" in escalation.text


async def test_a_done_milestone_is_not_reminded(db: str, mail_settings: Settings, time_machine: Any) -> None:
    org = await world.organization("NRA")
    await world.milestone(await world.commitment(org), D, status="done")
    for offset in (-14, -3, 1, 30):
        assert await check_on(time_machine, mail_settings, day(offset)) == set()


async def test_stale_commitment_fires_after_90_days_without_an_update(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    last = dt.date(2026, 6, 1)
    commitment = await world.commitment(org, title="Create a CoP budget line", last_update=at(last))
    await world.update(commitment, org.focal, at(last))
    assert await check_on(time_machine, mail_settings, day(89, last)) == set()
    assert await check_on(time_machine, mail_settings, day(90, last)) == {
        ("stale_commitment", "90", org.focal_email)
    }
    assert await check_on(time_machine, mail_settings, day(91, last)) == set()
    await delivered(mail_settings, smtp_server, org.focal_email, "Create a CoP budget line")


async def test_a_new_progress_update_moves_the_stale_date(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    last = dt.date(2026, 6, 1)
    commitment = await world.commitment(org, last_update=at(last))
    assert await check_on(time_machine, mail_settings, day(10, last)) == set()
    await world.update(commitment, org.focal, at(day(60, last)))  # last_update_at left behind
    assert await check_on(time_machine, mail_settings, day(90, last)) == set()
    assert await check_on(time_machine, mail_settings, day(149, last)) == set()
    assert await check_on(time_machine, mail_settings, day(150, last)) == {
        ("stale_commitment", "90", org.focal_email)
    }


async def test_submission_due_fires_14_and_3_days_before_the_cycle_due_date(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    due = dt.date(2027, 1, 31)
    await world.cycle("2026-H2", dt.date(2026, 7, 1), dt.date(2026, 12, 31), due)
    assert await check_on(time_machine, mail_settings, day(-15, due)) == set()
    assert await check_on(time_machine, mail_settings, day(-14, due)) == {
        ("submission_due", "14", org.focal_email)
    }
    assert await check_on(time_machine, mail_settings, day(-4, due)) == set()
    assert await check_on(time_machine, mail_settings, day(-3, due)) == {
        ("submission_due", "3", org.focal_email)
    }
    await delivered(mail_settings, smtp_server, org.focal_email, "2026-H2")


async def test_submission_late_goes_to_focal_points_then_to_the_champion(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    due = dt.date(2027, 1, 31)
    cycle = await world.cycle("2026-H2", dt.date(2026, 7, 1), dt.date(2026, 12, 31), due)
    await world.submission(org, cycle, "draft")
    await check_on(time_machine, mail_settings, day(-3, due))
    assert await check_on(time_machine, mail_settings, day(0, due)) == set()
    assert await check_on(time_machine, mail_settings, day(1, due)) == {
        ("submission_late", "1", org.focal_email)
    }
    assert await check_on(time_machine, mail_settings, day(13, due)) == set()
    assert await check_on(time_machine, mail_settings, day(14, due)) == {
        ("submission_late", "14", org.champion_email)
    }


async def test_a_submitted_report_is_not_late(db: str, mail_settings: Settings, time_machine: Any) -> None:
    org = await world.organization("NRA")
    due = dt.date(2027, 1, 31)
    cycle = await world.cycle("2026-H2", dt.date(2026, 7, 1), dt.date(2026, 12, 31), due)
    await world.submission(org, cycle, "approved", submitted_at=at(day(-5, due)))
    for offset in (-14, -3, 1, 14):
        assert await check_on(time_machine, mail_settings, day(offset, due)) == set()


async def test_awaiting_sign_off_goes_to_the_champion_after_7_days(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    cycle = await world.cycle("2026-H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 31))
    submitted = dt.date(2026, 7, 20)
    await world.submission(org, cycle, "submitted", submitted_at=at(submitted, 15))
    assert await check_on(time_machine, mail_settings, day(6, submitted)) == set()
    assert await check_on(time_machine, mail_settings, day(7, submitted)) == {
        ("awaiting_signoff", "7", org.champion_email)
    }
    assert await check_on(time_machine, mail_settings, day(8, submitted)) == set()
    await delivered(mail_settings, smtp_server, org.champion_email, "sign-off")


async def test_champion_gap_alerts_the_secretariat_monthly(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    await world.organization("NRA")  # a deputy champion: no gap
    await world.organization("LRC", champion_seniority=None)
    await world.organization("RMC", champion_seniority="senior_manager")
    await world.secretariat()
    assert await check_on(time_machine, mail_settings, dt.date(2026, 11, 20)) == {
        ("champion_gap", "monthly", "secretariat@example.org")
    }
    assert await check_on(time_machine, mail_settings, dt.date(2026, 11, 30)) == set()
    assert await check_on(time_machine, mail_settings, dt.date(2026, 12, 1)) == {
        ("champion_gap", "monthly", "secretariat@example.org")
    }
    await deliver_due(mail_settings)
    alerts = smtp_server.to("secretariat@example.org")
    assert len(alerts) == 2
    body = alerts[0].text
    assert "LRC" in body and "no champion" in body
    assert "RMC" in body and "below deputy level" in body
    assert "NRA" not in body


async def test_today_is_taken_in_the_organization_time_zone(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    east = await world.organization("EAS", time_zone="Pacific/Kiritimati")  # UTC+14
    west = await world.organization("WES", time_zone="America/Los_Angeles")
    await world.milestone(await world.commitment(east), D)
    await world.milestone(await world.commitment(west), D)
    # 12:00 UTC on D-15 is already D-14 in Kiritimati, still D-15 in Los Angeles.
    assert await check_on(time_machine, mail_settings, day(-15), hour=12) == {
        ("milestone_due_soon", "14", east.focal_email)
    }
    # 06:00 UTC on D-13 is still D-14 in Los Angeles.
    assert await check_on(time_machine, mail_settings, day(-13), hour=6) == {
        ("milestone_due_soon", "14", west.focal_email)
    }
