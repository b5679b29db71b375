"""The application factory: `create_app(settings)` wires pages, API, templates and the scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from api.controllers import check_direct_reads
from api.guard import strict_body
from api.health import STARTED_AT, health
from api.hosts import allowed_hosts_middleware
from api.openapi import document_responses, openapi_config
from models.clock import utcnow
from models.engine import connection_pool, current_engine
from models.passwords import prepare_dummy_hash
from models.settings import Settings
from models.words import template_environment


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        prepare_dummy_hash()  # before the first sign-in, so an unknown email costs what a known one does
        # A serving worker listens for changes, so its kept reads stay true on PostgreSQL too.
        async with connection_pool(listen=True):
            scheduler = lock = None
            if settings.scheduler:
                from reminders.scheduler import SchedulerLock, start_scheduler, stop_scheduler

                # Of several workers serving one database, the first to take the lock runs the jobs.
                lock = SchedulerLock(current_engine())
                if await lock.acquire():
                    scheduler = start_scheduler(settings)
            try:
                yield
            finally:
                if scheduler is not None:
                    await stop_scheduler(scheduler)
                if lock is not None:
                    await lock.release()

    from api.routes import app_dependencies, app_middleware, exception_handlers, route_handlers

    app = Litestar(
        route_handlers=[health, *route_handlers(settings)],
        middleware=[allowed_hosts_middleware(settings.allowed_hosts), *app_middleware(settings)],
        dependencies=app_dependencies(settings),
        exception_handlers=exception_handlers(),
        before_request=strict_body,
        lifespan=[lifespan],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(template_environment())),
        openapi_config=openapi_config(),
        request_max_body_size=1_000_000,
        debug=False,
    )
    document_responses(app)
    check_direct_reads(app)
    app.state.settings = settings
    app.state[STARTED_AT] = utcnow()
    return app
