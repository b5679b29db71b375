"""A sender that loses nothing and repeats almost nothing: `cop-tracker send`, the real command,
killed with SIGKILL 20 times at random moments during a 300-reminder outbox, then run once more.

Kills land in three kinds of moment: right as the SMTP server accepts a message and before the
sender hears the 250 (the one window for a duplicate), a few milliseconds after an accepted message
(recording it, or claiming the next batch), and at a random time after the start (importing,
connecting, claiming). Afterwards every reminder has arrived, at most one message per kill arrived
twice (counted by Message-ID), and nothing waits: the claims of each killed sender were taken back by
the next one at once, not after their lease.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

import pytest

from models.clock import utcnow
from models.engine import fetch
from models.settings import Settings
from reminders import outbox
from reminders.check import run_check
from tests.conftest import REPO
from tests.reminders import world

REMINDERS = 900
KILLS = 20
SEED = 18


async def queue(settings: Settings, count: int) -> None:
    org = await world.organization("NRA")
    commitment = await world.commitment(org)
    today = dt.datetime.now(dt.UTC).date()  # the senders run on the real clock
    due = today + dt.timedelta(days=14)
    for index in range(count):
        await world.milestone(commitment, due, title=f"Milestone {index:03d}")
    await run_check(settings, day=today)
    assert len(await world.reminders()) == count


def start_sender(db: str, smtp_port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "SCHEDULER": "off",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "send"],
        env=env,
        cwd=str(REPO),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def statuses() -> dict[str, int]:
    rows = await fetch("SELECT status, COUNT(*) AS n FROM reminder GROUP BY status")
    return {row["status"]: int(row["n"]) for row in rows}


@pytest.mark.slow
@pytest.mark.real_clock  # the senders run on the real clock
async def test_twenty_kills_of_the_sender_lose_nothing_and_repeat_at_most_one_message_each(
    db: str, mail_settings: Settings, smtp_server: Any
) -> None:
    await queue(mail_settings, REMINDERS)
    rng = random.Random(SEED)
    kills: list[dict[str, Any]] = []
    while len(kills) < KILLS:
        process = start_sender(db, smtp_server.port)
        moment = rng.choice(("at accept", "just after accept", "after start"))
        target = len(smtp_server.messages) + rng.randint(1, 20)

        def kill(count: int, process: Any = process, moment: str = moment, target: int = target) -> None:
            if count != target:
                return
            if moment == "at accept":
                process.send_signal(signal.SIGKILL)
            else:
                threading.Timer(rng.uniform(0.0, 0.03), process.send_signal, (signal.SIGKILL,)).start()

        timer = None
        if moment == "after start":
            timer = threading.Timer(rng.uniform(0.2, 1.5), process.send_signal, (signal.SIGKILL,))
            timer.start()
        else:
            smtp_server.handler.after_accept = kill
        process.wait(timeout=300)
        smtp_server.handler.after_accept = None
        if timer is not None:
            timer.cancel()
        if process.returncode != -signal.SIGKILL:
            # It emptied the outbox before its moment came: queue nothing new, just stop killing.
            assert process.returncode == 0, process.stderr.read() if process.stderr else ""
            break
        kills.append({"moment": moment, "delivered": len(smtp_server.messages)})
    assert len(kills) == KILLS, f"the outbox ran dry after {len(kills)} kills; queue more reminders"
    left = await statuses()
    assert left.get("sending", 0) + left.get("queued", 0) > 0, "the kills ended before the work did"

    # What the next sender does first: take back the dead senders' claims, without waiting.
    started = time.perf_counter()
    taken = await outbox.take_back_abandoned(utcnow())
    took = time.perf_counter() - started
    assert (await statuses()).get("sending", 0) == 0

    clean = start_sender(db, smtp_server.port)
    out, err = clean.communicate(timeout=300)
    assert clean.returncode == 0, out + err

    assert await statuses() == {"sent": REMINDERS}
    expected = {row["message_id"] for row in await fetch("SELECT message_id FROM reminder")}
    arrived = Counter(m.message["Message-ID"] for m in smtp_server.messages)
    assert set(arrived) == expected, "every reminder arrives, and nothing else"
    duplicates = sum(n - 1 for n in arrived.values())
    assert duplicates <= len(kills), f"{duplicates} duplicates after {len(kills)} kills"
    moments = Counter(k["moment"] for k in kills)
    print(
        f"\n{REMINDERS} reminders, {KILLS} kills ({dict(moments)}): {len(smtp_server.messages)} messages, "
        f"{duplicates} duplicates ({duplicates / KILLS:.2f} per kill), none lost; "
        f"claims left by the last kill: {taken} rows taken back in {took * 1000:.1f} ms"
    )
