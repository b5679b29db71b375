"""Fewer emails: by default a person gets one reminder email a day, grouped by organization and
urgency; several urgent reminders of one check go out together, at once."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from typing import Any

from models.engine import fetch
from models.settings import Settings
from reminders.check import run_check
from reminders.sender import deliver_due
from tests.conftest import TODAY
from tests.reminders import world


async def test_on_the_demos_first_check_and_send_nobody_gets_more_than_two_emails(
    demo: Any, mail_settings: Settings, smtp_server: Any
) -> None:
    result = await run_check(mail_settings, day=TODAY)
    assert len(result.new) > 100  # the demo's first run has hundreds of reminders due
    await deliver_due(mail_settings)
    per_person = Counter(address for m in smtp_server.messages for address in m.rcpt_tos)
    people = await fetch("SELECT COUNT(DISTINCT recipient) AS n FROM reminder")
    assert len(per_person) == int(people[0]["n"])  # everyone concerned heard something
    counts = sorted(per_person.values())
    print(f"\nemails per person: max {max(counts)}, median {statistics.median(counts)}, people {len(counts)}")
    assert max(counts) <= 2
    # Every reminder reached its person: alone, or listed in the one batched email.
    assert await fetch("SELECT id FROM reminder WHERE status IN ('queued', 'held', 'failed')") == []


async def _daily_org() -> world.Org:
    org = await world.organization("DLY")
    await fetch("UPDATE person SET email_frequency = 'daily'")
    return org


async def test_everything_due_today_comes_in_one_email_grouped_by_urgency(
    db: str, mail_settings: Settings, smtp_server: Any
) -> None:
    org = await _daily_org()
    commitment = await world.commitment(org)
    await world.milestone(commitment, TODAY + dt.timedelta(days=3), title="Train the country teams")
    await world.milestone(commitment, TODAY - dt.timedelta(days=1), title="Adopt the policy")
    await world.milestone(commitment, TODAY + dt.timedelta(days=14), title="Budget the training")
    await run_check(mail_settings, day=TODAY)
    await deliver_due(mail_settings)
    (mail,) = smtp_server.to(org.focal_email)
    text = mail.text
    assert "DLY Organization" in text
    assert text.index("Overdue") < text.index("Adopt the policy") < text.index("Due soon")
    assert text.index("Due soon") < text.index("Train the country teams")
    assert "Budget the training" in mail.html and "Overdue" in mail.html

    # A second check the same day adds nothing; the next day's new reminders come the next day.
    await world.milestone(commitment, TODAY + dt.timedelta(days=3), title="Second training")
    await run_check(mail_settings, day=TODAY)
    await deliver_due(mail_settings)
    assert len(smtp_server.to(org.focal_email)) == 1
    await run_check(mail_settings, day=TODAY + dt.timedelta(days=1))
    await deliver_due(mail_settings)
    later = smtp_server.to(org.focal_email)
    assert len(later) == 2 and "Second training" in later[1].text


async def test_urgent_reminders_go_at_once_together_and_alone_as_themselves(
    db: str, mail_settings: Settings, smtp_server: Any
) -> None:
    org = await _daily_org()
    commitment = await world.commitment(org)
    await world.milestone(commitment, TODAY - dt.timedelta(days=30), title="Adopt the policy")
    await world.milestone(commitment, TODAY - dt.timedelta(days=31), title="Appoint the adviser")
    await run_check(mail_settings, day=TODAY)
    await deliver_due(mail_settings)
    assert org.champion_email is not None
    (urgent,) = smtp_server.to(org.champion_email)
    assert "Urgent" in urgent.message["Subject"]
    assert "Adopt the policy" in urgent.text and "Appoint the adviser" in urgent.text

    await world.milestone(commitment, TODAY - dt.timedelta(days=29), title="Publish the guidance")
    await run_check(mail_settings, day=TODAY + dt.timedelta(days=1))
    await deliver_due(mail_settings)
    alone = smtp_server.to(org.champion_email)[1]
    rows = await fetch("SELECT rule, status FROM reminder WHERE message_id = {}", alone.message["Message-ID"])
    assert [(r["rule"], r["status"]) for r in rows] == [("escalation", "sent")]


async def test_immediate_sends_each_reminder_alone(
    db: str, mail_settings: Settings, smtp_server: Any
) -> None:
    org = await world.organization("IMM")  # the test world's people chose "immediate"
    commitment = await world.commitment(org)
    await world.milestone(commitment, TODAY + dt.timedelta(days=3))
    await world.milestone(commitment, TODAY - dt.timedelta(days=1))
    await run_check(mail_settings, day=TODAY)
    await deliver_due(mail_settings)
    assert len(smtp_server.to(org.focal_email)) == 2
