"""The application factory: `create_app(settings)` wires pages, API, templates and the scheduler."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from api.hosts import allowed_hosts_middleware
from models.engine import current_engine, fetch
from models.settings import Settings
from models.words import template_environment


@get("/health", exclude_from_auth=True, include_in_schema=True, tags=["health"])
async def health() -> dict[str, Any]:
    """Database status and the last run of each scheduled job (a dead scheduler shows here)."""
    try:
        await fetch("SELECT 1 AS ok")
        database = "ok"
    except Exception:  # noqa: BLE001 - health reports, never raises
        database = "unavailable"
    jobs: dict[str, str | None] = {}
    if database == "ok":
        for row in await fetch("SELECT job, last_run_at FROM job_run ORDER BY job"):
            at = row["last_run_at"]
            jobs[row["job"]] = at.isoformat() if isinstance(at, dt.datetime) else at
    return {"status": "ok" if database == "ok" else "degraded", "database": database, "jobs": jobs}


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = current_engine()
        if engine.engine_type == "postgres":
            await engine.start_connection_pool()
        scheduler = lock = None
        if settings.scheduler:
            from reminders.scheduler import SchedulerLock, start_scheduler, stop_scheduler

            # Of several workers serving one database, the first to take the lock runs the jobs.
            lock = SchedulerLock(engine)
            if await lock.acquire():
                scheduler = start_scheduler(settings)
        try:
            yield
        finally:
            if scheduler is not None:
                await stop_scheduler(scheduler)
            if lock is not None:
                await lock.release()
            if engine.engine_type == "postgres":
                await engine.close_connection_pool()

    from api.routes import app_dependencies, app_middleware, exception_handlers, route_handlers

    app = Litestar(
        route_handlers=[health, *route_handlers(settings)],
        middleware=[allowed_hosts_middleware(settings.allowed_hosts), *app_middleware(settings)],
        dependencies=app_dependencies(settings),
        exception_handlers=exception_handlers(),
        lifespan=[lifespan],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(template_environment())),
        openapi_config=OpenAPIConfig(title="CoP Tracker", version="1.0.0", path="/schema"),
        request_max_body_size=1_000_000,
        debug=False,
    )
    app.state.settings = settings
    return app
