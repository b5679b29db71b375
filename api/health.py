"""GET /health: 200 when the database answers and the scheduled jobs run on time, 503 with the
reasons otherwise (see reminders/health.py for what "on time" means), for load balancers and
monitors. It is public, so it names what failed, never the error's text."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, get

from api.schemas.health import HealthRead, JobRead
from models.clock import utcnow
from models.engine import fetch
from reminders.health import scheduled_jobs

log = logging.getLogger("cop_tracker.health")
STARTED_AT = "health_watching_since"  # app.state key: when this process began to expect the jobs


def _answer(status: int, body: HealthRead) -> Response[HealthRead]:
    return Response(body, status_code=status, headers={"Cache-Control": "no-store"})


def _failing(database: Any, reason: str) -> Response[HealthRead]:
    return _answer(503, HealthRead(status="failing", database=database, reasons=[reason], jobs={}))


@get("/health", exclude_from_auth=True, include_in_schema=True, tags=["health"])
async def health(request: Request[Any, Any, Any]) -> Response[HealthRead]:
    """The database's status and each scheduled job's last run; 503 with the reasons when unhealthy."""
    now = utcnow()
    try:
        await fetch("SELECT 1 AS ok")
    except Exception as exc:  # noqa: BLE001 - health reports, never raises
        log.warning("/health: the database cannot be reached: %r", exc)
        reason = f"the database cannot be reached ({type(exc).__name__}); check DATABASE_URL and the server"
        return _failing("unreachable", reason)
    try:
        jobs = await scheduled_jobs(now, request.app.state.get(STARTED_AT, now))
    except Exception as exc:  # noqa: BLE001 - e.g. migrations not applied
        log.warning("/health: the job records cannot be read: %r", exc)
        reason = f"the job records cannot be read ({type(exc).__name__}); run `cop-tracker migrate`"
        return _failing("ok", reason)
    reasons = [job.late for job in jobs if job.late is not None]
    return _answer(
        503 if reasons else 200,
        HealthRead(
            status="failing" if reasons else "ok",
            database="ok",
            reasons=reasons,
            jobs={job.job: JobRead(**job.report()) for job in jobs},  # type: ignore[arg-type]
        ),
    )
