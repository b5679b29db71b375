"""The audit log, for the secretariat."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter

from api.auth import CallerDep
from api.controllers import MAX_ID, listed
from api.schemas.people import AuditEventRead
from models.paging import ListOf, Paging
from models.services import audit_log


class AuditController(Controller):
    path = "/api/audit"
    tags = ["audit"]

    @get("/")
    async def list_events(
        self,
        caller: CallerDep,
        paging: Paging,
        entity: Annotated[str | None, Parameter(query="entity", max_length=64)] = None,
        entity_id: Annotated[str | None, Parameter(query="entity_id", max_length=64)] = None,
        actor_id: Annotated[int | None, Parameter(query="actor_id", ge=1, le=MAX_ID)] = None,
        before_id: Annotated[int | None, Parameter(query="before_id", ge=1, le=MAX_ID)] = None,
    ) -> ListOf[AuditEventRead]:
        """Who did what, newest first; `before_id` keeps only events older than that id, so that
        events written while you page do not shift your pages."""
        page = await audit_log.list_events(
            caller, entity=entity, entity_id=entity_id, actor_id=actor_id, before_id=before_id, paging=paging
        )
        return listed(page, AuditEventRead)
