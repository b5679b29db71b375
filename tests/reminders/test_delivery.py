"""Delivery over a real SMTP server: each reminder arrives once, and none is ever lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from typing import Any

import pytest

from models.caller import Caller
from models.engine import fetch
from models.errors import Conflict, Forbidden
from models.settings import Settings
from reminders import outbox
from reminders.check import run_check
from reminders.emails import mail_domain, message_id_for
from reminders.sender import deliver_due
from tests.conftest import REPO
from tests.reminders import world
from tests.reminders.world import at

DUE = dt.date(2026, 12, 20)
CHECK_DAY = DUE - dt.timedelta(days=14)


async def queue_reminders(settings: Settings, time_machine: Any, count: int) -> world.Org:
    """`count` milestone-due-soon reminders, all to the focal point of one organization."""
    org = await world.organization("NRA")
    commitment = await world.commitment(org)
    for index in range(count):
        await world.milestone(commitment, DUE, title=f"Milestone {index:02d}")
    time_machine.move_to(at(CHECK_DAY, 6), tick=False)
    await run_check(settings)
    assert len(await world.reminders()) == count
    return org


def later(time_machine: Any, **delta: float) -> None:
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(**delta), tick=False)


async def statuses() -> dict[str, int]:
    rows = await fetch("SELECT status, COUNT(*) AS n FROM reminder GROUP BY status")
    return {row["status"]: int(row["n"]) for row in rows}


def secretariat_caller(person_id: int) -> Caller:
    return Caller(
        person_id=person_id, email="secretariat@example.org", roles=frozenset({("secretariat", None)})
    )


async def test_two_senders_racing_send_each_email_once(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    await queue_reminders(mail_settings, time_machine, 30)
    results = await asyncio.gather(
        *(deliver_due(mail_settings, worker=f"sender-{n}", batch_size=3) for n in range(3))
    )
    assert sum(r.sent for r in results) == 30
    ids = [m.message["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert await statuses() == {"sent": 30}
    assert (await deliver_due(mail_settings)).claimed == 0


async def test_a_421_reply_is_retried_later_and_delivered_once(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    await queue_reminders(mail_settings, time_machine, 1)
    smtp_server.refuse_next_data("421 4.3.2 Service not available, try again later")
    first = await deliver_due(mail_settings)
    assert (first.sent, first.retried, first.failed) == (0, 1, 0)
    (row,) = await world.reminders()
    assert row["status"] == "queued" and row["attempts"] == 1 and "421" in row["last_error"]
    assert row["next_attempt_at"] > dt.datetime.now(dt.UTC)
    assert (await deliver_due(mail_settings)).claimed == 0, "retried before its backoff"
    later(time_machine, minutes=2)
    second = await deliver_due(mail_settings)
    assert (second.sent, second.retried) == (1, 0)
    assert len(smtp_server.messages) == 1
    (row,) = await world.reminders()
    assert row["status"] == "sent" and row["attempts"] == 2
    assert smtp_server.messages[0].message["Message-ID"] == row["message_id"]
    domain = mail_domain(mail_settings.smtp.sender, mail_settings.base_url)
    assert row["message_id"] == message_id_for(row["dedupe_key"], domain)


async def test_a_550_reply_is_marked_failed_visible_and_not_retried(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await queue_reminders(mail_settings, time_machine, 1)
    secretariat = await world.secretariat()
    smtp_server.refuse_recipient(org.focal_email, "550 5.1.1 No such user here")
    result = await deliver_due(mail_settings)
    assert (result.sent, result.retried, result.failed) == (0, 0, 1)
    later(time_machine, days=3)
    assert (await deliver_due(mail_settings)).claimed == 0
    assert smtp_server.messages == []

    caller = secretariat_caller(secretariat)
    page = await outbox.list_reminders(caller, status="failed")
    (failed,) = page.items
    assert (await outbox.reminder_counts(caller))["failed"] == 1
    assert "550" in failed["last_error"] and failed["recipient_email"] == org.focal_email
    assert failed["subject"].startswith("Milestone due in 14 days")

    smtp_server.refuse_recipient(org.focal_email, "550 5.1.1 No such user here", times=0)
    retried = await outbox.retry_reminder(caller, failed["id"])
    assert retried["status"] == "queued" and retried["attempts"] == 0
    assert (await deliver_due(mail_settings)).sent == 1
    assert len(smtp_server.to(org.focal_email)) == 1
    audit = await fetch("SELECT action, entity, actor FROM audit_event WHERE entity = 'reminder'")
    assert [dict(row) for row in audit] == [{"action": "retry", "entity": "reminder", "actor": secretariat}]


async def test_only_a_failed_reminder_can_be_retried_and_only_by_the_secretariat(
    db: str, mail_settings: Settings, time_machine: Any
) -> None:
    org = await queue_reminders(mail_settings, time_machine, 1)
    (row,) = await world.reminders()
    with pytest.raises(Conflict):
        await outbox.retry_reminder(secretariat_caller(await world.secretariat()), row["id"])
    focal = Caller(person_id=org.focal, roles=frozenset({("focal_point", org.id)}))
    with pytest.raises(Forbidden):
        await outbox.retry_reminder(focal, row["id"])
    with pytest.raises(Forbidden):
        await outbox.list_reminders(focal)


async def test_with_the_server_down_nothing_is_lost_and_all_arrive_once_it_is_back(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    await queue_reminders(mail_settings, time_machine, 5)
    smtp_server.stop()
    for _ in range(3):
        result = await deliver_due(mail_settings)
        assert result.sent == 0 and result.failed == 0
        assert await statuses() == {"queued": 5}
        later(time_machine, hours=1)
    rows = await world.reminders()
    assert all("cannot connect" in row["last_error"] for row in rows)
    smtp_server.start()
    later(time_machine, hours=4)
    assert (await deliver_due(mail_settings)).sent == 5
    assert len(smtp_server.messages) == 5
    assert await statuses() == {"sent": 5}


async def test_a_reminder_is_given_up_after_the_last_attempt_and_stays_visible(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    await queue_reminders(mail_settings, time_machine, 1)
    smtp_server.stop()
    for _ in range(outbox.MAX_ATTEMPTS):
        await deliver_due(mail_settings)
        later(time_machine, hours=4)
    (row,) = await world.reminders()
    assert row["status"] == "failed" and f"after {outbox.MAX_ATTEMPTS} attempts" in row["last_error"]


@pytest.mark.slow  # a real process that claims and is killed
async def test_a_sender_killed_between_claim_and_send_is_taken_back_at_once(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    await queue_reminders(mail_settings, time_machine, 3)
    # A real process claims the rows, then dies with SIGKILL before sending anything.
    script = (
        "import asyncio, os, signal, time_machine\n"
        "from reminders import outbox\n"
        "from reminders.claims import claimer_name\n"
        "time_machine.travel(os.environ['FROZEN_AT'], tick=False).start()\n"
        "rows = asyncio.run(outbox.claim(claimer_name(), 100))\n"
        "print(len(rows), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "DATABASE_URL": db, "FROZEN_AT": dt.datetime.now(dt.UTC).isoformat()}
    killed = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=str(REPO), capture_output=True, text=True, timeout=60
    )
    assert killed.returncode == -9 and killed.stdout.strip() == "3", killed.stderr
    assert await statuses() == {"sending": 3}
    # Same moment: its process is gone, so its claims come back without waiting for the lease.
    assert (await deliver_due(mail_settings)).sent == 3
    assert len(smtp_server.messages) == 3
    assert await statuses() == {"sent": 3}
    # Only the first row may have been on its way: the others' claim was no attempt.
    rows = await fetch("SELECT attempts FROM reminder ORDER BY id")
    assert [int(r["attempts"]) for r in rows] == [2, 1, 1]


async def test_a_claim_from_another_host_waits_for_its_lease(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    await queue_reminders(mail_settings, time_machine, 3)
    assert len(await outbox.claim("another-host:4242:123:abcd1234", 100)) == 3
    assert (await deliver_due(mail_settings)).claimed == 0, "a live lease must be left alone"
    later(time_machine, seconds=outbox.LEASE.total_seconds() - 1)
    assert (await deliver_due(mail_settings)).claimed == 0
    later(time_machine, seconds=2)
    assert (await deliver_due(mail_settings)).sent == 3
    assert await statuses() == {"sent": 3}


async def test_a_running_sender_on_this_host_keeps_its_claims(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    from reminders.claims import claimer_name

    await queue_reminders(mail_settings, time_machine, 2)
    mine = claimer_name()  # this very process: alive
    assert len(await outbox.claim(mine, 100)) == 2
    assert (await deliver_due(mail_settings)).claimed == 0
    later(time_machine, seconds=outbox.LEASE.total_seconds() / 2)
    await outbox.renew_lease(mine)
    later(time_machine, seconds=outbox.LEASE.total_seconds() * 0.75)
    assert (await deliver_due(mail_settings)).claimed == 0, "a renewed lease runs from its renewal"


async def test_a_message_its_senders_keep_dying_on_is_given_up_visibly(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    """The first row of a dead sender's claim may be what killed it: after MAX_ATTEMPTS such deaths
    it fails (shown to the secretariat) and the rows behind it, never tried, still go out."""
    from reminders.claims import this_host

    await queue_reminders(mail_settings, time_machine, 3)
    dead = f"{this_host()}:{2**22 + 1}:-:deadbeef"  # past Linux's largest process id: never running
    for _ in range(outbox.MAX_ATTEMPTS):
        assert len(await outbox.claim(dead, 100)) == 3
    result = await deliver_due(mail_settings)
    assert result.sent == 2
    rows = await fetch("SELECT status, attempts, last_error FROM reminder ORDER BY id")
    assert rows[0]["status"] == "failed" and "sender stopped each time" in rows[0]["last_error"]
    assert [r["status"] for r in rows[1:]] == ["sent", "sent"]
    assert [int(r["attempts"]) for r in rows[1:]] == [1, 1]


async def test_a_reminder_goes_only_to_someone_still_active_and_serving_the_organization(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    """Queued for the focal point and the champion; by delivery the focal point has left the
    organization and the champion's account is closed: nothing is sent, and the list says why."""
    org = await world.organization("NRA")
    commitment = await world.commitment(org)
    await world.milestone(commitment, DUE - dt.timedelta(days=45), title="Long overdue")
    time_machine.move_to(at(DUE, 6), tick=False)
    await run_check(mail_settings)
    queued = await world.reminders()
    assert {row["recipient"] for row in queued} == {org.focal, org.champion}

    await fetch("DELETE FROM role_assignment WHERE person = {} AND role = 'focal_point'", org.focal)
    await world.role(org.focal, "peer_reviewer", org.id)  # a role that receives no reminders
    await fetch("UPDATE person SET active = {} WHERE id = {}", False, org.champion)
    result = await deliver_due(mail_settings)
    assert (result.sent, result.failed) == (0, len(queued))
    assert smtp_server.messages == []
    errors = {row["recipient"]: row["last_error"] for row in await world.reminders()}
    assert "no longer a focal point or the champion" in errors[org.focal]
    assert "deactivated" in errors[org.champion]
