"""The two scheduled jobs, and the record of their last run that /health reports.

Each job writes `JobRun(job, last_run_at, last_result)` when it finishes (or fails), so a dead
scheduler shows on /health as a stale time. A failing job records its error and never takes the
scheduler down with it: the next run tries again.
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

log = logging.getLogger("cop_tracker.reminders")
T = TypeVar("T")
# The tasks inside a job right now, so a stopping scheduler lets them finish (`finish_running_jobs`)
# rather than cancel them halfway through a write.
_running: set[asyncio.Task[Any]] = set()


async def record_run(job: str, result: str, at: dt.datetime | None = None) -> None:
    async with write_transaction():
        await fetch(
            "INSERT INTO job_run (job, last_run_at, last_result) VALUES ({}, {}, {}) "
            "ON CONFLICT (job) DO UPDATE SET last_run_at = excluded.last_run_at, "
            "last_result = excluded.last_result",
            job,
            at or utcnow(),
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


async def _recorded(job: str, work: Callable[[], Awaitable[T]], describe: Callable[[T], str]) -> T | None:
    """Run one job, record its outcome (or its error) in JobRun, never raise into the scheduler."""
    task = asyncio.current_task()
    if task is not None:
        _running.add(task)
    try:
        try:
            result = await work()
        except Exception as exc:
            log.exception("scheduled job %s failed", job)
            await record_run(job, f"error: {type(exc).__name__}: {exc}")
            return None
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
