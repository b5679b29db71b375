"""The scheduler: its jobs and their timing, /health, and a second scheduler that changes nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx

from models.settings import Settings
from reminders.jobs import CHECK_JOB, DELIVERY_JOB, last_run
from reminders.scheduler import (
    CATCH_UP_JOB,
    CHECK_MISFIRE_GRACE,
    check_missed,
    run_scheduler_forever,
    start_scheduler,
)
from tests.reminders import world


async def wait_for(condition: Any, what: str, attempts: int = 400) -> None:
    """Poll an async condition (the scheduler runs on its own); fail instead of hanging."""
    for _ in range(attempts):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def test_a_missed_daily_check_runs_at_start() -> None:
    at = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)
    assert check_missed(None, at)
    assert not check_missed(dt.datetime(2026, 11, 22, 5, 0, 1, tzinfo=dt.UTC), at)
    assert check_missed(dt.datetime(2026, 11, 21, 23, 0, tzinfo=dt.UTC), at)
    early = dt.datetime(2026, 11, 22, 4, 0, tzinfo=dt.UTC)  # before today's run: yesterday's counts
    assert not check_missed(dt.datetime(2026, 11, 21, 5, 0, 30, tzinfo=dt.UTC), early)
    assert check_missed(dt.datetime(2026, 11, 21, 4, 0, tzinfo=dt.UTC), early)


async def test_the_scheduler_has_a_frequent_delivery_and_a_daily_check(
    db: str, settings: Settings, monkeypatch: Any
) -> None:
    ran: list[str] = []

    async def fake_job(settings: Any) -> None:
        ran.append("job")

    # Replace the work, keep the schedule: this test is about the jobs' timing.
    monkeypatch.setattr("reminders.scheduler.delivery_job", fake_job)
    monkeypatch.setattr("reminders.scheduler.timeline_check_job", fake_job)
    scheduler = start_scheduler(settings)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) <= {DELIVERY_JOB, CHECK_JOB, CATCH_UP_JOB}
        assert DELIVERY_JOB in jobs and CHECK_JOB in jobs
        assert jobs[DELIVERY_JOB].trigger.interval == dt.timedelta(minutes=1)
        check = jobs[CHECK_JOB]
        assert str(check.trigger) == "cron[hour='5', minute='0']"
        assert check.misfire_grace_time == CHECK_MISFIRE_GRACE.total_seconds() >= 12 * 3600
        assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())
    finally:
        scheduler.shutdown(wait=False)


async def test_scheduler_delivers_checks_and_reports_its_jobs_on_health(
    db: str, mail_settings: Settings, smtp_server: Any, client: httpx.AsyncClient
) -> None:
    org = await world.organization("NRA")
    today = dt.datetime.now(dt.UTC).date()
    await world.milestone(
        await world.commitment(org), today + dt.timedelta(days=14), title="Draft the policy"
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_scheduler_forever(mail_settings, stop))
    try:

        async def delivered() -> bool:
            return len(smtp_server.to(org.focal_email)) == 1 and await last_run(CHECK_JOB) is not None

        await wait_for(delivered, "the catch-up check and a delivery")
    finally:
        stop.set()
        assert await task == 0
    response = await client.get("/health")
    assert response.status_code == 200, response.text
    jobs = response.json()["jobs"]
    assert jobs[CHECK_JOB]["last_run_at"] and jobs[CHECK_JOB]["last_run_ok"]
    assert jobs[DELIVERY_JOB]["last_run_at"] and jobs[DELIVERY_JOB]["running_since"] is None


async def test_a_second_scheduler_running_by_mistake_sends_nothing_twice(
    db: str, mail_settings: Settings, smtp_server: Any
) -> None:
    org = await world.organization("NRA")
    commitment = await world.commitment(org)
    today = dt.datetime.now(dt.UTC).date()
    for index in range(12):
        await world.milestone(commitment, today + dt.timedelta(days=14), title=f"Step {index}")
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run_scheduler_forever(mail_settings, stop)) for _ in range(2)]
    try:

        async def all_sent() -> bool:
            rows = await world.reminders()
            return len(rows) == 12 and all(row["status"] == "sent" for row in rows)

        await wait_for(all_sent, "both schedulers to deliver")
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert len(smtp_server.to(org.focal_email)) == 12
    assert len({m.message["Message-ID"] for m in smtp_server.messages}) == 12


async def test_a_stopping_scheduler_lets_a_running_job_finish_its_write(db: str) -> None:
    """Cancelled halfway, a job would leave an open database connection (and its thread) behind."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from reminders.jobs import _recorded
    from reminders.scheduler import stop_scheduler

    started, finished = asyncio.Event(), []

    async def slow_work() -> str:
        started.set()
        await asyncio.sleep(0.3)
        finished.append(True)
        return "done"

    async def job() -> None:
        await _recorded("slow_job", slow_work, str)

    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    scheduler.add_job(job, "date", run_date=dt.datetime.now(dt.UTC), id="slow_job")
    scheduler.start()
    await asyncio.wait_for(started.wait(), timeout=10)
    await stop_scheduler(scheduler, grace=10)
    assert finished == [True]
    assert not scheduler.running
    assert await last_run("slow_job") is not None


async def test_one_process_at_a_time_holds_the_scheduler_lock(db: str) -> None:
    from models.engine import current_engine
    from reminders.scheduler import SchedulerLock

    first, second = SchedulerLock(current_engine()), SchedulerLock(current_engine())
    assert await first.acquire()
    try:
        assert not await second.acquire()
    finally:
        await first.release()
    assert await second.acquire()
    await second.release()


async def test_the_scheduler_lock_file_sits_beside_the_database_and_follows_no_symlink(
    db: str, tmp_path: Any
) -> None:
    """Another local user must not be able to steer, hold or break the lock: it is not in a shared
    temporary directory, a planted symlink is not followed, and an unusable lock only leaves this
    process without a scheduler."""
    from pathlib import Path

    from models.engine import current_engine, is_sqlite
    from reminders.scheduler import SchedulerLock

    if not is_sqlite():
        return  # PostgreSQL uses an advisory lock, not a file
    lock = SchedulerLock(current_engine())
    assert lock.path.parent == Path(current_engine().path).resolve().parent
    target = tmp_path / "elsewhere"
    lock.path.symlink_to(target)
    try:
        assert not await lock.acquire()
        assert not target.exists()
    finally:
        lock.path.unlink()
    lock.path.mkdir()
    try:
        assert not await lock.acquire()
    finally:
        lock.path.rmdir()
    assert await lock.acquire()
    assert oct(lock.path.stat().st_mode & 0o777) == "0o600"
    await lock.release()
