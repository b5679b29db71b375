"""The two scheduled jobs, their intervals, and the record of their runs that /health reports.

The record is a `job_run` row per job in the database, not process memory: in the production
layout the jobs run in one `cop-tracker scheduler` process and every web worker reads the row. A
run writes `started_at` when it begins, `last_run_at` and `last_result` when it ends (or fails),
and `alive_at` at both and every half interval in between, so a long delivery still shows signs of
life while a scheduler that died shows a stale `alive_at`. A failing job records its error and never
takes the scheduler down with it: the next run tries again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from models.clock import utcnow
from models.engine import fetch, write_transaction
from models.settings import Settings
from reminders.check import CheckResult, run_check
from reminders.sender import DeliveryResult, deliver_due

CHECK_JOB = "timeline_check"
DELIVERY_JOB = "deliver_reminders"
DELIVERY_INTERVAL = dt.timedelta(minutes=1)
CHECK_INTERVAL = dt.timedelta(days=1)
# How often each job is meant to run: /health calls a job late past twice its interval.
JOB_INTERVALS = {DELIVERY_JOB: DELIVERY_INTERVAL, CHECK_JOB: CHECK_INTERVAL}

log = logging.getLogger("cop_tracker.reminders")
T = TypeVar("T")
# The tasks inside a job right now, so a stopping scheduler lets them finish (`finish_running_jobs`)
# rather than cancel them halfway through a write.
_running: set[asyncio.Task[Any]] = set()


async def record_start(job: str, at: dt.datetime | None = None) -> None:
    """A run of `job` begins: it is alive now, and running since now."""
    at = at or utcnow()
    async with write_transaction():
        await fetch(
            "INSERT INTO job_run (job, started_at, alive_at, last_result) VALUES ({}, {}, {}, '') "
            "ON CONFLICT (job) DO UPDATE SET started_at = excluded.started_at, alive_at = excluded.alive_at",
            job,
            at,
            at,
        )


async def record_beat(job: str, at: dt.datetime | None = None) -> None:
    """A long run of `job` goes on: it is still alive."""
    async with write_transaction():
        await fetch("UPDATE job_run SET alive_at = {} WHERE job = {}", at or utcnow(), job)


async def record_run(job: str, result: str, at: dt.datetime | None = None) -> None:
    """A run of `job` ended with `result` (also what `cop-tracker check` and `send` write)."""
    at = at or utcnow()
    async with write_transaction():
        await fetch(
            "INSERT INTO job_run (job, last_run_at, alive_at, last_result) VALUES ({}, {}, {}, {}) "
            "ON CONFLICT (job) DO UPDATE SET last_run_at = excluded.last_run_at, "
            "alive_at = excluded.alive_at, last_result = excluded.last_result",
            job,
            at,
            at,
            result[:2000],
        )


async def last_run(job: str) -> dt.datetime | None:
    rows = await fetch("SELECT last_run_at FROM job_run WHERE job = {}", job)
    return rows[0]["last_run_at"] if rows else None


def describe_check(result: CheckResult) -> str:
    rules = ", ".join(f"{rule} {count}" for rule, count in result.by_rule().items()) or "nothing new"
    return (
        f"queued {result.queued}, held for digests {result.held}, digests {result.digests} ({rules}); "
        f"read {result.rows_read_total} rows; updated {result.milestones_updated} milestones, "
        f"{result.commitments_updated} commitments"
    )


def describe_delivery(result: DeliveryResult) -> str:
    return f"sent {result.sent}, to retry {result.retried}, failed {result.failed}"


async def _beating(job: str, done: asyncio.Event) -> None:
    """Write a beat every half interval until `done` is set (never cancelled halfway through a write)."""
    every = JOB_INTERVALS.get(job, DELIVERY_INTERVAL).total_seconds() / 2
    while True:
        try:
            await asyncio.wait_for(done.wait(), timeout=every)
            return
        except TimeoutError:
            try:
                await record_beat(job)
            except Exception:  # noqa: BLE001 - a missed beat only makes /health look late
                log.warning("scheduled job %s could not record that it is still running", job)


async def _recorded(job: str, work: Callable[[], Awaitable[T]], describe: Callable[[T], str]) -> T | None:
    """Run one job, record its start and outcome (or error) in job_run, never raise into the scheduler."""
    task = asyncio.current_task()
    if task is not None:
        _running.add(task)
    done = asyncio.Event()
    beats: asyncio.Task[None] | None = None
    try:
        try:
            await record_start(job)
            beats = asyncio.create_task(_beating(job, done))
            result = await work()
        except Exception as exc:
            log.exception("scheduled job %s failed", job)
            await record_run(job, f"error: {type(exc).__name__}: {exc}")
            return None
        finally:
            done.set()
            if beats is not None:
                await beats
        await record_run(job, describe(result))
        return result
    finally:
        if task is not None:
            _running.discard(task)


async def finish_running_jobs(timeout: float) -> bool:
    """Wait up to `timeout` seconds for the jobs running now; True when none is left running."""
    running = [task for task in _running if task is not asyncio.current_task()]
    if not running:
        return True
    _, pending = await asyncio.wait(running, timeout=timeout)
    return not pending


async def timeline_check_job(settings: Settings) -> CheckResult | None:
    return await _recorded(CHECK_JOB, lambda: run_check(settings), describe_check)


async def delivery_job(settings: Settings) -> DeliveryResult | None:
    return await _recorded(DELIVERY_JOB, lambda: deliver_due(settings), describe_delivery)
