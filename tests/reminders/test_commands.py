"""`cop-tracker check [--date] [--dry-run]` and `cop-tracker send`, end to end in real processes."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from typing import Any

import pytest

from models import clock
from models.engine import fetch
from tests.conftest import REPO
from tests.reminders import world

# The real clock runs in these subprocesses, and a real check runs for today or earlier.
pytestmark = pytest.mark.real_clock
TODAY = clock.today()
DUE = TODAY + dt.timedelta(days=14)
CHECK_DATE = TODAY.isoformat()


@pytest.fixture
def smtp_env(smtp_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Subprocesses started by `cli` deliver to the test SMTP server."""
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("BASE_URL", "https://cop.example.org")
    return smtp_server


async def organization_with_milestones(count: int) -> world.Org:
    org = await world.organization("NRA")
    commitment = await world.commitment(org, title="Adopt a protection policy")
    for index in range(count):
        await world.milestone(commitment, DUE, title=f"Step {index:02d}")
    return org


async def test_check_dry_run_prints_what_it_would_queue_and_writes_nothing(cli: Any, smtp_env: Any) -> None:
    org = await organization_with_milestones(2)
    out = cli("check", "--date", CHECK_DATE, "--dry-run")
    assert out.returncode == 0, out.stderr
    assert f"Dry run as of {CHECK_DATE}: 2 reminders would be queued" in out.stdout
    assert out.stdout.count(org.focal_email) == 2
    assert f"Milestone due in 14 days ({DUE.day} {DUE:%B %Y}): Step 00 [NRA]" in out.stdout
    assert await world.count("reminder") == 0


async def test_check_then_send_delivers_each_reminder_once(cli: Any, smtp_env: Any) -> None:
    org = await organization_with_milestones(3)
    out = cli("check", "--date", CHECK_DATE)
    assert out.returncode == 0, out.stderr
    assert "queued 3" in out.stdout and "milestone_due_soon 3" in out.stdout
    again = cli("check", "--date", CHECK_DATE)
    assert "queued 0" in again.stdout

    sent = cli("send")
    assert sent.returncode == 0, sent.stderr
    assert "Reminders sent: 3" in sent.stdout
    assert len(smtp_env.to(org.focal_email)) == 3
    assert all("https://cop.example.org/organizations/" in m.text for m in smtp_env.messages)
    assert "Reminders sent: 0" in cli("send").stdout
    assert len(smtp_env.messages) == 3


async def test_send_with_the_server_down_exits_1_and_keeps_the_reminders(cli: Any, smtp_env: Any) -> None:
    await organization_with_milestones(2)
    cli("check", "--date", CHECK_DATE)
    smtp_env.stop()
    out = cli("send")
    assert out.returncode == 1
    assert "to retry later: 2" in out.stdout
    statuses = sorted(row["status"] for row in await world.reminders())
    assert statuses == ["queued", "queued"]


def undelivered_line(out: subprocess.CompletedProcess[str]) -> str:
    return out.stdout.split("Still undelivered: ", 1)[1].strip()


async def test_send_exits_1_until_every_reminder_is_out_and_says_what_waits(
    db: str, cli: Any, smtp_env: Any
) -> None:
    """A reminder waiting for a retry or held for a weekly digest is not delivered yet: `send` says
    so and exits 1 until the digest and the retry have gone out."""
    org = await organization_with_milestones(2)
    digest_org = await world.organization("DRC", focal_digest=True)
    await world.milestone(await world.commitment(digest_org), DUE, title="Train the staff")
    smtp_env.refuse_recipient(org.focal_email, "451 4.3.0 mailbox busy, try later", times=1)
    assert cli("check", "--date", CHECK_DATE).returncode == 0

    first = cli("send")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Reminders sent: 1; to retry later: 1; failed: 0." in first.stdout
    assert undelivered_line(first) == (
        "0 queued, 1 waiting for a retry, 1 held for a weekly digest, 0 being sent by another sender; "
        "0 failed in all (listed at /admin/reminders)."
    )
    assert len(smtp_env.messages) == 1

    # The retry's time comes (the real clock runs in the subprocess), then Monday's digest.
    await fetch("UPDATE reminder SET next_attempt_at = {} WHERE status = 'queued'", world.at(TODAY, 0))
    second = cli("send")
    assert second.returncode == 1
    assert "Reminders sent: 1;" in second.stdout and undelivered_line(second).startswith(
        "0 queued, 0 waiting for a retry, 1 held for a weekly digest"
    )
    await fetch("UPDATE reminder SET next_attempt_at = {} WHERE status = 'held'", world.at(TODAY, 0))
    assert "digests 1" in cli("check", "--date", CHECK_DATE).stdout
    last = cli("send")
    assert last.returncode == 0, last.stdout
    assert "Reminders sent: 1;" in last.stdout
    assert undelivered_line(last).startswith("0 queued, 0 waiting for a retry, 0 held for a weekly digest")
    assert len(smtp_env.to(org.focal_email)) == 2 and len(smtp_env.to(digest_org.focal_email)) == 1


async def test_send_counts_earlier_failures_without_failing_for_them(
    db: str, cli: Any, smtp_env: Any
) -> None:
    """A reminder refused for good is the secretariat's to retry: this run fails for it, the next
    runs count it but exit 0 once nothing else waits."""
    org = await organization_with_milestones(1)
    smtp_env.refuse_recipient(org.focal_email, "550 5.1.1 no such mailbox")
    cli("check", "--date", CHECK_DATE)
    refused = cli("send")
    assert refused.returncode == 1
    assert "failed: 1." in refused.stdout and "1 failed in all" in refused.stdout
    later = cli("send")
    assert later.returncode == 0, later.stdout
    assert "Reminders sent: 0; to retry later: 0; failed: 0." in later.stdout
    assert undelivered_line(later).endswith("; 1 failed in all (listed at /admin/reminders).")


async def test_two_send_processes_at_once_send_each_email_once(db: str, cli: Any, smtp_env: Any) -> None:
    org = await organization_with_milestones(40)
    cli("check", "--date", CHECK_DATE)
    env = {**os.environ, "DATABASE_URL": db, "SCHEDULER": "off"}
    senders = [
        subprocess.Popen(
            [sys.executable, "-m", "api.cli", "send"],
            cwd=str(REPO),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [sender.communicate(timeout=120) for sender in senders]
    assert all(sender.returncode == 0 for sender in senders), outputs
    assert len(smtp_env.to(org.focal_email)) == 40
    assert len({m.message["Message-ID"] for m in smtp_env.messages}) == 40


def test_check_refuses_a_malformed_date(cli: Any) -> None:
    out = cli("check", "--date", "22/11/2026")
    assert out.returncode == 2
    assert "use YYYY-MM-DD" in out.stderr


async def test_a_real_check_for_a_day_not_yet_begun_is_refused_but_may_be_previewed(cli: Any) -> None:
    await organization_with_milestones(1)
    ahead = (TODAY + dt.timedelta(days=3)).isoformat()
    out = cli("check", "--date", ahead)
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "has not begun anywhere yet" in lines[0] and "dry run" in lines[0]
    assert await world.count("reminder") == 0
    assert await world.count("job_run") == 0
    preview = cli("check", "--date", ahead, "--dry-run")
    assert preview.returncode == 0, preview.stderr
    assert await world.count("reminder") == 0
